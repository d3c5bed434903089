#include "clearing/amount.h"

#include <cassert>

namespace innoclear::clearing {

std::optional<std::int64_t> add_fen(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

std::optional<std::int64_t> subtract_fen(std::int64_t a, std::int64_t b) {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) return std::nullopt;
  return difference;
}

std::int64_t apply_ratio(std::int64_t amount, std::int64_t ratio_bp) {
  assert(amount >= 0);
  assert(ratio_bp >= 0 && ratio_bp <= basis_points);
  // amount / 10 000 × ratio + (amount mod 10 000) × ratio / 10 000: no intermediate exceeds
  // amount, so nothing overflows.
  return amount / basis_points * ratio_bp + amount % basis_points * ratio_bp / basis_points;
}

std::string format_yuan(std::int64_t fen) {
  const bool negative = fen < 0;
  // Work in unsigned to print INT64_MIN safely.
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(fen + 1)) + 1 : static_cast<std::uint64_t>(fen);
  std::string whole = std::to_string(magnitude / fen_per_yuan);
  for (int i = static_cast<int>(whole.size()) - 3; i > 0; i -= 3)
    whole.insert(static_cast<std::size_t>(i), ",");
  const std::uint64_t cents = magnitude % fen_per_yuan;
  return std::string(negative ? "-" : "") + "¥" + whole + "." + (cents < 10 ? "0" : "") +
         std::to_string(cents);
}

}  // namespace innoclear::clearing
