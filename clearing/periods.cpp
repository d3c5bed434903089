#include "clearing/periods.h"

#include <cassert>
#include <chrono>

#include "clearing/rules.h"

namespace innoclear::clearing {

namespace {

constexpr std::int64_t ms_per_second = 1000;
constexpr int year_min = 2000;
constexpr int year_max = 2100;
constexpr std::size_t period_id_digits_max = 12;  // "S" + seconds until the year 33658

std::int64_t shanghai_month_start_ms(int year, unsigned month) {
  using namespace std::chrono;
  const sys_days day{std::chrono::year(year) / std::chrono::month(month) / 1};
  return duration_cast<milliseconds>(day.time_since_epoch()).count() - shanghai_offset_ms;
}

Period month_period(int year, unsigned month) {
  const unsigned next_month = month == 12 ? 1 : month + 1;
  const int next_year = month == 12 ? year + 1 : year;
  return {std::to_string(year) + (month < 10 ? "-0" : "-") + std::to_string(month),
          shanghai_month_start_ms(year, month), shanghai_month_start_ms(next_year, next_month)};
}

}  // namespace

Period period_containing(std::int64_t utc_ms, std::int64_t period_seconds) {
  assert(period_seconds >= 0 && period_seconds <= period_seconds_max);
  assert(utc_ms >= 0);
  if (period_seconds == 0) {
    const std::string month = shanghai_month(utc_ms);  // "YYYY-MM"
    return month_period(std::stoi(month.substr(0, 4)),
                        static_cast<unsigned>(std::stoi(month.substr(5, 2))));
  }
  const std::int64_t span_ms = period_seconds * ms_per_second;
  const std::int64_t from_ms = utc_ms - utc_ms % span_ms;
  return {"S" + std::to_string(from_ms / ms_per_second), from_ms, from_ms + span_ms};
}

Result<Period> parse_period(std::string_view id, std::int64_t period_seconds) {
  const auto refuse = [&] {
    return Status(Code::invalid_argument, "'" + std::string(id) + "' is not a clearing period");
  };
  const auto digits = [](std::string_view text) {
    return !text.empty() && text.size() <= period_id_digits_max &&
           text.find_first_not_of("0123456789") == std::string::npos;
  };
  if (period_seconds == 0) {
    if (id.size() != 7 || id[4] != '-' || !digits(id.substr(0, 4)) || !digits(id.substr(5, 2))) {
      return refuse();
    }
    const int year = std::stoi(std::string(id.substr(0, 4)));
    const int month = std::stoi(std::string(id.substr(5, 2)));
    if (year < year_min || year > year_max || month < 1 || month > 12) return refuse();
    return month_period(year, static_cast<unsigned>(month));
  }
  if (id.size() < 2 || id[0] != 'S' || !digits(id.substr(1))) return refuse();
  const std::int64_t from_s = std::stoll(std::string(id.substr(1)));
  // One name per period: no leading zeros, aligned to the period's length.
  if (from_s % period_seconds != 0 || id != "S" + std::to_string(from_s)) return refuse();
  return Period{std::string(id), from_s * ms_per_second, (from_s + period_seconds) * ms_per_second};
}

}  // namespace innoclear::clearing
