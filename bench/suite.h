// `innoclear bench all` (and `bench/run`): every benchmark, several runs each, on one machine in
// one go, then one report (bench/report.h). Each run is its own process — `innoclear bench …
// --output json`, and `bench/postgres/run` for the PostgreSQL baseline — so that no run inherits
// another's memory or threads; the suite only collects their JSON.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace innoclear::bench {

struct SuiteOptions {
  std::filesystem::path innoclear;        // the innoclear binary (the suite runs its bench verbs)
  std::filesystem::path postgres_script;  // bench/postgres/run
  std::filesystem::path postgres_bench;   // the innoclear-pg-bench binary it drives
  std::filesystem::path scratch;          // throw-away nodes, ledgers and the cluster
  std::filesystem::path report;           // the Markdown report to write
  std::filesystem::path charts;           // directory for the PNG charts and figures.json
  std::size_t runs = 3;
  bool quick = false;    // smoke sizes: every figure, small and fast; no profiles
  bool profile = false;  // perf profiles of the runs whose goals are usually missed
};

inline constexpr std::size_t suite_runs_max = 20;
// The binary as the report names it: relative to the repository, as bench/run runs it, so that
// the report reads the same whichever checkout and build directory produced it.
inline constexpr const char* report_binary = "build/cli/innoclear";
// The scratch directory as the report names it (a fresh one per run, somewhere under /tmp).
inline constexpr const char* report_scratch = "SCRATCH";
inline const std::vector<std::size_t> suite_client_counts = {1, 4, 16, 64};
inline const std::vector<std::size_t> suite_ledger_batches = {1, 100, 1000};

// What one profile showed: the command profiled, as the report shows it (report_binary and
// report_scratch for the paths of this run), and the hottest symbols, one per line
// ("12.3%  symbol").
struct Profile {
  std::string command;
  std::vector<std::string> hottest;
};

struct Measurements {
  // Step id ("bounds", "ledger.100", "redeem.16", "postgres.16", "clear", "verify") → the JSON
  // object each run printed, in run order.
  std::map<std::string, std::vector<nlohmann::json>> runs;
  std::map<std::string, Profile> profiles;  // "redeem", "verify", "ledger"
  std::map<std::string, std::string> machine;
  double seconds = 0;
};

// Runs every step `runs` times, printing progress on stderr. Fails on the first run that exits
// non-zero or prints no JSON object, naming the step and the run (a missing figure is a failure,
// never a blank in the report). Profiles that cannot be taken (no perf) are left out, not failed.
Result<Measurements> run_suite(const SuiteOptions& options);

}  // namespace innoclear::bench
