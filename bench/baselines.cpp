#include "bench/baselines.h"

#include <atomic>
#include <cassert>
#include <thread>

#include "crypto/encoding.h"

namespace innoclear::bench {

using Clock = std::chrono::steady_clock;

double measure_verify_rate(const crypto::PublicKey& key, const nodes::SignedStatement& statement,
                           std::size_t threads, std::chrono::milliseconds window) {
  assert(threads > 0);
  assert(threads <= verify_threads_max);
  Result<crypto::Bytes> signature = crypto::base64_decode(statement.signature_base64);
  assert(signature.ok());
  assert(crypto::verify(key, statement.bytes, *signature));
  std::atomic<std::uint64_t> verified{0};
  const auto start = Clock::now();
  std::vector<std::thread> loops;
  for (std::size_t t = 0; t < threads; ++t) {
    loops.emplace_back([&] {
      std::uint64_t mine = 0;
      // Reading the clock once per 64 verifications keeps it out of the figure.
      while (Clock::now() - start < window) {
        for (int i = 0; i < 64; ++i) mine += crypto::verify(key, statement.bytes, *signature);
      }
      verified += mine;
    });
  }
  for (auto& loop : loops) loop.join();
  return static_cast<double>(verified) /
         std::chrono::duration<double>(Clock::now() - start).count();
}

nodes::SignedStatement sample_statement(const crypto::KeyPair& key) {
  const std::string document_sha256(64, 'e');
  return nodes::sign_statement(key, "P-BENCH", "receipt.record",
                               {{"category", "testing"},
                                {"contract_sha256", document_sha256},
                                {"enterprise", "91110000MA1000009K"},
                                {"invoice_sha256", document_sha256},
                                {"paid", 800'000},
                                {"payment_ref", "PAY"},
                                {"payment_sha256", document_sha256},
                                {"price", 800'000},
                                {"receipt_id", "B123456"}},
                               "BJ", nodes::system_clock_ms(), "b123456");
}

Result<double> measure_tls_echo(const EchoIdentity& identity, std::vector<SignedRequest> requests,
                                std::size_t clients) {
  assert(clients > 0);
  assert(!requests.empty());
  api::ServerOptions options;
  options.certificate_pem = identity.certificate_pem;
  options.private_key_pem = identity.private_key_pem;
  // The load generator is one address: the per-address caps would measure themselves.
  options.limits.requests_per_address_per_second = 0;
  options.limits.connections_per_address_max = 0;
  Result<std::unique_ptr<api::HttpsServer>> server =
      api::HttpsServer::start(options, [](api::HttpRequest request, api::Respond respond) {
        respond({200, "application/json", std::move(request.body), {}});
      });
  if (!server.ok()) return server.status();
  api::ClientOptions client;
  client.port = (*server)->port();
  client.server_certificate_fingerprint = identity.fingerprint;
  for (SignedRequest& request : requests) request.target = "/echo";
  const Load load = send_all(client, requests, clients);
  (*server)->stop();
  if (load.failures > 0) return Status(Code::io_error, "TLS echo failed: " + load.first_failure);
  return static_cast<double>(requests.size()) / load.seconds;
}

}  // namespace innoclear::bench
