#include "clearing/federation.h"

#include <algorithm>

#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

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

Result<std::vector<ObligationLine>> bilateral_lines(const Store& store, const Period& period,
                                                    Region own, Region peer) {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
      store.scan(Table::obligations, "");
  if (!rows.ok()) return rows.status();
  std::vector<ObligationLine> lines;
  for (const auto& [id, row] : *rows) {
    const std::int64_t requested_ms = row.value("requested_ms", std::int64_t{-1});
    if (requested_ms < period.from_ms || requested_ms >= period.to_ms) continue;
    Result<ObligationLine> line = line_from_json(row["line"]);
    if (!line.ok())
      return Status(Code::storage_corrupt, "obligation " + id + ": " + line.status().message());
    const bool between = (line->home == own && line->provider_region == peer) ||
                         (line->home == peer && line->provider_region == own);
    if (between) lines.push_back(std::move(*line));
  }
  if (lines.size() > statement_lines_max) {
    return Status(Code::out_of_range,
                  "more than " + std::to_string(statement_lines_max) + " lines");
  }
  std::sort(lines.begin(), lines.end(),
            [](const ObligationLine& a, const ObligationLine& b) { return a.id < b.id; });
  return lines;
}

Result<bool> outbox_clear(const Store& store, const Period& period, Region peer) {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows = store.scan(Table::outbox, "");
  if (!rows.ok()) return rows.status();
  for (const auto& [id, row] : *rows) {
    if (row.value("peer", "") != region_code(peer)) continue;
    if (row["body"].value("requested_ms", std::int64_t{0}) < period.to_ms) return false;
  }
  return true;
}

std::string lines_digest(std::span<const ObligationLine> lines) {
  nlohmann::json list = nlohmann::json::array();
  for (const ObligationLine& line : lines) {
    nlohmann::json value = to_json(line);
    value.erase("index");
    list.push_back(std::move(value));
  }
  return crypto::hex_encode(crypto::sha256(crypto::canonical_dump(list)));
}

}  // namespace innoclear::clearing
