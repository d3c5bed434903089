#include "base/utf8.h"

#include <catch2/catch.hpp>

using namespace innoclear;

TEST_CASE("utf8_decode yields the code points of well-formed UTF-8", "[utf8]") {
  CHECK(utf8_decode("") == std::u32string());
  CHECK(utf8_decode("BJ") == std::u32string(U"BJ"));
  // One, two, three and four bytes a code point.
  CHECK(utf8_decode("a\xC3\xA9\xE5\x8C\x97\xF0\x9F\x98\x80") ==
        std::u32string(U"a\u00E9\u5317\U0001F600"));
  CHECK(utf8_decode("Inner Mongolia 内蒙古")->size() == 18);
}

TEST_CASE("utf8_decode refuses what is_valid_utf8 refuses", "[utf8]") {
  for (const std::string_view bad :
       {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE5\x8C", "ok\xFF"}) {
    CHECK_FALSE(is_valid_utf8(bad));
    CHECK_FALSE(utf8_decode(bad).has_value());
  }
}
