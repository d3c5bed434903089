// Delivers this node's outbox to one peer. The rules write an outbox row in the same transaction
// as the lock it belongs to; the sender signs each row as a peer request of this node, posts them
// in batches, and records every answer as a peer.answer entry of its own ledger, which clears the
// row. Until an answer is recorded the row stays: nothing is voided without the peer's answer.
//
// round() is one attempt, driven by the node's timer (Federation) or stepped by a test; after it,
// next_wait_ms() says when to try again: at once after progress, the poll interval when idle, and
// a back-off doubling from retry_ms_min to retry_ms_max while the peer fails.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clearing/region.h"
#include "nodes/peer.h"
#include "nodes/service.h"

namespace innoclear::nodes {

constexpr std::string_view peer_requests_path = "/v1/peer/requests";
// A batch of peer requests stays well under a node's request body limit (64 KiB, api/https.h).
constexpr std::size_t peer_batch_bytes_max = 48 * 1024;
// What of a peer's refusal is kept in a log line or a status: enough to read, bounded.
constexpr std::size_t problem_detail_bytes_max = 300;

struct SenderOptions {
  std::uint32_t poll_ms = 5;  // idle wait between outbox scans
  std::uint32_t retry_ms_min = 50;
  std::uint32_t retry_ms_max = 5'000;
  std::size_t batch_requests_max = 64;  // requests per POST to a peer
};

class OutboxSender {
 public:
  // REQUIRES: `service` and `transport` outlive the sender.
  OutboxSender(Service& service, PeerTransport& transport, clearing::Region peer,
               SenderOptions options);

  // Sends up to a batch of the peer's outbox rows and records the answers. Returns how many rows
  // were answered; io_error and the like when the peer could not be used. Not concurrent with
  // itself (one caller drives a sender).
  Result<std::size_t> round();
  // How long to wait after the last round(). Thread-safe.
  std::uint32_t next_wait_ms() const;
  // A line to log after the last round, when its failure is new ("" otherwise). Thread-safe.
  std::string news() const;
  // {backoff_ms, delivered, last_batch, last_error}, for /v1/federation. Thread-safe.
  nlohmann::json status() const;
  clearing::Region peer() const { return peer_; }

 private:
  Result<std::size_t> send_batch();
  // The signed requests for outbox rows, each with its actor's proof (nodes/actor_proof.h).
  Result<nlohmann::json> requests_for(
      const std::vector<std::pair<std::string, nlohmann::json>>& rows);
  // The size of this node's ledger the peer last verified as its witness, if it says.
  std::optional<std::uint64_t> witnessed_size();
  void note(const Result<std::size_t>& sent);

  Service& service_;
  PeerTransport& transport_;
  const clearing::Region peer_;
  const SenderOptions options_;
  mutable std::mutex mutex_;
  std::uint32_t backoff_ms_ = 0;  // guarded by mutex_, as are the fields below
  std::uint32_t wait_ms_ = 0;
  std::uint64_t delivered_ = 0;
  std::string last_error_;
  std::string news_;
  std::size_t last_batch_ = 0;
};

}  // namespace innoclear::nodes
