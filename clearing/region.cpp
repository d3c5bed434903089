#include "clearing/region.h"

#include <string>

namespace innoclear::clearing {

std::string_view region_code(Region region) {
  switch (region) {
    case Region::BJ:
      return "BJ";
    case Region::TJ:
      return "TJ";
    case Region::HE:
      return "HE";
    case Region::NM:
      return "NM";
    case Region::GZ:
      return "GZ";
    case Region::CD:
      return "CD";
  }
  return "??";
}

std::string_view region_name(Region region) {
  switch (region) {
    case Region::BJ:
      return "Beijing 北京";
    case Region::TJ:
      return "Tianjin 天津";
    case Region::HE:
      return "Hebei 河北";
    case Region::NM:
      return "Inner Mongolia 内蒙古";
    case Region::GZ:
      return "Guizhou 贵州";
    case Region::CD:
      return "Chengdu 成都";
  }
  return "?";
}

Result<Region> parse_region(std::string_view code) {
  for (Region region : all_regions) {
    if (region_code(region) == code) return region;
  }
  return {Code::invalid_argument,
          "unknown region '" + std::string(code) + "' (expected BJ, TJ, HE, NM, GZ or CD)"};
}

}  // namespace innoclear::clearing
