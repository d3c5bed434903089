#include "clearing/exports_xml.h"

#include "base/utf8.h"

namespace innoclear::clearing::exports_detail {
namespace {

constexpr char32_t replacement_character = 0xFFFD;

// Decodes the code point at `at` and moves past it. A byte that starts no well-formed sequence
// (overlong, surrogate, out of range, truncated) decodes to U+FFFD and moves one byte: the next
// byte may well start a character.
char32_t next_code_point(std::string_view text, std::size_t& at) {
  const std::string_view rest = text.substr(at);
  const std::size_t length = utf8_sequence_bytes(rest);
  if (length == 0) {
    ++at;
    return replacement_character;
  }
  at += length;
  return utf8_code_point(rest, length);
}

// XML 1.0 cannot carry most control characters at all, not even as references.
bool xml_allows(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// The reference that stands for `c` in XML text, or empty if it may stand for itself.
std::string_view reference_for(char32_t c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&apos;";
    case '\r':
      return "&#13;";  // a raw CR would be read back as LF
    default:
      return {};
  }
}

}  // namespace

std::string xml_text(std::string_view text, std::size_t characters_max) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0, characters = 0; at < text.size() && characters < characters_max;
       ++characters) {
    const std::size_t start = at;
    const char32_t c = next_code_point(text, at);
    if (const std::string_view reference = reference_for(c); !reference.empty()) {
      out += reference;
    } else if (c == replacement_character || !xml_allows(c)) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else {
      out += text.substr(start, at - start);
    }
  }
  return out;
}

std::size_t character_count(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

}  // namespace innoclear::clearing::exports_detail
