#include "bench/https_load.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <mutex>
#include <thread>

namespace innoclear::bench {

using Clock = std::chrono::steady_clock;

Load send_all(const api::ClientOptions& client_options, const std::vector<SignedRequest>& requests,
              std::size_t clients) {
  assert(clients > 0);
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
        const SignedRequest& request = requests[i];
        const auto sent = Clock::now();
        Result<api::HttpResponse> response =
            client.request("POST", request.target, request.statement.bytes,
                           {{"Innoclear-Signature", request.statement.signature_base64}});
        load.latencies_ms[i] =
            std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
        if (response.ok() && response->status == 200) continue;
        if (failures++ == 0) {
          std::lock_guard lock(failure_mutex);
          load.first_failure = response.ok() ? response->body : response.status().to_string();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  load.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  load.failures = failures;
  return load;
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(fraction * static_cast<double>(values.size()));
  return values[std::min(values.size() - 1, rank)];
}

}  // namespace innoclear::bench
