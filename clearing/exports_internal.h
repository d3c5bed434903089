// What the CSV (exports_csv.cpp) and camt.053 (exports_camt.cpp) statements share, so that both
// files write an amount, a time, a transfer's id and a region's flow the same way. Internal to
// clearing/: not installed with exports.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "clearing/exports.h"

namespace innoclear::clearing::exports_detail {

// |fen|, negated in unsigned arithmetic so INT64_MIN stays exact.
std::uint64_t magnitude_of(std::int64_t fen);

// fen as "1234.56" for a magnitude.
std::string unsigned_yuan(std::uint64_t fen);

// fen as "-1234.56": files want a plain decimal, not format_yuan's "¥1,234.56".
std::string plain_yuan(std::int64_t fen);

// "2026-11-30" in Asia/Shanghai.
std::string shanghai_date(std::int64_t utc_ms);

// "2026-11-30T23:59:59.999+08:00": Asia/Shanghai has had no daylight saving since 1991.
std::string shanghai_date_time(std::int64_t utc_ms);

// "SETTLE-2026-11-TJ-BJ": one id per transfer of a period, the same in both files.
std::string transfer_id(std::string_view period, const Transfer& transfer);

// What `region` is owed (+) or owes (−) for a line.
std::int64_t line_flow(const ObligationLine& line, Region region);

// What `region` receives (+) or pays (−) by a transfer.
std::int64_t transfer_flow(const Transfer& transfer, Region region);

}  // namespace innoclear::clearing::exports_detail
