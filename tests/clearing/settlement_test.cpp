// Clearing between regions: two notaries compare their statements of a period line by line, then
// the agreed obligations are netted into as few settlement transfers as possible.
#include "clearing/settlement.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace innoclear;
using namespace innoclear::clearing;
using json = nlohmann::json;

namespace {

constexpr std::int64_t fen_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t min_fen = std::numeric_limits<std::int64_t>::min();

using Positions = std::array<std::int64_t, region_count>;

ObligationLine line(std::string id, std::int64_t amount = 10'000, Way way = Way::provider) {
  ObligationLine result;
  result.id = std::move(id);
  result.way = way;
  result.home = Region::BJ;
  result.provider_region = Region::TJ;
  result.voucher_id = "V-BJ-0001";
  result.enterprise = "91110000600037341L";
  result.provider = "lab-tj-01";
  result.amount = amount;
  result.index = 7;
  return result;
}

std::vector<ObligationLine> period_lines() {
  return {line("R-001", 10'000), line("R-002", 25'000), line("R-003", 5'000, Way::pay_first),
          line("R-004", 70'000)};
}

std::int64_t& at(Positions& positions, Region region) {
  return positions[static_cast<std::size_t>(region)];
}

// The positions after every transfer is paid: the payer's debt shrinks, the payee's credit too.
Positions after_paying(Positions positions, const std::vector<Transfer>& transfers) {
  for (const Transfer& transfer : transfers) {
    at(positions, transfer.payer) += transfer.amount;
    at(positions, transfer.payee) -= transfer.amount;
  }
  return positions;
}

std::size_t regions_with_a_position(const Positions& positions) {
  return static_cast<std::size_t>(
      std::count_if(positions.begin(), positions.end(), [](std::int64_t p) { return p != 0; }));
}

void check_refused(const json& value, const std::string& field) {
  const Result<ObligationLine> parsed = line_from_json(value);
  INFO(value.dump());
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Code::bad_statement);
  CHECK_THAT(parsed.status().message(), Catch::Contains("'" + field + "'"));
}

}  // namespace

// ----- Comparing statements -------------------------------------------------------------------

TEST_CASE("Two identical statements agree, whatever order the lines are listed in",
          "[settlement]") {
  std::vector<ObligationLine> mine = period_lines();
  std::vector<ObligationLine> theirs = period_lines();
  std::reverse(theirs.begin(), theirs.end());
  CHECK(compare_statements(mine, theirs).empty());
  std::rotate(mine.begin(), mine.begin() + 1, mine.end());
  CHECK(compare_statements(mine, theirs).empty());
  CHECK(compare_statements({}, {}).empty());
}

TEST_CASE("A line only the peer recorded is missing here, shown with the peer's line",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-001")};
  const std::vector<ObligationLine> theirs = {line("R-001"), line("R-002", 40'000)};
  const std::vector<Difference> differences = compare_statements(mine, theirs);
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].kind == DifferenceKind::missing_here);
  CHECK(differences[0].id == "R-002");
  CHECK_FALSE(differences[0].mine.has_value());
  REQUIRE(differences[0].theirs.has_value());
  CHECK(differences[0].theirs->amount == 40'000);
}

TEST_CASE("A line only this side recorded is missing there, shown with this side's line",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-001"), line("R-002", 40'000)};
  const std::vector<ObligationLine> theirs = {line("R-001")};
  const std::vector<Difference> differences = compare_statements(mine, theirs);
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].kind == DifferenceKind::missing_there);
  CHECK(differences[0].id == "R-002");
  REQUIRE(differences[0].mine.has_value());
  CHECK(differences[0].mine->amount == 40'000);
  CHECK_FALSE(differences[0].theirs.has_value());
}

TEST_CASE("A redemption this side lists more than once is reported once as duplicated here",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-001"), line("R-001"), line("R-001")};
  const std::vector<ObligationLine> theirs = {line("R-001")};
  const std::vector<Difference> differences = compare_statements(mine, theirs);
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].kind == DifferenceKind::duplicated_here);
  CHECK(differences[0].id == "R-001");
  CHECK(differences[0].mine.has_value());
  CHECK(differences[0].theirs.has_value());  // the peer's single line, for comparison
}

