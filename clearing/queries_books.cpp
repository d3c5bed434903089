// Queries of the books a portal shows each role: a provider's figures and ratings, the office's
// report and provider assessment, an actor's registration and quota, applications and messages.
#include <algorithm>

#include "clearing/kinds.h"
#include "clearing/queries.h"
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

// The average of `ratings` ratings summing to `sum`, times 100, rounded down; 0 without ratings.
std::int64_t average_x100(std::int64_t sum, std::int64_t ratings) {
  return ratings > 0 ? sum * 100 / ratings : 0;
}

// The ratings of the provider's services redeemed here, newest first: {"comment","rated_ms",
// "rating","voucher_id"} (no enterprise: a provider learns what was said, not by whom).
Result<nlohmann::json> ratings_of(const Store& store, const std::string& provider,
                                  const nlohmann::json& actor) {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> vouchers =
      store.scan(Table::vouchers, "");
  if (!vouchers.ok()) return vouchers.status();
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [id, voucher] : *vouchers) {
    if (!voucher.contains("rating") || voucher.value("provider", "") != provider ||
        !detail::is_voucher_provider(voucher, provider, actor)) {
      continue;
    }
    rows.push_back({{"comment", voucher.value("comment", "")},
                    {"rated_ms", voucher.value("rated_ms", std::int64_t{0})},
                    {"rating", voucher["rating"]},
                    {"voucher_id", id}});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a["rated_ms"].template get<std::int64_t>() > b["rated_ms"].template get<std::int64_t>();
  });
  return rows;
}

Result<nlohmann::json> own_stats(const Store& store, const Statement& statement,
                                 const nlohmann::json& actor, const EntryAt&) {
  Result<detail::Page> page = detail::page_of(statement.body);
  if (!page.ok()) return page.status();
  Result<nlohmann::json> stats =
      rows_of(store, Table::provider_stats,
              detail::provider_stats_prefix(actor.value("region", ""), statement.actor));
  if (!stats.ok()) return stats;
  Result<nlohmann::json> ratings = ratings_of(store, statement.actor, actor);
  if (!ratings.ok()) return ratings;
  nlohmann::json answer = detail::paged(*ratings, *page, "ratings");
  answer["stats"] = std::move(*stats);
  return answer;
}

// One row of the office's assessment from the statistics stored under
// "<region>|<provider>|<YYYY-MM>".
nlohmann::json assessment_row(const Store& store, const std::string& key,
                              const nlohmann::json& stats) {
  const std::size_t first = key.find('|');
  const std::size_t last = key.rfind('|');
  const std::string provider = key.substr(first + 1, last - first - 1);
  const std::int64_t ratings = detail::stored(stats, "ratings");
  Result<std::optional<nlohmann::json>> record = store.get(Table::actors, provider);
  const bool here =
      record.ok() && record->has_value() && (**record).value("region", "") == key.substr(0, first);
  return {{"amount", stats["amount"]},
          {"complaints", stats.value("complaints", std::int64_t{0})},
          {"month", key.substr(last + 1)},
          {"name", here ? (**record).value("name", "") : std::string()},
          {"provider", provider},
          {"rating_average_x100", average_x100(detail::stored(stats, "rating_sum"), ratings)},
          {"ratings", ratings},
          {"region", key.substr(0, first)},
          {"services", stats["services"]}};
}

Result<nlohmann::json> office_report(const Store& store, const Statement& statement,
                                     const nlohmann::json&, const EntryAt&) {
  Result<std::string> month = detail::optional_text(statement.body, "month");
  if (!month.ok()) return month.status();
  Result<nlohmann::json> budgets = rows_of(store, Table::budgets, "");
  Result<nlohmann::json> stats = rows_of(store, Table::provider_stats, "");
  Result<nlohmann::json> policy_record = detail::policy(store);
  for (const Status& s : {budgets.status(), stats.status(), policy_record.status()}) {
    if (!s.ok()) return s;
  }
  nlohmann::json assessment = nlohmann::json::array();
  for (const auto& [key, row] : stats->items()) {
    if (month->empty() || key.ends_with("|" + *month)) {
      assessment.push_back(assessment_row(store, key, row));
    }
  }
  return nlohmann::json{{"assessment", assessment},
                        {"budgets", *budgets},
                        {"policy", *policy_record},
                        {"provider_stats", *stats}};
}

