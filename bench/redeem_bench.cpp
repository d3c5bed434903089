#include "bench/redeem_bench.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "api/https.h"
#include "api/routes.h"
#include "clearing/credit_code.h"
#include "clearing/rules.h"
#include "crypto/encoding.h"
#include "nodes/service.h"

namespace innoclear::bench {

namespace {

constexpr std::uint64_t vouchers_per_enterprise = 1000;  // the policy's yearly count ceiling
constexpr std::size_t clients_max = 256;
constexpr std::uint64_t redemptions_max = 1'000'000;
constexpr auto verify_window = std::chrono::milliseconds(500);

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Bare libsodium verification on both cores: V.
double measure_verify_rate() {
  const crypto::KeyPair key = crypto::KeyPair::generate();
  const std::string message(300, 'm');
  const crypto::Signature signature = key.sign(message);
  std::atomic<std::uint64_t> done{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (Clock::now() - start < verify_window) {
        for (int i = 0; i < 64; ++i) {
          if (crypto::verify(key.public_key(), message, signature)) done++;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return static_cast<double>(done) / seconds_since(start);
}

struct Load {
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::uint64_t failures = 0;
  std::string first_failure;
};

// Sends `requests` from `clients` threads, each on its own keep-alive connection.
Load send_all(const api::ClientOptions& client_options,
              const std::vector<std::pair<std::string, nodes::SignedStatement>>& requests,
              std::size_t clients) {
  Load load;
  load.latencies_ms.resize(requests.size());
  std::atomic<std::uint64_t> failures{0};
  std::mutex failure_mutex;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      api::HttpsClient client(client_options);
      for (std::size_t i = c; i < requests.size(); i += clients) {
        const auto& [target, statement] = requests[i];
        const auto sent = Clock::now();
        Result<api::HttpResponse> response = client.request(
            "POST", target, statement.bytes, {{"Innoclear-Signature", statement.signature_base64}});
        load.latencies_ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
        if (!response.ok() || response->status != 200) {
          if (failures++ == 0) {
            std::lock_guard lock(failure_mutex);
            load.first_failure = response.ok() ? response->body : response.status().to_string();
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  load.seconds = seconds_since(start);
  load.failures = failures;
  return load;
}

double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(fraction * static_cast<double>(values.size())))];
}

std::string credit_code(std::uint64_t n) {
  std::string first = "91110000MA" + std::to_string(1'000'000 + n).substr(0, 7);
  return first + clearing::credit_code_check_character(first);
}

}  // namespace

namespace {

struct Setup {
  std::unique_ptr<nodes::Service> service;
  crypto::KeyPair office = crypto::KeyPair::generate();
  crypto::KeyPair provider = crypto::KeyPair::generate();
  crypto::KeyPair enterprise = crypto::KeyPair::generate();  // one key for every bench enterprise
  std::atomic<std::uint64_t> nonce{0};

  nodes::SignedStatement sign(const crypto::KeyPair& key, const std::string& actor,
                              const std::string& kind, const nlohmann::json& body) {
    return nodes::sign_statement(key, actor, kind, body, "BJ", nodes::system_clock_ms(),
                                 "b" + std::to_string(nonce++));
  }

  // Submits all statements at once (group commit) and waits; returns the results in order.
  Result<std::vector<nlohmann::json>> run_all(const std::vector<nodes::SignedStatement>& statements) {
    std::vector<std::promise<Result<nodes::Accepted>>> promises(statements.size());
    for (std::size_t i = 0; i < statements.size(); ++i) {
      service->submit(statements[i].bytes, statements[i].signature_base64,
                      [&promises, i](Result<nodes::Accepted> outcome) { promises[i].set_value(std::move(outcome)); });
    }
    std::vector<nlohmann::json> results;
    for (auto& promise : promises) {
      Result<nodes::Accepted> outcome = promise.get_future().get();
      if (!outcome.ok()) return outcome.status();
      results.push_back(outcome->result);
    }
    return results;
  }
};

// Registers the actors and prepares `count` vouchers, each with a countersigned receipt; returns
// the voucher ids.
Result<std::vector<std::string>> prepare_vouchers(Setup& setup, std::uint64_t count) {
  const std::string hash(64, 'e');
  const std::uint64_t enterprises = (count + vouchers_per_enterprise - 1) / vouchers_per_enterprise;
  std::vector<nodes::SignedStatement> phase;
  const auto office = [&](const std::string& kind, const nlohmann::json& body) {
    phase.push_back(setup.sign(setup.office, "office.BJ", kind, body));
  };
  office("actor.register", {{"categories", {"testing"}}, {"id", "P-BENCH"}, {"name", "bench lab"},
                            {"key", crypto::encode_public_key(setup.provider.public_key())}, {"role", "provider"}});
  for (std::uint64_t e = 0; e < enterprises; ++e) {
    office("actor.register", {{"id", credit_code(e)}, {"name", "bench enterprise"}, {"role", "enterprise"},
                              {"key", crypto::encode_public_key(setup.enterprise.public_key())}});
  }
  office("policy.set", {{"accepted_regions", {"BJ"}}, {"categories", {"testing"}}, {"face_cap", 500'000},
                        {"ratio_bp", 5'000}, {"validity_days", 365}, {"yearly_amount_max", INT64_MAX / 4},
                        {"yearly_count_max", vouchers_per_enterprise}});
  office("budget.allocate", {{"amount", INT64_MAX / 4}, {"year", clearing::shanghai_year(nodes::system_clock_ms())}});
  if (auto done = setup.run_all(phase); !done.ok()) return done.status();
  const auto each = [&](auto make) -> Result<std::vector<nlohmann::json>> {
    phase.clear();
    for (std::uint64_t i = 0; i < count; ++i) phase.push_back(make(i, credit_code(i / vouchers_per_enterprise)));
    return setup.run_all(phase);
  };
  const std::string tag = "B";
  if (auto r = each([&](std::uint64_t i, const std::string& e) {
        return setup.sign(setup.enterprise, e, "voucher.apply",
                          {{"application_id", tag + std::to_string(i)}, {"category", "testing"}, {"face", 500'000}});
      }); !r.ok()) return r.status();
  Result<std::vector<nlohmann::json>> approved = each([&](std::uint64_t i, const std::string& e) {
    return setup.sign(setup.office, "office.BJ", "voucher.approve",
                      {{"application_id", tag + std::to_string(i)}, {"enterprise", e}});
  });
  if (!approved.ok()) return approved.status();
  if (auto r = each([&](std::uint64_t i, const std::string& e) {
        return setup.sign(setup.provider, "P-BENCH", "receipt.record",
                          {{"category", "testing"}, {"contract_sha256", hash}, {"enterprise", e},
                           {"invoice_sha256", hash}, {"paid", 800'000}, {"payment_ref", "PAY"},
                           {"payment_sha256", hash}, {"price", 800'000}, {"receipt_id", tag + std::to_string(i)}});
      }); !r.ok()) return r.status();
  if (auto r = each([&](std::uint64_t i, const std::string& e) {
        return setup.sign(setup.enterprise, e, "receipt.confirm",
                          {{"provider", "P-BENCH"}, {"receipt_id", tag + std::to_string(i)}});
      }); !r.ok()) return r.status();
  std::vector<std::string> ids;
  for (const auto& result : *approved) ids.push_back(result["voucher"]["id"].get<std::string>());
  return ids;
}

Result<std::unique_ptr<api::HttpsServer>> start_server(const nodes::DataDir& dir, api::Handler handler) {
  api::ServerOptions options;
  options.certificate_pem = dir.tls_certificate();
  options.private_key_pem = dir.tls_key();
  return api::HttpsServer::start(options, std::move(handler));
}

}  // namespace

Result<RedeemBenchResult> run_redeem_bench(const RedeemBenchOptions& options) {
  if (options.clients == 0 || options.clients > clients_max || options.redemptions == 0 ||
      options.redemptions > redemptions_max) {
    return Status(Code::invalid_argument, "clients 1–256 and redemptions 1–1 000 000");
  }
  const nodes::DataDir dir{options.scratch / ("bench-redeem-" + std::to_string(::getpid()))};
  std::filesystem::remove_all(dir.root);
  Result<nodes::NodeIdentity> identity = nodes::init_data_dir(dir, clearing::Region::BJ);
  if (!identity.ok()) return identity.status();
  Setup setup;
  Result<crypto::KeyPair> office_key = crypto::KeyPair::load(dir.office_key_file());
  if (!office_key.ok()) return office_key.status();
  setup.office = std::move(*office_key);
  Result<std::unique_ptr<nodes::Service>> service = nodes::Service::open({dir});
  if (!service.ok()) return service.status();
  setup.service = std::move(*service);
  Result<std::vector<std::string>> vouchers = prepare_vouchers(setup, options.redemptions);
  if (!vouchers.ok()) return vouchers.status();

  // Requests are signed before the timed window.
  std::vector<std::pair<std::string, nodes::SignedStatement>> redemptions;
  for (std::uint64_t i = 0; i < options.redemptions; ++i) {
    redemptions.emplace_back("/v1/voucher/redeem",
                             setup.sign(setup.enterprise, credit_code(i / vouchers_per_enterprise), "voucher.redeem",
                                        {{"provider", "P-BENCH"}, {"receipt_id", "B" + std::to_string(i)},
                                         {"voucher_id", (*vouchers)[i]}}));
  }
  api::ClientOptions client;
  client.server_certificate_fingerprint = identity->tls_fingerprint;

  RedeemBenchResult result;
  result.redemptions = options.redemptions;
  result.clients = options.clients;
  result.verify_per_second = measure_verify_rate();
  {
    Result<std::unique_ptr<api::HttpsServer>> echo = start_server(dir, [](api::HttpRequest request, api::Respond respond) {
      respond({200, "application/json", std::move(request.body), {}});
    });
    if (!echo.ok()) return echo.status();
    client.port = (*echo)->port();
    std::vector<std::pair<std::string, nodes::SignedStatement>> echoes = redemptions;
    for (auto& request : echoes) request.first = "/echo";
    const Load load = send_all(client, echoes, options.clients);
    if (load.failures > 0) return Status(Code::io_error, "TLS echo failed: " + load.first_failure);
    result.tls_echo_per_second = static_cast<double>(echoes.size()) / load.seconds;
  }
  api::Routes routes(*setup.service, [](const std::string&) {});
  Result<std::unique_ptr<api::HttpsServer>> server = start_server(dir, [&routes](api::HttpRequest request, api::Respond respond) {
    routes.handle(std::move(request), std::move(respond));
  });
  if (!server.ok()) return server.status();
  client.port = (*server)->port();
  const Load load = send_all(client, redemptions, options.clients);
  (*server)->stop();
  if (load.failures > 0) {
    return Status(Code::io_error, std::to_string(load.failures) + " redemptions failed: " + load.first_failure);
  }
  result.redemptions_per_second = static_cast<double>(options.redemptions) / load.seconds;
  result.latency_p50_ms = percentile(load.latencies_ms, 0.50);
  result.latency_p99_ms = percentile(load.latencies_ms, 0.99);
  result.bound_per_second = 1.0 / (1.0 / result.verify_per_second + 1.0 / result.tls_echo_per_second);
  result.ratio = result.redemptions_per_second / result.bound_per_second;
  setup.service.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir.root, ignored);
  return result;
}

}  // namespace innoclear::bench
