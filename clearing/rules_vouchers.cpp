// Rules of a voucher's life on its home node: application, issue, assignment, expiry, revocation
// and feedback.
#include "clearing/amount.h"
#include "clearing/kinds.h"
#include "clearing/rules_internal.h"

namespace innoclear::clearing::detail {

namespace {

constexpr std::int64_t ms_per_day = 86'400'000;
constexpr std::int64_t rating_min = 1;
constexpr std::int64_t rating_max = 5;
constexpr std::int64_t complaint_rating_max = 2;

std::int64_t validity_ms(const nlohmann::json& policy_record) {
  constexpr std::int64_t ms_per_second = 1000;
  if (policy_record.contains("validity_seconds")) {
    return stored(policy_record, "validity_seconds") * ms_per_second;
  }
  return stored(policy_record, "validity_days") * ms_per_day;
}

std::string voucher_id_for(const Context& context) {
  std::string digits = std::to_string(context.index);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return std::string(region_code(context.region)) + "-V" + digits;
}

// The actor's own voucher, or why not.
Result<nlohmann::json> own_voucher(const Store& store, const Statement& statement,
                                   std::string& voucher_id) {
  Result<std::string> id = text_field(statement.body, "voucher_id");
  if (!id.ok()) return id.status();
  voucher_id = *id;
  Result<nlohmann::json> voucher = require(store, Table::vouchers, *id, "voucher");
  if (!voucher.ok()) return voucher;
  if ((*voucher)["enterprise"] != statement.actor) {
    return Status(Code::not_own_party, "voucher " + *id + " belongs to another enterprise");
  }
  return voucher;
}

// Releases a live voucher's reservation back to the budget's available funds.
Status release_reservation(Store& store, const nlohmann::json& voucher) {
  Result<nlohmann::json> year_budget = budget(store, static_cast<int>(stored(voucher, "year")));
  if (!year_budget.ok()) return year_budget.status();
  if (Status s = move_budget(*year_budget, "reserved", "available", stored(voucher, "face"));
      !s.ok()) {
    return s;
  }
  return store.put(Table::budgets, std::to_string(stored(voucher, "year")), *year_budget);
}

// Checks the caps of policy and budget for issuing `face` to `enterprise` in `year`.
Status check_issue(const Store& store, const nlohmann::json& policy_record,
                   const std::string& usage_key, std::int64_t face, int year) {
  if (face > stored(policy_record, "face_cap")) {
    return {Code::over_face_cap, format_yuan(face) + " exceeds the face value cap " +
                                     format_yuan(stored(policy_record, "face_cap"))};
  }
  Result<std::optional<nlohmann::json>> usage = store.get(Table::usage, usage_key);
  if (!usage.ok()) return usage.status();
  const std::int64_t count = usage->has_value() ? stored(**usage, "count") : 0;
  const std::int64_t amount = usage->has_value() ? stored(**usage, "amount") : 0;
  if (count >= stored(policy_record, "yearly_count_max")) {
    return {Code::over_yearly_count, "the enterprise has used its vouchers for the year"};
  }
  const std::optional<std::int64_t> total = add_fen(amount, face);
  if (!total || *total > stored(policy_record, "yearly_amount_max")) {
    return {Code::over_yearly_amount, "the enterprise's yearly amount would exceed " +
                                          format_yuan(stored(policy_record, "yearly_amount_max"))};
  }
  Result<nlohmann::json> year_budget = budget(store, year);
  if (!year_budget.ok()) return year_budget.status();
  if (stored(*year_budget, "available") < face) {
    return {Code::budget_insufficient,
            "the budget has " + format_yuan(stored(*year_budget, "available")) + " available"};
  }
  return Status::success();
}

// Pending applications are bounded by what the enterprise could still be issued this year: at
// most yearly_count_max minus the vouchers it already holds for the year (over_yearly_count).
Status check_pending_bound(const Store& store, const nlohmann::json& policy_record,
                           const std::string& enterprise, int year) {
  Result<std::optional<nlohmann::json>> usage =
      store.get(Table::usage, key_of(enterprise, std::to_string(year)));
  if (!usage.ok()) return usage.status();
  const std::int64_t held = usage->has_value() ? stored(**usage, "count") : 0;
  Result<std::vector<std::pair<std::string, nlohmann::json>>> applications =
      store.scan(Table::applications, key_of(enterprise, ""));
  if (!applications.ok()) return applications.status();
  std::int64_t pending = 0;
  for (const auto& [key, application] : *applications) {
    if (application.value("status", "") == "pending") ++pending;
  }
  if (held + pending >= stored(policy_record, "yearly_count_max")) {
    return {Code::over_yearly_count,
            "the enterprise holds " + std::to_string(held) + " vouchers this year and has " +
                std::to_string(pending) + " applications pending: no more than " +
                std::to_string(stored(policy_record, "yearly_count_max")) + " in all"};
  }
  return Status::success();
}

}  // namespace

Result<nlohmann::json> apply_for_voucher(Store& store, const Statement& statement,
                                         const Context& context, const nlohmann::json&) {
  Result<std::string> application_id = id_field(statement.body, "application_id");
  Result<std::string> category = text_field(statement.body, "category");
  Result<std::int64_t> face = amount_field(statement.body, "face");
  for (const Status& s : {application_id.status(), category.status(), face.status()}) {
    if (!s.ok()) return s;
  }
  Result<nlohmann::json> policy_record = policy(store);
  if (!policy_record.ok()) return policy_record.status();
  if (!contains_string((*policy_record)["categories"], *category)) {
    return Status(Code::category_not_allowed, "category " + *category + " is not funded");
  }
  if (*face > stored(*policy_record, "face_cap")) {
    return Status(Code::over_face_cap, format_yuan(*face) + " exceeds the face value cap");
  }
  const std::string key = key_of(statement.actor, *application_id);
  Result<std::optional<nlohmann::json>> existing = store.get(Table::applications, key);
  if (!existing.ok()) return existing.status();
  const nlohmann::json application = {{"application_id", *application_id},
                                      {"applied_index", context.index},
                                      {"applied_ms", context.accepted_ms},
                                      {"category", *category},
                                      {"enterprise", statement.actor},
                                      {"face", *face},
                                      {"status", "pending"}};
  if (existing->has_value()) {
    const nlohmann::json& earlier = **existing;
    if (earlier["category"] != *category || earlier["face"] != *face) {
      return Status(Code::id_conflict,
                    "application " + *application_id + " exists with other content");
    }
    return nlohmann::json{{"application", earlier}};
  }
  if (Status s = check_pending_bound(store, *policy_record, statement.actor,
                                     shanghai_year(context.accepted_ms));
      !s.ok()) {
    return s;
  }
  if (Status s = store.put(Table::applications, key, application); !s.ok()) return s;
  return nlohmann::json{{"application", application}};
}

Result<nlohmann::json> approve_application(Store& store, const Statement& statement,
                                           const Context& context, const nlohmann::json&) {
  Result<std::string> enterprise = text_field(statement.body, "enterprise");
  Result<std::string> application_id = text_field(statement.body, "application_id");
  if (!enterprise.ok()) return enterprise.status();
  if (!application_id.ok()) return application_id.status();
  const std::string key = key_of(*enterprise, *application_id);
  Result<nlohmann::json> application = require(store, Table::applications, key, "application");
  if (!application.ok()) return application.status();
  if ((*application)["status"] != "pending") {
    return Status(Code::application_not_pending, "application " + key + " was already decided");
  }
  Result<nlohmann::json> policy_record = policy(store);
  if (!policy_record.ok()) return policy_record.status();
  const std::int64_t face = stored(*application, "face");
  const int year = shanghai_year(context.accepted_ms);
  const std::string usage_key = key_of(*enterprise, std::to_string(year));
  if (Status s = check_issue(store, *policy_record, usage_key, face, year); !s.ok()) return s;

  const std::string voucher_id = voucher_id_for(context);
  nlohmann::json voucher = {{"application_id", *application_id},
                            {"category", (*application)["category"]},
                            {"enterprise", *enterprise},
                            {"expires_ms", context.accepted_ms + validity_ms(*policy_record)},
                            {"face", face},
                            {"id", voucher_id},
                            {"issued_ms", context.accepted_ms},
                            {"region", std::string(region_code(context.region))},
                            {"status", "live"},
                            {"year", year}};
  voucher["timeline"] = {{{"index", application->value("applied_index", context.index)},
                          {"state", "applied"},
                          {"time_ms", application->value("applied_ms", context.accepted_ms)}}};
  mark(voucher, "issued", context);
  Result<nlohmann::json> year_budget = budget(store, year);
  if (!year_budget.ok()) return year_budget.status();
  if (Status s = move_budget(*year_budget, "available", "reserved", face); !s.ok()) return s;
  Result<std::optional<nlohmann::json>> usage = store.get(Table::usage, usage_key);
  if (!usage.ok()) return usage.status();
  nlohmann::json usage_record =
      usage->has_value() ? **usage : nlohmann::json{{"amount", 0}, {"count", 0}};
  usage_record["amount"] = stored(usage_record, "amount") + face;  // bounded by check_issue
  usage_record["count"] = stored(usage_record, "count") + 1;
  (*application)["status"] = "approved";
  (*application)["voucher_id"] = voucher_id;
  (*application)["decided_ms"] = context.accepted_ms;
  for (Status s :
       {store.put(Table::budgets, std::to_string(year), *year_budget),
        store.put(Table::usage, usage_key, usage_record),
        store.put(Table::applications, key, *application),
        store.put(Table::vouchers, voucher_id, voucher),
        store.put(Table::indexes, key_of(*enterprise, voucher_id), nlohmann::json::object())}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"voucher", voucher}};
}

