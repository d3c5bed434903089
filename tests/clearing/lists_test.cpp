// The clearing periods the office's page lists (query.periods): where each stands, newest first,
// for the office only.
#include <catch2/catch.hpp>

#include "clearing/queries.h"
#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

namespace {

Result<json> query_as(Books& books, const std::string& actor, const std::string& kind, json body) {
  return query(books.store, books.statement(actor, kind, std::move(body)), {});
}

}  // namespace

TEST_CASE("the periods list says where each period stands, newest first") {
  Books books;
  books.open_year();
  for (const auto& [period, record] :
       {std::pair{"P1", json{{"from_ms", 1000}}},
        std::pair{"P2", json{{"from_ms", 3000}, {"proposal", json::object()}}},
        std::pair{"P3", json{{"from_ms", 2000},
                             {"proposal", json::object()},
                             {"office_signature", json::object()},
                             {"settled", json::object()}}}}) {
    REQUIRE(books.store.put(Table::settlements, period, record).ok());
  }
  Result<json> periods = query_as(books, office_id, "query.periods", json::object());
  REQUIRE(periods.ok());
  const json& list = periods->at("periods");
  REQUIRE(list.size() == 3);
  CHECK(list[0].at("period") == "P2");
  CHECK(list[0].at("status") == "proposed");
  CHECK(list[1].at("period") == "P3");
  CHECK(list[1].at("status") == "settled");
  CHECK(list[1].at("signed_by_office") == true);
  CHECK(list[2].at("status") == "closed");
  CHECK(periods->at("total") == 3);
  Result<json> second = query_as(books, office_id, "query.periods", {{"offset", 1}, {"limit", 1}});
  REQUIRE(second.ok());
  REQUIRE(second->at("periods").size() == 1);
  CHECK(second->at("periods")[0].at("period") == "P3");
  CHECK(query_as(books, office_id, "query.periods", {{"limit", 0}}).status().code() ==
        Code::invalid_argument);
  CHECK(query_as(books, enterprise_a, "query.periods", json::object()).status().code() ==
        Code::forbidden);
}
