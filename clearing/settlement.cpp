#include "clearing/settlement.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "clearing/amount.h"
#include "clearing/rules.h"

namespace innoclear::clearing {

namespace {

using json = nlohmann::json;

constexpr std::size_t line_fields = 9;
constexpr std::array<std::string_view, line_fields> line_keys = {
    "amount",   "enterprise",      "home",       "id", "index",
    "provider", "provider_region", "voucher_id", "way"};

Status field_error(std::string_view field, std::string_view expected) {
  return {Code::bad_statement,
          "obligation line field '" + std::string(field) + "' " + std::string(expected)};
}

Result<std::string> read_text(const json& value, std::string_view field) {
  const auto found = value.find(field);
  if (found == value.end()) return field_error(field, "is missing");
  if (!found->is_string()) return field_error(field, "must be a string");
  const std::string& text = found->get_ref<const std::string&>();
  if (text.empty() || text.size() > identifier_bytes_max) {
    return field_error(field, "must be 1 to " + std::to_string(identifier_bytes_max) + " bytes");
  }
  return text;
}

Result<Region> read_region(const json& value, std::string_view field) {
  Result<std::string> code = read_text(value, field);
  if (!code.ok()) return code.status();
  Result<Region> region = parse_region(*code);
  if (!region.ok()) return field_error(field, "is not a region code: " + region.status().message());
  return region;
}

Result<Way> read_way(const json& value) {
  Result<std::string> name = read_text(value, "way");
  if (!name.ok()) return name.status();
  for (Way way : {Way::pay_first, Way::provider}) {
    if (way_name(way) == *name) return way;
  }
  return field_error("way", "must be \"pay_first\" or \"provider\", not \"" + *name + "\"");
}

Result<std::int64_t> read_amount(const json& value) {
  const auto found = value.find("amount");
  if (found == value.end()) return field_error("amount", "is missing");
  // nlohmann parses a non-negative integer as unsigned; above INT64_MAX it is no amount of fen.
  if (!found->is_number_integer() ||
      (found->is_number_unsigned() &&
       found->get<std::uint64_t>() >
           static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) ||
      found->get<std::int64_t>() <= 0) {
    return field_error("amount", "must be a positive integer of fen");
  }
  return found->get<std::int64_t>();
}

Result<std::uint64_t> read_index(const json& value) {
  const auto found = value.find("index");
  if (found == value.end()) return field_error("index", "is missing");
  if (found->is_number_unsigned()) return found->get<std::uint64_t>();
  // A json built in memory from a signed integer is not "unsigned" even when non-negative.
  if (!found->is_number_integer() || found->get<std::int64_t>() < 0) {
    return field_error("index", "must be a non-negative integer");
  }
  return static_cast<std::uint64_t>(found->get<std::int64_t>());
}

Status check_no_extra_keys(const json& value) {
  for (const auto& item : value.items()) {
    if (std::find(line_keys.begin(), line_keys.end(), item.key()) == line_keys.end()) {
      return {Code::bad_statement, "obligation line has an unknown field '" + item.key() + "'"};
    }
  }
  return Status::success();
}

// Everything but the id and index, in a fixed order: the tie-break that makes the choice among
// duplicated lines independent of input order, and the party comparison.
auto parties(const ObligationLine& line) {
  return std::tie(line.way, line.home, line.provider_region, line.voucher_id, line.enterprise,
                  line.provider);
}

bool sorts_before(const ObligationLine* a, const ObligationLine* b) {
  if (a->id != b->id) return a->id < b->id;
  if (parties(*a) != parties(*b)) return parties(*a) < parties(*b);
  return std::tie(a->amount, a->index) < std::tie(b->amount, b->index);
}

// Pointers rather than copies: sorting moves 8 bytes per line, not a line of five strings.
std::vector<const ObligationLine*> sorted_by_id(std::span<const ObligationLine> lines) {
  std::vector<const ObligationLine*> sorted;
  sorted.reserve(lines.size());
  for (const ObligationLine& line : lines) sorted.push_back(&line);
  std::sort(sorted.begin(), sorted.end(), sorts_before);
  return sorted;
}

// The lines of one id on one side: [begin, end) of a sorted vector; empty if the side lacks it.
struct Run {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
};

Run run_of(const std::vector<const ObligationLine*>& sorted, std::size_t begin,
           const std::string& id) {
  std::size_t end = begin;
  while (end < sorted.size() && sorted[end]->id == id) ++end;
  return {begin, end};
}

// Null if the side lacks the id. Lines are copied only into a Difference: most ids agree.
const ObligationLine* first_of(const std::vector<const ObligationLine*>& sorted, Run run) {
  return run.size() == 0 ? nullptr : sorted[run.begin];
}

std::optional<ObligationLine> copy_of(const ObligationLine* line) {
  if (line == nullptr) return std::nullopt;
  return *line;
}

// The differences for one id, in DifferenceKind order. Missing and duplicated are judged on their
// own; the contents are compared only when each side has exactly one line, since with duplicates
// there is no telling which line to compare. When the parties differ, the amounts are not
// compared: a line about another voucher or provider is a different obligation, and one
// party_mismatch says so without a second, derived amount_mismatch.
void compare_one_id(const std::string& id, const ObligationLine* mine, const ObligationLine* theirs,
                    std::size_t mine_count, std::size_t theirs_count,
                    std::vector<Difference>& out) {
  const auto report = [&](DifferenceKind kind) {
    out.push_back({kind, id, copy_of(mine), copy_of(theirs)});
  };
  if (mine_count == 0) report(DifferenceKind::missing_here);
  if (theirs_count == 0) report(DifferenceKind::missing_there);
  if (mine_count > 1) report(DifferenceKind::duplicated_here);
  if (theirs_count > 1) report(DifferenceKind::duplicated_there);
  if (mine_count != 1 || theirs_count != 1) return;
  if (parties(*mine) != parties(*theirs)) {
    report(DifferenceKind::party_mismatch);
  } else if (mine->amount != theirs->amount) {
    report(DifferenceKind::amount_mismatch);
  }
}

__extension__ typedef __int128 wide;  // six int64 positions cannot overflow it

}  // namespace

std::string_view way_name(Way way) {
  switch (way) {
    case Way::pay_first:
      return "pay_first";
    case Way::provider:
      return "provider";
  }
  return "?";
}

std::string_view difference_name(DifferenceKind kind) {
  switch (kind) {
    case DifferenceKind::missing_here:
      return "missing_here";
    case DifferenceKind::missing_there:
      return "missing_there";
    case DifferenceKind::duplicated_here:
      return "duplicated_here";
    case DifferenceKind::duplicated_there:
      return "duplicated_there";
    case DifferenceKind::amount_mismatch:
      return "amount_mismatch";
    case DifferenceKind::party_mismatch:
      return "party_mismatch";
  }
  return "?";
}

nlohmann::json to_json(const ObligationLine& line) {
  return {{"amount", line.amount},
          {"enterprise", line.enterprise},
          {"home", region_code(line.home)},
          {"id", line.id},
          {"index", line.index},
          {"provider", line.provider},
          {"provider_region", region_code(line.provider_region)},
          {"voucher_id", line.voucher_id},
          {"way", way_name(line.way)}};
}

Result<ObligationLine> line_from_json(const nlohmann::json& value) {
  if (!value.is_object()) return Status(Code::bad_statement, "an obligation line is an object");
  Result<std::string> id = read_text(value, "id");
  Result<Way> way = read_way(value);
  Result<Region> home = read_region(value, "home");
  Result<Region> provider_region = read_region(value, "provider_region");
  Result<std::string> voucher_id = read_text(value, "voucher_id");
  Result<std::string> enterprise = read_text(value, "enterprise");
  Result<std::string> provider = read_text(value, "provider");
  Result<std::int64_t> amount = read_amount(value);
  Result<std::uint64_t> index = read_index(value);
  // Checked in key order so that a line with several faults always names the same one.
  for (const Status* status :
       {&amount.status(), &enterprise.status(), &home.status(), &id.status(), &index.status(),
        &provider.status(), &provider_region.status(), &voucher_id.status(), &way.status()}) {
    if (!status->ok()) return *status;
  }
  if (Status extra = check_no_extra_keys(value); !extra.ok()) return extra;
  assert(value.size() == line_fields);
  ObligationLine line;
  line.id = std::move(*id);
  line.way = *way;
  line.home = *home;
  line.provider_region = *provider_region;
  line.voucher_id = std::move(*voucher_id);
  line.enterprise = std::move(*enterprise);
  line.provider = std::move(*provider);
  line.amount = *amount;
  line.index = *index;
  return line;
}

std::vector<Difference> compare_statements(std::span<const ObligationLine> mine,
                                           std::span<const ObligationLine> theirs) {
  const std::vector<const ObligationLine*> mine_sorted = sorted_by_id(mine);
  const std::vector<const ObligationLine*> theirs_sorted = sorted_by_id(theirs);
  std::vector<Difference> differences;
  std::size_t i = 0;
  std::size_t j = 0;
  // Each pass consumes every line of the smallest remaining id on both sides.
  while (i < mine_sorted.size() || j < theirs_sorted.size()) {
    const std::string& id = j == theirs_sorted.size() || (i < mine_sorted.size() &&
                                                          mine_sorted[i]->id < theirs_sorted[j]->id)
                                ? mine_sorted[i]->id
                                : theirs_sorted[j]->id;
    const Run mine_run = run_of(mine_sorted, i, id);
    const Run theirs_run = run_of(theirs_sorted, j, id);
    assert(mine_run.size() + theirs_run.size() > 0);
    compare_one_id(id, first_of(mine_sorted, mine_run), first_of(theirs_sorted, theirs_run),
                   mine_run.size(), theirs_run.size(), differences);
    i = mine_run.end;
    j = theirs_run.end;
  }
  return differences;
}

Result<std::array<std::int64_t, region_count>> net_positions(
    std::span<const BilateralTotal> totals) {
  std::array<std::int64_t, region_count> positions{};
  for (const BilateralTotal& total : totals) {
    const auto debtor = static_cast<std::size_t>(total.debtor);
    const auto creditor = static_cast<std::size_t>(total.creditor);
    if (debtor >= region_count || creditor >= region_count) {
      return Status(Code::invalid_argument, "a bilateral total names an unknown region");
    }
    if (debtor == creditor) {
      return Status(Code::invalid_argument,
                    "a region cannot owe itself (" + std::string(region_code(total.debtor)) + ")");
    }
    if (total.amount < 0) {
      return Status(Code::amount_invalid, "a bilateral total cannot be negative");
    }
    const std::optional<std::int64_t> credit = add_fen(positions[creditor], total.amount);
    const std::optional<std::int64_t> debit = subtract_fen(positions[debtor], total.amount);
    if (!credit || !debit) {
      return Status(Code::amount_invalid, "net position overflows int64 fen");
    }
    positions[creditor] = *credit;
    positions[debtor] = *debit;
  }
  return positions;
}

Result<std::vector<Transfer>> settlement_transfers(
    const std::array<std::int64_t, region_count>& positions) {
  wide sum = 0;
  for (std::int64_t position : positions) sum += position;
  if (sum != 0) {
    return Status(Code::invalid_argument, "net positions do not sum to zero");
  }
  std::array<std::int64_t, region_count> open = positions;
  std::vector<Transfer> transfers;
  // Each step settles at least one region in full and the last settles two, so there are at most
  // N − 1 steps; the bound on the loop is the proof's, checked below.
  for (std::size_t step = 0; step < region_count; ++step) {
    std::size_t payer = 0;  // the largest debt; `<` keeps the lowest region on ties
    std::size_t payee = 0;  // the largest credit
    for (std::size_t region = 1; region < region_count; ++region) {
      if (open[region] < open[payer]) payer = region;
      if (open[region] > open[payee]) payee = region;
    }
    if (open[payer] == 0) break;  // the sum is 0, so no debt means no credit either
    assert(open[payee] > 0);
    // min(|debt|, credit) without negating the debt, which overflows for INT64_MIN.
    const std::int64_t amount = open[payer] < -open[payee] ? open[payee] : -open[payer];
    open[payer] += amount;
    open[payee] -= amount;
    transfers.push_back({all_regions[payer], all_regions[payee], amount});
  }
  assert(std::all_of(open.begin(), open.end(), [](std::int64_t p) { return p == 0; }));
  return transfers;
}

}  // namespace innoclear::clearing
