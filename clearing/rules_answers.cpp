// Rules of the federation's own statements: the node adopting the manifest, and the coordinator
// recording a participant's answer (the second phase of a cross-region redemption).
#include "clearing/amount.h"
#include "clearing/federation.h"
#include "clearing/kinds.h"
#include "clearing/periods.h"
#include "clearing/rules_internal.h"
#include "clearing/settlement.h"
#include "crypto/ed25519.h"

namespace innoclear::clearing::detail {

namespace {

// Registers or updates one peer actor (its node or its finance office) from the manifest. A key
// that changed is retired, so statements signed with it are refused from now on.
Status adopt_peer_actor(Store& store, const std::string& id, const std::string& role,
                        const std::string& region, const std::string& name,
                        const std::string& key) {
  Result<std::optional<nlohmann::json>> existing = store.get(Table::actors, id);
  if (!existing.ok()) return existing.status();
  nlohmann::json actor = {{"key", key},       {"name", name},
                          {"region", region}, {"retired_keys", nlohmann::json::array()},
                          {"role", role},     {"status", "active"}};
  if (existing->has_value()) {
    actor = **existing;
    if (actor["role"] != role || actor["region"] != region) {
      return {Code::actor_exists, id + " is registered with another role or region"};
    }
    if (actor["key"] != key) {
      actor["retired_keys"].push_back(actor["key"]);
      actor["key"] = key;
    }
    actor["name"] = name;
  }
  return store.put(Table::actors, id, actor);
}

struct Member {
  std::string region;
  std::string name;
  std::string node_key;
  std::string office_key;
  nlohmann::json accepts;
};

Result<Member> parse_member(const nlohmann::json& value) {
  if (!value.is_object()) return Status(Code::bad_statement, "a manifest member is an object");
  Result<std::string> region = text_field(value, "region");
  Result<std::string> name = text_field(value, "name", text_bytes_max);
  Result<std::string> node_key = text_field(value, "node_key");
  Result<std::string> office_key = text_field(value, "office_key");
  for (const Status& s : {region.status(), name.status(), node_key.status(), office_key.status()}) {
    if (!s.ok()) return s;
  }
  if (!parse_region(*region).ok()) return Status(Code::bad_statement, "unknown region " + *region);
  if (!crypto::decode_public_key(*node_key).ok() || !crypto::decode_public_key(*office_key).ok()) {
    return Status(Code::bad_statement, "member " + *region + " has a malformed key");
  }
  const auto accepts = value.find("accepts");
  if (accepts == value.end() || !accepts->is_array() || accepts->size() > region_count) {
    return Status(Code::bad_statement, "member " + *region + " needs 'accepts', a list of regions");
  }
  for (const auto& code : *accepts) {
    if (!code.is_string() || !parse_region(code.get<std::string>()).ok()) {
      return Status(Code::bad_statement, "member " + *region + " accepts an unknown region");
    }
  }
  return Member{*region, *name, *node_key, *office_key, *accepts};
}

// Whether the participant did what was asked ("done") or refused ("refused"; checked before).
bool is_done(const nlohmann::json& answer) { return answer["outcome"] == "done"; }

// The coordinator's pay-first voucher, once the provider's node answered.
Result<nlohmann::json> finish_pay_first(Store& store, const Context& context,
                                        const nlohmann::json& request, const nlohmann::json& answer,
                                        Region peer) {
  const std::string voucher_id = request["voucher_id"].get<std::string>();
  Result<nlohmann::json> voucher = require(store, Table::vouchers, voucher_id, "voucher");
  if (!voucher.ok()) return voucher.status();
  const nlohmann::json pending = voucher->value("pending", nlohmann::json::object());
  if ((*voucher)["status"] != "pending" ||
      pending.value("request_id", "") != request["request_id"]) {
    return Status(Code::storage_corrupt,
                  "voucher " + voucher_id + " is not waiting for this answer");
  }
  voucher->erase("pending");
  if (!is_done(answer)) {
    (*voucher)["status"] = "live";
    mark(*voucher, "live", context);  // the provider's node refused: live again
    if (Status s = store.put(Table::vouchers, voucher_id, *voucher); !s.ok()) return s;
    return nlohmann::json{{"answer", answer}, {"voucher", *voucher}};
  }
  Result<std::int64_t> paid = integer_field(answer, "paid");
  if (!paid.ok()) return paid.status();
  if (*paid < 0) return Status(Code::amount_invalid, "the answer's 'paid' is negative");
  const std::int64_t amount =
      std::min(stored(*voucher, "face"), apply_ratio(*paid, stored(pending, "ratio_bp")));
  if (amount <= 0) return Status(Code::amount_invalid, "the answer redeems nothing");
  if (Status s = settle_reservation(store, *voucher, amount); !s.ok()) return s;
  (*voucher)["status"] = "redeemed";
  (*voucher)["amount"] = amount;
  (*voucher)["payee"] = (*voucher)["enterprise"];
  (*voucher)["provider"] = pending["provider"];
  (*voucher)["provider_region"] = pending["provider_region"];
  (*voucher)["receipt"] = pending["receipt_id"];
  (*voucher)["request_id"] = pending["request_id"];
  (*voucher)["redeemed_ms"] = context.accepted_ms;
  mark(*voucher, "redeemed", context);
  const ObligationLine line{request["request_id"].get<std::string>(),
                            Way::pay_first,
                            context.region,
                            peer,
                            voucher_id,
                            (*voucher)["enterprise"].get<std::string>(),
                            pending["provider"].get<std::string>(),
                            amount,
                            context.index};
  for (Status s : {store.put(Table::vouchers, voucher_id, *voucher),
                   put_obligation(store, line, stored(request, "requested_ms"))}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"answer", answer}, {"voucher", *voucher}};
}

// The provider's receipt, once the voucher's home node answered.
Result<nlohmann::json> finish_provider_redemption(Store& store, const Context& context,
                                                  const nlohmann::json& request,
                                                  const nlohmann::json& answer, Region peer) {
  const std::string provider = request["provider"].get<std::string>();
  const std::string receipt_key = key_of(provider, request["receipt_id"].get<std::string>());
  Result<nlohmann::json> receipt = require(store, Table::receipts, receipt_key, "receipt");
  if (!receipt.ok()) return receipt.status();
  if (receipt->value("pending", nlohmann::json::object()).value("request_id", "") !=
      request["request_id"]) {
    return Status(Code::storage_corrupt,
                  "receipt " + receipt_key + " is not waiting for this answer");
  }
  receipt->erase("pending");
  if (!is_done(answer)) {
    if (Status s = store.put(Table::receipts, receipt_key, *receipt); !s.ok()) return s;
    return nlohmann::json{{"answer", answer}, {"receipt", *receipt}};
  }
  Result<std::int64_t> amount = amount_field(answer, "amount");
  if (!amount.ok()) return amount.status();
  (*receipt)["consumed_by"] = request["voucher_id"];
  (*receipt)["consumed_request"] = request["request_id"];
  const ObligationLine line{request["request_id"].get<std::string>(),
                            Way::provider,
                            peer,
                            context.region,
                            request["voucher_id"].get<std::string>(),
                            request["enterprise"].get<std::string>(),
                            provider,
                            *amount,
                            context.index};
  for (Status s : {store.put(Table::receipts, receipt_key, *receipt),
                   count_service(store, provider, *amount, context.accepted_ms),
                   put_obligation(store, line, stored(request, "requested_ms"))}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"answer", answer}, {"receipt", *receipt}};
}

