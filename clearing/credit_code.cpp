#include "clearing/credit_code.h"

#include <array>

namespace innoclear::clearing {

namespace {
constexpr std::string_view alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> weights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                         29, 25, 13, 8,  24, 10, 30, 28};
}  // namespace

char credit_code_check_character(std::string_view first_17) {
  if (first_17.size() != weights.size()) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const std::size_t value = alphabet.find(first_17[i]);
    if (value == std::string_view::npos) return '\0';
    sum += static_cast<int>(value) * weights[i];
  }
  const int check = (31 - sum % 31) % 31;
  return alphabet[static_cast<std::size_t>(check)];
}

bool valid_credit_code(std::string_view code) {
  if (code.size() != 18) return false;
  const char check = credit_code_check_character(code.substr(0, 17));
  return check != '\0' && check == code[17];
}

}  // namespace innoclear::clearing
