#include "crypto/canonical_json.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace innoclear;
using namespace innoclear::crypto;
using nlohmann::json;

namespace Catch {
template <>
struct StringMaker<innoclear::Code> {
  static std::string convert(innoclear::Code code) { return std::string(code_name(code)); }
};
}  // namespace Catch

namespace {

// Input bytes as a readable line for failure reports: non-printable bytes as \xNN.
std::string shown(std::string_view bytes) {
  constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto value = static_cast<unsigned char>(c);
    if (value >= 0x20 && value < 0x7F) {
      out += c;
    } else {
      out += "\\x";
      out += hex[value >> 4];
      out += hex[value & 0x0F];
    }
  }
  return out;
}

Code code_of(std::string_view bytes) { return check_canonical(bytes).code(); }

void check_all_refused(const std::vector<std::string>& inputs, Code expected) {
  for (const std::string& input : inputs) {
    INFO("input: " << shown(input) << "  message: " << check_canonical(input).message());
    CHECK(code_of(input) == expected);
  }
}

void check_all_accepted(const std::vector<std::string>& inputs) {
  for (const std::string& input : inputs) {
    INFO("input: " << shown(input) << "  message: " << check_canonical(input).message());
    CHECK(check_canonical(input).ok());
  }
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text += std::string(depth, '}');
  return text;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  const auto byte = [](std::uint32_t value) { return static_cast<char>(value); };
  if (code_point < 0x80) {
    out += byte(code_point);
  } else if (code_point < 0x800) {
    out += byte(0xC0 | (code_point >> 6));
    out += byte(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += byte(0xE0 | (code_point >> 12));
    out += byte(0x80 | ((code_point >> 6) & 0x3F));
    out += byte(0x80 | (code_point & 0x3F));
  } else {
    out += byte(0xF0 | (code_point >> 18));
    out += byte(0x80 | ((code_point >> 12) & 0x3F));
    out += byte(0x80 | ((code_point >> 6) & 0x3F));
    out += byte(0x80 | (code_point & 0x3F));
  }
}

// Random values inside the canonical domain: integers within int64, valid UTF-8 text, ASCII keys.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : random_(seed) {}

  json value(int depth) {
    const int kind = below(depth >= depth_max ? 5 : 7);
    switch (kind) {
      case 0:
        return nullptr;
      case 1:
        return below(2) == 0;
      case 2:
        return integer();
      case 3:
      case 4:
        return text();
      case 5:
        return array(depth);
      default:
        return object(depth, 0);
    }
  }

  json object(int depth, int members_min) {
    json result = json::object();
    const int members = members_min + below(6);
    while (static_cast<int>(result.size()) < members) result[key()] = value(depth + 1);
    return result;
  }

 private:
  static constexpr int depth_max = 4;

  int below(int bound) { return std::uniform_int_distribution<int>(0, bound - 1)(random_); }
  std::uint32_t between(std::uint32_t low, std::uint32_t high) {
    return std::uniform_int_distribution<std::uint32_t>(low, high)(random_);
  }

  json array(int depth) {
    json result = json::array();
    const int elements = below(6);
    for (int i = 0; i < elements; ++i) result.push_back(value(depth + 1));
    return result;
  }

  std::int64_t integer() {
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    switch (below(6)) {
      case 0:
        return min;
      case 1:
        return max;
      case 2:
        return std::uniform_int_distribution<std::int64_t>(-1000, 1000)(random_);
      default:
        return std::uniform_int_distribution<std::int64_t>(min, max)(random_);
    }
  }

  // Short keys over a small alphabet half the time, so that prefixes and near-collisions occur.
  std::string key() {
    static constexpr std::string_view small = "abAB_0";
    std::string result;
    const int length = below(7);
    const bool use_small = below(2) == 0;
    for (int i = 0; i < length; ++i) {
      if (use_small) {
        result += small[static_cast<std::size_t>(below(static_cast<int>(small.size())))];
        continue;
      }
      char c = static_cast<char>(between(0x20, 0x7F));
      if (c == '"' || c == '\\') c = 'k';
      result += c;
    }
    return result;
  }

  std::string text() {
    std::string result;
    const int length = below(9);
    for (int i = 0; i < length; ++i) append_utf8(result, code_point());
    return result;
  }

  // Every kind of character: the ones canonical form escapes, ASCII, and 2, 3 and 4 byte UTF-8.
  std::uint32_t code_point() {
    static constexpr std::uint32_t special[] = {'"', '\\', '/', 0x7F, 0x521B, 0x65B0, 0x5238};
    switch (below(6)) {
      case 0:
        return between(0x00, 0x1F);
      case 1:
        return special[below(7)];
      case 2:
        return between(0x80, 0x7FF);
      case 3: {
        const std::uint32_t value = between(0x800, 0xFFFF - 0x800);
        return value >= 0xD800 ? value + 0x800 : value;  // skip the surrogates
      }
      case 4:
        return between(0x10000, 0x10FFFF);
      default:
        return between(0x20, 0x7E);
    }
  }

  std::mt19937 random_;
};