TEST_CASE("A redemption the peer lists more than once is reported once as duplicated there",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-001")};
  const std::vector<ObligationLine> theirs = {line("R-001"), line("R-001")};
  const std::vector<Difference> differences = compare_statements(mine, theirs);
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].kind == DifferenceKind::duplicated_there);
  CHECK(differences[0].id == "R-001");
  CHECK(differences[0].mine.has_value());
  CHECK(differences[0].theirs.has_value());
}

TEST_CASE("A duplicated line that the other side lacks is both duplicated and missing",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-001"), line("R-001")};
  const std::vector<Difference> differences = compare_statements(mine, {});
  REQUIRE(differences.size() == 2);
  CHECK(differences[0].kind == DifferenceKind::missing_there);
  CHECK(differences[1].kind == DifferenceKind::duplicated_here);
  CHECK_FALSE(differences[1].theirs.has_value());
}

TEST_CASE("Duplicated lines are not compared for amount or parties: which pair would it be?",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-001", 1), line("R-001", 2)};
  const std::vector<ObligationLine> theirs = {line("R-001", 3)};
  const std::vector<Difference> differences = compare_statements(mine, theirs);
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].kind == DifferenceKind::duplicated_here);
}

TEST_CASE("The same duplicated line is shown whatever order the duplicates come in",
          "[settlement]") {
  const std::vector<ObligationLine> forward = {line("R-001", 500), line("R-001", 300)};
  const std::vector<ObligationLine> backward = {line("R-001", 300), line("R-001", 500)};
  const std::vector<Difference> a = compare_statements(forward, {});
  const std::vector<Difference> b = compare_statements(backward, {});
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].mine->amount == b[i].mine->amount);
}

TEST_CASE("The same redemption recorded at different amounts is an amount mismatch",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-001", 10'000)};
  const std::vector<ObligationLine> theirs = {line("R-001", 10'001)};
  const std::vector<Difference> differences = compare_statements(mine, theirs);
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].kind == DifferenceKind::amount_mismatch);
  CHECK(differences[0].id == "R-001");
  REQUIRE(differences[0].mine.has_value());
  REQUIRE(differences[0].theirs.has_value());
  CHECK(differences[0].mine->amount == 10'000);
  CHECK(differences[0].theirs->amount == 10'001);
}

TEST_CASE("The same redemption recorded with different parties is a party mismatch",
          "[settlement]") {
  const ObligationLine mine = line("R-001");
  ObligationLine theirs = mine;
  SECTION("a different way of redeeming") { theirs.way = Way::pay_first; }
  SECTION("a different home region") { theirs.home = Region::HE; }
  SECTION("a different provider region") { theirs.provider_region = Region::GZ; }
  SECTION("a different voucher") { theirs.voucher_id = "V-BJ-0002"; }
  SECTION("a different enterprise") { theirs.enterprise = "91120000600037341X"; }
  SECTION("a different provider") { theirs.provider = "lab-tj-02"; }
  const std::vector<Difference> differences =
      compare_statements(std::span(&mine, 1), std::span(&theirs, 1));
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].kind == DifferenceKind::party_mismatch);
  CHECK(differences[0].mine->voucher_id == mine.voucher_id);
  CHECK(differences[0].theirs->provider == theirs.provider);
}

TEST_CASE("When both parties and amount differ, only the party mismatch is reported",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-001", 10'000)};
  std::vector<ObligationLine> theirs = {line("R-001", 99'000)};
  theirs[0].provider = "lab-tj-02";
  const std::vector<Difference> differences = compare_statements(mine, theirs);
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].kind == DifferenceKind::party_mismatch);
}

TEST_CASE("Each side's own ledger index is never compared", "[settlement]") {
  std::vector<ObligationLine> mine = period_lines();
  std::vector<ObligationLine> theirs = period_lines();
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    mine[i].index = i;
    theirs[i].index = 1'000'000 + i;
  }
  CHECK(compare_statements(mine, theirs).empty());
}

