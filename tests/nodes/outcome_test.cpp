// A cross-region redemption as its parties follow it: an enterprise abroad is told that a
// receipt there needs no confirmation, redeems at home, and reads the outcome by request id
// (query.redemption); a provider reads its refused redemption's reason the same way, and its
// receipt (query.receipt); a voucher past its deadline reads expired before the office records
// the expiry, and reading it writes nothing.
#include <catch2/catch.hpp>

#include "clearing/periods.h"
#include "tests/nodes/cross_region.h"

using namespace innoclear;
using namespace innoclear::testing;

namespace {

Result<nlohmann::json> ask(RegionNode& node, const crypto::KeyPair& key, const std::string& actor,
                           const std::string& kind, const nlohmann::json& body) {
  static std::atomic<int> nonce{0};
  const SignedStatement s = nodes::sign_statement(
      key, actor, kind, body, node.code, node.service->now_ms(), "q" + std::to_string(nonce++));
  return node.service->query(s.bytes, s.signature_base64);
}

nlohmann::json redemption(RegionNode& node, const crypto::KeyPair& key, const std::string& actor,
                          const std::string& request_id) {
  Result<nlohmann::json> shown =
      ask(node, key, actor, "query.redemption", {{"request_id", request_id}});
  REQUIRE(shown.ok());
  return (*shown)["redemption"];
}

}  // namespace

