// The federation's provider directory: each node reads its peers' public directories over the
// peer transport, caches them, marks a peer it cannot read, and adds the ratings a region keeps
// for another region's providers to theirs.
#include <catch2/catch.hpp>

#include "nodes/directories.h"
#include "tests/nodes/cross_region.h"

using namespace innoclear;
using namespace innoclear::testing;

namespace {

nlohmann::json view_of(RegionNode& node) {
  Result<nlohmann::json> view = node.federation->directories().federation();
  REQUIRE(view.ok());
  return *view;
}

// Tianjin's laboratory offers a service; Beijing's enterprise redeems pay-first there and rates
// it 4: the rating is kept in Beijing, where the voucher lives.
void serve_and_rate(CrossRegion& books) {
  REQUIRE(books
              .as_provider("service.publish", {{"capacity", 10},
                                               {"category", "testing"},
                                               {"price", 800'000},
                                               {"service_id", "S-1"},
                                               {"state", "offered"},
                                               {"title", "EMC testing"}})
              .ok());
  REQUIRE(books.as_enterprise("receipt.confirm", {{"provider", provider_id}, {"receipt_id", "R1"}})
              .status()
              .code() == Code::not_found);  // the receipt is Tianjin's: pay-first confirms there
  REQUIRE(books.pay_first("R1").ok());
  books.federation.deliver();
  REQUIRE(
      books.as_enterprise("feedback.rate", {{"rating", 4}, {"voucher_id", books.voucher}}).ok());
}

}  // namespace

TEST_CASE("A node shows every region's providers, with ratings kept in other regions") {
  CrossRegion books;
  serve_and_rate(books);
  // Tianjin's own directory knows the service but not the rating, which Beijing keeps.
  Result<nlohmann::json> own = nodes::local_directory(*books.lab.service);
  REQUIRE(own.ok());
  CHECK((*own)["providers"][0]["ratings"] == 0);
  Result<nlohmann::json> beijing = nodes::local_directory(*books.home.service);
  REQUIRE(beijing.ok());
  CHECK((*beijing)["foreign_ratings"]["TJ|" + provider_id]["ratings"] == 1);
  CHECK(view_of(books.home)["regions"][1]["reachable"] == false);  // never read yet
  REQUIRE(books.home.federation->directories().round());
  const nlohmann::json view = view_of(books.home);
  REQUIRE(view["regions"].size() == 2);
  CHECK(view["regions"][0]["region"] == "BJ");
  const nlohmann::json& tianjin = view["regions"][1];
  CHECK(tianjin["region"] == "TJ");
  CHECK(tianjin["reachable"] == true);
  CHECK(tianjin["as_of_ms"] == books.federation.now_ms.load());
  REQUIRE(tianjin["providers"].size() == 1);
  CHECK(tianjin["providers"][0]["id"] == provider_id);
  CHECK(tianjin["providers"][0]["ratings"] == 1);
  CHECK(tianjin["providers"][0]["rating_average_x100"] == 400);
  CHECK(tianjin["providers"][0]["services"][0]["price"] == 800'000);
  CHECK(view.dump().find(enterprise_id) == std::string::npos);
}

TEST_CASE("A peer that cannot be read keeps its last directory, marked unreachable") {
  CrossRegion books;
  serve_and_rate(books);
  REQUIRE(books.home.federation->directories().round());
  const std::int64_t read_ms = books.federation.now_ms.load();
  books.federation.now_ms += 60'000;
  books.home.transport->down[Region::TJ] = true;
  CHECK_FALSE(books.home.federation->directories().round());
  nlohmann::json tianjin = view_of(books.home)["regions"][1];
  CHECK(tianjin["reachable"] == false);
  CHECK(tianjin["as_of_ms"] == read_ms);
  CHECK(tianjin["providers"].size() == 1);
  books.home.transport->down[Region::TJ] = false;
  REQUIRE(books.home.federation->directories().round());
  CHECK(view_of(books.home)["regions"][1]["as_of_ms"] == read_ms + 60'000);
}

TEST_CASE("A peer's malformed or foreign directory is not shown") {
  CrossRegion books;
  serve_and_rate(books);
  int answer = 0;
  books.home.transport->rewrite_directory = [&answer](const nlohmann::json& directory) {
    nlohmann::json said = directory;
    switch (answer++) {
      case 0:
        return std::string("not json");
      case 1:
        said["region"] = "BJ";  // another region's providers
        return said.dump();
      default:
        said["providers"][0]["services"][0]["price"] = "free";
        return said.dump();
    }
  };
  for (int attempt = 0; attempt < 3; ++attempt) {
    INFO(attempt);
    CHECK_FALSE(books.home.federation->directories().round());
    const nlohmann::json tianjin = view_of(books.home)["regions"][1];
    CHECK(tianjin["reachable"] == false);
    CHECK(tianjin["providers"].empty());
  }
}