TEST_CASE("Differences are listed by redemption id, then kind, whatever the input order",
          "[settlement]") {
  std::vector<ObligationLine> mine = {line("R-5", 1), line("R-1"), line("R-3"), line("R-3"),
                                      line("R-2")};
  std::vector<ObligationLine> theirs = {line("R-4"), line("R-5", 2), line("R-2"), line("R-2")};
  const std::vector<Difference> first = compare_statements(mine, theirs);
  std::reverse(mine.begin(), mine.end());
  std::rotate(theirs.begin(), theirs.begin() + 2, theirs.end());
  const std::vector<Difference> second = compare_statements(mine, theirs);

  const std::vector<std::pair<std::string, DifferenceKind>> expected = {
      {"R-1", DifferenceKind::missing_there}, {"R-2", DifferenceKind::duplicated_there},
      {"R-3", DifferenceKind::missing_there}, {"R-3", DifferenceKind::duplicated_here},
      {"R-4", DifferenceKind::missing_here},  {"R-5", DifferenceKind::amount_mismatch}};
  for (const std::vector<Difference>* result : {&first, &second}) {
    REQUIRE(result->size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CHECK((*result)[i].id == expected[i].first);
      CHECK((*result)[i].kind == expected[i].second);
    }
  }
}

TEST_CASE("The peer sees the same differences from its side, here and there swapped",
          "[settlement]") {
  const std::vector<ObligationLine> mine = {line("R-1"), line("R-2", 5), line("R-2", 6)};
  const std::vector<ObligationLine> theirs = {line("R-3"), line("R-2", 7)};
  const std::vector<Difference> mine_view = compare_statements(mine, theirs);
  const std::vector<Difference> peer_view = compare_statements(theirs, mine);
  REQUIRE(mine_view.size() == 3);
  REQUIRE(peer_view.size() == 3);
  CHECK(mine_view[0].kind == DifferenceKind::missing_there);
  CHECK(peer_view[0].kind == DifferenceKind::missing_here);
  CHECK(mine_view[1].kind == DifferenceKind::duplicated_here);
  CHECK(peer_view[1].kind == DifferenceKind::duplicated_there);
  CHECK(mine_view[1].mine->amount == peer_view[1].theirs->amount);
  CHECK(mine_view[2].kind == DifferenceKind::missing_here);
  CHECK(peer_view[2].kind == DifferenceKind::missing_there);
}

TEST_CASE("Statements of a hundred thousand lines each are compared and every fault is found",
          "[settlement]") {
  constexpr std::size_t lines_per_side = 100'000;
  std::vector<ObligationLine> mine;
  mine.reserve(lines_per_side);
  for (std::size_t i = 0; i < lines_per_side; ++i) {
    mine.push_back(line("R-" + std::to_string(i), static_cast<std::int64_t>(i) + 1));
  }
  std::vector<ObligationLine> theirs = mine;
  std::shuffle(theirs.begin(), theirs.end(), std::mt19937_64(20240601));
  const auto find = [&](const std::string& id) {
    return std::find_if(theirs.begin(), theirs.end(),
                        [&](const ObligationLine& l) { return l.id == id; });
  };
  find("R-12345")->amount += 1;
  find("R-67890")->enterprise = "someone else";
  theirs.erase(find("R-99999"));
  const std::vector<Difference> differences = compare_statements(mine, theirs);
  REQUIRE(differences.size() == 3);
  CHECK(differences[0].id == "R-12345");
  CHECK(differences[0].kind == DifferenceKind::amount_mismatch);
  CHECK(differences[1].id == "R-67890");
  CHECK(differences[1].kind == DifferenceKind::party_mismatch);
  CHECK(differences[2].id == "R-99999");
  CHECK(differences[2].kind == DifferenceKind::missing_there);
}

TEST_CASE("Each kind of difference has a stable name", "[settlement]") {
  CHECK(difference_name(DifferenceKind::missing_here) == "missing_here");
  CHECK(difference_name(DifferenceKind::missing_there) == "missing_there");
  CHECK(difference_name(DifferenceKind::duplicated_here) == "duplicated_here");
  CHECK(difference_name(DifferenceKind::duplicated_there) == "duplicated_there");
  CHECK(difference_name(DifferenceKind::amount_mismatch) == "amount_mismatch");
  CHECK(difference_name(DifferenceKind::party_mismatch) == "party_mismatch");
  CHECK(way_name(Way::pay_first) == "pay_first");
  CHECK(way_name(Way::provider) == "provider");
}

// ----- A line on the wire ---------------------------------------------------------------------

