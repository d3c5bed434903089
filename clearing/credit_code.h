// Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters from a 31-letter
// alphabet (digits and upper-case letters without I, O, Z, S, V):
//   1      the registration authority (1 机构编制, 5 民政, 9 工商, Y 其他, …)
//   2      the organisation's category, one the authority registers (9 then 1 企业, 2 个体工商户,
//   …) 3–8    the administrative division of the registering office (GB/T 2260, 6 digits) 9–17 the
//   organisation code (GB 11714): 8 characters and its check character (0–9 or X) 18     the check
//   character of the whole code
#pragma once

#include <string>
#include <string_view>

#include "clearing/region.h"

namespace innoclear::clearing {

// True iff `code` follows every rule above: length, alphabet, an authority and a category of the
// standard's table, six digits naming a province of GB/T 2260 (or 100000, the State), a correct
// organisation-code check character and a correct final check character.
bool valid_credit_code(std::string_view code);

// The check character for the first 17 characters, or '\0' if they are not in the alphabet.
char credit_code_check_character(std::string_view first_17);

// The GB 11714 check character of an organisation code's first 8 characters ('0'–'9' or 'X'), or
// '\0' if they are not 8 digits and upper-case letters.
char organisation_code_check_character(std::string_view first_8);

// A whole code from its first 16 characters (authority, category, division, organisation code
// body): both check characters appended. Empty if they cannot start a valid code. For tests and
// demos that make codes up.
std::string complete_credit_code(std::string_view first_16);

// The two-digit province (GB/T 2260) of a region's own enterprises: BJ "11", TJ "12", HE "13",
// NM "15", GZ "52", CD "51" — what a policy accepts when it names no credit_code_divisions.
std::string_view home_province(Region region);

}  // namespace innoclear::clearing
