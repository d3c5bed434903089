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

TEST_CASE("A code completed with both its check characters is valid") {
  for (const std::string first_16 :
       {"91110108MA000000", "1210000040000000", "Y1440300MA5DXXXX", "51110000MJ000000"}) {
    INFO(first_16);
    const std::string code = complete_credit_code(first_16);
    REQUIRE(code.size() == 18);
    CHECK(code.substr(0, 16) == first_16);
    CHECK(valid_credit_code(code));
  }
}

TEST_CASE("The organisation code's check character follows GB 11714") {
  // The standard's worked example: D2143569-X (3×13 + 7×2 + 9×1 + 10×4 + 5×3 + 8×5 + 4×6 + 2×9 =
  // 199; 11 − 199 mod 11 = 10, written X).
  CHECK(organisation_code_check_character("D2143569") == 'X');
  CHECK(organisation_code_check_character("80210043") == '3');
  CHECK(organisation_code_check_character("MA01C3KD") == '5');
  // 11 − 0 = 11 is written 0.
  CHECK(organisation_code_check_character("00000000") == '0');
  CHECK(organisation_code_check_character("0000000") == '\0');
  CHECK(organisation_code_check_character("0000000a") == '\0');
}

TEST_CASE("A code whose organisation-code check character is wrong is refused") {
  // The docs' own example once was 91110108MA01C3KD7E: its final character is right for its first
  // 17, but MA01C3KD's check character is 5.
  CHECK(credit_code_check_character("91110108MA01C3KD7") == 'E');
  CHECK_FALSE(valid_credit_code("91110108MA01C3KD7E"));
  CHECK(valid_credit_code("91110108MA01C3KD58"));
  for (const char other : std::string("012346789X")) {
    std::string first_17 = "91110108MA01C3KD" + std::string(1, other);
    CHECK_FALSE(valid_credit_code(first_17 + credit_code_check_character(first_17)));
  }
}

TEST_CASE("A code's authority and category come from the standard's table") {
  for (const std::string first_2 : {"11", "12", "13", "19", "51", "52", "53", "59", "91", "92",
                                    "93", "Y1", "N1", "N2", "A1", "31", "35"}) {
    INFO(first_2);
    CHECK_FALSE(complete_credit_code(first_2 + "110000MA000000").empty());
  }
  for (const std::string first_2 : {"94", "99", "90", "Y2", "01", "B1", "14", "N4", "10"}) {
    INFO(first_2);
    CHECK(complete_credit_code(first_2 + "110000MA000000").empty());
    std::string first_17 = first_2 + "110000MA0000000";
    first_17[16] = organisation_code_check_character(first_17.substr(8, 8));
    CHECK_FALSE(valid_credit_code(first_17 + credit_code_check_character(first_17)));
  }
}

TEST_CASE("A code's division is six digits naming a province or the State") {
  for (const std::string division : {"110108", "350100", "520100", "100000", "650000"}) {
    INFO(division);
    CHECK_FALSE(complete_credit_code("91" + division + "MA000000").empty());
  }
  for (const std::string division : {"990000", "000000", "160000", "710000", "1101A8", "AB0000"}) {
    INFO(division);
    CHECK(complete_credit_code("91" + division + "MA000000").empty());
  }
}

TEST_CASE("Each region's own province") {
  CHECK(home_province(Region::BJ) == "11");
  CHECK(home_province(Region::TJ) == "12");
  CHECK(home_province(Region::HE) == "13");
  CHECK(home_province(Region::NM) == "15");
  CHECK(home_province(Region::GZ) == "52");
  CHECK(home_province(Region::CD) == "51");
}

TEST_CASE("A code with any other check character is refused") {
  for (const std::string code :
       {"91350100M000100Y43", "91110000802100433B", "91110108MA01C3KD58"}) {
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
