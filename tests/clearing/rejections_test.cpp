// Every reason the voucher rules refuse a statement, each triggered and named exactly.
// Books::submit checks that each refused statement left every table exactly as it was.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

namespace {

constexpr std::int64_t max_fen = std::numeric_limits<std::int64_t>::max();

json application(const std::string& id, std::int64_t face,
                 const std::string& category = "testing") {
  return {{"application_id", id}, {"category", category}, {"face", face}};
}

json decision(const std::string& enterprise, const std::string& application_id) {
  return {{"enterprise", enterprise}, {"application_id", application_id}};
}

json redemption(const std::string& voucher, const std::string& provider,
                const std::string& receipt) {
  return {{"voucher_id", voucher}, {"provider", provider}, {"receipt_id", receipt}};
}

json provider_redemption(const std::string& voucher, const std::string& receipt) {
  return {{"voucher_id", voucher}, {"receipt_id", receipt}};
}

json registration(const std::string& id, const std::string& role) {
  json body = {{"id", id}, {"role", role}, {"name", "Someone"}, {"key", public_key_text(77)}};
  if (role == "provider") body["categories"] = {"testing"};
  return body;
}

// A year opened, enterprise A holding a ¥3,000 testing voucher and a countersigned ¥4,000 receipt
// from the lab.
struct WithVoucher {
  Books books;
  std::string voucher;
  WithVoucher() {
    books.open_year();
    voucher = books.issue(enterprise_a, 300'000);
    books.serve(lab, "R-1", enterprise_a, "testing", 400'000, 400'000);
  }
};

}  // namespace

TEST_CASE("A refused statement leaves every table exactly as it was") {
  WithVoucher w;
  Books& books = w.books;
  Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("late", 100'000)));
  books.set_policy({{"yearly_count_max", 1}});
  books.serve(lab, "R-B", enterprise_b, "testing", 1'000, 1'000);
  const std::string before = snapshot(books.store);
  // Refused at the last check of an approval, after application, policy and usage were read.
  CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "late"))) ==
        Code::over_yearly_count);
  CHECK(snapshot(books.store) == before);
  // Refused at the last check of a redemption, after voucher and receipt were read.
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                 redemption(w.voucher, lab, "R-B"))) == Code::receipt_mismatch);
  CHECK(snapshot(books.store) == before);
  // And the same statements, once allowed, do change the books.
  books.set_policy({{"yearly_count_max", 5}});
  const std::string with_policy = snapshot(books.store);
  Books::accept(books.office("voucher.approve", decision(enterprise_a, "late")));
  CHECK(snapshot(books.store) != with_policy);
}

TEST_CASE(
    "A registration or key rotation with a missing, mistyped or oversized field is refused "
    "as bad_statement") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("registration without a key") {
    json body = registration(enterprise_c, "enterprise");
    body.erase("key");
    CHECK(code_of(books.office("actor.register", body)) == Code::bad_statement);
  }
  SECTION("registration with a key that is not a base64 Ed25519 key") {
    json body = registration(enterprise_c, "enterprise");
    body["key"] = "not a key";
    CHECK(code_of(books.office("actor.register", body)) == Code::bad_statement);
  }
  SECTION("registration of an office or node: only enterprises and providers are registered") {
    CHECK(code_of(books.office("actor.register", registration("officeTJ", "office"))) ==
          Code::bad_statement);
    CHECK(code_of(books.office("actor.register", registration("nodeX", "node"))) ==
          Code::bad_statement);
  }
  SECTION("an identifier longer than 64 bytes is outside the id form: invalid_id") {
    CHECK(code_of(books.office("actor.register", registration(std::string(65, 'p'), "provider"))) ==
          Code::invalid_id);
  }
  SECTION("a name longer than 500 bytes") {
    json body = registration("provider.new", "provider");
    body["name"] = std::string(501, 'n');
    CHECK(code_of(books.office("actor.register", body)) == Code::bad_statement);
  }
  SECTION("a provider without categories, with an unknown one or with one twice") {
    json body = registration("provider.new", "provider");
    body["categories"] = json::array();
    CHECK(code_of(books.office("actor.register", body)) == Code::bad_statement);
    body["categories"] = {"consulting"};
    CHECK(code_of(books.office("actor.register", body)) == Code::bad_statement);
    body["categories"] = {"testing", "testing"};
    CHECK(code_of(books.office("actor.register", body)) == Code::bad_statement);
    body["categories"] = "testing";
    CHECK(code_of(books.office("actor.register", body)) == Code::bad_statement);
  }
  SECTION("rotating to the key already in use") {
    CHECK(code_of(books.office("actor.rotate_key", {{"id", enterprise_a},
                                                    {"key", books.actor(enterprise_a)["key"]}})) ==
          Code::bad_statement);
  }
}

