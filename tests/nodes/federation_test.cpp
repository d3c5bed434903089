// Cross-region redemption between two notaries, in one process: the enterprise's home node (BJ)
// and the provider's node (TJ), joined by a transport that can fail.
#include <catch2/catch.hpp>

#include "clearing/settlement.h"
#include "tests/nodes/cross_region.h"

using namespace innoclear;
using namespace innoclear::testing;
using clearing::Table;

TEST_CASE(
    "Pay-first across regions: the home node redeems once the provider's node used the receipt",
    "[federation]") {
  CrossRegion books;
  Result<Accepted> asked = books.pay_first("R1");
  REQUIRE(asked.ok());
  CHECK(asked->result["voucher"]["status"] == "pending");
  CHECK(books.home.state(Table::outbox, asked->result["pending"]["request_id"].get<std::string>())
            .is_object());
  books.federation.deliver();

  const nlohmann::json voucher = books.home.state(Table::vouchers, books.voucher);
  CHECK(voucher["status"] == "redeemed");
  CHECK(voucher["amount"] == 400'000);  // half of the ¥8,000 paid, under the ¥5,000 face
  CHECK(voucher["payee"] == enterprise_id);
  CHECK(books.lab.state(Table::receipts, provider_id + "|R1")["consumed_by"] == books.voucher);
  const nlohmann::json budget = books.home.state(Table::budgets, "2026");
  CHECK(budget["redeemed"] == 400'000);
  CHECK(budget["reserved"] == 0);
  books.require_budget_balances();

  const auto home_lines = books.lines(books.home);
  REQUIRE(home_lines.size() == 1);
  CHECK(home_lines[0].way == clearing::Way::pay_first);
  CHECK(home_lines[0].owed() == 0);  // the home region pays its own enterprise
  CHECK(clearing::compare_statements(home_lines, books.lines(books.lab)).empty());
}

TEST_CASE("Provider redemption across regions: the home region owes the provider's region",
          "[federation]") {
  CrossRegion books;
  books.assign();
  Result<Accepted> asked = books.provider_redeem("R1");
  REQUIRE(asked.ok());
  CHECK(asked->result["receipt"]["pending"]["voucher_id"] == books.voucher);
  books.federation.deliver();

  const nlohmann::json voucher = books.home.state(Table::vouchers, books.voucher);
  CHECK(voucher["status"] == "redeemed");
  CHECK(voucher["amount"] == 400'000);  // half of the ¥8,000 price
  CHECK(voucher["payee"] == "office.TJ");
  const nlohmann::json receipt = books.lab.state(Table::receipts, provider_id + "|R1");
  CHECK(receipt["consumed_by"] == books.voucher);
  CHECK_FALSE(receipt.contains("pending"));
  books.require_budget_balances();
  const auto lines = books.lines(books.lab);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].way == clearing::Way::provider);
  CHECK(lines[0].home == Region::BJ);
  CHECK(lines[0].provider_region == Region::TJ);
  CHECK(lines[0].owed() == 400'000);
  CHECK(clearing::compare_statements(books.lines(books.home), lines).empty());
}

TEST_CASE("A participant's refusal is final and unlocks what the coordinator locked",
          "[federation]") {
  CrossRegion books;
  SECTION("pay-first with a receipt the provider's node does not have") {
    REQUIRE(books.pay_first("NO-SUCH-RECEIPT").ok());
    books.federation.deliver();
    const nlohmann::json voucher = books.home.state(Table::vouchers, books.voucher);
    CHECK(voucher["status"] == "live");
    CHECK_FALSE(voucher.contains("pending"));
    CHECK(books.lines(books.home).empty());
    // The voucher can be used again, with the right receipt.
    REQUIRE(books.pay_first("R1").ok());
    books.federation.deliver();
    CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "redeemed");
  }
  SECTION("provider redemption of a voucher not assigned to the provider") {
    REQUIRE(books.provider_redeem("R1").ok());
    books.federation.deliver();
    CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "live");
    CHECK_FALSE(books.lab.state(Table::receipts, provider_id + "|R1").contains("pending"));
    CHECK(books.lines(books.lab).empty());
  }
}

TEST_CASE("A dead peer delays a redemption and a lost reply never doubles it", "[federation]") {
  CrossRegion books;
  books.home.transport->down[Region::TJ] = true;
  REQUIRE(books.pay_first("R1").ok());
  nodes::OutboxSender& sender = books.home.federation->sender(Region::TJ);
  std::uint32_t backoff_ms = 0;
  for (int round = 0; round < 5; ++round) {
    CHECK(sender.round().status().code() == Code::io_error);
    const std::uint32_t next = sender.status()["backoff_ms"].get<std::uint32_t>();
    CHECK(next >= backoff_ms);  // backing off, up to its cap
    CHECK(sender.next_wait_ms() == next);
    backoff_ms = next;
  }
  CHECK(backoff_ms > 0);
  CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "pending");
  books.home.transport->lose_replies = 3;  // TJ answers, and the answer is lost three times
  books.home.transport->down[Region::TJ] = false;
  books.federation.deliver();
  CHECK(sender.status()["backoff_ms"] == 0);
  CHECK(sender.status()["delivered"] == 1);

  CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "redeemed");
  const nlohmann::json stats =
      books.lab.state(Table::provider_stats, "TJ|" + provider_id + "|2026-09");
  CHECK(stats["services"] == 1);
  CHECK(books.lines(books.lab).size() == 1);
  CHECK(books.lines(books.home).size() == 1);
  books.require_budget_balances();
}

