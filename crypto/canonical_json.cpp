#include "crypto/canonical_json.h"

#include <cassert>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "base/utf8.h"

// Design choices (the header states the contract; these are the decisions behind it):
//
// - Keys are raw bytes 0x20..0x7F other than '"' and '\\': no escapes at all. An escape in a key
//   (even of an ASCII character such as \" or \n) or a byte >= 0x80 is json_non_ascii_key; a raw
//   control byte in a key is json_noncanonical_string, as in any string. Because a key never holds
//   an escape, its raw bytes are its decoded bytes, so key order is a plain bytewise comparison of
//   slices of the input (std::string_view compare, i.e. memcmp), which is also the order of the
//   std::map inside nlohmann::json that canonical_dump() relies on.
// - Keys must be strictly increasing, so comparing each key with the previous key of the same
//   object finds both defects: smaller is json_unsorted_keys, equal is json_duplicate_key. Thus
//   "b","a","b" reports the unsorted "a" and "a","a" reports the duplicate.
// - The validator is a recursive descent over the input; recursion is bounded by json_depth_max.
//   It stops at the first defect in input order. Inside one number the order of checks is: sign
//   without digits (json_syntax or json_whitespace), '+' sign, leading zero, fraction or exponent
//   ('.', 'e' or 'E' right after the digits, json_float), "-0", then the int64 range.
// - Whitespace outside strings is json_whitespace wherever it stands, even where JSON itself would
//   not allow it: "[1, 2]", "{} ", " 1", "1 2", "- 1" and "tr ue" are all json_whitespace.
// - Offsets in messages point at the start of the offending token: the opening quote of a key,
//   the first byte of a number, the backslash of an escape, the lead byte of a UTF-8 sequence.

