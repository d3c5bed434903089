// The kind registry is the one list of statement kinds: these tests iterate it, so a kind added
// without a route, an authorization decision or its documentation fails here.
#include "clearing/kinds.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "clearing/queries.h"
#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

namespace {

// One registered actor of each role, and a body for any kind: empty, since the role is judged
// before the body is read.
struct Cast {
  Books books;
  std::map<unsigned, std::string> actor_of_role;
  Cast() {
    books.open_year();
    books.seeds["AUD-BJ-0001"] = 90;
    REQUIRE(books
                .office("actor.register", {{"id", "AUD-BJ-0001"},
                                           {"key", public_key_text(90)},
                                           {"name", "Beijing Audit Bureau"},
                                           {"role", "auditor"}})
                .ok());
    actor_of_role = {{enterprise_role, enterprise_a},
                     {provider_role, lab},
                     {office_role, office_id},
                     {node_role, node_id},
                     {auditor_role, "AUD-BJ-0001"}};
  }
};

bool refused_for_role(const Result<json>& result, const Kind& kind) {
  return !result.ok() && result.status().code() == Code::forbidden &&
         result.status().message().find(" may not " +
                                        std::string(is_query(kind) ? "run " : "state ") +
                                        std::string(kind.name)) != std::string::npos;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("Each kind has a unique name, exactly one of apply and read, and at least one role") {
  std::set<std::string_view> names;
  for (const Kind& kind : kinds()) {
    INFO(kind.name);
    CHECK(names.insert(kind.name).second);
    CHECK((kind.apply == nullptr) != (kind.read == nullptr));
    CHECK(kind.roles != 0);
    CHECK((kind.roles & ~any_role) == 0);
    CHECK(find_kind(kind.name) == &kind);
    if (is_query(kind)) CHECK(kind.name.starts_with("query."));
  }
  // Every role the matrix below runs, and no other.
  CHECK(any_role == (enterprise_role | provider_role | office_role | node_role | auditor_role));
  CHECK(role_from_name("auditor") == auditor_role);
  CHECK(role_from_name("peer_office") == 0);
  CHECK(find_kind("voucher.cancel") == nullptr);
  CHECK(find_kind("") == nullptr);
}

TEST_CASE(
    "A kind clients post has one route, and the route leads back to it; node kinds have none") {
  std::set<std::string> routes;
  for (const Kind& kind : kinds()) {
    INFO(kind.name);
    const std::string route = route_of(kind);
    if (kind.poster == Poster::node) {
      CHECK(route.empty());
      CHECK((kind.roles & ~(node_role | office_role)) == 0);
      continue;
    }
    CHECK(route.starts_with("/v1/"));
    // An auditor reads: it may run queries and state nothing.
    if (!is_query(kind)) CHECK((kind.roles & auditor_role) == 0);
    CHECK(routes.insert(route).second);
    CHECK(kind_at_route(route) == &kind);
  }
  CHECK(route_of(*find_kind("voucher.provider_redeem")) == "/v1/voucher/provider_redeem");
  CHECK(route_of(*find_kind("query.voucher")) == "/v1/query/voucher");
  CHECK(kind_at_route("/v1/genesis") == nullptr);
  CHECK(kind_at_route("/v1/peer/receipt/consume") == nullptr);
  CHECK(kind_at_route("/v1/") == nullptr);
}

TEST_CASE("Every command-line verb is unique and every flag names a body field once") {
  std::set<std::string> verbs;
  for (const Kind& kind : kinds()) {
    INFO(kind.name);
    if (kind.cli_group.empty()) {
      CHECK(kind.cli_verb.empty());
      continue;
    }
    CHECK(kind.poster == Poster::client);
    CHECK(verbs.insert(std::string(kind.cli_group) + " " + std::string(kind.cli_verb)).second);
    std::set<std::string_view> flags;
    for (const Field& field : kind.fields) {
      if (!field.flag.empty()) CHECK(flags.insert(field.flag).second);
      CHECK_FALSE(field.help.empty());
    }
  }
}

// The authorization matrix: every kind × every role. A role the row does not name is refused as
// forbidden before anything else is read; a role it names gets past that check (it may still be
// refused for its body, as the other tests show).
TEST_CASE(
    "Authorization: every kind is refused to every role its row does not name, and only those") {
  for (const Kind& kind : kinds()) {
    if (kind.name == "genesis") continue;  // stated by the key it carries, before any actor exists
    for (const unsigned role :
         {enterprise_role, provider_role, office_role, node_role, auditor_role}) {
      Cast cast;
      const std::string& actor = cast.actor_of_role.at(role);
      INFO(kind.name << " stated by " << actor);
      const Statement statement =
          cast.books.statement(actor, std::string(kind.name), json::object());
      const Result<json> result =
          is_query(kind) ? query(cast.books.store, statement) : cast.books.submit(statement);
      CHECK(refused_for_role(result, kind) == ((kind.roles & role) == 0));
    }
  }
}

TEST_CASE("The genesis kind is refused after the first entry, by anyone") {
  Books books;
  for (const std::string& actor : {node_id, office_id}) {
    const Result<json> result = books.as(
        actor, "genesis",
        {{"node_key", public_key_text(node_seed)}, {"office_key", public_key_text(office_seed)}});
    CHECK(result.status().code() == Code::forbidden);
  }
}

// docs/formats.md is the integrator's reference: each kind has a section headed by its name, with
// its route and every body field.
TEST_CASE("docs/formats.md documents every kind, its route and each of its fields") {
  const std::string formats = read_text(std::string(INNOCLEAR_SOURCE_DIR) + "/docs/formats.md");
  REQUIRE_FALSE(formats.empty());
  for (const Kind& kind : kinds()) {
    INFO(kind.name);
    const std::string heading = "### `" + std::string(kind.name) + "`";
    const std::size_t at = formats.find(heading);
    REQUIRE(at != std::string::npos);
    const std::size_t end = formats.find("\n### ", at + heading.size());
    const std::string section =
        formats.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (kind.poster == Poster::client)
      CHECK(section.find("`POST " + route_of(kind) + "`") != std::string::npos);
    for (const Field& field : kind.fields) {
      INFO(field.key);
      CHECK(section.find("| `" + std::string(field.key) + "` | " +
                         std::string(field_type_name(field.type)) + " | " +
                         (field.required ? "yes" : "no") + " |") != std::string::npos);
    }
  }
}
