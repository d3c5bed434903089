// How a node reaches its peers. An interface, so the federation's logic runs in tests over an
// in-process transport that can drop, delay or refuse (the fault seam), and in a node over mutual
// TLS pinned by the manifest (api/peer_transport.cpp).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "base/utf8.h"
#include "clearing/region.h"

namespace innoclear::nodes {

struct PeerResponse {
  unsigned status = 0;  // HTTP status
  std::string body;
};

// A region's two-letter code ("BJ") as a string, as the federation's keys and messages spell it.
inline std::string code_of(clearing::Region region) {
  return std::string(clearing::region_code(region));
}

// At most `bytes_max` bytes of `text`, cut before the first byte that is not part of a whole
// UTF-8 character: a problem detail that leaves a node must stay valid UTF-8 (nlohmann's dump()
// throws on a cut character). Text from a peer or a member is never trusted to be UTF-8.
inline std::string utf8_prefix(std::string_view text, std::size_t bytes_max) {
  std::size_t kept = 0;
  while (kept < text.size()) {
    const std::size_t length = utf8_sequence_bytes(text.substr(kept));
    if (length == 0 || kept + length > bytes_max) break;
    kept += length;
  }
  return std::string(text.substr(0, kept));
}

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
