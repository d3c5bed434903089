// `innoclear up`, internal to cli/: the federation's data directories and manifest
// (up_federation.cpp), the table of its nodes (up_table.cpp), and the verb that runs them under
// bench::NodeSupervisor (up_verbs.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/status.h"
#include "clearing/region.h"
#include "nodes/manifest.h"

namespace innoclear::cli {

constexpr int up_base_port_default = 7100;

struct UpArguments {
  std::string dir = "federation";
  int base_port = up_base_port_default;
  std::int64_t period_seconds = 0;
  bool base_port_given = false;
  bool period_given = false;
  bool demo = false;
  bool stop_after_demo = false;
};

std::filesystem::path manifest_file_of(const std::filesystem::path& dir);
// DIR/<code>/node.log: where the region's node writes.
std::filesystem::path node_log_of(const std::filesystem::path& dir, clearing::Region region);

// The manifest of the federation in `dir`. First run: every region's directory (created where
// missing) and a new manifest naming them, region i listening on base_port + 1 + i. Later runs:
// the manifest as saved, checked against the directories it names.
Result<nodes::Manifest> prepare_federation(const std::filesystem::path& dir,
                                           const UpArguments& arguments);

// Each member's node: region, name, URL, the start of its TLS fingerprint, its log.
void print_table(const nodes::Manifest& manifest, const std::filesystem::path& dir);
// Each region's portal address (its API's URL, path "/"), printed when the federation serves.
void print_portals(const nodes::Manifest& manifest);

}  // namespace innoclear::cli