TEST_CASE("An enterprise is shown the way to redeem a receipt recorded in another region",
          "[federation][outcome]") {
  CrossRegion books;
  // At home, naming the provider's region: no countersignature is needed, redeem at home.
  Result<Accepted> confirmed = books.as_enterprise(
      "receipt.confirm",
      {{"provider", provider_id}, {"provider_region", "TJ"}, {"receipt_id", "R1"}});
  CHECK(confirmed.status().code() == Code::wrong_region);
  CHECK(confirmed.status().message().find("enterprise redeem --provider-region TJ") !=
        std::string::npos);
  // Without the region, the home node has no such receipt and says where to go.
  Result<Accepted> unknown =
      books.as_enterprise("receipt.confirm", {{"provider", provider_id}, {"receipt_id", "R1"}});
  CHECK(unknown.status().code() == Code::not_found);
  CHECK(unknown.status().message().find("needs no confirmation") != std::string::npos);
  CHECK(books
            .as_enterprise(
                "receipt.confirm",
                {{"provider", provider_id}, {"provider_region", "XX"}, {"receipt_id", "R1"}})
            .status()
            .code() == Code::bad_statement);

  // The documented way: redeem at home, then read the outcome by request id.
  const std::string request_id = CrossRegion::request_id_of(books.pay_first("R1"));
  nlohmann::json view = redemption(books.home, enterprise_key, enterprise_id, request_id);
  CHECK(view["status"] == "pending");
  CHECK(view["kind"] == "peer.receipt.consume");
  CHECK(view["peer"] == "TJ");
  CHECK(view["voucher_id"] == books.voucher);
  CHECK(view["period"] == clearing::period_containing(books.federation.now_ms, 60).id);
  books.federation.deliver();
  view = redemption(books.home, enterprise_key, enterprise_id, request_id);
  CHECK(view["status"] == "redeemed");
  CHECK(view["amount"] == 400'000);  // half of ¥8,000
  CHECK(redemption(books.home, books.home.office, "office.BJ", request_id)["status"] == "redeemed");
  // TJ's receipt is consumed: its provider reads it there.
  Result<nlohmann::json> receipt = ask(books.lab, provider_key, provider_id, "query.receipt",
                                       {{"provider", provider_id}, {"receipt_id", "R1"}});
  REQUIRE(receipt.ok());
  CHECK((*receipt)["receipt"]["state"] == "consumed");
  CHECK(ask(books.home, enterprise_key, enterprise_id, "query.redemption",
            {{"request_id", "BJ-R999999"}})
            .status()
            .code() == Code::not_found);
}

TEST_CASE("A provider reads the home node's reason for refusing its redemption",
          "[federation][outcome]") {
  CrossRegion books;
  // The voucher was never assigned to the laboratory: Beijing refuses to honour it.
  const Result<Accepted> asked = books.provider_redeem("R1");
  REQUIRE(asked.ok());
  const std::string request_id = CrossRegion::request_id_of(asked);
  const nlohmann::json pending = redemption(books.lab, provider_key, provider_id, request_id);
  CHECK(pending["status"] == "pending");
  CHECK(pending["requested_index"] == asked->index);  // the provider's own signed entry
  Result<nlohmann::json> locked = ask(books.lab, provider_key, provider_id, "query.receipt",
                                      {{"provider", provider_id}, {"receipt_id", "R1"}});
  REQUIRE(locked.ok());
  CHECK((*locked)["receipt"]["state"] == "pending");
  books.federation.deliver();
  const nlohmann::json view = redemption(books.lab, provider_key, provider_id, request_id);
  CHECK(view["status"] == "refused");
  CHECK(view["code"] == static_cast<int>(Code::not_assigned));
  CHECK_FALSE(view["reason"].get<std::string>().empty());
  CHECK(view["peer"] == "BJ");
  CHECK(view["requested_index"] == asked->index);
  CHECK(view["answered_index"].get<std::uint64_t>() > asked->index);
  Result<nlohmann::json> unlocked = ask(books.lab, provider_key, provider_id, "query.receipt",
                                        {{"provider", provider_id}, {"receipt_id", "R1"}});
  REQUIRE(unlocked.ok());
  CHECK((*unlocked)["receipt"]["state"] == "recorded");
  // The refusal is kept in the books the ledger replays.
  REQUIRE(books.lab.service->ledger().sign_checkpoint().ok());
  CHECK(books.lab.service->ledger().verify(books.lab.service->identity().public_key).ok());
}

TEST_CASE("Only a request's party here and the office read it", "[federation][outcome]") {
  CrossRegion books;
  const std::string request_id = CrossRegion::request_id_of(books.provider_redeem("R1"));
  const crypto::KeyPair other_key = seeded_key(9);
  REQUIRE(books.lab
              .as_office("actor.register", {{"categories", {"testing"}},
                                            {"id", "P-TJ-OTHER"},
                                            {"key", public_key_of(other_key)},
                                            {"name", "Another lab"},
                                            {"role", "provider"}})
              .ok());
  CHECK(ask(books.lab, other_key, "P-TJ-OTHER", "query.redemption", {{"request_id", request_id}})
            .status()
            .code() == Code::not_own_party);
  CHECK(ask(books.lab, other_key, "P-TJ-OTHER", "query.receipt",
            {{"provider", provider_id}, {"receipt_id", "R1"}})
            .status()
            .code() == Code::not_own_party);
  CHECK(ask(books.lab, books.lab.office, "office.TJ", "query.redemption",
            {{"request_id", request_id}})
            .ok());
}

TEST_CASE("A voucher past its deadline reads expired before the office records it",
          "[federation][outcome]") {
  CrossRegion books;
  const nlohmann::json before = books.home.state(Table::vouchers, books.voucher);
  const std::uint64_t size = books.home.service->ledger().size();
  books.federation.now_ms = before["expires_ms"].get<std::int64_t>();
  Result<nlohmann::json> shown = ask(books.home, enterprise_key, enterprise_id, "query.voucher",
                                     {{"voucher_id", books.voucher}});
  REQUIRE(shown.ok());
  CHECK((*shown)["voucher"]["status"] == "expired");
  CHECK((*shown)["voucher"]["recorded_status"] == "live");
  Result<nlohmann::json> listed =
      ask(books.home, enterprise_key, enterprise_id, "query.vouchers", nlohmann::json::object());
  REQUIRE(listed.ok());
  CHECK((*listed)["vouchers"][0]["status"] == "expired");
  // Nothing was written: the books still hold it live until the office's voucher.expire.
  CHECK(books.home.state(Table::vouchers, books.voucher) == before);
  CHECK(books.home.service->ledger().size() == size);
  REQUIRE(books.home.as_office("voucher.expire", {{"voucher_id", books.voucher}}).ok());
  shown = ask(books.home, enterprise_key, enterprise_id, "query.voucher",
              {{"voucher_id", books.voucher}});
  REQUIRE(shown.ok());
  CHECK((*shown)["voucher"]["status"] == "expired");
  CHECK_FALSE((*shown)["voucher"].contains("recorded_status"));
}
