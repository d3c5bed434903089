// One region's node without HTTP: signed statements in, durable entries and derived state out.
#include "nodes/service.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "clearing/credit_code.h"
#include "crypto/canonical_json.h"
#include "nodes/data_dir.h"
#include "tests/support/temp_dir.h"

using namespace innoclear;
using namespace innoclear::nodes;

namespace {

const std::string bj_enterprise_id = "91110108M000100Y4Q";
const std::string bj_provider_id = "P-BJ-TSINGHUA";

crypto::KeyPair seeded_pair(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return crypto::KeyPair::from_seed(seed);
}

// A Beijing node with a finance office, one enterprise and one provider registered, a budget
// for the year and a clock the test moves.
struct ServiceNode {
  testing::TempDir dir{"node"};
  std::atomic<std::int64_t> now_ms{1'790'000'000'000};  // 2026-09
  std::unique_ptr<Service> service;
  crypto::KeyPair office = seeded_pair(1);
  crypto::KeyPair enterprise = seeded_pair(2);
  crypto::KeyPair provider = seeded_pair(3);
  std::atomic<int> nonce{0};

  explicit ServiceNode(RateLimit actor_rate = {}) {
    const DataDir data{dir.path() / "BJ"};
    REQUIRE(init_data_dir(data, clearing::Region::BJ).ok());
    Result<crypto::KeyPair> office_key = crypto::KeyPair::load(data.office_key_file());
    REQUIRE(office_key.ok());
    office = std::move(*office_key);
    Result<std::unique_ptr<Service>> opened =
        Service::open({data, [this] { return now_ms.load(); }, 1000, std::size_t{1} << 30});
    REQUIRE(opened.ok());
    service = std::move(*opened);
    service->set_actor_rate(actor_rate);
    REQUIRE(as_office("actor.register", {{"id", bj_enterprise_id},
                                         {"key", key_of(enterprise)},
                                         {"name", "Example Tech"},
                                         {"role", "enterprise"}})
                .ok());
    REQUIRE(as_office("actor.register", {{"categories", {"testing"}},
                                         {"id", bj_provider_id},
                                         {"key", key_of(provider)},
                                         {"name", "Tsinghua lab"},
                                         {"role", "provider"}})
                .ok());
    REQUIRE(as_office("budget.allocate", {{"amount", 100'000'000}, {"year", 2026}}).ok());
  }

  static std::string key_of(const crypto::KeyPair& key) {
    return crypto::encode_public_key(key.public_key());
  }
  SignedStatement sign(const crypto::KeyPair& key, const std::string& actor,
                       const std::string& kind, const nlohmann::json& body) {
    return sign_statement(key, actor, kind, body, "BJ", now_ms, "n" + std::to_string(nonce++));
  }
  Result<Accepted> submit(const SignedStatement& s) {
    return service->submit_and_wait(s.bytes, s.signature_base64);
  }
  Result<Accepted> as_office(const std::string& kind, const nlohmann::json& body) {
    return submit(sign(office, "office.BJ", kind, body));
  }
  Result<Accepted> as_enterprise(const std::string& kind, const nlohmann::json& body) {
    return submit(sign(enterprise, bj_enterprise_id, kind, body));
  }
  Result<Accepted> as_provider(const std::string& kind, const nlohmann::json& body) {
    return submit(sign(provider, bj_provider_id, kind, body));
  }

