// Phase 1 of `innoclear bench clear`: cross-region pay-first redemptions end to end between BJ
// and TJ (bench/clear_pair.h), first saturated, then open loop at half the saturated rate.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/https.h"
#include "bench/clear_pair.h"
#include "bench/clear_phases.h"
#include "bench/https_load.h"
#include "ledger/ledger.h"

namespace innoclear::bench {

namespace {

using Rows = std::vector<std::pair<std::string, nlohmann::json>>;

constexpr auto watch_interval = std::chrono::milliseconds(1);
constexpr auto phase_duration_max = std::chrono::seconds(600);

// What C clients saw sending redemptions to BJ, each on its own keep-alive connection.
struct RedeemLoad {
  std::vector<double> accept_ms;  // per request: from when it was due to BJ's response
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> accepted{0};  // pending responses received
  std::mutex mutex;
  std::string first_failure;
  std::atomic<bool> done{false};
  Clock::time_point finished;
};

using OnAccepted = std::function<void(std::size_t index, Clock::time_point due)>;

// Sends request i when it is due (start + i / rate; as soon as possible when rate is 0).
void send_redemptions(const api::ClientOptions& client_options,
                      const std::vector<nodes::SignedStatement>& requests, std::size_t clients,
                      Clock::time_point start, double rate_per_second,
                      const OnAccepted& on_accepted, RedeemLoad& load) {
  load.accept_ms.resize(requests.size());
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      api::HttpsClient client(client_options);
      for (std::size_t i = c; i < requests.size(); i += clients) {
        Clock::time_point due = Clock::now();
        if (rate_per_second > 0) {
          due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                            static_cast<double>(i) / rate_per_second));
          std::this_thread::sleep_until(due);
        }
        Result<api::HttpResponse> response =
            client.request("POST", "/v1/voucher/redeem", requests[i].bytes,
                           {{"Innoclear-Signature", requests[i].signature_base64}});
        load.accept_ms[i] = ms_between(due, Clock::now());
        ++load.accepted;
        if (response.ok() && response->status == 200) {
          if (on_accepted) on_accepted(i, due);
        } else if (load.failures++ == 0) {
          std::lock_guard lock(load.mutex);
          load.first_failure = response.ok() ? response->body : response.status().to_string();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  load.finished = Clock::now();
  load.done = true;
}

struct PeerProgress {
  std::uint64_t delivered = 0;  // answers recorded
};

PeerProgress progress_to(const nodes::Federation& federation, const std::string& peer) {
  const nlohmann::json status = federation.status();
  const auto peers = status.find("peers");
  if (peers == status.end() || !peers->is_object() || !peers->contains(peer)) return {};
  const nlohmann::json& state = (*peers)[peer];
  return {state.value("delivered", std::uint64_t{0})};
}

Status failed_load(RedeemLoad& load, const char* phase) {
  std::lock_guard lock(load.mutex);
  return Status(Code::io_error, std::to_string(load.failures) + " redemptions failed (" + phase +
                                    "): " + load.first_failure);
}

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// The counters phase 1 reports as differences between its end and its start.
struct Counters {
  std::uint64_t delivered = 0;
  std::uint64_t posts = 0;
  std::uint64_t post_ns = 0;
  std::uint64_t post_bytes = 0;
  std::uint64_t answered = 0;
  std::uint64_t answered_us = 0;
  ledger::WriterStats home;
  ledger::WriterStats provider;
  double cpu_seconds = 0;
};

Counters counters_of(FederatedPair& pair) {
  BenchNode& bj = *pair.home;
  BenchNode& tj = *pair.provider;
  return {progress_to(*bj.federation, "TJ").delivered,
          bj.timed->posts,
          bj.timed->post_ns,
          bj.timed->post_bytes,
          tj.batches_answered,
          tj.batches_answered_us,
          bj.service->ledger().writer_stats(),
          tj.service->ledger().writer_stats(),
          cpu_seconds()};
}

double per(double total, std::uint64_t count) {
  return count == 0 ? 0 : total / static_cast<double>(count);
}

// Where phase 1's time went, from the counters at its start and end.
void explain_saturated(const Counters& before, const Counters& after, ClearBenchResult& result) {
  const std::uint64_t posts = after.posts - before.posts;
  const double post_seconds = static_cast<double>(after.post_ns - before.post_ns) / 1e9;
  result.peer_posts = posts;
  result.peer_batch_mean = per(static_cast<double>(after.delivered - before.delivered), posts);
  result.peer_post_ms_mean = per(post_seconds * 1000, posts);
  result.peer_post_bytes_mean =
      per(static_cast<double>(after.post_bytes - before.post_bytes), posts);
  result.peer_answer_ms_mean =
      per(static_cast<double>(after.answered_us - before.answered_us) / 1000,
          after.answered - before.answered);
  result.sender_outside_post_seconds = result.seconds - post_seconds;
  result.home_commits = after.home.commits - before.home.commits;
  result.home_commit_ms_mean = per(
      static_cast<double>(after.home.commit_ns - before.home.commit_ns) / 1e6, result.home_commits);
  result.provider_commits = after.provider.commits - before.provider.commits;
  result.provider_commit_ms_mean =
      per(static_cast<double>(after.provider.commit_ns - before.provider.commit_ns) / 1e6,
          result.provider_commits);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  result.cpu_busy_fraction = (after.cpu_seconds - before.cpu_seconds) / (result.seconds * cores);
}

// Phase 1: all redemptions as fast as BJ takes them; done when BJ has recorded every answer.
Status run_saturated(FederatedPair& pair, const api::ClientOptions& client,
                     const std::vector<nodes::SignedStatement>& requests, std::size_t clients,
                     ClearBenchResult& result) {
  BenchNode& bj = *pair.home;
  const Counters before = counters_of(pair);
  RedeemLoad load;
  const auto start = Clock::now();
  std::thread sender([&] { send_redemptions(client, requests, clients, start, 0, {}, load); });
  bool scanned = false;
  PeerProgress progress;
  while (true) {
    progress = progress_to(*bj.federation, "TJ");
    // Rows waiting in BJ's outbox: locks taken whose answers are not recorded yet.
    const std::uint64_t answered = progress.delivered - before.delivered;
    result.outbox_peak =
        std::max(result.outbox_peak, load.accepted > answered ? load.accepted - answered : 0);
    if (progress.delivered - before.delivered >= requests.size()) break;
    if (load.done && load.failures > 0) break;
    if (Clock::now() - start > phase_duration_max) break;
    if (load.done && !scanned) {  // the backlog is about its largest now
      scanned = true;
      const auto scan_start = Clock::now();
      Result<Rows> rows = bj.service->scan(clearing::Table::outbox, "");
      if (rows.ok()) result.scan_rows = rows->size();
      result.scan_ms = ms_between(scan_start, Clock::now());
    }
    std::this_thread::sleep_for(watch_interval);
  }
  const auto end = Clock::now();
  const Counters after = counters_of(pair);
  sender.join();
  if (load.failures > 0) return failed_load(load, "saturated");
  const std::uint64_t delivered = progress.delivered - before.delivered;
  if (delivered < requests.size()) {
    return Status(Code::io_error, "BJ recorded " + std::to_string(delivered) + " of " +
                                      std::to_string(requests.size()) + " answers in " +
                                      std::to_string(phase_duration_max.count()) + " s");
  }
  result.seconds = ms_between(start, end) / 1000;
  result.redemptions_per_second = static_cast<double>(requests.size()) / result.seconds;
  result.accepted_per_second =
      static_cast<double>(requests.size()) / (ms_between(start, load.finished) / 1000);
  explain_saturated(before, after, result);
  return Status::success();
}

// Counts the vouchers among `ids` that are not "redeemed" at BJ.
Result<std::uint64_t> not_redeemed(BenchNode& bj, const std::vector<std::string>& ids,
                                   std::uint64_t first, std::uint64_t count) {
  std::uint64_t missing = 0;
  for (std::uint64_t i = first; i < first + count; ++i) {
    Result<std::optional<nlohmann::json>> voucher =
        bj.service->state(clearing::Table::vouchers, ids[i]);
    if (!voucher.ok()) return voucher.status();
    if (!voucher->has_value() || (**voucher).value("status", "") != "redeemed") ++missing;
  }
  return missing;
}

// The vouchers BJ accepted during phase 2, watched until each is seen "redeemed".
class Watcher {
 public:
  explicit Watcher(Clock::time_point start) : last_(start) {}