constexpr int random_values_count = 3000;

// The members of an object as canonical "key":value texts, in key order.
std::vector<std::string> member_texts(const json& object) {
  std::vector<std::string> members;
  for (const auto& [key, member] : object.items()) {
    members.push_back(canonical_dump(json(key)) + ":" + canonical_dump(member));
  }
  return members;
}

std::string object_text(const std::vector<std::string>& members) {
  std::string text = "{";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) text += ",";
    text += members[i];
  }
  return text + "}";
}

// Offsets where an inserted byte would land outside every string.
std::vector<std::size_t> offsets_outside_strings(std::string_view text) {
  std::vector<std::size_t> offsets;
  bool in_string = false;
  bool after_backslash = false;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (!in_string) offsets.push_back(i);
    if (i == text.size()) break;
    const char c = text[i];
    if (!in_string) {
      in_string = c == '"';
    } else if (after_backslash) {
      after_backslash = false;
    } else if (c == '\\') {
      after_backslash = true;
    } else if (c == '"') {
      in_string = false;
    }
  }
  return offsets;
}

}  // namespace

TEST_CASE("canonical documents are accepted", "[canonical_json]") {
  SECTION("nested objects and arrays") {
    check_all_accepted({R"({"a":{"b":[1,2,{"c":null}]},"d":[[],[true,false]]})",
                        R"([{"a":1},{"a":2}])", R"({"amount":12500,"payer":"region-01"})"});
  }
  SECTION("an empty object and an empty array") { check_all_accepted({"{}", "[]", "[{}]"}); }
  SECTION("Unicode text in values, written raw") {
    check_all_accepted({"{\"voucher\":\"创新券\"}", "\"é\"", "\"😀\"", "\"\x7f\""});
  }
  SECTION("the int64 bounds") {
    check_all_accepted({"-9223372036854775808", "9223372036854775807", "0", "-1", "[10,-10]"});
  }
  SECTION("the literals true, false and null") { check_all_accepted({"true", "false", "null"}); }
  SECTION("the canonical escapes") {
    check_all_accepted({R"("\"\\\b\f\n\r\t")", R"("\u0000\u0001\u000b\u001f")", R"("/")"});
  }
  SECTION("keys sorted bytewise: uppercase before lowercase, a prefix before longer keys") {
    check_all_accepted({R"({"":0,"A":1,"B":2,"Z":3,"_":4,"a":5,"aa":6,"b":7})",
                        R"({"a b":1,"a~":2})", "{\"a\":1,\"\x7f\":2}"});
  }
  SECTION("each object has its own key order, so the same key may recur in other objects") {
    check_all_accepted(
        {R"({"a":{"a":1},"b":{"a":2}})", R"({"a":{"z":1},"b":1})", R"([{"b":1},{"a":1}])"});
  }
  SECTION("any value at the top level") { check_all_accepted({"\"text\"", "42", "null"}); }
}

TEST_CASE("an empty input is refused as malformed", "[canonical_json]") {
  CHECK(code_of("") == Code::json_syntax);
}

TEST_CASE("malformed JSON is refused as a syntax error", "[canonical_json]") {
  check_all_refused(
      {"{",       "[",    "]",        "}",         ":",           ",",          "[1,]",
       "[,1]",    "{,}",  R"({"a"})", R"({"a":})", R"({"a":1,})", R"({"a":1])", R"([1})",
       "{1:2}",   "tru",  "True",     "nul",       "fals",        "-",          "--1",
       "+",       "'a'",  R"("abc)",  R"("\x")",   R"("\u00g1")", R"("\u00")",  "\"\\",
       "\"\\u00", "\x0b", "[1:2]",    "{\"a\"1}",  "NaN"},
      Code::json_syntax);
}

