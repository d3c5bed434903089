// `innoclear bench ledger`: durable appends of synthetic signed entries through the ledger's
// group-committing writer, beside bare LMDB MDB_APPEND of the same bytes at the same batch size,
// both measured in the same run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "crypto/status.h"

namespace innoclear::bench {

struct LedgerBenchOptions {
  std::filesystem::path data;  // an initialised node data directory
  std::uint64_t entries = 100000;
  std::size_t batch = 1000;
  std::size_t writers = 4;
};

struct LedgerBenchResult {
  std::uint64_t entries = 0;
  double ledger_seconds = 0;
  double ledger_entries_per_second = 0;
  std::uint64_t ledger_commits = 0;
  double writer_apply_seconds = 0;   // writer thread inside transactions
  double writer_commit_seconds = 0;  // writer thread in durable commits
  double raw_seconds = 0;
  double raw_entries_per_second = 0;
  double raw_commit_seconds = 0;
  double ratio = 0;  // ledger ÷ raw
  std::uint64_t checkpoint_size = 0;
  std::uint64_t entry_bytes_mean = 0;
};

Result<LedgerBenchResult> run_ledger_bench(const LedgerBenchOptions& options);

}  // namespace innoclear::bench
