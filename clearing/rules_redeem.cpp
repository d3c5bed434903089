// Rules of services and redemption on one node: receipts, both ways of redeeming, payout.
#include "clearing/amount.h"
#include "clearing/credit_code.h"
#include "clearing/kinds.h"
#include "clearing/rules_internal.h"

namespace innoclear::clearing::detail {

namespace {

bool is_sha256_hex(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

Status check_redeemable(const nlohmann::json& voucher, const Context& context) {
  const std::string status = voucher["status"].get<std::string>();
  if (status == "redeemed" || status == "paid") {
    return {Code::already_redeemed,
            "voucher " + voucher["id"].get<std::string>() + " was already redeemed"};
  }
  if (status != "live") return {Code::voucher_not_live, "voucher is " + status};
  if (context.accepted_ms >= stored(voucher, "expires_ms")) {
    return {Code::voucher_expired, "voucher " + voucher["id"].get<std::string>() + " has expired"};
  }
  return Status::success();
}

namespace {

// The receipt a redemption consumes: for this voucher's enterprise and category, countersigned,
// not consumed.
Status check_receipt(const nlohmann::json& receipt, const nlohmann::json& voucher) {
  if (receipt["enterprise"] != voucher["enterprise"] ||
      receipt["category"] != voucher["category"]) {
    return {Code::receipt_mismatch, "receipt is for another enterprise or category"};
  }
  if (!receipt.value("confirmed", false)) {
    return {Code::receipt_not_confirmed, "the enterprise has not countersigned the receipt"};
  }
  if (receipt.contains("consumed_by")) {
    return {Code::receipt_consumed,
            "receipt was used by voucher " + receipt["consumed_by"].get<std::string>()};
  }
  if (receipt.contains("pending")) {
    return {Code::receipt_consumed, "receipt is being used by voucher " +
                                        receipt["pending"]["voucher_id"].get<std::string>()};
  }
  return Status::success();
}

// Posts a redemption of `amount` (≤ face): the reservation is released, `amount` becomes
// payable to `payee`, the receipt is consumed and the provider's statistics count the service.
Result<nlohmann::json> post_redemption(Store& store, const Context& context, nlohmann::json voucher,
                                       nlohmann::json receipt, const std::string& receipt_key,
                                       std::int64_t amount, const std::string& payee) {
  const std::int64_t face = stored(voucher, "face");
  assert(amount >= 0 && amount <= face);
  const std::string year = std::to_string(stored(voucher, "year"));
  Result<nlohmann::json> year_budget = budget(store, static_cast<int>(stored(voucher, "year")));
  if (!year_budget.ok()) return year_budget.status();
  if (Status s = move_budget(*year_budget, "reserved", "redeemed", amount); !s.ok()) return s;
  if (Status s = move_budget(*year_budget, "reserved", "available", face - amount); !s.ok())
    return s;
  const std::string provider = receipt["provider"].get<std::string>();
  voucher["status"] = "redeemed";
  voucher["amount"] = amount;
  voucher["payee"] = payee;
  voucher["provider"] = provider;
  voucher["receipt"] = receipt_key;
  voucher["redeemed_ms"] = context.accepted_ms;
  if (receipt.contains("confirmed_ms")) {
    voucher["timeline"].push_back({{"index", receipt["confirmed_index"]},
                                   {"state", "receipted"},
                                   {"time_ms", receipt["confirmed_ms"]}});
  }
  mark(voucher, "redeemed", context);
  receipt["consumed_by"] = voucher["id"];
  std::string stats_key;
  Result<nlohmann::json> stats =
      provider_stats(store, region_code(context.region), provider, context.accepted_ms, stats_key);
  if (!stats.ok()) return stats.status();
  nlohmann::json& record = *stats;
  const std::optional<std::int64_t> total = add_fen(stored(record, "amount"), amount);
  if (!total) return Status(Code::amount_invalid, "provider statistics overflow");
  record["amount"] = *total;
  record["services"] = stored(record, "services") + 1;
  for (Status s : {store.put(Table::budgets, year, *year_budget),
                   store.put(Table::vouchers, voucher["id"].get<std::string>(), voucher),
                   store.put(Table::receipts, receipt_key, receipt),
                   store.put(Table::provider_stats, stats_key, record)}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"amount", amount}, {"payee", payee}, {"voucher", voucher}};
}

Result<nlohmann::json> receipt_body(const Statement& statement) {
  const nlohmann::json& body = statement.body;
  Result<std::string> receipt_id = id_field(body, "receipt_id");
  Result<std::string> enterprise = text_field(body, "enterprise");
  Result<std::string> category = text_field(body, "category");
  Result<std::int64_t> price = amount_field(body, "price");
  Result<std::int64_t> paid = integer_field(body, "paid");
  Result<std::string> reference = text_field(body, "payment_ref");
  for (const Status& s : {receipt_id.status(), enterprise.status(), category.status(),
                          price.status(), paid.status(), reference.status()}) {
    if (!s.ok()) return s;
  }
  if (*paid < 0) return Status(Code::amount_invalid, "'paid' cannot be negative");
  if (*paid > *price) return Status(Code::paid_exceeds_price, "paid more than the price");
  if (!valid_credit_code(*enterprise)) {
    return Status(Code::invalid_credit_code, *enterprise + " is not a valid credit code");
  }
  nlohmann::json receipt = {{"category", *category},       {"confirmed", false},
                            {"enterprise", *enterprise},   {"paid", *paid},
                            {"payment_ref", *reference},   {"price", *price},
                            {"provider", statement.actor}, {"receipt_id", *receipt_id}};
  for (const char* hash : {"contract_sha256", "invoice_sha256", "payment_sha256"}) {
    Result<std::string> value = text_field(body, hash);
    if (!value.ok()) return value.status();
    if (!is_sha256_hex(*value)) {
      return Status(Code::bad_statement,
                    std::string("'") + hash + "' must be 64 lowercase hex digits");
    }
    receipt[hash] = *value;
  }
  return receipt;
}

// The policy funds services of providers in its accepted regions only.
Status check_provider_region(const Store& store, const std::string& provider,
                             const nlohmann::json& policy_record) {
  Result<std::optional<nlohmann::json>> record = store.get(Table::actors, provider);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return {Code::not_found, "no provider " + provider};
  const std::string region = (**record).value("region", "");
  if (!contains_string(policy_record["accepted_regions"], region)) {
    return {Code::region_not_accepted, "the policy does not fund providers of " + region};
  }
  return Status::success();
}

}  // namespace

Result<nlohmann::json> record_receipt(Store& store, const Statement& statement, const Context&,
                                      const nlohmann::json& actor) {
  Result<nlohmann::json> receipt = receipt_body(statement);
  if (!receipt.ok()) return receipt.status();
  if (!contains_string(actor["categories"], (*receipt)["category"].get<std::string>())) {
    return Status(Code::category_not_allowed, "the provider is not registered for that category");
  }
  const std::string key = key_of(statement.actor, (*receipt)["receipt_id"].get<std::string>());
  Result<std::optional<nlohmann::json>> existing = store.get(Table::receipts, key);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    nlohmann::json earlier = **existing;
    for (const char* state : {"confirmed", "confirmed_index", "confirmed_ms", "consumed_by",
                              "consumed_request", "pending"}) {
      earlier.erase(state);
    }
    nlohmann::json now = *receipt;
    now.erase("confirmed");
    if (earlier != now)
      return Status(Code::id_conflict, "receipt " + key + " exists with other content");
    return nlohmann::json{{"receipt", **existing}};
  }
  if (Status s = store.put(Table::receipts, key, *receipt); !s.ok()) return s;
  return nlohmann::json{{"receipt", *receipt}};
}

// What an enterprise does with a receipt recorded in another region: nothing to countersign (it
// is not registered there); its redemption at home is its consent (docs/design.md).
static std::string abroad_hint(const std::string& region) {
  return "a receipt recorded in " + region +
         " needs no confirmation: redeem it at home with `enterprise redeem --provider-region " +
         region + "` (your redemption is your consent)";
}

Result<nlohmann::json> confirm_receipt(Store& store, const Statement& statement,
                                       const Context& context, const nlohmann::json&) {
  Result<std::string> provider = text_field(statement.body, "provider");
  Result<std::string> receipt_id = text_field(statement.body, "receipt_id");
  if (!provider.ok()) return provider.status();
  if (!receipt_id.ok()) return receipt_id.status();
  const std::string own(region_code(context.region));
  const std::string region = statement.body.value("provider_region", own);
  if (!parse_region(region).ok()) {
    return Status(Code::bad_statement, "'provider_region' must be a region code like TJ");
  }
  if (region != own) return Status(Code::wrong_region, abroad_hint(region));
  const std::string key = key_of(*provider, *receipt_id);
  Result<nlohmann::json> receipt = require(store, Table::receipts, key, "receipt");
  if (!receipt.ok()) {
    if (receipt.status().code() != Code::not_found) return receipt.status();
    return Status(Code::not_found,
                  receipt.status().message() + "; " + abroad_hint("another region"));
  }
  if ((*receipt)["enterprise"] != statement.actor) {
    return Status(Code::not_own_party, "receipt " + key + " is for another enterprise");
  }
  // A second confirmation would write an entry that changes nothing.
  if (receipt->value("confirmed", false)) {
    return Status(Code::id_conflict, "receipt " + key + " was already confirmed");
  }
  (*receipt)["confirmed"] = true;
  (*receipt)["confirmed_index"] = context.index;
  (*receipt)["confirmed_ms"] = context.accepted_ms;
  if (Status s = store.put(Table::receipts, key, *receipt); !s.ok()) return s;
  return nlohmann::json{{"receipt", *receipt}};
}

Result<nlohmann::json> redeem_pay_first(Store& store, const Statement& statement,
                                        const Context& context, const nlohmann::json&) {
  Result<std::string> voucher_id = text_field(statement.body, "voucher_id");
  Result<std::string> provider = text_field(statement.body, "provider");
  Result<std::string> receipt_id = text_field(statement.body, "receipt_id");
  for (const Status& s : {voucher_id.status(), provider.status(), receipt_id.status()}) {
    if (!s.ok()) return s;
  }
  Result<nlohmann::json> voucher = require(store, Table::vouchers, *voucher_id, "voucher");
  if (!voucher.ok()) return voucher.status();
  if ((*voucher)["enterprise"] != statement.actor) {
    return Status(Code::not_own_party, "voucher " + *voucher_id + " belongs to another enterprise");
  }
  if (Status s = check_redeemable(*voucher, context); !s.ok()) return s;
  if (is_cross_region(statement.body, "provider_region", context)) {
    return start_pay_first_abroad(store, statement, context, std::move(*voucher), *provider,
                                  *receipt_id);
  }
  const std::string receipt_key = key_of(*provider, *receipt_id);
  Result<nlohmann::json> receipt = require(store, Table::receipts, receipt_key, "receipt");
  if (!receipt.ok()) return receipt.status();
  if (Status s = check_receipt(*receipt, *voucher); !s.ok()) return s;
  Result<nlohmann::json> policy_record = policy(store);
  if (!policy_record.ok()) return policy_record.status();
  if (Status s = check_provider_region(store, *provider, *policy_record); !s.ok()) return s;
  const std::int64_t amount =
      std::min(stored(*voucher, "face"),
               apply_ratio(stored(*receipt, "paid"), stored(*policy_record, "ratio_bp")));
  // Redeeming for nothing would spend the voucher and the receipt for no payment.
  if (amount <= 0) {
    return Status(Code::amount_invalid, "the receipt shows nothing paid: nothing to redeem");
  }
  return post_redemption(store, context, std::move(*voucher), std::move(*receipt), receipt_key,
                         amount, statement.actor);
}

Result<nlohmann::json> redeem_by_provider(Store& store, const Statement& statement,
                                          const Context& context, const nlohmann::json&) {
  if (is_cross_region(statement.body, "voucher_region", context)) {
    return start_provider_redemption_abroad(store, statement, context);
  }
  Result<std::string> voucher_id = text_field(statement.body, "voucher_id");
  Result<std::string> receipt_id = text_field(statement.body, "receipt_id");
  if (!voucher_id.ok()) return voucher_id.status();
  if (!receipt_id.ok()) return receipt_id.status();
  Result<nlohmann::json> voucher = require(store, Table::vouchers, *voucher_id, "voucher");
  if (!voucher.ok()) return voucher.status();
  if (Status s = check_redeemable(*voucher, context); !s.ok()) return s;
  if (voucher->value("assigned_to", "") != statement.actor ||
      voucher->value("assigned_region", std::string(region_code(context.region))) !=
          region_code(context.region)) {
    return Status(Code::not_assigned,
                  "voucher " + *voucher_id + " is not assigned to " + statement.actor);
  }
  const std::string receipt_key = key_of(statement.actor, *receipt_id);
  Result<nlohmann::json> receipt = require(store, Table::receipts, receipt_key, "receipt");
  if (!receipt.ok()) return receipt.status();
  if (Status s = check_receipt(*receipt, *voucher); !s.ok()) return s;
  Result<nlohmann::json> policy_record = policy(store);
  if (!policy_record.ok()) return policy_record.status();
  if (Status s = check_provider_region(store, statement.actor, *policy_record); !s.ok()) return s;
  const std::int64_t amount =
      std::min(stored(*voucher, "face"),
               apply_ratio(stored(*receipt, "price"), stored(*policy_record, "ratio_bp")));
  if (amount <= 0) return Status(Code::amount_invalid, "the price's share rounds to nothing");
  return post_redemption(store, context, std::move(*voucher), std::move(*receipt), receipt_key,
                         amount, statement.actor);
}

Result<nlohmann::json> record_payout(Store& store, const Statement& statement,
                                     const Context& context, const nlohmann::json&) {
  Result<std::string> voucher_id = text_field(statement.body, "voucher_id");
  Result<std::string> bank_ref = text_field(statement.body, "bank_ref");
  if (!voucher_id.ok()) return voucher_id.status();
  if (!bank_ref.ok()) return bank_ref.status();
  Result<nlohmann::json> voucher = require(store, Table::vouchers, *voucher_id, "voucher");
  if (!voucher.ok()) return voucher.status();
  if ((*voucher)["status"] != "redeemed") {
    return Status(Code::not_payable, "voucher " + *voucher_id + " is " +
                                         (*voucher)["status"].get<std::string>() + ", not payable");
  }
  if (voucher->value("payee", "").rfind("office.", 0) == 0) {
    return Status(Code::not_payable, "voucher " + *voucher_id + " is owed to " +
                                         (*voucher)["payee"].get<std::string>() +
                                         ", paid by the period's settlement transfers");
  }
  const std::int64_t amount = stored(*voucher, "amount");
  const std::string year = std::to_string(stored(*voucher, "year"));
  Result<nlohmann::json> year_budget = budget(store, static_cast<int>(stored(*voucher, "year")));
  if (!year_budget.ok()) return year_budget.status();
  if (Status s = move_budget(*year_budget, "redeemed", "paid", amount); !s.ok()) return s;
  (*voucher)["status"] = "paid";
  (*voucher)["bank_ref"] = *bank_ref;
  (*voucher)["paid_ms"] = context.accepted_ms;
  mark(*voucher, "paid", context);
  for (Status s : {store.put(Table::budgets, year, *year_budget),
                   store.put(Table::vouchers, *voucher_id, *voucher)}) {
    if (!s.ok()) return s;
  }
  return nlohmann::json{{"voucher", *voucher}};
}

namespace {

using T = FieldType;

constexpr Field receipt_fields[] = {
    {"receipt_id", T::text, true, "receipt", "the provider's own id for this receipt"},
    {"enterprise", T::text, true, "enterprise", "the served enterprise's credit code"},
    {"category", T::text, true, "category", "the service category: testing, rnd or transfer"},
    {"price", T::fen, true, "price", "the service's price"},
    {"paid", T::fen, true, "paid", "what the enterprise paid already (0 up to the price)"},
    {"payment_ref", T::text, true, "payment-ref", "the payment's reference"},
    {"contract_sha256", T::text, true, "contract-sha256",
     "SHA-256 of the contract file, 64 lowercase hex"},
    {"invoice_sha256", T::text, true, "invoice-sha256",
     "SHA-256 of the invoice file, 64 lowercase hex"},
    {"payment_sha256", T::text, true, "payment-sha256",
     "SHA-256 of the payment record, 64 lowercase hex"},
};
constexpr Field confirm_fields[] = {
    {"provider", T::text, true, "provider", "the provider that recorded the receipt"},
    {"receipt_id", T::text, true, "receipt", "the provider's receipt id"},
    {"provider_region", T::text, false, "provider-region",
     "the provider's region (default: this node's); a receipt abroad is not confirmed"},
};
constexpr Field redeem_fields[] = {
    {"voucher_id", T::text, true, "voucher", "the enterprise's live voucher"},
    {"provider", T::text, true, "provider", "the provider that served and was paid"},
    {"receipt_id", T::text, true, "receipt", "the confirmed receipt"},
    {"provider_region", T::text, false, "provider-region",
     "the provider's region when not this one"},
};
constexpr Field provider_redeem_fields[] = {
    {"voucher_id", T::text, true, "voucher", "the voucher assigned to this provider"},
    {"receipt_id", T::text, true, "receipt", "the provider's receipt for the service"},
    {"voucher_region", T::text, false, "voucher-region",
     "the voucher's home region when not this one"},
};
constexpr Field payout_fields[] = {
    {"voucher_id", T::text, true, "voucher", "the redeemed voucher"},
    {"bank_ref", T::text, true, "bank-ref", "the bank transfer's reference"},
};

constexpr Kind redeem_table[] = {
    {"receipt.record", provider_role, Poster::client, record_receipt, nullptr, "provider",
     "receipt", "record a service receipt", receipt_fields},
    {"receipt.confirm", enterprise_role, Poster::client, confirm_receipt, nullptr, "enterprise",
     "confirm", "countersign a provider's service receipt", confirm_fields},
    {"voucher.redeem", enterprise_role, Poster::client, redeem_pay_first, nullptr, "enterprise",
     "redeem", "redeem a voucher at home after paying first", redeem_fields},
    {"voucher.provider_redeem", provider_role, Poster::client, redeem_by_provider, nullptr,
     "provider", "redeem", "redeem a voucher assigned to you", provider_redeem_fields},
    {"payout.record", office_role, Poster::client, record_payout, nullptr, "office", "payout",
     "record the payment of a redeemed voucher", payout_fields},
};

}  // namespace

constinit const std::span<const Kind> redeem_kinds{redeem_table};

}  // namespace innoclear::clearing::detail
