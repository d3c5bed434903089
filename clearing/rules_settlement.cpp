// Rules of a clearing period's end, as one node records it (settlements[period]):
//   period.close       (node)   every bilateral statement of the period agreed with its peer; the
//                               node's totals per peer, recomputed here from its own obligations
//   settlement.propose (node)   every member's close: multilateral net positions and transfers,
//                               a document identical on every node
//   settlement.sign    (office) the finance office signs the document's SHA-256
//   settlement.record  (node)   every member office's signature, verified: settled
// The node gathers what peers said (nodes/periods.cpp); these rules check that what it records is
// consistent with its own ledger and with itself, so a replay proves it.
#include "clearing/amount.h"
#include "clearing/federation.h"
#include "clearing/kinds.h"
#include "clearing/periods.h"
#include "clearing/rules_internal.h"
#include "crypto/canonical_json.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace innoclear::clearing::detail {

namespace {

struct PeriodState {
  Period period;
  nlohmann::json record;   // settlements[period.id], or {} before the close
  nlohmann::json members;  // the federation's members: code → {accepts, name}
};

Status require_own_node(const Statement& statement, const Context& context) {
  if (statement.actor != "node." + std::string(region_code(context.region))) {
    return {Code::forbidden, "only this region's node records " + statement.kind};
  }
  return Status::success();
}

Result<PeriodState> period_state(const Store& store, const Statement& statement) {
  Result<std::string> id = text_field(statement.body, "period");
  if (!id.ok()) return id.status();
  Result<nlohmann::json> federation = require(store, Table::settings, "federation", "federation");
  if (!federation.ok()) return federation.status();
  Result<Period> period = parse_period(*id, stored(*federation, "period_seconds"));
  if (!period.ok()) return Status(Code::bad_statement, period.status().message());
  Result<std::optional<nlohmann::json>> record = store.get(Table::settlements, *id);
  if (!record.ok()) return record.status();
  return PeriodState{*period, record->value_or(nlohmann::json::object()), (*federation)["members"]};
}

// This node's totals with `peer` for the period, from its own obligation lines.
Result<nlohmann::json> peer_totals(const Store& store, const Period& period, Region own,
                                   Region peer) {
  Result<std::vector<ObligationLine>> lines = bilateral_lines(store, period, own, peer);
  if (!lines.ok()) return lines.status();
  std::int64_t owed_to_me = 0;
  std::int64_t owed_by_me = 0;
  for (const ObligationLine& line : *lines) {
    std::int64_t& total = line.home == own ? owed_by_me : owed_to_me;
    const std::optional<std::int64_t> sum = add_fen(total, line.owed());
    if (!sum) return Status(Code::amount_invalid, "period totals overflow");
    total = *sum;
  }
  return nlohmann::json{{"digest", lines_digest(*lines)},
                        {"lines", lines->size()},
                        {"owed_by_me", owed_by_me},
                        {"owed_to_me", owed_to_me}};
}

// What one member's close says of one peer, checked: closes come from peers.
struct PeerTotals {
  std::string digest;
  std::int64_t owed_by_me = 0;
  std::int64_t owed_to_me = 0;
};

Result<PeerTotals> totals_with(const nlohmann::json& closes, const std::string& member,
                               const std::string& peer) {
  const auto close = closes.find(member);
  const auto malformed = [&] {
    return Status(Code::bad_statement, "the close of " + member + " says nothing valid of " + peer);
  };
  if (close == closes.end() || !close->is_object()) return malformed();
  const auto totals = close->find("totals");
  if (totals == close->end() || !totals->is_object()) return malformed();
  const auto with = totals->find(peer);
  if (with == totals->end() || !with->is_object()) return malformed();
  const auto digest = with->find("digest");
  const auto by_me = with->find("owed_by_me");
  const auto to_me = with->find("owed_to_me");
  if (digest == with->end() || !digest->is_string() || by_me == with->end() ||
      !by_me->is_number_unsigned() || to_me == with->end() || !to_me->is_number_unsigned() ||
      by_me->get<std::uint64_t>() > INT64_MAX || to_me->get<std::uint64_t>() > INT64_MAX) {
    return malformed();
  }
  return PeerTotals{digest->get<std::string>(), by_me->get<std::int64_t>(),
                    to_me->get<std::int64_t>()};
}

// Every pair's totals, each confirmed by the mirror image in the other member's close.
Result<std::vector<BilateralTotal>> bilateral_totals(const nlohmann::json& closes) {
  std::vector<BilateralTotal> totals;
  for (const auto& [debtor_code, close] : closes.items()) {
    for (const auto& [creditor_code, unused] : close["totals"].items()) {
      Result<Region> debtor = parse_region(debtor_code);
      Result<Region> creditor = parse_region(creditor_code);
      if (!debtor.ok() || !creditor.ok() || *debtor == *creditor) {
        return Status(Code::bad_statement, "a close names an unknown or its own region");
      }
      Result<PeerTotals> with = totals_with(closes, debtor_code, creditor_code);
      Result<PeerTotals> mirror = totals_with(closes, creditor_code, debtor_code);
      if (!with.ok()) return with.status();
      if (!mirror.ok()) return mirror.status();
      if (mirror->digest != with->digest || mirror->owed_to_me != with->owed_by_me ||
          mirror->owed_by_me != with->owed_to_me) {
        return Status(Code::statements_differ,
                      debtor_code + " and " + creditor_code + " closed the period differently");
      }
      if (with->owed_by_me > 0) totals.push_back({*debtor, *creditor, with->owed_by_me});
    }
  }
  return totals;
}

Result<nlohmann::json> settlement_document(const PeriodState& state, const nlohmann::json& closes) {
  Result<std::vector<BilateralTotal>> totals = bilateral_totals(closes);
  if (!totals.ok()) return totals.status();
  Result<std::array<std::int64_t, region_count>> positions = net_positions(*totals);
  if (!positions.ok()) return positions.status();
  Result<std::vector<Transfer>> transfers = settlement_transfers(*positions);
  if (!transfers.ok()) return transfers.status();
  nlohmann::json bilateral = nlohmann::json::array();
  for (const BilateralTotal& total : *totals) {
    bilateral.push_back({{"amount", total.amount},
                         {"creditor", region_code(total.creditor)},
                         {"debtor", region_code(total.debtor)}});
  }
  nlohmann::json position_json = nlohmann::json::object();
  for (const auto& [code, close] : closes.items()) {
    position_json[code] = (*positions)[static_cast<std::size_t>(*parse_region(code))];
  }
  nlohmann::json transfer_json = nlohmann::json::array();
  for (const Transfer& transfer : *transfers) {
    transfer_json.push_back({{"amount", transfer.amount},
                             {"payee", region_code(transfer.payee)},
                             {"payer", region_code(transfer.payer)}});
  }
  nlohmann::json close_indexes = nlohmann::json::object();
  for (const auto& [code, close] : closes.items()) close_indexes[code] = close["index"];
  return nlohmann::json{{"bilateral", bilateral},          {"closes", close_indexes},
                        {"from_ms", state.period.from_ms}, {"period", state.period.id},
                        {"positions", position_json},      {"to_ms", state.period.to_ms},
                        {"transfers", transfer_json}};
}

// One member office's settlement.sign statement, as recorded in its node's ledger.
Status check_office_signature(const Store& store, const std::string& code,
                              const nlohmann::json& signed_statement, const std::string& period,
                              const std::string& document_sha256) {
  if (!signed_statement.is_object() || !signed_statement.contains("statement") ||
      !signed_statement["statement"].is_object() || !signed_statement.contains("signature") ||
      !signed_statement["signature"].is_string()) {
    return {Code::bad_statement, "the signature of office." + code + " is malformed"};
  }
  Result<Statement> statement = parse_statement(signed_statement["statement"]);
  if (!statement.ok()) return statement.status();
  if (statement->kind != "settlement.sign" || statement->actor != "office." + code ||
      statement->region != code || statement->body.value("period", "") != period ||
      statement->body.value("document_sha256", "") != document_sha256) {
    return {Code::bad_statement, "office." + code + " did not sign this settlement"};
  }
  Result<crypto::Bytes> signature =
      crypto::base64_decode(signed_statement["signature"].get<std::string>());
  if (!signature.ok()) return signature.status();
  Result<std::optional<nlohmann::json>> office = store.get(Table::actors, "office." + code);
  if (!office.ok()) return office.status();
  if (!office->has_value()) return {Code::unknown_actor, "unknown actor office." + code};
  Result<crypto::PublicKey> key = crypto::decode_public_key((**office).value("key", ""));
  if (!key.ok() ||
      !crypto::verify(*key, crypto::canonical_dump(signed_statement["statement"]), *signature)) {
    return {Code::bad_signature, "the signature of office." + code + " does not verify"};
  }
  return Status::success();
}

}  // namespace

