// Text that came from a request, made fit for a log line, a metric label or a problem body: the
// conversion cannot fail, whatever the bytes (issue 12, finding 1), and what it returns is bounded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace innoclear::api {

// Bound of any one request-supplied field in a log line or a problem detail (path, actor, target).
constexpr std::size_t log_field_bytes_max = 256;

// Valid UTF-8 of at most `bytes_max` bytes, whatever `text` holds: each byte that starts no
// well-formed UTF-8 sequence, and each control character (C0, DEL), becomes U+FFFD; a text longer
// than the bound is cut on a character boundary and ends in "…" (counted in the bound).
// REQUIRES: bytes_max >= 3 (room for the "…").
std::string log_text(std::string_view text, std::size_t bytes_max = log_field_bytes_max);

// True when every byte of a request target is printable ASCII (0x21..0x7e): anything else (a
// space, a control byte, a byte ≥ 0x80) must be percent-encoded by the client (RFC 3986).
bool is_printable_ascii_target(std::string_view target);
// True when a header value holds no control byte (C0 other than horizontal tab, or DEL).
bool is_clean_header_value(std::string_view value);

// A Prometheus text-format label value: backslash, double quote and line feed escaped.
std::string prometheus_label(std::string_view value);

// A budget of log lines per second, so that a flood of failing requests cannot flood the log:
// within one second at most `lines_per_second_max` lines are admitted; the rest are counted and
// reported by the first admitted line of a later second. Thread-safe.
class LineBudget {
 public:
  explicit LineBudget(std::uint32_t lines_per_second_max)
      : lines_per_second_max_(lines_per_second_max) {}

  struct Verdict {
    bool admit = false;            // write this line
    std::uint64_t suppressed = 0;  // lines dropped since the last admitted one: say so first
  };
  Verdict take(std::chrono::steady_clock::time_point now);

 private:
  const std::uint32_t lines_per_second_max_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point window_start_{};
  std::uint32_t admitted_in_window_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace innoclear::api
