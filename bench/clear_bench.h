// `innoclear bench clear`: the three costs of clearing between regions, measured in one run.
//
//  1. Cross-region pay-first redemptions end to end between two self-hosted nodes, BJ (the
//     vouchers' home) and TJ (the provider's), each serving HTTPS on 127.0.0.1 and joined by a
//     Federation over mutual TLS pinned by an in-memory manifest, as `innoclear node --manifest`
//     joins them. A redemption is done when BJ has recorded TJ's answer (the voucher is
//     "redeemed"). First saturated: C clients send N redemptions to BJ as fast as BJ answers,
//     and the rate is N over the time until BJ's sender has recorded every answer. Then open-loop
//     at half that rate, where a watcher reads each voucher's state every millisecond, for the
//     latency from the intended send time to "redeemed".
//  2. A consistency check between two signed checkpoints (half and all of a ledger of `entries`):
//     the proof read from the ledger, both notes opened, the proof verified. Median of many.
//  3. The comparison of two bilateral statements of `lines` lines with planted differences.
//
// Figures only: nothing here judges them (the goals are printed beside them by the verb).
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/status.h"

namespace innoclear::bench {

struct ClearBenchOptions {
  std::filesystem::path scratch;  // a directory for the throw-away nodes and ledger
  std::uint64_t redemptions = 20'000;
  std::size_t clients = 32;
  std::uint64_t entries = 1'000'000;
  std::size_t lines = 100'000;
};

struct ClearBenchResult {
  // 1. Saturated.
  std::uint64_t redemptions = 0;
  std::size_t clients = 0;
  double redemptions_per_second = 0;  // end to end: BJ recorded TJ's answer
  double seconds = 0;                 // first request sent → last answer recorded
  double accepted_per_second = 0;     // BJ answering "pending" over HTTPS
  std::uint64_t outbox_peak = 0;      // most rows BJ's sender saw waiting for TJ
  std::uint64_t scan_rows = 0;        // one scan of BJ's outbox, made once the clients were done
  double scan_ms = 0;
  std::uint64_t peer_posts = 0;  // POST /v1/peer/requests from BJ to TJ
  double peer_batch_mean = 0;    // requests per POST
  double peer_post_ms_mean = 0;  // one POST: TLS, TJ recording the batch, the answers back
  double peer_post_bytes_mean = 0;
  double peer_answer_ms_mean = 0;          // of which in TJ's routes (server side)
  double sender_outside_post_seconds = 0;  // BJ's sender between POSTs: scan, sign, record answers
  std::uint64_t home_commits = 0;          // durable commits of BJ's ledger during phase 1
  double home_commit_ms_mean = 0;
  std::uint64_t provider_commits = 0;  // and of TJ's
  double provider_commit_ms_mean = 0;
  double cpu_busy_fraction = 0;  // process CPU time ÷ (wall time × cores)
  // 1. Open loop at half the saturated rate.
  std::uint64_t paced_redemptions = 0;
  double paced_offered_per_second = 0;
  double paced_achieved_per_second = 0;
  double latency_p50_ms = 0;  // intended send → voucher seen "redeemed"
  double latency_p99_ms = 0;
  double accept_p50_ms = 0;  // intended send → BJ's "pending" response
  double accept_p99_ms = 0;
  // 2. Consistency.
  std::uint64_t entries = 0;
  double fill_entries_per_second = 0;
  std::uint64_t first_size = 0;
  std::uint64_t second_size = 0;
  std::uint64_t proof_hashes = 0;
  std::uint64_t consistency_repetitions = 0;
  double prove_us = 0;  // medians
  double verify_us = 0;
  double consistency_us = 0;
  // 3. Statements.
  std::size_t lines = 0;
  double compare_ms = 0;  // median
  std::uint64_t differences_planted = 0;
  std::uint64_t differences_found = 0;
};

// Fails with invalid_argument on out-of-range options, or with whatever kept a node, a
// redemption, the ledger or a proof from working (a refused or undelivered redemption is a
// failure, not a figure).
Result<ClearBenchResult> run_clear_bench(const ClearBenchOptions& options);

}  // namespace innoclear::bench
