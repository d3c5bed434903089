// The regions of the federation and their stable two-letter codes.
#pragma once

#include <array>
#include <string_view>

#include "base/status.h"

namespace innoclear::clearing {

enum class Region : std::uint8_t { BJ, TJ, HE, NM, GZ, CD };

constexpr std::array<Region, 6> all_regions = {Region::BJ, Region::TJ, Region::HE,
                                               Region::NM, Region::GZ, Region::CD};

std::string_view region_code(Region region);  // "BJ"
std::string_view region_name(Region region);  // "Beijing 北京"
// Fails with invalid_argument on anything but one of the six codes (upper case).
Result<Region> parse_region(std::string_view code);

}  // namespace innoclear::clearing
