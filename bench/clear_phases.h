// What the files of `innoclear bench clear` share: its clock, the provider its redemptions and
// statement lines name, and its three phases, each filling its part of the result:
//   clear_redemptions.cpp  1. cross-region redemptions, saturated then at half load
//   clear_checks.cpp       2. the consistency check and 3. the statement comparison
// bench/clear_bench.cpp checks the options and runs them in order. Internal to bench/.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "base/status.h"
#include "bench/clear_bench.h"

namespace innoclear::bench {

using Clock = std::chrono::steady_clock;

// TJ's provider: every redemption asks it, every planted statement line names it.
inline const std::string clear_provider_id = "P-BENCH-TJ";

inline double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// 1. Federates BJ and TJ under `root`, prepares the vouchers, and redeems them: saturated, then
// open loop at half the saturated rate.
Status run_federation(const std::filesystem::path& root, const ClearBenchOptions& options,
                      ClearBenchResult& result);

// 2. Fills a ledger of `entries` in `directory` and times the consistency check between its
// checkpoints at half and at all of it.
Status run_consistency(const std::filesystem::path& directory, std::uint64_t entries,
                       ClearBenchResult& result);

// 3. Times the comparison of two statements of `lines` lines with planted differences.
void run_statements(std::size_t lines, ClearBenchResult& result);

}  // namespace innoclear::bench
