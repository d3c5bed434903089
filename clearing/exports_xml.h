// XML text for the camt.053 statement (exports_camt.cpp): escaping, characters XML cannot hold,
// the schema's character limits, and indented elements. Internal to clearing/.
#pragma once

#include <cassert>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace innoclear::clearing::exports_detail {

// A characters_max for text the schema does not limit (codes, amounts, dates).
constexpr std::size_t unlimited = static_cast<std::size_t>(-1);

// `text` as XML character data: special characters escaped, characters XML cannot hold replaced
// by U+FFFD, cut after `characters_max` characters (the schema counts characters, not bytes).
// Malformed UTF-8 becomes one U+FFFD per byte, so every input yields well-formed XML.
std::string xml_text(std::string_view text, std::size_t characters_max);

// The characters of `text` as the schema counts them: bytes that are not UTF-8 continuation
// bytes. base/utf8.h has no count; this one is lenient, for text that is UTF-8 already.
std::size_t character_count(std::string_view text);

// Writes indented elements; every text passes through xml_text. Built by appending: GCC 12 at -O3
// reports a false -Wrestrict for `"literal" + std::string&&`.
class XmlWriter {
 public:
  XmlWriter() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

  void open(std::string_view tag, std::string_view attributes = {}) {
    start_tag(tag, attributes);
    out_ += '\n';
    open_.push_back(tag);
  }
  void close() {
    assert(!open_.empty());
    const std::string_view tag = open_.back();
    open_.pop_back();
    indent();
    end_tag(tag);
  }
  // <path[0]>…<path[n-1]>text</path[n-1]>…</path[0]>, the last element holding the text.
  void leaf(std::initializer_list<std::string_view> path, std::string_view text,
            std::size_t characters_max) {
    for (std::size_t i = 0; i + 1 < path.size(); ++i) open(path.begin()[i]);
    start_tag(path.end()[-1], {});
    out_ += xml_text(text, characters_max);
    end_tag(path.end()[-1]);
    for (std::size_t i = 0; i + 1 < path.size(); ++i) close();
  }
  // <tag attributes>text</tag>: `attributes` as written, with its leading space.
  void leaf_with_attributes(std::string_view tag, std::string_view attributes,
                            std::string_view text) {
    start_tag(tag, attributes);
    out_ += xml_text(text, unlimited);
    end_tag(tag);
  }
  std::string finish() {
    assert(open_.empty());
    return std::move(out_);
  }

 private:
  void indent() { out_.append(2 * open_.size(), ' '); }
  void start_tag(std::string_view tag, std::string_view attributes) {
    indent();
    out_ += '<';
    out_ += tag;
    out_ += attributes;
    out_ += '>';
  }
  void end_tag(std::string_view tag) {
    out_ += "</";
    out_ += tag;
    out_ += ">\n";
  }

  std::string out_;
  std::vector<std::string_view> open_;  // element names are literals: the views stay valid
};

}  // namespace innoclear::clearing::exports_detail
