#include "bench/verify_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "bench/baselines.h"
#include "bench/https_load.h"
#include "bench/node_process.h"
#include "bench/voucher_setup.h"
#include "ledger/ledger.h"

namespace innoclear::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t entries_max = 50'000'000;
constexpr std::uint64_t verify_redemptions_max = 1'000'000;
constexpr std::size_t verify_clients_max = 256;
constexpr std::size_t runs_max = 20;
// Vouchers per wave of each statement kind: the statements of a wave are held in memory at once.
constexpr std::uint64_t chunk_vouchers = 10'000;
constexpr std::uint64_t progress_entries = 100'000;
constexpr auto memory_interval = std::chrono::milliseconds(10);
// A redeemed voucher's entries: its prepared ones and the redemption.
constexpr std::uint64_t entries_per_redeemed_voucher = entries_per_prepared_voucher + 1;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void say(const VerifyBenchOptions& options, const std::string& line) {
  if (options.progress) options.progress(line);
}

struct FillPlan {
  std::uint64_t redeemed = 0;  // vouchers
  std::uint64_t enterprises = 0;
  std::uint64_t entries = 0;  // the ledger's size once filled
};

// The most redeemed vouchers that keep the ledger at or under `entries` with `prepared` more
// vouchers prepared, on a ledger of `initial` entries.
Result<FillPlan> plan_fill(std::uint64_t entries, std::uint64_t prepared, std::uint64_t initial) {
  const auto size_with = [&](std::uint64_t redeemed) {
    return initial + entries_per_registration + enterprises_for(redeemed + prepared) +
           entries_per_prepared_voucher * prepared + entries_per_redeemed_voucher * redeemed;
  };
  if (size_with(0) > entries) {
    return Status(Code::invalid_argument, "entries must be at least " +
                                              std::to_string(size_with(0)) + " to hold " +
                                              std::to_string(prepared) + " prepared vouchers");
  }
  std::uint64_t redeemed = (entries - size_with(0)) / entries_per_redeemed_voucher;
  while (redeemed > 0 && size_with(redeemed) > entries) --redeemed;  // the enterprises' entries
  return FillPlan{redeemed, enterprises_for(redeemed + prepared), size_with(redeemed)};
}

// Vouchers [0, plan.redeemed), prepared and redeemed a chunk at a time, with a checkpoint after
// each chunk.
Status fill_redeemed(VoucherNode& node, const FillPlan& plan, const VerifyBenchOptions& options,
                     Clock::time_point start) {
  ledger::Ledger& ledger = node.service->ledger();
  std::uint64_t next_report = progress_entries;
  for (std::uint64_t first = 0; first < plan.redeemed; first += chunk_vouchers) {
    const std::uint64_t count = std::min(chunk_vouchers, plan.redeemed - first);
    Result<std::vector<std::string>> ids = prepare_vouchers(node, first, count);
    if (!ids.ok()) return ids.status();
    const std::vector<nodes::SignedStatement> redemptions = sign_each(
        count, [&](std::uint64_t n) { return sign_redemption(node, first + n, (*ids)[n]); });
    if (auto redeemed = submit_all(*node.service, redemptions); !redeemed.ok()) {
      return redeemed.status();
    }
    if (Result<std::string> note = ledger.sign_checkpoint(); !note.ok()) return note.status();
    const std::uint64_t size = ledger.size();
    if (size >= next_report) {
      next_report = (size / progress_entries + 1) * progress_entries;
      const auto rate =
          static_cast<std::uint64_t>(static_cast<double>(size) / seconds_since(start));
      say(options, "bench verify: " + std::to_string(size) + " of " + std::to_string(plan.entries) +
                       " entries (" + std::to_string(rate) + " entries/s)");
    }
  }
  return Status::success();
}