Result<nlohmann::json> refuse_application(Store& store, const Statement& statement,
                                          const Context& context, const nlohmann::json&) {
  Result<std::string> enterprise = text_field(statement.body, "enterprise");
  Result<std::string> application_id = text_field(statement.body, "application_id");
  Result<std::string> reason = text_field(statement.body, "reason", text_bytes_max);
  for (const Status& s : {enterprise.status(), application_id.status(), reason.status()}) {
    if (!s.ok()) return s;
  }
  const std::string key = key_of(*enterprise, *application_id);
  Result<nlohmann::json> application = require(store, Table::applications, key, "application");
  if (!application.ok()) return application.status();
  if ((*application)["status"] != "pending") {
    return Status(Code::application_not_pending, "application " + key + " was already decided");
  }
  (*application)["status"] = "refused";
  (*application)["reason"] = *reason;
  (*application)["decided_ms"] = context.accepted_ms;
  if (Status s = store.put(Table::applications, key, *application); !s.ok()) return s;
  return nlohmann::json{{"application", *application}};
}

Result<nlohmann::json> assign_voucher(Store& store, const Statement& statement,
                                      const Context& context, const nlohmann::json&) {
  std::string voucher_id;
  Result<nlohmann::json> voucher = own_voucher(store, statement, voucher_id);
  if (!voucher.ok()) return voucher.status();
  Result<std::string> provider = text_field(statement.body, "provider");
  if (!provider.ok()) return provider.status();
  if ((*voucher)["status"] != "live") {
    return Status((*voucher)["status"] == "redeemed" || (*voucher)["status"] == "paid"
                      ? Code::already_redeemed
                      : Code::voucher_not_live,
                  "voucher " + voucher_id + " is " + (*voucher)["status"].get<std::string>());
  }
  if (context.accepted_ms >= stored(*voucher, "expires_ms")) {
    return Status(Code::voucher_expired, "voucher " + voucher_id + " has expired");
  }
  std::string provider_region(region_code(context.region));
  if (is_cross_region(statement.body, "provider_region", context)) {
    // A provider of another region is known to its own notary, which checks it on redemption.
    Result<Region> region = parse_region(statement.body["provider_region"].get<std::string>());
    if (!region.ok()) return Status(Code::bad_statement, "unknown provider_region");
    if (Status s = check_policy_funds(store, *region); !s.ok()) return s;
    // The enterprise's countersignature of the service's price, which the provider's node holds.
    Result<std::int64_t> price = amount_field(statement.body, "price");
    if (!price.ok()) return price.status();
    (*voucher)["assigned_price"] = *price;
    provider_region = region_code(*region);
  } else {
    Result<nlohmann::json> provider_record = require(store, Table::actors, *provider, "provider");
    if (!provider_record.ok()) return provider_record.status();
    if ((*provider_record)["role"] != "provider" || (*provider_record)["status"] != "active") {
      return Status(Code::bad_statement, *provider + " is not an active provider");
    }
  }
  (*voucher)["assigned_to"] = *provider;
  (*voucher)["assigned_region"] = provider_region;
  mark(*voucher, "assigned", context);
  if (Status s = store.put(Table::vouchers, voucher_id, *voucher); !s.ok()) return s;
  return nlohmann::json{{"voucher", *voucher}};
}

