#include "clearing/credit_code.h"

#include <array>

namespace innoclear::clearing {

namespace {

constexpr std::string_view alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> weights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                         29, 25, 13, 8,  24, 10, 30, 28};
constexpr std::array<int, 8> organisation_weights = {3, 7, 9, 10, 5, 8, 4, 2};

// GB 32100-2015 table 1 (with the later A 军队 and N 农业 rows): each registration authority and
// the organisation categories it registers.
struct Authority {
  char code;
  std::string_view categories;
};
constexpr std::array<Authority, 12> authorities = {{
    {'1', "1239"},  // 机构编制: 机关, 事业单位, 中央编办管理的群众团体, 其他
    {'2', "19"},    // 外交
    {'3', "123459"},  // 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会
    {'4', "19"},      // 文化
    {'5', "1239"},    // 民政: 社会团体, 民办非企业单位, 基金会, 其他
    {'6', "129"},     // 旅游
    {'7', "129"},     // 宗教
    {'8', "19"},      // 工会
    {'9', "123"},     // 工商: 企业, 个体工商户, 农民专业合作社
    {'A', "19"},      // 中央军委改革和编制办公室
    {'N', "1239"},    // 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    {'Y', "1"},       // 其他
}};

// The first two digits of GB/T 2260 division codes: the State (10) and the provinces.
constexpr std::array<std::string_view, 32> provinces = {
    "10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_authority_and_category(char authority, char category) {
  for (const Authority& row : authorities) {
    if (row.code == authority) return row.categories.find(category) != std::string_view::npos;
  }
  return false;
}

bool valid_division(std::string_view division) {
  for (const char c : division) {
    if (!is_digit(c)) return false;
  }
  for (const std::string_view province : provinces) {
    if (division.substr(0, 2) == province) return true;
  }
  return false;
}

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

char organisation_code_check_character(std::string_view first_8) {
  if (first_8.size() != organisation_weights.size()) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < organisation_weights.size(); ++i) {
    const char c = first_8[i];
    int value = 0;
    if (is_digit(c)) {
      value = c - '0';
    } else if (c >= 'A' && c <= 'Z') {
      value = c - 'A' + 10;
    } else {
      return '\0';
    }
    sum += value * organisation_weights[i];
  }
  const int check = 11 - sum % 11;
  if (check == 10) return 'X';
  if (check == 11) return '0';
  return static_cast<char>('0' + check);
}

bool valid_credit_code(std::string_view code) {
  if (code.size() != 18) return false;
  const char check = credit_code_check_character(code.substr(0, 17));
  return check != '\0' && check == code[17] && valid_authority_and_category(code[0], code[1]) &&
         valid_division(code.substr(2, 6)) &&
         organisation_code_check_character(code.substr(8, 8)) == code[16];
}

std::string complete_credit_code(std::string_view first_16) {
  if (first_16.size() != 16) return {};
  std::string code(first_16);
  code += organisation_code_check_character(first_16.substr(8, 8));
  code += credit_code_check_character(code);
  if (!valid_credit_code(code)) return {};
  return code;
}

std::string_view home_province(Region region) {
  switch (region) {
    case Region::BJ:
      return "11";
    case Region::TJ:
      return "12";
    case Region::HE:
      return "13";
    case Region::NM:
      return "15";
    case Region::GZ:
      return "52";
    case Region::CD:
      return "51";
  }
  return "";
}

}  // namespace innoclear::clearing
