#include "bench/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/process.h"
#include "bench/report_figures.h"

namespace innoclear::bench {

Spread spread_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {values.front(), median, values.back(), n};
}

Sheet::Sheet(const Measurements& measurements) : measurements_(measurements) {}

std::vector<double> Sheet::values(const std::string& step, const std::string& field) {
  std::vector<double> values;
  const auto runs = measurements_.runs.find(step);
  if (runs == measurements_.runs.end() || runs->second.empty()) {
    note_missing(step + " (no runs)");
    return values;
  }
  for (std::size_t run = 0; run < runs->second.size(); ++run) {
    const nlohmann::json& object = runs->second[run];
    const auto found = object.find(field);
    if (found == object.end() || !found->is_number()) {
      note_missing(step + "." + field + " (run " + std::to_string(run + 1) + ")");
      return {};
    }
    values.push_back(found->get<double>());
  }
  return values;
}

std::optional<Spread> Sheet::spread(const std::string& step, const std::string& field) {
  std::vector<double> found = values(step, field);
  if (found.empty()) return std::nullopt;
  return spread_of(std::move(found));
}

std::optional<Spread> Sheet::ratio(const std::string& step_a, const std::string& field_a,
                                   const std::string& step_b, const std::string& field_b) {
  const std::vector<double> a = values(step_a, field_a);
  const std::vector<double> b = values(step_b, field_b);
  if (a.empty() || b.empty()) return std::nullopt;
  // Run i of one against run i of the other: the runs were made in the same sitting.
  std::vector<double> ratios;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (b[i] > 0) ratios.push_back(a[i] / b[i]);
  }
  if (ratios.empty()) {
    note_missing(step_b + "." + field_b + " (zero)");
    return std::nullopt;
  }
  return spread_of(std::move(ratios));
}

void Sheet::note_missing(const std::string& what) {
  if (std::find(missing_.begin(), missing_.end(), what) == missing_.end()) missing_.push_back(what);
}

std::string format_number(double value) {
  char text[64];
  const double magnitude = std::abs(value);
  if (magnitude >= 100) {
    std::snprintf(text, sizeof text, "%.0f", value);
  } else if (magnitude >= 10) {
    std::snprintf(text, sizeof text, "%.1f", value);
  } else {
    std::snprintf(text, sizeof text, "%.2f", value);
  }
  // Thousands separated by a thin space keep wide figures readable in the tables.
  std::string digits(text);
  const auto point = digits.find('.');
  std::size_t end = point == std::string::npos ? digits.size() : point;
  const std::size_t begin = digits[0] == '-' ? 1 : 0;
  while (end > begin + 3) {
    end -= 3;
    digits.insert(end, "\u2009");
  }
  return digits;
}

std::string format_spread(const std::optional<Spread>& spread, double scale) {
  if (!spread) return "missing | missing | missing";
  return format_number(spread->min * scale) + " | " + format_number(spread->median * scale) +
         " | " + format_number(spread->max * scale);
}

namespace {

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status(Code::io_error, "cannot write " + path.string());
  return Status::success();
}

std::string figures_json(const Measurements& m) {
  nlohmann::ordered_json document;
  document["machine"] = m.machine;
  document["seconds"] = m.seconds;
  document["runs"] = m.runs;
  for (const auto& [name, profile] : m.profiles) {
    document["profiles"][name] = {{"command", profile.command}, {"hottest", profile.hottest}};
  }
  return document.dump(1) + "\n";
}

}  // namespace

Result<Measurements> read_measurements(const std::filesystem::path& figures_json) {
  std::ifstream in(figures_json);
  if (!in) return Status(Code::not_found, "cannot read " + figures_json.string());
  const nlohmann::json document = nlohmann::json::parse(in, nullptr, false);
  const auto malformed =
      Status(Code::bad_statement, figures_json.string() + " is not a figures.json of bench all");
  if (!document.is_object() || !document.contains("runs") || !document["runs"].is_object() ||
      !document.contains("machine") || !document["machine"].is_object()) {
    return malformed;
  }
  Measurements m;
  for (const auto& [step, runs] : document["runs"].items()) {
    if (!runs.is_array()) return malformed;
    m.runs[step] = runs.get<std::vector<nlohmann::json>>();
  }
  for (const auto& [key, value] : document["machine"].items()) {
    if (value.is_string()) m.machine[key] = value.get<std::string>();
  }
  m.seconds = document.value("seconds", 0.0);
  // A named copy: a range-for over items() of a temporary would outlive the temporary.
  const nlohmann::json profiles = document.value("profiles", nlohmann::json::object());
  for (const auto& [name, profile] : profiles.items()) {
    if (!profile.is_object() || !profile.contains("command") || !profile.contains("hottest"))
      return malformed;
    m.profiles[name] = {profile["command"].get<std::string>(),
                        profile["hottest"].get<std::vector<std::string>>()};
  }
  return m;
}

Status write_report(const SuiteOptions& options, const Measurements& measurements,
                    const std::string& notes) {
  Sheet sheet(measurements);
  const std::string markdown = render_markdown(options, measurements, sheet, notes);
  const Charts charts = chart_data(sheet);
  // Absolute: gnuplot runs in the charts directory.
  const std::filesystem::path directory = std::filesystem::absolute(options.charts);
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return Status(Code::io_error, "charts " + directory.string() + ": " + error.message());
  // The raw figures first: whatever fails below, a long run's measurements are kept, and
  // `bench all --from` can render them again.
  if (Status s = write_file(directory / "figures.json", figures_json(measurements)); !s.ok())
    return s;
  if (!sheet.missing().empty()) {
    std::string names;
    for (const std::string& name : sheet.missing()) names += (names.empty() ? "" : ", ") + name;
    return Status(Code::io_error, "figures missing: " + names);
  }
  for (const auto& [name, text] : charts.files) {
    if (Status s = write_file(directory / name, text); !s.ok()) return s;
  }
  if (!program_exists("gnuplot")) {
    return Status(Code::io_error, "gnuplot is not installed (scripts/install-deps.sh --bench)");
  }
  Result<ProcessOutput> plotted = run_process(
      {"gnuplot", "-e", "cd '" + directory.string() + "'", (directory / "charts.gp").string()});
  if (!plotted.ok()) return plotted.status();
  if (plotted->exit_code != 0)
    return Status(Code::io_error, "gnuplot exited " + std::to_string(plotted->exit_code));
  return write_file(options.report, markdown);
}

}  // namespace innoclear::bench
