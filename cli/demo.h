// `innoclear up --demo`: a realistic day of the federation, driven through the nodes' HTTPS APIs
// as each region's finance office, enterprises and providers would, ending with a closed
// clearing period, its settlement report, and every region's statement files.
#pragma once

#include <filesystem>

#include "base/status.h"
#include "nodes/manifest.h"

namespace innoclear::cli {

// REQUIRES: every manifest member's node is up and serving; `federation_dir` holds each
// region's data directory (DIR/<code>/, for the office keys) and is where the statements go.
Status run_demo(const std::filesystem::path& federation_dir, const nodes::Manifest& manifest);

}  // namespace innoclear::cli
