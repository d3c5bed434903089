// The statement kinds: one row each, kept next to the rule that applies it (rules_*.cpp,
// queries.cpp). Nothing else lists kinds: the rules find their handler here, the API derives its
// routes, the command line its verbs and flags, and the tests iterate every row (the authorization
// matrix, the property test's coverage, the check that docs/formats.md documents each kind).
//
// Adding a kind: write its handler and its row in the area's table, a test, and its section in
// docs/formats.md.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "clearing/rules.h"
#include "clearing/store.h"

namespace innoclear::clearing {

// The roles an actor is registered with; a kind names the roles that may state it.
enum Role : unsigned {
  enterprise_role = 1u << 0,
  provider_role = 1u << 1,
  office_role = 1u << 2,
  node_role = 1u << 3,
  // Read-only: registered by the office to audit the region; runs queries, states nothing.
  auditor_role = 1u << 4,
};
constexpr unsigned any_role =
    enterprise_role | provider_role | office_role | node_role | auditor_role;
// "enterprise" → enterprise_role; 0 for a name that is no role.
unsigned role_from_name(std::string_view name);

// How a body field is written in JSON: text is a string, integer and fen are JSON integers (fen:
// an amount of money in fen, ¥1 = 100 fen), list is an array (of strings unless the field's help
// says otherwise), object a JSON object.
enum class FieldType { text, integer, fen, list, object };
std::string_view field_type_name(FieldType type);

struct Field {
  std::string_view key;  // the body key
  FieldType type;
  bool required;
  std::string_view flag;  // the command line's flag (without "--"); empty: not on the command line
  std::string_view help;  // one line, for --help and the docs
};

// Who posts a kind: a client over the API (an enterprise, provider or office with its own key),
// or the node itself (federation, periods, genesis), never through a client route.
enum class Poster { client, node };

// A statement applied to the books and recorded in the ledger.
using ApplyFn = Result<nlohmann::json> (*)(Store&, const Statement&, const Context&,
                                           const nlohmann::json& actor);
// The ledger's entry at an index, its exact bytes (out_of_range past the end): how a query reads
// entries. Supplied by the node, which owns the ledger; clearing itself does no I/O.
using EntryAt = std::function<Result<std::string>(std::uint64_t index)>;
// A signed query: authenticated like a statement, answered from the books (and the entries),
// never recorded.
using ReadFn = Result<nlohmann::json> (*)(const Store&, const Statement&,
                                          const nlohmann::json& actor, const EntryAt& entry_at);

struct Kind {
  std::string_view name;  // "voucher.apply"; queries are "query.<name>"
  unsigned roles;  // the roles that may state it (acting for another party is refused inside)
  Poster poster;
  ApplyFn apply;  // exactly one of apply and read is set
  ReadFn read;
  std::string_view cli_group;  // the command line's verb: `innoclear <group> <verb>`; empty: none
  std::string_view cli_verb;   // one word, or two ("service publish": a verb under a sub-group)
  std::string_view summary;    // one line: what it does, for --help and the docs
  std::span<const Field> fields;
};

// Every kind, in a stable order (by area). Names are unique.
std::span<const Kind> kinds();
// The kind named `name`, or nullptr.
const Kind* find_kind(std::string_view name);
bool is_query(const Kind& kind);
// The API route a client posts a kind to: "/v1/voucher/apply", "/v1/query/voucher"; empty for a
// kind only the node states.
std::string route_of(const Kind& kind);
// The client kind posted at `path`, or nullptr (the inverse of route_of).
const Kind* kind_at_route(std::string_view path);
// Checks a statement's body against the kind's fields, before any rule reads it: a key the kind
// does not list is unknown_field ("field 'note' is not part of voucher.apply"); a required field
// missing, or a field whose JSON value is not of its type, is bad_statement. A field's content
// (lengths, ranges, ids) is the rule's to check.
Status check_body(const Kind& kind, const nlohmann::json& body);

namespace detail {
// The areas' tables, defined next to their handlers.
extern const std::span<const Kind> genesis_kinds;        // rules.cpp
extern const std::span<const Kind> registry_kinds;       // rules_actors.cpp: actors, policy, budget
extern const std::span<const Kind> voucher_kinds;        // rules_vouchers.cpp
extern const std::span<const Kind> redeem_kinds;         // rules_redeem.cpp: receipts, redemptions
extern const std::span<const Kind> federation_kinds;     // rules_federation.cpp: peer requests
extern const std::span<const Kind> answer_kinds;         // rules_answers.cpp: manifest, answers
extern const std::span<const Kind> settlement_kinds;     // rules_settlement.cpp
extern const std::span<const Kind> portal_kinds;         // rules_portal.cpp: services, messages
extern const std::span<const Kind> query_kinds;          // queries.cpp
extern const std::span<const Kind> book_query_kinds;     // queries_books.cpp
extern const std::span<const Kind> request_query_kinds;  // queries_requests.cpp
extern const std::span<const Kind> list_query_kinds;     // queries_lists.cpp
}  // namespace detail

}  // namespace innoclear::clearing
