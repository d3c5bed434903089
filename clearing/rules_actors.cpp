// Rules of the finance office's registry, policy and budget.
#include "clearing/amount.h"
#include "clearing/credit_code.h"
#include "clearing/kinds.h"
#include "clearing/rules_internal.h"
#include "crypto/ed25519.h"

namespace innoclear::clearing::detail {

namespace {

constexpr std::int64_t face_cap_max = voucher_face_max;
constexpr std::int64_t validity_days_max = 3'650;
constexpr std::int64_t seconds_per_day = 86'400;
constexpr int budget_year_min = 2000;
constexpr int budget_year_max = 2100;
constexpr std::size_t credit_code_divisions_max = 40;
const nlohmann::json service_categories = {"testing", "rnd", "transfer"};

Result<std::string> key_field(const nlohmann::json& body) {
  Result<std::string> key = text_field(body, "key");
  if (!key.ok()) return key;
  if (!crypto::decode_public_key(*key).ok()) {
    return Status(Code::bad_statement, "'key' must be a base64 Ed25519 public key");
  }
  return key;
}

// A non-empty list of distinct strings, each in `allowed`.
Result<nlohmann::json> subset_field(const nlohmann::json& body, const char* name,
                                    const nlohmann::json& allowed) {
  const auto found = body.find(name);
  if (found == body.end() || !found->is_array() || found->empty()) {
    return Status(Code::bad_statement, std::string("'") + name + "' must be a non-empty list");
  }
  for (std::size_t i = 0; i < found->size(); ++i) {
    const auto& item = (*found)[i];
    if (!item.is_string() || !contains_string(allowed, item.get<std::string>())) {
      return Status(Code::bad_statement, std::string("'") + name + "' holds an unknown value");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if ((*found)[j] == item)
        return Status(Code::bad_statement, std::string("'") + name + "' repeats a value");
    }
  }
  return *found;
}

Result<std::int64_t> bounded_field(const nlohmann::json& body, const char* name, std::int64_t low,
                                   std::int64_t high) {
  Result<std::int64_t> value = integer_field(body, name);
  if (!value.ok()) return value;
  if (*value < low || *value > high) {
    return Status(Code::amount_invalid, std::string("'") + name + "' must be between " +
                                            std::to_string(low) + " and " + std::to_string(high));
  }
  return value;
}

// The two-digit provinces whose enterprises a policy registers: its credit_code_divisions, or the
// region's own province when it names none; an empty list accepts any.
Status check_division(const nlohmann::json& policy_record, Region region, const std::string& code) {
  const std::string province = code.substr(2, 2);
  const auto listed = policy_record.find("credit_code_divisions");
  if (listed == policy_record.end()) {
    if (province == home_province(region)) return Status::success();
  } else if (listed->empty() || contains_string(*listed, province)) {
    return Status::success();
  }
  return {Code::invalid_credit_code,
          code + " was registered in division " + code.substr(2, 6) + ", province " + province +
              ", which the region's policy does not accept (credit_code_divisions)"};
}

// A list of distinct two-digit province prefixes, possibly empty.
Status check_divisions_field(const nlohmann::json& list) {
  if (!list.is_array() || list.size() > credit_code_divisions_max) {
    return {Code::bad_statement, "'credit_code_divisions' is a list of at most 40 provinces"};
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& item = list[i];
    if (!item.is_string() || item.get_ref<const std::string&>().size() != 2 ||
        item.get_ref<const std::string&>().find_first_not_of("0123456789") != std::string::npos) {
      return {Code::bad_statement,
              "'credit_code_divisions' holds two-digit provinces, e.g. \"11\""};
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (list[j] == item) return {Code::bad_statement, "'credit_code_divisions' repeats a value"};
    }
  }
  return Status::success();
}

// An actor id a client may choose: the id charset, and not a name the federation keeps for the
// nodes and offices the genesis and the manifest create.
Result<std::string> new_actor_id(const nlohmann::json& body) {
  Result<std::string> id = id_field(body, "id");
  if (!id.ok()) return id;
  if (id->rfind("node.", 0) == 0 || id->rfind("office.", 0) == 0) {
    return Status(Code::invalid_id, "ids beginning with node. or office. are the federation's");
  }
  return id;
}

Status check_enterprise(const Store& store, const std::string& id, Region region) {
  if (!valid_credit_code(id)) {
    return {Code::invalid_credit_code, id + " is not a valid unified social credit code"};
  }
  Result<nlohmann::json> policy_record = policy(store);
  if (!policy_record.ok()) return policy_record.status();
  return check_division(*policy_record, region, id);
}

}  // namespace

Result<nlohmann::json> register_actor(Store& store, const Statement& statement,
                                      const Context& context, const nlohmann::json&) {
  Result<std::string> id = new_actor_id(statement.body);
  Result<std::string> role = text_field(statement.body, "role");
  Result<std::string> name = text_field(statement.body, "name", text_bytes_max);
  Result<std::string> key = key_field(statement.body);
  for (const Status& s : {id.status(), role.status(), name.status(), key.status()}) {
    if (!s.ok()) return s;
  }
  // key_index: the entry that gave the key, which a peer request for this actor carries.
  nlohmann::json record = {{"key", *key},
                           {"key_index", context.index},
                           {"name", *name},
                           {"region", std::string(region_code(context.region))},
                           {"retired_keys", nlohmann::json::array()},
                           {"role", *role},
                           {"status", "active"}};
  if (*role == "enterprise") {
    if (Status s = check_enterprise(store, *id, context.region); !s.ok()) return s;
  } else if (*role == "provider") {
    Result<nlohmann::json> categories =
        subset_field(statement.body, "categories", service_categories);
    if (!categories.ok()) return categories.status();
    record["categories"] = *categories;
  } else if (*role != "auditor") {  // an auditor reads (queries only) and needs nothing more
    return Status(Code::bad_statement, "'role' must be enterprise, provider or auditor");
  }
  Result<std::optional<nlohmann::json>> existing = store.get(Table::actors, *id);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return Status(Code::actor_exists, *id + " is already registered");
  if (Status s = store.put(Table::actors, *id, record); !s.ok()) return s;
  return nlohmann::json{{"actor", *id}, {"role", *role}};
}

Result<nlohmann::json> rotate_key(Store& store, const Statement& statement, const Context& context,
                                  const nlohmann::json&) {
  Result<std::string> id = text_field(statement.body, "id");
  Result<std::string> key = key_field(statement.body);
  if (!id.ok()) return id.status();
  if (!key.ok()) return key.status();
  Result<nlohmann::json> actor = require(store, Table::actors, *id, "actor");
  if (!actor.ok()) return actor.status();
  // Node keys, this region's and its peers', and peer offices' keys come from the genesis and the
  // federation manifest only.
  if ((*actor)["role"] == "node" || (*actor)["role"] == "peer_office") {
    return Status(Code::forbidden, *id + "'s key is set by the federation manifest");
  }
  if ((*actor)["key"] == *key) return Status(Code::bad_statement, "that key is already current");
  (*actor)["retired_keys"].push_back((*actor)["key"]);
  (*actor)["key"] = *key;
  (*actor)["key_index"] = context.index;
  if (Status s = store.put(Table::actors, *id, *actor); !s.ok()) return s;
  return nlohmann::json{{"actor", *id}, {"key", *key}};
}

Result<nlohmann::json> revoke_actor(Store& store, const Statement& statement, const Context&,
                                    const nlohmann::json&) {
  Result<std::string> id = text_field(statement.body, "id");
  if (!id.ok()) return id.status();
  Result<nlohmann::json> actor = require(store, Table::actors, *id, "actor");
  if (!actor.ok()) return actor.status();
  const std::string role = actor->value("role", "");
  if (role != "enterprise" && role != "provider") {
    return Status(Code::forbidden, "only enterprises and providers can be revoked");
  }
  if (actor->value("status", "") == "revoked") {
    return Status(Code::actor_revoked, *id + " was already revoked");
  }
  (*actor)["status"] = "revoked";
  if (Status s = store.put(Table::actors, *id, *actor); !s.ok()) return s;
  return nlohmann::json{{"actor", *id}, {"status", "revoked"}};
}

Result<nlohmann::json> set_policy(Store& store, const Statement& statement, const Context&,
                                  const nlohmann::json&) {
  const nlohmann::json& body = statement.body;
  Result<std::int64_t> face_cap = bounded_field(body, "face_cap", 1, face_cap_max);
  Result<std::int64_t> count_max = bounded_field(body, "yearly_count_max", 1, 1000);
  Result<std::int64_t> amount_max = bounded_field(body, "yearly_amount_max", 1, INT64_MAX / 2);
  Result<std::int64_t> ratio = bounded_field(body, "ratio_bp", 1, basis_points);
  Result<std::int64_t> validity = bounded_field(body, "validity_days", 1, validity_days_max);
  Result<nlohmann::json> categories = subset_field(body, "categories", service_categories);
  Result<nlohmann::json> regions =
      subset_field(body, "accepted_regions", default_policy()["accepted_regions"]);
  for (const Status& s :
       {face_cap.status(), count_max.status(), amount_max.status(), ratio.status(),
        validity.status(), categories.status(), regions.status()}) {
    if (!s.ok()) return s;
  }
  // Optional: a validity in seconds (short campaigns, drills) that overrides validity_days.
  if (body.contains("validity_seconds")) {
    Result<std::int64_t> seconds =
        bounded_field(body, "validity_seconds", 1, validity_days_max * seconds_per_day);
    if (!seconds.ok()) return seconds.status();
  }
  // Optional: the provinces whose enterprises register here (the region's own when absent).
  if (body.contains("credit_code_divisions")) {
    if (Status s = check_divisions_field(body["credit_code_divisions"]); !s.ok()) return s;
  }
  // No other field: check_body refused any key policy_fields does not list.
  if (Status s = store.put(Table::settings, "policy", body); !s.ok()) return s;
  return nlohmann::json{{"policy", body}};
}

Result<nlohmann::json> allocate_budget(Store& store, const Statement& statement, const Context&,
                                       const nlohmann::json&) {
  Result<std::int64_t> year =
      bounded_field(statement.body, "year", budget_year_min, budget_year_max);
  Result<std::int64_t> amount = amount_field(statement.body, "amount");
  if (!year.ok()) return year.status();
  if (!amount.ok()) return amount.status();
  Result<std::optional<nlohmann::json>> existing = store.get(Table::budgets, std::to_string(*year));
  if (!existing.ok()) return existing.status();
  nlohmann::json record =
      existing->has_value()
          ? **existing
          : nlohmann::json{
                {"available", 0}, {"paid", 0}, {"redeemed", 0}, {"reserved", 0}, {"total", 0}};
  const std::optional<std::int64_t> total = add_fen(stored(record, "total"), *amount);
  const std::optional<std::int64_t> available = add_fen(stored(record, "available"), *amount);
  if (!total || !available) return Status(Code::amount_invalid, "budget would overflow");
  record["total"] = *total;
  record["available"] = *available;
  if (Status s = store.put(Table::budgets, std::to_string(*year), record); !s.ok()) return s;
  return nlohmann::json{{"budget", record}, {"year", *year}};
}

namespace {

using T = FieldType;

constexpr Field register_fields[] = {
    {"id", T::text, true, "id",
     "the actor's id: an enterprise's unified social credit code, a provider's own id"},
    {"role", T::text, true, "role", "enterprise, provider or auditor (reads only)"},
    {"name", T::text, true, "name", "the name shown to people (at most 500 bytes)"},
    {"key", T::text, true, "public-key", "the actor's Ed25519 public key, base64"},
    {"categories", T::list, false, "categories",
     "a provider's service categories: testing, rnd, transfer"},
};
constexpr Field rotate_fields[] = {
    {"id", T::text, true, "id", "the actor whose key is replaced"},
    {"key", T::text, true, "public-key", "the new Ed25519 public key, base64"},
};
constexpr Field revoke_fields[] = {
    {"id", T::text, true, "id", "the enterprise or provider to revoke"},
};
constexpr Field policy_fields[] = {
    {"face_cap", T::fen, true, "face-cap", "the largest face of one voucher (at most 500000 fen)"},
    {"yearly_count_max", T::integer, true, "yearly-count",
     "vouchers one enterprise may hold per year"},
    {"yearly_amount_max", T::fen, true, "yearly-amount",
     "face total one enterprise may hold per year"},
    {"ratio_bp", T::integer, true, "ratio-bp",
     "the share of a price a voucher pays, in basis points"},
    {"validity_days", T::integer, true, "validity-days", "days a voucher stays live after issue"},
    {"validity_seconds", T::integer, false, "validity-seconds",
     "overrides validity_days (tests, demos)"},
    {"categories", T::list, true, "categories", "the service categories vouchers may be used for"},
    {"accepted_regions", T::list, true, "regions", "the regions whose providers vouchers may pay"},
    {"credit_code_divisions", T::list, false, "credit-code-divisions",
     "two-digit provinces whose enterprises may register (default: the region's own; [] any)"},
};
constexpr Field budget_fields[] = {
    {"year", T::integer, true, "year", "the budget year (Asia/Shanghai)"},
    {"amount", T::fen, true, "amount", "the amount added to that year's budget"},
};

constexpr Kind registry_table[] = {
    {"actor.register", office_role, Poster::client, register_actor, nullptr, "office", "register",
     "register an enterprise or provider and its key", register_fields},
    {"actor.rotate_key", office_role, Poster::client, rotate_key, nullptr, "office", "rotate-key",
     "replace an actor's key", rotate_fields},
    {"actor.revoke", office_role, Poster::client, revoke_actor, nullptr, "office", "revoke",
     "revoke an enterprise or provider", revoke_fields},
    {"policy.set", office_role, Poster::client, set_policy, nullptr, "office", "policy",
     "set the region's voucher policy", policy_fields},
    {"budget.allocate", office_role, Poster::client, allocate_budget, nullptr, "office", "budget",
     "allocate (add to) a year's budget", budget_fields},
};

}  // namespace

constinit const std::span<const Kind> registry_kinds{registry_table};

}  // namespace innoclear::clearing::detail
