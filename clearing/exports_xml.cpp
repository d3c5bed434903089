#include "clearing/exports_xml.h"

namespace innoclear::clearing::exports_detail {
namespace {

constexpr char32_t replacement_character = 0xFFFD;

// Decodes the code point at `at` and moves past it. Malformed UTF-8 (overlong, surrogate, out of
// range, truncated) decodes to U+FFFD and moves one byte, so every input yields well-formed XML.
char32_t next_code_point(std::string_view text, std::size_t& at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 1;
  char32_t value = lead;
  char32_t minimum = 0;
  if (lead >= 0x80) {
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      value = lead & 0x1Fu;
      minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      value = lead & 0x0Fu;
      minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      value = lead & 0x07u;
      minimum = 0x10000;
    } else {
      ++at;
      return replacement_character;
    }
  }
  if (at + length > text.size()) {
    ++at;
    return replacement_character;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto continuation = static_cast<unsigned char>(text[at + i]);
    if ((continuation & 0xC0) != 0x80) {
      ++at;
      return replacement_character;
    }
    value = (value << 6) | (continuation & 0x3Fu);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++at;
    return replacement_character;
  }
  at += length;
  return value;
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
