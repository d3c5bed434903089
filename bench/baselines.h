// The bare costs the benchmarks set their figures beside, each measured in the run that prints
// it: Ed25519 verification with nothing around it, and a TLS echo through the server stack a
// node serves with. Internal to bench/.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/https_load.h"
#include "crypto/ed25519.h"
#include "nodes/service.h"

namespace innoclear::bench {

constexpr std::size_t verify_threads_max = 64;
constexpr auto verify_window_default = std::chrono::milliseconds(1000);

// Libsodium verifications per second of `statement` by `key`, on `threads` threads looping for
// about `window`. REQUIRES: 0 < threads ≤ verify_threads_max; the signature is valid (asserted).
double measure_verify_rate(const crypto::PublicKey& key, const nodes::SignedStatement& statement,
                           std::size_t threads,
                           std::chrono::milliseconds window = verify_window_default);

// A receipt.record statement as a provider signs one (about 400 bytes), by `key`: a real shape
// for the bare loops.
nodes::SignedStatement sample_statement(const crypto::KeyPair& key);

// The TLS identity an echo server presents, and its pin.
struct EchoIdentity {
  std::filesystem::path certificate_pem;
  std::filesystem::path private_key_pem;
  std::string fingerprint;
};

// Echo requests per second: an api::HttpsServer answering each request with its own body, with
// the options a node's server has, and the `requests` (sent to /echo) from `clients` keep-alive
// api::HttpsClient threads (send_all). What HTTPS alone costs a request. Fails if the server does
// not start or any echo fails. REQUIRES: clients > 0, requests not empty.
Result<double> measure_tls_echo(const EchoIdentity& identity, std::vector<SignedRequest> requests,
                                std::size_t clients);

}  // namespace innoclear::bench
