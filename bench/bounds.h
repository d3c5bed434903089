// `innoclear bench bounds`: the machine's limits for the work a node does, each measured in this
// run, for the other benchmarks' figures to be read against:
//  - bare libsodium Ed25519 verification of a real-shaped statement on 1 and on 2 threads;
//  - RFC 9162 leaf hashes (the ledger's leaf_hash) of entries shaped and sized as `bench ledger`
//    appends them, on 1 thread, in records and megabytes (10^6 bytes) per second;
//  - bare LMDB MDB_APPEND of the same entry bytes at 1, 100 and 1000 entries per durable commit
//    (ledger::raw_lmdb_append), in a scratch directory removed afterwards;
//  - a bare TLS echo through a node's server stack (api::HttpsServer) from C keep-alive
//    api::HttpsClient threads, the T of `bench redeem`.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>

#include "base/status.h"

namespace innoclear::bench {

// Entries per durable commit of the raw LMDB appends, in BoundsResult::raw_appends' order.
constexpr std::array<std::size_t, 3> bounds_raw_batches = {1, 100, 1000};

struct BoundsOptions {
  std::filesystem::path scratch;  // a directory for the throw-away LMDB environments and TLS files
  std::size_t clients = 16;
  std::uint64_t echo_requests = 4000;
  // Entries appended at each of bounds_raw_batches. Batch 1 is fsync-bound: the defaults take
  // a second or so each where a durable commit takes 1–3 ms.
  std::array<std::uint64_t, 3> raw_entries = {500, 50'000, 500'000};
  std::chrono::milliseconds window{1000};  // each timed loop: verify, SHA-256
};

struct RawAppendFigure {
  std::size_t batch = 0;
  std::uint64_t entries = 0;
  std::uint64_t commits = 0;
  double seconds = 0;
  double entries_per_second = 0;
};

struct BoundsResult {
  std::size_t statement_bytes = 0;  // the verified statement
  double verify_1_thread_per_second = 0;
  double verify_2_threads_per_second = 0;
  std::uint64_t entry_bytes_mean = 0;  // hashed and appended entries
  std::uint64_t sha256_records = 0;    // leaf hashes computed in the window
  double sha256_records_per_second = 0;
  double sha256_megabytes_per_second = 0;
  std::array<RawAppendFigure, 3> raw_appends;
  std::size_t clients = 0;
  std::uint64_t echo_requests = 0;
  double tls_echo_per_second = 0;
};

// Fails with invalid_argument on out-of-range options, or with what kept the LMDB environments,
// the TLS identity or the echo from working (a failed echo is a failure, not a figure). The
// scratch directory it made is removed either way.
Result<BoundsResult> run_bounds_bench(const BoundsOptions& options);

}  // namespace innoclear::bench
