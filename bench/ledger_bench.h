// `innoclear bench ledger`: durable appends of synthetic signed entries through the ledger's
// group-committing writer, beside bare LMDB MDB_APPEND of the same bytes at the same batch size,
// both measured in the same run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"
#include "crypto/ed25519.h"

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

// `count` synthetic statements of the node (kind bench.synthetic, actor "node.<region>") signed
// by `node_key`, as entries {"signature","statement"}: the entries `bench ledger` appends, which
// a node's audit replay accepts. Signed on two threads, so that timed windows measure no signing.
std::vector<std::string> make_synthetic_entries(std::uint64_t count, const std::string& region,
                                                const crypto::KeyPair& node_key);

}  // namespace innoclear::bench