  // An issued voucher of ¥5,000 and a countersigned ¥8,000 receipt paid in full.
  std::string voucher_with_receipt(const std::string& tag) {
    REQUIRE(as_enterprise("voucher.apply",
                          {{"application_id", tag}, {"category", "testing"}, {"face", 500'000}})
                .ok());
    Result<Accepted> approved =
        as_office("voucher.approve", {{"application_id", tag}, {"enterprise", bj_enterprise_id}});
    REQUIRE(approved.ok());
    const std::string hash(64, 'a');
    REQUIRE(as_provider("receipt.record", {{"category", "testing"},
                                           {"contract_sha256", hash},
                                           {"enterprise", bj_enterprise_id},
                                           {"invoice_sha256", hash},
                                           {"paid", 800'000},
                                           {"payment_ref", "BANK-" + tag},
                                           {"payment_sha256", hash},
                                           {"price", 800'000},
                                           {"receipt_id", tag}})
                .ok());
    REQUIRE(
        as_enterprise("receipt.confirm", {{"provider", bj_provider_id}, {"receipt_id", tag}}).ok());
    return approved->result["voucher"]["id"].get<std::string>();
  }
};

}  // namespace

TEST_CASE("a pay-first redemption is recorded, payable to the enterprise, and verifiable",
          "[service]") {
  ServiceNode node;
  const std::string voucher = node.voucher_with_receipt("R1");
  Result<Accepted> redeemed = node.as_enterprise(
      "voucher.redeem",
      {{"provider", bj_provider_id}, {"receipt_id", "R1"}, {"voucher_id", voucher}});
  REQUIRE(redeemed.ok());
  CHECK(redeemed->result["amount"] == 400'000);  // half of ¥8,000, within the ¥5,000 face
  CHECK(redeemed->result["payee"] == bj_enterprise_id);
  Result<std::string> entry = node.service->ledger().view()->entry(redeemed->index);
  REQUIRE(entry.ok());
  CHECK(entry->find("\"kind\":\"voucher.redeem\"") != std::string::npos);
  REQUIRE(node.service->ledger().sign_checkpoint().ok());
  Result<ledger::VerifyReport> report =
      node.service->ledger().verify(node.service->identity().public_key);
  INFO(report.status().to_string());
  REQUIRE(report.ok());
  CHECK(report->state_rows > 0);
}

TEST_CASE("the same actor and nonce return the original result; other content conflicts",
          "[service]") {
  ServiceNode node;
  const SignedStatement apply =
      node.sign(node.enterprise, bj_enterprise_id, "voucher.apply",
                {{"application_id", "A"}, {"category", "testing"}, {"face", 1000}});
  const std::string used_nonce = "n" + std::to_string(node.nonce.load() - 1);
  Result<Accepted> first = node.submit(apply);
  REQUIRE(first.ok());
  const std::uint64_t size = node.service->ledger().size();
  Result<Accepted> again = node.submit(apply);
  REQUIRE(again.ok());
  CHECK(again->replayed);
  CHECK(again->index == first->index);
  CHECK(again->result == first->result);
  CHECK(node.service->ledger().size() == size);  // nothing new recorded
  const SignedStatement other =
      sign_statement(node.enterprise, bj_enterprise_id, "voucher.apply",
                     {{"application_id", "B"}, {"category", "testing"}, {"face", 1000}}, "BJ",
                     node.now_ms, used_nonce);
  CHECK(node.submit(other).status().code() == Code::nonce_conflict);
}

TEST_CASE("bytes, times and signatures that are not right are refused and record nothing",
          "[service]") {
  ServiceNode node;
  const std::uint64_t size = node.service->ledger().size();
  const SignedStatement good =
      node.sign(node.enterprise, bj_enterprise_id, "voucher.apply",
                {{"application_id", "A"}, {"category", "testing"}, {"face", 1000}});
  SECTION("non-canonical bytes") {
    std::string spaced = good.bytes;
    spaced.insert(1, " ");
    CHECK(node.service->submit_and_wait(spaced, good.signature_base64).status().code() ==
          Code::json_whitespace);
  }
  SECTION("a wrong signature") {
    const SignedStatement forged =
        node.sign(node.provider, bj_enterprise_id, "voucher.apply",
                  {{"application_id", "A"}, {"category", "testing"}, {"face", 1000}});
    CHECK(node.submit(forged).status().code() == Code::bad_signature);
    CHECK(node.service->submit_and_wait(good.bytes, "AAAA").status().code() == Code::bad_signature);
  }
  SECTION("a stale or future time") {
    node.now_ms += 301'000;
    CHECK(node.submit(good).status().code() == Code::stale_time);
    node.now_ms -= 602'000;
    CHECK(node.submit(good).status().code() == Code::stale_time);
  }
  SECTION("an unknown actor") {
    const crypto::KeyPair stranger = seeded_pair(9);
    const std::string code = "91110000802100433B";
    CHECK(node.submit(node.sign(stranger, code, "voucher.apply", nlohmann::json::object()))
              .status()
              .code() == Code::unknown_actor);
  }
  SECTION("a key the office rotated away") {
    REQUIRE(node.as_office("actor.rotate_key",
                           {{"id", bj_enterprise_id}, {"key", ServiceNode::key_of(seeded_pair(7))}})
                .ok());
    CHECK(node.submit(good).status().code() == Code::key_revoked);
  }
  SECTION("a revoked actor") {
    REQUIRE(node.as_office("actor.revoke", {{"id", bj_enterprise_id}}).ok());
    CHECK(node.submit(good).status().code() == Code::actor_revoked);
  }
  const std::uint64_t after = node.service->ledger().size();
  CHECK(after <= size + 1);  // only the office's own statement in the last two sections
}

TEST_CASE("100 concurrent redemptions of one voucher: exactly one succeeds", "[service]") {
  ServiceNode node;
  const std::string voucher = node.voucher_with_receipt("R1");
  std::vector<SignedStatement> attempts;
  for (int i = 0; i < 100; ++i) {
    attempts.push_back(
        node.sign(node.enterprise, bj_enterprise_id, "voucher.redeem",
                  {{"provider", bj_provider_id}, {"receipt_id", "R1"}, {"voucher_id", voucher}}));
  }
  std::atomic<int> succeeded{0};
  std::atomic<int> already{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 100; i += 10) {
        Result<Accepted> outcome = node.submit(attempts[static_cast<std::size_t>(i)]);
        if (outcome.ok()) {
          succeeded++;
        } else if (outcome.status().code() == Code::already_redeemed) {
          already++;
        } else {
          other++;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(succeeded == 1);
  CHECK(already == 99);
  CHECK(other == 0);
  CHECK(node.service->ledger().verify(node.service->identity().public_key).ok());
}

TEST_CASE("queries show a party its own data and nobody else's", "[service]") {
  ServiceNode node;
  const std::string voucher = node.voucher_with_receipt("R1");
  const auto ask = [&](const crypto::KeyPair& key, const std::string& actor,
                       const std::string& kind, const nlohmann::json& body) {
    const SignedStatement s = node.sign(key, actor, kind, body);
    return node.service->query(s.bytes, s.signature_base64);
  };
  CHECK(ask(node.enterprise, bj_enterprise_id, "query.voucher", {{"voucher_id", voucher}}).ok());
  CHECK(ask(node.office, "office.BJ", "query.voucher", {{"voucher_id", voucher}}).ok());
  CHECK(ask(node.provider, bj_provider_id, "query.voucher", {{"voucher_id", voucher}})
            .status()
            .code() == Code::not_own_party);
  Result<nlohmann::json> own =
      ask(node.enterprise, bj_enterprise_id, "query.vouchers", nlohmann::json::object());
  REQUIRE(own.ok());
  CHECK((*own)["vouchers"].size() == 1);
  CHECK(ask(node.enterprise, bj_enterprise_id, "query.report", nlohmann::json::object())
            .status()
            .code() == Code::forbidden);
  Result<nlohmann::json> report =
      ask(node.office, "office.BJ", "query.report", nlohmann::json::object());
  REQUIRE(report.ok());
  const auto& budget = (*report)["budgets"]["2026"];
  CHECK(budget["reserved"] == 500'000);
  CHECK(budget["total"] ==
        budget["available"].get<std::int64_t>() + budget["reserved"].get<std::int64_t>() +
            budget["redeemed"].get<std::int64_t>() + budget["paid"].get<std::int64_t>());
}

TEST_CASE("one actor's burst is refused rate_limited; other actors and nodes are not slowed",
          "[service][limits]") {
  ServiceNode node(actor_rate_default);  // 20 a second, bursts of 40
  const std::uint64_t size_before = node.service->ledger().size();
  int accepted = 0;
  int limited = 0;
  for (int i = 0; i < 500; ++i) {
    Result<Accepted> applied = node.as_enterprise(
        "voucher.apply",
        {{"application_id", "B" + std::to_string(i)}, {"category", "testing"}, {"face", 1'000}});
    if (applied.ok()) ++accepted;
    if (!applied.ok() && applied.status().code() == Code::rate_limited) ++limited;
  }
  CHECK(limited == 500 - int{actor_rate_default.burst});  // the clock stands still
  CHECK(accepted <= int{actor_rate_default.burst});
  // A refused statement records nothing.
  CHECK(node.service->ledger().size() == size_before + static_cast<std::uint64_t>(accepted));
  SECTION("other actors are unaffected") {
    CHECK(node.as_office("budget.allocate", {{"amount", 1}, {"year", 2026}}).ok());
    CHECK(node.as_provider("receipt.record", {{"category", "testing"},
                                              {"contract_sha256", std::string(64, 'a')},
                                              {"enterprise", bj_enterprise_id},
                                              {"invoice_sha256", std::string(64, 'a')},
                                              {"paid", 100},
                                              {"payment_ref", "BANK-X"},
                                              {"payment_sha256", std::string(64, 'a')},
                                              {"price", 100},
                                              {"receipt_id", "X"}})
              .ok());
  }
  SECTION("the node's own statements are never limited") {
    for (int i = 0; i < 100; ++i) {
      const SignedStatement own = node.service->sign_as_node(
          "budget.allocate", {{"amount", 1}, {"year", 2026}}, clearing::Region::BJ);
      CHECK(node.service->submit_and_wait(own.bytes, own.signature_base64).status().code() !=
            Code::rate_limited);
    }
  }
  SECTION("a second later the actor has 20 more") {
    node.now_ms += 1000;
    int again = 0;
    for (int i = 0; i < 30; ++i) {
      Result<Accepted> queried = node.as_enterprise(
          "voucher.apply",
          {{"application_id", "C" + std::to_string(i)}, {"category", "testing"}, {"face", 1'000}});
      if (queried.ok() || queried.status().code() != Code::rate_limited) ++again;
    }
    CHECK(again == int{actor_rate_default.per_second});
  }
}

TEST_CASE("a signed query is answered once; its replay is refused with nonce_conflict",
          "[service]") {
  ServiceNode node;
  const SignedStatement query = sign_statement(node.office, "office.BJ", "query.report",
                                               nlohmann::json::object(), "BJ", node.now_ms, "q1");
  CHECK(node.service->query(query.bytes, query.signature_base64).ok());
  CHECK(node.service->query(query.bytes, query.signature_base64).status().code() ==
        Code::nonce_conflict);
  // Nonces are per actor: the enterprise may use the same one.
  const SignedStatement other = sign_statement(node.enterprise, bj_enterprise_id, "query.vouchers",
                                               nlohmann::json::object(), "BJ", node.now_ms, "q1");
  CHECK(node.service->query(other.bytes, other.signature_base64).ok());
  // Past the clock-skew window the captured query is stale anyway.
  node.now_ms += clearing::clock_skew_ms_max + 1;
  CHECK(node.service->query(query.bytes, query.signature_base64).status().code() ==
        Code::stale_time);
}

TEST_CASE("a refused statement sent again is decided again and records nothing", "[service]") {
  ServiceNode node;
  REQUIRE(node.as_enterprise("voucher.apply",
                             {{"application_id", "A1"}, {"category", "testing"}, {"face", 1'000}})
              .ok());
  // A second application under the same id is refused; its bytes, captured and sent again,
  // are refused again: the application id, not the nonce, keeps it from succeeding twice.
  const SignedStatement again =
      node.sign(node.enterprise, bj_enterprise_id, "voucher.apply",
                {{"application_id", "A1"}, {"category", "testing"}, {"face", 2'000}});
  const std::uint64_t size_before = node.service->ledger().size();
  const Result<Accepted> first = node.submit(again);
  REQUIRE_FALSE(first.ok());
  const Result<Accepted> replayed = node.submit(again);
  REQUIRE_FALSE(replayed.ok());
  CHECK(replayed.status().code() == first.status().code());
  CHECK(node.service->ledger().size() == size_before);
}