TEST_CASE("An obligation line is written with exactly its nine fields, regions as codes",
          "[settlement]") {
  ObligationLine original = line("R-001", 12'345, Way::pay_first);
  original.index = 42;
  const json written = to_json(original);
  CHECK(written == json::parse(R"({"amount":12345,"enterprise":"91110000600037341L","home":"BJ",
      "id":"R-001","index":42,"provider":"lab-tj-01","provider_region":"TJ",
      "voucher_id":"V-BJ-0001","way":"pay_first"})"));
  CHECK(written.dump() ==
        R"({"amount":12345,"enterprise":"91110000600037341L","home":"BJ","id":"R-001","index":42,)"
        R"("provider":"lab-tj-01","provider_region":"TJ","voucher_id":"V-BJ-0001",)"
        R"("way":"pay_first"})");
}

TEST_CASE("An obligation line read back is the line that was written", "[settlement]") {
  ObligationLine original = line("R-001", fen_max);
  original.home = Region::CD;
  original.provider_region = Region::NM;
  original.index = std::numeric_limits<std::uint64_t>::max();
  for (const json& value : {to_json(original), json::parse(to_json(original).dump())}) {
    const Result<ObligationLine> parsed = line_from_json(value);
    REQUIRE(parsed.ok());
    CHECK(to_json(*parsed) == to_json(original));
    CHECK(parsed->index == original.index);
    CHECK(parsed->home == Region::CD);
    CHECK(parsed->provider_region == Region::NM);
  }
}

TEST_CASE("A line with a field missing is refused, naming the field", "[settlement]") {
  const json complete = to_json(line("R-001"));
  for (const auto& item : complete.items()) {
    json value = complete;
    value.erase(item.key());
    check_refused(value, item.key());
  }
}

TEST_CASE("A line with a field of the wrong type is refused, naming the field", "[settlement]") {
  const json complete = to_json(line("R-001"));
  for (const auto& item : complete.items()) {
    json value = complete;
    value[item.key()] = item.value().is_string() ? json(5) : json("5");
    check_refused(value, item.key());
  }
}

TEST_CASE("A line whose amount, index or region is the wrong kind of value is refused",
          "[settlement]") {
  json value = to_json(line("R-001"));
  std::string field;
  SECTION("an amount with a fraction of a fen") {
    field = "amount";
    value[field] = 100.5;
  }
  SECTION("an amount given as true") {
    field = "amount";
    value[field] = true;
  }
  SECTION("an index given as null") {
    field = "index";
    value[field] = nullptr;
  }
  SECTION("a region given as a list") {
    field = "home";
    value[field] = json::array({"BJ"});
  }
  check_refused(value, field);
}

TEST_CASE("A line naming a region that does not exist is refused", "[settlement]") {
  json value = to_json(line("R-001"));
  SECTION("home") {
    value["home"] = "SH";
    check_refused(value, "home");
  }
  SECTION("provider region, in lower case") {
    value["provider_region"] = "tj";
    check_refused(value, "provider_region");
  }
}

TEST_CASE("A line with an unknown way of redeeming is refused", "[settlement]") {
  json value = to_json(line("R-001"));
  value["way"] = "cash";
  check_refused(value, "way");
}

TEST_CASE("A line for nothing or for a negative amount is refused", "[settlement]") {
  json value = to_json(line("R-001"));
  SECTION("zero") { value["amount"] = 0; }
  SECTION("negative") { value["amount"] = -100; }
  SECTION("more fen than int64 holds") {
    value["amount"] = static_cast<std::uint64_t>(fen_max) + 1;
  }
  check_refused(value, "amount");
}

TEST_CASE("A line with a negative ledger index is refused", "[settlement]") {
  json value = to_json(line("R-001"));
  value["index"] = -1;
  check_refused(value, "index");
}

TEST_CASE("A line with an empty or over-long identifier is refused", "[settlement]") {
  for (const char* field : {"id", "voucher_id", "enterprise", "provider"}) {
    json value = to_json(line("R-001"));
    value[field] = "";
    check_refused(value, field);
    value[field] = std::string(65, 'x');
    check_refused(value, field);
    value[field] = std::string(64, 'x');
    CHECK(line_from_json(value).ok());
  }
}

TEST_CASE("A line with a field it should not have is refused, naming the field", "[settlement]") {
  json value = to_json(line("R-001"));
  value["note"] = "paid twice";
  check_refused(value, "note");
}

TEST_CASE("Anything but an object is not an obligation line", "[settlement]") {
  for (const json& value : {json::array(), json("R-001"), json(nullptr), json(5)}) {
    const Result<ObligationLine> parsed = line_from_json(value);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::bad_statement);
  }
}

