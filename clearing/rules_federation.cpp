// Rules of cross-region redemption between two notaries, each on its own node.
//
// The coordinator (where the redemption is asked for) locks what it owns — the voucher for
// pay-first, the receipt for a provider redemption — and writes the request to its outbox in the
// same entry. The participant (the peer that owns the other half) decides once: its answer is
// recorded, final, and asked again returns the same entry (the node's idempotency key for peer
// requests is the request id, see is_peer_request). The coordinator records the participant's
// signed answer as an entry of its own ledger, which finishes or unlocks the redemption and clears
// the outbox row. Nothing here voids a lock without the participant's answer.
//
// Both sides record the same obligation line (clearing/settlement.h) under the request id.
#include "clearing/amount.h"
#include "clearing/federation.h"
#include "clearing/kinds.h"
#include "clearing/periods.h"
#include "clearing/rules_internal.h"
#include "clearing/settlement.h"
#include "crypto/ed25519.h"

namespace innoclear::clearing::detail {

namespace {

std::string own_code(const Context& context) { return std::string(region_code(context.region)); }

std::string request_id_for(const Context& context) {
  std::string digits = std::to_string(context.index);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return own_code(context) + "-R" + digits;
}

// The participant's final answer when it does not do what was asked: recorded like any other.
nlohmann::json refused(const Status& why, const std::string& request_id, const Context& context) {
  return {{"code", static_cast<int>(why.code())},
          {"decided_ms", context.accepted_ms},
          {"outcome", "refused"},
          {"reason", why.message()},
          {"request_id", request_id}};
}

// The region of a node actor ("node.TJ" → TJ), checked to be a peer, not this node.
Result<Region> peer_region(const Statement& statement, const nlohmann::json& actor,
                           const Context& context) {
  Result<Region> region = parse_region(actor.value("region", ""));
  if (!region.ok()) return region.status();
  if (*region == context.region) {
    return Status(Code::forbidden, "a node does not send peer requests to itself");
  }
  if (statement.actor != "node." + std::string(region_code(*region))) {
    return Status(Code::forbidden, statement.actor + " is not a peer node");
  }
  return *region;
}

// Whether `member`, per the federation record, takes vouchers of `voucher_region`.
Status check_member_accepts(const Store& store, Region member, Region voucher_region) {
  Result<std::optional<nlohmann::json>> record = store.get(Table::settings, "federation");
  if (!record.ok()) return record.status();
  const std::string code(region_code(member));
  if (!record->has_value() || !(**record)["members"].contains(code)) {
    return {Code::region_not_accepted, code + " is not a member of the federation"};
  }
  if (!contains_string((**record)["members"][code]["accepts"],
                       std::string(region_code(voucher_region)))) {
    return {Code::region_not_accepted,
            code + " does not take vouchers of " + std::string(region_code(voucher_region))};
  }
  return Status::success();
}

// A peer's request id names the peer's own region ("TJ-R000042") and was never answered here.
Status check_request_id(const Store& store, const std::string& request_id, Region caller) {
  if (request_id.rfind(std::string(region_code(caller)) + "-R", 0) != 0) {
    return {Code::forbidden, "request " + request_id + " is not a request id of " +
                                 std::string(region_code(caller))};
  }
  Result<std::optional<nlohmann::json>> line = store.get(Table::obligations, request_id);
  if (!line.ok()) return line.status();
  if (line->has_value())
    return {Code::id_conflict, "request " + request_id + " was answered before"};
  return Status::success();
}

// The lock time a coordinator states decides the period a line falls in: it may not lie in the
// future, nor in a period this node has already closed.
Status check_requested_ms(const Store& store, std::int64_t requested_ms, const Context& context) {
  if (requested_ms < 0 || requested_ms > context.accepted_ms + clock_skew_ms_max) {
    return {Code::stale_time, "the request's lock time is not plausible"};
  }
  Result<nlohmann::json> federation = require(store, Table::settings, "federation", "federation");
  if (!federation.ok()) return federation.status();
  const Period period = period_containing(requested_ms, stored(*federation, "period_seconds"));
  Result<std::optional<nlohmann::json>> settlement = store.get(Table::settlements, period.id);
  if (!settlement.ok()) return settlement.status();
  if (settlement->has_value() && (**settlement).contains("close")) {
    return {Code::period_open, "period " + period.id + " is already closed here"};
  }
  return Status::success();
}

}  // namespace

Status check_policy_funds(const Store& store, Region provider_region) {
  Result<nlohmann::json> policy_record = policy(store);
  if (!policy_record.ok()) return policy_record.status();
  const std::string code(region_code(provider_region));
  if (!contains_string((*policy_record)["accepted_regions"], code)) {
    return {Code::region_not_accepted, "the policy does not fund providers of " + code};
  }
  return Status::success();
}

Status put_obligation(Store& store, const ObligationLine& line, std::int64_t requested_ms) {
  return store.put(Table::obligations, line.id,
                   {{"line", to_json(line)}, {"requested_ms", requested_ms}});
}

Status count_service(Store& store, const std::string& provider, std::int64_t amount,
                     std::int64_t utc_ms) {
  std::string key;
  Result<nlohmann::json> stats = provider_stats(store, provider, utc_ms, key);
  if (!stats.ok()) return stats.status();
  const std::optional<std::int64_t> total = add_fen(stored(*stats, "amount"), amount);
  if (!total) return {Code::amount_invalid, "provider statistics overflow"};
  (*stats)["amount"] = *total;
  (*stats)["services"] = stored(*stats, "services") + 1;
  return store.put(Table::provider_stats, key, *stats);
}

// Releases a voucher's reservation as a redemption of `amount` (≤ face).
Status settle_reservation(Store& store, const nlohmann::json& voucher, std::int64_t amount) {
  Result<nlohmann::json> year_budget = budget(store, static_cast<int>(stored(voucher, "year")));
  if (!year_budget.ok()) return year_budget.status();
  if (Status s = move_budget(*year_budget, "reserved", "redeemed", amount); !s.ok()) return s;
  if (Status s =
          move_budget(*year_budget, "reserved", "available", stored(voucher, "face") - amount);
      !s.ok()) {
    return s;
  }
  return store.put(Table::budgets, std::to_string(stored(voucher, "year")), *year_budget);
}

bool is_cross_region(const nlohmann::json& body, const char* field, const Context& context) {
  const auto found = body.find(field);
  return found != body.end() && found->is_string() &&
         found->get_ref<const std::string&>() != region_code(context.region);
}

Result<nlohmann::json> start_pay_first_abroad(Store& store, const Statement& statement,
                                              const Context& context, nlohmann::json voucher,
                                              const std::string& provider,
                                              const std::string& receipt_id) {
  Result<std::string> region_text = text_field(statement.body, "provider_region");
  if (!region_text.ok()) return region_text.status();
  Result<Region> provider_region = parse_region(*region_text);
  if (!provider_region.ok()) return Status(Code::bad_statement, "unknown provider_region");
  if (Status s = check_policy_funds(store, *provider_region); !s.ok()) return s;
  if (Status s = check_member_accepts(store, *provider_region, context.region); !s.ok()) return s;
  Result<nlohmann::json> policy_record = policy(store);
  if (!policy_record.ok()) return policy_record.status();
  const std::string request_id = request_id_for(context);
  const nlohmann::json request = {{"category", voucher["category"]},
                                  {"enterprise", voucher["enterprise"]},
                                  {"face", voucher["face"]},
                                  {"provider", provider},
                                  {"ratio_bp", (*policy_record)["ratio_bp"]},
                                  {"receipt_id", receipt_id},
                                  {"request_id", request_id},
                                  {"requested_ms", context.accepted_ms},
                                  {"voucher_id", voucher["id"]}};
  voucher["status"] = "pending";
  voucher["pending"] = {{"provider", provider},
                        {"provider_region", *region_text},
                        {"ratio_bp", (*policy_record)["ratio_bp"]},
                        {"receipt_id", receipt_id},
                        {"request_id", request_id},
                        {"way", "pay_first"}};
  mark(voucher, "pending", context);
  const nlohmann::json outbox = {{"body", request},
                                 {"created_ms", context.accepted_ms},
                                 {"entry_index", context.index},
                                 {"kind", "peer.receipt.consume"},
                                 {"peer", *region_text}};
  for (Status s : {store.put(Table::vouchers, voucher["id"].get<std::string>(), voucher),
                   store.put(Table::outbox, request_id, outbox)}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"pending", {{"peer", *region_text}, {"request_id", request_id}}},
                        {"voucher", voucher}};
}

