// `innoclear bench all`: every benchmark, several runs each, and one report (bench/suite.h).
// `bench/run` calls it from the repository root with the paths of a fresh build.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/report.h"
#include "bench/suite.h"
#include "cli/cli.h"

namespace innoclear::cli {

namespace {

struct AllArguments {
  bench::SuiteOptions suite;
  std::string postgres_script = "bench/postgres/run";
  std::string postgres_bench = "build/bench/postgres/innoclear-pg-bench";
  std::string scratch;
  std::string report = "docs/performance.md";
  std::string charts;  // default: beside the report, named after it
  std::string notes = "bench/where-the-time-goes.md";
  std::string from;  // a figures.json: render again, measure nothing
};

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::not_found, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status run_all(AllArguments& arguments) {
  Result<std::string> notes = read_text(arguments.notes);
  if (!notes.ok()) return notes.status();
  bench::SuiteOptions& suite = arguments.suite;
  suite.innoclear = std::filesystem::read_symlink("/proc/self/exe");
  suite.postgres_script = std::filesystem::absolute(arguments.postgres_script);
  suite.postgres_bench = std::filesystem::absolute(arguments.postgres_bench);
  for (const auto& needed : {suite.postgres_script, suite.postgres_bench}) {
    if (::access(needed.c_str(), X_OK) != 0)
      return Status(Code::not_found, needed.string() + " is not executable");
  }
  suite.report = arguments.report;
  suite.charts = arguments.charts.empty()
                     ? std::filesystem::path(arguments.report).replace_extension()
                     : std::filesystem::path(arguments.charts);
  if (!arguments.from.empty()) {
    Result<bench::Measurements> saved = bench::read_measurements(arguments.from);
    if (!saved.ok()) return saved.status();
    return bench::write_report(suite, *saved, *notes);
  }
  const bool own_scratch = arguments.scratch.empty();
  suite.scratch = own_scratch ? std::filesystem::temp_directory_path() /
                                    ("innoclear-bench-all-" + std::to_string(::getpid()))
                              : std::filesystem::path(arguments.scratch);
  Result<bench::Measurements> measurements = bench::run_suite(suite);
  if (own_scratch) {
    std::error_code ignored;
    std::filesystem::remove_all(suite.scratch, ignored);
  }
  if (!measurements.ok()) return measurements.status();
  if (Status s = bench::write_report(suite, *measurements, *notes); !s.ok()) return s;
  std::printf("bench all: wrote %s and its charts in %s/ (%.0f s)\n", suite.report.c_str(),
              suite.charts.c_str(), measurements->seconds);
  return Status::success();
}

}  // namespace

void add_bench_all_verb(CLI::App& app, int& exit_code) {
  CLI::App* group = app.get_subcommand("bench");
  auto arguments = std::make_shared<AllArguments>();
  CLI::App* all = group->add_subcommand(
      "all", "every benchmark and the PostgreSQL baseline, several runs each, into one report");
  all->add_flag("--quick", arguments->suite.quick, "smoke sizes: every figure, in under 3 minutes");
  all->add_option("--runs", arguments->suite.runs, "runs of each benchmark")->default_val(3);
  all->add_flag("--profile", arguments->suite.profile,
                "perf profiles of redeem, verify and ledger (not with --quick)");
  all->add_option("--out", arguments->report, "the Markdown report to write")
      ->default_val("docs/performance.md");
  all->add_option("--charts", arguments->charts,
                  "directory for the charts (default: the report's name)");
  all->add_option("--scratch", arguments->scratch,
                  "directory for throw-away nodes (default: a fresh one in /tmp)");
  all->add_option("--postgres", arguments->postgres_script, "the PostgreSQL baseline script")
      ->default_val("bench/postgres/run");
  all->add_option("--postgres-bench", arguments->postgres_bench, "the PostgreSQL baseline program")
      ->default_val("build/bench/postgres/innoclear-pg-bench");
  all->add_option("--from", arguments->from,
                  "render the report again from a figures.json; measure nothing");
  all->add_option("--notes", arguments->notes,
                  "where the time goes, written by people, put in the report")
      ->default_val("bench/where-the-time-goes.md");
  all->callback([arguments, &exit_code] {
    if (Status s = run_all(*arguments); !s.ok()) exit_code = fail(s);
  });
}

}  // namespace innoclear::cli
