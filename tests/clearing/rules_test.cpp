// A voucher's life, step by step: every transition the finance office, an enterprise and a
// provider can make, and what it does to the books. Each statement goes through Books::submit,
// which checks the budget identity after every one (see books.h).
#include <catch2/catch.hpp>

#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

// ----- The registry ---------------------------------------------------------------------------

TEST_CASE("The first entry registers the region's node and its finance office") {
  Books books(Books::Empty{});
  const Result<json> result = books.as(
      node_id, "genesis",
      {{"node_key", public_key_text(node_seed)}, {"office_key", public_key_text(office_seed)}});
  REQUIRE(result.ok());
  CHECK(*result == json{{"node", "node.BJ"}, {"office", "office.BJ"}});
  const json node = books.actor(node_id);
  const json office = books.actor(office_id);
  CHECK(node["role"] == "node");
  CHECK(node["key"] == public_key_text(node_seed));
  CHECK(node["status"] == "active");
  CHECK(node["region"] == "BJ");
  CHECK(office["role"] == "office");
  CHECK(office["key"] == public_key_text(office_seed));
  CHECK(office["status"] == "active");
  CHECK(office["retired_keys"] == json::array());
}

TEST_CASE("The office registers an enterprise under its unified social credit code") {
  Books books;
  const json result = Books::accept(books.office("actor.register", {{"id", enterprise_a},
                                                                    {"role", "enterprise"},
                                                                    {"name", "Fujian Widgets 福建"},
                                                                    {"key", public_key_text(20)}}));
  CHECK(result == json{{"actor", enterprise_a}, {"role", "enterprise"}});
  const json enterprise = books.actor(enterprise_a);
  CHECK(enterprise["role"] == "enterprise");
  CHECK(enterprise["name"] == "Fujian Widgets 福建");
  CHECK(enterprise["key"] == public_key_text(20));
  CHECK(enterprise["region"] == "BJ");
  CHECK(enterprise["status"] == "active");
  CHECK_FALSE(enterprise.contains("categories"));
}

TEST_CASE("The office registers a service provider with the categories it may serve") {
  Books books;
  Books::accept(books.office("actor.register", {{"id", lab},
                                                {"role", "provider"},
                                                {"name", "Lab"},
                                                {"key", public_key_text(21)},
                                                {"categories", {"testing", "rnd"}}}));
  const json provider = books.actor(lab);
  CHECK(provider["role"] == "provider");
  CHECK(provider["categories"] == json{"testing", "rnd"});
  CHECK(provider["status"] == "active");
}

TEST_CASE("The office rotates an actor's key and keeps the old one as retired") {
  Books books;
  books.register_enterprise(enterprise_a);
  const json old_key = books.actor(enterprise_a)["key"];
  const json result = Books::accept(
      books.office("actor.rotate_key", {{"id", enterprise_a}, {"key", public_key_text(99)}}));
  CHECK(result == json{{"actor", enterprise_a}, {"key", public_key_text(99)}});
  CHECK(books.actor(enterprise_a)["key"] == public_key_text(99));
  CHECK(books.actor(enterprise_a)["retired_keys"] == json::array({old_key}));

  SECTION("and a second rotation retires the second key too") {
    Books::accept(
        books.office("actor.rotate_key", {{"id", enterprise_a}, {"key", public_key_text(98)}}));
    CHECK(books.actor(enterprise_a)["retired_keys"] == json::array({old_key, public_key_text(99)}));
  }
}

TEST_CASE("The office revokes an enterprise, which can then state nothing more") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 100'000);
  const json result = Books::accept(books.office("actor.revoke", {{"id", enterprise_a}}));
  CHECK(result == json{{"actor", enterprise_a}, {"status", "revoked"}});
  CHECK(books.actor(enterprise_a)["status"] == "revoked");
  CHECK(
      code_of(books.enterprise(enterprise_a, "voucher.apply",
                               {{"application_id", "x"}, {"category", "testing"}, {"face", 1}})) ==
      Code::actor_revoked);

  SECTION("its live voucher can still be revoked by the office, returning the reservation") {
    Books::accept(books.office("voucher.revoke",
                               {{"voucher_id", voucher}, {"reason", "enterprise struck off"}}));
    CHECK(books.budget_of(2024, "reserved") == 0);
    CHECK(books.budget_of(2024, "available") == 100'000'000);
  }
}