Result<nlohmann::json> start_provider_redemption_abroad(Store& store, const Statement& statement,
                                                        const Context& context) {
  Result<std::string> voucher_id = text_field(statement.body, "voucher_id");
  Result<std::string> receipt_id = text_field(statement.body, "receipt_id");
  Result<std::string> region_text = text_field(statement.body, "voucher_region");
  for (const Status& s : {voucher_id.status(), receipt_id.status(), region_text.status()}) {
    if (!s.ok()) return s;
  }
  Result<Region> voucher_region = parse_region(*region_text);
  if (!voucher_region.ok()) return Status(Code::bad_statement, "unknown voucher_region");
  if (Status s = check_member_accepts(store, context.region, *voucher_region); !s.ok()) return s;
  // The voucher's home must be a member this node sends to, or the lock would wait forever.
  if (Status s = check_member_accepts(store, *voucher_region, *voucher_region); !s.ok()) {
    return Status(Code::region_not_accepted,
                  *region_text + " is not a member taking its own vouchers");
  }
  const std::string receipt_key = key_of(statement.actor, *receipt_id);
  Result<nlohmann::json> receipt = require(store, Table::receipts, receipt_key, "receipt");
  if (!receipt.ok()) return receipt.status();
  if (receipt->contains("consumed_by") || receipt->contains("pending")) {
    return Status(Code::receipt_consumed, "receipt " + receipt_key + " is used or being used");
  }
  const std::string request_id = request_id_for(context);
  const nlohmann::json request = {
      {"category", (*receipt)["category"]}, {"enterprise", (*receipt)["enterprise"]},
      {"paid", (*receipt)["paid"]},         {"price", (*receipt)["price"]},
      {"provider", statement.actor},        {"receipt_id", *receipt_id},
      {"request_id", request_id},           {"requested_ms", context.accepted_ms},
      {"voucher_id", *voucher_id}};
  (*receipt)["pending"] = {
      {"request_id", request_id}, {"voucher_id", *voucher_id}, {"voucher_region", *region_text}};
  const nlohmann::json outbox = {{"body", request},
                                 {"created_ms", context.accepted_ms},
                                 {"entry_index", context.index},
                                 {"kind", "peer.voucher.honour"},
                                 {"peer", *region_text}};
  for (Status s : {store.put(Table::receipts, receipt_key, *receipt),
                   store.put(Table::outbox, request_id, outbox)}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"pending", {{"peer", *region_text}, {"request_id", request_id}}},
                        {"receipt", *receipt}};
}

