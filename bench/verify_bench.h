// `innoclear bench verify`: what an audit of a large ledger costs, and what a node serving it
// holds in memory, measured in one run.
//
//  1. Fill: a real node data directory (BJ) whose ledger holds about `entries` entries of real
//     signed statements, submitted in process through the Service: parties, policy and budget,
//     then vouchers each applied for, approved, backed by a countersigned receipt and redeemed
//     (five entries a voucher), with a checkpoint signed after every chunk as a node signs them
//     while it grows. `redemptions` more vouchers are prepared but not redeemed (four entries
//     each), for step 3.
//  2. Verify: with the Service closed, the ledger opened read-only with the audit deriver and
//     Ledger::verify timed exactly as `innoclear ledger verify` times it (every statement's
//     signature, tree hash, checkpoint and state row rechecked), beside the bare Ed25519
//     verification loop on 1 and on 2 threads measured in the same run.
//  3. Node memory: `innoclear node` on the directory as a separate process, the prepared
//     redemptions sent over HTTPS keep-alive from C client threads, the child's /proc/PID/status
//     sampled every 10 ms from when it answers: the peak VmRSS, and RssAnon (heap, stacks) and
//     RssFile (the LMDB map's touched pages, the binary and its libraries) at that peak; then the
//     size of the ledger's data.mdb. The child is stopped with SIGTERM and must exit 0.
//
// The scratch node directory is removed at the end, whatever happened.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace innoclear::bench {

struct VerifyBenchOptions {
  std::filesystem::path scratch;  // a directory for the throw-away node
  std::uint64_t entries = 1'000'000;
  std::uint64_t redemptions = 2000;  // K: prepared during the fill, redeemed in step 3
  std::size_t clients = 16;
  // Steps 2 and 3 are repeated this many times on the one filled ledger (the fill is the slow
  // part): each run redeems its own `redemptions` prepared vouchers.
  std::size_t runs = 1;
  // The innoclear binary, run as `node` in step 3.
  std::filesystem::path program = "/proc/self/exe";
  // A line now and then during the fill (about every 100 000 entries) and between the steps.
  std::function<void(const std::string& line)> progress;
};

struct VerifyBenchResult {
  // 1. Fill.
  std::uint64_t entries = 0;  // the ledger's size, genesis included
  std::uint64_t vouchers_redeemed = 0;
  std::uint64_t vouchers_prepared = 0;
  std::uint64_t entry_bytes_mean = 0;
  double fill_seconds = 0;
  double fill_entries_per_second = 0;  // signing, checking and durable appends, all in one
  // 2. Verify.
  double verify_seconds = 0;
  double verify_entries_per_second = 0;
  std::uint64_t tree_hashes = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t state_rows = 0;
  double bare_verify_1_thread_per_second = 0;
  double bare_verify_2_threads_per_second = 0;
  double ratio_1_thread = 0;   // verify entries/s ÷ bare verifications/s on 1 thread
  double ratio_2_threads = 0;  // and on 2 threads
  // 3. Node memory.
  std::uint64_t redemptions = 0;
  std::size_t clients = 0;
  double redemptions_per_second = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  std::uint64_t memory_samples = 0;   // of /proc/PID/status, from when the node answered
  std::uint64_t rss_peak_bytes = 0;   // VmRSS
  std::uint64_t rss_anon_bytes = 0;   // at the peak: heap and stacks
  std::uint64_t rss_file_bytes = 0;   // at the peak: the LMDB map's touched pages, the binary
  std::uint64_t data_file_bytes = 0;  // the ledger's data.mdb
};

// Fails with invalid_argument on out-of-range options (entries too few to hold the prepared
// vouchers among them), or with what kept the fill, the audit or the node from working: a
// refused redemption, a verify that found a disagreement, or a node that did not exit 0 are
// failures, not figures.
// One result per run, in order; the fill's figures are the same in each.
Result<std::vector<VerifyBenchResult>> run_verify_bench(const VerifyBenchOptions& options);

}  // namespace innoclear::bench