TEST_CASE("whitespace outside strings is refused, wherever it stands", "[canonical_json]") {
  check_all_refused({" {}", "{} ", "{}\n", "\t1", "\r\n", R"({"a":1 })", "[1, 2]", R"({"a" :1})",
                     R"({"a": 1})", "{ }", "[ ]", "1 2", "- 1", "tr ue", "[null ]"},
                    Code::json_whitespace);
}

TEST_CASE("whitespace inside a string is text, not formatting", "[canonical_json]") {
  check_all_accepted({R"({"a":"x y"})", R"({"a b":1})", R"(" ")"});
}

TEST_CASE("keys out of byte order are refused", "[canonical_json]") {
  check_all_refused({R"({"b":1,"a":2})", R"({"ab":1,"a":2})", R"({"a":1,"B":2})",
                     R"({"a":1,"c":2,"b":3})", R"({"a":{"y":1,"x":2}})", R"([{"b":1,"a":1}])"},
                    Code::json_unsorted_keys);
}

TEST_CASE("a repeated key is refused", "[canonical_json]") {
  SECTION("a key equal to the one before it is a duplicate") {
    check_all_refused(
        {R"({"a":1,"a":2})", R"({"a":1,"a":1})", R"({"":1,"":2})", R"({"x":{"a":1,"a":2}})"},
        Code::json_duplicate_key);
  }
  SECTION("a key that returns after a greater key is first of all out of order") {
    CHECK(code_of(R"({"b":1,"a":2,"b":3})") == Code::json_unsorted_keys);
    CHECK(code_of(R"({"a":1,"b":2,"a":3})") == Code::json_unsorted_keys);
  }
}

TEST_CASE("numbers with a fraction or exponent are refused as floats", "[canonical_json]") {
  check_all_refused(
      {"1.0", "0.5", "-1.5", "1e5", "1E5", "1e+5", "1e-5", "1.", "[1.5]", R"({"a":2.0})", "-0.0"},
      Code::json_float);
}

TEST_CASE("integers beyond int64 are refused; the bounds themselves are accepted",
          "[canonical_json]") {
  CHECK(check_canonical("9223372036854775807").ok());
  CHECK(check_canonical("-9223372036854775808").ok());
  check_all_refused({"9223372036854775808", "-9223372036854775809", "18446744073709551615",
                     "18446744073709551616", "100000000000000000000", "-100000000000000000000",
                     R"({"a":99999999999999999999})"},
                    Code::json_integer_out_of_range);
}

TEST_CASE("invalid UTF-8 in strings is refused", "[canonical_json]") {
  SECTION("overlong encodings") {
    check_all_refused({"\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\xaf\"", "\"\xe0\x9f\xbf\"",
                       "\"\xf0\x80\x80\xaf\"", "\"\xf0\x8f\xbf\xbf\""},
                      Code::json_invalid_utf8);
  }
  SECTION("surrogates encoded in UTF-8") {
    check_all_refused({"\"\xed\xa0\x80\"", "\"\xed\xbf\xbf\"", "\"\xed\xa0\xbd\xed\xb8\x80\""},
                      Code::json_invalid_utf8);
  }
  SECTION("code points above U+10FFFF and bytes never used in UTF-8") {
    check_all_refused({"\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"", "\"\xfe\""},
                      Code::json_invalid_utf8);
  }
  SECTION("truncated sequences") {
    check_all_refused({"\"\xe5\x88\"", "\"\xe5\x88", "\"\xc3\"", "\"\xf0\x9f\x98\"",
                       "\"\xe5\x88"
                       "a\""},
                      Code::json_invalid_utf8);
  }
  SECTION("stray continuation bytes") {
    check_all_refused({"\"\x80\"",
                       "\"a\xbf"
                       "b\"",
                       "\"\xc3\xa9\xa9\""},
                      Code::json_invalid_utf8);
  }
  SECTION("the edges of valid UTF-8 are accepted") {
    check_all_accepted({"\"\xc2\x80\"", "\"\xdf\xbf\"", "\"\xe0\xa0\x80\"", "\"\xed\x9f\xbf\"",
                        "\"\xee\x80\x80\"", "\"\xef\xbf\xbf\"", "\"\xf0\x90\x80\x80\"",
                        "\"\xf4\x8f\xbf\xbf\""});
  }
}

