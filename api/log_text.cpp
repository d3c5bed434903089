#include "api/log_text.h"

#include <cassert>

#include "base/utf8.h"

namespace innoclear::api {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view ellipsis = "\xE2\x80\xA6";     // U+2026

bool is_control(unsigned char byte) { return byte < 0x20 || byte == 0x7F; }

}  // namespace

std::string log_text(std::string_view text, std::size_t bytes_max) {
  assert(bytes_max >= ellipsis.size());
  std::string out;
  std::size_t fits = 0;  // the length of `out` at its last boundary with room for the "…"
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = utf8_sequence_bytes(text.substr(pos));
    const bool usable = length > 0 && !(length == 1 && is_control(text[pos]));
    out += usable ? text.substr(pos, length) : replacement;
    pos += usable ? length : 1;
    if (out.size() <= bytes_max - ellipsis.size()) fits = out.size();
    if (out.size() > bytes_max) {  // work stays bounded by bytes_max, not by the input
      out.resize(fits);
      return out += ellipsis;
    }
  }
  return out;
}

bool is_printable_ascii_target(std::string_view target) {
  for (const char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x21 || byte > 0x7E) return false;
  }
  return true;
}

bool is_clean_header_value(std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte != '\t' && is_control(byte)) return false;
  }
  return true;
}

std::string prometheus_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

LineBudget::Verdict LineBudget::take(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (now - window_start_ >= std::chrono::seconds(1)) {
    window_start_ = now;
    admitted_in_window_ = 0;
  }
  if (admitted_in_window_ >= lines_per_second_max_) {
    suppressed_++;
    return {false, 0};
  }
  admitted_in_window_++;
  const std::uint64_t suppressed = suppressed_;
  suppressed_ = 0;
  return {true, suppressed};
}

}  // namespace innoclear::api
