// Unified social credit codes (GB 32100-2015): how an enterprise is identified.
#include "clearing/credit_code.h"

#include <catch2/catch.hpp>
#include <string>

using namespace innoclear::clearing;

namespace {
const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
}

TEST_CASE("Real unified social credit codes are accepted") {
  CHECK(valid_credit_code("91350100M000100Y43"));
  CHECK(valid_credit_code("91110000802100433B"));
  CHECK(credit_code_check_character("91350100M000100Y4") == '3');
  CHECK(credit_code_check_character("91110000802100433") == 'B');
}

TEST_CASE("A code with its check character appended is valid") {
  for (const std::string first_17 :
       {"91110108MA0000001", "12100000400000000", "Y1440300MA5DXXXXX", "00000000000000000"}) {
    const char check = credit_code_check_character(first_17);
    REQUIRE(check != '\0');
    CHECK(valid_credit_code(first_17 + check));
  }
}

TEST_CASE("A code with any other check character is refused") {
  for (const std::string code : {"91350100M000100Y43", "91110000802100433B"}) {
    for (const char other : alphabet) {
      if (other == code[17]) continue;
      CHECK_FALSE(valid_credit_code(code.substr(0, 17) + other));
    }
  }
}

TEST_CASE("A code of the wrong length is refused") {
  CHECK_FALSE(valid_credit_code(""));
  CHECK_FALSE(valid_credit_code("91350100M000100Y4"));    // 17
  CHECK_FALSE(valid_credit_code("91350100M000100Y433"));  // 19
  CHECK_FALSE(valid_credit_code("91350100M000100Y43 "));
  CHECK(credit_code_check_character("91350100M000100Y") == '\0');
  CHECK(credit_code_check_character("91350100M000100Y43") == '\0');
}

TEST_CASE("A code with a letter outside the alphabet (I, O, Z, S, V, lower case) is refused") {
  for (const char forbidden : std::string("IOZSVaz-")) {
    std::string first_17 = "91350100M000100Y4";
    first_17[8] = forbidden;
    INFO("letter " << forbidden);
    CHECK(credit_code_check_character(first_17) == '\0');
    for (const char check : alphabet) CHECK_FALSE(valid_credit_code(first_17 + check));
    // Nor as the check character.
    CHECK_FALSE(valid_credit_code("91350100M000100Y4" + std::string(1, forbidden)));
  }
}

TEST_CASE("Lower case is not accepted for an upper-case code") {
  CHECK_FALSE(valid_credit_code("91110000802100433b"));
  CHECK_FALSE(valid_credit_code("91350100m000100Y43"));
}
