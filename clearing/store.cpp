#include "clearing/store.h"

namespace innoclear::clearing {

Result<std::optional<nlohmann::json>> MemoryStore::get(Table table, const std::string& key) const {
  const auto found = records_.find({table, key});
  if (found == records_.end()) return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(found->second);
}

Status MemoryStore::put(Table table, const std::string& key, const nlohmann::json& record) {
  records_[{table, key}] = record;
  return Status::success();
}

Status MemoryStore::erase(Table table, const std::string& key) {
  records_.erase({table, key});
  return Status::success();
}

Result<std::vector<std::pair<std::string, nlohmann::json>>> MemoryStore::scan(
    Table table, const std::string& prefix) const {
  std::vector<std::pair<std::string, nlohmann::json>> rows;
  for (auto it = records_.lower_bound({table, prefix}); it != records_.end(); ++it) {
    if (it->first.first != table || it->first.second.compare(0, prefix.size(), prefix) != 0) break;
    rows.emplace_back(it->first.second, it->second);
  }
  return rows;
}

}  // namespace innoclear::clearing