Result<nlohmann::json> expire_voucher(Store& store, const Statement& statement,
                                      const Context& context, const nlohmann::json&) {
  Result<std::string> id = text_field(statement.body, "voucher_id");
  if (!id.ok()) return id.status();
  Result<nlohmann::json> voucher = require(store, Table::vouchers, *id, "voucher");
  if (!voucher.ok()) return voucher.status();
  if ((*voucher)["status"] != "live") {
    return Status(Code::voucher_not_live,
                  "voucher " + *id + " is " + (*voucher)["status"].get<std::string>());
  }
  if (context.accepted_ms < stored(*voucher, "expires_ms")) {
    return Status(Code::not_expired_yet, "voucher " + *id + " is still valid");
  }
  if (Status s = release_reservation(store, *voucher); !s.ok()) return s;
  (*voucher)["status"] = "expired";
  mark(*voucher, "expired", context);
  if (Status s = store.put(Table::vouchers, *id, *voucher); !s.ok()) return s;
  return nlohmann::json{{"voucher", *voucher}};
}

Result<nlohmann::json> revoke_voucher(Store& store, const Statement& statement,
                                      const Context& context, const nlohmann::json&) {
  Result<std::string> id = text_field(statement.body, "voucher_id");
  Result<std::string> reason = text_field(statement.body, "reason", text_bytes_max);
  if (!id.ok()) return id.status();
  if (!reason.ok()) return reason.status();
  Result<nlohmann::json> voucher = require(store, Table::vouchers, *id, "voucher");
  if (!voucher.ok()) return voucher.status();
  if ((*voucher)["status"] != "live") {
    return Status(Code::voucher_not_live,
                  "voucher " + *id + " is " + (*voucher)["status"].get<std::string>());
  }
  if (Status s = release_reservation(store, *voucher); !s.ok()) return s;
  (*voucher)["status"] = "revoked";
  (*voucher)["reason"] = *reason;
  mark(*voucher, "revoked", context);
  if (Status s = store.put(Table::vouchers, *id, *voucher); !s.ok()) return s;
  return nlohmann::json{{"voucher", *voucher}};
}

