#include "bench/clear_bench.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "api/host.h"
#include "api/https.h"
#include "bench/https_load.h"
#include "bench/voucher_setup.h"
#include "clearing/rules.h"
#include "clearing/settlement.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/signed_note.h"
#include "ledger/ledger.h"
#include "nodes/federation.h"
#include "nodes/node.h"
#include "nodes/service.h"

namespace innoclear::bench {

namespace {

using Clock = std::chrono::steady_clock;
using clearing::Region;
using Rows = std::vector<std::pair<std::string, nlohmann::json>>;

constexpr std::size_t clients_max = 256;
constexpr std::uint64_t redemptions_max = 1'000'000;
constexpr std::uint64_t entries_min = 2;
constexpr std::uint64_t entries_max = 10'000'000;
constexpr std::size_t lines_min = 100;
constexpr std::uint32_t peer_timeout_ms = 5'000;         // as `innoclear node`
constexpr std::uint32_t checkpoint_interval_ms = 1'000;  // as `innoclear node`
constexpr auto watch_interval = std::chrono::milliseconds(1);
constexpr auto phase_duration_max = std::chrono::seconds(600);
constexpr std::uint64_t fill_chunk_entries = 10'000;
constexpr std::size_t ledger_map_bytes = std::size_t{16} << 30;
constexpr std::uint64_t consistency_repetitions_max = 2'000;
constexpr auto consistency_window = std::chrono::seconds(2);
constexpr int compare_repetitions = 7;
const std::string provider_id = "P-BENCH-TJ";

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// The HTTPS peer transport, counting and timing the batches of peer requests sent through it.
class TimedTransport final : public nodes::PeerTransport {
 public:
  explicit TimedTransport(std::unique_ptr<nodes::PeerTransport> inner) : inner_(std::move(inner)) {}
  Result<nodes::PeerResponse> get(Region peer, const std::string& target) override {
    return inner_->get(peer, target);
  }
  Result<nodes::PeerResponse> post(Region peer, const std::string& target,
                                   const std::string& body) override {
    if (target != nodes::peer_requests_path) return inner_->post(peer, target, body);
    const auto start = Clock::now();
    Result<nodes::PeerResponse> response = inner_->post(peer, target, body);
    post_ns += static_cast<std::uint64_t>((Clock::now() - start).count());
    post_bytes += body.size();
    ++posts;
    return response;
  }
  std::atomic<std::uint64_t> posts{0};
  std::atomic<std::uint64_t> post_ns{0};
  std::atomic<std::uint64_t> post_bytes{0};

 private:
  std::unique_ptr<nodes::PeerTransport> inner_;
};

// One region's node in a scratch directory, assembled as `innoclear node --manifest` assembles
// it (nodes::Node, api::Host), with its checkpoint signed every second.
struct BenchNode {
  Region region = Region::BJ;
  std::string code;
  nodes::DataDir dir;
  nodes::NodeIdentity identity;
  crypto::KeyPair office = crypto::KeyPair::generate();
  std::unique_ptr<nodes::Node> assembled;
  nodes::Service* service = nullptr;        // assembled's
  nodes::Federation* federation = nullptr;  // assembled's, once joined
  TimedTransport* timed = nullptr;          // assembled's transport, once joined
  // The server starts before the manifest exists (its port goes into the manifest) and serves
  // the federation from when the node joined.
  std::unique_ptr<api::Host> server;
  std::atomic<std::uint64_t> nonce{0};
  // Batches of peer requests this node answered, and their time in its routes (server side).
  std::atomic<std::uint64_t> batches_answered{0};
  std::atomic<std::uint64_t> batches_answered_us{0};