TEST_CASE("The office revokes a provider, which can then record no more services") {
  Books books;
  books.open_year();
  Books::accept(books.office("actor.revoke", {{"id", lab}}));
  CHECK(books.actor(lab)["status"] == "revoked");
  CHECK(code_of(books.provider(lab, "receipt.record",
                               receipt_body("r1", enterprise_a, "testing", 1'000, 1'000))) ==
        Code::actor_revoked);
}

// ----- Policy and budget ----------------------------------------------------------------------

TEST_CASE(
    "Until the office sets a policy, the defaults apply: ¥5,000 cap, half the price, one year") {
  Books books;
  books.open_year();
  CHECK_FALSE(books.has(Table::settings, "policy"));
  CHECK(code_of(books.enterprise(
            enterprise_a, "voucher.apply",
            {{"application_id", "big"}, {"category", "testing"}, {"face", 500'001}})) ==
        Code::over_face_cap);
  const std::string voucher = books.issue(enterprise_a, 500'000);
  CHECK(books.voucher(voucher)["expires_ms"] == start_ms + 365 * day_ms);
  books.serve(lab, "r1", enterprise_a, "testing", 300'000, 300'000);
  CHECK(books.redeem(enterprise_a, voucher, lab, "r1")["amount"] == 150'000);
}

TEST_CASE("The office sets the region's policy, and later applications follow it") {
  Books books;
  books.open_year();
  books.set_policy({{"face_cap", 200'000},
                    {"ratio_bp", 8'000},
                    {"validity_days", 30},
                    {"categories", {"testing"}}});
  const json stored_policy = books.record(Table::settings, "policy");
  CHECK(stored_policy["face_cap"] == 200'000);
  CHECK(stored_policy["ratio_bp"] == 8'000);
  CHECK(stored_policy["categories"] == json{"testing"});
  CHECK(code_of(books.enterprise(
            enterprise_a, "voucher.apply",
            {{"application_id", "big"}, {"category", "testing"}, {"face", 200'001}})) ==
        Code::over_face_cap);
  CHECK(code_of(
            books.enterprise(enterprise_a, "voucher.apply",
                             {{"application_id", "rnd"}, {"category", "rnd"}, {"face", 1'000}})) ==
        Code::category_not_allowed);
  const std::string voucher = books.issue(enterprise_a, 200'000);
  CHECK(books.voucher(voucher)["expires_ms"] == start_ms + 30 * day_ms);
  books.serve(lab, "r1", enterprise_a, "testing", 100'000, 100'000);
  CHECK(books.redeem(enterprise_a, voucher, lab, "r1")["amount"] == 80'000);
}

TEST_CASE("Budget allocations for a year add up") {
  Books books;
  const json first =
      Books::accept(books.office("budget.allocate", {{"year", 2024}, {"amount", 100'000}}));
  CHECK(first["year"] == 2024);
  CHECK(first["budget"] == json{{"available", 100'000},
                                {"paid", 0},
                                {"redeemed", 0},
                                {"reserved", 0},
                                {"total", 100'000}});
  books.allocate(2024, 250'000);
  books.allocate(2025, 7);
  CHECK(books.budget(2024) == json{{"available", 350'000},
                                   {"paid", 0},
                                   {"redeemed", 0},
                                   {"reserved", 0},
                                   {"total", 350'000}});
  CHECK(books.budget(2025)["total"] == 7);

  SECTION("also after money was reserved: the top-up is available") {
    books.register_enterprise(enterprise_a);
    books.issue(enterprise_a, 100'000);
    books.allocate(2024, 50'000);
    CHECK(books.budget(2024) == json{{"available", 300'000},
                                     {"paid", 0},
                                     {"redeemed", 0},
                                     {"reserved", 100'000},
                                     {"total", 400'000}});
  }
}

// ----- Applying, approving, refusing ----------------------------------------------------------

TEST_CASE("An enterprise applies for a voucher; the application waits for the office") {
  Books books;
  books.open_year();
  const json result = Books::accept(
      books.enterprise(enterprise_a, "voucher.apply",
                       {{"application_id", "2024-001"}, {"category", "rnd"}, {"face", 300'000}}));
  const json application = {{"application_id", "2024-001"}, {"applied_index", books.index - 1},
                            {"applied_ms", start_ms},       {"category", "rnd"},
                            {"enterprise", enterprise_a},   {"face", 300'000},
                            {"status", "pending"}};
  CHECK(result == json{{"application", application}});
  CHECK(books.record(Table::applications, key_of(enterprise_a, "2024-001")) == application);
  CHECK(books.budget_of(2024, "reserved") == 0);  // nothing is reserved before approval
}

TEST_CASE("Applying again with the same content changes nothing and answers the same") {
  Books books;
  books.open_year();
  const json body = {{"application_id", "2024-001"}, {"category", "rnd"}, {"face", 300'000}};
  const json first = Books::accept(books.enterprise(enterprise_a, "voucher.apply", body));
  const std::string store_before = snapshot(books.store);
  const json again = Books::accept(books.enterprise(enterprise_a, "voucher.apply", body));
  CHECK(again == first);
  CHECK(snapshot(books.store) == store_before);

  SECTION("even after approval, when it answers with the decided application") {
    Books::accept(books.office("voucher.approve",
                               {{"enterprise", enterprise_a}, {"application_id", "2024-001"}}));
    const json later = Books::accept(books.enterprise(enterprise_a, "voucher.apply", body));
    CHECK(later["application"]["status"] == "approved");
    CHECK(books.budget_of(2024, "reserved") == 300'000);  // still one voucher's worth
  }
  SECTION("another enterprise may use the same application number for its own application") {
    Books::accept(books.enterprise(enterprise_b, "voucher.apply", body));
    CHECK(books.has(Table::applications, key_of(enterprise_b, "2024-001")));
  }
}

TEST_CASE("Approving an application issues a live voucher and reserves its face value") {
  Books books;
  books.open_year();
  Books::accept(
      books.enterprise(enterprise_a, "voucher.apply",
                       {{"application_id", "2024-001"}, {"category", "rnd"}, {"face", 300'000}}));
  const std::uint64_t index = books.index;
  const json result = Books::accept(books.office(
      "voucher.approve", {{"enterprise", enterprise_a}, {"application_id", "2024-001"}}));
  const std::string id =
      "BJ-V" + std::string(6 - std::to_string(index).size(), '0') + std::to_string(index);
  const json voucher = result["voucher"];
  CHECK(voucher == json{{"application_id", "2024-001"},
                        {"category", "rnd"},
                        {"enterprise", enterprise_a},
                        {"expires_ms", start_ms + 365 * day_ms},
                        {"face", 300'000},
                        {"id", id},
                        {"issued_ms", start_ms},
                        {"region", "BJ"},
                        {"status", "live"},
                        {"timeline",
                         {{{"index", index - 1}, {"state", "applied"}, {"time_ms", start_ms}},
                          {{"index", index}, {"state", "issued"}, {"time_ms", start_ms}}}},
                        {"year", 2024}});
  CHECK(books.voucher(id) == voucher);
  CHECK(books.budget(2024) == json{{"available", 99'700'000},
                                   {"paid", 0},
                                   {"redeemed", 0},
                                   {"reserved", 300'000},
                                   {"total", 100'000'000}});
  const json application = books.record(Table::applications, key_of(enterprise_a, "2024-001"));
  CHECK(application["status"] == "approved");
  CHECK(application["voucher_id"] == id);
  CHECK(books.record(Table::usage, key_of(enterprise_a, "2024")) ==
        json{{"amount", 300'000}, {"count", 1}});
  CHECK(books.has(Table::indexes, key_of(enterprise_a, id)));
}

TEST_CASE("Refusing an application records the reason and reserves nothing") {
  Books books;
  books.open_year();
  Books::accept(
      books.enterprise(enterprise_a, "voucher.apply",
                       {{"application_id", "2024-001"}, {"category", "rnd"}, {"face", 300'000}}));
  const json result = Books::accept(books.office(
      "voucher.refuse",
      {{"enterprise", enterprise_a}, {"application_id", "2024-001"}, {"reason", "no R&D plan"}}));
  CHECK(result["application"]["status"] == "refused");
  const json application = books.record(Table::applications, key_of(enterprise_a, "2024-001"));
  CHECK(application["status"] == "refused");
  CHECK(application["reason"] == "no R&D plan");
  CHECK(books.budget_of(2024, "reserved") == 0);
  CHECK(books.budget_of(2024, "available") == 100'000'000);
  CHECK(rows_of(books.store, Table::vouchers).empty());
  CHECK_FALSE(books.has(Table::usage, key_of(enterprise_a, "2024")));
}

// ----- Services and receipts ------------------------------------------------------------------

TEST_CASE("A provider records a service receipt, awaiting the enterprise's countersignature") {
  Books books;
  books.open_year();
  const json body = receipt_body("R-1", enterprise_a, "testing", 200'000, 150'000);
  const json result = Books::accept(books.provider(lab, "receipt.record", body));
  json expected = body;
  expected["provider"] = lab;
  expected["confirmed"] = false;
  CHECK(result == json{{"receipt", expected}});
  CHECK(books.record(Table::receipts, key_of(lab, "R-1")) == expected);
}

TEST_CASE("Recording the same receipt again is harmless") {
  Books books;
  books.open_year();
  const json body = receipt_body("R-1", enterprise_a, "testing", 200'000, 150'000);
  Books::accept(books.provider(lab, "receipt.record", body));
  Books::accept(books.enterprise(enterprise_a, "receipt.confirm",
                                 {{"provider", lab}, {"receipt_id", "R-1"}}));
  const std::string store_before = snapshot(books.store);
  const json again = Books::accept(books.provider(lab, "receipt.record", body));
  CHECK(again["receipt"]["confirmed"] == true);  // the stored receipt, as countersigned
  CHECK(snapshot(books.store) == store_before);

  SECTION("also after the receipt was used for a redemption") {
    const std::string voucher = books.issue(enterprise_a, 100'000);
    books.redeem(enterprise_a, voucher, lab, "R-1");
    const std::string used = snapshot(books.store);
    const json replay = Books::accept(books.provider(lab, "receipt.record", body));
    CHECK(replay["receipt"]["consumed_by"] == voucher);
    CHECK(snapshot(books.store) == used);
  }
}

TEST_CASE("Recording a different service under a receipt number already used is refused") {
  Books books;
  books.open_year();
  Books::accept(books.provider(lab, "receipt.record",
                               receipt_body("R-1", enterprise_a, "testing", 200'000, 150'000)));
  CHECK(code_of(books.provider(lab, "receipt.record",
                               receipt_body("R-1", enterprise_a, "testing", 200'000, 200'000))) ==
        Code::id_conflict);
  CHECK(code_of(books.provider(lab, "receipt.record",
                               receipt_body("R-1", enterprise_b, "testing", 200'000, 150'000))) ==
        Code::id_conflict);
  json changed_hash = receipt_body("R-1", enterprise_a, "testing", 200'000, 150'000);
  changed_hash["invoice_sha256"] = std::string(64, 'f');
  CHECK(code_of(books.provider(lab, "receipt.record", changed_hash)) == Code::id_conflict);
  SECTION("but another provider may use the same receipt number") {
    Books::accept(books.provider(broker, "receipt.record",
                                 receipt_body("R-1", enterprise_a, "transfer", 1, 1)));
  }
}

TEST_CASE("The enterprise countersigns a receipt for its service") {
  Books books;
  books.open_year();
  Books::accept(books.provider(lab, "receipt.record",
                               receipt_body("R-1", enterprise_a, "testing", 200'000, 150'000)));
  const json result = Books::accept(books.enterprise(enterprise_a, "receipt.confirm",
                                                     {{"provider", lab}, {"receipt_id", "R-1"}}));
  CHECK(result["receipt"]["confirmed"] == true);
  CHECK(books.record(Table::receipts, key_of(lab, "R-1"))["confirmed"] == true);
}

// ----- Redemption -----------------------------------------------------------------------------

TEST_CASE("Pay-first redemption: the enterprise is owed min(face, ratio × paid)") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 300'000);

  SECTION("half of what it paid, when that is below the face value") {
    books.serve(lab, "R-1", enterprise_a, "testing", 500'000, 400'000);
    const json result = books.redeem(enterprise_a, voucher, lab, "R-1");
    CHECK(result["amount"] == 200'000);  // half of the ¥4,000 paid, not of the ¥5,000 price
    CHECK(result["payee"] == enterprise_a);
    const json redeemed = books.voucher(voucher);
    CHECK(redeemed["status"] == "redeemed");
    CHECK(redeemed["amount"] == 200'000);
    CHECK(redeemed["payee"] == enterprise_a);
    CHECK(redeemed["provider"] == lab);
    CHECK(redeemed["receipt"] == key_of(lab, "R-1"));
    CHECK(redeemed["redeemed_ms"] == start_ms);
    CHECK(result["voucher"] == redeemed);
    // The unspent ¥1,000 of the reservation returns to the budget.
    CHECK(books.budget(2024) == json{{"available", 99'800'000},
                                     {"paid", 0},
                                     {"redeemed", 200'000},
                                     {"reserved", 0},
                                     {"total", 100'000'000}});
    CHECK(books.record(Table::receipts, key_of(lab, "R-1"))["consumed_by"] == voucher);
  }
  SECTION("the face value, when the ratio of what it paid is more") {
    books.serve(lab, "R-1", enterprise_a, "testing", 1'000'000, 1'000'000);
    CHECK(books.redeem(enterprise_a, voucher, lab, "R-1")["amount"] == 300'000);
    CHECK(books.budget(2024) == json{{"available", 99'700'000},
                                     {"paid", 0},
                                     {"redeemed", 300'000},
                                     {"reserved", 0},
                                     {"total", 100'000'000}});
  }
  SECTION("rounded down to the fen") {
    books.serve(lab, "R-1", enterprise_a, "testing", 1'001, 1'001);
    CHECK(books.redeem(enterprise_a, voucher, lab, "R-1")["amount"] == 500);
    CHECK(books.budget_of(2024, "available") == 100'000'000 - 500);
  }
  SECTION("with a policy ratio of 70%") {
    books.set_policy({{"ratio_bp", 7'000}});
    books.serve(lab, "R-1", enterprise_a, "testing", 100'000, 100'000);
    CHECK(books.redeem(enterprise_a, voucher, lab, "R-1")["amount"] == 70'000);
  }
}

TEST_CASE("Provider redemption: the assigned provider is owed min(face, ratio × price)") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 300'000);
  const json assigned = Books::accept(books.enterprise(
      enterprise_a, "voucher.assign", {{"voucher_id", voucher}, {"provider", lab}}));
  CHECK(assigned["voucher"]["assigned_to"] == lab);
  CHECK(books.voucher(voucher)["assigned_to"] == lab);
  CHECK(books.voucher(voucher)["status"] == "live");

  SECTION("half of the price, even though the enterprise paid only part of it") {
    books.serve(lab, "R-1", enterprise_a, "testing", 400'000, 100'000);
    const json result = Books::accept(books.provider(
        lab, "voucher.provider_redeem", {{"voucher_id", voucher}, {"receipt_id", "R-1"}}));
    CHECK(result["amount"] == 200'000);
    CHECK(result["payee"] == lab);
    const json redeemed = books.voucher(voucher);
    CHECK(redeemed["status"] == "redeemed");
    CHECK(redeemed["payee"] == lab);
    CHECK(redeemed["provider"] == lab);
    CHECK(books.budget(2024) == json{{"available", 99'800'000},
                                     {"paid", 0},
                                     {"redeemed", 200'000},
                                     {"reserved", 0},
                                     {"total", 100'000'000}});
  }
  SECTION("the face value, when half the price is more") {
    books.serve(lab, "R-1", enterprise_a, "testing", 2'000'000, 0);
    const json result = Books::accept(books.provider(
        lab, "voucher.provider_redeem", {{"voucher_id", voucher}, {"receipt_id", "R-1"}}));
    CHECK(result["amount"] == 300'000);
  }
  SECTION("reassigning moves the right to redeem to the new provider") {
    Books::accept(books.enterprise(enterprise_a, "voucher.assign",
                                   {{"voucher_id", voucher}, {"provider", broker}}));
    CHECK(books.voucher(voucher)["assigned_to"] == broker);
    books.serve(lab, "R-1", enterprise_a, "testing", 400'000, 0);
    CHECK(code_of(books.provider(lab, "voucher.provider_redeem",
                                 {{"voucher_id", voucher}, {"receipt_id", "R-1"}})) ==
          Code::not_assigned);
  }
}

TEST_CASE("The office records the payout of a redeemed voucher") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 300'000);
  books.serve(lab, "R-1", enterprise_a, "testing", 400'000, 400'000);
  books.redeem(enterprise_a, voucher, lab, "R-1");
  books.now_ms += 3 * day_ms;
  const json result = Books::accept(
      books.office("payout.record", {{"voucher_id", voucher}, {"bank_ref", "ICBC-778"}}));
  const json paid = books.voucher(voucher);
  CHECK(result["voucher"] == paid);
  CHECK(paid["status"] == "paid");
  CHECK(paid["bank_ref"] == "ICBC-778");
  CHECK(paid["paid_ms"] == start_ms + 3 * day_ms);
  CHECK(books.budget(2024) == json{{"available", 99'800'000},
                                   {"paid", 200'000},
                                   {"redeemed", 0},
                                   {"reserved", 0},
                                   {"total", 100'000'000}});
}

// ----- Expiry and revocation ------------------------------------------------------------------

TEST_CASE("A voucher expires only once its validity has passed, returning its reservation") {
  Books books;
  books.open_year();
  books.set_policy({{"validity_days", 10}});
  const std::string voucher = books.issue(enterprise_a, 300'000);
  const std::int64_t expires = books.voucher(voucher)["expires_ms"].get<std::int64_t>();
  CHECK(expires == start_ms + 10 * day_ms);

  books.now_ms = expires - 1;
  CHECK(code_of(books.office("voucher.expire", {{"voucher_id", voucher}})) ==
        Code::not_expired_yet);
  CHECK(books.budget_of(2024, "reserved") == 300'000);

  books.now_ms = expires;
  const json result = Books::accept(books.office("voucher.expire", {{"voucher_id", voucher}}));
  CHECK(result["voucher"]["status"] == "expired");
  CHECK(books.voucher(voucher)["status"] == "expired");
  CHECK(books.budget(2024) == json{{"available", 100'000'000},
                                   {"paid", 0},
                                   {"redeemed", 0},
                                   {"reserved", 0},
                                   {"total", 100'000'000}});
}

TEST_CASE("A voucher that expires next year returns its reservation to the year it was issued in") {
  Books books;
  books.open_year();
  books.allocate(2025, 1'000'000);
  const std::string voucher = books.issue(enterprise_a, 300'000);
  books.now_ms = utc_ms(2025, 6, 1);
  Books::accept(books.office("voucher.expire", {{"voucher_id", voucher}}));
  CHECK(books.budget_of(2024, "available") == 100'000'000);
  CHECK(books.budget(2025)["available"] == 1'000'000);
}

TEST_CASE("The office revokes a live voucher, returning its reservation") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 300'000);
  const json result = Books::accept(
      books.office("voucher.revoke", {{"voucher_id", voucher}, {"reason", "false declaration"}}));
  CHECK(result["voucher"]["status"] == "revoked");
  CHECK(books.voucher(voucher)["status"] == "revoked");
  CHECK(books.voucher(voucher)["reason"] == "false declaration");
  CHECK(books.budget_of(2024, "reserved") == 0);
  CHECK(books.budget_of(2024, "available") == 100'000'000);
  books.serve(lab, "R-1", enterprise_a, "testing", 1'000, 1'000);
  CHECK(code_of(books.enterprise(
            enterprise_a, "voucher.redeem",
            {{"voucher_id", voucher}, {"provider", lab}, {"receipt_id", "R-1"}})) ==
        Code::voucher_not_live);
}

// ----- Feedback and provider statistics -------------------------------------------------------

TEST_CASE(
    "After redemption the enterprise rates the service once, and the provider's month counts it") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 300'000);
  books.serve(lab, "R-1", enterprise_a, "testing", 400'000, 400'000);
  books.redeem(enterprise_a, voucher, lab, "R-1");
  const json result = Books::accept(
      books.enterprise(enterprise_a, "feedback.rate",
                       {{"voucher_id", voucher}, {"rating", 4}, {"comment", "快, thorough"}}));
  CHECK(result["voucher"]["rating"] == 4);
  CHECK(books.voucher(voucher)["rating"] == 4);
  CHECK(books.voucher(voucher)["comment"] == "快, thorough");
  CHECK(books.record(Table::provider_stats, key_of(key_of("BJ", lab), "2024-03")) ==
        json{{"amount", 200'000}, {"rating_sum", 4}, {"ratings", 1}, {"services", 1}});
  CHECK(code_of(books.enterprise(enterprise_a, "feedback.rate",
                                 {{"voucher_id", voucher}, {"rating", 5}})) == Code::already_rated);

  SECTION("a paid voucher can be rated too, and the comment is optional") {
    const std::string second = books.issue(enterprise_a, 100'000);
    books.serve(lab, "R-2", enterprise_a, "testing", 100'000, 100'000);
    books.redeem(enterprise_a, second, lab, "R-2");
    Books::accept(books.office("payout.record", {{"voucher_id", second}, {"bank_ref", "B-2"}}));
    Books::accept(
        books.enterprise(enterprise_a, "feedback.rate", {{"voucher_id", second}, {"rating", 1}}));
    CHECK(books.voucher(second)["comment"] == "");
    CHECK(books.record(Table::provider_stats, key_of(key_of("BJ", lab), "2024-03")) ==
          json{{"amount", 250'000},
               {"complaints", 1},  // the rating of 1
               {"rating_sum", 5},
               {"ratings", 2},
               {"services", 2}});
  }
  SECTION("the lowest and the highest rating are accepted") {
    for (int rating : {1, 5}) {
      const std::string another = books.issue(enterprise_a, 1'000);
      const std::string receipt = "R-rating-" + std::to_string(rating);
      books.serve(lab, receipt, enterprise_a, "testing", 1'000, 1'000);
      books.redeem(enterprise_a, another, lab, receipt);
      Books::accept(books.enterprise(enterprise_a, "feedback.rate",
                                     {{"voucher_id", another}, {"rating", rating}}));
    }
    CHECK(books.record(Table::provider_stats, key_of(key_of("BJ", lab), "2024-03"))["rating_sum"] ==
          10);
  }
}

TEST_CASE("Provider statistics are kept per provider and per Beijing month") {
  Books books;
  books.open_year();
  const std::string march = books.issue(enterprise_a, 300'000);
  const std::string april = books.issue(enterprise_b, 100'000);
  const std::string transfer = books.issue(enterprise_a, 50'000, "transfer");
  books.serve(lab, "R-1", enterprise_a, "testing", 100'000, 100'000);
  books.serve(lab, "R-2", enterprise_b, "testing", 1'000'000, 1'000'000);
  books.serve(broker, "T-1", enterprise_a, "transfer", 40'000, 40'000);
  books.redeem(enterprise_a, march, lab, "R-1");
  books.redeem(enterprise_a, transfer, broker, "T-1");
  books.now_ms = utc_ms(2024, 3, 31, 16, 30);  // 1 April, 00:30 in Beijing
  books.redeem(enterprise_b, april, lab, "R-2");
  Books::accept(
      books.enterprise(enterprise_b, "feedback.rate", {{"voucher_id", april}, {"rating", 3}}));

  CHECK(books.record(Table::provider_stats, key_of(key_of("BJ", lab), "2024-03")) ==
        json{{"amount", 50'000}, {"rating_sum", 0}, {"ratings", 0}, {"services", 1}});
  CHECK(books.record(Table::provider_stats, key_of(key_of("BJ", lab), "2024-04")) ==
        json{{"amount", 100'000}, {"rating_sum", 3}, {"ratings", 1}, {"services", 1}});
  CHECK(books.record(Table::provider_stats, key_of(key_of("BJ", broker), "2024-03")) ==
        json{{"amount", 20'000}, {"rating_sum", 0}, {"ratings", 0}, {"services", 1}});
  CHECK(rows_of(books.store, Table::provider_stats).size() == 3);
}

// ----- Years and months -----------------------------------------------------------------------

TEST_CASE("Budget years and statistics months follow Beijing time") {
  CHECK(shanghai_year(utc_ms(2023, 12, 31, 15, 59)) == 2023);
  CHECK(shanghai_year(utc_ms(2023, 12, 31, 16, 0)) == 2024);
  CHECK(shanghai_month(utc_ms(2024, 1, 31, 15, 59)) == "2024-01");
  CHECK(shanghai_month(utc_ms(2024, 1, 31, 16, 0)) == "2024-02");
  CHECK(shanghai_month(utc_ms(2024, 11, 30, 16, 0)) == "2024-12");
  CHECK(shanghai_month(0) == "1970-01");

  SECTION(
      "a voucher approved on New Year's Eve UTC but New Year's Day in Beijing draws on the new "
      "year") {
    Books books;
    books.open_year();
    books.allocate(2025, 1'000'000);
    books.now_ms = utc_ms(2024, 12, 31, 16, 30);
    const std::string voucher = books.issue(enterprise_a, 100'000);
    CHECK(books.voucher(voucher)["year"] == 2025);
    CHECK(books.budget_of(2025, "reserved") == 100'000);
    CHECK(books.budget_of(2024, "reserved") == 0);
  }
}

TEST_CASE("Yearly caps count per enterprise and per year") {
  Books books;
  books.open_year();
  books.allocate(2025, 100'000'000);
  books.set_policy({{"yearly_count_max", 1}});
  books.issue(enterprise_a, 100'000);
  books.issue(enterprise_b, 100'000);  // the other enterprise has its own count
  books.now_ms = utc_ms(2025, 2, 1);
  books.issue(enterprise_a, 100'000);  // and the new year starts afresh
  CHECK(books.record(Table::usage, key_of(enterprise_a, "2024")) ==
        json{{"amount", 100'000}, {"count", 1}});
  CHECK(books.record(Table::usage, key_of(enterprise_a, "2025")) ==
        json{{"amount", 100'000}, {"count", 1}});
}