Result<nlohmann::json> rate_service(Store& store, const Statement& statement,
                                    const Context& context, const nlohmann::json&) {
  std::string voucher_id;
  Result<nlohmann::json> voucher = own_voucher(store, statement, voucher_id);
  if (!voucher.ok()) return voucher.status();
  Result<std::int64_t> rating = integer_field(statement.body, "rating");
  if (!rating.ok()) return rating.status();
  if (*rating < rating_min || *rating > rating_max) {
    return Status(Code::rating_invalid, "a rating is 1 to 5");
  }
  const auto comment_field = statement.body.find("comment");
  if (comment_field != statement.body.end() && !comment_field->is_string()) {
    return Status(Code::bad_statement, "'comment' must be a string");
  }
  const std::string comment =
      comment_field == statement.body.end() ? std::string() : comment_field->get<std::string>();
  if (comment.size() > text_bytes_max) return Status(Code::bad_statement, "comment is too long");
  if ((*voucher)["status"] != "redeemed" && (*voucher)["status"] != "paid") {
    return Status(Code::voucher_not_live, "only a redeemed voucher's service can be rated");
  }
  if (voucher->contains("rating")) return Status(Code::already_rated, "already rated");
  (*voucher)["rating"] = *rating;
  (*voucher)["comment"] = comment;
  (*voucher)["rated_ms"] = context.accepted_ms;
  std::string stats_key;
  // A voucher redeemed abroad names its provider's region: the rating is that provider's.
  const std::string provider_region =
      voucher->value("provider_region", std::string(region_code(context.region)));
  Result<nlohmann::json> stats =
      provider_stats(store, provider_region, (*voucher)["provider"].get<std::string>(),
                     context.accepted_ms, stats_key);
  if (!stats.ok()) return stats.status();
  nlohmann::json& record = *stats;
  record["ratings"] = stored(record, "ratings") + 1;
  record["rating_sum"] = stored(record, "rating_sum") + *rating;
  // A rating of 1 or 2 counts as a complaint in the office's assessment.
  if (*rating <= complaint_rating_max) record["complaints"] = record.value("complaints", 0) + 1;
  for (Status s : {store.put(Table::vouchers, voucher_id, *voucher),
                   store.put(Table::provider_stats, stats_key, record)}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"voucher", *voucher}};
}

