// Token buckets that keep one actor (or one peer node) from taking a node's whole capacity:
// issue 12, finding 8. Each key earns `per_second` tokens a second up to `burst`; a request takes
// one token or is refused with rate_limited. Time comes from the service's injected clock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "base/status.h"

namespace innoclear::nodes {

// What a refused client is told to wait (HTTP Retry-After). A bucket refills at least one token a
// second (RateLimit::per_second ≥ 1 when on), so one second always brings one request back.
constexpr std::uint32_t rate_limited_retry_after_s = 1;
// Buckets kept at once; full buckets are dropped first when the map is full.
constexpr std::size_t rate_limit_keys_max = 1 << 16;

struct RateLimit {
  std::uint32_t per_second = 0;  // 0: no limit
  std::uint32_t burst = 0;       // bucket size; REQUIRES: ≥ 1 when per_second > 0
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  // Takes a token for `key` at `now_ms`: success, or rate_limited (message names the key's
  // wait). Thread-safe.
  Status take(const std::string& key, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updated_ms = 0;
  };
  void make_room(std::int64_t now_ms);

  const RateLimit limit_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;  // guarded by mutex_
};

}  // namespace innoclear::nodes
