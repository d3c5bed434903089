#include "bench/suite.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/process.h"

namespace innoclear::bench {

namespace {

using Argv = std::vector<std::string>;

// One benchmark the suite runs: `command` once per run, or once for all runs when `runs_inside`
// (the PostgreSQL script starts its cluster once and prints one JSON line per run).
struct Step {
  std::string id;
  std::string title;
  Argv command;
  bool runs_inside = false;
  std::filesystem::path node = {};  // when set, a fresh `innoclear init` data directory per run
};

std::string number(std::size_t n) { return std::to_string(n); }

// Redemptions per run at each client count: enough for the run to last seconds at full size.
std::size_t redemptions_for(std::size_t clients, bool quick) {
  if (quick) return 50 * (clients < 4 ? 1 : clients < 16 ? 2 : clients < 64 ? 4 : 8);
  return clients < 4 ? 1000 : clients < 16 ? 2000 : clients < 64 ? 5000 : 10000;
}

// Entries per run of `bench ledger`: batch 1 is one fsync per entry, so it gets far fewer.
std::size_t ledger_entries_for(std::size_t batch, bool quick) {
  if (batch == 1) return quick ? 100 : 2000;
  if (batch <= 100) return quick ? 5000 : 100000;
  return quick ? 20000 : 300000;
}

std::vector<Step> plan(const SuiteOptions& o) {
  const std::string self = o.innoclear.string();
  const std::string scratch = o.scratch.string();
  std::vector<Step> steps;
  Argv bounds = {self,        "bench", "bounds",   "--scratch", scratch,
                 "--clients", "16",    "--output", "json"};
  if (o.quick) bounds.push_back("--quick");
  steps.push_back({"bounds", "bounds: bare verify, SHA-256, raw LMDB, TLS echo", bounds});
  for (const std::size_t batch : suite_ledger_batches) {
    const std::filesystem::path node = o.scratch / ("ledger-node-" + number(batch));
    steps.push_back({"ledger." + number(batch),
                     "bench ledger at batch " + number(batch),
                     {self, "bench", "ledger", "--data", node.string(), "--batch", number(batch),
                      "--entries", number(ledger_entries_for(batch, o.quick)), "--output", "json"},
                     false,
                     node});
  }
  for (const std::size_t clients : suite_client_counts) {
    steps.push_back(
        {"redeem." + number(clients),
         "bench redeem at " + number(clients) + " clients",
         {self, "bench", "redeem", "--clients", number(clients), "--redemptions",
          number(redemptions_for(clients, o.quick)), "--scratch", scratch, "--output", "json"}});
  }
  Argv clear = {self, "bench", "clear", "--scratch", scratch, "--output", "json"};
  if (o.quick) {
    clear.insert(clear.end(), {"--redemptions", "200", "--clients", "4", "--entries", "20000",
                               "--lines", "2000"});
  } else {
    clear.insert(clear.end(), {"--redemptions", "10000", "--clients", "32"});
  }
  steps.push_back({"clear", "bench clear: two federated nodes", clear});
  // One fill of the ledger (minutes at 1M entries), then the runs on it.
  steps.push_back(
      {"verify",
       "bench verify: full audit of a node's ledger, node memory",
       {self, "bench", "verify", "--scratch", scratch, "--entries", o.quick ? "5000" : "1000000",
        "--redemptions", o.quick ? "100" : "2000", "--clients", o.quick ? "4" : "16", "--runs",
        number(o.runs), "--output", "json"},
       true});
  for (const std::size_t clients : suite_client_counts) {
    steps.push_back({"postgres." + number(clients),
                     "PostgreSQL baseline at " + number(clients) + " clients",
                     {o.postgres_script.string(), "--bin", o.postgres_bench.string(), "--clients",
                      number(clients), "--redemptions", number(redemptions_for(clients, o.quick)),
                      "--runs", number(o.runs), "--scratch", scratch},
                     true});
  }
  return steps;
}

// The JSON objects a run printed, one per line; other lines (if any) are ignored.
std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> objects;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.front() != '{') continue;
    nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
    if (object.is_object()) objects.push_back(std::move(object));
  }
  return objects;
}

Status initialise_node(const SuiteOptions& options, const std::filesystem::path& node) {
  std::error_code ignored;
  std::filesystem::remove_all(node, ignored);
  Result<ProcessOutput> init =
      run_process({options.innoclear.string(), "init", "--region", "BJ", "--data", node.string()});
  if (!init.ok()) return init.status();
  if (init->exit_code != 0)
    return Status(Code::io_error, "innoclear init exited " + std::to_string(init->exit_code));
  return Status::success();
}

// Runs one step once; appends the JSON objects it printed.
Status run_step(const SuiteOptions& options, const Step& step, std::size_t expected,
                std::vector<nlohmann::json>& into) {
  if (!step.node.empty()) {
    if (Status s = initialise_node(options, step.node); !s.ok()) return s;
  }
  Result<ProcessOutput> ran = run_process(step.command);
  if (!step.node.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(step.node, ignored);
  }
  if (!ran.ok()) return ran.status();
  if (ran->exit_code != 0) {
    return Status(Code::io_error,
                  step.id + ": " + step.command[0] + " exited " + std::to_string(ran->exit_code));
  }
  std::vector<nlohmann::json> objects = json_lines(ran->out);
  if (objects.size() != expected) {
    return Status(Code::io_error, step.id + ": expected " + std::to_string(expected) +
                                      " JSON figure lines, got " + std::to_string(objects.size()));
  }
  for (auto& object : objects) {
    object["wall_seconds"] = ran->seconds / static_cast<double>(expected);
    into.push_back(std::move(object));
  }
  return Status::success();
}

}  // namespace

// Defined in bench/suite_context.cpp: the machine description and the perf profiles.
std::map<std::string, std::string> describe_machine(const SuiteOptions& options);
std::map<std::string, Profile> take_profiles(const SuiteOptions& options);

Result<Measurements> run_suite(const SuiteOptions& options) {
  if (options.runs == 0 || options.runs > suite_runs_max) {
    return Status(Code::invalid_argument, "runs must be 1–" + std::to_string(suite_runs_max));
  }
  std::error_code error;
  std::filesystem::create_directories(options.scratch, error);
  if (error)
    return Status(Code::io_error, "scratch " + options.scratch.string() + ": " + error.message());
  const auto start = std::chrono::steady_clock::now();
  Measurements measurements;
  measurements.machine = describe_machine(options);
  const std::vector<Step> steps = plan(options);
  std::size_t done = 0;
  const std::size_t total = steps.size() * options.runs;
  for (const Step& step : steps) {
    std::vector<nlohmann::json>& runs = measurements.runs[step.id];
    const std::size_t calls = step.runs_inside ? 1 : options.runs;
    for (std::size_t call = 0; call < calls; ++call) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(
          stderr, "bench all [%zu/%zu, %.0f s]: %s%s\n", done + 1, total, elapsed,
          step.title.c_str(),
          step.runs_inside
              ? (", " + std::to_string(options.runs) + " runs").c_str()
              : (", run " + std::to_string(call + 1) + "/" + std::to_string(options.runs)).c_str());
      if (Status s = run_step(options, step, step.runs_inside ? options.runs : 1, runs); !s.ok())
        return s;
      done += step.runs_inside ? options.runs : 1;
    }
  }
  if (options.profile && !options.quick) measurements.profiles = take_profiles(options);
  measurements.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return measurements;
}

}  // namespace innoclear::bench
