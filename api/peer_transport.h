// nodes::PeerTransport over mutual TLS: each peer is reached at its manifest base URL, its
// certificate pinned by the manifest fingerprint, this node presenting its own certificate.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "api/https.h"
#include "nodes/data_dir.h"
#include "nodes/manifest.h"
#include "nodes/peer.h"

namespace innoclear::api {

class HttpsPeerTransport final : public nodes::PeerTransport {
 public:
  // Fails with invalid_argument if a member's base URL does not parse.
  static Result<std::unique_ptr<HttpsPeerTransport>> create(const nodes::Manifest& manifest,
                                                            const nodes::DataDir& own,
                                                            std::uint32_t timeout_ms);

  Result<nodes::PeerResponse> get(clearing::Region peer, const std::string& target) override;
  Result<nodes::PeerResponse> post(clearing::Region peer, const std::string& target,
                                   const std::string& body) override;

 private:
  // Idle keep-alive connections per peer; a caller takes one (or opens one) and gives it back.
  struct Pool {
    ClientOptions options;
    std::mutex mutex;
    std::vector<std::unique_ptr<HttpsClient>> idle;
  };
  static constexpr std::size_t idle_connections_max = 4;

  Result<nodes::PeerResponse> request(clearing::Region peer, const std::string& method,
                                      const std::string& target, const std::string& body);
  std::map<clearing::Region, std::unique_ptr<Pool>> pools_;
};

}  // namespace innoclear::api