struct Tally {
  std::int64_t count = 0;
  std::int64_t amount = 0;
  nlohmann::json to_json() const { return {{"amount", amount}, {"count", count}}; }
};

// An enterprise's quota in the Asia/Shanghai year of its query: what the policy allows, what was
// issued (the caps count issues, never given back), what its live and pending vouchers reserve,
// what was redeemed, and what may still be issued.
Result<nlohmann::json> quota_of(const Store& store, const std::string& enterprise, int year) {
  Result<nlohmann::json> policy_record = detail::policy(store);
  if (!policy_record.ok()) return policy_record.status();
  Result<std::optional<nlohmann::json>> usage =
      store.get(Table::usage, key_of(enterprise, std::to_string(year)));
  Result<std::vector<std::pair<std::string, nlohmann::json>>> index =
      store.scan(Table::indexes, key_of(enterprise, ""));
  Result<std::vector<std::pair<std::string, nlohmann::json>>> applications =
      store.scan(Table::applications, key_of(enterprise, ""));
  for (const Status& s : {usage.status(), index.status(), applications.status()}) {
    if (!s.ok()) return s;
  }
  const Tally issued{usage->has_value() ? detail::stored(**usage, "count") : 0,
                     usage->has_value() ? detail::stored(**usage, "amount") : 0};
  Tally reserved, used;
  for (const auto& [key, unused] : *index) {
    Result<nlohmann::json> voucher =
        detail::require(store, Table::vouchers, key.substr(key.find('|') + 1), "voucher");
    if (!voucher.ok()) return voucher.status();
    if (detail::stored(*voucher, "year") != year) continue;
    const std::string status = voucher->value("status", "");
    if (status == "live" || status == "pending")
      reserved = {reserved.count + 1, reserved.amount + (*voucher)["face"].get<std::int64_t>()};
    if (status == "redeemed" || status == "paid")
      used = {used.count + 1, used.amount + detail::stored(*voucher, "amount")};
  }
  const auto pending =
      std::count_if(applications->begin(), applications->end(),
                    [](const auto& row) { return row.second.value("status", "") == "pending"; });
  const std::int64_t count_max = detail::stored(*policy_record, "yearly_count_max");
  const std::int64_t amount_max = detail::stored(*policy_record, "yearly_amount_max");
  const Tally left{std::max<std::int64_t>(0, count_max - issued.count - pending),
                   std::max<std::int64_t>(0, amount_max - issued.amount)};
  return nlohmann::json{{"amount_max", amount_max}, {"applications_pending", pending},
                        {"count_max", count_max},   {"issued", issued.to_json()},
                        {"left", left.to_json()},   {"reserved", reserved.to_json()},
                        {"used", used.to_json()},   {"year", year}};
}

Result<nlohmann::json> own_actor(const Store& store, const Statement& statement,
                                 const nlohmann::json& actor, const EntryAt&) {
  nlohmann::json answer = {{"actor", actor}, {"id", statement.actor}};
  if (actor.value("role", "") == "enterprise") {
    Result<nlohmann::json> quota =
        quota_of(store, statement.actor, shanghai_year(statement.time_ms));
    if (!quota.ok()) return quota;
    answer["quota"] = std::move(*quota);
  }
  return answer;
}

// query.applications: an enterprise's own, the office's and an auditor's all (or one
// enterprise's), oldest first: the approval queue.
Result<nlohmann::json> list_applications(const Store& store, const Statement& statement,
                                         const nlohmann::json& actor, const EntryAt&) {
  Result<std::string> state = detail::optional_text(statement.body, "state");
  Result<std::string> enterprise = detail::optional_text(statement.body, "enterprise");
  Result<detail::Page> page = detail::page_of(statement.body);
  for (const Status& s : {state.status(), enterprise.status(), page.status()}) {
    if (!s.ok()) return s;
  }
  if (!state->empty() && *state != "pending" && *state != "approved" && *state != "refused") {
    return Status(Code::invalid_argument, "'state' must be pending, approved or refused");
  }
  std::string whose = *enterprise;
  if (actor.value("role", "") == "enterprise") {
    if (!whose.empty() && whose != statement.actor) {
      return Status(Code::not_own_party, "another enterprise's applications are not yours to see");
    }
    whose = statement.actor;
  }
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
      store.scan(Table::applications, whose.empty() ? std::string() : key_of(whose, ""));
  if (!rows.ok()) return rows.status();
  nlohmann::json list = nlohmann::json::array();
  for (auto& [key, application] : *rows) {
    if (state->empty() || application.value("status", "") == *state) {
      list.push_back(std::move(application));
    }
  }
  std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
    return a.value("applied_index", std::uint64_t{0}) < b.value("applied_index", std::uint64_t{0});
  });
  return detail::paged(list, *page, "applications");
}