TEST_CASE("nesting deeper than json_depth_max is refused", "[canonical_json]") {
  CHECK(check_canonical(nested_arrays(json_depth_max)).ok());
  CHECK(check_canonical(nested_objects(json_depth_max)).ok());
  CHECK(code_of(nested_arrays(json_depth_max + 1)) == Code::json_too_deep);
  CHECK(code_of(nested_objects(json_depth_max + 1)) == Code::json_too_deep);
  CHECK(code_of(nested_arrays(100000)) == Code::json_too_deep);  // no stack exhaustion
}

TEST_CASE("numbers not in their shortest form are refused", "[canonical_json]") {
  check_all_refused({"01", "00", "-01", "007", "-0", "+1", "+0", "[0,01]", R"({"a":-0})"},
                    Code::json_noncanonical_number);
}

TEST_CASE("strings not in canonical escaping are refused", "[canonical_json]") {
  SECTION("escapes a canonical string never uses") {
    check_all_refused({R"("\/")", R"("\u0041")", R"("\u00e9")", R"("\u007f")", R"("\u0020")",
                       R"("\u0022")", R"("\u005c")", R"("\ud83d\ude00")"},
                      Code::json_noncanonical_string);
  }
  SECTION("an escaped lone surrogate") {
    check_all_refused({R"("\ud800")", R"("\udfff")"}, Code::json_noncanonical_string);
  }
  SECTION("a long escape where a short one exists") {
    check_all_refused(
        {R"("\u0008")", R"("\u0009")", R"("\u000a")", R"("\u000A")", R"("\u000c")", R"("\u000d")"},
        Code::json_noncanonical_string);
  }
  SECTION("uppercase hex digits") {
    check_all_refused({R"("\u001F")", R"("\u000B")"}, Code::json_noncanonical_string);
  }
  SECTION("raw control characters") {
    check_all_refused(
        {std::string("\"a\0b\"", 5), "\"\x01\"", "\"\t\"", "\"\n\"", "\"\x1f\"", "{\"a\x01\":1}"},
        Code::json_noncanonical_string);
  }
}

TEST_CASE("keys must be plain ASCII without escapes", "[canonical_json]") {
  check_all_refused({"{\"é\":1}", "{\"创新券\":1}", "{\"\xff\":1}", R"({"\u0061":1})",
                     R"({"a\"b":1})", R"({"a\\b":1})", R"({"\n":1})", R"({"a":{"\t":1}})"},
                    Code::json_non_ascii_key);
}

TEST_CASE("anything after the first value is refused as trailing data", "[canonical_json]") {
  check_all_refused(
      {"{}{}", "{}]", "[]}", "1x", "truex", "\"a\"\"b\"", std::string("{}\0", 3), "1,2", "null,"},
      Code::json_trailing_data);
}

TEST_CASE("an input larger than json_bytes_max is refused before it is read", "[canonical_json]") {
  const std::string largest = "\"" + std::string(json_bytes_max - 2, 'a') + "\"";
  REQUIRE(largest.size() == json_bytes_max);
  CHECK(check_canonical(largest).ok());
  CHECK(code_of(largest + "1") == Code::json_too_large);
  CHECK(code_of(std::string(json_bytes_max + 1, ' ')) == Code::json_too_large);
}

