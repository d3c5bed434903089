#include "clearing/federation.h"

#include "crypto/canonical_json.h"

namespace innoclear::clearing {

bool is_peer_request(std::string_view kind) {
  return kind == "peer.receipt.consume" || kind == "peer.voucher.honour" || kind == "peer.answer";
}

ReplayKey replay_key(const Statement& statement, std::string_view bytes) {
  if (is_peer_request(statement.kind)) {
    const auto request_id = statement.body.find("request_id");
    if (request_id != statement.body.end() && request_id->is_string()) {
      return {key_of(key_of(statement.actor, ""), request_id->get<std::string>()),
              crypto::canonical_dump(statement.body)};
    }
  }
  return {key_of(statement.actor, statement.nonce), std::string(bytes)};
}

std::optional<Region> cross_region_peer(const Statement& statement, Region own) {
  const char* field = statement.kind == "voucher.redeem"            ? "provider_region"
                      : statement.kind == "voucher.provider_redeem" ? "voucher_region"
                                                                    : nullptr;
  if (field == nullptr) return std::nullopt;
  const auto found = statement.body.find(field);
  if (found == statement.body.end() || !found->is_string()) return std::nullopt;
  Result<Region> region = parse_region(found->get<std::string>());
  if (!region.ok() || *region == own) return std::nullopt;
  return *region;
}

}  // namespace innoclear::clearing