TEST_CASE(
    "A policy or budget with an extra, missing or mistyped field is refused as "
    "bad_statement") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("a policy with an extra field, a missing field or a mistyped field") {
    const json body = {
        {"accepted_regions", {"BJ"}}, {"categories", {"testing"}}, {"face_cap", 100},
        {"ratio_bp", 5'000},          {"validity_days", 10},       {"yearly_amount_max", 1'000},
        {"yearly_count_max", 1}};
    json extra = body;
    extra["note"] = "x";
    CHECK(code_of(books.office("policy.set", extra)) == Code::unknown_field);
    json missing = body;
    missing.erase("validity_days");
    CHECK(code_of(books.office("policy.set", missing)) == Code::bad_statement);
    json mistyped = body;
    mistyped["face_cap"] = "100";
    CHECK(code_of(books.office("policy.set", mistyped)) == Code::bad_statement);
    json unknown_region = body;
    unknown_region["accepted_regions"] = {"SH"};
    CHECK(code_of(books.office("policy.set", unknown_region)) == Code::bad_statement);
  }
  SECTION("a budget with a fractional amount") {
    CHECK(code_of(books.office("budget.allocate", {{"year", 2024}, {"amount", 100.5}})) ==
          Code::bad_statement);
    CHECK(code_of(books.office("budget.allocate", {{"year", "2024"}, {"amount", 100}})) ==
          Code::bad_statement);
  }
}

TEST_CASE("An application or a refusal without a field it needs is refused as bad_statement") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("an application without a category") {
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply",
                                   {{"application_id", "x"}, {"face", 1}})) == Code::bad_statement);
  }
  SECTION("a refusal without a reason") {
    Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("x", 1'000)));
    CHECK(code_of(books.office("voucher.refuse", decision(enterprise_a, "x"))) ==
          Code::bad_statement);
  }
}

TEST_CASE("A receipt with a malformed or missing field is refused as bad_statement") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("a receipt whose document hash is not 64 lowercase hex digits") {
    json body = receipt_body("R-9", enterprise_a, "testing", 1'000, 1'000);
    body["contract_sha256"] = std::string(64, 'A');
    CHECK(code_of(books.provider(lab, "receipt.record", body)) == Code::bad_statement);
    body["contract_sha256"] = std::string(63, 'a');
    CHECK(code_of(books.provider(lab, "receipt.record", body)) == Code::bad_statement);
    body.erase("contract_sha256");
    CHECK(code_of(books.provider(lab, "receipt.record", body)) == Code::bad_statement);
  }
  SECTION("a receipt without a payment reference") {
    json body = receipt_body("R-9", enterprise_a, "testing", 1'000, 1'000);
    body.erase("payment_ref");
    CHECK(code_of(books.provider(lab, "receipt.record", body)) == Code::bad_statement);
  }
}

TEST_CASE(
    "An assignment, rating, redemption or payout with a bad or missing field is refused as "
    "bad_statement") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("assigning a voucher to someone who is not an active provider") {
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.assign",
                                   {{"voucher_id", w.voucher}, {"provider", enterprise_b}})) ==
          Code::bad_statement);
    Books::accept(books.office("actor.revoke", {{"id", broker}}));
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.assign",
                                   {{"voucher_id", w.voucher}, {"provider", broker}})) ==
          Code::bad_statement);
  }
  SECTION("a rating with a comment longer than 500 bytes or not text") {
    books.redeem(enterprise_a, w.voucher, lab, "R-1");
    CHECK(code_of(books.enterprise(
              enterprise_a, "feedback.rate",
              {{"voucher_id", w.voucher}, {"rating", 5}, {"comment", std::string(501, 'c')}})) ==
          Code::bad_statement);
    CHECK(code_of(books.enterprise(enterprise_a, "feedback.rate",
                                   {{"voucher_id", w.voucher}, {"rating", 5}, {"comment", 42}})) ==
          Code::bad_statement);
    CHECK(code_of(books.enterprise(enterprise_a, "feedback.rate",
                                   {{"voucher_id", w.voucher}, {"rating", "5"}})) ==
          Code::bad_statement);
  }
  SECTION("a redemption without the receipt number") {
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                   {{"voucher_id", w.voucher}, {"provider", lab}})) ==
          Code::bad_statement);
  }
  SECTION("a payout without a bank reference") {
    books.redeem(enterprise_a, w.voucher, lab, "R-1");
    CHECK(code_of(books.office("payout.record", {{"voucher_id", w.voucher}})) ==
          Code::bad_statement);
  }
}

