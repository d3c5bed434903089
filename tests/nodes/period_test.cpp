// A clearing period across three regions: bilateral statements agree, every node computes the
// same settlement, every finance office signs it, and it is recorded; a disagreeing peer stops
// the settlement with a report of the differences.
#include <catch2/catch.hpp>

#include "clearing/credit_code.h"
#include "clearing/federation.h"
#include "clearing/periods.h"
#include "tests/nodes/federation_support.h"

using namespace innoclear;
using namespace innoclear::testing;
using clearing::Table;

namespace {

std::string credit_code(const std::string& first_16) {
  return clearing::complete_credit_code(first_16);
}

// Each region has an enterprise and a testing laboratory. Vouchers cross: Beijing's enterprise
// uses Tianjin's lab by provider redemption (Beijing owes Tianjin ¥4,000), Tianjin's enterprise
// uses Hebei's lab by provider redemption (Tianjin owes Hebei ¥1,500), and Hebei's enterprise
// pays Beijing's lab first and redeems at home (no money between regions).
struct ThreeRegions {
  Federated federation{{Region::BJ, Region::TJ, Region::HE}};
  std::map<Region, std::string> enterprise;
  std::map<Region, crypto::KeyPair> keys;
  int next_receipt = 0;

  ThreeRegions() {
    std::uint8_t seed = 20;
    for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
      RegionNode& node = federation[region];
      enterprise[region] =
          credit_code("91" + std::string(clearing::home_province(region)) + "0000MA00000A");
      keys.emplace(region, seeded_key(seed++));
      REQUIRE(node.as_office("actor.register", {{"id", enterprise[region]},
                                                {"key", public_key_of(keys.at(region))},
                                                {"name", "Enterprise of " + node.code},
                                                {"role", "enterprise"}})
                  .ok());
      REQUIRE(node.as_office("actor.register", {{"categories", {"testing"}},
                                                {"id", lab(region)},
                                                {"key", public_key_of(lab_key())},
                                                {"name", "Lab of " + node.code},
                                                {"role", "provider"}})
                  .ok());
    }
  }
  static std::string lab(Region region) {
    return "LAB-" + std::string(clearing::region_code(region));
  }
  static const crypto::KeyPair& lab_key() {
    static const crypto::KeyPair key = seeded_key(40);
    return key;
  }

