// A region's period statement as files. Both formats are pure functions of the RegionStatement:
// the CSV in exports_csv.cpp (its columns are csv_columns there), the camt.053.001.08 XML in
// exports_camt.cpp; see docs/formats.md, Statement exports. Here: the values both files write.
#include <chrono>
#include <cstdio>

#include "clearing/amount.h"
#include "clearing/exports_internal.h"
#include "clearing/region.h"
#include "clearing/rules.h"

namespace innoclear::clearing::exports_detail {
namespace {

std::chrono::sys_time<std::chrono::milliseconds> shanghai_clock(std::int64_t utc_ms) {
  return std::chrono::sys_time<std::chrono::milliseconds>(
      std::chrono::milliseconds(utc_ms + shanghai_offset_ms));
}

}  // namespace

std::uint64_t magnitude_of(std::int64_t fen) {
  return fen < 0 ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
}

std::string unsigned_yuan(std::uint64_t fen) {
  const std::uint64_t cents = fen % static_cast<std::uint64_t>(fen_per_yuan);
  return std::to_string(fen / static_cast<std::uint64_t>(fen_per_yuan)) +
         (cents < 10 ? ".0" : ".") + std::to_string(cents);
}

std::string plain_yuan(std::int64_t fen) {
  std::string text = fen < 0 ? "-" : "";
  text += unsigned_yuan(magnitude_of(fen));
  return text;
}

std::string shanghai_date(std::int64_t utc_ms) {
  const std::chrono::year_month_day date(
      std::chrono::floor<std::chrono::days>(shanghai_clock(utc_ms)));
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::string shanghai_date_time(std::int64_t utc_ms) {
  const auto local = shanghai_clock(utc_ms);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::hh_mm_ss<std::chrono::milliseconds> time(local - day);
  char text[32];
  std::snprintf(text, sizeof text, "T%02d:%02d:%02d.%03d+08:00",
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return shanghai_date(utc_ms) + text;
}

std::string transfer_id(std::string_view period, const Transfer& transfer) {
  return "SETTLE-" + std::string(period) + "-" + std::string(region_code(transfer.payer)) + "-" +
         std::string(region_code(transfer.payee));
}

std::int64_t line_flow(const ObligationLine& line, Region region) {
  if (line.home == line.provider_region) return 0;  // inside one region: no clearing
  if (region == line.provider_region) return line.owed();
  if (region == line.home) return -line.owed();
  return 0;
}

std::int64_t transfer_flow(const Transfer& transfer, Region region) {
  if (transfer.payer == transfer.payee) return 0;
  if (region == transfer.payee) return transfer.amount;
  if (region == transfer.payer) return -transfer.amount;
  return 0;
}

}  // namespace innoclear::clearing::exports_detail
