// Byte strings and their text encodings (standard base64 with padding, lowercase hex).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace innoclear::crypto {

using Bytes = std::vector<std::uint8_t>;

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
inline std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string base64_encode(std::span<const std::uint8_t> bytes);
// Fails with bad_encoding on anything but canonical padded standard base64.
Result<Bytes> base64_decode(std::string_view text);

std::string hex_encode(std::span<const std::uint8_t> bytes);
// Fails with bad_encoding on odd length or a non-hex character (either case accepted).
Result<Bytes> hex_decode(std::string_view text);

// Constant-time comparison of two equal-length byte strings; false if lengths differ.
bool equal_constant_time(std::span<const std::uint8_t> left, std::span<const std::uint8_t> right);

}  // namespace innoclear::crypto
