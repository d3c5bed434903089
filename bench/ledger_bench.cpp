#include "bench/ledger_bench.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "ledger/ledger.h"
#include "ledger/testkit/raw_append.h"
#include "nodes/data_dir.h"

namespace innoclear::bench {

namespace {

constexpr std::size_t bench_map_bytes = std::size_t{16} << 30;
constexpr std::uint64_t bench_entries_max = 50'000'000;
constexpr std::size_t bench_writers_max = 256;

// Appends all entries through `writers` threads, each submitting without waiting, and returns
// once every append is acknowledged durable.
Result<double> timed_ledger_appends(ledger::Ledger& ledger, std::vector<std::string> entries,
                                    std::size_t writers) {
  std::atomic<std::uint64_t> acknowledged{0};
  std::atomic<std::uint64_t> failed{0};
  std::mutex mutex;
  std::condition_variable all_done;
  Status first_failure;
  const auto done = [&](const Status& status) {
    if (!status.ok() && failed++ == 0) {
      std::lock_guard lock(mutex);
      first_failure = status;
    }
    if (++acknowledged == entries.size()) {
      std::lock_guard lock(mutex);
      all_done.notify_all();
    }
  };
  // Each writer checks and leaf-hashes its entries on its own thread (prepare_entry), as a
  // node's request threads do, and hands the writer thread only the serial part.
  std::vector<std::optional<ledger::PreparedEntry>> prepared(entries.size());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = w; i < entries.size(); i += writers) {
        Result<ledger::PreparedEntry> entry = ledger::prepare_entry(std::move(entries[i]));
        if (!entry.ok()) {
          done(entry.status());
          continue;
        }
        prepared[i] = std::move(*entry);
        const ledger::PreparedEntry* slot = &*prepared[i];
        ledger.submit([slot](ledger::Batch& batch) { return batch.append(*slot).status(); }, done);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  {
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return acknowledged == entries.size(); });
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed > 0) return Status(first_failure.code(), "bench append: " + first_failure.message());
  return seconds;
}

}  // namespace

std::vector<std::string> make_synthetic_entries(std::uint64_t count, const std::string& region,
                                                const crypto::KeyPair& node_key) {
  const crypto::KeyPair& actor = node_key;  // the node states its own synthetic load
  std::vector<std::string> entries(count);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto sign_range = [&](std::uint64_t begin, std::uint64_t end) {
    for (std::uint64_t i = begin; i < end; ++i) {
      const nlohmann::json statement = {
          {"actor", "node." + region},
          {"body", {{"amount_fen", 100 + i % 500000}, {"memo", "synthetic load"}}},
          {"kind", "bench.synthetic"},
          {"nonce", "bench-" + std::to_string(i)},
          {"region", region},
          {"time", now_ms}};
      const std::string bytes = crypto::canonical_dump(statement);
      const crypto::Signature signature = actor.sign(bytes);
      entries[i] = crypto::canonical_dump(
          {{"signature", crypto::base64_encode(signature)}, {"statement", statement}});
    }
  };
  std::thread helper(sign_range, 0, count / 2);
  sign_range(count / 2, count);
  helper.join();
  return entries;
}

Result<LedgerBenchResult> run_ledger_bench(const LedgerBenchOptions& options) {
  if (options.entries == 0 || options.entries > bench_entries_max || options.batch == 0 ||
      options.writers == 0 || options.writers > bench_writers_max) {
    return {Code::invalid_argument, "entries, batch and writers must be positive (writers ≤ 256)"};
  }
  const nodes::DataDir dir{options.data};
  Result<nodes::NodeIdentity> identity = nodes::read_identity(dir);
  if (!identity.ok()) return identity.status();
  Result<crypto::KeyPair> key = crypto::KeyPair::load(dir.key_file());
  if (!key.ok()) return key.status();

  std::vector<std::string> entries = make_synthetic_entries(
      options.entries, std::string(clearing::region_code(identity->region)), *key);
  const std::vector<std::string> raw_entries = entries;  // the same bytes for the baseline
  LedgerBenchResult result;
  result.entries = options.entries;
  std::uint64_t bytes = 0;
  for (const auto& entry : entries) bytes += entry.size();
  result.entry_bytes_mean = bytes / entries.size();

  ledger::Options ledger_options = nodes::ledger_options(dir, *identity, &*key, false);
  ledger_options.batch_entries_max = options.batch;
  ledger_options.map_bytes = bench_map_bytes;
  Result<std::unique_ptr<ledger::Ledger>> ledger = ledger::Ledger::open(ledger_options);
  if (!ledger.ok()) return ledger.status();
  const ledger::WriterStats stats_before = (*ledger)->writer_stats();
  const std::uint64_t commits_before = stats_before.commits;
  Result<double> seconds = timed_ledger_appends(**ledger, std::move(entries), options.writers);
  if (!seconds.ok()) return seconds.status();
  result.ledger_seconds = *seconds;
  const ledger::WriterStats stats = (*ledger)->writer_stats();
  result.ledger_commits = stats.commits - commits_before;
  result.writer_apply_seconds = static_cast<double>(stats.apply_ns - stats_before.apply_ns) / 1e9;
  result.writer_commit_seconds =
      static_cast<double>(stats.commit_ns - stats_before.commit_ns) / 1e9;
  Result<std::string> checkpoint = (*ledger)->sign_checkpoint();
  if (!checkpoint.ok()) return checkpoint.status();
  result.checkpoint_size = (*ledger)->size();
  ledger->reset();

  const auto raw_dir = options.data / ("bench-raw-lmdb-" + std::to_string(::getpid()));
  Result<ledger::RawAppendResult> raw =
      ledger::raw_lmdb_append(raw_dir, raw_entries, options.batch, bench_map_bytes);
  std::error_code ignored;
  std::filesystem::remove_all(raw_dir, ignored);
  if (!raw.ok()) return raw.status();
  result.raw_seconds = raw->seconds;
  result.raw_commit_seconds = raw->commit_seconds;
  result.ledger_entries_per_second = static_cast<double>(result.entries) / result.ledger_seconds;
  result.raw_entries_per_second = static_cast<double>(raw->entries) / raw->seconds;
  result.ratio = result.ledger_entries_per_second / result.raw_entries_per_second;
  return result;
}

}  // namespace innoclear::bench