namespace {

// The enterprise's own statement asked for exactly this consumption (rules_peer_proof.cpp). The
// body's text fields were checked before.
Status check_enterprise_asked(const Store& store, const nlohmann::json& body, Region home,
                              const Context& context) {
  const ActorClaim claim{std::string(region_code(home)),
                         body["enterprise"].get<std::string>(),
                         "enterprise",
                         "voucher.redeem",
                         {{"voucher_id", body["voucher_id"].get<std::string>()},
                          {"provider", body["provider"].get<std::string>()},
                          {"receipt_id", body["receipt_id"].get<std::string>()},
                          {"provider_region", own_code(context)}}};
  return check_actor_proof(store, body, claim).status();
}

}  // namespace

// peer.receipt.consume: the provider's node uses its provider's receipt for a visiting voucher.
Result<nlohmann::json> consume_receipt_for_peer(Store& store, const Statement& statement,
                                                const Context& context,
                                                const nlohmann::json& actor) {
  Result<Region> home = peer_region(statement, actor, context);
  if (!home.ok()) return home.status();
  const nlohmann::json& body = statement.body;
  Result<std::string> request_id = text_field(body, "request_id");
  Result<std::string> voucher_id = text_field(body, "voucher_id");
  Result<std::string> enterprise = text_field(body, "enterprise");
  Result<std::string> category = text_field(body, "category");
  Result<std::string> provider = text_field(body, "provider");
  Result<std::string> receipt_id = text_field(body, "receipt_id");
  Result<std::int64_t> face = amount_field(body, "face");
  Result<std::int64_t> ratio_bp = integer_field(body, "ratio_bp");
  Result<std::int64_t> requested_ms = integer_field(body, "requested_ms");
  for (const Status& s : {request_id.status(), voucher_id.status(), enterprise.status(),
                          category.status(), provider.status(), receipt_id.status(), face.status(),
                          ratio_bp.status(), requested_ms.status()}) {
    if (!s.ok()) return s;
  }
  if (*ratio_bp < 0 || *ratio_bp > basis_points || *face > voucher_face_max) {
    return Status(Code::bad_statement, "'ratio_bp' must be 0…10000 and 'face' at most 500000");
  }
  if (Status s = check_request_id(store, *request_id, *home); !s.ok()) return s;
  if (Status s = check_enterprise_asked(store, body, *home, context); !s.ok()) {
    return refused(s, *request_id, context);
  }
  if (Status s = check_requested_ms(store, *requested_ms, context); !s.ok()) {
    return refused(s, *request_id, context);
  }
  if (Status s = check_member_accepts(store, context.region, *home); !s.ok()) {
    return refused(s, *request_id, context);
  }
  const std::string receipt_key = key_of(*provider, *receipt_id);
  Result<std::optional<nlohmann::json>> found = store.get(Table::receipts, receipt_key);
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return refused({Code::not_found, "no receipt " + receipt_key}, *request_id, context);
  }
  nlohmann::json receipt = **found;
  if (receipt["enterprise"] != *enterprise || receipt["category"] != *category) {
    return refused({Code::receipt_mismatch, "receipt is for another enterprise or category"},
                   *request_id, context);
  }
  if (receipt.contains("consumed_by") || receipt.contains("pending")) {
    return refused({Code::receipt_consumed, "receipt " + receipt_key + " is used or being used"},
                   *request_id, context);
  }
  const std::int64_t paid = stored(receipt, "paid");
  const std::int64_t amount = std::min(*face, apply_ratio(paid, *ratio_bp));
  if (amount <= 0) {
    return refused({Code::amount_invalid, "nothing was paid on receipt " + receipt_key},
                   *request_id, context);
  }
  receipt["consumed_by"] = *voucher_id;
  receipt["consumed_request"] = *request_id;
  const ObligationLine line{*request_id, Way::pay_first, *home,  context.region, *voucher_id,
                            *enterprise, *provider,      amount, context.index};
  for (Status s : {store.put(Table::receipts, receipt_key, receipt),
                   count_service(store, *provider, amount, context.accepted_ms),
                   put_obligation(store, line, *requested_ms)}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"amount", amount},          {"decided_ms", context.accepted_ms},
                        {"outcome", "done"},         {"paid", paid},
                        {"price", receipt["price"]}, {"request_id", *request_id}};
}