  std::string voucher(Region home, std::int64_t face) {
    RegionNode& node = federation[home];
    const std::string application = "A" + std::to_string(next_receipt++);
    REQUIRE(node.submit(keys.at(home), enterprise[home], "voucher.apply",
                        {{"application_id", application}, {"category", "testing"}, {"face", face}})
                .ok());
    Result<Accepted> issued = node.as_office(
        "voucher.approve", {{"application_id", application}, {"enterprise", enterprise[home]}});
    REQUIRE(issued.ok());
    return issued->result["voucher"]["id"].get<std::string>();
  }
  std::string receipt(Region provider_region, Region home, std::int64_t price, std::int64_t paid) {
    const std::string id = "R" + std::to_string(next_receipt++);
    const std::string hash(64, 'b');
    REQUIRE(federation[provider_region]
                .submit(lab_key(), lab(provider_region), "receipt.record",
                        {{"category", "testing"},
                         {"contract_sha256", hash},
                         {"enterprise", enterprise[home]},
                         {"invoice_sha256", hash},
                         {"paid", paid},
                         {"payment_ref", "BANK-" + id},
                         {"payment_sha256", hash},
                         {"price", price},
                         {"receipt_id", id}})
                .ok());
    return id;
  }
  void provider_redemption(Region home, Region provider_region, std::int64_t price) {
    const std::string id = voucher(home, 500'000);
    const std::string receipt_id = receipt(provider_region, home, price, price);
    REQUIRE(federation[home]
                .submit(keys.at(home), enterprise[home], "voucher.assign",
                        {{"price", price},
                         {"provider", lab(provider_region)},
                         {"provider_region", clearing::region_code(provider_region)},
                         {"voucher_id", id}})
                .ok());
    REQUIRE(federation[provider_region]
                .submit(lab_key(), lab(provider_region), "voucher.provider_redeem",
                        {{"receipt_id", receipt_id},
                         {"voucher_id", id},
                         {"voucher_region", clearing::region_code(home)}})
                .ok());
  }
  void pay_first(Region home, Region provider_region, std::int64_t paid) {
    const std::string id = voucher(home, 500'000);
    const std::string receipt_id = receipt(provider_region, home, paid, paid);
    REQUIRE(federation[home]
                .submit(keys.at(home), enterprise[home], "voucher.redeem",
                        {{"provider", lab(provider_region)},
                         {"provider_region", clearing::region_code(provider_region)},
                         {"receipt_id", receipt_id},
                         {"voucher_id", id}})
                .ok());
  }

  nlohmann::json settlement(Region region, const std::string& period) {
    return federation[region].state(Table::settlements, period);
  }
};

}  // namespace

TEST_CASE("A period closes with identical signed settlements that net to zero",
          "[federation][period]") {
  ThreeRegions books;
  const std::string period = clearing::period_containing(books.federation.now_ms, 60).id;
  books.provider_redemption(Region::BJ, Region::TJ, 800'000);  // BJ owes TJ ¥4,000
  books.provider_redemption(Region::TJ, Region::HE, 300'000);  // TJ owes HE ¥1,500
  books.pay_first(Region::HE, Region::BJ, 600'000);            // HE pays its enterprise ¥3,000
  books.federation.deliver();
  books.federation.now_ms += 61'000;  // the period ends

  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    books.federation.step_until(
        [&] { return books.settlement(region, period).contains("proposal"); });
  }
  const nlohmann::json document = books.settlement(Region::BJ, period)["proposal"]["document"];
  const std::string digest = books.settlement(Region::BJ, period)["proposal"]["document_sha256"];
  for (Region region : {Region::TJ, Region::HE}) {
    CHECK(books.settlement(region, period)["proposal"]["document"] == document);
  }
  CHECK(document["positions"]["BJ"] == -400'000);
  CHECK(document["positions"]["TJ"] == 400'000 - 150'000);
  CHECK(document["positions"]["HE"] == 150'000);
  std::int64_t sum = 0;
  for (const auto& [code, position] : document["positions"].items())
    sum += position.get<std::int64_t>();
  CHECK(sum == 0);
  CHECK(document["transfers"].size() <= 2);  // at most N − 1

  // Nothing is settled until every finance office signed.
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    CHECK_FALSE(books.settlement(region, period).contains("settled"));
    REQUIRE(books.federation[region]
                .as_office("settlement.sign", {{"document_sha256", digest}, {"period", period}})
                .ok());
  }
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    books.federation.step_until(
        [&] { return books.settlement(region, period).contains("settled"); });
  }
  // An auditor replaying each ledger from its entries alone reaches the same state.
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    RegionNode& node = books.federation[region];
    REQUIRE(node.service->ledger().sign_checkpoint().ok());
    Result<ledger::VerifyReport> report =
        node.service->ledger().verify(node.service->identity().public_key);
    CHECK(report.ok());
  }
  SECTION("an office cannot sign a settlement other than the one its node computed") {
    CHECK(books.federation[Region::BJ]
              .as_office("settlement.sign",
                         {{"document_sha256", std::string(64, '0')}, {"period", period}})
              .status()
              .code() == Code::statements_differ);
  }
}

TEST_CASE("A settled period's settlement and each region's statements are written by its node",
          "[federation][period]") {
  ThreeRegions books;
  const std::string period = clearing::period_containing(books.federation.now_ms, 60).id;
  books.provider_redemption(Region::BJ, Region::TJ, 800'000);  // BJ owes TJ ¥4,000
  books.federation.deliver();
  books.federation.now_ms += 61'000;
  const std::filesystem::path dir = books.federation.dir.path() / "statements" / period;
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    books.federation.step_until(
        [&] { return books.settlement(region, period).contains("proposal"); });
  }
  const std::string digest = books.settlement(Region::BJ, period)["proposal"]["document_sha256"];
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    REQUIRE(books.federation[region]
                .as_office("settlement.sign", {{"document_sha256", digest}, {"period", period}})
                .ok());
    CHECK_FALSE(std::filesystem::exists(dir / "BJ.csv"));  // not before every office signed
  }
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    books.federation.step_until(
        [&] { return books.settlement(region, period).contains("settled"); });
  }
  for (const char* code : {"BJ", "TJ", "HE"}) {
    INFO(code);
    Result<std::string> csv = nodes::read_small_file(dir / (std::string(code) + ".csv"), 1 << 20);
    Result<std::string> camt =
        nodes::read_small_file(dir / (std::string(code) + ".camt053.xml"), 1 << 20);
    Result<std::string> settled =
        nodes::read_small_file(dir / (std::string(code) + ".settlement.json"), 1 << 20);
    REQUIRE(csv.ok());
    REQUIRE(camt.ok());
    REQUIRE(settled.ok());
    CHECK(csv->find(digest) != std::string::npos);
    CHECK(camt->find("camt.053.001.08") != std::string::npos);
    const nlohmann::json document = nlohmann::json::parse(*settled);
    CHECK(document["document_sha256"] == digest);
    CHECK(document["signatures"].size() == 3);
  }
  // Beijing pays ¥4,000; Tianjin receives it; Hebei has no line and a zero position.
  CHECK(nodes::read_small_file(dir / "BJ.csv", 1 << 20)->find("net,") != std::string::npos);
  CHECK(nodes::read_small_file(dir / "BJ.csv", 1 << 20)->find("4000.00") != std::string::npos);
  CHECK(nodes::read_small_file(dir / "TJ.csv", 1 << 20)->find("4000.00") != std::string::npos);
}

