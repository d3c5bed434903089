#include "clearing/amount.h"
#include "clearing/queries.h"
#include "clearing/rules_internal.h"

namespace innoclear::clearing::detail {

Result<std::string> text_field(const nlohmann::json& body, const char* name,
                               std::size_t bytes_max) {
  const auto found = body.find(name);
  if (found == body.end() || !found->is_string() || found->get_ref<const std::string&>().empty()) {
    return Status(Code::bad_statement, std::string("body needs a non-empty string '") + name + "'");
  }
  // '|' separates the parts of record keys: an identifier holding one could alias another's.
  if (bytes_max == identifier_bytes_max &&
      found->get_ref<const std::string&>().find('|') != std::string::npos) {
    return Status(Code::bad_statement, std::string("'") + name + "' may not contain '|'");
  }
  if (found->get_ref<const std::string&>().size() > bytes_max) {
    return Status(Code::bad_statement, std::string("'") + name + "' is longer than " +
                                           std::to_string(bytes_max) + " bytes");
  }
  return found->get<std::string>();
}

Result<std::string> optional_text(const nlohmann::json& body, const char* name) {
  if (!body.contains(name)) return std::string();
  return text_field(body, name);
}

Result<Page> page_of(const nlohmann::json& body) {
  Page page{0, page_rows_default};
  if (body.contains("offset")) {
    Result<std::int64_t> offset = integer_field(body, "offset");
    if (!offset.ok()) return offset.status();
    if (*offset < 0) return Status(Code::invalid_argument, "'offset' must not be negative");
    page.offset = *offset;
  }
  if (body.contains("limit")) {
    Result<std::int64_t> limit = integer_field(body, "limit");
    if (!limit.ok()) return limit.status();
    if (*limit < 1 || *limit > page_rows_max) {
      return Status(Code::invalid_argument,
                    "'limit' must be 1 to " + std::to_string(page_rows_max));
    }
    page.limit = *limit;
  }
  return page;
}

nlohmann::json paged(const nlohmann::json& rows, const Page& page, const char* name) {
  nlohmann::json slice = nlohmann::json::array();
  const auto total = static_cast<std::int64_t>(rows.size());
  for (std::int64_t i = page.offset; i < total && i < page.offset + page.limit; ++i) {
    slice.push_back(rows[static_cast<std::size_t>(i)]);
  }
  return {
      {name, std::move(slice)}, {"limit", page.limit}, {"offset", page.offset}, {"total", total}};
}

bool is_voucher_provider(const nlohmann::json& voucher, const std::string& id,
                         const nlohmann::json& actor) {
  const std::string home = voucher.value("region", "");
  const std::string region = actor.value("region", "");
  return (voucher.value("assigned_to", "") == id &&
          voucher.value("assigned_region", home) == region) ||
         (voucher.value("provider", "") == id && voucher.value("provider_region", home) == region);
}

bool is_valid_id(std::string_view id) {
  const auto allowed = [](char c, bool first) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (!first && (c == '.' || c == '_' || c == '-'));
  };
  if (id.empty() || id.size() > identifier_bytes_max) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (!allowed(id[i], i == 0)) return false;
  }
  return true;
}

Result<std::string> id_field(const nlohmann::json& body, const char* name) {
  const auto found = body.find(name);
  if (found == body.end() || !found->is_string() || found->get_ref<const std::string&>().empty()) {
    return Status(Code::bad_statement, std::string("body needs a non-empty string '") + name + "'");
  }
  const std::string& id = found->get_ref<const std::string&>();
  if (!is_valid_id(id)) {
    return Status(Code::invalid_id, std::string("'") + name +
                                        "' must be 1 to 64 of A-Z a-z 0-9 . _ -, "
                                        "beginning with a letter or digit");
  }
  return id;
}

Result<std::int64_t> integer_field(const nlohmann::json& body, const char* name) {
  const auto found = body.find(name);
  if (found == body.end() || !found->is_number_integer()) {
    return Status(Code::bad_statement, std::string("body needs an integer '") + name + "'");
  }
  if (found->is_number_unsigned() && found->get<std::uint64_t>() > INT64_MAX) {
    return Status(Code::amount_invalid, std::string("'") + name + "' exceeds int64");
  }
  return found->get<std::int64_t>();
}

