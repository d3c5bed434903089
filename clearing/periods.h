// Clearing periods: calendar months in Asia/Shanghai by default, or fixed spans of whole seconds
// (tests and the demo). Every node of a federation uses the manifest's setting, so a period id
// names the same span of time everywhere. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace innoclear::clearing {

constexpr std::int64_t period_seconds_max = 366LL * 86'400;

struct Period {
  std::string id;            // "2026-11" (month), or "S1764000000" (start in UTC seconds)
  std::int64_t from_ms = 0;  // inclusive, UTC
  std::int64_t to_ms = 0;    // exclusive, UTC
};

// The period holding `utc_ms`. `period_seconds` 0 means calendar months in Asia/Shanghai.
// REQUIRES: 0 ≤ period_seconds ≤ period_seconds_max, utc_ms ≥ 0.
Period period_containing(std::int64_t utc_ms, std::int64_t period_seconds);

// The period an id names under the setting; invalid_argument if it names none.
Result<Period> parse_period(std::string_view id, std::int64_t period_seconds);

}  // namespace innoclear::clearing
