// Signed reads of a redemption's and a receipt's state, for the parties waiting on them:
//   query.redemption {request_id}        a cross-region request this node coordinates: pending
//                                        (still in the outbox), redeemed, or refused with the
//                                        participant's reason; and the clearing period it is in
//   query.receipt    {provider, receipt_id}  a receipt recorded here: recorded, confirmed,
//                                        pending (a request is out) or consumed
#include "clearing/kinds.h"
#include "clearing/periods.h"
#include "clearing/rules_internal.h"

namespace innoclear::clearing {

namespace {

using detail::stored;

// The request as it stands: from the outbox while it waits for its answer, else its outcome.
Result<nlohmann::json> request_view(const Store& store, const std::string& id) {
  Result<std::optional<nlohmann::json>> waiting = store.get(Table::outbox, id);
  if (!waiting.ok()) return waiting.status();
  if (waiting->has_value()) {
    const nlohmann::json& body = (**waiting)["body"];
    return nlohmann::json{{"enterprise", body.value("enterprise", "")},
                          {"kind", (**waiting)["kind"]},
                          {"peer", (**waiting)["peer"]},
                          {"provider", body.value("provider", "")},
                          {"receipt_id", body.value("receipt_id", "")},
                          {"request_id", id},
                          {"requested_index", (**waiting)["entry_index"]},
                          {"requested_ms", body["requested_ms"]},
                          {"status", "pending"},
                          {"voucher_id", body.value("voucher_id", "")}};
  }
  Result<std::optional<nlohmann::json>> answered =
      store.get(Table::indexes, detail::answered_key(id));
  if (!answered.ok()) return answered.status();
  if (!answered->has_value()) {
    return Status(Code::not_found, "no cross-region request " + id + " coordinated here");
  }
  return std::move(**answered);
}

// The request's party here: the enterprise of a pay-first request, the provider of a provider
// redemption (the other party is registered in the peer's region, not here).
bool is_request_party(const nlohmann::json& view, const std::string& caller,
                      const std::string& role) {
  if (view["kind"] == "peer.receipt.consume") {
    return role == "enterprise" && view["enterprise"] == caller;
  }
  return role == "provider" && view["provider"] == caller;
}

Result<nlohmann::json> one_redemption(const Store& store, const Statement& statement,
                                      const nlohmann::json& actor, const EntryAt&) {
  Result<std::string> id = detail::id_field(statement.body, "request_id");
  if (!id.ok()) return id.status();
  Result<nlohmann::json> view = request_view(store, *id);
  if (!view.ok()) return view;
  const std::string role = actor.value("role", "");
  if (role != "office" && role != "auditor" && !is_request_party(*view, statement.actor, role)) {
    return Status(Code::not_own_party, "request " + *id + " is not yours to see");
  }
  Result<nlohmann::json> federation =
      detail::require(store, Table::settings, "federation", "federation");
  if (!federation.ok()) return federation.status();
  (*view)["period"] =
      period_containing(stored(*view, "requested_ms"), stored(*federation, "period_seconds")).id;
  return nlohmann::json{{"redemption", *view}};
}

Result<nlohmann::json> one_receipt(const Store& store, const Statement& statement,
                                   const nlohmann::json& actor, const EntryAt&) {
  Result<std::string> provider = detail::id_field(statement.body, "provider");
  Result<std::string> receipt_id = detail::id_field(statement.body, "receipt_id");
  if (!provider.ok()) return provider.status();
  if (!receipt_id.ok()) return receipt_id.status();
  const std::string key = key_of(*provider, *receipt_id);
  Result<nlohmann::json> receipt = detail::require(store, Table::receipts, key, "receipt");
  if (!receipt.ok()) return receipt;
  const std::string role = actor.value("role", "");
  const bool allowed = role == "office" || role == "auditor" ||
                       (role == "provider" && *provider == statement.actor) ||
                       (role == "enterprise" && (*receipt)["enterprise"] == statement.actor);
  if (!allowed) return Status(Code::not_own_party, "receipt " + key + " is not yours to see");
  std::string state = receipt->value("confirmed", false) ? "confirmed" : "recorded";
  if (receipt->contains("pending")) state = "pending";
  if (receipt->contains("consumed_by")) state = "consumed";
  (*receipt)["state"] = state;
  return nlohmann::json{{"receipt", *receipt}};
}

using T = FieldType;

constexpr Field redemption_fields[] = {
    {"request_id", T::text, true, "request",
     "the request id a cross-region redemption answered with, e.g. BJ-R000042"},
};
constexpr Field receipt_fields[] = {
    {"provider", T::text, true, "provider", "the provider that recorded the receipt"},
    {"receipt_id", T::text, true, "receipt", "the provider's receipt id"},
};

constexpr Kind request_table[] = {
    {"query.redemption", enterprise_role | provider_role | office_role | auditor_role,
     Poster::client, nullptr, one_redemption, "redemption", "show",
     "a cross-region redemption coordinated here: pending, redeemed or refused (with the reason)",
     redemption_fields},
    {"query.receipt", enterprise_role | provider_role | office_role | auditor_role, Poster::client,
     nullptr, one_receipt, "receipt", "show",
     "a receipt recorded here: to its provider, its enterprise, the office or an auditor",
     receipt_fields},
};

}  // namespace

namespace detail {
constinit const std::span<const Kind> request_query_kinds{request_table};
}  // namespace detail

}  // namespace innoclear::clearing