// Step 1. Returns the ids of the vouchers prepared for step 3, which are vouchers
// [result.vouchers_redeemed, + result.vouchers_prepared).
Result<std::vector<std::string>> fill(VoucherNode& node, const VerifyBenchOptions& options,
                                      VerifyBenchResult& result) {
  ledger::Ledger& ledger = node.service->ledger();
  const std::uint64_t initial = ledger.size();
  Result<FillPlan> plan = plan_fill(options.entries, options.redemptions, initial);
  if (!plan.ok()) return plan.status();
  const auto start = Clock::now();
  if (Status s = register_parties(node, plan->enterprises); !s.ok()) return s;
  if (Status s = fill_redeemed(node, *plan, options, start); !s.ok()) return s;
  Result<std::vector<std::string>> prepared =
      prepare_vouchers(node, plan->redeemed, options.redemptions);
  if (!prepared.ok()) return prepared.status();
  if (Result<std::string> note = ledger.sign_checkpoint(); !note.ok()) return note.status();
  result.fill_seconds = seconds_since(start);
  result.entries = ledger.size();
  result.fill_entries_per_second =
      static_cast<double>(result.entries - initial) / result.fill_seconds;
  result.vouchers_redeemed = plan->redeemed;
  result.vouchers_prepared = options.redemptions;
  return prepared;
}

Result<std::uint64_t> entry_bytes_mean(const ledger::Ledger& ledger) {
  Result<ledger::ReadView> view = ledger.view();
  if (!view.ok()) return view.status();
  std::uint64_t bytes = 0;
  Status read = view->for_each_entry(0, [&bytes](std::uint64_t, std::string_view entry) {
    bytes += entry.size();
    return true;
  });
  if (!read.ok()) return read;
  return bytes / std::max<std::uint64_t>(1, view->size());
}

// Step 2: the ledger opened and its verify timed as `innoclear ledger verify` does it
// (cli/ledger_verbs.cpp). The page cache is warm, as it is after the fill and the mean's pass.
Status measure_audit(const nodes::DataDir& dir, VerifyBenchResult& result) {
  Result<nodes::NodeIdentity> identity = nodes::read_identity(dir);
  if (!identity.ok()) return identity.status();
  Result<std::unique_ptr<ledger::Ledger>> ledger =
      ledger::Ledger::open(nodes::ledger_options(dir, *identity, nullptr, true));
  if (!ledger.ok()) return ledger.status();
  Result<std::uint64_t> mean = entry_bytes_mean(**ledger);
  if (!mean.ok()) return mean.status();
  result.entry_bytes_mean = *mean;
  const auto start = Clock::now();
  Result<ledger::VerifyReport> report = (*ledger)->verify(identity->public_key);
  result.verify_seconds = seconds_since(start);
  if (!report.ok()) return report.status();
  // Runs after the first also see the redemptions the node recorded in the runs before.
  if (report->entries < result.entries) {
    return Status(Code::verify_failed, "verify saw " + std::to_string(report->entries) +
                                           " entries of " + std::to_string(result.entries));
  }
  result.entries = report->entries;
  result.verify_entries_per_second = static_cast<double>(report->entries) / result.verify_seconds;
  result.tree_hashes = report->tree_hashes;
  result.checkpoints = report->checkpoints;
  result.state_rows = report->state_rows;
  return Status::success();
}

// The bare loop beside step 2, in the same run.
void measure_bare_verify(VerifyBenchResult& result) {
  const crypto::KeyPair key = crypto::KeyPair::generate();
  const nodes::SignedStatement statement = sample_statement(key);
  result.bare_verify_1_thread_per_second = measure_verify_rate(key.public_key(), statement, 1);
  result.bare_verify_2_threads_per_second = measure_verify_rate(key.public_key(), statement, 2);
  result.ratio_1_thread = result.verify_entries_per_second / result.bare_verify_1_thread_per_second;
  result.ratio_2_threads =
      result.verify_entries_per_second / result.bare_verify_2_threads_per_second;
}