namespace {

using T = FieldType;

constexpr Field apply_fields[] = {
    {"application_id", T::text, true, "application",
     "the enterprise's own id for this application"},
    {"category", T::text, true, "category", "the service category: testing, rnd or transfer"},
    {"face", T::fen, true, "face", "the face value asked for (at most the policy's face cap)"},
};
constexpr Field decision_fields[] = {
    {"enterprise", T::text, true, "enterprise", "the applying enterprise"},
    {"application_id", T::text, true, "application", "the enterprise's application id"},
};
constexpr Field refuse_fields[] = {
    {"enterprise", T::text, true, "enterprise", "the applying enterprise"},
    {"application_id", T::text, true, "application", "the enterprise's application id"},
    {"reason", T::text, true, "reason", "why, shown to the enterprise (at most 500 bytes)"},
};
constexpr Field assign_fields[] = {
    {"voucher_id", T::text, true, "voucher", "the enterprise's live voucher"},
    {"provider", T::text, true, "provider", "the provider that will redeem it"},
    {"provider_region", T::text, false, "provider-region",
     "the provider's region when not this one"},
    {"price", T::fen, false, "price",
     "the agreed price; required for a provider of another region"},
};
constexpr Field voucher_only_fields[] = {
    {"voucher_id", T::text, true, "voucher", "the voucher"},
};
constexpr Field revoke_voucher_fields[] = {
    {"voucher_id", T::text, true, "voucher", "the live voucher"},
    {"reason", T::text, true, "reason", "why (at most 500 bytes)"},
};
constexpr Field rate_fields[] = {
    {"voucher_id", T::text, true, "voucher", "a voucher of the enterprise's that was redeemed"},
    {"rating", T::integer, true, "rating", "1 (poor) to 5 (excellent)"},
    {"comment", T::text, false, "comment", "a comment for the office (at most 500 bytes)"},
};

constexpr Kind voucher_table[] = {
    {"voucher.apply", enterprise_role, Poster::client, apply_for_voucher, nullptr, "enterprise",
     "apply", "apply for a voucher", apply_fields},
    {"voucher.approve", office_role, Poster::client, approve_application, nullptr, "office",
     "approve", "approve an application: issue the voucher", decision_fields},
    {"voucher.refuse", office_role, Poster::client, refuse_application, nullptr, "office", "refuse",
     "refuse an application", refuse_fields},
    {"voucher.assign", enterprise_role, Poster::client, assign_voucher, nullptr, "enterprise",
     "assign", "assign a voucher to a provider", assign_fields},
    {"voucher.expire", office_role, Poster::client, expire_voucher, nullptr, "office", "expire",
     "expire a voucher past its validity", voucher_only_fields},
    {"voucher.revoke", office_role, Poster::client, revoke_voucher, nullptr, "office",
     "revoke-voucher", "revoke a live voucher", revoke_voucher_fields},
    {"feedback.rate", enterprise_role, Poster::client, rate_service, nullptr, "enterprise", "rate",
     "rate the service of a redeemed voucher (1-5)", rate_fields},
};

}  // namespace

constinit const std::span<const Kind> voucher_kinds{voucher_table};

}  // namespace innoclear::clearing::detail