namespace innoclear::crypto {
namespace {

// Longest key quoted back in a message; keys arrive from the network.
constexpr std::size_t message_key_bytes_max = 64;

// int64 bounds as decimal digits; a number without leading zeros is in range exactly when its
// digits are fewer, or as many and not greater.
constexpr std::string_view int64_max_digits = "9223372036854775807";
constexpr std::string_view int64_min_magnitude_digits = "9223372036854775808";
static_assert(int64_max_digits.size() ==
              static_cast<std::size_t>(std::numeric_limits<std::int64_t>::digits10) + 1);
static_assert(int64_min_magnitude_digits.size() == int64_max_digits.size());

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A byte a canonical key may hold unescaped.
bool is_key_byte(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// Control characters that canonical strings write as \b \t \n \f \r rather than \u00xx.
bool has_short_escape(unsigned value) {
  return value == 0x08 || value == 0x09 || value == 0x0A || value == 0x0C || value == 0x0D;
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool fits_int64(std::string_view digits, bool negative) {
  const std::string_view bound = negative ? int64_min_magnitude_digits : int64_max_digits;
  if (digits.size() != bound.size()) return digits.size() < bound.size();
  return digits <= bound;
}

// A byte as a message shows it: 'x' when printable, 0xNN otherwise.
std::string describe_byte(char c) {
  const auto value = static_cast<unsigned char>(c);
  if (value >= 0x20 && value < 0x7F) return std::string("'") + c + "'";
  constexpr std::string_view hex = "0123456789abcdef";
  return std::string("0x") + hex[value >> 4] + hex[value & 0x0F];
}

std::string quote_key(std::string_view key) {
  if (key.size() <= message_key_bytes_max) return "\"" + std::string(key) + "\"";
  return "\"" + std::string(key.substr(0, message_key_bytes_max)) + "...\"";
}

// One pass over the input. Each method starts at the first byte of its token and, on success,
// leaves pos_ just after it.
class Checker {
 public:
  explicit Checker(std::string_view bytes) : bytes_(bytes) {}
  Status document();

 private:
  Status value(std::size_t depth);
  Status object(std::size_t depth);
  Status key(std::string_view previous, bool has_previous);
  Status array(std::size_t depth);
  Status string(bool is_key);
  Status escape();
  Status unicode_escape();
  Status number();
  Status literal(std::string_view word);
  Status unexpected(std::string_view expected) const;
  Status fail(Code code, std::string what, std::size_t offset) const;
  bool next_is(char c) const { return pos_ < bytes_.size() && bytes_[pos_] == c; }

  std::string_view bytes_;
  std::size_t pos_ = 0;
};

Status Checker::fail(Code code, std::string what, std::size_t offset) const {
  return Status(code, std::move(what) + " at byte " + std::to_string(offset));
}

// The token at pos_ is not what the grammar wants: say why in canonical terms.
Status Checker::unexpected(std::string_view expected) const {
  std::string wanted = "expected " + std::string(expected);
  if (pos_ == bytes_.size()) return fail(Code::json_syntax, "end of input, " + wanted, pos_);
  if (is_whitespace(bytes_[pos_])) {
    return fail(Code::json_whitespace, "whitespace " + describe_byte(bytes_[pos_]), pos_);
  }
  return fail(Code::json_syntax, "unexpected " + describe_byte(bytes_[pos_]) + ", " + wanted, pos_);
}

Status Checker::document() {
  if (bytes_.size() > json_bytes_max) {
    return fail(Code::json_too_large,
                "input of " + std::to_string(bytes_.size()) + " bytes exceeds the limit",
                json_bytes_max);
  }
  if (Status status = value(0); !status.ok()) return status;
  if (pos_ == bytes_.size()) return Status::success();
  if (is_whitespace(bytes_[pos_])) {
    return fail(Code::json_whitespace, "whitespace " + describe_byte(bytes_[pos_]), pos_);
  }
  return fail(Code::json_trailing_data, "data after the value", pos_);
}

// `depth` counts the arrays and objects that enclose this value.
Status Checker::value(std::size_t depth) {
  if (pos_ == bytes_.size()) return unexpected("a value");
  const char c = bytes_[pos_];
  if (c == '-' || c == '+' || is_digit(c)) return number();
  switch (c) {
    case '{':
      return object(depth + 1);
    case '[':
      return array(depth + 1);
    case '"':
      return string(false);
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      return unexpected("a value");
  }
}

Status Checker::object(std::size_t depth) {
  if (depth > json_depth_max) return fail(Code::json_too_deep, "nesting too deep", pos_);
  ++pos_;  // '{'
  if (next_is('}')) {
    ++pos_;
    return Status::success();
  }
  std::string_view previous;
  for (bool has_previous = false;; has_previous = true) {
    const std::size_t key_start = pos_;
    if (Status status = key(previous, has_previous); !status.ok()) return status;
    previous = bytes_.substr(key_start + 1, pos_ - key_start - 2);
    if (!next_is(':')) return unexpected("':'");
    ++pos_;
    if (Status status = value(depth); !status.ok()) return status;
    if (next_is('}')) {
      ++pos_;
      return Status::success();
    }
    if (!next_is(',')) return unexpected("',' or '}'");
    ++pos_;
  }
}

// A key must be strictly greater than the previous key of its object.
Status Checker::key(std::string_view previous, bool has_previous) {
  if (!next_is('"')) return unexpected("a key");
  const std::size_t start = pos_;
  if (Status status = string(true); !status.ok()) return status;
  if (!has_previous) return Status::success();
  const std::string_view key = bytes_.substr(start + 1, pos_ - start - 2);
  const int order = key.compare(previous);
  if (order < 0) {
    return fail(Code::json_unsorted_keys,
                "key " + quote_key(key) + " sorts before " + quote_key(previous), start);
  }
  if (order == 0) return fail(Code::json_duplicate_key, "duplicate key " + quote_key(key), start);
  return Status::success();
}

Status Checker::array(std::size_t depth) {
  if (depth > json_depth_max) return fail(Code::json_too_deep, "nesting too deep", pos_);
  ++pos_;  // '['
  if (next_is(']')) {
    ++pos_;
    return Status::success();
  }
  while (true) {
    if (Status status = value(depth); !status.ok()) return status;
    if (next_is(']')) {
      ++pos_;
      return Status::success();
    }
    if (!next_is(',')) return unexpected("',' or ']'");
    ++pos_;
  }
}

Status Checker::string(bool is_key) {
  const std::size_t start = pos_;
  ++pos_;  // '"'
  while (pos_ < bytes_.size()) {
    const auto c = static_cast<unsigned char>(bytes_[pos_]);
    if (c == '"') {
      ++pos_;
      return Status::success();
    }
    if (c >= 0x20 && c < 0x80 && c != '\\') {
      ++pos_;  // the common case: plain ASCII
      continue;
    }
    if (c < 0x20) {
      return fail(Code::json_noncanonical_string,
                  "unescaped control character " + describe_byte(bytes_[pos_]), pos_);
    }
    if (is_key) {
      const char* what = c == '\\' ? "escape in key" : "non-ASCII byte in key";
      return fail(Code::json_non_ascii_key, what, pos_);
    }
    if (c == '\\') {
      if (Status status = escape(); !status.ok()) return status;
      continue;
    }
    const std::size_t length = utf8_sequence_bytes(bytes_.substr(pos_));
    if (length == 0) return fail(Code::json_invalid_utf8, "invalid UTF-8", pos_);
    pos_ += length;
  }
  return fail(Code::json_syntax, "unterminated string", start);
}

Status Checker::escape() {
  if (pos_ + 1 == bytes_.size()) return fail(Code::json_syntax, "unterminated escape", pos_);
  switch (bytes_[pos_ + 1]) {
    case '"':
    case '\\':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      pos_ += 2;
      return Status::success();
    case '/':
      return fail(Code::json_noncanonical_string, "escaped '/'", pos_);
    case 'u':
      return unicode_escape();
    default:
      return fail(Code::json_syntax, "invalid escape", pos_);
  }
}

// Canonical strings use \u only for control characters without a short form, in lowercase hex.
Status Checker::unicode_escape() {
  constexpr std::size_t escape_bytes = 6;  // \uXXXX
  if (bytes_.size() - pos_ < escape_bytes) return fail(Code::json_syntax, "truncated \\u", pos_);
  const std::string_view hex = bytes_.substr(pos_ + 2, 4);
  unsigned value = 0;
  bool lowercase = true;
  for (const char h : hex) {
    const int digit = hex_digit_value(h);
    if (digit < 0) return fail(Code::json_syntax, "bad hex digit in \\u escape", pos_);
    if (h >= 'A' && h <= 'F') lowercase = false;
    value = value * 16 + static_cast<unsigned>(digit);
  }
  const std::string shown = "\\u" + std::string(hex);
  if (value >= 0x20) {
    return fail(Code::json_noncanonical_string, shown + " must be written unescaped", pos_);
  }
  if (has_short_escape(value)) {
    return fail(Code::json_noncanonical_string, shown + " has a short escape", pos_);
  }
  if (!lowercase) {
    return fail(Code::json_noncanonical_string, shown + " must use lowercase hex", pos_);
  }
  pos_ += escape_bytes;
  return Status::success();
}

Status Checker::number() {
  const std::size_t start = pos_;
  const char sign = bytes_[pos_];
  if (sign == '-' || sign == '+') ++pos_;
  const std::size_t digits_start = pos_;
  while (pos_ < bytes_.size() && is_digit(bytes_[pos_])) ++pos_;
  const std::string_view digits = bytes_.substr(digits_start, pos_ - digits_start);
  if (digits.empty()) return unexpected("a digit");
  if (sign == '+') return fail(Code::json_noncanonical_number, "plus sign", start);
  if (digits.size() > 1 && digits[0] == '0') {
    return fail(Code::json_noncanonical_number, "leading zero", start);
  }
  if (next_is('.') || next_is('e') || next_is('E')) {
    return fail(Code::json_float, "fraction or exponent in number", start);
  }
  const bool negative = sign == '-';
  if (negative && digits == "0") return fail(Code::json_noncanonical_number, "-0", start);
  if (!fits_int64(digits, negative)) {
    return fail(Code::json_integer_out_of_range, "integer outside int64", start);
  }
  return Status::success();
}

// Byte by byte, so that whitespace splitting a literal is reported as whitespace.
Status Checker::literal(std::string_view word) {
  for (const char c : word) {
    if (!next_is(c)) return unexpected("'" + std::string(word) + "'");
    ++pos_;
  }
  return Status::success();
}

// canonical_dump()'s preconditions, asserted value by value so that a violation names its cause
// instead of surfacing as a refusal by check_canonical() afterwards.
void assert_dumpable(const nlohmann::json& value, std::size_t depth) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::object:
      assert(depth < json_depth_max && "canonical_dump: nesting deeper than json_depth_max");
      for (const auto& [key, member] : *value.get_ptr<const nlohmann::json::object_t*>()) {
        for (const char c : key) {
          assert(is_key_byte(static_cast<unsigned char>(c)) &&
                 "canonical_dump: key byte is not ASCII 0x20..0x7f other than '\"' and '\\'");
        }
        assert_dumpable(member, depth + 1);
      }
      return;
    case Type::array:
      assert(depth < json_depth_max && "canonical_dump: nesting deeper than json_depth_max");
      for (const nlohmann::json& element : value) assert_dumpable(element, depth + 1);
      return;
    case Type::string:
      assert(is_valid_utf8(*value.get_ptr<const nlohmann::json::string_t*>()) &&
             "canonical_dump: string is not valid UTF-8");
      return;
    case Type::number_unsigned:
      assert(*value.get_ptr<const nlohmann::json::number_unsigned_t*>() <=
                 static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) &&
             "canonical_dump: unsigned integer above int64 max");
      return;
    case Type::number_float:
      assert(false && "canonical_dump: floating-point number");
      return;
    case Type::binary:
      assert(false && "canonical_dump: binary value");
      return;
    case Type::discarded:
      assert(false && "canonical_dump: discarded value");
      return;
    case Type::null:
    case Type::boolean:
    case Type::number_integer:
      return;
  }
}

}  // namespace