Result<nlohmann::json> close_period(Store& store, const Statement& statement,
                                    const Context& context, const nlohmann::json&) {
  if (Status s = require_own_node(statement, context); !s.ok()) return s;
  Result<PeriodState> state = period_state(store, statement);
  if (!state.ok()) return state.status();
  if (context.accepted_ms < state->period.to_ms) {
    return Status(Code::period_open, "period " + state->period.id + " has not ended");
  }
  if (state->record.contains("close")) {
    return Status(Code::id_conflict, "period " + state->period.id + " is already closed");
  }
  const auto agreed = statement.body.find("agreed");
  if (agreed == statement.body.end() || !agreed->is_object()) {
    return Status(Code::bad_statement, "'agreed' must map each peer to its statement digest");
  }
  nlohmann::json totals = nlohmann::json::object();
  for (const auto& [code, member] : state->members.items()) {
    const Region peer = *parse_region(code);
    if (peer == context.region) continue;
    Result<bool> clear = outbox_clear(store, state->period, peer);
    if (!clear.ok()) return clear.status();
    if (!*clear) return Status(Code::period_open, "requests to " + code + " are still in flight");
    Result<nlohmann::json> with = peer_totals(store, state->period, context.region, peer);
    if (!with.ok()) return with.status();
    if (agreed->value(code, "") != (*with)["digest"]) {
      return Status(Code::statements_differ, "the statement with " + code + " was not agreed");
    }
    totals[code] = *with;
  }
  state->record["close"] = {{"index", context.index}, {"totals", totals}};
  state->record["from_ms"] = state->period.from_ms;
  state->record["to_ms"] = state->period.to_ms;
  if (Status s = store.put(Table::settlements, state->period.id, state->record); !s.ok()) return s;
  return nlohmann::json{{"close", state->record["close"]}, {"period", state->period.id}};
}

