// This node's own checkpoints as its witnesses cosigned them. Each peer witnesses this ledger and
// serves its cosigned copy of this node's checkpoint at its GET /v1/witness/<this region>; a
// browser cannot read other hosts, so the node gathers them for its auditors. round() reads every
// peer once and keeps, per peer, the largest copy that holds: this node's signature on a
// checkpoint of this origin, a root equal to this ledger's root at that size, and the peer's
// cosignature by its node key from the manifest. A copy that fails a check is never kept; the
// reason is shown. The federation runs round() every cosigned_interval_ms (sooner while a peer
// has nothing to show), a test steps it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "nodes/manifest.h"
#include "nodes/peer.h"
#include "nodes/service.h"

namespace innoclear::nodes {

// The public path of this region's checkpoints as its witnesses cosigned them.
constexpr std::string_view cosigned_path = "/v1/ledger/cosigned";
// How often peers' cosigned copies are read: every 10 s, every 2 s while one has none to show.
constexpr std::uint32_t cosigned_interval_ms = 10'000;
constexpr std::uint32_t cosigned_retry_ms = 2'000;

// One witness's latest valid cosigned copy of this node's checkpoint, and how its last read went.
struct WitnessCopy {
  std::string note;  // empty until a valid one was read
  std::uint64_t size = 0;
  std::uint64_t timestamp_s = 0;  // the cosignature's time
  std::int64_t as_of_ms = 0;      // when `note` was read
  std::string last_error;         // why the last read gave nothing new; empty when it did
};

class Cosigned {
 public:
  // REQUIRES: `service`, `manifest` and `transport` outlive this.
  Cosigned(Service& service, const Manifest& manifest, PeerTransport& transport);

  // Reads every peer's copy once; true when every peer has a valid copy kept (read now or
  // before). Thread-safe (one round at a time).
  bool round();
  // {"origin","witnesses":[{"region","cosigner","size","timestamp_s","as_of_ms","note",
  // "last_error"}…]} in manifest order; a witness never read has no note. Thread-safe.
  nlohmann::json view() const;

 private:
  // The peer's copy, checked, or why it does not hold.
  Result<WitnessCopy> read(const Member& peer);

  Service& service_;
  const Manifest& manifest_;
  PeerTransport& transport_;
  std::mutex round_mutex_;
  mutable std::mutex mutex_;
  std::map<clearing::Region, WitnessCopy> copies_;  // guarded by mutex_
};

}  // namespace innoclear::nodes
