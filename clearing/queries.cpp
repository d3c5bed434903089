#include "clearing/queries.h"

#include <algorithm>
#include <array>
#include <set>
#include <span>

#include "clearing/federation.h"
#include "clearing/kinds.h"
#include "clearing/rules_internal.h"
#include "crypto/canonical_json.h"

namespace innoclear::clearing {

namespace {

// A voucher as of the query's time (the signed statement's, within the clock skew of the node's):
// a live voucher past its deadline reads "expired", with "recorded_status":"live" until the
// office's voucher.expire records it and returns its reservation. Nothing is written.
nlohmann::json as_of(nlohmann::json voucher, std::int64_t now_ms) {
  if (voucher.value("status", "") == "live" && voucher.contains("expires_ms") &&
      now_ms >= detail::stored(voucher, "expires_ms")) {
    voucher["status"] = "expired";
    voucher["recorded_status"] = "live";
  }
  return voucher;
}

Result<nlohmann::json> one_voucher(const Store& store, const Statement& statement,
                                   const nlohmann::json& actor, const EntryAt&) {
  Result<std::string> id = detail::text_field(statement.body, "voucher_id");
  if (!id.ok()) return id.status();
  Result<nlohmann::json> voucher = detail::require(store, Table::vouchers, *id, "voucher");
  if (!voucher.ok()) return voucher;
  const std::string role = actor.value("role", "");
  const bool allowed =
      role == "office" || role == "auditor" ||
      (role == "enterprise" && (*voucher)["enterprise"] == statement.actor) ||
      (role == "provider" && detail::is_voucher_provider(*voucher, statement.actor, actor));
  if (!allowed) return Status(Code::not_own_party, "voucher " + *id + " is not yours to see");
  return nlohmann::json{{"voucher", as_of(std::move(*voucher), statement.time_ms)}};
}

const std::array<std::string_view, 6> voucher_states = {"live", "pending", "redeemed",
                                                        "paid", "expired", "revoked"};

// The vouchers a caller may list: an enterprise its own (by its index), a provider those assigned
// to it or redeemed with it, the office and an auditor all (or one enterprise's).
Result<std::vector<nlohmann::json>> visible_vouchers(const Store& store, const std::string& id,
                                                     const nlohmann::json& actor,
                                                     const std::string& enterprise) {
  const std::string role = actor.value("role", "");
  std::vector<nlohmann::json> out;
  if (role == "enterprise" || !enterprise.empty()) {
    Result<std::vector<std::pair<std::string, nlohmann::json>>> index =
        store.scan(Table::indexes, key_of(role == "enterprise" ? id : enterprise, ""));
    if (!index.ok()) return index.status();
    for (const auto& [key, unused] : *index) {
      Result<nlohmann::json> voucher =
          detail::require(store, Table::vouchers, key.substr(key.find('|') + 1), "voucher");
      if (!voucher.ok()) return voucher.status();
      out.push_back(std::move(*voucher));
    }
  } else {
    Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
        store.scan(Table::vouchers, "");
    if (!rows.ok()) return rows.status();
    for (auto& [key, voucher] : *rows) out.push_back(std::move(voucher));
  }
  if (role != "provider") return out;
  std::erase_if(out, [&](const nlohmann::json& voucher) {
    return !detail::is_voucher_provider(voucher, id, actor);
  });
  return out;
}

// query.vouchers: the caller's vouchers (see visible_vouchers), filtered and paged.
Result<nlohmann::json> list_vouchers(const Store& store, const Statement& statement,
                                     const nlohmann::json& actor, const EntryAt&) {
  Result<std::string> state = detail::optional_text(statement.body, "state");
  Result<std::string> enterprise = detail::optional_text(statement.body, "enterprise");
  Result<std::string> provider = detail::optional_text(statement.body, "provider");
  Result<detail::Page> page = detail::page_of(statement.body);
  for (const Status& s : {state.status(), enterprise.status(), provider.status(), page.status()}) {
    if (!s.ok()) return s;
  }
  if (!state->empty() &&
      std::find(voucher_states.begin(), voucher_states.end(), *state) == voucher_states.end()) {
    return Status(Code::invalid_argument,
                  "'state' must be one of live, pending, redeemed, paid, "
                  "expired, revoked");
  }
  if (actor.value("role", "") == "enterprise" && !enterprise->empty() &&
      *enterprise != statement.actor) {
    return Status(Code::not_own_party, "another enterprise's vouchers are not yours to see");
  }
  Result<std::vector<nlohmann::json>> vouchers =
      visible_vouchers(store, statement.actor, actor, *enterprise);
  if (!vouchers.ok()) return vouchers.status();
  nlohmann::json rows = nlohmann::json::array();
  for (nlohmann::json& recorded : *vouchers) {
    nlohmann::json voucher = as_of(std::move(recorded), statement.time_ms);
    if (!state->empty() && voucher.value("status", "") != *state) continue;
    if (!provider->empty() && voucher.value("provider", "") != *provider &&
        voucher.value("assigned_to", "") != *provider) {
      continue;
    }
    rows.push_back(std::move(voucher));
  }
  return detail::paged(rows, *page, "vouchers");
}

// The office's view of a clearing period (settlement_view), read by the office.
Result<nlohmann::json> period_settlement(const Store& store, const Statement& statement,
                                         const nlohmann::json&, const EntryAt&) {
  Result<std::string> id = detail::text_field(statement.body, "period");
  if (!id.ok()) return id.status();
  Result<Region> own = parse_region(statement.region);
  if (!own.ok()) return own.status();
  return settlement_view(store, *own, *id);
}

// Who an entry concerns, gathered from its statement and its result.
struct Named {
  std::set<std::string> parties;   // actor ids
  std::set<std::string> regions;   // region codes
  std::set<std::string> vouchers;  // voucher ids
};

// Keys whose text names an actor, or a region, wherever they stand in a body or a result.
constexpr std::string_view party_keys[] = {"assigned_to", "enterprise", "payee", "provider"};
constexpr std::string_view region_keys[] = {"peer", "provider_region", "voucher_region"};
// Kinds every member of the federation shares: the manifest, periods and settlements.
constexpr std::string_view federation_wide_kinds[] = {"federation.manifest", "period.close",
                                                      "settlement.propose", "settlement.sign",
                                                      "settlement.record"};

bool is_one_of(std::string_view key, std::span<const std::string_view> keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// REQUIRES: `value` came from canonical JSON, whose depth is bounded (crypto/canonical_json.h).
void collect(const nlohmann::json& value, Named& named) {
  if (value.is_array()) {
    for (const nlohmann::json& item : value) collect(item, named);
    return;
  }
  if (!value.is_object()) return;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      if (key == "voucher" && item.is_object() && item.contains("id") && item["id"].is_string()) {
        named.vouchers.insert(item["id"].get<std::string>());
      }
      collect(item, named);
      continue;
    }
    const std::string text = item.get<std::string>();
    if (is_one_of(key, party_keys)) named.parties.insert(text);
    if (is_one_of(key, region_keys)) named.regions.insert(text);
    if (key == "voucher_id") named.vouchers.insert(text);
    if (key == "request_id") named.regions.insert(text.substr(0, text.find('-')));  // <REGION>-R…
  }
}

// The parties, regions and vouchers entry `record` names: its signer; the actor an actor.* kind
// is about; every enterprise, provider, payee and region in its body and result; and the
// enterprise owning, and the provider that redeemed, each voucher it names.
Result<Named> named_by(const Store& store, const nlohmann::json& record) {
  Named named;
  const nlohmann::json& statement = record["statement"];  // an object: checked by the caller
  named.parties.insert(statement.value("actor", ""));
  const nlohmann::json body = statement.value("body", nlohmann::json::object());
  const std::string kind = statement.value("kind", "");
  if (kind.starts_with("actor.") && body.contains("id") && body["id"].is_string()) {
    named.parties.insert(body["id"].get<std::string>());
  }
  collect(body, named);
  if (record.contains("result")) collect(record["result"], named);
  for (const std::string& id : named.vouchers) {
    Result<std::optional<nlohmann::json>> voucher = store.get(Table::vouchers, id);
    if (!voucher.ok()) return voucher.status();
    if (!voucher->has_value()) continue;  // another region's voucher
    for (const char* key : {"enterprise", "provider"}) {
      const auto found = (**voucher).find(key);
      if (found != (**voucher).end() && found->is_string()) named.parties.insert(*found);
    }
  }
  return named;
}

// The rule of query.entry; see queries.h.
bool may_read(const Named& named, const nlohmann::json& record, const Statement& caller,
              const nlohmann::json& actor) {
  const std::string role = actor.value("role", "");
  if (role == "office" || role == "auditor") return true;
  if (named.parties.contains(caller.actor)) return true;
  if (role != "node") return false;
  const std::string region = actor.value("region", "");
  if (region == caller.region) return true;  // this region's own node
  const std::string kind = record["statement"].value("kind", "");
  return named.regions.contains(region) || is_one_of(kind, federation_wide_kinds);
}

Result<nlohmann::json> one_entry(const Store& store, const Statement& statement,
                                 const nlohmann::json& actor, const EntryAt& entry_at) {
  Result<std::int64_t> index = detail::integer_field(statement.body, "index");
  if (!index.ok()) return index.status();
  if (*index < 0) return Status(Code::out_of_range, "'index' must not be negative");
  if (!entry_at) return Status(Code::not_found, "no ledger to read entries from");
  Result<std::string> bytes = entry_at(static_cast<std::uint64_t>(*index));
  if (!bytes.ok()) return bytes.status();
  Result<nlohmann::json> record = crypto::parse_canonical(*bytes);
  if (!record.ok()) return record.status();
  const std::string denied = "entry " + std::to_string(*index) + " is not yours to see";
  if (!record->contains("statement") || !(*record)["statement"].is_object()) {
    return Status(Code::storage_corrupt, "entry " + std::to_string(*index) + " has no statement");
  }
  Result<Named> named = named_by(store, *record);
  if (!named.ok()) return named.status();
  if (!may_read(*named, *record, statement, actor)) return Status(Code::not_own_party, denied);
  return nlohmann::json{{"entry", std::move(*record)}, {"index", *index}};
}

using T = FieldType;

constexpr Field voucher_fields[] = {
    {"voucher_id", T::text, true, "voucher", "the voucher"},
};
constexpr Field entry_fields[] = {
    {"index", T::integer, true, "index", "the entry's index, 0 for the genesis"},
};
constexpr Field list_fields[] = {
    {"state", T::text, false, "state",
     "only vouchers in this state: live, pending, redeemed, paid, expired, revoked"},
    {"enterprise", T::text, false, "enterprise", "only this enterprise's (office, auditor)"},
    {"provider", T::text, false, "provider", "only those assigned to or redeemed with it"},
    {"offset", T::integer, false, "offset", "rows to skip (default 0)"},
    {"limit", T::integer, false, "limit", "rows to answer, 1 to 500 (default 50)"},
};
constexpr Field period_fields[] = {
    {"period", T::text, true, "period", "the period's name, e.g. 2026-11"},
};

constexpr Kind query_table[] = {
    {"query.voucher", enterprise_role | provider_role | office_role | auditor_role, Poster::client,
     nullptr, one_voucher, "voucher", "show",
     "show a voucher: to its enterprise, its provider, the office or an auditor", voucher_fields},
    {"query.entry", enterprise_role | provider_role | office_role | node_role | auditor_role,
     Poster::client, nullptr, one_entry, "entry", "show",
     "show a whole ledger entry: to the parties it names, the office, an auditor or a peer it "
     "concerns",
     entry_fields},
    {"query.vouchers", enterprise_role | provider_role | office_role | auditor_role, Poster::client,
     nullptr, list_vouchers, "voucher", "list",
     "list vouchers, filtered and paged: an enterprise its own, a provider those assigned to or "
     "redeemed with it, the office and an auditor all",
     list_fields},
    {"query.settlement", office_role, Poster::client, nullptr, period_settlement, "office",
     "settlement show", "a clearing period: its lines, its settlement and the signatures so far",
     period_fields},
};

}  // namespace