TEST_CASE("The genesis entry is refused unless it is the node's first entry with two public keys") {
  SECTION("keys that are not base64 Ed25519 keys: bad_statement") {
    Books books(Books::Empty{});
    CHECK(code_of(books.as(node_id, "genesis",
                           {{"node_key", "xyz"}, {"office_key", public_key_text(2)}})) ==
          Code::bad_statement);
    CHECK(code_of(books.as(node_id, "genesis", {{"node_key", public_key_text(1)}})) ==
          Code::bad_statement);
  }
  SECTION("stated by anyone but this region's node: forbidden") {
    Books books(Books::Empty{});
    CHECK(code_of(books.as("node.TJ", "genesis",
                           {{"node_key", public_key_text(1)},
                            {"office_key", public_key_text(2)}})) == Code::forbidden);
  }
  SECTION("a second genesis later: forbidden") {
    Books books;
    CHECK(code_of(books.as(node_id, "genesis",
                           {{"node_key", public_key_text(5)},
                            {"office_key", public_key_text(6)}})) == Code::forbidden);
  }
}

TEST_CASE("A statement by an actor the office never registered is refused: unknown_actor") {
  Books books;
  books.allocate(2024, 1'000);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", application("x", 1'000))) ==
        Code::unknown_actor);
  CHECK(code_of(books.as("office.TJ", "budget.allocate", {{"year", 2024}, {"amount", 1}})) ==
        Code::unknown_actor);
}

TEST_CASE("A statement by a revoked actor is refused: actor_revoked") {
  WithVoucher w;
  Books::accept(w.books.office("actor.revoke", {{"id", enterprise_a}}));
  Books::accept(w.books.office("actor.revoke", {{"id", lab}}));
  CHECK(code_of(w.books.enterprise(enterprise_a, "voucher.redeem",
                                   redemption(w.voucher, lab, "R-1"))) == Code::actor_revoked);
  CHECK(code_of(w.books.provider(lab, "receipt.record",
                                 receipt_body("R-2", enterprise_a, "testing", 1, 1))) ==
        Code::actor_revoked);
}