Status check_canonical(std::string_view bytes) { return Checker(bytes).document(); }

Result<nlohmann::json> parse_canonical(std::string_view bytes) {
  if (Status status = check_canonical(bytes); !status.ok()) return status;
  // The non-throwing overload: no exception leaves this part.
  nlohmann::json value = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  // Canonical JSON is a subset of what nlohmann accepts, so a refusal here is a bug in the
  // checker; report it as a rejection rather than abort on bytes that came from the network.
  if (value.is_discarded()) return {Code::json_syntax, "canonical JSON refused by the parser"};
  return value;
}

std::string canonical_dump(const nlohmann::json& value) {
  assert_dumpable(value, 0);
  // nlohmann::json keeps objects in a std::map<std::string, ...>, so keys come out sorted
  // bytewise; without indentation it writes no whitespace; with ensure_ascii=false it escapes
  // exactly '"', '\\' and control characters (\b \t \n \f \r, others as lowercase \u00xx) and
  // writes DEL and non-ASCII text raw. That is the canonical form.
  std::string bytes = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  // Check the record right before it leaves (STYLE.md): catches any drift in nlohmann's output.
  // Size is the caller's business: a too-large document is still written canonically.
  [[maybe_unused]] const Status status = check_canonical(bytes);
  assert((status.ok() || status.code() == Code::json_too_large) &&
         "canonical_dump: output is not canonical");
  return bytes;
}

}  // namespace innoclear::crypto
