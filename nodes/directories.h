// The provider directory as a node serves it: this region's, read from the books at each request,
// and the federation's, gathered from every peer's public GET /v1/directory and cached. round()
// reads every peer once; the federation runs it every directory_interval_ms (sooner while a peer
// is unreachable), a test steps it. A peer that cannot be read keeps the directory it gave last,
// marked unreachable with the time it was read.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "clearing/directory.h"
#include "nodes/manifest.h"
#include "nodes/peer.h"
#include "nodes/service.h"

namespace innoclear::nodes {

// The public path of a region's directory, and its federation view.
constexpr std::string_view directory_path = "/v1/directory";
// How often peers' directories are read: every 30 s, every 5 s while one is unreachable. A view is
// at most this old plus one round's deadlines.
constexpr std::uint32_t directory_interval_ms = 30'000;
constexpr std::uint32_t directory_retry_ms = 5'000;

// This region's directory (clearing::directory) from the service's last commit. Thread-safe.
Result<nlohmann::json> local_directory(const Service& service);

class Directories {
 public:
  // REQUIRES: `service`, `manifest` and `transport` outlive this.
  Directories(const Service& service, const Manifest& manifest, PeerTransport& transport);

  // Reads every peer's directory once; true when every peer answered with a valid one.
  // Thread-safe (one round at a time).
  bool round();
  // The federation view (clearing::federation_directory): this region's now, then each peer's
  // as last read, in manifest order. Thread-safe.
  Result<nlohmann::json> federation() const;

 private:
  const Service& service_;
  const Manifest& manifest_;
  PeerTransport& transport_;
  std::mutex round_mutex_;
  mutable std::mutex mutex_;
  std::map<clearing::Region, clearing::MemberDirectory> peers_;  // guarded by mutex_
};

}  // namespace innoclear::nodes