TEST_CASE("A period cannot be closed or signed before its time", "[federation][period]") {
  ThreeRegions books;
  const std::string period = clearing::period_containing(books.federation.now_ms, 60).id;
  RegionNode& beijing = books.federation[Region::BJ];
  SECTION("the node cannot close a period that has not ended") {
    const SignedStatement close = beijing.service->sign_as_node(
        "period.close", {{"agreed", nlohmann::json::object()}, {"period", period}}, Region::BJ);
    CHECK(beijing.service->submit_and_wait(close.bytes, close.signature_base64).status().code() ==
          Code::period_open);
  }
  SECTION("the office cannot sign a settlement its node has not computed") {
    CHECK(beijing
              .as_office("settlement.sign",
                         {{"document_sha256", std::string(64, 'a')}, {"period", period}})
              .status()
              .code() == Code::period_open);
  }
  SECTION("nobody but the node records a period's close") {
    CHECK(beijing
              .as_office("period.close", {{"agreed", nlohmann::json::object()}, {"period", period}})
              .status()
              .code() == Code::forbidden);
  }
}

TEST_CASE("Statements that differ are reported with proofs and nothing is settled",
          "[federation][period]") {
  ThreeRegions books;
  const std::string period = clearing::period_containing(books.federation.now_ms, 60).id;
  books.provider_redemption(Region::BJ, Region::TJ, 800'000);
  // Tianjin (as Beijing hears it) claims a different amount for the line.
  books.federation[Region::BJ].transport->rewrite_period = [](nlohmann::json& view) {
    for (auto& line : view["lines"]) line["amount"] = line["amount"].get<std::int64_t>() + 1;
  };
  books.federation.deliver();
  books.federation.now_ms += 61'000;

  books.federation.step_until([&] {
    return !books.federation[Region::BJ].federation->clearing().differences(period).empty();
  });
  const nlohmann::json report =
      books.federation[Region::BJ].federation->clearing().differences(period)["TJ"];
  REQUIRE(report["differences"].size() == 1);
  const nlohmann::json& difference = report["differences"][0];
  CHECK(difference["kind"] == "amount_mismatch");
  CHECK(difference["mine"]["line"]["amount"] == 400'000);
  CHECK(difference["theirs"]["line"]["amount"] == 400'001);
  CHECK(difference["mine"].contains("inclusion"));
  CHECK_FALSE(books.settlement(Region::BJ, period).contains("close"));
  // A node cannot be made to close a period over a statement it did not agree.
  CHECK(books.federation[Region::BJ].federation != nullptr);
}

namespace {

std::uint64_t ledger_size(ThreeRegions& books, Region region) {
  return books.federation[region].service->ledger().size();
}

}  // namespace

TEST_CASE("Questions about 200 past periods nobody has lines in activate and write nothing",
          "[federation][period]") {
  ThreeRegions books;
  std::map<Region, std::uint64_t> before;
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    before[region] = ledger_size(books, region);
  }
  // A member (Beijing) asks Tianjin about 200 ended periods, one minute each, all empty.
  const std::string beijing = books.federation[Region::BJ].service->identity().tls_fingerprint;
  const std::int64_t now_s = books.federation.now_ms / 1000;
  for (std::int64_t back = 1; back <= 200; ++back) {
    const std::string period = "S" + std::to_string((now_s / 60 - back) * 60);
    Result<std::string> answer =
        books.federation[Region::TJ].federation->answerer().answer_period(beijing, period);
    REQUIRE(answer.ok());
    CHECK(nlohmann::json::parse(*answer)["has_lines"] == false);
  }
  CHECK(ledger_size(books, Region::TJ) == before[Region::TJ]);  // a read wrote nothing
  for (int round = 0; round < 10; ++round) books.federation.step();
  std::map<Region, int> asked_after_10;
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    asked_after_10[region] = books.federation[region].transport->period_gets;
  }
  for (int round = 0; round < 10; ++round) books.federation.step();
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    CHECK(ledger_size(books, region) == before[region]);
    Result<std::vector<std::pair<std::string, nlohmann::json>>> settlements =
        books.federation[region].service->scan(Table::settlements, "");
    REQUIRE(settlements.ok());
    CHECK(settlements->empty());
  }
  // Tianjin asked Beijing once for each question it kept (at most asked_periods_max), Beijing
  // asked back once, and then nobody polls anybody about those periods.
  CHECK(books.federation[Region::TJ].transport->period_gets <= int{nodes::asked_periods_max});
  CHECK(books.federation[Region::BJ].transport->period_gets <= int{nodes::asked_periods_max});
  CHECK(books.federation[Region::HE].transport->period_gets == 0);
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    CHECK(books.federation[region].transport->period_gets == asked_after_10[region]);
  }
}