TEST_CASE("100 redemptions of one voucher at its home node and the provider's node: one succeeds",
          "[federation]") {
  CrossRegion books;
  books.assign();
  books.record_receipt("R2", 800'000);
  books.federation.start();
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&, i] {
      Result<Accepted> outcome = i % 2 == 0 ? books.pay_first("R1") : books.provider_redeem("R2");
      if (outcome.ok()) ++accepted;
    });
  }
  for (std::thread& thread : threads) thread.join();
  books.federation.settle();

  // A lock refused by the other notary is released, so a later attempt may lock again; what
  // counts is that exactly one redemption was made.
  CHECK(accepted >= 1);
  CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "redeemed");
  const auto home_lines = books.lines(books.home);
  REQUIRE(home_lines.size() == 1);
  CHECK(clearing::compare_statements(home_lines, books.lines(books.lab)).empty());
  int consumed = 0;
  for (const char* receipt : {"R1", "R2"}) {
    const nlohmann::json record = books.lab.state(Table::receipts, provider_id + "|" + receipt);
    consumed += record.contains("consumed_by") ? 1 : 0;
    CHECK_FALSE(record.contains("pending"));
  }
  CHECK(consumed == 1);
  CHECK(books.home.state(Table::budgets, "2026")["redeemed"] == 400'000);
  books.require_budget_balances();
}

TEST_CASE("Peer requests are taken only from member nodes, as themselves", "[federation]") {
  CrossRegion books;
  const SignedStatement request = books.home.service->sign_as_node(
      "peer.receipt.consume", {{"request_id", "BJ-R000999"}}, Region::TJ);
  const std::string batch =
      nlohmann::json{
          {"requests", {{{"signature", request.signature_base64}, {"statement", request.bytes}}}}}
          .dump();
  std::promise<Result<std::string>> answered;
  SECTION("a client certificate that is not a member's") {
    books.lab.federation->answerer().answer(
        std::string(64, 'f'), batch,
        [&](Result<std::string> answer) { answered.set_value(std::move(answer)); });
    CHECK(answered.get_future().get().status().code() == Code::forbidden);
  }
  SECTION("a member's certificate carrying another node's statement") {
    const std::string hebei_like = books.lab.service->identity().tls_fingerprint;
    books.lab.federation->answerer().answer(hebei_like, batch, [&](Result<std::string> answer) {
      answered.set_value(std::move(answer));
    });
    CHECK(answered.get_future().get().status().code() ==
          Code::forbidden);  // TJ is not a peer of TJ
  }
}

TEST_CASE("A peer batch whose kind would be cut inside a character is refused; the node lives",
          "[federation]") {
  CrossRegion books;
  const std::uint64_t size_before = books.lab.service->ledger().size();
  // 279 'a' and an 'é': the old detail "not a peer request: <kind>" was cut at byte 300, inside
  // the 'é', and dumping the answer threw on the ledger writer thread.
  const std::string kind = std::string(279, 'a') + "\xc3\xa9";
  const std::string odd = nlohmann::json{{"actor", "node.BJ"}, {"kind", kind}}.dump();
  const SignedStatement request = books.home.service->sign_as_node(
      "peer.receipt.consume", {{"request_id", "BJ-R000999"}}, Region::TJ);
  const std::string batch =
      nlohmann::json{{"requests",
                      {{{"signature", "AAAA"}, {"statement", odd}},
                       {{"signature", request.signature_base64}, {"statement", request.bytes}}}}}
          .dump();
  std::promise<Result<std::string>> answered;
  books.lab.federation->answerer().answer(
      books.home.service->identity().tls_fingerprint, batch,
      [&](Result<std::string> answer) { answered.set_value(std::move(answer)); });
  Result<std::string> answer = answered.get_future().get();
  REQUIRE(answer.ok());
  REQUIRE(is_valid_utf8(*answer));
  const nlohmann::json answers = nlohmann::json::parse(*answer)["answers"];
  REQUIRE(answers.size() == 2);
  CHECK(answers[0]["problem"]["code"] == static_cast<int>(Code::unknown_kind));
  CHECK(answers[1].contains("problem"));
  CHECK(books.lab.service->ledger().size() == size_before);
  // Alive: the node still records work.
  CHECK(books.lab.as_office("budget.allocate", {{"amount", 1}, {"year", 2026}}).ok());
  CHECK(books.lab.service->ledger().size() == size_before + 1);
}

