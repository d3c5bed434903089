// The state the voucher rules read and write: JSON records in named tables. clearing/ sees state
// only through this interface, so every rule runs in memory in tests, and on the ledger's
// derived-state tables (inside the entry's write transaction) in a node.
#pragma once

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace innoclear::clearing {

enum class Table : std::uint8_t {
  actors,          // actor id → {role, name, region, key, retired_keys, status, …}
  settings,        // "policy" → the region's policy
  budgets,         // year → {total, available, reserved, redeemed, paid} (fen)
  applications,    // enterprise|application id → application
  vouchers,        // voucher id → voucher
  receipts,        // provider|receipt id → receipt
  usage,           // enterprise|year → {count, amount}
  provider_stats,  // provider|YYYY-MM → {services, amount, ratings, rating_sum}
  nonces,          // actor|nonce → {statement_sha256, index, result}
  indexes,         // secondary keys, e.g. enterprise|voucher id → ""
  outbox,          // request id → a two-phase request to a peer, until its answer is recorded
  obligations,     // request id → the cross-region obligation line both notaries recorded
  settlements,     // period → the period's settlement: office signatures, then the record
  services,        // provider|service id → a provider's published service (the directory)
  messages,        // author|message id → a message to the office (留言区)
};
constexpr std::size_t table_count = 15;
constexpr std::array<std::string_view, table_count> table_names = {
    "actors",   "settings",    "budgets",        "applications", "vouchers",
    "receipts", "usage",       "provider_stats", "nonces",       "indexes",
    "outbox",   "obligations", "settlements",    "services",     "messages"};

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<std::optional<nlohmann::json>> get(Table table, const std::string& key) const = 0;
  virtual Status put(Table table, const std::string& key, const nlohmann::json& record) = 0;
  // Removes the record if there is one.
  virtual Status erase(Table table, const std::string& key) = 0;
  // Keys starting with `prefix`, in order, with their records.
  virtual Result<std::vector<std::pair<std::string, nlohmann::json>>> scan(
      Table table, const std::string& prefix) const = 0;
};

// For tests and tools: everything in memory.
class MemoryStore final : public Store {
 public:
  Result<std::optional<nlohmann::json>> get(Table table, const std::string& key) const override;
  Status put(Table table, const std::string& key, const nlohmann::json& record) override;
  Status erase(Table table, const std::string& key) override;
  Result<std::vector<std::pair<std::string, nlohmann::json>>> scan(
      Table table, const std::string& prefix) const override;

 private:
  std::map<std::pair<Table, std::string>, nlohmann::json> records_;
};

}  // namespace innoclear::clearing
