// What the node layer needs to know about cross-region statements.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "clearing/region.h"
#include "clearing/rules.h"

namespace innoclear::clearing {

// Requests one node sends another, and the answers it records: peer.receipt.consume,
// peer.voucher.honour and peer.answer. Each carries a body field "request_id".
bool is_peer_request(std::string_view kind);

// The key under which a statement's first acceptance is remembered, so that stating it again
// returns the original result. Usually actor|nonce. For peer requests it is actor||request_id
// (a nonce is never empty, so the two cannot collide): a peer asking again after a lost reply
// signs a new statement, with a new time and nonce, for the same request, and must get the same
// answer. `fingerprint` says what must be identical for a replay: the statement bytes, or for
// peer requests the canonical body.
struct ReplayKey {
  std::string key;
  std::string fingerprint;
};
ReplayKey replay_key(const Statement& statement, std::string_view bytes);

// The peer a statement would start cross-region work with: voucher.redeem naming a
// provider_region, voucher.provider_redeem naming a voucher_region, other than `own`.
std::optional<Region> cross_region_peer(const Statement& statement, Region own);

}  // namespace innoclear::clearing