Result<nlohmann::json> propose_settlement(Store& store, const Statement& statement,
                                          const Context& context, const nlohmann::json&) {
  if (Status s = require_own_node(statement, context); !s.ok()) return s;
  Result<PeriodState> state = period_state(store, statement);
  if (!state.ok()) return state.status();
  if (!state->record.contains("close"))
    return Status(Code::period_open, "the period is not closed here");
  if (state->record.contains("proposal")) return Status(Code::id_conflict, "already proposed");
  const auto closes = statement.body.find("closes");
  if (closes == statement.body.end() || !closes->is_object() ||
      closes->size() != state->members.size()) {
    return Status(Code::bad_statement, "'closes' must hold every member's close");
  }
  const std::string own(region_code(context.region));
  for (const auto& [code, member] : state->members.items()) {
    const auto close = closes->find(code);
    if (close == closes->end() || !close->is_object() || !close->contains("totals") ||
        !(*close)["totals"].is_object() || !close->contains("index") ||
        !(*close)["index"].is_number_unsigned()) {
      return Status(Code::bad_statement, "the close of " + code + " is missing or malformed");
    }
  }
  if ((*closes)[own] != state->record["close"]) {
    return Status(Code::statements_differ, "the proposal misstates this node's own close");
  }
  Result<nlohmann::json> document = settlement_document(*state, *closes);
  if (!document.ok()) return document.status();
  const std::string digest = crypto::hex_encode(crypto::sha256(crypto::canonical_dump(*document)));
  state->record["proposal"] = {{"document", *document}, {"document_sha256", digest}};
  if (Status s = store.put(Table::settlements, state->period.id, state->record); !s.ok()) return s;
  return nlohmann::json{{"document_sha256", digest}, {"period", state->period.id}};
}

