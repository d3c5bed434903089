// Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters from a 31-letter
// alphabet (digits and upper-case letters without I, O, Z, S, V); the last is a check character.
#pragma once

#include <string_view>

namespace innoclear::clearing {

// True iff `code` has the right length and alphabet and its check character is correct.
bool valid_credit_code(std::string_view code);

// The check character for the first 17 characters, or '\0' if they are not in the alphabet.
char credit_code_check_character(std::string_view first_17);

}  // namespace innoclear::clearing
