// The entry point of `innoclear bench clear`: checks the options, runs the three phases in order
// (bench/clear_phases.h) and removes their scratch directory whatever happened.
#include "bench/clear_bench.h"

#include <unistd.h>

#include <string>
#include <system_error>

#include "bench/clear_phases.h"
#include "clearing/settlement.h"

namespace innoclear::bench {

namespace {

constexpr std::size_t clear_clients_max = 256;
constexpr std::uint64_t clear_redemptions_max = 1'000'000;
constexpr std::uint64_t entries_min = 2;
constexpr std::uint64_t entries_max = 10'000'000;
constexpr std::size_t lines_min = 100;

}  // namespace

Result<ClearBenchResult> run_clear_bench(const ClearBenchOptions& options) {
  if (options.clients == 0 || options.clients > clear_clients_max || options.redemptions == 0 ||
      options.redemptions > clear_redemptions_max || options.entries < entries_min ||
      options.entries > entries_max || options.lines < lines_min ||
      options.lines > clearing::statement_lines_max) {
    return Status(
        Code::invalid_argument,
        "clients 1–256, redemptions 1–1 000 000, entries 2–10 000 000, lines 100–1 000 000");
  }
  const std::filesystem::path root =
      options.scratch / ("bench-clear-" + std::to_string(::getpid()));
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
  ClearBenchResult result;
  Status status = run_federation(root, options, result);
  if (status.ok()) status = run_consistency(root / "ledger", options.entries, result);
  if (status.ok()) run_statements(options.lines, result);
  std::filesystem::remove_all(root, ignored);
  if (!status.ok()) return status;
  return result;
}

}  // namespace innoclear::bench