namespace {

// The fields of a peer.voucher.honour request.
struct HonourRequest {
  std::string request_id;
  std::string voucher_id;
  std::string provider;
  std::string enterprise;
  std::string category;
  std::string receipt_id;
  std::int64_t price = 0;
  std::int64_t requested_ms = 0;
  std::int64_t signed_ms = 0;  // when the provider signed its redemption: the time that counts
};

Result<HonourRequest> honour_request(const nlohmann::json& body) {
  Result<std::string> request_id = text_field(body, "request_id");
  Result<std::string> voucher_id = text_field(body, "voucher_id");
  Result<std::string> provider = text_field(body, "provider");
  Result<std::string> enterprise = text_field(body, "enterprise");
  Result<std::string> category = text_field(body, "category");
  Result<std::string> receipt_id = text_field(body, "receipt_id");
  Result<std::int64_t> price = amount_field(body, "price");
  Result<std::int64_t> requested_ms = integer_field(body, "requested_ms");
  for (const Status& s :
       {request_id.status(), voucher_id.status(), provider.status(), enterprise.status(),
        category.status(), receipt_id.status(), price.status(), requested_ms.status()}) {
    if (!s.ok()) return s;
  }
  return HonourRequest{*request_id, *voucher_id, *provider,     *enterprise,  *category,
                       *receipt_id, *price,      *requested_ms, *requested_ms};
}

// Why this region does not honour `voucher` for the request: the participant's final answer.
Status check_honourable(const nlohmann::json& voucher, const HonourRequest& request,
                        Region provider_region, const Context& context) {
  // Expiry is judged when the provider signed its redemption (proven, and within the clock skew
  // of the lock): a provider's node that was down delays, never voids.
  Context at_lock = context;
  at_lock.accepted_ms = request.signed_ms;
  if (Status why = check_redeemable(voucher, at_lock); !why.ok()) return why;
  if (voucher.value("assigned_to", "") != request.provider ||
      voucher.value("assigned_region", "") != region_code(provider_region)) {
    return {Code::not_assigned,
            "voucher " + request.voucher_id + " is not assigned to " + request.provider};
  }
  if (voucher["enterprise"] != request.enterprise || voucher["category"] != request.category) {
    return {Code::receipt_mismatch, "receipt is for another enterprise or category"};
  }
  // The enterprise countersigned the price when it assigned the voucher (it is not known to the
  // provider's node, so it cannot countersign the receipt there).
  if (voucher.value("assigned_price", std::int64_t{-1}) != request.price) {
    return {Code::receipt_mismatch, "the receipt's price is not the one the enterprise agreed"};
  }
  return Status::success();
}

// Redeems the voucher to the provider region's office and records the obligation line: the
// amount redeemed.
Result<std::int64_t> redeem_for_peer(Store& store, nlohmann::json voucher,
                                     const HonourRequest& request, Region provider_region,
                                     const Context& context) {
  Result<nlohmann::json> policy_record = policy(store);
  if (!policy_record.ok()) return policy_record.status();
  const std::int64_t amount = std::min(
      stored(voucher, "face"), apply_ratio(request.price, stored(*policy_record, "ratio_bp")));
  if (Status s = settle_reservation(store, voucher, amount); !s.ok()) return s;
  const std::string creditor = "office." + std::string(region_code(provider_region));
  voucher["status"] = "redeemed";
  voucher["amount"] = amount;
  voucher["payee"] = creditor;
  voucher["provider"] = request.provider;
  voucher["provider_region"] = region_code(provider_region);
  voucher["request_id"] = request.request_id;
  voucher["redeemed_ms"] = context.accepted_ms;
  mark(voucher, "redeemed", context);
  const ObligationLine line{
      request.request_id, Way::provider,    context.region, provider_region, request.voucher_id,
      request.enterprise, request.provider, amount,         context.index};
  for (Status s : {store.put(Table::vouchers, request.voucher_id, voucher),
                   put_obligation(store, line, request.requested_ms)}) {
    if (!s.ok()) return s;
  }
  return amount;
}

}  // namespace

