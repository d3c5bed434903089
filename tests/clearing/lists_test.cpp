// The lists the portal pages read: the office's approval queue and an enterprise's own
// applications (query.applications), and the clearing periods (query.periods); paged, filtered,
// and each actor sees only what is theirs.
#include <catch2/catch.hpp>

#include "clearing/queries.h"
#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

namespace {

Result<json> ask(Books& books, const std::string& actor, const std::string& kind, json body) {
  return query(books.store, books.statement(actor, kind, std::move(body)), {});
}

std::vector<std::string> ids_of(const json& answer) {
  std::vector<std::string> ids;
  for (const json& row : answer.at("applications")) ids.push_back(row.at("application_id"));
  return ids;
}

}  // namespace

TEST_CASE("the office's queue lists pending applications; an enterprise sees only its own") {
  Books books;
  books.open_year();
  for (const char* id : {"A-1", "A-2", "A-3"}) {
    books.accept(
        books.enterprise(enterprise_a, "voucher.apply",
                         {{"application_id", id}, {"category", "testing"}, {"face", 1000}}));
  }
  books.accept(books.enterprise(enterprise_b, "voucher.apply",
                                {{"application_id", "B-1"}, {"category", "rnd"}, {"face", 2000}}));
  books.accept(
      books.office("voucher.approve", {{"enterprise", enterprise_a}, {"application_id", "A-2"}}));

  Result<json> pending = ask(books, office_id, "query.applications", {{"state", "pending"}});
  REQUIRE(pending.ok());
  CHECK(ids_of(*pending) == std::vector<std::string>{"B-1", "A-1", "A-3"});  // by key
  CHECK(pending->at("total") == 3);
  Result<json> approved = ask(books, office_id, "query.applications", {{"state", "approved"}});
  REQUIRE(approved.ok());
  REQUIRE(ids_of(*approved) == std::vector<std::string>{"A-2"});
  CHECK(approved->at("applications")[0].contains("voucher_id"));

  Result<json> own = ask(books, enterprise_b, "query.applications", json::object());
  REQUIRE(own.ok());
  CHECK(ids_of(*own) == std::vector<std::string>{"B-1"});

  SECTION("paging: offset and limit, with the total of all pages") {
    Result<json> page = ask(books, office_id, "query.applications", {{"offset", 1}, {"limit", 2}});
    REQUIRE(page.ok());
    CHECK(ids_of(*page) == std::vector<std::string>{"A-1", "A-2"});
    CHECK(page->at("total") == 4);
    CHECK(page->at("offset") == 1);
  }
  SECTION("bad paging and states are refused") {
    CHECK(ask(books, office_id, "query.applications", {{"limit", 0}}).status().code() ==
          Code::out_of_range);
    CHECK(ask(books, office_id, "query.applications", {{"limit", 501}}).status().code() ==
          Code::out_of_range);
    CHECK(ask(books, office_id, "query.applications", {{"offset", -1}}).status().code() ==
          Code::out_of_range);
    CHECK(ask(books, office_id, "query.applications", {{"state", "live"}}).status().code() ==
          Code::invalid_argument);
  }
  SECTION("a provider may not list applications; nor periods but the office") {
    CHECK(ask(books, lab, "query.applications", json::object()).status().code() == Code::forbidden);
    CHECK(ask(books, enterprise_a, "query.periods", json::object()).status().code() ==
          Code::forbidden);
  }
}

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
  Result<json> periods = ask(books, office_id, "query.periods", json::object());
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
}
