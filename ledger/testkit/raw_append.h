// The baseline the ledger is measured against: bare LMDB MDB_APPEND of the same bytes, committed
// every `batch` entries with the same durable synchronous commits, nothing else.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "base/status.h"

namespace innoclear::ledger {

struct RawAppendResult {
  std::uint64_t entries = 0;
  std::uint64_t commits = 0;
  double seconds = 0;         // the append loop only, environment set-up excluded
  double commit_seconds = 0;  // of which in durable commits
};

// REQUIRES: batch > 0. Creates a fresh environment in `directory` (which must not exist) and
// leaves it there for the caller to remove.
Result<RawAppendResult> raw_lmdb_append(const std::filesystem::path& directory,
                                        std::span<const std::string> entries, std::size_t batch,
                                        std::size_t map_bytes);

}  // namespace innoclear::ledger
