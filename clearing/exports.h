// A region's statement of one clearing period, as files for its finance office and its bank:
// CSV for people and spreadsheets, ISO 20022 camt.053.001.08 (BankToCustomerStatement) for
// systems. Pure formatting: the caller writes the files.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "clearing/settlement.h"

namespace innoclear::clearing {

struct RegionStatement {
  Region region = Region::BJ;
  std::string period;                 // e.g. "2026-11", or "P1764000000000" for short test periods
  std::int64_t from_ms = 0;           // period start, UTC ms (inclusive)
  std::int64_t to_ms = 0;             // period end, UTC ms (exclusive)
  std::int64_t created_ms = 0;        // when the settlement was agreed, UTC ms
  std::string settlement_sha256;      // hex digest of the signed settlement document
  std::vector<ObligationLine> lines;  // every cross-region line this region is a party to
  std::int64_t net_position = 0;      // fen: positive receives, negative pays
  std::vector<Transfer> transfers;    // the settlement transfers this region pays or receives
};

// One header line, then one row per obligation and per transfer and a final "net" row,
// '\n'-terminated; amounts in yuan with two decimals; times in Asia/Shanghai; fields quoted as
// RFC 4180 requires. Columns: see exports.cpp.
std::string statement_csv(const RegionStatement& statement);

// camt.053.001.08 XML: one statement (Stmt) of the region's clearing account: opening balance
// (OPBD) 0, interim balance (ITBD) the net position before settlement, closing balance (CLBD) the
// sum of all entries — 0 once the transfers settle the net position. One entry (Ntry) per
// provider redemption owed to or by the region and per settlement transfer (a transfer the region
// pays in is a credit to its clearing account). Pay-first lines move no money between regions and
// appear in the CSV only. Valid against shared/schemas/camt.053.001.08.xsd (tested with xmllint).
std::string statement_camt053(const RegionStatement& statement);

// The statement of `region` from its node's view of a settled period (the answer of
// query.settlement, clearing::settlement_view): its lines, its net position and the transfers it
// pays or receives in the signed document, `created_ms` = settled_ms. period_open if the period is
// not settled yet; bad_statement if the view is malformed.
Result<RegionStatement> region_statement(Region region, const nlohmann::json& view);

enum class StatementFormat { csv, camt053 };
struct StatementFile {
  std::string name;  // "<REGION>.csv", "<REGION>.camt053.xml"
  std::string text;
};
// The statement's files in the formats asked, in that order.
std::vector<StatementFile> statement_files(const RegionStatement& statement,
                                           const std::vector<StatementFormat>& formats);

}  // namespace innoclear::clearing
