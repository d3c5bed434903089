// Money: int64 fen (1/100 yuan), never floating point, every operation checked for overflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace innoclear::clearing {

constexpr std::int64_t fen_per_yuan = 100;
constexpr std::int64_t basis_points = 10'000;

// a + b, or nullopt on overflow.
std::optional<std::int64_t> add_fen(std::int64_t a, std::int64_t b);
// a − b, or nullopt on overflow.
std::optional<std::int64_t> subtract_fen(std::int64_t a, std::int64_t b);
// floor(amount × ratio_bp / 10 000) for amount ≥ 0 and 0 ≤ ratio_bp ≤ 10 000 (never overflows).
std::int64_t apply_ratio(std::int64_t amount, std::int64_t ratio_bp);

// "¥1,234.56" for people.
std::string format_yuan(std::int64_t fen);

}  // namespace innoclear::clearing
