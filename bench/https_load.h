// Load from concurrent HTTPS clients, as the benchmarks that talk to a node send it: C threads,
// each with its own keep-alive api::HttpsClient, sending signed statements with the
// Innoclear-Signature header as fast as they are answered. Internal to bench/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/https.h"
#include "nodes/service.h"

namespace innoclear::bench {

struct SignedRequest {
  std::string target;  // "/v1/voucher/redeem", …
  nodes::SignedStatement statement;
};

struct Load {
  double seconds = 0;                // first request sent → last answer received
  std::vector<double> latencies_ms;  // per request, in the requests' order
  std::uint64_t failures = 0;        // transport failures and statuses other than 200
  std::string first_failure;         // the body or the reason of one failure
};

// Sends every request, request i from client i mod `clients`, and waits for every answer.
// REQUIRES: clients > 0.
Load send_all(const api::ClientOptions& client_options, const std::vector<SignedRequest>& requests,
              std::size_t clients);

// The value below which `fraction` of `values` lie; 0 for no values.
double percentile(std::vector<double> values, double fraction);

}  // namespace innoclear::bench