TEST_CASE("A statement of a kind the actor's role may not make is refused: forbidden") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("an enterprise allocating budget") {
    CHECK(code_of(books.enterprise(enterprise_a, "budget.allocate",
                                   {{"year", 2024}, {"amount", 1}})) == Code::forbidden);
  }
  SECTION("an enterprise approving its own application") {
    Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("mine", 1'000)));
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.approve",
                                   decision(enterprise_a, "mine"))) == Code::forbidden);
  }
  SECTION("a provider applying for a voucher") {
    CHECK(code_of(books.provider(lab, "voucher.apply", application("x", 1'000))) ==
          Code::forbidden);
  }
  SECTION("a provider redeeming pay-first in the enterprise's place") {
    CHECK(code_of(books.provider(lab, "voucher.redeem", redemption(w.voucher, lab, "R-1"))) ==
          Code::forbidden);
  }
  SECTION("the office applying for a voucher or recording a receipt") {
    CHECK(code_of(books.office("voucher.apply", application("x", 1'000))) == Code::forbidden);
    CHECK(code_of(books.office("receipt.record", receipt_body("R-2", enterprise_a, "testing", 1,
                                                              1))) == Code::forbidden);
  }
  SECTION("the node registering actors") {
    CHECK(code_of(books.as(node_id, "actor.register", registration(enterprise_c, "enterprise"))) ==
          Code::forbidden);
  }
  SECTION("the office revoking itself or the node") {
    CHECK(code_of(books.office("actor.revoke", {{"id", office_id}})) == Code::forbidden);
    CHECK(code_of(books.office("actor.revoke", {{"id", node_id}})) == Code::forbidden);
  }
}

TEST_CASE("Acting on another enterprise's voucher or receipt is refused: not_own_party") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("redeeming someone else's voucher") {
    books.serve(lab, "R-B", enterprise_b, "testing", 400'000, 400'000);
    CHECK(code_of(books.enterprise(enterprise_b, "voucher.redeem",
                                   redemption(w.voucher, lab, "R-B"))) == Code::not_own_party);
  }
  SECTION("rating someone else's redeemed service") {
    books.redeem(enterprise_a, w.voucher, lab, "R-1");
    CHECK(code_of(books.enterprise(enterprise_b, "feedback.rate",
                                   {{"voucher_id", w.voucher}, {"rating", 1}})) ==
          Code::not_own_party);
  }
  SECTION("countersigning a receipt for someone else's service") {
    Books::accept(books.provider(lab, "receipt.record",
                                 receipt_body("R-2", enterprise_a, "testing", 1'000, 1'000)));
    CHECK(code_of(books.enterprise(enterprise_b, "receipt.confirm",
                                   {{"provider", lab}, {"receipt_id", "R-2"}})) ==
          Code::not_own_party);
  }
  SECTION("assigning someone else's voucher") {
    CHECK(code_of(books.enterprise(enterprise_b, "voucher.assign",
                                   {{"voucher_id", w.voucher}, {"provider", lab}})) ==
          Code::not_own_party);
  }
}

TEST_CASE("A statement addressed to another region is refused: wrong_region") {
  Books books;
  books.register_enterprise(enterprise_a);
  Statement s = books.statement(office_id, "budget.allocate", {{"year", 2024}, {"amount", 1'000}});
  s.region = "TJ";
  CHECK(code_of(books.submit(s)) == Code::wrong_region);
  s.region = "bj";
  CHECK(code_of(books.submit(s)) == Code::wrong_region);
}

TEST_CASE("A statement of a kind the rules do not know is refused: unknown_kind") {
  Books books;
  CHECK(code_of(books.office("voucher.transfer", json::object())) == Code::unknown_kind);
  CHECK(code_of(books.office("Budget.Allocate", {{"year", 2024}, {"amount", 1}})) ==
        Code::unknown_kind);
}

TEST_CASE("Reusing an identifier for different content is refused: id_conflict") {
  Books books;
  books.open_year();
  Books::accept(
      books.enterprise(enterprise_a, "voucher.apply", application("2024-001", 300'000, "rnd")));
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply",
                                 application("2024-001", 300'001, "rnd"))) == Code::id_conflict);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply",
                                 application("2024-001", 300'000, "testing"))) ==
        Code::id_conflict);
  Books::accept(books.provider(lab, "receipt.record",
                               receipt_body("R-1", enterprise_a, "testing", 1'000, 500)));
  CHECK(code_of(books.provider(lab, "receipt.record",
                               receipt_body("R-1", enterprise_a, "testing", 1'001, 500))) ==
        Code::id_conflict);
}

TEST_CASE(
    "A money amount that is not a positive int64, or a ratio out of range, is refused: "
    "amount_invalid") {
  Books books;
  books.open_year();
  SECTION("a budget of zero or less") {
    CHECK(code_of(books.office("budget.allocate", {{"year", 2024}, {"amount", 0}})) ==
          Code::amount_invalid);
    CHECK(code_of(books.office("budget.allocate", {{"year", 2024}, {"amount", -100}})) ==
          Code::amount_invalid);
  }
  SECTION("a budget beyond int64") {
    CHECK(code_of(books.office("budget.allocate",
                               {{"year", 2024}, {"amount", std::uint64_t{1} << 63}})) ==
          Code::amount_invalid);
  }
  SECTION("a budget that would overflow when added to what was allocated") {
    books.allocate(2030, max_fen);
    CHECK(code_of(books.office("budget.allocate", {{"year", 2030}, {"amount", 1}})) ==
          Code::amount_invalid);
    CHECK(code_of(books.office("budget.allocate", {{"year", 2030}, {"amount", max_fen}})) ==
          Code::amount_invalid);
    CHECK(books.budget_of(2030, "total") == max_fen);
    CHECK(code_of(books.office("budget.allocate", {{"year", 2024}, {"amount", max_fen}})) ==
          Code::amount_invalid);
  }
  SECTION("a budget for a year outside 2000–2100") {
    CHECK(code_of(books.office("budget.allocate", {{"year", 1999}, {"amount", 1}})) ==
          Code::amount_invalid);
    CHECK(code_of(books.office("budget.allocate", {{"year", 2101}, {"amount", 1}})) ==
          Code::amount_invalid);
  }
  SECTION("a policy ratio of 0 or above 100%") {
    for (std::int64_t ratio : {std::int64_t{0}, std::int64_t{10'001}, std::int64_t{-1}}) {
      json body = {
          {"accepted_regions", {"BJ"}}, {"categories", {"testing"}}, {"face_cap", 100},
          {"ratio_bp", ratio},          {"validity_days", 10},       {"yearly_amount_max", 1'000},
          {"yearly_count_max", 1}};
      CHECK(code_of(books.office("policy.set", body)) == Code::amount_invalid);
    }
  }
  SECTION("a policy face cap above ¥5,000 or validity above ten years") {
    json body = {{"accepted_regions", {"BJ"}}, {"categories", {"testing"}},
                 {"face_cap", 500'001},        {"ratio_bp", 5'000},
                 {"validity_days", 10},        {"yearly_amount_max", 1'000},
                 {"yearly_count_max", 1}};
    CHECK(code_of(books.office("policy.set", body)) == Code::amount_invalid);
    body["face_cap"] = 0;
    CHECK(code_of(books.office("policy.set", body)) == Code::amount_invalid);
    body["face_cap"] = 100;
    body["validity_days"] = 3'651;
    CHECK(code_of(books.office("policy.set", body)) == Code::amount_invalid);
  }
  SECTION("an application for a face value of zero or less") {
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", application("x", 0))) ==
          Code::amount_invalid);
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", application("x", -5))) ==
          Code::amount_invalid);
  }
  SECTION("a receipt with a price of zero or a negative payment") {
    CHECK(code_of(books.provider(lab, "receipt.record",
                                 receipt_body("R-1", enterprise_a, "testing", 0, 0))) ==
          Code::amount_invalid);
    CHECK(code_of(books.provider(lab, "receipt.record",
                                 receipt_body("R-1", enterprise_a, "testing", 100, -1))) ==
          Code::amount_invalid);
  }
}

TEST_CASE("A voucher above the face value cap is refused: over_face_cap") {
  Books books;
  books.open_year();
  SECTION("when applying") {
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", application("x", 500'001))) ==
          Code::over_face_cap);
  }
  SECTION("when approving, if the office lowered the cap since the application") {
    Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("x", 400'000)));
    books.set_policy({{"face_cap", 300'000}});
    CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "x"))) ==
          Code::over_face_cap);
  }
}

TEST_CASE(
    "Issuing more vouchers to an enterprise than the yearly count allows is refused: "
    "over_yearly_count") {
  Books books;
  books.open_year();
  books.set_policy({{"yearly_count_max", 3}});
  books.issue(enterprise_a, 1'000);
  books.issue(enterprise_a, 1'000);
  Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("third", 1'000)));
  SECTION("at approval, when the policy was lowered meanwhile") {
    books.set_policy({{"yearly_count_max", 2}});
    CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "third"))) ==
          Code::over_yearly_count);
  }
  SECTION("at application, when held and pending already reach the count") {
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", application("fourth", 1'000))) ==
          Code::over_yearly_count);
  }
}

TEST_CASE("Issuing an enterprise more than its yearly amount is refused: over_yearly_amount") {
  Books books;
  books.open_year();  // default: ¥10,000 a year per enterprise
  books.issue(enterprise_a, 500'000);
  books.issue(enterprise_a, 400'000);
  Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("third", 100'001)));
  CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "third"))) ==
        Code::over_yearly_amount);
  SECTION("while exactly reaching it is fine") { books.issue(enterprise_a, 100'000); }
}

TEST_CASE("Issuing a voucher the budget cannot cover is refused: budget_insufficient") {
  Books books;
  books.register_enterprise(enterprise_a);
  books.register_enterprise(enterprise_b);
  books.allocate(2024, 150'000);
  books.issue(enterprise_a, 100'000);
  Books::accept(books.enterprise(enterprise_b, "voucher.apply", application("x", 50'001)));
  CHECK(code_of(books.office("voucher.approve", decision(enterprise_b, "x"))) ==
        Code::budget_insufficient);
  SECTION("until the office tops it up") {
    books.allocate(2024, 1);
    Books::accept(books.office("voucher.approve", decision(enterprise_b, "x")));
    CHECK(books.budget_of(2024, "available") == 0);
  }
}

TEST_CASE(
    "A service category outside the policy or the provider's registration is refused: "
    "category_not_allowed") {
  Books books;
  books.open_year();
  SECTION("an application for a category the policy does not fund") {
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply",
                                   application("x", 1'000, "consulting"))) ==
          Code::category_not_allowed);
    books.set_policy({{"categories", {"testing"}}});
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply",
                                   application("y", 1'000, "transfer"))) ==
          Code::category_not_allowed);
  }
  SECTION("a receipt for a service the provider is not registered for") {
    CHECK(code_of(books.provider(broker, "receipt.record",
                                 receipt_body("T-1", enterprise_a, "testing", 1, 1))) ==
          Code::category_not_allowed);
  }
}

TEST_CASE("Deciding an application twice is refused: application_not_pending") {
  Books books;
  books.open_year();
  Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("approved", 1'000)));
  Books::accept(books.office("voucher.approve", decision(enterprise_a, "approved")));
  Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("refused", 1'000)));
  Books::accept(books.office(
      "voucher.refuse",
      {{"enterprise", enterprise_a}, {"application_id", "refused"}, {"reason", "no"}}));
  CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "approved"))) ==
        Code::application_not_pending);
  CHECK(code_of(books.office(
            "voucher.refuse",
            {{"enterprise", enterprise_a}, {"application_id", "approved"}, {"reason", "late"}})) ==
        Code::application_not_pending);
  CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "refused"))) ==
        Code::application_not_pending);
  CHECK(rows_of(books.store, Table::vouchers).size() == 1);
}

TEST_CASE("Acting on a voucher that is no longer live is refused: voucher_not_live") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("a revoked voucher cannot be redeemed, assigned, expired or revoked again") {
    Books::accept(books.office("voucher.revoke", {{"voucher_id", w.voucher}, {"reason", "fraud"}}));
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                   redemption(w.voucher, lab, "R-1"))) == Code::voucher_not_live);
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.assign",
                                   {{"voucher_id", w.voucher}, {"provider", lab}})) ==
          Code::voucher_not_live);
    books.now_ms += 400 * day_ms;
    CHECK(code_of(books.office("voucher.expire", {{"voucher_id", w.voucher}})) ==
          Code::voucher_not_live);
    CHECK(code_of(books.office("voucher.revoke", {{"voucher_id", w.voucher},
                                                  {"reason", "again"}})) == Code::voucher_not_live);
  }
  SECTION("an expired voucher cannot be revoked or redeemed by its provider") {
    Books::accept(books.enterprise(enterprise_a, "voucher.assign",
                                   {{"voucher_id", w.voucher}, {"provider", lab}}));
    books.now_ms += 366 * day_ms;
    Books::accept(books.office("voucher.expire", {{"voucher_id", w.voucher}}));
    CHECK(code_of(books.office("voucher.revoke", {{"voucher_id", w.voucher},
                                                  {"reason", "late"}})) == Code::voucher_not_live);
    CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                                 provider_redemption(w.voucher, "R-1"))) == Code::voucher_not_live);
  }
  SECTION("a redeemed voucher cannot be expired or revoked") {
    books.redeem(enterprise_a, w.voucher, lab, "R-1");
    books.now_ms += 400 * day_ms;
    CHECK(code_of(books.office("voucher.expire", {{"voucher_id", w.voucher}})) ==
          Code::voucher_not_live);
    CHECK(code_of(books.office("voucher.revoke", {{"voucher_id", w.voucher}, {"reason", "x"}})) ==
          Code::voucher_not_live);
  }
  SECTION("a service not yet redeemed cannot be rated") {
    CHECK(code_of(books.enterprise(enterprise_a, "feedback.rate",
                                   {{"voucher_id", w.voucher}, {"rating", 5}})) ==
          Code::voucher_not_live);
  }
}

TEST_CASE("Using a voucher once its validity has passed is refused: voucher_expired") {
  WithVoucher w;
  Books& books = w.books;
  Books::accept(books.enterprise(enterprise_a, "voucher.assign",
                                 {{"voucher_id", w.voucher}, {"provider", lab}}));
  books.now_ms = books.voucher(w.voucher)["expires_ms"].get<std::int64_t>();
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                 redemption(w.voucher, lab, "R-1"))) == Code::voucher_expired);
  CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                               provider_redemption(w.voucher, "R-1"))) == Code::voucher_expired);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.assign",
                                 {{"voucher_id", w.voucher}, {"provider", broker}})) ==
        Code::voucher_expired);
  SECTION("while one millisecond earlier it could still be redeemed") {
    books.now_ms -= 1;
    books.redeem(enterprise_a, w.voucher, lab, "R-1");
  }
}

