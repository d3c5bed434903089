#include "nodes/state_store.h"

#include "crypto/canonical_json.h"

namespace innoclear::nodes {

std::vector<std::string> node_tables() {
  return {clearing::table_names.begin(), clearing::table_names.end()};
}

namespace {
ledger::Table table_index(clearing::Table table) { return static_cast<ledger::Table>(table); }

Result<nlohmann::json> parse_record(std::string_view bytes) {
  nlohmann::json record = nlohmann::json::parse(bytes, nullptr, false);
  if (record.is_discarded()) return Status(Code::storage_corrupt, "a state record is not JSON");
  return record;
}
}  // namespace

Result<std::optional<nlohmann::json>> LedgerStore::get(clearing::Table table,
                                                       const std::string& key) const {
  Result<std::optional<std::string>> bytes = view_.get(table_index(table), key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<nlohmann::json>();
  Result<nlohmann::json> record = parse_record(**bytes);
  if (!record.ok()) return record.status();
  return std::optional<nlohmann::json>(std::move(*record));
}

Status LedgerStore::put(clearing::Table table, const std::string& key,
                        const nlohmann::json& record) {
  assert(state_ != nullptr);
  return state_->put(table_index(table), key, crypto::canonical_dump(record));
}

Status LedgerStore::erase(clearing::Table table, const std::string& key) {
  assert(state_ != nullptr);
  return state_->erase(table_index(table), key);
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> LedgerStore::scan(
    clearing::Table table, const std::string& prefix) const {
  std::vector<std::pair<std::string, nlohmann::json>> rows;
  Status failure;
  Status status =
      view_.scan(table_index(table), prefix, [&](std::string_view key, std::string_view value) {
        Result<nlohmann::json> record = parse_record(value);
        if (!record.ok()) {
          failure = record.status();
          return false;
        }
        rows.emplace_back(std::string(key), std::move(*record));
        return true;
      });
  if (!status.ok()) return status;
  if (!failure.ok()) return failure;
  return rows;
}

Result<std::optional<nlohmann::json>> OverlayStore::get(clearing::Table table,
                                                        const std::string& key) const {
  const auto written = writes_.find({table, key});
  if (written != writes_.end()) return written->second;
  return base_.get(table, key);
}

Status OverlayStore::put(clearing::Table table, const std::string& key,
                         const nlohmann::json& record) {
  writes_[{table, key}] = record;
  return Status::success();
}

Status OverlayStore::erase(clearing::Table table, const std::string& key) {
  writes_[{table, key}] = std::nullopt;
  return Status::success();
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> OverlayStore::scan(
    clearing::Table table, const std::string& prefix) const {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> base = base_.scan(table, prefix);
  if (!base.ok()) return base;
  std::map<std::string, nlohmann::json> merged(base->begin(), base->end());
  for (auto it = writes_.lower_bound({table, prefix}); it != writes_.end(); ++it) {
    if (it->first.first != table || it->first.second.compare(0, prefix.size(), prefix) != 0) break;
    if (it->second.has_value()) {
      merged[it->first.second] = *it->second;
    } else {
      merged.erase(it->first.second);
    }
  }
  return std::vector<std::pair<std::string, nlohmann::json>>(merged.begin(), merged.end());
}

}  // namespace innoclear::nodes
