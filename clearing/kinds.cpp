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
        detail::query_kinds}) {
    all.insert(all.end(), area.begin(), area.end());
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    assert(!all[i].name.empty() && all[i].roles != 0);
    assert((all[i].apply == nullptr) != (all[i].read == nullptr));
    for (std::size_t j = 0; j < i; ++j) assert(all[i].name != all[j].name);
  }
  return all;
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

}  // namespace innoclear::clearing