TEST_CASE("Redeeming a voucher a second time is refused: already_redeemed") {
  WithVoucher w;
  Books& books = w.books;
  books.redeem(enterprise_a, w.voucher, lab, "R-1");
  books.serve(lab, "R-2", enterprise_a, "testing", 400'000, 400'000);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                 redemption(w.voucher, lab, "R-2"))) == Code::already_redeemed);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.assign",
                                 {{"voucher_id", w.voucher}, {"provider", lab}})) ==
        Code::already_redeemed);
  SECTION("also by the provider, and also after payout") {
    Books::accept(books.office("payout.record", {{"voucher_id", w.voucher}, {"bank_ref", "B"}}));
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                   redemption(w.voucher, lab, "R-2"))) == Code::already_redeemed);
    CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                                 provider_redemption(w.voucher, "R-2"))) == Code::already_redeemed);
  }
}

TEST_CASE(
    "Redeeming with a receipt the enterprise has not countersigned is refused: "
    "receipt_not_confirmed") {
  WithVoucher w;
  Books::accept(w.books.provider(lab, "receipt.record",
                                 receipt_body("R-2", enterprise_a, "testing", 400'000, 400'000)));
  CHECK(code_of(w.books.enterprise(enterprise_a, "voucher.redeem",
                                   redemption(w.voucher, lab, "R-2"))) ==
        Code::receipt_not_confirmed);
  Books::accept(w.books.enterprise(enterprise_a, "voucher.assign",
                                   {{"voucher_id", w.voucher}, {"provider", lab}}));
  CHECK(code_of(w.books.provider(lab, "voucher.provider_redeem",
                                 provider_redemption(w.voucher, "R-2"))) ==
        Code::receipt_not_confirmed);
}

