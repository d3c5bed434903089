// clearing::Store over the ledger's derived-state tables: the rules read and write JSON records,
// stored as canonical JSON in the table of the same name.
#pragma once

#include <map>

#include "clearing/store.h"
#include "ledger/ledger.h"

namespace innoclear::nodes {

// The ledger tables a node opens: clearing's, in clearing::Table order.
std::vector<std::string> node_tables();

// Reads and writes straight through to a ledger StateWriter (inside the write transaction).
class LedgerStore final : public clearing::Store {
 public:
  explicit LedgerStore(ledger::StateWriter& state) : view_(state), state_(&state) {}
  explicit LedgerStore(const ledger::StateView& view) : view_(view), state_(nullptr) {}

  Result<std::optional<nlohmann::json>> get(clearing::Table table,
                                            const std::string& key) const override;
  Status put(clearing::Table table, const std::string& key, const nlohmann::json& record) override;
  Status erase(clearing::Table table, const std::string& key) override;
  Result<std::vector<std::pair<std::string, nlohmann::json>>> scan(
      clearing::Table table, const std::string& prefix) const override;

 private:
  const ledger::StateView& view_;
  ledger::StateWriter* state_;  // null: read-only
};

// Reads through to another store, keeps writes to itself: a decision made on it leaves the
// underlying state untouched.
class OverlayStore final : public clearing::Store {
 public:
  explicit OverlayStore(const clearing::Store& base) : base_(base) {}
  Result<std::optional<nlohmann::json>> get(clearing::Table table,
                                            const std::string& key) const override;
  Status put(clearing::Table table, const std::string& key, const nlohmann::json& record) override;
  Status erase(clearing::Table table, const std::string& key) override;
  Result<std::vector<std::pair<std::string, nlohmann::json>>> scan(
      clearing::Table table, const std::string& prefix) const override;

 private:
  const clearing::Store& base_;
  // nullopt: erased here.
  std::map<std::pair<clearing::Table, std::string>, std::optional<nlohmann::json>> writes_;
};

}  // namespace innoclear::nodes