// Step 3. Vouchers [first, first + ids.size()) are prepared and not redeemed.
Status measure_node(VoucherNode& node, const std::vector<std::string>& ids, std::uint64_t first,
                    const VerifyBenchOptions& options, const std::filesystem::path& root,
                    VerifyBenchResult& result) {
  // Signed now: the fill and the audit took longer than a statement stays fresh.
  const std::vector<nodes::SignedStatement> statements = sign_each(
      ids.size(), [&](std::uint64_t n) { return sign_redemption(node, first + n, ids[n]); });
  std::vector<SignedRequest> requests;
  requests.reserve(statements.size());
  for (const nodes::SignedStatement& statement : statements) {
    requests.push_back({"/v1/voucher/redeem", statement});
  }
  // A log per run: the node's port is read from it.
  Result<NodeProcess> child = NodeProcess::start(options.program, node.dir, node.identity,
                                                 root / ("node-" + std::to_string(first) + ".log"));
  if (!child.ok()) return child.status();
  MemorySampler sampler(child->pid(), memory_interval);
  api::ClientOptions client;
  client.port = child->port();
  client.server_certificate_fingerprint = node.identity.tls_fingerprint;
  const Load load = send_all(client, requests, options.clients);
  sampler.stop();
  const Status stopped = child->stop();
  if (load.failures > 0) {
    return Status(Code::io_error, std::to_string(load.failures) + " of " +
                                      std::to_string(requests.size()) +
                                      " redemptions failed: " + load.first_failure);
  }
  if (!stopped.ok()) return stopped;
  result.redemptions = requests.size();
  result.clients = options.clients;
  result.redemptions_per_second = static_cast<double>(requests.size()) / load.seconds;
  result.latency_p50_ms = percentile(load.latencies_ms, 0.50);
  result.latency_p99_ms = percentile(load.latencies_ms, 0.99);
  result.memory_samples = sampler.samples();
  result.rss_peak_bytes = sampler.peak().vm_rss_bytes;
  result.rss_anon_bytes = sampler.peak().rss_anon_bytes;
  result.rss_file_bytes = sampler.peak().rss_file_bytes;
  std::error_code error;
  result.data_file_bytes = std::filesystem::file_size(node.dir.ledger_dir() / "data.mdb", error);
  if (error) return Status(Code::io_error, "cannot read the size of data.mdb: " + error.message());
  return Status::success();
}

Status run_steps(const std::filesystem::path& root, const VerifyBenchOptions& options,
                 std::vector<VerifyBenchResult>& results) {
  Result<std::unique_ptr<VoucherNode>> node = open_voucher_node(nodes::DataDir{root / "BJ"});
  if (!node.ok()) return node.status();
  VerifyBenchOptions fill_options = options;
  fill_options.redemptions = options.redemptions * options.runs;
  VerifyBenchResult filled;
  Result<std::vector<std::string>> prepared = fill(**node, fill_options, filled);
  if (!prepared.ok()) return prepared.status();
  filled.vouchers_prepared = options.redemptions;
  (*node)->service = nullptr;
  (*node)->assembled.reset();  // the audit and the node process open the ledger on their own
  for (std::size_t run = 0; run < options.runs; ++run) {
    VerifyBenchResult result = filled;
    if (!results.empty()) result.entries = results.back().entries + options.redemptions;
    say(options, "bench verify: run " + std::to_string(run + 1) + "/" +
                     std::to_string(options.runs) + ": verifying " +
                     std::to_string(result.entries) + " entries");
    if (Status s = measure_audit((*node)->dir, result); !s.ok()) return s;
    measure_bare_verify(result);
    say(options, "bench verify: starting the node, sending " + std::to_string(options.redemptions) +
                     " redemptions");
    const auto first = prepared->begin() + static_cast<std::ptrdiff_t>(run * options.redemptions);
    const std::vector<std::string> ids(first,
                                       first + static_cast<std::ptrdiff_t>(options.redemptions));
    if (Status s = measure_node(**node, ids, filled.vouchers_redeemed + run * options.redemptions,
                                options, root, result);
        !s.ok()) {
      return s;
    }
    results.push_back(std::move(result));
  }
  return Status::success();
}

}  // namespace

Result<std::vector<VerifyBenchResult>> run_verify_bench(const VerifyBenchOptions& options) {
  if (options.entries == 0 || options.entries > entries_max || options.redemptions == 0 ||
      options.redemptions > verify_redemptions_max || options.clients == 0 ||
      options.clients > verify_clients_max || options.runs == 0 || options.runs > runs_max) {
    return Status(Code::invalid_argument,
                  "entries 1–50 000 000, redemptions 1–1 000 000, clients 1–256, runs 1–20");
  }
  const std::filesystem::path root =
      options.scratch / ("bench-verify-" + std::to_string(::getpid()));
  std::error_code error;
  std::filesystem::remove_all(root, error);
  std::filesystem::create_directories(root, error);
  if (error) return Status(Code::io_error, "cannot create " + root.string());
  std::vector<VerifyBenchResult> results;
  const Status status = run_steps(root, options, results);
  std::filesystem::remove_all(root, error);
  if (!status.ok()) return status;
  return results;
}

}  // namespace innoclear::bench