  ~BenchNode() { stop(); }
  // The federation stops before the server, so that no peer is called after its server went.
  void stop() {
    if (assembled) assembled->stop();
    if (server) server->stop();
  }
  nodes::SignedStatement sign(const crypto::KeyPair& key, const std::string& actor,
                              const std::string& kind, const nlohmann::json& body) {
    return nodes::sign_statement(key, actor, kind, body, code, nodes::system_clock_ms(),
                                 "c" + std::to_string(nonce++));
  }
  nodes::SignedStatement as_office(const std::string& kind, const nlohmann::json& body) {
    return sign(office, "office." + code, kind, body);
  }
};

Result<std::unique_ptr<BenchNode>> open_node(const std::filesystem::path& root, Region region) {
  auto node = std::make_unique<BenchNode>();
  node->region = region;
  node->code = std::string(clearing::region_code(region));
  node->dir = nodes::DataDir{root / node->code};
  Result<nodes::NodeIdentity> identity = nodes::init_data_dir(node->dir, region);
  if (!identity.ok()) return identity.status();
  node->identity = std::move(*identity);
  Result<crypto::KeyPair> office = crypto::KeyPair::load(node->dir.office_key_file());
  if (!office.ok()) return office.status();
  node->office = std::move(*office);
  nodes::NodeOptions options;
  options.service.dir = node->dir;
  options.checkpoint_interval_ms = checkpoint_interval_ms;
  Result<std::unique_ptr<nodes::Node>> assembled = nodes::Node::open(options);
  if (!assembled.ok()) return assembled.status();
  node->assembled = std::move(*assembled);
  node->service = &node->assembled->service();
  return node;
}

Status start_server(BenchNode& node, const std::string& peer_fingerprint) {
  api::HostOptions options;
  options.server.client_certificate_fingerprints.insert(peer_fingerprint);
  options.request_log = [&node](const std::string& line) {
    if (line.find("\"route\":\"/v1/peer/requests\"") == std::string::npos) return;
    const nlohmann::json logged = nlohmann::json::parse(line, nullptr, false);
    if (!logged.is_object()) return;
    node.batches_answered_us += logged.value("latency_us", std::uint64_t{0});
    ++node.batches_answered;
  };
  Result<std::unique_ptr<api::Host>> server = api::Host::start(*node.assembled, options);
  if (!server.ok()) return server.status();
  node.server = std::move(*server);
  return Status::success();
}

nodes::Manifest manifest_of(const std::vector<BenchNode*>& members) {
  nodes::Manifest manifest;
  for (const BenchNode* node : members) {
    manifest.members.push_back({node->region,
                                std::string(clearing::region_name(node->region)),
                                "https://127.0.0.1:" + std::to_string(node->server->port()),
                                node->identity.public_key,
                                node->office.public_key(),
                                node->identity.tls_fingerprint,
                                {clearing::all_regions.begin(), clearing::all_regions.end()}});
  }
  return manifest;
}

Status join(BenchNode& node, const nodes::Manifest& manifest) {
  const nodes::TransportFactory https = api::https_peer_transport(peer_timeout_ms);
  const nodes::TransportFactory timed =
      [&https](const nodes::Manifest& members,
               const nodes::DataDir& dir) -> Result<std::unique_ptr<nodes::PeerTransport>> {
    Result<std::unique_ptr<nodes::PeerTransport>> inner = https(members, dir);
    if (!inner.ok()) return inner.status();
    return std::unique_ptr<nodes::PeerTransport>(
        std::make_unique<TimedTransport>(std::move(*inner)));
  };
  nodes::FederationOptions options;
  options.witness_dir = node.dir.root / "witness";
  if (Status s = node.assembled->join(manifest, timed, options); !s.ok()) return s;
  node.federation = node.assembled->federation();
  node.timed = static_cast<TimedTransport*>(node.assembled->transport());
  node.server->serve_federation();
  return Status::success();
}

// BJ and TJ, federated, each signing a checkpoint every second, as a node process does.
struct Pair {
  std::unique_ptr<BenchNode> home;                               // BJ
  std::unique_ptr<BenchNode> provider;                           // TJ
  crypto::KeyPair enterprise_key = crypto::KeyPair::generate();  // every bench enterprise's
  crypto::KeyPair provider_key = crypto::KeyPair::generate();

