#include "base/utf8.h"

namespace innoclear {

std::size_t utf8_sequence_bytes(std::string_view rest) {
  const auto byte = [rest](std::size_t i) { return static_cast<unsigned char>(rest[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) second_high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // stray continuation byte, overlong lead C0/C1, or F5..FF
  }
  if (rest.size() < length) return 0;
  if (byte(1) < second_low || byte(1) > second_high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

char32_t utf8_code_point(std::string_view rest, std::size_t length) {
  const auto byte = [rest](std::size_t i) { return static_cast<unsigned char>(rest[i]); };
  constexpr unsigned char lead_bits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t code_point = byte(0) & lead_bits[length];
  for (std::size_t i = 1; i < length; ++i) code_point = (code_point << 6) | (byte(i) & 0x3F);
  return code_point;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = utf8_sequence_bytes(text.substr(pos));
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

std::optional<std::u32string> utf8_decode(std::string_view text) {
  std::u32string code_points;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = utf8_sequence_bytes(text.substr(pos));
    if (length == 0) return std::nullopt;
    code_points += utf8_code_point(text.substr(pos), length);
    pos += length;
  }
  return code_points;
}

}  // namespace innoclear
