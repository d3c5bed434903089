// `innoclear bench redeem`: durable signed redemptions over HTTPS keep-alive from concurrent
// clients against a self-hosted node, beside two bounds measured in the same run on the same
// machine: V, bare Ed25519 verifications per second (both cores), and T, bare TLS echo requests
// per second through the same server stack and clients. Both costs land on the same two cores,
// so the bound is B = 1/(1/V + 1/T).
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/status.h"

namespace innoclear::bench {

struct RedeemBenchOptions {
  std::filesystem::path scratch;  // a directory for the throw-away node
  std::uint64_t redemptions = 2000;
  std::size_t clients = 16;
};

struct RedeemBenchResult {
  std::uint64_t redemptions = 0;
  std::size_t clients = 0;
  double redemptions_per_second = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  double verify_per_second = 0;    // V
  double tls_echo_per_second = 0;  // T
  double bound_per_second = 0;     // B
  double ratio = 0;                // redemptions ÷ B
};

Result<RedeemBenchResult> run_redeem_bench(const RedeemBenchOptions& options);

}  // namespace innoclear::bench