  // BJ answered "pending" for request `index`, due at `due`. Thread-safe.
  void accepted(std::size_t index, Clock::time_point due) {
    std::lock_guard lock(mutex_);
    incoming_.push_back({index, due});
  }

  // One look at every voucher accepted so far: the redeemed ones leave with their latency, the
  // live ones (refused by TJ) leave counted. A failed read keeps its voucher watched and is
  // returned once every voucher has been looked at.
  Status look(BenchNode& bj, const std::vector<std::string>& ids, std::uint64_t first) {
    {
      std::lock_guard lock(mutex_);
      watching_.insert(watching_.end(), incoming_.begin(), incoming_.end());
      incoming_.clear();
    }
    Status failure;
    std::vector<Watched> still;
    for (const Watched& item : watching_) {
      Result<std::optional<nlohmann::json>> voucher =
          bj.service->state(clearing::Table::vouchers, ids[first + item.index]);
      const auto now = Clock::now();
      if (!voucher.ok()) failure = voucher.status();
      const std::string status =
          voucher.ok() && voucher->has_value() ? (**voucher).value("status", "") : "";
      if (status == "redeemed") {
        latencies_ms_.push_back(ms_between(item.due, now));
        last_ = now;
      } else if (status == "live") {
        ++released_;
      } else {
        still.push_back(item);
      }
    }
    watching_ = std::move(still);
    return failure;
  }

  std::size_t pending() const { return watching_.size(); }
  std::uint64_t released() const { return released_; }
  const std::vector<double>& latencies_ms() const { return latencies_ms_; }
  Clock::time_point last() const { return last_; }

