// A node's part in the federation, made of six pieces, each with a round() a test can step:
//   - an OutboxSender per peer delivers this node's cross-region requests and records answers;
//   - the PeerAnswerer answers peers' requests and period questions;
//   - PeriodClearing pushes ended clearing periods to settlement;
//   - Witnessing checks and cosigns peers' checkpoints and keeps fork evidence;
//   - Directories reads and caches every peer's public provider directory;
//   - Cosigned gathers the peers' cosignatures of this node's own checkpoints.
// Federation builds them from the manifest and, between start() and stop(), runs their rounds on
// its own threads: a sender per peer (waiting as the sender says), witnessing every
// witness_interval_ms, clearing every clearing_interval_ms, directories every
// directory_interval_ms (directory_retry_ms while a peer is unreachable), cosigned copies every
// cosigned_interval_ms (cosigned_retry_ms while a peer has none to show).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nodes/cosigned.h"
#include "nodes/directories.h"
#include "nodes/manifest.h"
#include "nodes/outbox_sender.h"
#include "nodes/peer.h"
#include "nodes/peer_answerer.h"
#include "nodes/period_clearing.h"
#include "nodes/service.h"
#include "nodes/witnessing.h"

namespace innoclear::nodes {

// A peer's outbox sender polls every few milliseconds when busy and its clearing asks a few
// questions a second: 200 a second with a burst of 400 leaves it room and bounds a runaway peer.
constexpr RateLimit peer_rate_default{200, 400};

struct FederationOptions {
  SenderOptions sender;
  std::uint32_t witness_interval_ms = 1'000;     // how often peers' checkpoints are fetched
  std::uint32_t clearing_interval_ms = 500;      // how often ended periods are pushed on
  std::uint32_t clearing_retry_ms_min = 1'000;   // wait after a period's round moved nothing …
  std::uint32_t clearing_retry_ms_max = 60'000;  // … doubled up to this (see PeriodClearing)
  // Peer batches and period questions each peer region may send (off: 0); `innoclear node` sets
  // peer_rate_default.
  RateLimit peer_rate;
  std::filesystem::path witness_dir;  // the witness's record; empty: no witnessing
  std::filesystem::path
      statements_dir;  // settled periods' files (PeriodClearingOptions); empty: none
  std::function<void(const std::string&)> log;  // one line per event; default stderr
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
  // same one, and installs the service gate that refuses new cross-region work with a forked
  // peer; then opens the witness record. Call once, before start() and before the service takes
  // requests.
  Status join();

  // Starts the threads that run the pieces' rounds. stop() joins them; idempotent.
  void start();
  void stop();

  // The peer regions, in region order.
  std::vector<clearing::Region> peers() const;
  // For /v1/federation: peers, their senders' state, witness state and forks.
  nlohmann::json status() const;

  const Manifest& manifest() const { return manifest_; }
  Service& service() { return service_; }
  OutboxSender& sender(clearing::Region peer) { return *senders_.at(peer); }
  PeerAnswerer& answerer() { return *answerer_; }
  PeriodClearing& clearing() { return *clearing_; }
  Witnessing& witnessing() { return *witnessing_; }
  const Witnessing& witnessing() const { return *witnessing_; }
  Directories& directories() { return *directories_; }
  Cosigned& cosigned() { return *cosigned_; }

 private:
  void send_loop(OutboxSender& sender);
  void witness_loop();
  void clearing_loop();
  void directory_loop();
  void cosigned_loop();
  Status adopt_manifest();
  bool sleep_for(std::uint32_t ms);  // false once stopping
  void log(const std::string& line) const;

  Service& service_;
  const Manifest manifest_;
  PeerTransport& transport_;
  FederationOptions options_;
  std::unique_ptr<Witnessing> witnessing_;
  std::unique_ptr<PeriodClearing> clearing_;
  std::unique_ptr<PeerAnswerer> answerer_;
  std::unique_ptr<Directories> directories_;
  std::unique_ptr<Cosigned> cosigned_;
  std::map<clearing::Region, std::unique_ptr<OutboxSender>> senders_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace innoclear::nodes