TEST_CASE("the first defect in the input is the one reported", "[canonical_json]") {
  CHECK(code_of("[01,1.5]") == Code::json_noncanonical_number);
  CHECK(code_of("[1.5,01]") == Code::json_float);
  CHECK(code_of(R"({"b":1.5,"a":1})") == Code::json_float);
  CHECK(code_of(R"({"b":1,"a":1.5})") == Code::json_unsorted_keys);
  CHECK(code_of(R"({"a": 1.5})") == Code::json_whitespace);
  CHECK(code_of("[\"\\/\",\"\xff\"]") == Code::json_noncanonical_string);
  CHECK(code_of("[\"\xff\",\"\\/\"]") == Code::json_invalid_utf8);
  CHECK(code_of(R"({"a":1,"a":2} )") == Code::json_duplicate_key);
}

TEST_CASE("a refusal names the byte offset of the defect", "[canonical_json]") {
  CHECK(check_canonical(R"({"a":1,"a":2})").message() == "duplicate key \"a\" at byte 7");
  CHECK_THAT(check_canonical(R"({"b":1,"a":2})").message(), Catch::EndsWith("at byte 7"));
  CHECK_THAT(check_canonical(R"({"a": 1})").message(), Catch::EndsWith("at byte 5"));
  CHECK_THAT(check_canonical(R"([1,2.5])").message(), Catch::EndsWith("at byte 3"));
  CHECK_THAT(check_canonical("[\"ab\xff\"]").message(), Catch::EndsWith("at byte 4"));
  CHECK_THAT(check_canonical(R"("a\/")").message(), Catch::EndsWith("at byte 2"));
  CHECK_THAT(check_canonical("{}x").message(), Catch::EndsWith("at byte 2"));
  CHECK_THAT(check_canonical(nested_arrays(json_depth_max + 1)).message(),
             Catch::EndsWith("at byte " + std::to_string(json_depth_max)));
}

TEST_CASE("parse_canonical returns the value of canonical bytes", "[canonical_json]") {
  const Result<json> parsed =
      parse_canonical(R"({"max":9223372036854775807,"min":-9223372036854775808,"v":"创新券"})");
  REQUIRE(parsed.ok());
  CHECK(parsed->at("min").is_number_integer());
  CHECK(parsed->at("max").is_number_integer());
  CHECK_FALSE(parsed->at("max").is_number_float());
  CHECK(parsed->at("min").get<std::int64_t>() == std::numeric_limits<std::int64_t>::min());
  CHECK(parsed->at("max").get<std::int64_t>() == std::numeric_limits<std::int64_t>::max());
  CHECK(parsed->at("v").get<std::string>() == "创新券");
}

TEST_CASE("parse_canonical refuses non-canonical bytes with the checker's reason",
          "[canonical_json]") {
  CHECK(parse_canonical("").status().code() == Code::json_syntax);
  CHECK(parse_canonical(R"({"a": 1})").status().code() == Code::json_whitespace);
  CHECK(parse_canonical(R"({"a":1.5})").status().code() == Code::json_float);
  CHECK(parse_canonical(R"({"b":1,"a":2})").status().code() == Code::json_unsorted_keys);
  CHECK(parse_canonical(nested_arrays(json_depth_max + 1)).status().code() == Code::json_too_deep);
}

TEST_CASE("nlohmann alone accepts a duplicate key that parse_canonical refuses",
          "[canonical_json]") {
  const std::string bytes = R"({"a":1,"a":2})";
  const json lenient = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(lenient.is_discarded());
  CHECK(lenient.size() == 1);  // one of the two amounts silently vanished
  const Result<json> strict = parse_canonical(bytes);
  REQUIRE_FALSE(strict.ok());
  CHECK(strict.status().code() == Code::json_duplicate_key);
}

