// A finance office's part in settling a clearing period, over its node's API: see the settlement,
// sign it, write its region's statement files. `innoclear office settlement show|sign`, `office
// statements` and the demo all go through these. Internal to cli/.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "clearing/exports.h"
#include "cli/client.h"

namespace innoclear::cli {

// Signs the settlement document the office's node proposed for `period`: reads it
// (query.settlement) and states settlement.sign with its SHA-256. If `expected_sha256` is not
// empty, the node's document must have that digest (statements_differ otherwise: nothing is
// signed). period_open while no document is proposed (the period has not ended, or a region has
// not closed it); id_conflict if the office signed already. Returns settlement.sign's result.
Result<nlohmann::json> sign_settlement(const Caller& office, const std::string& period,
                                       const std::string& expected_sha256);

// Writes `region`'s statement of the settled `period` in `formats` into `dir` (created if
// missing), from the office's query.settlement: <REGION>.csv, <REGION>.camt053.xml. period_open
// before every office signed. Returns the files written.
Result<std::vector<std::filesystem::path>> write_statements(
    const Caller& office, clearing::Region region, const std::string& period,
    const std::vector<clearing::StatementFormat>& formats, const std::filesystem::path& dir);

}  // namespace innoclear::cli