TEST_CASE("Problem details keep whole characters", "[federation]") {
  CHECK(nodes::utf8_prefix("ab\xc3\xa9", 3) == "ab");
  CHECK(nodes::utf8_prefix("ab\xc3\xa9", 4) == "ab\xc3\xa9");
  CHECK(nodes::utf8_prefix("ab\xff", 10) == "ab");  // not UTF-8: cut before it
}

TEST_CASE("Asking again with other content under the same request id is refused", "[federation]") {
  CrossRegion books;
  const nlohmann::json body =
      books.proven_body(books.home, CrossRegion::request_id_of(books.pay_first("R1")));
  const SignedStatement first =
      books.home.service->sign_as_node("peer.receipt.consume", body, Region::TJ);
  Result<Accepted> once = books.lab.service->submit_and_wait(first.bytes, first.signature_base64);
  REQUIRE(once.ok());
  CHECK(once->result["outcome"] == "done");
  books.federation.now_ms += 1000;  // a retry is signed later, with a new nonce
  const SignedStatement again =
      books.home.service->sign_as_node("peer.receipt.consume", body, Region::TJ);
  Result<Accepted> twice = books.lab.service->submit_and_wait(again.bytes, again.signature_base64);
  REQUIRE(twice.ok());
  CHECK(twice->replayed);
  CHECK(twice->index == once->index);
  nlohmann::json other = body;
  other["face"] = 100;
  const SignedStatement changed =
      books.home.service->sign_as_node("peer.receipt.consume", other, Region::TJ);
  CHECK(
      books.lab.service->submit_and_wait(changed.bytes, changed.signature_base64).status().code() ==
      Code::id_conflict);
}

TEST_CASE("A peer may ask only under its own request ids", "[federation]") {
  CrossRegion books;
  const SignedStatement request =
      books.home.service->sign_as_node("peer.receipt.consume",
                                       {{"category", "testing"},
                                        {"enterprise", enterprise_id},
                                        {"face", 500'000},
                                        {"provider", provider_id},
                                        {"ratio_bp", 5000},
                                        {"receipt_id", "R1"},
                                        {"request_id", "TJ-R000001"},
                                        {"requested_ms", books.federation.now_ms.load()},
                                        {"voucher_id", books.voucher}},
                                       Region::TJ);
  CHECK(
      books.lab.service->submit_and_wait(request.bytes, request.signature_base64).status().code() ==
      Code::forbidden);
  CHECK_FALSE(books.lab.state(Table::receipts, provider_id + "|R1").contains("consumed_by"));
}

TEST_CASE("A provider redemption abroad pays only the price the enterprise agreed",
          "[federation]") {
  CrossRegion books;
  REQUIRE(books
              .as_enterprise("voucher.assign", {{"price", 700'000},
                                                {"provider", provider_id},
                                                {"provider_region", "TJ"},
                                                {"voucher_id", books.voucher}})
              .ok());
  REQUIRE(books.provider_redeem("R1").ok());  // the receipt says ¥8,000
  books.federation.deliver();
  CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "live");
  CHECK_FALSE(books.lab.state(Table::receipts, provider_id + "|R1").contains("consumed_by"));
}

TEST_CASE("A voucher owed to another region is paid by settlement, not by a payout",
          "[federation]") {
  CrossRegion books;
  books.assign();
  REQUIRE(books.provider_redeem("R1").ok());
  books.federation.deliver();
  REQUIRE(books.home.state(Table::vouchers, books.voucher)["status"] == "redeemed");
  CHECK(books.home.as_office("payout.record", {{"bank_ref", "B1"}, {"voucher_id", books.voucher}})
            .status()
            .code() == Code::not_payable);
}

TEST_CASE("Keys of nodes and peer offices are not the office's to rotate", "[federation]") {
  CrossRegion books;
  const std::string other_key = public_key_of(seeded_key(77));
  for (const char* id : {"node.TJ", "office.TJ", "node.BJ"}) {
    CHECK(books.home.as_office("actor.rotate_key", {{"id", id}, {"key", other_key}})
              .status()
              .code() == Code::forbidden);
  }
}

TEST_CASE("A peer over its rate is refused rate_limited", "[federation][limits]") {
  nodes::FederationOptions options = Federated::fast();
  options.peer_rate = {1, 3};
  Federated federation({Region::BJ, Region::TJ}, options);
  const std::string beijing = federation[Region::BJ].service->identity().tls_fingerprint;
  const std::string period = clearing::period_containing(federation.now_ms, 60).id;
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    Result<std::string> answer =
        federation[Region::TJ].federation->answerer().answer_period(beijing, period);
    if (!answer.ok() && answer.status().code() == Code::rate_limited) ++limited;
  }
  CHECK(limited == 7);
  std::promise<Result<std::string>> answered;
  federation[Region::TJ].federation->answerer().answer(
      beijing, R"({"requests":[]})",
      [&](Result<std::string> answer) { answered.set_value(std::move(answer)); });
  CHECK(answered.get_future().get().status().code() == Code::rate_limited);
}
