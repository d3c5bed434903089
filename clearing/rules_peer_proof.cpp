// What a member must show for its region's actor (docs/security.md, "member nodes").
//
// A peer request that consumes a receipt or honours a voucher acts for one actor of the asking
// region. The request carries that actor's own signed statement and the asking region's ledger
// entry that gave the actor the key it signed with — an entry whose statement the asking region's
// finance office signed. Here, deterministically (an auditor's replay repeats it), the rules check
// the office's signature, the actor's signature, and that the actor asked for exactly this: the
// same voucher, receipt and provider, in this region, at the time the request states. That the
// key entry is in the asking region's ledger is checked by the node before (an inclusion proof
// against a checkpoint it witnessed: nodes/peer_answerer.cpp), since it needs the witness's view.
#include "clearing/kinds.h"
#include "clearing/rules_internal.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"

namespace innoclear::clearing::detail {

namespace {

Status unproven(const std::string& why) { return {Code::peer_unproven, why}; }

// {"signature":"<base64>","statement":{…}} → the statement, its signature checked by `key`.
Result<Statement> signed_by(const nlohmann::json& signed_statement, const crypto::PublicKey& key,
                            const std::string& what) {
  if (!signed_statement.is_object() || signed_statement.size() != 2 ||
      !signed_statement.contains("statement") || !signed_statement["statement"].is_object() ||
      !signed_statement.contains("signature") || !signed_statement["signature"].is_string()) {
    return unproven(what + " is not {\"signature\",\"statement\"}");
  }
  Result<Statement> statement = parse_statement(signed_statement["statement"]);
  if (!statement.ok()) return unproven(what + ": " + statement.status().message());
  Result<crypto::Bytes> signature =
      crypto::base64_decode(signed_statement["signature"].get<std::string>());
  if (!signature.ok() ||
      !crypto::verify(key, crypto::canonical_dump(signed_statement["statement"]), *signature)) {
    return unproven(what + ": the signature does not verify");
  }
  return statement;
}

// The keys the asking region's office has signed with: its current one and those it retired
// (a registration made before the office's key changed stays valid).
Result<std::vector<crypto::PublicKey>> office_keys(const Store& store, const std::string& home) {
  Result<std::optional<nlohmann::json>> office = store.get(Table::actors, "office." + home);
  if (!office.ok()) return office.status();
  if (!office->has_value()) return unproven("office." + home + " is not known here");
  std::vector<crypto::PublicKey> keys;
  nlohmann::json texts = (**office).value("retired_keys", nlohmann::json::array());
  texts.push_back((**office).value("key", ""));
  for (const auto& text : texts) {
    Result<crypto::PublicKey> key =
        crypto::decode_public_key(text.is_string() ? text.get<std::string>() : "");
    if (key.ok()) keys.push_back(*key);
  }
  return keys;
}

// The key that `key_entry` (an entry of the asking region's ledger) gave `actor`: a registration
// or key rotation the asking region's office signed.
Result<crypto::PublicKey> registered_key(const Store& store, const nlohmann::json& key_entry,
                                         const std::string& home, const std::string& actor,
                                         const std::string& role) {
  if (!key_entry.is_object() || !key_entry.contains("statement") ||
      !key_entry.contains("signature")) {
    return unproven("no key entry for " + actor);
  }
  Result<std::vector<crypto::PublicKey>> keys = office_keys(store, home);
  if (!keys.ok()) return keys.status();
  const nlohmann::json signed_statement = {{"signature", key_entry["signature"]},
                                           {"statement", key_entry["statement"]}};
  Status last = unproven("office." + home + " has no key");
  for (const crypto::PublicKey& key : *keys) {
    Result<Statement> statement = signed_by(signed_statement, key, "the key entry");
    if (!statement.ok()) {
      last = statement.status();
      continue;
    }
    const bool registers =
        statement->kind == "actor.register" && statement->body.value("role", "") == role;
    if (statement->actor != "office." + home || statement->region != home ||
        !(registers || statement->kind == "actor.rotate_key") ||
        statement->body.value("id", "") != actor) {
      return unproven("the key entry does not give " + actor + " a key as " + role);
    }
    Result<crypto::PublicKey> given = crypto::decode_public_key(statement->body.value("key", ""));
    if (!given.ok()) return unproven("the key entry's key does not decode");
    return *given;
  }
  return last;
}

}  // namespace

Result<Statement> check_actor_proof(const Store& store, const nlohmann::json& body,
                                    const ActorClaim& claim) {
  const auto key_entry = body.find("key_entry");
  const auto actor_statement = body.find("actor_statement");
  if (key_entry == body.end() || actor_statement == body.end()) {
    return unproven("the request carries no statement of " + claim.actor);
  }
  Result<crypto::PublicKey> key =
      registered_key(store, *key_entry, claim.home, claim.actor, claim.role);
  if (!key.ok()) return key.status();
  Result<Statement> statement = signed_by(*actor_statement, *key, claim.actor + "'s statement");
  if (!statement.ok()) return statement.status();
  if (statement->actor != claim.actor || statement->region != claim.home ||
      statement->kind != claim.kind) {
    return unproven("the statement is not " + claim.actor + "'s " + claim.kind + " at " +
                    claim.home);
  }
  // The asking node accepted the statement within the clock skew of the time its actor signed;
  // a lock time further away is a backdated (or postdated) request.
  const auto requested_ms = body.find("requested_ms");
  if (requested_ms == body.end() || !requested_ms->is_number_integer() ||
      requested_ms->get<std::int64_t>() < statement->time_ms - clock_skew_ms_max ||
      requested_ms->get<std::int64_t>() > statement->time_ms + clock_skew_ms_max) {
    return unproven("the request's time is not near the time " + claim.actor + " signed");
  }
  for (const auto& [field, value] : claim.fields) {
    if (statement->body.value(field, "") != value) {
      return unproven(claim.actor + " did not ask for this " + field);
    }
  }
  return statement;
}

}  // namespace innoclear::clearing::detail