TEST_CASE("A member without lines in a period still closes it when a peer has lines there",
          "[federation][period]") {
  ThreeRegions books;
  const std::string period = clearing::period_containing(books.federation.now_ms, 60).id;
  books.provider_redemption(Region::BJ, Region::TJ, 800'000);  // Hebei has no line in it
  books.federation.deliver();
  books.federation.now_ms += 61'000;
  for (Region region : {Region::BJ, Region::TJ, Region::HE}) {
    books.federation.step_until(
        [&] { return books.settlement(region, period).contains("proposal"); });
  }
}

TEST_CASE("A period a peer cannot answer for is polled with a doubling wait, then settles",
          "[federation][period]") {
  ThreeRegions books;
  const std::string period = clearing::period_containing(books.federation.now_ms, 60).id;
  books.provider_redemption(Region::BJ, Region::TJ, 800'000);
  books.federation.deliver();
  books.federation.now_ms += 61'000;
  RegionNode& beijing = books.federation[Region::BJ];
  beijing.transport->down[Region::TJ] = true;
  constexpr int rounds = 200;
  for (int round = 0; round < rounds; ++round) books.federation.step();
  // Without a wait: one question a round. With it (1 round doubling to 8 in the test options):
  // 1 + 2 + 4 + 8 + 8 + … — about rounds / 8.
  CHECK(beijing.transport->period_gets > 5);
  CHECK(beijing.transport->period_gets < rounds / 8 + 10);
  CHECK_FALSE(books.settlement(Region::BJ, period).contains("close"));
  beijing.transport->down[Region::TJ] = false;
  books.federation.step_until(
      [&] { return books.settlement(Region::BJ, period).contains("proposal"); });
}