 private:
  struct Watched {
    std::size_t index;
    Clock::time_point due;
  };
  std::mutex mutex_;
  std::vector<Watched> incoming_;  // accepted by BJ, handed over by the clients (under mutex_)
  std::vector<Watched> watching_;
  std::vector<double> latencies_ms_;  // intended send → seen "redeemed"
  std::uint64_t released_ = 0;        // refused by TJ: the voucher is live again
  Clock::time_point last_;            // the last voucher seen "redeemed"
};

// Looks every millisecond until every request was sent and no accepted voucher is pending, a
// read fails, or phase_duration_max has passed.
Status watch_until_redeemed(Watcher& watcher, BenchNode& bj, const std::vector<std::string>& ids,
                            std::uint64_t first, const RedeemLoad& load, Clock::time_point start) {
  Status failure;
  while (failure.ok()) {
    std::this_thread::sleep_for(watch_interval);
    const bool sent_all = load.done;  // read before looking, so no acceptance is missed
    failure = watcher.look(bj, ids, first);
    if (sent_all && watcher.pending() == 0) break;
    if (Clock::now() - start > phase_duration_max) {
      failure = Status(Code::io_error, std::to_string(watcher.pending()) +
                                           " redemptions still pending after " +
                                           std::to_string(phase_duration_max.count()) + " s");
    }
  }
  return failure;
}

// Phase 2's figures: the rate offered and achieved, and the latencies to "redeemed" and to BJ's
// "pending" response.
void record_paced(const Watcher& watcher, const RedeemLoad& load, std::size_t redemptions,
                  double rate, Clock::time_point start, ClearBenchResult& result) {
  result.paced_redemptions = redemptions;
  result.paced_offered_per_second = rate;
  result.paced_achieved_per_second =
      static_cast<double>(redemptions) / (ms_between(start, watcher.last()) / 1000);
  result.latency_p50_ms = percentile(watcher.latencies_ms(), 0.50);
  result.latency_p99_ms = percentile(watcher.latencies_ms(), 0.99);
  result.accept_p50_ms = percentile(load.accept_ms, 0.50);
  result.accept_p99_ms = percentile(load.accept_ms, 0.99);
}

// Phase 2: open loop at `rate`; a watcher reads each accepted voucher's state every millisecond
// until it is "redeemed".
Status run_paced(FederatedPair& pair, const api::ClientOptions& client,
                 const std::vector<std::string>& ids, std::uint64_t first,
                 const std::vector<nodes::SignedStatement>& requests, std::size_t clients,
                 double rate, ClearBenchResult& result) {
  RedeemLoad load;
  const auto start = Clock::now() + std::chrono::milliseconds(10);  // every client is connected
  Watcher watcher(start);
  std::thread sender([&] {
    send_redemptions(
        client, requests, clients, start, rate,
        [&watcher](std::size_t index, Clock::time_point due) { watcher.accepted(index, due); },
        load);
  });
  const Status watched = watch_until_redeemed(watcher, *pair.home, ids, first, load, start);
  sender.join();
  if (!watched.ok()) return watched;
  if (load.failures > 0) return failed_load(load, "half load");
  if (watcher.released() > 0) {
    return Status(Code::io_error,
                  std::to_string(watcher.released()) + " redemptions were refused by TJ");
  }
  record_paced(watcher, load, requests.size(), rate, start, result);
  return Status::success();
}

}  // namespace

Status run_federation(const std::filesystem::path& root, const ClearBenchOptions& options,
                      ClearBenchResult& result) {
  Result<std::unique_ptr<FederatedPair>> pair = federate(root);
  if (!pair.ok()) return pair.status();
  BenchNode& bj = *(*pair)->home;
  const std::uint64_t paced = std::max<std::uint64_t>(1, options.redemptions / 2);
  Result<std::vector<std::string>> ids = prepare_pair_vouchers(**pair, options.redemptions + paced);
  if (!ids.ok()) return ids.status();
  api::ClientOptions client;
  client.port = bj.server->port();
  client.server_certificate_fingerprint = bj.identity.tls_fingerprint;
  (*pair)->start();
  result.redemptions = options.redemptions;
  result.clients = options.clients;
  if (Status s =
          run_saturated(**pair, client, sign_redemptions(**pair, *ids, 0, options.redemptions),
                        options.clients, result);
      !s.ok()) {
    return s;
  }
  Result<std::uint64_t> missing = not_redeemed(bj, *ids, 0, options.redemptions);
  if (!missing.ok()) return missing.status();
  if (*missing > 0) {
    return Status(Code::io_error, std::to_string(*missing) + " of " +
                                      std::to_string(options.redemptions) +
                                      " vouchers are not redeemed after every answer was recorded");
  }
  return run_paced(**pair, client, *ids, options.redemptions,
                   sign_redemptions(**pair, *ids, options.redemptions, paced), options.clients,
                   result.redemptions_per_second / 2, result);
}

}  // namespace innoclear::bench
