#include "clearing/kinds.h"

#include <cassert>
#include <vector>

namespace innoclear::clearing {

namespace {

std::vector<Kind> all_kinds() {
  std::vector<Kind> all;
  for (std::span<const Kind> area :
       {detail::genesis_kinds, detail::registry_kinds, detail::voucher_kinds, detail::redeem_kinds,
        detail::federation_kinds, detail::answer_kinds, detail::settlement_kinds,
        detail::portal_kinds, detail::query_kinds, detail::request_query_kinds,
        detail::book_query_kinds, detail::list_query_kinds}) {
    all.insert(all.end(), area.begin(), area.end());
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    assert(!all[i].name.empty() && all[i].roles != 0);
    assert((all[i].apply == nullptr) != (all[i].read == nullptr));
    for (std::size_t j = 0; j < i; ++j) assert(all[i].name != all[j].name);
  }
  return all;
}

bool has_type(const nlohmann::json& value, FieldType type) {
  switch (type) {
    case FieldType::text:
      return value.is_string();
    case FieldType::integer:
    case FieldType::fen:
      return value.is_number_integer();
    case FieldType::list:
      return value.is_array();
    case FieldType::object:
      return value.is_object();
  }
  return false;
}

// A body key for a message: at most 64 bytes, cut on a character boundary (keys are valid UTF-8).
std::string shown_key(const std::string& key) {
  constexpr std::size_t shown_bytes_max = 64;
  if (key.size() <= shown_bytes_max) return key;
  std::size_t end = shown_bytes_max;
  while (end > 0 && (static_cast<unsigned char>(key[end]) & 0xC0u) == 0x80u) --end;
  return key.substr(0, end) + "...";
}

}  // namespace

unsigned role_from_name(std::string_view name) {
  if (name == "enterprise") return enterprise_role;
  if (name == "provider") return provider_role;
  if (name == "office") return office_role;
  if (name == "node") return node_role;
  if (name == "auditor") return auditor_role;
  return 0;
}

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::text:
      return "text";
    case FieldType::integer:
      return "integer";
    case FieldType::fen:
      return "fen";
    case FieldType::list:
      return "list";
    case FieldType::object:
      return "object";
  }
  return "?";
}

std::span<const Kind> kinds() {
  static const std::vector<Kind> all = all_kinds();
  return all;
}

const Kind* find_kind(std::string_view name) {
  for (const Kind& kind : kinds()) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

bool is_query(const Kind& kind) { return kind.read != nullptr; }

std::string route_of(const Kind& kind) {
  if (kind.poster != Poster::client) return {};
  std::string route = "/v1/";
  if (is_query(kind)) {
    route += "query/";
    route += kind.name.substr(kind.name.find('.') + 1);
    return route;
  }
  for (const char c : kind.name) route += c == '.' ? '/' : c;
  return route;
}

const Kind* kind_at_route(std::string_view path) {
  for (const Kind& kind : kinds()) {
    if (kind.poster == Poster::client && route_of(kind) == path) return &kind;
  }
  return nullptr;
}

Status check_body(const Kind& kind, const nlohmann::json& body) {
  if (!body.is_object()) return {Code::bad_statement, "a statement's body is an object"};
  for (const auto& [key, value] : body.items()) {
    const Field* field = nullptr;
    for (const Field& candidate : kind.fields) {
      if (candidate.key == key) field = &candidate;
    }
    if (field == nullptr) {
      return {Code::unknown_field,
              "field '" + shown_key(key) + "' is not part of " + std::string(kind.name)};
    }
    if (!has_type(value, field->type)) {
      return {Code::bad_statement, "field '" + key + "' of " + std::string(kind.name) +
                                       " must be " + std::string(field_type_name(field->type))};
    }
  }
  for (const Field& field : kind.fields) {
    if (field.required && !body.contains(field.key)) {
      return {Code::bad_statement,
              std::string(kind.name) + " needs the field '" + std::string(field.key) + "'"};
    }
  }
  return Status::success();
}

}  // namespace innoclear::clearing