  // Both federations stop before either server, so that no peer is called after its server went.
  ~Pair() {
    for (BenchNode* node : {home.get(), provider.get()}) {
      if (node != nullptr && node->assembled) node->assembled->stop();
    }
    for (BenchNode* node : {home.get(), provider.get()}) {
      if (node != nullptr) node->stop();
    }
  }
  void start() {
    home->assembled->start();
    provider->assembled->start();
  }
};

Result<std::unique_ptr<Pair>> federate(const std::filesystem::path& root) {
  auto pair = std::make_unique<Pair>();
  Result<std::unique_ptr<BenchNode>> home = open_node(root, Region::BJ);
  if (!home.ok()) return home.status();
  pair->home = std::move(*home);
  Result<std::unique_ptr<BenchNode>> provider = open_node(root, Region::TJ);
  if (!provider.ok()) return provider.status();
  pair->provider = std::move(*provider);
  BenchNode& bj = *pair->home;
  BenchNode& tj = *pair->provider;
  if (Status s = start_server(bj, tj.identity.tls_fingerprint); !s.ok()) return s;
  if (Status s = start_server(tj, bj.identity.tls_fingerprint); !s.ok()) return s;
  const nodes::Manifest manifest = manifest_of({&bj, &tj});
  if (Status s = join(bj, manifest); !s.ok()) return s;
  if (Status s = join(tj, manifest); !s.ok()) return s;
  return pair;
}

// BJ's policy (TJ's providers funded, the highest yearly count per enterprise), budget and
// enterprises; TJ's provider.
Status register_parties(Pair& pair, std::uint64_t enterprises) {
  BenchNode& bj = *pair.home;
  BenchNode& tj = *pair.provider;
  const std::string enterprise_key = crypto::encode_public_key(pair.enterprise_key.public_key());
  std::vector<nodes::SignedStatement> home = {
      bj.as_office("policy.set", {{"accepted_regions", {"BJ", "TJ"}},
                                  {"categories", {"testing"}},
                                  {"face_cap", 500'000},
                                  {"ratio_bp", 5'000},
                                  {"validity_days", 365},
                                  {"yearly_amount_max", INT64_MAX / 4},
                                  {"yearly_count_max", vouchers_per_enterprise}}),
      bj.as_office("budget.allocate",
                   {{"amount", INT64_MAX / 4},
                    {"year", clearing::shanghai_year(nodes::system_clock_ms())}})};
  for (std::uint64_t e = 0; e < enterprises; ++e) {
    home.push_back(bj.as_office("actor.register", {{"id", bench_credit_code(e)},
                                                   {"name", "bench enterprise"},
                                                   {"role", "enterprise"},
                                                   {"key", enterprise_key}}));
  }
  if (auto done = submit_all(*bj.service, home); !done.ok()) return done.status();
  const std::vector<nodes::SignedStatement> provider = {tj.as_office(
      "actor.register", {{"categories", {"testing"}},
                         {"id", provider_id},
                         {"name", "bench lab"},
                         {"key", crypto::encode_public_key(pair.provider_key.public_key())},
                         {"role", "provider"}})};
  return submit_all(*tj.service, provider).status();
}

// Registers the parties and issues `count` vouchers at BJ, each with a receipt of TJ's provider
// for the voucher's enterprise; returns the voucher ids. Voucher i belongs to enterprise
// i / vouchers_per_enterprise; its receipt is "C<i>".
Result<std::vector<std::string>> prepare_vouchers(Pair& pair, std::uint64_t count) {
  BenchNode& bj = *pair.home;
  BenchNode& tj = *pair.provider;
  if (Status s = register_parties(pair, enterprises_for(count)); !s.ok()) return s;
  const auto enterprise_of = [](std::uint64_t i) {
    return bench_credit_code(i / vouchers_per_enterprise);
  };
  const auto id = [](std::uint64_t i) { return "C" + std::to_string(i); };
  const std::string hash(64, 'e');
  const auto apply = [&](std::uint64_t i) {
    return bj.sign(pair.enterprise_key, enterprise_of(i), "voucher.apply",
                   {{"application_id", id(i)}, {"category", "testing"}, {"face", 500'000}});
  };
  const auto approve = [&](std::uint64_t i) {
    return bj.as_office("voucher.approve",
                        {{"application_id", id(i)}, {"enterprise", enterprise_of(i)}});
  };
  const auto receipt = [&](std::uint64_t i) {
    return tj.sign(pair.provider_key, provider_id, "receipt.record",
                   {{"category", "testing"},
                    {"contract_sha256", hash},
                    {"enterprise", enterprise_of(i)},
                    {"invoice_sha256", hash},
                    {"paid", 800'000},
                    {"payment_ref", "PAY"},
                    {"payment_sha256", hash},
                    {"price", 800'000},
                    {"receipt_id", id(i)}});
  };
  if (auto applied = submit_all(*bj.service, sign_each(count, apply)); !applied.ok()) {
    return applied.status();
  }
  Result<std::vector<nlohmann::json>> approved = submit_all(*bj.service, sign_each(count, approve));
  if (!approved.ok()) return approved.status();
  if (auto recorded = submit_all(*tj.service, sign_each(count, receipt)); !recorded.ok()) {
    return recorded.status();
  }
  std::vector<std::string> ids;
  for (const nlohmann::json& result : *approved) {
    ids.push_back(result["voucher"]["id"].get<std::string>());
  }
  return ids;
}

// Voucher.redeem statements for vouchers [first, first + count), each asking TJ's provider.
std::vector<nodes::SignedStatement> sign_redemptions(Pair& pair,
                                                     const std::vector<std::string>& ids,
                                                     std::uint64_t first, std::uint64_t count) {
  return sign_each(count, [&](std::uint64_t n) {
    const std::uint64_t i = first + n;
    return pair.home->sign(pair.enterprise_key, bench_credit_code(i / vouchers_per_enterprise),
                           "voucher.redeem",
                           {{"provider", provider_id},
                            {"provider_region", "TJ"},
                            {"receipt_id", "C" + std::to_string(i)},
                            {"voucher_id", ids[i]}});
  });
}

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

Counters counters_of(Pair& pair) {
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
Status run_saturated(Pair& pair, const api::ClientOptions& client,
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

// Phase 2: open loop at `rate`; a watcher reads each accepted voucher's state every millisecond
// until it is "redeemed".
Status run_paced(Pair& pair, const api::ClientOptions& client, const std::vector<std::string>& ids,
                 std::uint64_t first, const std::vector<nodes::SignedStatement>& requests,
                 std::size_t clients, double rate, ClearBenchResult& result) {
  struct Watched {
    std::size_t index;
    Clock::time_point due;
  };
  std::mutex mutex;
  std::vector<Watched> incoming;
  RedeemLoad load;
  const auto start = Clock::now() + std::chrono::milliseconds(10);  // every client is connected
  std::thread sender([&] {
    send_redemptions(
        client, requests, clients, start, rate,
        [&](std::size_t index, Clock::time_point due) {
          std::lock_guard lock(mutex);
          incoming.push_back({index, due});
        },
        load);
  });
  std::vector<Watched> watching;
  std::vector<double> latencies_ms;
  std::uint64_t released = 0;  // refused by TJ: the voucher is live again
  Clock::time_point last = start;
  Status failure;
  while (failure.ok()) {
    std::this_thread::sleep_for(watch_interval);
    const bool sent_all = load.done;
    {
      std::lock_guard lock(mutex);
      watching.insert(watching.end(), incoming.begin(), incoming.end());
      incoming.clear();
    }
    std::vector<Watched> still;
    for (const Watched& item : watching) {
      Result<std::optional<nlohmann::json>> voucher =
          pair.home->service->state(clearing::Table::vouchers, ids[first + item.index]);
      const auto now = Clock::now();
      if (!voucher.ok()) failure = voucher.status();
      const std::string status =
          voucher.ok() && voucher->has_value() ? (**voucher).value("status", "") : "";
      if (status == "redeemed") {
        latencies_ms.push_back(ms_between(item.due, now));
        last = now;
      } else if (status == "live") {
        ++released;
      } else {
        still.push_back(item);
      }
    }
    watching = std::move(still);
    if (sent_all && watching.empty()) break;
    if (Clock::now() - start > phase_duration_max) {
      failure = Status(Code::io_error, std::to_string(watching.size()) +
                                           " redemptions still pending after " +
                                           std::to_string(phase_duration_max.count()) + " s");
    }
  }
  sender.join();
  if (!failure.ok()) return failure;
  if (load.failures > 0) return failed_load(load, "half load");
  if (released > 0)
    return Status(Code::io_error, std::to_string(released) + " redemptions were refused by TJ");
  result.paced_redemptions = requests.size();
  result.paced_offered_per_second = rate;
  result.paced_achieved_per_second =
      static_cast<double>(requests.size()) / (ms_between(start, last) / 1000);
  result.latency_p50_ms = percentile(latencies_ms, 0.50);
  result.latency_p99_ms = percentile(latencies_ms, 0.99);
  result.accept_p50_ms = percentile(load.accept_ms, 0.50);
  result.accept_p99_ms = percentile(load.accept_ms, 0.99);
  return Status::success();
}

Status run_federation(const std::filesystem::path& root, const ClearBenchOptions& options,
                      ClearBenchResult& result) {
  Result<std::unique_ptr<Pair>> pair = federate(root);
  if (!pair.ok()) return pair.status();
  BenchNode& bj = *(*pair)->home;
  const std::uint64_t paced = std::max<std::uint64_t>(1, options.redemptions / 2);
  Result<std::vector<std::string>> ids = prepare_vouchers(**pair, options.redemptions + paced);
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

// Appends synthetic entries [begin, end) durably, leaf-hashed on two threads, one commit per chunk.
// The entries' content does not matter to a consistency proof, so they are small and unsigned.
Status fill(ledger::Ledger& ledger, std::uint64_t begin, std::uint64_t end) {
  for (std::uint64_t chunk = begin; chunk < end; chunk += fill_chunk_entries) {
    const std::uint64_t chunk_end = std::min(end, chunk + fill_chunk_entries);
    const std::uint64_t middle = chunk + (chunk_end - chunk) / 2;
    std::vector<ledger::PreparedEntry> halves[2];
    Status failures[2];
    const auto prepare = [&](int half, std::uint64_t from, std::uint64_t to) {
      for (std::uint64_t i = from; i < to; ++i) {
        Result<ledger::PreparedEntry> entry = ledger::prepare_entry(crypto::canonical_dump(
            {{"amount_fen", 100 + i % 500'000}, {"index", i}, {"kind", "bench.filler"}}));
        if (!entry.ok()) {
          failures[half] = entry.status();
          return;
        }
        halves[half].push_back(std::move(*entry));
      }
    };
    std::thread helper(prepare, 0, chunk, middle);
    prepare(1, middle, chunk_end);
    helper.join();
    for (const Status& s : failures) {
      if (!s.ok()) return s;
    }
    Status appended = ledger.run([&halves](ledger::Batch& batch) -> Status {
      for (const auto& half : halves) {
        for (const ledger::PreparedEntry& entry : half) {
          if (Result<std::uint64_t> index = batch.append(entry); !index.ok()) return index.status();
        }
      }
      return Status::success();
    });
    if (!appended.ok()) return appended;
  }
  return Status::success();
}

Result<ledger::CheckpointBody> open_checkpoint(std::string_view note,
                                               std::span<const crypto::NoteVerifier> known) {
  Result<crypto::OpenedNote> opened = crypto::open_note(note, known);
  if (!opened.ok()) return opened.status();
  return ledger::parse_checkpoint_body(opened->text);
}

// One check, as a peer's witness makes it: the proof from the ledger, then both notes opened and
// the proof verified against their roots. Adds the two parts' microseconds to the samples.
Status check_once(const ledger::Ledger& ledger, std::uint64_t first, std::uint64_t second,
                  const std::string& first_note, const std::string& second_note,
                  std::span<const crypto::NoteVerifier> known, std::vector<double>& prove_us,
                  std::vector<double>& verify_us, std::uint64_t& proof_hashes) {
  const auto start = Clock::now();
  Result<ledger::ConsistencyProof> proof = [&]() -> Result<ledger::ConsistencyProof> {
    Result<ledger::ReadView> view = ledger.view();
    if (!view.ok()) return view.status();
    return view->prove_consistency(first, second);
  }();
  if (!proof.ok()) return proof.status();
  const auto proved = Clock::now();
  Result<ledger::CheckpointBody> older = open_checkpoint(first_note, known);
  Result<ledger::CheckpointBody> newer = open_checkpoint(second_note, known);
  if (!older.ok()) return older.status();
  if (!newer.ok()) return newer.status();
  if (older->size != first || newer->size != second ||
      !ledger::verify_consistency(first, second, older->root, newer->root, proof->hashes)) {
    return Status(Code::verify_failed, "the consistency proof does not verify");
  }
  const auto verified = Clock::now();
  prove_us.push_back(ms_between(start, proved) * 1000);
  verify_us.push_back(ms_between(proved, verified) * 1000);
  proof_hashes = proof->hashes.size();
  return Status::success();
}

Status run_consistency(const std::filesystem::path& directory, std::uint64_t entries,
                       ClearBenchResult& result) {
  const crypto::KeyPair key = crypto::KeyPair::generate();
  ledger::Options options;
  options.directory = directory;
  options.origin = "innoclear.bench";
  options.checkpoint_key = &key;
  options.map_bytes = ledger_map_bytes;
  Result<std::unique_ptr<ledger::Ledger>> ledger = ledger::Ledger::open(options);
  if (!ledger.ok()) return ledger.status();
  const std::uint64_t first = entries / 2;
  const auto fill_start = Clock::now();
  if (Status s = fill(**ledger, 0, first); !s.ok()) return s;
  Result<std::string> first_note = (*ledger)->sign_checkpoint();
  if (!first_note.ok()) return first_note.status();
  if (Status s = fill(**ledger, first, entries); !s.ok()) return s;
  Result<std::string> second_note = (*ledger)->sign_checkpoint();
  if (!second_note.ok()) return second_note.status();
  result.entries = entries;
  result.fill_entries_per_second =
      static_cast<double>(entries) / (ms_between(fill_start, Clock::now()) / 1000);
  result.first_size = first;
  result.second_size = entries;
  const crypto::NoteVerifier known[] = {
      crypto::make_note_verifier(options.origin, key.public_key())};
  std::vector<double> prove_us;
  std::vector<double> verify_us;
  const auto start = Clock::now();
  while (prove_us.size() < consistency_repetitions_max &&
         Clock::now() - start < consistency_window) {
    if (Status s = check_once(**ledger, first, entries, *first_note, *second_note, known, prove_us,
                              verify_us, result.proof_hashes);
        !s.ok()) {
      return s;
    }
  }
  std::vector<double> total_us(prove_us.size());
  for (std::size_t i = 0; i < total_us.size(); ++i) total_us[i] = prove_us[i] + verify_us[i];
  result.consistency_repetitions = prove_us.size();
  result.prove_us = percentile(prove_us, 0.5);
  result.verify_us = percentile(verify_us, 0.5);
  result.consistency_us = percentile(total_us, 0.5);
  return Status::success();
}

clearing::ObligationLine line_of(std::uint64_t i) {
  char id[32];
  std::snprintf(id, sizeof id, "BJ-R%09llu", static_cast<unsigned long long>(i));
  return {id,
          i % 2 == 0 ? clearing::Way::pay_first : clearing::Way::provider,
          Region::BJ,
          Region::TJ,
          "BJ-V" + std::to_string(i),
          bench_credit_code(i % 1000),
          provider_id,
          static_cast<std::int64_t>(100 + i % 400'000),
          i};
}

// Two statements of `lines` lines agreeing but for nine planted differences, one of each kind
// and more: two lines only here, two only there, one listed twice here, one twice there, two
// amounts and one party that differ. Returns the number planted.
std::uint64_t plant(std::size_t lines, std::vector<clearing::ObligationLine>& mine,
                    std::vector<clearing::ObligationLine>& theirs) {
  for (std::uint64_t i = 0; i < lines; ++i) mine.push_back(line_of(i));
  theirs = mine;
  for (auto& line : theirs) line.index += 7;  // their ledger's own indexes: not compared
  const std::size_t step = lines / 10;
  theirs[step * 1].amount += 1;
  theirs[step * 2].amount -= 1;
  theirs[step * 3].provider = "P-OTHER";
  theirs.push_back(theirs[step * 4]);
  mine.push_back(mine[step * 5]);
  theirs.push_back(line_of(lines));
  theirs.push_back(line_of(lines + 1));
  theirs.erase(theirs.begin() + static_cast<std::ptrdiff_t>(step * 7));
  theirs.erase(theirs.begin() + static_cast<std::ptrdiff_t>(step * 6));
  std::mt19937_64 random(20260901);  // input order does not matter to the comparison
  std::shuffle(mine.begin(), mine.end(), random);
  std::shuffle(theirs.begin(), theirs.end(), random);
  return 9;
}

void run_statements(std::size_t lines, ClearBenchResult& result) {
  std::vector<clearing::ObligationLine> mine;
  std::vector<clearing::ObligationLine> theirs;
  result.lines = lines;
  result.differences_planted = plant(lines, mine, theirs);
  std::vector<double> samples_ms;
  for (int i = 0; i < compare_repetitions; ++i) {
    const auto start = Clock::now();
    const std::vector<clearing::Difference> differences =
        clearing::compare_statements(mine, theirs);
    samples_ms.push_back(ms_between(start, Clock::now()));
    result.differences_found = differences.size();
  }
  result.compare_ms = percentile(samples_ms, 0.5);
}

}  // namespace

Result<ClearBenchResult> run_clear_bench(const ClearBenchOptions& options) {
  if (options.clients == 0 || options.clients > clients_max || options.redemptions == 0 ||
      options.redemptions > redemptions_max || options.entries < entries_min ||
      options.entries > entries_max || options.lines < lines_min ||
      options.lines > clearing::statement_lines_max) {
    return Status(
        Code::invalid_argument,
        "clients 1–256, redemptions 1–1 000 000, entries 2–10 000 000, lines 100–1 000 000");
  }
  const std::filesystem::path root =
      options.scratch / ("bench-clear-" + std::to_string(::getpid()));
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
  ClearBenchResult result;
  Status status = run_federation(root, options, result);
  if (status.ok()) status = run_consistency(root / "ledger", options.entries, result);
  if (status.ok()) run_statements(options.lines, result);
  std::filesystem::remove_all(root, ignored);
  if (!status.ok()) return status;
  return result;
}

}  // namespace innoclear::bench