// peer.voucher.honour: the voucher's home node honours a provider redemption made abroad.
Result<nlohmann::json> honour_voucher_for_peer(Store& store, const Statement& statement,
                                               const Context& context,
                                               const nlohmann::json& actor) {
  Result<Region> provider_region = peer_region(statement, actor, context);
  if (!provider_region.ok()) return provider_region.status();
  Result<HonourRequest> request = honour_request(statement.body);
  if (!request.ok()) return request.status();
  const std::string& request_id = request->request_id;
  if (Status s = check_request_id(store, request_id, *provider_region); !s.ok()) return s;
  const ActorClaim claim{std::string(region_code(*provider_region)),
                         request->provider,
                         "provider",
                         "voucher.provider_redeem",
                         {{"voucher_id", request->voucher_id},
                          {"receipt_id", request->receipt_id},
                          {"voucher_region", own_code(context)}}};
  Result<Statement> asked = check_actor_proof(store, statement.body, claim);
  if (!asked.ok()) return refused(asked.status(), request_id, context);
  request->signed_ms = asked->time_ms;
  if (Status s = check_policy_funds(store, *provider_region); !s.ok()) {
    return refused(s, request_id, context);
  }
  if (Status s = check_requested_ms(store, request->requested_ms, context); !s.ok()) {
    return refused(s, request_id, context);
  }
  Result<std::optional<nlohmann::json>> found = store.get(Table::vouchers, request->voucher_id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return refused({Code::not_found, "no voucher " + request->voucher_id}, request_id, context);
  }
  if (Status why = check_honourable(**found, *request, *provider_region, context); !why.ok()) {
    return refused(why, request_id, context);
  }
  Result<std::int64_t> amount =
      redeem_for_peer(store, **found, *request, *provider_region, context);
  if (!amount.ok()) return amount.status();
  return nlohmann::json{{"amount", *amount},
                        {"decided_ms", context.accepted_ms},
                        {"outcome", "done"},
                        {"request_id", request_id},
                        {"voucher_id", request->voucher_id}};
}