TEST_CASE("canonical_dump writes sorted keys, no whitespace and minimal escapes",
          "[canonical_json]") {
  SECTION("keys in byte order, whatever the insertion order") {
    const json value = {{"b", 1}, {"a", json::array({1, 2})}, {"B", nullptr}, {"_", true}};
    CHECK(canonical_dump(value) == R"({"B":null,"_":true,"a":[1,2],"b":1})");
  }
  SECTION("control characters escaped, short forms where they exist, lowercase hex otherwise") {
    CHECK(canonical_dump(json("\b\f\n\r\t")) == R"("\b\f\n\r\t")");
    CHECK(canonical_dump(json(std::string("\0\x01\x0b\x1f", 4))) ==
          R"("\u0000\u0001\u000b\u001f")");
  }
  SECTION("quote and backslash escaped; slash, DEL and non-ASCII written raw") {
    CHECK(canonical_dump(json("\"\\")) == R"("\"\\")");
    CHECK(canonical_dump(json("/\x7f创新券")) == "\"/\x7f创新券\"");
  }
  SECTION("the int64 bounds and unsigned values within them") {
    CHECK(canonical_dump(json(std::numeric_limits<std::int64_t>::min())) == "-9223372036854775808");
    CHECK(canonical_dump(json(std::uint64_t{9223372036854775807ULL})) == "9223372036854775807");
  }
  SECTION("empty containers and literals") {
    CHECK(canonical_dump(json::object()) == "{}");
    CHECK(canonical_dump(json::array()) == "[]");
    CHECK(canonical_dump(json::parse("[true,false,null]")) == "[true,false,null]");
  }
}

TEST_CASE("random values round-trip through canonical_dump and parse_canonical",
          "[canonical_json]") {
  Generator generator(20240601);
  for (int i = 0; i < random_values_count; ++i) {
    const json value = generator.value(0);
    const std::string bytes = canonical_dump(value);
    INFO("value " << i << ": " << shown(bytes));
    const Status status = check_canonical(bytes);
    INFO("message: " << status.message());
    REQUIRE(status.ok());
    const Result<json> parsed = parse_canonical(bytes);
    REQUIRE(parsed.ok());
    CHECK(*parsed == value);
    CHECK(canonical_dump(*parsed) == bytes);
  }
}

TEST_CASE("a space inserted outside strings breaks canonical form", "[canonical_json]") {
  Generator generator(7);
  std::mt19937 random(8);
  for (int i = 0; i < random_values_count; ++i) {
    const std::string bytes = canonical_dump(generator.value(0));
    const std::vector<std::size_t> offsets = offsets_outside_strings(bytes);
    const std::size_t offset = offsets[random() % offsets.size()];
    std::string mutated = bytes;
    mutated.insert(offset, 1, " \t\n\r"[random() % 4]);
    INFO("mutated: " << shown(mutated));
    CHECK(code_of(mutated) == Code::json_whitespace);
  }
}

TEST_CASE("swapping two keys breaks canonical form", "[canonical_json]") {
  Generator generator(9);
  std::mt19937 random(10);
  for (int i = 0; i < random_values_count; ++i) {
    std::vector<std::string> members = member_texts(generator.object(0, 2));
    const std::size_t first = random() % (members.size() - 1);
    const std::size_t second = first + 1 + random() % (members.size() - first - 1);
    std::swap(members[first], members[second]);
    const std::string mutated = "[0," + object_text(members) + "]";
    INFO("mutated: " << shown(mutated));
    CHECK(code_of(mutated) == Code::json_unsorted_keys);
  }
}

TEST_CASE("duplicating a key breaks canonical form", "[canonical_json]") {
  Generator generator(11);
  std::mt19937 random(12);
  for (int i = 0; i < random_values_count; ++i) {
    const json object = generator.object(0, 1);
    std::vector<std::string> members = member_texts(object);
    const std::size_t index = random() % members.size();
    const std::string key = std::next(object.begin(), static_cast<long>(index)).key();
    // Same key, and either the same value or another one.
    const std::string copy =
        random() % 2 == 0 ? members[index]
                          : canonical_dump(json(key)) + ":" + canonical_dump(generator.value(1));
    members.insert(members.begin() + static_cast<long>(index) + 1, copy);
    const std::string mutated = R"({"a":)" + object_text(members) + "}";
    INFO("mutated: " << shown(mutated));
    CHECK(code_of(mutated) == Code::json_duplicate_key);
  }
}

TEST_CASE("a truncated document is refused", "[canonical_json]") {
  Generator generator(13);
  for (int i = 0; i < 200; ++i) {
    const std::string bytes = canonical_dump(generator.object(0, 1));
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      INFO("prefix: " << shown(bytes.substr(0, length)));
      CHECK_FALSE(check_canonical(std::string_view(bytes).substr(0, length)).ok());
    }
  }
}
