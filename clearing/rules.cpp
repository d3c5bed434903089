#include "clearing/rules.h"

#include <chrono>

#include "clearing/amount.h"
#include "clearing/kinds.h"
#include "clearing/rules_internal.h"
#include "crypto/ed25519.h"

namespace innoclear::clearing {

namespace {

// The genesis entry registers the node and its finance office: the root of every key.
Result<nlohmann::json> genesis(Store& store, const Statement& statement, const Context& context,
                               const nlohmann::json&) {
  if (context.index != 0) return Status(Code::forbidden, "genesis is only the first entry");
  const std::string node_id = "node." + std::string(region_code(context.region));
  const std::string office_id = "office." + std::string(region_code(context.region));
  if (statement.actor != node_id) return Status(Code::forbidden, "genesis is stated by the node");
  Result<std::string> node_key = detail::text_field(statement.body, "node_key");
  Result<std::string> office_key = detail::text_field(statement.body, "office_key");
  if (!node_key.ok()) return node_key.status();
  if (!office_key.ok()) return office_key.status();
  if (!crypto::decode_public_key(*node_key).ok() || !crypto::decode_public_key(*office_key).ok()) {
    return Status(Code::bad_statement, "genesis keys must be base64 Ed25519 public keys");
  }
  const std::string region(region_code(context.region));
  const nlohmann::json node = {{"key", *node_key}, {"name", region + " node"},
                               {"region", region}, {"retired_keys", nlohmann::json::array()},
                               {"role", "node"},   {"status", "active"}};
  nlohmann::json office = node;
  office["key"] = *office_key;
  office["name"] = region + " finance office";
  office["role"] = "office";
  if (Status s = store.put(Table::actors, node_id, node); !s.ok()) return s;
  if (Status s = store.put(Table::actors, office_id, office); !s.ok()) return s;
  return nlohmann::json{{"node", node_id}, {"office", office_id}};
}

constexpr Field genesis_fields[] = {
    {"node_key", FieldType::text, true, "",
     "the node's Ed25519 public key, base64; it signs this entry"},
    {"office_key", FieldType::text, true, "", "the region's finance office's public key, base64"},
};

constexpr Kind genesis_table[] = {
    {"genesis", node_role, Poster::node, genesis, nullptr, "", "",
     "the ledger's first entry: the node's and its finance office's keys, the root of every key",
     genesis_fields},
};

}  // namespace

namespace detail {
constinit const std::span<const Kind> genesis_kinds{genesis_table};
}  // namespace detail

std::string key_of(std::string_view first, std::string_view second) {
  std::string key(first);
  key += '|';
  key += second;
  return key;
}

Result<Statement> parse_statement(const nlohmann::json& value) {
  if (!value.is_object() || value.size() != 6) {
    return Status(Code::bad_statement,
                  "a statement is an object of exactly actor, body, kind, nonce, region, time");
  }
  Statement statement;
  const auto text = [&](const char* name, std::string& out) {
    const auto found = value.find(name);
    if (found == value.end() || !found->is_string() ||
        found->get_ref<const std::string&>().empty() ||
        found->get_ref<const std::string&>().size() > identifier_bytes_max ||
        found->get_ref<const std::string&>().find('|') != std::string::npos) {
      return false;
    }
    out = found->get<std::string>();
    return true;
  };
  const auto time = value.find("time");
  const auto body = value.find("body");
  if (!text("actor", statement.actor) || !text("kind", statement.kind) ||
      !text("nonce", statement.nonce) || !text("region", statement.region) || time == value.end() ||
      !time->is_number_integer() ||
      (time->is_number_unsigned() && time->get<std::uint64_t>() > INT64_MAX) ||
      body == value.end() || !body->is_object()) {
    return Status(Code::bad_statement, "statement fields are missing or of the wrong type");
  }
  statement.time_ms = time->get<std::int64_t>();
  statement.body = *body;
  return statement;
}

Status check_time(const Statement& statement, std::int64_t now_ms) {
  // Checked before the difference, which could overflow for a time far in the past.
  if (statement.time_ms < 0 || now_ms < 0 ||
      (statement.time_ms > now_ms ? statement.time_ms - now_ms : now_ms - statement.time_ms) >
          clock_skew_ms_max) {
    return {Code::stale_time, "statement time is more than 300 s from the node's clock"};
  }
  return Status::success();
}

Result<Signer> signer_of(const Store& store, const Statement& statement, Region region) {
  if (statement.region != region_code(region)) {
    return Status(Code::wrong_region, "statement is for region " + statement.region +
                                          ", this node is " + std::string(region_code(region)));
  }
  Result<std::optional<nlohmann::json>> actor = store.get(Table::actors, statement.actor);
  if (!actor.ok()) return actor.status();
  Signer signer{statement.actor, std::nullopt, {}};
  if (statement.kind == "genesis" && !actor->has_value()) {
    // The genesis statement carries the node key it is signed with.
    const auto node_key = statement.body.find("node_key");
    if (node_key == statement.body.end() || !node_key->is_string()) {
      return Status(Code::bad_statement, "genesis needs a string 'node_key'");
    }
    Result<crypto::PublicKey> key = crypto::decode_public_key(node_key->get<std::string>());
    if (!key.ok()) return key.status();
    signer.key = *key;
    return signer;
  }
  if (!actor->has_value()) return Status(Code::unknown_actor, "unknown actor " + statement.actor);
  const nlohmann::json& record = **actor;
  if (record.value("status", "") != "active") {
    return Status(Code::actor_revoked, "actor " + statement.actor + " was revoked");
  }
  if (Result<crypto::PublicKey> key = crypto::decode_public_key(record.value("key", ""));
      key.ok()) {
    signer.key = *key;
  }
  for (const auto& retired : record.value("retired_keys", nlohmann::json::array())) {
    if (!retired.is_string()) continue;
    if (Result<crypto::PublicKey> old = crypto::decode_public_key(retired.get<std::string>());
        old.ok()) {
      signer.retired_keys.push_back(*old);
    }
  }
  return signer;
}

Status check_signature(const Signer& signer, std::string_view bytes,
                       std::span<const std::uint8_t> signature) {
  if (signer.key && crypto::verify(*signer.key, bytes, signature)) return Status::success();
  for (const crypto::PublicKey& old : signer.retired_keys) {
    if (crypto::verify(old, bytes, signature)) {
      return {Code::key_revoked, "signed with a key the office retired"};
    }
  }
  return {Code::bad_signature, "signature does not verify under " + signer.actor + "'s key"};
}

Status authenticate(const Store& store, const Statement& statement, std::string_view bytes,
                    std::span<const std::uint8_t> signature, Region region) {
  Result<Signer> signer = signer_of(store, statement, region);
  if (!signer.ok()) return signer.status();
  return check_signature(*signer, bytes, signature);
}

Result<nlohmann::json> apply(Store& store, const Statement& statement, const Context& context) {
  if (statement.region != region_code(context.region)) {
    return Status(Code::wrong_region, "statement is for region " + statement.region);
  }
  const Kind* kind = find_kind(statement.kind);
  if (kind == nullptr || kind->apply == nullptr) {
    return Status(Code::unknown_kind, "unknown kind " + statement.kind);
  }
  // The genesis statement is signed by the node key it carries; there is no actor record yet.
  if (kind->name == "genesis") {
    if (Status s = check_body(*kind, statement.body); !s.ok()) return s;
    return genesis(store, statement, context, nlohmann::json());
  }
  Result<std::optional<nlohmann::json>> actor = store.get(Table::actors, statement.actor);
  if (!actor.ok()) return actor.status();
  if (!actor->has_value()) return Status(Code::unknown_actor, "unknown actor " + statement.actor);
  if ((**actor).value("status", "") != "active") {
    return Status(Code::actor_revoked, "actor " + statement.actor + " was revoked");
  }
  if ((kind->roles & role_from_name((**actor).value("role", ""))) == 0) {
    return Status(Code::forbidden, "a " + (**actor).value("role", std::string("?")) +
                                       " may not state " + statement.kind);
  }
  // Before any rule reads the body: nothing the kind does not define reaches the ledger.
  if (Status s = check_body(*kind, statement.body); !s.ok()) return s;
  // A field of an unexpected JSON type makes nlohmann throw; the rules read such fields with
  // checks, and this keeps any that slipped through from crossing the part's boundary.
  try {
    return kind->apply(store, statement, context, **actor);
  } catch (const nlohmann::json::exception& error) {
    return Status(Code::bad_statement, std::string("malformed statement: ") + error.what());
  }
}

int shanghai_year(std::int64_t utc_ms) {
  using namespace std::chrono;
  const sys_days day =
      floor<days>(sys_time<milliseconds>(milliseconds(utc_ms + shanghai_offset_ms)));
  return static_cast<int>(year_month_day(day).year());
}

std::string shanghai_month(std::int64_t utc_ms) {
  using namespace std::chrono;
  const sys_days day =
      floor<days>(sys_time<milliseconds>(milliseconds(utc_ms + shanghai_offset_ms)));
  const year_month_day date(day);
  const unsigned month = static_cast<unsigned>(date.month());
  return std::to_string(static_cast<int>(date.year())) + (month < 10 ? "-0" : "-") +
         std::to_string(month);
}

}  // namespace innoclear::clearing
