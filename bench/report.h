// The report of `innoclear bench all`: docs/performance.md, its PNG charts and figures.json.
#pragma once

#include <string>

#include "base/status.h"
#include "bench/suite.h"

namespace innoclear::bench {

// The spread of one figure over the runs.
struct Spread {
  double min = 0;
  double median = 0;
  double max = 0;
  std::size_t runs = 0;
};

// The spread of `values` (the median of an even count is the mean of the middle two).
// REQUIRES: values is not empty.
Spread spread_of(std::vector<double> values);

// Writes options.report (Markdown: the machine, every figure's min/median/max, the ratios, the
// goals met or missed and, where missed, the profiles and `notes` on where the time goes),
// options.charts/figures.json (every run's raw figures) and the charts (PNG, drawn by gnuplot
// from .dat files left beside them). figures.json is written first, so that the measurements
// survive any failure after it. Fails with io_error, writing no report, when a figure is missing
// from a run (every missing one is named), or when gnuplot or a file write fails.
Status write_report(const SuiteOptions& options, const Measurements& measurements,
                    const std::string& notes);

// The measurements back from a figures.json that write_report wrote, to render the report again
// (new notes, a new layout) without measuring again. Fails with not_found or bad_statement.
Result<Measurements> read_measurements(const std::filesystem::path& figures_json);

}  // namespace innoclear::bench