namespace detail {
constinit const std::span<const Kind> query_kinds{query_table};
}  // namespace detail

Result<nlohmann::json> settlement_view(const Store& store, Region own, const std::string& id) {
  Result<nlohmann::json> federation =
      detail::require(store, Table::settings, "federation", "federation");
  if (!federation.ok()) return federation.status();
  Result<Period> period = parse_period(id, detail::stored(*federation, "period_seconds"));
  if (!period.ok()) return period.status();
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& [code, member] : (*federation)["members"].items()) {
    const Region peer = *parse_region(code);
    if (peer == own) continue;
    Result<std::vector<ObligationLine>> with = bilateral_lines(store, *period, own, peer);
    if (!with.ok()) return with.status();
    for (const ObligationLine& line : *with) lines.push_back(to_json(line));
  }
  Result<std::optional<nlohmann::json>> record = store.get(Table::settlements, id);
  if (!record.ok()) return record.status();
  return nlohmann::json{{"from_ms", period->from_ms},
                        {"lines", lines},
                        {"period", id},
                        {"settlement", record->value_or(nlohmann::json())},
                        {"to_ms", period->to_ms}};
}

Result<nlohmann::json> query(const Store& store, const Statement& statement,
                             const EntryAt& entry_at) {
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
  return kind->read(store, statement, *actor, entry_at);
}

}  // namespace innoclear::clearing
