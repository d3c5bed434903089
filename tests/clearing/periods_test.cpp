// Clearing periods: calendar months in Asia/Shanghai, or spans of seconds; one name per period.
#include "clearing/periods.h"

#include <catch2/catch.hpp>

using namespace innoclear;
using namespace innoclear::clearing;

namespace {
constexpr std::int64_t dec_1_2026_shanghai_ms = 1'796'054'400'000;  // 2026-11-30T16:00:00Z
}

TEST_CASE("A month period follows the calendar in Asia/Shanghai", "[periods]") {
  const Period november = period_containing(dec_1_2026_shanghai_ms - 1, 0);
  CHECK(november.id == "2026-11");
  CHECK(november.to_ms == dec_1_2026_shanghai_ms);
  const Period december = period_containing(dec_1_2026_shanghai_ms, 0);
  CHECK(december.id == "2026-12");
  CHECK(december.from_ms == dec_1_2026_shanghai_ms);
  Result<Period> parsed = parse_period("2026-12", 0);
  REQUIRE(parsed.ok());
  CHECK(parsed->from_ms == december.from_ms);
  CHECK(parsed->to_ms == december.to_ms);  // into the next year
}

TEST_CASE("A period of seconds is named by its start and aligned to its length", "[periods]") {
  const Period period = period_containing(1'790'000'004'321, 5);
  CHECK(period.id == "S1790000000");
  CHECK(period.from_ms == 1'790'000'000'000);
  CHECK(period.to_ms == 1'790'000'005'000);
  Result<Period> parsed = parse_period(period.id, 5);
  REQUIRE(parsed.ok());
  CHECK(parsed->from_ms == period.from_ms);
}

TEST_CASE("A name that is not a period's one name is refused", "[periods]") {
  for (const char* id : {"S01790000000", "S1790000001", "S", "1790000000", "S-5"}) {
    CHECK(parse_period(id, 5).status().code() == Code::invalid_argument);
  }
  for (const char* id : {"2026-13", "2026-00", "1999-01", "2026-1", "26-11", "2026/11"}) {
    CHECK(parse_period(id, 0).status().code() == Code::invalid_argument);
  }
}