Result<nlohmann::json> sign_settlement(Store& store, const Statement& statement,
                                       const Context& context, const nlohmann::json&) {
  Result<PeriodState> state = period_state(store, statement);
  if (!state.ok()) return state.status();
  Result<std::string> digest = text_field(statement.body, "document_sha256");
  if (!digest.ok()) return digest.status();
  if (!state->record.contains("proposal")) {
    return Status(Code::period_open, "no settlement of " + state->period.id + " to sign yet");
  }
  if (state->record["proposal"]["document_sha256"] != *digest) {
    return Status(Code::statements_differ, "that is not the settlement this node computed");
  }
  if (state->record.contains("office_signature")) {
    return Status(Code::id_conflict, "the office already signed " + state->period.id);
  }
  state->record["office_signature"] = {{"index", context.index}};
  if (Status s = store.put(Table::settlements, state->period.id, state->record); !s.ok()) return s;
  return nlohmann::json{{"document_sha256", *digest}, {"period", state->period.id}};
}

Result<nlohmann::json> record_settlement(Store& store, const Statement& statement,
                                         const Context& context, const nlohmann::json&) {
  if (Status s = require_own_node(statement, context); !s.ok()) return s;
  Result<PeriodState> state = period_state(store, statement);
  if (!state.ok()) return state.status();
  if (!state->record.contains("office_signature")) {
    return Status(Code::period_open, "this region's office has not signed yet");
  }
  if (state->record.contains("settled")) return Status(Code::id_conflict, "already settled");
  const std::string digest = state->record["proposal"]["document_sha256"].get<std::string>();
  const auto signatures = statement.body.find("signatures");
  if (signatures == statement.body.end() || !signatures->is_object()) {
    return Status(Code::bad_statement,
                  "'signatures' must map each member to its office's statement");
  }
  for (const auto& [code, member] : state->members.items()) {
    if (!signatures->contains(code))
      return Status(Code::bad_statement, "no signature of office." + code);
    if (Status s =
            check_office_signature(store, code, (*signatures)[code], state->period.id, digest);
        !s.ok()) {
      return s;
    }
  }
  state->record["settled"] = {{"index", context.index}, {"settled_ms", context.accepted_ms}};
  if (Status s = store.put(Table::settlements, state->period.id, state->record); !s.ok()) return s;
  return nlohmann::json{{"document", state->record["proposal"]["document"]},
                        {"document_sha256", digest},
                        {"period", state->period.id}};
}

namespace {

using T = FieldType;

constexpr Field close_fields[] = {
    {"period", T::text, true, "", "the period's name"},
    {"agreed", T::object, true, "", "per peer region, the bilateral totals both sides signed"},
};
constexpr Field propose_fields[] = {
    {"period", T::text, true, "", "the period's name"},
    {"closes", T::object, true, "", "per member region, its signed period.close"},
};
constexpr Field sign_fields[] = {
    {"period", T::text, true, "period", "the period's name, e.g. 2026-11"},
    {"document_sha256", T::text, true, "document-sha256", "the settlement document's SHA-256, hex"},
};
constexpr Field record_fields[] = {
    {"period", T::text, true, "", "the period's name"},
    {"signatures", T::object, true, "", "per member region, its office's signed settlement.sign"},
};

constexpr Kind settlement_table[] = {
    {"period.close", node_role, Poster::node, close_period, nullptr, "", "",
     "the node closes a clearing period with the totals agreed with each peer", close_fields},
    {"settlement.propose", node_role, Poster::node, propose_settlement, nullptr, "", "",
     "the node records the settlement document computed from every region's close", propose_fields},
    {"settlement.sign", office_role, Poster::client, sign_settlement, nullptr, "office",
     "settlement sign", "sign the period's settlement document", sign_fields},
    {"settlement.record", node_role, Poster::node, record_settlement, nullptr, "", "",
     "the node records the settlement once every office signed it", record_fields},
};

}  // namespace

constinit const std::span<const Kind> settlement_kinds{settlement_table};

}  // namespace innoclear::clearing::detail
