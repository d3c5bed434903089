// Money: whole fen in int64, subsidy ratios in basis points, never a rounding surprise.
#include "clearing/amount.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>

using namespace innoclear::clearing;

namespace {

constexpr std::int64_t max_fen = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t min_fen = std::numeric_limits<std::int64_t>::min();

__extension__ typedef __int128 wide;  // reference arithmetic that cannot overflow

std::int64_t exact_ratio(std::int64_t amount, std::int64_t ratio_bp) {
  return static_cast<std::int64_t>(static_cast<wide>(amount) * ratio_bp / basis_points);
}

}  // namespace

TEST_CASE("A subsidy ratio takes its share of a price and rounds down to the fen") {
  CHECK(apply_ratio(100'000, 5'000) == 50'000);    // half of ¥1,000 is ¥500
  CHECK(apply_ratio(100'000, 10'000) == 100'000);  // the full price
  CHECK(apply_ratio(100'000, 0) == 0);
  CHECK(apply_ratio(0, 7'500) == 0);
  CHECK(apply_ratio(3, 5'000) == 1);          // 1.5 fen rounds down
  CHECK(apply_ratio(9'999, 3'333) == 3'332);  // 3332.6667
  CHECK(apply_ratio(1, 9'999) == 0);
  CHECK(apply_ratio(10'001, 1) == 1);
}

TEST_CASE("A subsidy ratio is exact even for amounts near the largest int64") {
  CHECK(apply_ratio(max_fen, 10'000) == max_fen);
  CHECK(apply_ratio(max_fen, 5'000) == max_fen / 2);
  CHECK(apply_ratio(max_fen, 9'999) == exact_ratio(max_fen, 9'999));
  CHECK(apply_ratio(max_fen, 1) == exact_ratio(max_fen, 1));
  CHECK(apply_ratio(max_fen - 1, 3'333) == exact_ratio(max_fen - 1, 3'333));
  std::mt19937_64 random(20240315);
  std::uniform_int_distribution<std::int64_t> amounts(0, max_fen);
  std::uniform_int_distribution<std::int64_t> ratios(0, basis_points);
  for (int i = 0; i < 20'000; ++i) {
    const std::int64_t amount = i % 2 == 0 ? amounts(random) : max_fen - i;
    const std::int64_t ratio = ratios(random);
    INFO(amount << " × " << ratio << " bp");
    REQUIRE(apply_ratio(amount, ratio) == exact_ratio(amount, ratio));
  }
}

TEST_CASE("Adding and subtracting money reports overflow instead of wrapping") {
  CHECK(add_fen(1, 2) == 3);
  CHECK(add_fen(max_fen - 1, 1) == max_fen);
  CHECK_FALSE(add_fen(max_fen, 1).has_value());
  CHECK_FALSE(add_fen(max_fen, max_fen).has_value());
  CHECK_FALSE(add_fen(min_fen, -1).has_value());
  CHECK(add_fen(min_fen, max_fen) == -1);
  CHECK(subtract_fen(5, 7) == -2);
  CHECK(subtract_fen(-1, max_fen) == min_fen);
  CHECK_FALSE(subtract_fen(min_fen, 1).has_value());
  CHECK_FALSE(subtract_fen(0, min_fen).has_value());
  CHECK_FALSE(subtract_fen(max_fen, -1).has_value());
}

TEST_CASE("Amounts are shown to people in yuan with thousands separators") {
  CHECK(format_yuan(123'456) == "¥1,234.56");
  CHECK(format_yuan(0) == "¥0.00");
  CHECK(format_yuan(5) == "¥0.05");
  CHECK(format_yuan(100) == "¥1.00");
  CHECK(format_yuan(99'999) == "¥999.99");
  CHECK(format_yuan(100'000) == "¥1,000.00");
  CHECK(format_yuan(500'000) == "¥5,000.00");
  CHECK(format_yuan(100'000'000) == "¥1,000,000.00");
  CHECK(format_yuan(-123'456) == "-¥1,234.56");
  CHECK(format_yuan(-1) == "-¥0.01");
  CHECK(format_yuan(max_fen) == "¥92,233,720,368,547,758.07");
  CHECK(format_yuan(min_fen) == "-¥92,233,720,368,547,758.08");
}
