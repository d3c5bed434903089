// Internals of the report (bench/report.h): reading figures out of the runs, formatting them,
// the Markdown and the charts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/report.h"

namespace innoclear::bench {

// Reads figures out of the measurements and remembers every one it could not find, so that the
// report fails naming them all instead of printing a blank.
class Sheet {
 public:
  explicit Sheet(const Measurements& measurements);

  // One figure of one step over its runs; nullopt (and noted missing) if any run lacks it.
  std::optional<Spread> spread(const std::string& step, const std::string& field);
  // Run i of step_a.field_a divided by run i of step_b.field_b, over the runs.
  std::optional<Spread> ratio(const std::string& step_a, const std::string& field_a,
                              const std::string& step_b, const std::string& field_b);
  const std::vector<std::string>& missing() const { return missing_; }

 private:
  std::vector<double> values(const std::string& step, const std::string& field);
  void note_missing(const std::string& what);

  const Measurements& measurements_;
  std::vector<std::string> missing_;
};

// 1234567 → "1 234 567" (thin spaces); small values keep one or two decimals.
std::string format_number(double value);
// "min | median | max" table cells, each times `scale`.
std::string format_spread(const std::optional<Spread>& spread, double scale = 1);

// The Markdown report.
std::string render_markdown(const SuiteOptions& options, const Measurements& measurements,
                            Sheet& sheet, const std::string& notes);

// The chart files: name → contents (.dat tables and charts.gp, which draws the PNGs beside them).
struct Charts {
  std::map<std::string, std::string> files;
};
Charts chart_data(Sheet& sheet);

// Chart file names, as the Markdown links them.
inline constexpr const char* chart_throughput = "throughput.png";
inline constexpr const char* chart_latency = "latency.png";
inline constexpr const char* chart_ledger = "ledger.png";

}  // namespace innoclear::bench