// ----- Netting --------------------------------------------------------------------------------

TEST_CASE("A pay-first redemption owes the other region nothing; a provider one owes its amount",
          "[settlement]") {
  CHECK(line("R-001", 10'000, Way::pay_first).owed() == 0);
  CHECK(line("R-001", 10'000, Way::provider).owed() == 10'000);
}

TEST_CASE("Net positions: what each region receives or pays after netting all its debts",
          "[settlement]") {
  // Beijing owes Tianjin ¥3, Tianjin owes Hebei ¥1, Hebei owes Beijing ¥0.50.
  const std::vector<BilateralTotal> totals = {
      {Region::BJ, Region::TJ, 300}, {Region::TJ, Region::HE, 100}, {Region::HE, Region::BJ, 50}};
  const Result<Positions> positions = net_positions(totals);
  REQUIRE(positions.ok());
  Positions expected{};
  at(expected, Region::BJ) = -250;
  at(expected, Region::TJ) = 200;
  at(expected, Region::HE) = 50;
  CHECK(*positions == expected);
  std::int64_t sum = 0;
  for (std::int64_t position : *positions) sum += position;
  CHECK(sum == 0);
}

TEST_CASE("With no obligations, or only zero ones, every region's position is zero",
          "[settlement]") {
  CHECK(*net_positions({}) == Positions{});
  const std::vector<BilateralTotal> totals = {{Region::GZ, Region::CD, 0}};
  CHECK(*net_positions(totals) == Positions{});
}

TEST_CASE("A region owing itself is refused", "[settlement]") {
  const std::vector<BilateralTotal> totals = {{Region::NM, Region::NM, 100}};
  const Result<Positions> positions = net_positions(totals);
  REQUIRE_FALSE(positions.ok());
  CHECK(positions.status().code() == Code::invalid_argument);
}

TEST_CASE("A negative bilateral total is refused", "[settlement]") {
  const std::vector<BilateralTotal> totals = {{Region::BJ, Region::TJ, -1}};
  const Result<Positions> positions = net_positions(totals);
  REQUIRE_FALSE(positions.ok());
  CHECK(positions.status().code() == Code::amount_invalid);
}

TEST_CASE("Net positions beyond what int64 fen can hold are refused, not wrapped", "[settlement]") {
  std::vector<BilateralTotal> totals = {{Region::BJ, Region::TJ, fen_max}};
  SECTION("the creditor's position overflows") { totals.push_back({Region::HE, Region::TJ, 1}); }
  SECTION("the debtor's position overflows") {
    totals.push_back({Region::BJ, Region::HE, fen_max});
  }
  const Result<Positions> positions = net_positions(totals);
  REQUIRE_FALSE(positions.ok());
  CHECK(positions.status().code() == Code::amount_invalid);
}

// ----- Settlement transfers -------------------------------------------------------------------

TEST_CASE("The netted example settles in two transfers, both paid by Beijing", "[settlement]") {
  Positions positions{};
  at(positions, Region::BJ) = -250;
  at(positions, Region::TJ) = 200;
  at(positions, Region::HE) = 50;
  const Result<std::vector<Transfer>> transfers = settlement_transfers(positions);
  REQUIRE(transfers.ok());
  REQUIRE(transfers->size() == 2);
  CHECK((*transfers)[0].payer == Region::BJ);
  CHECK((*transfers)[0].payee == Region::TJ);
  CHECK((*transfers)[0].amount == 200);
  CHECK((*transfers)[1].payer == Region::BJ);
  CHECK((*transfers)[1].payee == Region::HE);
  CHECK((*transfers)[1].amount == 50);
  CHECK(after_paying(positions, *transfers) == Positions{});
}

TEST_CASE("When all positions are zero nobody pays anybody", "[settlement]") {
  const Result<std::vector<Transfer>> transfers = settlement_transfers(Positions{});
  REQUIRE(transfers.ok());
  CHECK(transfers->empty());
}

TEST_CASE("Equal debts and credits are settled in region order, Beijing first", "[settlement]") {
  Positions positions{};
  at(positions, Region::CD) = -100;
  at(positions, Region::TJ) = -100;
  at(positions, Region::GZ) = 100;
  at(positions, Region::HE) = 100;
  const Result<std::vector<Transfer>> transfers = settlement_transfers(positions);
  REQUIRE(transfers.ok());
  REQUIRE(transfers->size() == 2);
  CHECK((*transfers)[0].payer == Region::TJ);
  CHECK((*transfers)[0].payee == Region::HE);
  CHECK((*transfers)[1].payer == Region::CD);
  CHECK((*transfers)[1].payee == Region::GZ);
}

TEST_CASE("Positions that do not sum to zero cannot be settled and are refused", "[settlement]") {
  Positions positions{};
  SECTION("one fen too much credit") {
    at(positions, Region::BJ) = -100;
    at(positions, Region::TJ) = 101;
  }
  SECTION("credits whose sum would wrap around int64 to zero") {
    // 4 × (2^62) = 2^64 wraps to 0 in 64-bit arithmetic.
    for (Region region : {Region::BJ, Region::TJ, Region::HE, Region::NM}) {
      at(positions, region) = std::int64_t{1} << 62;
    }
  }
  const Result<std::vector<Transfer>> transfers = settlement_transfers(positions);
  REQUIRE_FALSE(transfers.ok());
  CHECK(transfers.status().code() == Code::invalid_argument);
}

TEST_CASE("Positions at the very limits of int64 settle exactly", "[settlement]") {
  Positions positions{};
  SECTION("the largest debt there is") {
    at(positions, Region::BJ) = min_fen;
    at(positions, Region::TJ) = fen_max;
    at(positions, Region::HE) = 1;
  }
  SECTION("credits and debts whose running sum passes the limits on the way to zero") {
    at(positions, Region::BJ) = fen_max;
    at(positions, Region::TJ) = fen_max;
    at(positions, Region::HE) = -fen_max;
    at(positions, Region::NM) = -fen_max;
  }
  const Result<std::vector<Transfer>> transfers = settlement_transfers(positions);
  REQUIRE(transfers.ok());
  CHECK(transfers->size() <= regions_with_a_position(positions) - 1);
  CHECK(after_paying(positions, *transfers) == Positions{});
}

TEST_CASE("Settlement of random period totals: few transfers, exact, and the same on every node",
          "[settlement]") {
  std::mt19937_64 random(20240917);
  std::uniform_int_distribution<std::size_t> region_of(0, region_count - 1);
  std::uniform_int_distribution<int> totals_of(0, 30);
  std::uniform_int_distribution<std::int64_t> amount_of(0, 50'000'000'000);
  for (int round = 0; round < 5'000; ++round) {
    std::vector<BilateralTotal> totals;
    const int count = totals_of(random);
    for (int t = 0; t < count; ++t) {
      const std::size_t debtor = region_of(random);
      const std::size_t creditor =
          (debtor + 1 + region_of(random) % (region_count - 1)) % region_count;
      // Small amounts now and then, so that positions often cancel to exactly zero.
      const std::int64_t amount = round % 3 == 0 ? amount_of(random) % 4 : amount_of(random);
      totals.push_back({all_regions[debtor], all_regions[creditor], amount});
    }
    const Result<Positions> positions = net_positions(totals);
    REQUIRE(positions.ok());
    const Result<std::vector<Transfer>> transfers = settlement_transfers(*positions);
    REQUIRE(transfers.ok());
    INFO("round " << round << ", " << count << " totals");

    const std::size_t parties = regions_with_a_position(*positions);
    CHECK(transfers->size() <= (parties == 0 ? 0 : parties - 1));
    for (const Transfer& transfer : *transfers) {
      CHECK(transfer.amount > 0);
      CHECK(transfer.payer != transfer.payee);
      // Nobody both pays and receives: only debtors pay, only creditors receive.
      CHECK(positions->at(static_cast<std::size_t>(transfer.payer)) < 0);
      CHECK(positions->at(static_cast<std::size_t>(transfer.payee)) > 0);
    }
    CHECK(after_paying(*positions, *transfers) == Positions{});

    const Result<std::vector<Transfer>> again = settlement_transfers(*positions);
    REQUIRE(again.ok());
    REQUIRE(again->size() == transfers->size());
    for (std::size_t i = 0; i < again->size(); ++i) {
      CHECK((*again)[i].payer == (*transfers)[i].payer);
      CHECK((*again)[i].payee == (*transfers)[i].payee);
      CHECK((*again)[i].amount == (*transfers)[i].amount);
    }
  }
}