TEST_CASE("Redeeming two vouchers with one receipt is refused: receipt_consumed") {
  WithVoucher w;
  Books& books = w.books;
  const std::string second = books.issue(enterprise_a, 100'000);
  books.redeem(enterprise_a, w.voucher, lab, "R-1");
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem", redemption(second, lab, "R-1"))) ==
        Code::receipt_consumed);
  Books::accept(books.enterprise(enterprise_a, "voucher.assign",
                                 {{"voucher_id", second}, {"provider", lab}}));
  CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                               provider_redemption(second, "R-1"))) == Code::receipt_consumed);
}

TEST_CASE(
    "Redeeming with a receipt for another enterprise or category is refused: receipt_mismatch") {
  WithVoucher w;
  Books& books = w.books;
  SECTION("another enterprise's receipt") {
    books.serve(lab, "R-B", enterprise_b, "testing", 400'000, 400'000);
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                   redemption(w.voucher, lab, "R-B"))) == Code::receipt_mismatch);
  }
  SECTION("a receipt for another category of service") {
    books.serve(lab, "R-rnd", enterprise_a, "rnd", 400'000, 400'000);
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                   redemption(w.voucher, lab, "R-rnd"))) == Code::receipt_mismatch);
    Books::accept(books.enterprise(enterprise_a, "voucher.assign",
                                   {{"voucher_id", w.voucher}, {"provider", lab}}));
    CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                                 provider_redemption(w.voucher, "R-rnd"))) ==
          Code::receipt_mismatch);
  }
}

