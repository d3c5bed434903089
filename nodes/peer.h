// How a node reaches its peers. An interface, so the federation's logic runs in tests over an
// in-process transport that can drop, delay or refuse (the fault seam), and in a node over mutual
// TLS pinned by the manifest (api/peer_transport.cpp).
#pragma once

#include <string>

#include "base/status.h"
#include "clearing/region.h"

namespace innoclear::nodes {

struct PeerResponse {
  unsigned status = 0;  // HTTP status
  std::string body;
};

class PeerTransport {
 public:
  virtual ~PeerTransport() = default;
  // Thread-safe. Fails with io_error when the peer cannot be reached or does not answer in time;
  // an HTTP error status is a response, not a failure.
  virtual Result<PeerResponse> get(clearing::Region peer, const std::string& target) = 0;
  virtual Result<PeerResponse> post(clearing::Region peer, const std::string& target,
                                    const std::string& body) = 0;
};

}  // namespace innoclear::nodes