// What query.redemption shows of an answered request: the request's parties and ids, and its
// outcome (redeemed with the amount, or refused with the participant's reason).
nlohmann::json answered_record(const nlohmann::json& request, const nlohmann::json& answer,
                               const nlohmann::json& finished, const Context& context) {
  const nlohmann::json& body = request["body"];
  nlohmann::json record = {{"answered_index", context.index},
                           {"answered_ms", context.accepted_ms},
                           {"enterprise", body.value("enterprise", "")},
                           {"kind", request["kind"]},
                           {"peer", request["peer"]},
                           {"provider", body.value("provider", "")},
                           {"receipt_id", body.value("receipt_id", "")},
                           {"request_id", body["request_id"]},
                           {"requested_index", request["entry_index"]},
                           {"requested_ms", body["requested_ms"]},
                           {"voucher_id", body.value("voucher_id", "")}};
  if (!is_done(answer)) {
    record["status"] = "refused";
    record["code"] = answer.value("code", 0);
    record["reason"] = answer.value("reason", "");
    return record;
  }
  record["status"] = "redeemed";
  record["amount"] = finished.contains("voucher") ? finished["voucher"].value("amount", 0)
                                                  : answer.value("amount", 0);
  return record;
}

}  // namespace

Result<nlohmann::json> adopt_manifest(Store& store, const Statement& statement,
                                      const Context& context, const nlohmann::json&) {
  const std::string own(region_code(context.region));
  if (statement.actor != "node." + own) {
    return Status(Code::forbidden, "only this region's node adopts a manifest");
  }
  Result<std::int64_t> version = integer_field(statement.body, "version");
  if (!version.ok()) return version.status();
  if (*version < 1 || *version > manifest_version_max) {
    return Status(Code::bad_statement,
                  "'version' must be 1…" + std::to_string(manifest_version_max));
  }
  Result<std::optional<nlohmann::json>> adopted = store.get(Table::settings, "federation");
  if (!adopted.ok()) return adopted.status();
  if (adopted->has_value() && stored(**adopted, "version") > *version) {
    return Status(Code::bad_statement, "manifest version " + std::to_string(*version) +
                                           " is older than the one adopted");
  }
  const auto members = statement.body.find("members");
  if (members == statement.body.end() || !members->is_array() || members->empty() ||
      members->size() > region_count) {
    return Status(Code::bad_statement, "'members' must list 1…6 regions");
  }
  Result<std::int64_t> period_seconds = integer_field(statement.body, "period_seconds");
  if (!period_seconds.ok()) return period_seconds.status();
  if (*period_seconds < 0 || *period_seconds > period_seconds_max) {
    return Status(Code::bad_statement, "'period_seconds' must be 0 (months) or a span of seconds");
  }
  nlohmann::json record = {{"members", nlohmann::json::object()},
                           {"period_seconds", *period_seconds},
                           {"version", *version}};
  for (const auto& value : *members) {
    Result<Member> member = parse_member(value);
    if (!member.ok()) return member.status();
    if (record["members"].contains(member->region)) {
      return Status(Code::bad_statement, "region " + member->region + " is listed twice");
    }
    record["members"][member->region] = {{"accepts", member->accepts}, {"name", member->name}};
    if (member->region == own) continue;  // this node's own keys come from its genesis
    for (Status s :
         {adopt_peer_actor(store, "node." + member->region, "node", member->region,
                           member->name + " node", member->node_key),
          adopt_peer_actor(store, "office." + member->region, "peer_office", member->region,
                           member->name + " finance office", member->office_key)}) {
      if (!s.ok()) return s;
    }
  }
  if (!record["members"].contains(own)) {
    return Status(Code::bad_statement, "the manifest does not list this node's region " + own);
  }
  if (Status s = store.put(Table::settings, "federation", record); !s.ok()) return s;
  return nlohmann::json{{"federation", record}};
}

