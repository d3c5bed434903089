// Rules of what the portal adds to the books: a provider's published services (the directory's
// offers) and messages to the finance office (the 留言区).
#include "clearing/kinds.h"
#include "clearing/rules_internal.h"

namespace innoclear::clearing::detail {

namespace {

constexpr std::size_t service_title_bytes_max = 200;
constexpr std::int64_t service_capacity_max = 100'000;  // services a month
constexpr std::size_t services_per_provider_max = 100;
constexpr std::size_t message_subject_bytes_max = 200;
constexpr std::size_t message_text_bytes_max = 2'000;

// The service record a service.publish body describes, or why not.
Result<nlohmann::json> service_of(const Statement& statement, const nlohmann::json& actor) {
  const nlohmann::json& body = statement.body;
  Result<std::string> id = id_field(body, "service_id");
  Result<std::string> category = text_field(body, "category");
  Result<std::string> title = text_field(body, "title", service_title_bytes_max);
  Result<std::int64_t> price = amount_field(body, "price");
  Result<std::int64_t> capacity = integer_field(body, "capacity");
  Result<std::string> state = text_field(body, "state");
  for (const Status& s : {id.status(), category.status(), title.status(), price.status(),
                          capacity.status(), state.status()}) {
    if (!s.ok()) return s;
  }
  if (*capacity < 0 || *capacity > service_capacity_max) {
    return Status(Code::amount_invalid,
                  "'capacity' must be 0 to " + std::to_string(service_capacity_max) + " a month");
  }
  if (*state != "offered" && *state != "withdrawn") {
    return Status(Code::bad_statement, "'state' must be offered or withdrawn");
  }
  if (!contains_string(actor.value("categories", nlohmann::json::array()), *category)) {
    return Status(Code::category_not_allowed,
                  "the provider is not registered for category " + *category);
  }
  return nlohmann::json{{"capacity", *capacity}, {"category", *category},
                        {"price", *price},       {"provider", statement.actor},
                        {"service_id", *id},     {"state", *state},
                        {"title", *title}};
}

}  // namespace

Result<nlohmann::json> publish_service(Store& store, const Statement& statement,
                                       const Context& context, const nlohmann::json& actor) {
  Result<nlohmann::json> service = service_of(statement, actor);
  if (!service.ok()) return service;
  const std::string key = key_of(statement.actor, (*service)["service_id"].get<std::string>());
  Result<std::optional<nlohmann::json>> existing = store.get(Table::services, key);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    (*service)["published_ms"] = (**existing)["published_ms"];
  } else {
    Result<std::vector<std::pair<std::string, nlohmann::json>>> others =
        store.scan(Table::services, key_of(statement.actor, ""));
    if (!others.ok()) return others.status();
    if (others->size() >= services_per_provider_max) {
      return Status(Code::bad_statement, "a provider publishes at most " +
                                             std::to_string(services_per_provider_max) +
                                             " services; edit or withdraw one");
    }
    (*service)["published_ms"] = context.accepted_ms;
  }
  (*service)["updated_index"] = context.index;
  (*service)["updated_ms"] = context.accepted_ms;
  if (Status s = store.put(Table::services, key, *service); !s.ok()) return s;
  return nlohmann::json{{"service", *service}};
}

namespace {

// The voucher a message refers to must be the author's: its enterprise's, or its provider's.
Status check_message_voucher(const Store& store, const Statement& statement,
                             const nlohmann::json& actor, const std::string& voucher_id) {
  Result<nlohmann::json> voucher = require(store, Table::vouchers, voucher_id, "voucher");
  if (!voucher.ok()) return voucher.status();
  const bool own = actor.value("role", "") == "enterprise"
                       ? (*voucher)["enterprise"] == statement.actor
                       : is_voucher_provider(*voucher, statement.actor, actor);
  if (!own) return {Code::not_own_party, "voucher " + voucher_id + " is not yours"};
  return Status::success();
}

}  // namespace

Result<nlohmann::json> post_message(Store& store, const Statement& statement,
                                    const Context& context, const nlohmann::json& actor) {
  Result<std::string> id = id_field(statement.body, "message_id");
  Result<std::string> subject = text_field(statement.body, "subject", message_subject_bytes_max);
  Result<std::string> text = text_field(statement.body, "text", message_text_bytes_max);
  Result<std::string> voucher_id = optional_text(statement.body, "voucher_id");
  for (const Status& s : {id.status(), subject.status(), text.status(), voucher_id.status()}) {
    if (!s.ok()) return s;
  }
  if (!voucher_id->empty()) {
    if (Status s = check_message_voucher(store, statement, actor, *voucher_id); !s.ok()) return s;
  }
  const std::string key = key_of(statement.actor, *id);
  nlohmann::json message = {{"author", statement.actor},
                            {"message_id", *id},
                            {"role", actor.value("role", "")},
                            {"subject", *subject},
                            {"text", *text}};
  if (!voucher_id->empty()) message["voucher_id"] = *voucher_id;
  Result<std::optional<nlohmann::json>> existing = store.get(Table::messages, key);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    nlohmann::json earlier = **existing;
    earlier.erase("index");
    earlier.erase("posted_ms");
    if (earlier != message) {
      return Status(Code::id_conflict, "message " + *id + " exists with other content");
    }
    return nlohmann::json{{"message", **existing}};
  }
  message["index"] = context.index;
  message["posted_ms"] = context.accepted_ms;
  if (Status s = store.put(Table::messages, key, message); !s.ok()) return s;
  return nlohmann::json{{"message", message}};
}

namespace {

using T = FieldType;

constexpr Field publish_fields[] = {
    {"service_id", T::text, true, "service", "the provider's own id for the service"},
    {"category", T::text, true, "category",
     "testing, rnd or transfer: one the provider is registered for"},
    {"title", T::text, true, "title",
     "what the service is, shown in the directory (at most 200 bytes)"},
    {"price", T::fen, true, "price", "the list price"},
    {"capacity", T::integer, true, "capacity", "services the provider can perform a month"},
    {"state", T::text, true, "state", "offered (listed in the directory) or withdrawn"},
};
constexpr Field message_fields[] = {
    {"message_id", T::text, true, "message", "the author's own id for the message"},
    {"subject", T::text, true, "subject", "the subject (at most 200 bytes)"},
    {"text", T::text, true, "text", "the message (at most 2000 bytes)"},
    {"voucher_id", T::text, false, "voucher", "a voucher of the author's it concerns"},
};

constexpr Kind portal_table[] = {
    {"service.publish", provider_role, Poster::client, publish_service, nullptr, "provider",
     "service publish", "publish or edit a service in the directory (again with its id: edits)",
     publish_fields},
    {"message.post", enterprise_role | provider_role, Poster::client, post_message, nullptr,
     "enterprise", "message", "leave a message for the finance office", message_fields},
};

}  // namespace

constinit const std::span<const Kind> portal_kinds{portal_table};

}  // namespace innoclear::clearing::detail
