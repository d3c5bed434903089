// The table `innoclear up` prints once its nodes serve: what an operator needs to reach each one.
#include <cstdio>
#include <optional>
#include <string>

#include "base/utf8.h"
#include "clearing/region.h"
#include "cli/up.h"

namespace innoclear::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t name_column_width = 22;  // "Inner Mongolia 内蒙古" and a space
constexpr std::size_t url_column_width = 24;
constexpr std::size_t code_column_width = 6;

// Display columns of UTF-8 text: the regions' Chinese names take two columns a character. Every
// code point from U+0800 (three bytes and more) counts as wide, which holds for the names shown.
std::size_t display_width(const std::string& text) {
  const std::optional<std::u32string> code_points = utf8_decode(text);
  if (!code_points) return text.size();  // not UTF-8: one column a byte
  std::size_t width = 0;
  for (const char32_t code_point : *code_points) width += code_point >= 0x800 ? 2 : 1;
  return width;
}

std::string padded(const std::string& text, std::size_t width) {
  const std::size_t shown = display_width(text);
  return text + std::string(shown < width ? width - shown : 0, ' ');
}

}  // namespace

void print_table(const nodes::Manifest& manifest, const fs::path& dir) {
  std::printf("\n%s  %s  %s  %s\n", "region", padded("name", name_column_width).c_str(),
              padded("URL (--node)", url_column_width).c_str(), "TLS fingerprint (--pin)");
  for (const nodes::Member& member : manifest.members) {
    const std::string code(clearing::region_code(member.region));
    // The whole fingerprint: what --pin takes (a prefix would pin nothing safely).
    std::printf("%s  %s  %s  %s\n", padded(code, code_column_width).c_str(),
                padded(member.name, name_column_width).c_str(),
                padded(member.base_url, url_column_width).c_str(), member.tls_fingerprint.c_str());
  }
  std::printf(
      "\nmanifest %s; each node's log is %s/<region>/node.log; each office's key is "
      "%s/<region>/office.key (actor office.<region>)\n\n",
      manifest_file_of(dir).c_str(), dir.c_str(), dir.c_str());
  std::fflush(stdout);
}

void print_portals(const nodes::Manifest& manifest) {
  std::printf(
      "\nThe portal of each region (open it in a browser; the certificate is the node's own,\n"
      "self-signed, so the browser asks once; office keys to import are in the table above):\n");
  for (const nodes::Member& member : manifest.members) {
    const std::string code(clearing::region_code(member.region));
    std::printf("  %s  %s  %s/\n", padded(code, code_column_width).c_str(),
                padded(member.name, name_column_width).c_str(), member.base_url.c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace innoclear::cli
