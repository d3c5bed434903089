// Two refusals added after review: identifiers cannot alias record keys, and the policy funds only
// providers of its accepted regions.
#include <catch2/catch.hpp>

#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

TEST_CASE("An identifier holding '|' is refused (invalid_id): it could alias another's records") {
  Books books;
  books.open_year();
  CHECK(code_of(books.enterprise(
            enterprise_a, "voucher.apply",
            {{"application_id", "x|y"}, {"category", "testing"}, {"face", 1'000}})) ==
        Code::invalid_id);
  CHECK(code_of(books.office("actor.register", {{"id", "lab|x"},
                                                {"role", "provider"},
                                                {"name", "Lab"},
                                                {"key", public_key_text(90)},
                                                {"categories", {"testing"}}})) == Code::invalid_id);
}

TEST_CASE(
    "A redemption at a provider of a region the policy does not accept is refused: "
    "region_not_accepted") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 300'000);
  books.serve(lab, "R-1", enterprise_a, "testing", 400'000, 400'000);
  books.set_policy({{"accepted_regions", {"TJ"}}});
  CHECK(code_of(books.enterprise(
            enterprise_a, "voucher.redeem",
            {{"voucher_id", voucher}, {"provider", lab}, {"receipt_id", "R-1"}})) ==
        Code::region_not_accepted);
  books.set_policy({{"accepted_regions", {"BJ"}}});
  CHECK(code_of(books.enterprise(
            enterprise_a, "voucher.redeem",
            {{"voucher_id", voucher}, {"provider", lab}, {"receipt_id", "R-1"}})) == Code::ok);
}