Result<std::int64_t> amount_field(const nlohmann::json& body, const char* name) {
  Result<std::int64_t> amount = integer_field(body, name);
  if (!amount.ok()) return amount;
  if (*amount <= 0) {
    return Status(Code::amount_invalid,
                  std::string("'") + name + "' must be a positive number of fen");
  }
  return amount;
}

Result<nlohmann::json> require(const Store& store, Table table, const std::string& key,
                               const std::string& what) {
  Result<std::optional<nlohmann::json>> record = store.get(table, key);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return Status(Code::not_found, "no " + what + " " + key);
  return std::move(**record);
}

nlohmann::json default_policy() {
  return {{"accepted_regions", {"BJ", "TJ", "HE", "NM", "GZ", "CD"}},
          {"categories", {"testing", "rnd", "transfer"}},
          {"face_cap", 500'000},  // ¥5,000 (DESIGN.md)
          {"ratio_bp", 5'000},    // half of the price
          {"validity_days", 365},
          {"yearly_amount_max", 1'000'000},  // ¥10,000 per enterprise and year
          {"yearly_count_max", 5}};
}

Result<nlohmann::json> policy(const Store& store) {
  Result<std::optional<nlohmann::json>> stored_policy = store.get(Table::settings, "policy");
  if (!stored_policy.ok()) return stored_policy.status();
  return stored_policy->has_value() ? **stored_policy : default_policy();
}

Result<nlohmann::json> budget(const Store& store, int year) {
  Result<std::optional<nlohmann::json>> record = store.get(Table::budgets, std::to_string(year));
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return Status(Code::no_budget, "no budget was allocated for " + std::to_string(year));
  }
  return std::move(**record);
}

std::int64_t stored(const nlohmann::json& record, const char* name) {
  const auto found = record.find(name);
  assert(found != record.end() && found->is_number_integer());
  return found->get<std::int64_t>();
}

Status move_budget(nlohmann::json& budget_record, const char* from, const char* to,
                   std::int64_t amount) {
  assert(amount >= 0);
  const std::int64_t source = stored(budget_record, from);
  if (source < amount) {
    return {Code::budget_insufficient, std::string("budget ") + from + " is " +
                                           format_yuan(source) + ", needs " + format_yuan(amount)};
  }
  const std::optional<std::int64_t> target = add_fen(stored(budget_record, to), amount);
  if (!target) return {Code::amount_invalid, "budget overflow"};
  budget_record[from] = source - amount;
  budget_record[to] = *target;
  return Status::success();
}

bool contains_string(const nlohmann::json& list, const std::string& value) {
  if (!list.is_array()) return false;
  for (const auto& item : list) {
    if (item.is_string() && item.get_ref<const std::string&>() == value) return true;
  }
  return false;
}

void mark(nlohmann::json& voucher, std::string_view state, const Context& context) {
  nlohmann::json& timeline = voucher["timeline"];
  if (!timeline.is_array()) timeline = nlohmann::json::array();
  timeline.push_back(
      {{"index", context.index}, {"state", std::string(state)}, {"time_ms", context.accepted_ms}});
}

std::string provider_stats_prefix(std::string_view provider_region, const std::string& provider) {
  return key_of(key_of(provider_region, provider), "");
}

Result<nlohmann::json> provider_stats(const Store& store, const std::string& provider,
                                      std::int64_t utc_ms, std::string& key) {
  Result<nlohmann::json> record = require(store, Table::actors, provider, "provider");
  if (!record.ok()) return record.status();
  return provider_stats(store, record->value("region", ""), provider, utc_ms, key);
}

Result<nlohmann::json> provider_stats(const Store& store, std::string_view provider_region,
                                      const std::string& provider, std::int64_t utc_ms,
                                      std::string& key) {
  key = provider_stats_prefix(provider_region, provider) + shanghai_month(utc_ms);
  Result<std::optional<nlohmann::json>> stats = store.get(Table::provider_stats, key);
  if (!stats.ok()) return stats.status();
  if (stats->has_value()) return std::move(**stats);
  return nlohmann::json{{"amount", 0}, {"rating_sum", 0}, {"ratings", 0}, {"services", 0}};
}

}  // namespace innoclear::clearing::detail