// query.messages: the office's and an auditor's every message (or one author's), an enterprise's
// or provider's own; newest first.
Result<nlohmann::json> list_messages(const Store& store, const Statement& statement,
                                     const nlohmann::json& actor, const EntryAt&) {
  Result<std::string> author = detail::optional_text(statement.body, "author");
  Result<detail::Page> page = detail::page_of(statement.body);
  if (!author.ok()) return author.status();
  if (!page.ok()) return page.status();
  const std::string role = actor.value("role", "");
  std::string whose = *author;
  if (role == "enterprise" || role == "provider") {
    if (!whose.empty() && whose != statement.actor) {
      return Status(Code::not_own_party, "another actor's messages are not yours to see");
    }
    whose = statement.actor;
  }
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
      store.scan(Table::messages, whose.empty() ? std::string() : key_of(whose, ""));
  if (!rows.ok()) return rows.status();
  nlohmann::json list = nlohmann::json::array();
  for (auto& [key, message] : *rows) list.push_back(std::move(message));
  std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
    return a.value("index", std::uint64_t{0}) > b.value("index", std::uint64_t{0});
  });
  return detail::paged(list, *page, "messages");
}

using T = FieldType;

constexpr Field page_fields[] = {
    {"offset", T::integer, false, "offset", "rows to skip (default 0)"},
    {"limit", T::integer, false, "limit", "rows to answer, 1 to 500 (default 50)"},
};
constexpr Field report_fields[] = {
    {"month", T::text, false, "month", "the assessment's month only, e.g. 2026-03"},
};
constexpr Field application_fields[] = {
    {"state", T::text, false, "state",
     "only applications in this state: pending, approved, refused"},
    {"enterprise", T::text, false, "enterprise", "only this enterprise's (office, auditor)"},
    {"offset", T::integer, false, "offset", "rows to skip (default 0)"},
    {"limit", T::integer, false, "limit", "rows to answer, 1 to 500 (default 50)"},
};
constexpr Field message_list_fields[] = {
    {"author", T::text, false, "author", "only this author's (office, auditor)"},
    {"offset", T::integer, false, "offset", "rows to skip (default 0)"},
    {"limit", T::integer, false, "limit", "rows to answer, 1 to 500 (default 50)"},
};

constexpr Kind book_table[] = {
    {"query.stats", provider_role, Poster::client, nullptr, own_stats, "provider", "stats",
     "your services, amounts and ratings by month, and the ratings' comments", page_fields},
    {"query.report", office_role, Poster::client, nullptr, office_report, "office", "report",
     "budgets, policy, provider statistics and the providers' assessment", report_fields},
    {"query.actor",
     any_role,
     Poster::client,
     nullptr,
     own_actor,
     "actor",
     "show",
     "your own registration (and an enterprise's quota this year)",
     {}},
    {"query.applications", enterprise_role | office_role | auditor_role, Poster::client, nullptr,
     list_applications, "office", "applications",
     "list applications, oldest first: the office's approval queue, an enterprise's own",
     application_fields},
    {"query.messages", enterprise_role | provider_role | office_role | auditor_role, Poster::client,
     nullptr, list_messages, "office", "messages",
     "list messages to the office, newest first: the office all, an author its own",
     message_list_fields},
};

}  // namespace

namespace detail {
constinit const std::span<const Kind> book_query_kinds{book_table};
}  // namespace detail

}  // namespace innoclear::clearing