TEST_CASE("A provider redeeming a voucher not assigned to it is refused: not_assigned") {
  WithVoucher w;
  Books& books = w.books;
  CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                               provider_redemption(w.voucher, "R-1"))) == Code::not_assigned);
  Books::accept(books.enterprise(enterprise_a, "voucher.assign",
                                 {{"voucher_id", w.voucher}, {"provider", broker}}));
  CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                               provider_redemption(w.voucher, "R-1"))) == Code::not_assigned);
}

TEST_CASE("Paying out a voucher that is not redeemed and payable is refused: not_payable") {
  WithVoucher w;
  Books& books = w.books;
  CHECK(code_of(books.office("payout.record", {{"voucher_id", w.voucher}, {"bank_ref", "B"}})) ==
        Code::not_payable);
  books.redeem(enterprise_a, w.voucher, lab, "R-1");
  Books::accept(books.office("payout.record", {{"voucher_id", w.voucher}, {"bank_ref", "B"}}));
  CHECK(code_of(books.office("payout.record", {{"voucher_id", w.voucher}, {"bank_ref", "B"}})) ==
        Code::not_payable);
  CHECK(books.budget_of(2024, "paid") == 200'000);
}

TEST_CASE("Rating a service twice is refused: already_rated") {
  WithVoucher w;
  w.books.redeem(enterprise_a, w.voucher, lab, "R-1");
  Books::accept(w.books.enterprise(enterprise_a, "feedback.rate",
                                   {{"voucher_id", w.voucher}, {"rating", 2}}));
  CHECK(code_of(w.books.enterprise(enterprise_a, "feedback.rate",
                                   {{"voucher_id", w.voucher}, {"rating", 2}})) ==
        Code::already_rated);
  CHECK(w.books.record(Table::provider_stats, key_of(key_of("BJ", lab), "2024-03"))["ratings"] ==
        1);
}

TEST_CASE("A rating outside 1 to 5 is refused: rating_invalid") {
  WithVoucher w;
  w.books.redeem(enterprise_a, w.voucher, lab, "R-1");
  for (int rating : {0, 6, -1, 100}) {
    CHECK(code_of(w.books.enterprise(enterprise_a, "feedback.rate",
                                     {{"voucher_id", w.voucher}, {"rating", rating}})) ==
          Code::rating_invalid);
  }
}

TEST_CASE("Expiring a voucher before its validity has passed is refused: not_expired_yet") {
  WithVoucher w;
  CHECK(code_of(w.books.office("voucher.expire", {{"voucher_id", w.voucher}})) ==
        Code::not_expired_yet);
  w.books.now_ms += 365 * day_ms - 1;
  CHECK(code_of(w.books.office("voucher.expire", {{"voucher_id", w.voucher}})) ==
        Code::not_expired_yet);
}

TEST_CASE("An enterprise identified by an invalid credit code is refused: invalid_credit_code") {
  Books books;
  books.open_year();
  CHECK(code_of(books.office("actor.register", registration("91350100M000100Y44", "enterprise"))) ==
        Code::invalid_credit_code);
  CHECK(code_of(books.office("actor.register", registration("Acme-Ltd", "enterprise"))) ==
        Code::invalid_credit_code);
  CHECK(code_of(books.provider(lab, "receipt.record",
                               receipt_body("R-1", "91110000802100433C", "testing", 1, 1))) ==
        Code::invalid_credit_code);
}

TEST_CASE("Registering an identifier twice is refused: actor_exists") {
  Books books;
  books.open_year();
  CHECK(code_of(books.office("actor.register", registration(enterprise_a, "enterprise"))) ==
        Code::actor_exists);
  CHECK(code_of(books.office("actor.register", registration(lab, "provider"))) ==
        Code::actor_exists);
  // The node's and the office's ids are not a client's to choose at all.
  CHECK(code_of(books.office("actor.register", registration(office_id, "provider"))) ==
        Code::invalid_id);
  CHECK(code_of(books.office("actor.register", registration(node_id, "provider"))) ==
        Code::invalid_id);
  SECTION("also after the first was revoked") {
    Books::accept(books.office("actor.revoke", {{"id", enterprise_a}}));
    CHECK(code_of(books.office("actor.register", registration(enterprise_a, "enterprise"))) ==
          Code::actor_exists);
  }
}

TEST_CASE("Approving a voucher in a year without a budget is refused: no_budget") {
  Books books;
  books.register_enterprise(enterprise_a);
  Books::accept(books.enterprise(enterprise_a, "voucher.apply", application("x", 1'000)));
  CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "x"))) == Code::no_budget);
  books.allocate(2025, 1'000'000);  // next year's budget does not help this year
  CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "x"))) == Code::no_budget);
}