Result<nlohmann::json> record_answer(Store& store, const Statement& statement,
                                     const Context& context, const nlohmann::json& actor) {
  Result<Region> peer = parse_region(actor.value("region", ""));
  if (!peer.ok()) return peer.status();
  if (*peer == context.region) return Status(Code::forbidden, "a node does not answer itself");
  Result<std::string> request_id = text_field(statement.body, "request_id");
  if (!request_id.ok()) return request_id.status();
  const auto answer = statement.body.find("result");
  if (answer == statement.body.end() || !answer->is_object() ||
      answer->find("request_id") == answer->end() || (*answer)["request_id"] != *request_id ||
      answer->find("outcome") == answer->end() ||
      ((*answer)["outcome"] != "done" && (*answer)["outcome"] != "refused")) {
    return Status(Code::bad_statement, "'result' must be the participant's recorded decision");
  }
  Result<nlohmann::json> request = require(store, Table::outbox, *request_id, "pending request");
  if (!request.ok()) return request.status();
  if ((*request)["peer"] != region_code(*peer)) {
    return Status(Code::forbidden,
                  "request " + *request_id + " was not sent to " + statement.actor);
  }
  Result<nlohmann::json> finished =
      (*request)["kind"] == "peer.receipt.consume"
          ? finish_pay_first(store, context, (*request)["body"], *answer, *peer)
          : finish_provider_redemption(store, context, (*request)["body"], *answer, *peer);
  if (!finished.ok()) return finished;
  const nlohmann::json outcome = answered_record(*request, *answer, *finished, context);
  for (Status s : {store.erase(Table::outbox, *request_id),
                   store.put(Table::indexes, answered_key(*request_id), outcome)}) {
    if (!s.ok()) return s;
  }
  return finished;
}

std::string answered_key(const std::string& request_id) { return "~answered|" + request_id; }

namespace {

using T = FieldType;

constexpr Field manifest_fields[] = {
    {"version", T::integer, true, "", "the manifest's version; never goes back"},
    {"members", T::list, true, "",
     "the member regions: {region, name, node_key, office_key, accepts}"},
    {"period_seconds", T::integer, true, "", "clearing period length; 0 for calendar months"},
};
constexpr Field answer_fields[] = {
    {"request_id", T::text, true, "", "the request this node sent"},
    {"result", T::object, true, "", "the peer's recorded decision: {request_id, outcome, ...}"},
    {"entry_index", T::integer, false, "", "the index of the peer's ledger entry that decided it"},
    {"entry_sha256", T::text, false, "", "SHA-256 of that entry, hex"},
};

constexpr Kind answer_table[] = {
    {"federation.manifest", node_role, Poster::node, adopt_manifest, nullptr, "", "",
     "the node adopts the federation's member list and keys", manifest_fields},
    {"peer.answer", node_role, Poster::node, record_answer, nullptr, "", "",
     "the node records a peer's answer to its request and finishes the redemption", answer_fields},
};

}  // namespace

constinit const std::span<const Kind> answer_kinds{answer_table};

}  // namespace innoclear::clearing::detail
