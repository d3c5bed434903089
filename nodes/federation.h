// A node's part in the federation: delivering its outbox to peers, answering their requests,
// watching their checkpoints, and closing clearing periods with them.
//
// Outbox: one sender thread per peer reads the outbox rows (written by the rules in the same
// transaction as the lock they belong to), signs each as a peer request of this node, posts them
// in batches, and records every answer as an entry of its own ledger, which clears the row.
// Until an answer is recorded the row stays: a peer that is down, slow or refusing is retried
// with back-off doubling from peer_retry_backoff_ms_min to peer_retry_backoff_ms_max, forever;
// nothing is voided without the peer's answer.
//
// Answering: a batch of peer requests is authenticated twice — the TLS client certificate must be
// the manifest's for the region the statement's actor belongs to, and the statement's signature
// the node key recorded from the manifest — then each is submitted to the service like any
// statement. The answer is a statement of this node, kind peer.answer, carrying the recorded
// result and the index and SHA-256 of the entry that recorded it; asking again returns the same
// entry (the replay key of peer requests is the request id).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "clearing/periods.h"
#include "clearing/settlement.h"
#include "nodes/manifest.h"
#include "nodes/peer.h"
#include "nodes/service.h"

namespace innoclear::nodes {

constexpr std::string_view peer_requests_path = "/v1/peer/requests";
// A batch of peer requests stays well under a node's request body limit (64 KiB, api/https.h).
constexpr std::size_t peer_batch_bytes_max = 48 * 1024;

struct FederationOptions {
  std::uint32_t outbox_poll_ms = 5;               // idle wait between outbox scans
  std::uint32_t peer_retry_backoff_ms_min = 50;
  std::uint32_t peer_retry_backoff_ms_max = 5'000;
  std::size_t peer_batch_requests_max = 64;       // requests per POST to a peer
  std::uint32_t witness_interval_ms = 1'000;      // how often peers' checkpoints are fetched
  std::uint32_t clearing_interval_ms = 500;       // how often ended periods are pushed on
  std::filesystem::path witness_dir;              // the witness's record; empty: no witnessing
  std::function<void(const std::string&)> log;    // one line per event; default stderr
};

class Federation {
 public:
  // REQUIRES: `service` and `transport` outlive the federation; `manifest` lists the service's
  // region.
  Federation(Service& service, Manifest manifest, PeerTransport& transport,
             FederationOptions options);
  ~Federation();  // stop()
  Federation(const Federation&) = delete;
  Federation& operator=(const Federation&) = delete;

  // Records the manifest as a federation.manifest statement unless the ledger already holds the
  // same one. Also installs the service gate that refuses new cross-region work with a forked
  // peer. Call once, before start() and before the service takes requests.
  Status adopt_manifest();
  // Opens the witness record (options.witness_dir) and the forks it holds. Call before start().
  Status open_witness();

  // Starts the sender and witness threads. stop() joins them; idempotent.
  void start();
  void stop();

  // Answers a batch of peer requests, body {"requests":[{"signature","statement"},…]}, from a
  // client whose TLS certificate has `client_fingerprint`. `done` runs once, on some thread, with
  // the body {"answers":[{"answer":{"signature","statement"}} | {"problem":{"code","detail"}},…]}
  // or with the refusal of the whole batch (forbidden, bad_statement).
  using AnswerDone = std::function<void(Result<std::string>)>;
  void answer(const std::string& client_fingerprint, const std::string& body, AnswerDone done);

  // The peer regions, in region order.
  std::vector<clearing::Region> peers() const;
  bool is_forked(clearing::Region peer) const;
  // For /v1/federation: peers, outbox sizes, back-off, witness state and forks.
  nlohmann::json status() const;
  // A peer asking for its side of a period (GET /v1/peer/period?period=P): this node's lines
  // with the caller, whether they are complete, its close and its office's signature, if any.
  // The period becomes one this node works to settle.
  Result<std::string> answer_period(const std::string& client_fingerprint, const std::string& period);
  // The open differences of a period with each peer, with the entries and inclusion proofs that
  // show them (empty when none).
  nlohmann::json differences(const std::string& period) const;

  // The peer's last checkpoint this node verified, with this node's C2SP cosignature appended.
  Result<std::string> cosigned_checkpoint(clearing::Region peer) const;
  // Every fork evidence recorded (ForkEvidence::to_json), for auditors.
  nlohmann::json forks() const;

  const Manifest& manifest() const { return manifest_; }
  Service& service() { return service_; }

  struct Witness;
  struct PeerState;

 private:
  void send_loop(clearing::Region peer);
  // One round: sends up to a batch of the peer's outbox rows and records the answers. Returns
  // how many rows were answered; io_error and the like when the peer could not be used.
  Result<std::size_t> send_round(clearing::Region peer);
  void witness_loop();
  void clearing_loop();
  Status clearing_round();
  Status advance_period(const std::string& period);
  Status close_period(const clearing::Period& period, const std::map<clearing::Region, nlohmann::json>& views);
  nlohmann::json difference_report(clearing::Region peer, const std::vector<clearing::Difference>& found,
                                   const nlohmann::json& view);
  Status submit_own(const std::string& kind, const nlohmann::json& body);
  Status witness_round(clearing::Region peer);
  bool sleep_for(std::uint32_t ms);  // false once stopping
  void log(const std::string& line) const;

  Service& service_;
  Manifest manifest_;
  PeerTransport& transport_;
  FederationOptions options_;
  std::unique_ptr<Witness> witness_;
  std::map<clearing::Region, std::unique_ptr<PeerState>> peer_states_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::set<std::string> active_periods_;                 // guarded by mutex_
  std::map<std::string, nlohmann::json> differences_;    // period → peer → report; mutex_
};

}  // namespace innoclear::nodes
