#include "clearing/queries.h"

#include "clearing/federation.h"
#include "clearing/kinds.h"
#include "clearing/rules_internal.h"

namespace innoclear::clearing {

namespace {

Result<nlohmann::json> rows_of(const Store& store, Table table, const std::string& prefix) {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows = store.scan(table, prefix);
  if (!rows.ok()) return rows.status();
  nlohmann::json out = nlohmann::json::object();
  for (auto& [key, record] : *rows) out[key] = std::move(record);
  return out;
}

// A provider is its id and its region: the voucher's assigned or redeeming provider is this actor
// only if the region matches too (a provider of another region may carry the same id).
bool is_voucher_provider(const nlohmann::json& voucher, const std::string& id,
                         const nlohmann::json& actor) {
  const std::string home = voucher.value("region", "");
  const std::string region = actor.value("region", "");
  return (voucher.value("assigned_to", "") == id &&
          voucher.value("assigned_region", home) == region) ||
         (voucher.value("provider", "") == id && voucher.value("provider_region", home) == region);
}

Result<nlohmann::json> one_voucher(const Store& store, const Statement& statement,
                                   const nlohmann::json& actor) {
  Result<std::string> id = detail::text_field(statement.body, "voucher_id");
  if (!id.ok()) return id.status();
  Result<nlohmann::json> voucher = detail::require(store, Table::vouchers, *id, "voucher");
  if (!voucher.ok()) return voucher;
  const std::string role = actor.value("role", "");
  const bool allowed =
      role == "office" || (role == "enterprise" && (*voucher)["enterprise"] == statement.actor) ||
      (role == "provider" && is_voucher_provider(*voucher, statement.actor, actor));
  if (!allowed) return Status(Code::not_own_party, "voucher " + *id + " is not yours to see");
  return nlohmann::json{{"voucher", *voucher}};
}

Result<nlohmann::json> own_vouchers(const Store& store, const Statement& statement,
                                    const nlohmann::json&) {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> index =
      store.scan(Table::indexes, key_of(statement.actor, ""));
  if (!index.ok()) return index.status();
  nlohmann::json vouchers = nlohmann::json::array();
  for (const auto& [key, unused] : *index) {
    Result<nlohmann::json> voucher =
        detail::require(store, Table::vouchers, key.substr(key.find('|') + 1), "voucher");
    if (!voucher.ok()) return voucher;
    vouchers.push_back(std::move(*voucher));
  }
  return nlohmann::json{{"vouchers", vouchers}};
}

// The office's view of a clearing period: what its node recorded, and every cross-region line.
Result<nlohmann::json> period_settlement(const Store& store, const Statement& statement,
                                         const nlohmann::json&) {
  Result<std::string> id = detail::text_field(statement.body, "period");
  if (!id.ok()) return id.status();
  Result<nlohmann::json> federation =
      detail::require(store, Table::settings, "federation", "federation");
  if (!federation.ok()) return federation.status();
  Result<Period> period = parse_period(*id, detail::stored(*federation, "period_seconds"));
  if (!period.ok()) return period.status();
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& [code, member] : (*federation)["members"].items()) {
    const Region peer = *parse_region(code);
    if (peer == *parse_region(statement.region)) continue;
    Result<std::vector<ObligationLine>> with =
        bilateral_lines(store, *period, *parse_region(statement.region), peer);
    if (!with.ok()) return with.status();
    for (const ObligationLine& line : *with) lines.push_back(to_json(line));
  }
  Result<std::optional<nlohmann::json>> record = store.get(Table::settlements, *id);
  if (!record.ok()) return record.status();
  return nlohmann::json{{"from_ms", period->from_ms},
                        {"lines", lines},
                        {"period", *id},
                        {"settlement", record->value_or(nlohmann::json())},
                        {"to_ms", period->to_ms}};
}

Result<nlohmann::json> own_actor(const Store&, const Statement& statement,
                                 const nlohmann::json& actor) {
  return nlohmann::json{{"actor", actor}, {"id", statement.actor}};
}

Result<nlohmann::json> own_stats(const Store& store, const Statement& statement,
                                 const nlohmann::json& actor) {
  Result<nlohmann::json> stats =
      rows_of(store, Table::provider_stats,
              detail::provider_stats_prefix(actor.value("region", ""), statement.actor));
  if (!stats.ok()) return stats;
  return nlohmann::json{{"stats", *stats}};
}

Result<nlohmann::json> office_report(const Store& store, const Statement&, const nlohmann::json&) {
  Result<nlohmann::json> budgets = rows_of(store, Table::budgets, "");
  Result<nlohmann::json> stats = rows_of(store, Table::provider_stats, "");
  Result<nlohmann::json> policy_record = detail::policy(store);
  for (const Status& s : {budgets.status(), stats.status(), policy_record.status()}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{
      {"budgets", *budgets}, {"policy", *policy_record}, {"provider_stats", *stats}};
}

using T = FieldType;

constexpr Field voucher_fields[] = {
    {"voucher_id", T::text, true, "voucher", "the voucher"},
};
constexpr Field period_fields[] = {
    {"period", T::text, true, "period", "the period's name, e.g. 2026-11"},
};

constexpr Kind table[] = {
    {"query.voucher", enterprise_role | provider_role | office_role, Poster::client, nullptr,
     one_voucher, "voucher", "show",
     "show a voucher: to its enterprise, its provider, or the office", voucher_fields},
    {"query.vouchers",
     enterprise_role,
     Poster::client,
     nullptr,
     own_vouchers,
     "enterprise",
     "vouchers",
     "list your vouchers",
     {}},
    {"query.stats",
     provider_role,
     Poster::client,
     nullptr,
     own_stats,
     "provider",
     "stats",
     "your services, amounts and ratings by month",
     {}},
    {"query.report",
     office_role,
     Poster::client,
     nullptr,
     office_report,
     "office",
     "report",
     "budgets, policy and provider statistics",
     {}},
    {"query.actor",
     any_role,
     Poster::client,
     nullptr,
     own_actor,
     "",
     "",
     "your own registration",
     {}},
    {"query.settlement", office_role, Poster::client, nullptr, period_settlement, "office",
     "settlement", "a clearing period: its lines, its settlement and the signatures so far",
     period_fields},
};

}  // namespace

namespace detail {
constinit const std::span<const Kind> query_kinds{table};
}  // namespace detail

Result<nlohmann::json> query(const Store& store, const Statement& statement) {
  Result<nlohmann::json> actor = detail::require(store, Table::actors, statement.actor, "actor");
  if (!actor.ok()) return Status(Code::unknown_actor, "unknown actor " + statement.actor);
  const Kind* kind = find_kind(statement.kind);
  if (kind == nullptr || !is_query(*kind)) {
    return Status(Code::unknown_kind, "unknown query " + statement.kind);
  }
  if ((kind->roles & role_from_name(actor->value("role", ""))) == 0) {
    return Status(Code::forbidden,
                  "a " + actor->value("role", "") + " may not run " + statement.kind);
  }
  if (Status s = check_body(*kind, statement.body); !s.ok()) return s;
  return kind->read(store, statement, *actor);
}

}  // namespace innoclear::clearing
