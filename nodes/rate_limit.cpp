#include "nodes/rate_limit.h"

#include <algorithm>

namespace innoclear::nodes {

namespace {

double refilled(double tokens, std::int64_t elapsed_ms, const RateLimit& limit) {
  const double earned = static_cast<double>(std::max<std::int64_t>(0, elapsed_ms)) *
                        static_cast<double>(limit.per_second) / 1000.0;
  return std::min(static_cast<double>(limit.burst), tokens + earned);
}

}  // namespace

void RateLimiter::make_room(std::int64_t now_ms) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    return refilled(bucket.tokens, now_ms - bucket.updated_ms, limit_) >= limit_.burst;
  });
}

Status RateLimiter::take(const std::string& key, std::int64_t now_ms) {
  if (limit_.per_second == 0) return Status::success();
  std::lock_guard lock(mutex_);
  auto found = buckets_.find(key);
  if (found == buckets_.end()) {
    if (buckets_.size() >= rate_limit_keys_max) make_room(now_ms);
    if (buckets_.size() >= rate_limit_keys_max) {
      return {Code::rate_limited, "this node is busy; retry after " +
                                      std::to_string(rate_limited_retry_after_s) + " s"};
    }
    found = buckets_.emplace(key, Bucket{static_cast<double>(limit_.burst), now_ms}).first;
  }
  Bucket& bucket = found->second;
  bucket.tokens = refilled(bucket.tokens, now_ms - bucket.updated_ms, limit_);
  bucket.updated_ms = std::max(bucket.updated_ms, now_ms);
  if (bucket.tokens < 1.0) {
    return {Code::rate_limited, key + " sends more than " + std::to_string(limit_.per_second) +
                                    " requests a second; retry after " +
                                    std::to_string(rate_limited_retry_after_s) + " s"};
  }
  bucket.tokens -= 1.0;
  return Status::success();
}

}  // namespace innoclear::nodes
