// What the node layer needs to know about cross-region statements.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "clearing/periods.h"
#include "clearing/region.h"
#include "clearing/rules.h"
#include "clearing/settlement.h"
#include "clearing/store.h"

namespace innoclear::clearing {

// Versions of the federation manifest: a new station joins by a new version.
constexpr std::int64_t manifest_version_max = 1'000'000;

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

// This node's obligation lines with `peer` whose request was locked in `period`, sorted by id.
Result<std::vector<ObligationLine>> bilateral_lines(const Store& store, const Period& period,
                                                    Region own, Region peer);

// Whether every request this node sent to `peer` that was locked in `period` or before has been
// answered: until then its side of the period's statement with that peer may still grow.
Result<bool> outbox_clear(const Store& store, const Period& period, Region peer);

// SHA-256 (hex) of the lines as both sides see them: canonical JSON of the lines without `index`
// (each side's own entry), in id order.
std::string lines_digest(std::span<const ObligationLine> lines);

}  // namespace innoclear::clearing