namespace {

using T = FieldType;

constexpr Field consume_fields[] = {
    {"request_id", T::text, true, "", "the asking node's request id"},
    {"voucher_id", T::text, true, "", "the asking region's voucher"},
    {"enterprise", T::text, true, "", "the enterprise that holds the voucher and the receipt"},
    {"category", T::text, true, "", "the voucher's category"},
    {"provider", T::text, true, "", "this region's provider that recorded the receipt"},
    {"receipt_id", T::text, true, "", "the confirmed receipt to consume"},
    {"face", T::fen, true, "", "the voucher's face"},
    {"ratio_bp", T::integer, true, "", "the home policy's ratio, basis points"},
    {"requested_ms", T::integer, true, "", "when the asking node locked the voucher (UTC ms)"},
    {"actor_statement", T::object, false, "",
     "the enterprise's own signed voucher.redeem: {signature, statement}"},
    {"key_entry", T::object, false, "",
     "the asking region's ledger entry that gave the enterprise its key"},
};
constexpr Field honour_fields[] = {
    {"request_id", T::text, true, "", "the asking node's request id"},
    {"voucher_id", T::text, true, "", "this region's voucher"},
    {"provider", T::text, true, "", "the asking region's provider it was assigned to"},
    {"enterprise", T::text, true, "", "the enterprise that holds the voucher"},
    {"category", T::text, true, "", "the service's category"},
    {"price", T::fen, true, "", "the service's price"},
    {"paid", T::fen, true, "",
     "what the enterprise paid the provider (shown, not used by the rules)"},
    {"requested_ms", T::integer, true, "", "when the asking node locked the request (UTC ms)"},
    {"receipt_id", T::text, true, "", "the provider's receipt for the service"},
    {"actor_statement", T::object, false, "",
     "the provider's own signed voucher.provider_redeem: {signature, statement}"},
    {"key_entry", T::object, false, "",
     "the asking region's ledger entry that gave the provider its key"},
};

constexpr Kind federation_table[] = {
    {"peer.receipt.consume", node_role, Poster::node, consume_receipt_for_peer, nullptr, "", "",
     "a peer node asks this region to consume a receipt for a pay-first redemption at the "
     "voucher's home",
     consume_fields},
    {"peer.voucher.honour", node_role, Poster::node, honour_voucher_for_peer, nullptr, "", "",
     "a peer node asks this region to honour its voucher redeemed by a provider of the peer",
     honour_fields},
};

}  // namespace

constinit const std::span<const Kind> federation_kinds{federation_table};

}  // namespace innoclear::clearing::detail