TEST_CASE(
    "A receipt saying the enterprise paid more than the price is refused: paid_exceeds_price") {
  Books books;
  books.open_year();
  CHECK(code_of(books.provider(lab, "receipt.record",
                               receipt_body("R-1", enterprise_a, "testing", 1'000, 1'001))) ==
        Code::paid_exceeds_price);
  Books::accept(books.provider(lab, "receipt.record",
                               receipt_body("R-1", enterprise_a, "testing", 1'000, 1'000)));
}

TEST_CASE(
    "Referring to an application, voucher, receipt or actor that does not exist is refused: "
    "not_found") {
  WithVoucher w;
  Books& books = w.books;
  CHECK(code_of(books.office("voucher.approve", decision(enterprise_a, "nope"))) ==
        Code::not_found);
  CHECK(code_of(books.office("voucher.refuse", {{"enterprise", enterprise_b},
                                                {"application_id", "nope"},
                                                {"reason", "x"}})) == Code::not_found);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                 redemption("BJ-V999999", lab, "R-1"))) == Code::not_found);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                 redemption(w.voucher, lab, "R-404"))) == Code::not_found);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.redeem",
                                 redemption(w.voucher, broker, "R-1"))) == Code::not_found);
  CHECK(code_of(books.enterprise(enterprise_a, "receipt.confirm",
                                 {{"provider", lab}, {"receipt_id", "R-404"}})) == Code::not_found);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.assign",
                                 {{"voucher_id", w.voucher}, {"provider", "nobody"}})) ==
        Code::not_found);
  CHECK(code_of(books.enterprise(enterprise_a, "feedback.rate",
                                 {{"voucher_id", "BJ-V999999"}, {"rating", 5}})) ==
        Code::not_found);
  CHECK(code_of(books.office("actor.rotate_key",
                             {{"id", "nobody"}, {"key", public_key_text(50)}})) == Code::not_found);
  CHECK(code_of(books.office("actor.revoke", {{"id", "nobody"}})) == Code::not_found);
  CHECK(code_of(books.office("payout.record", {{"voucher_id", "BJ-V999999"}, {"bank_ref", "B"}})) ==
        Code::not_found);
  CHECK(code_of(books.office("voucher.expire", {{"voucher_id", "BJ-V999999"}})) == Code::not_found);
  CHECK(code_of(books.office("voucher.revoke", {{"voucher_id", "BJ-V999999"}, {"reason", "x"}})) ==
        Code::not_found);
  Books::accept(books.enterprise(enterprise_a, "voucher.assign",
                                 {{"voucher_id", w.voucher}, {"provider", lab}}));
  CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                               provider_redemption(w.voucher, "R-404"))) == Code::not_found);
}
