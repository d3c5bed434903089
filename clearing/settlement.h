// Clearing between regions: the obligations two notaries both recorded, the comparison of their
// period statements, and multilateral netting into settlement transfers. Pure: no I/O, no clock.
//
// An obligation line is one cross-region redemption as one side's ledger recorded it. Its id (the
// two-phase request id) appears in both parties' ledgers, so two statements of one period can be
// compared line by line. Only provider redemptions (通兑) move money between regions: the
// voucher's home region owes the provider's region. Pay-first redemptions (通用) are paid by the
// home region to its own enterprise; they appear on the statements too (both notaries must agree
// the receipt was used once) but are worth nothing in the netting.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "clearing/region.h"

namespace innoclear::clearing {

constexpr std::size_t region_count = all_regions.size();
// A period statement between two regions holds at most this many lines (bounds memory and the
// size of a statement on the wire).
constexpr std::size_t statement_lines_max = 1'000'000;

enum class Way : std::uint8_t { pay_first, provider };

struct ObligationLine {
  std::string id;  // the request id, identical in both ledgers
  Way way = Way::provider;
  Region home = Region::BJ;  // the voucher's region
  Region provider_region = Region::BJ;
  std::string voucher_id;
  std::string enterprise;   // credit code
  std::string provider;     // provider actor id (in provider_region)
  std::int64_t amount = 0;  // fen, > 0
  std::uint64_t index = 0;  // this side's ledger entry that recorded the line; not compared

  // What the home region owes the provider's region for this line: amount for provider
  // redemptions, 0 for pay-first.
  std::int64_t owed() const { return way == Way::provider ? amount : 0; }
};

std::string_view way_name(Way way);  // "pay_first", "provider"

// {"amount","enterprise","home","id","index","provider","provider_region","voucher_id","way"}
nlohmann::json to_json(const ObligationLine& line);
// Fails with bad_statement naming the field on any missing, mistyped or out-of-range field.
Result<ObligationLine> line_from_json(const nlohmann::json& value);

enum class DifferenceKind : std::uint8_t {
  missing_here,      // the peer has the line, this side does not
  missing_there,     // this side has the line, the peer does not
  duplicated_here,   // this side lists the id more than once
  duplicated_there,  // the peer lists the id more than once
  amount_mismatch,   // same id, different amount
  party_mismatch,    // same id, different way, regions, voucher, enterprise or provider
};
std::string_view difference_name(DifferenceKind kind);

struct Difference {
  DifferenceKind kind = DifferenceKind::missing_here;
  std::string id;
  std::optional<ObligationLine> mine;    // this side's line, if it has one
  std::optional<ObligationLine> theirs;  // the peer's line, if it has one
};

// Compares two statements of one period line by line. Input order does not matter; the result is
// sorted by id, then kind, so both sides report the same differences in the same order.
// Empty: the statements agree. O((m + n) log(m + n)).
std::vector<Difference> compare_statements(std::span<const ObligationLine> mine,
                                           std::span<const ObligationLine> theirs);

// What `debtor` owes `creditor` for a period: the sum of owed() over their agreed lines.
struct BilateralTotal {
  Region debtor = Region::BJ;
  Region creditor = Region::BJ;
  std::int64_t amount = 0;  // fen, ≥ 0
};

// Net position per region, indexed by Region: positive receives, negative pays. The positions
// sum to 0. Fails with amount_invalid on overflow or a negative amount, invalid_argument if a
// total names the same region as debtor and creditor.
Result<std::array<std::int64_t, region_count>> net_positions(
    std::span<const BilateralTotal> totals);

struct Transfer {
  Region payer = Region::BJ;
  Region payee = Region::BJ;
  std::int64_t amount = 0;  // fen, > 0
};

// Settlement instructions that realise `positions` with at most N−1 transfers (N = regions with a
// non-zero position). Deterministic: every node computes the same list from the same positions.
// Fails with invalid_argument if the positions do not sum to 0.
Result<std::vector<Transfer>> settlement_transfers(
    const std::array<std::int64_t, region_count>& positions);

}  // namespace innoclear::clearing
