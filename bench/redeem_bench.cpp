#include "bench/redeem_bench.h"

#include <unistd.h>

#include <vector>

#include "api/host.h"
#include "bench/baselines.h"
#include "bench/https_load.h"
#include "bench/voucher_setup.h"

namespace innoclear::bench {

namespace {

constexpr std::size_t redeem_clients_max = 256;
constexpr std::uint64_t redeem_redemptions_max = 1'000'000;
constexpr auto verify_window = std::chrono::milliseconds(500);

// V and T, measured with the redemptions' own statements and clients.
Status measure_bounds(const VoucherNode& node, const std::vector<SignedRequest>& redemptions,
                      std::size_t clients, RedeemBenchResult& result) {
  result.verify_per_second = measure_verify_rate(node.enterprise.public_key(),
                                                 redemptions.front().statement, 2, verify_window);
  const EchoIdentity identity{node.dir.tls_certificate(), node.dir.tls_key(),
                              node.identity.tls_fingerprint};
  Result<double> echo = measure_tls_echo(identity, redemptions, clients);
  if (!echo.ok()) return echo.status();
  result.tls_echo_per_second = *echo;
  return Status::success();
}

// The redemptions against the node's routes; the figures into `result`.
Status redeem(VoucherNode& node, const std::vector<SignedRequest>& redemptions, std::size_t clients,
              RedeemBenchResult& result) {
  api::HostOptions options;
  options.request_log = [](const std::string&) {};
  // The load generator is one address: the per-address caps would measure themselves.
  options.server.limits.requests_per_address_per_second = 0;
  options.server.limits.connections_per_address_max = 0;
  Result<std::unique_ptr<api::Host>> server = api::Host::start(*node.assembled, options);
  if (!server.ok()) return server.status();
  api::ClientOptions client;
  client.port = (*server)->port();
  client.server_certificate_fingerprint = node.identity.tls_fingerprint;
  const Load load = send_all(client, redemptions, clients);
  (*server)->stop();
  if (load.failures > 0) {
    return Status(Code::io_error,
                  std::to_string(load.failures) + " redemptions failed: " + load.first_failure);
  }
  result.redemptions_per_second = static_cast<double>(redemptions.size()) / load.seconds;
  result.latency_p50_ms = percentile(load.latencies_ms, 0.50);
  result.latency_p99_ms = percentile(load.latencies_ms, 0.99);
  return Status::success();
}

Status run(const nodes::DataDir& dir, const RedeemBenchOptions& options,
           RedeemBenchResult& result) {
  Result<std::unique_ptr<VoucherNode>> node = open_voucher_node(dir);
  if (!node.ok()) return node.status();
  if (Status s = register_parties(**node, enterprises_for(options.redemptions)); !s.ok()) return s;
  Result<std::vector<std::string>> vouchers = prepare_vouchers(**node, 0, options.redemptions);
  if (!vouchers.ok()) return vouchers.status();
  // Requests are signed before the timed window.
  std::vector<SignedRequest> redemptions;
  for (std::uint64_t i = 0; i < options.redemptions; ++i) {
    redemptions.push_back({"/v1/voucher/redeem", sign_redemption(**node, i, (*vouchers)[i])});
  }
  if (Status s = measure_bounds(**node, redemptions, options.clients, result); !s.ok()) return s;
  return redeem(**node, redemptions, options.clients, result);
}

}  // namespace

Result<RedeemBenchResult> run_redeem_bench(const RedeemBenchOptions& options) {
  if (options.clients == 0 || options.clients > redeem_clients_max || options.redemptions == 0 ||
      options.redemptions > redeem_redemptions_max) {
    return Status(Code::invalid_argument, "clients 1–256 and redemptions 1–1 000 000");
  }
  const nodes::DataDir dir{options.scratch / ("bench-redeem-" + std::to_string(::getpid()))};
  std::error_code ignored;
  std::filesystem::remove_all(dir.root, ignored);
  RedeemBenchResult result;
  result.redemptions = options.redemptions;
  result.clients = options.clients;
  const Status status = run(dir, options, result);
  std::filesystem::remove_all(dir.root, ignored);
  if (!status.ok()) return status;
  result.bound_per_second =
      1.0 / (1.0 / result.verify_per_second + 1.0 / result.tls_echo_per_second);
  result.ratio = result.redemptions_per_second / result.bound_per_second;
  return result;
}

}  // namespace innoclear::bench
