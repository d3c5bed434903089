#include "bench/bounds.h"

#include <unistd.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "bench/baselines.h"
#include "bench/ledger_bench.h"
#include "crypto/tls_cert.h"
#include "ledger/merkle.h"
#include "ledger/testkit/raw_append.h"

namespace innoclear::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t bounds_clients_max = 256;
constexpr std::uint64_t echo_requests_max = 1'000'000;
constexpr std::uint64_t raw_entries_max = 10'000'000;
constexpr auto window_max = std::chrono::milliseconds(60'000);
// Distinct signed entries, cycled through by the hash loop and the raw appends: signing millions
// would take longer than measuring them, and neither SHA-256 nor LMDB cares about repeats.
constexpr std::uint64_t entry_pool_entries = 4096;
constexpr std::size_t raw_map_bytes = std::size_t{16} << 30;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void measure_verify(std::chrono::milliseconds window, BoundsResult& result) {
  const crypto::KeyPair key = crypto::KeyPair::generate();
  const nodes::SignedStatement statement = sample_statement(key);
  result.statement_bytes = statement.bytes.size();
  result.verify_1_thread_per_second = measure_verify_rate(key.public_key(), statement, 1, window);
  result.verify_2_threads_per_second = measure_verify_rate(key.public_key(), statement, 2, window);
}

// Leaf hashes of the pool's entries, over and over, on this thread for about `window`.
void measure_leaf_hashes(const std::vector<std::string>& pool, std::chrono::milliseconds window,
                         BoundsResult& result) {
  std::uint64_t pool_bytes = 0;
  for (const std::string& entry : pool) pool_bytes += entry.size();
  std::uint64_t rounds = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < window) {
    for (const std::string& entry : pool) (void)ledger::leaf_hash(entry);
    ++rounds;
  }
  const double seconds = seconds_since(start);
  result.entry_bytes_mean = pool_bytes / pool.size();
  result.sha256_records = rounds * pool.size();
  result.sha256_records_per_second = static_cast<double>(result.sha256_records) / seconds;
  result.sha256_megabytes_per_second = static_cast<double>(rounds * pool_bytes) / 1e6 / seconds;
}

// Each batch size in its own fresh environment, removed once measured.
Status measure_raw_appends(const std::filesystem::path& root, const std::vector<std::string>& pool,
                           const BoundsOptions& options, BoundsResult& result) {
  const std::uint64_t most =
      *std::max_element(options.raw_entries.begin(), options.raw_entries.end());
  std::vector<std::string> entries(most);
  for (std::uint64_t i = 0; i < most; ++i) entries[i] = pool[i % pool.size()];
  for (std::size_t k = 0; k < bounds_raw_batches.size(); ++k) {
    const std::size_t batch = bounds_raw_batches[k];
    const std::filesystem::path directory = root / ("raw-batch-" + std::to_string(batch));
    Result<ledger::RawAppendResult> raw = ledger::raw_lmdb_append(
        directory, std::span(entries).first(options.raw_entries[k]), batch, raw_map_bytes);
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
    if (!raw.ok()) return raw.status();
    result.raw_appends[k] = {batch, raw->entries, raw->commits, raw->seconds,
                             static_cast<double>(raw->entries) / raw->seconds};
  }
  return Status::success();
}

Status measure_echo(const std::filesystem::path& root, const BoundsOptions& options,
                    BoundsResult& result) {
  const std::filesystem::path directory = root / "tls";
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return Status(Code::io_error, "cannot create " + directory.string());
  EchoIdentity identity{directory / "cert.pem", directory / "key.pem", ""};
  if (Status s = crypto::create_tls_identity("innoclear bench bounds",
                                             {identity.certificate_pem, identity.private_key_pem});
      !s.ok()) {
    return s;
  }
  Result<std::string> fingerprint = crypto::certificate_fingerprint(identity.certificate_pem);
  if (!fingerprint.ok()) return fingerprint.status();
  identity.fingerprint = std::move(*fingerprint);
  const crypto::KeyPair key = crypto::KeyPair::generate();
  const std::vector<SignedRequest> requests(options.echo_requests,
                                            SignedRequest{"/echo", sample_statement(key)});
  Result<double> echo = measure_tls_echo(identity, requests, options.clients);
  if (!echo.ok()) return echo.status();
  result.clients = options.clients;
  result.echo_requests = options.echo_requests;
  result.tls_echo_per_second = *echo;
  return Status::success();
}

Status measure_all(const std::filesystem::path& root, const BoundsOptions& options,
                   BoundsResult& result) {
  measure_verify(options.window, result);
  const crypto::KeyPair node_key = crypto::KeyPair::generate();
  const std::vector<std::string> pool = make_synthetic_entries(entry_pool_entries, "BJ", node_key);
  measure_leaf_hashes(pool, options.window, result);
  if (Status s = measure_raw_appends(root, pool, options, result); !s.ok()) return s;
  return measure_echo(root, options, result);
}

bool valid(const BoundsOptions& options) {
  const bool raw_entries_valid =
      std::all_of(options.raw_entries.begin(), options.raw_entries.end(),
                  [](std::uint64_t entries) { return entries > 0 && entries <= raw_entries_max; });
  return raw_entries_valid && options.clients > 0 && options.clients <= bounds_clients_max &&
         options.echo_requests > 0 && options.echo_requests <= echo_requests_max &&
         options.window.count() > 0 && options.window <= window_max;
}

}  // namespace

Result<BoundsResult> run_bounds_bench(const BoundsOptions& options) {
  if (!valid(options)) {
    return Status(Code::invalid_argument,
                  "clients 1–256, echo requests 1–1 000 000, raw entries 1–10 000 000 at each "
                  "batch size, window 1 ms–60 s");
  }
  const std::filesystem::path root =
      options.scratch / ("bench-bounds-" + std::to_string(::getpid()));
  std::error_code error;
  std::filesystem::remove_all(root, error);
  std::filesystem::create_directories(root, error);
  if (error) return Status(Code::io_error, "cannot create " + root.string());
  BoundsResult result;
  const Status status = measure_all(root, options, result);
  std::filesystem::remove_all(root, error);
  if (!status.ok()) return status;
  return result;
}

}  // namespace innoclear::bench
