// What the rules refuse because they do not define it (issue 12): body fields a kind does not
// list, ids outside their charset, credit codes that break GB 32100 or come from a division the
// policy does not accept, more pending applications than the yearly count allows, and a provider
// of another region taken for one of this region because the ids match.
// Books::submit checks that each refused statement left every table exactly as it was.
#include <catch2/catch.hpp>
#include <string>

#include "clearing/kinds.h"
#include "clearing/queries.h"
#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

namespace {

json registration_body(const std::string& id, const std::string& role) {
  json body = {{"id", id}, {"role", role}, {"name", "Someone"}, {"key", public_key_text(77)}};
  if (role == "provider") body["categories"] = {"testing"};
  return body;
}

json application_body(const std::string& id, std::int64_t face = 100'000) {
  return {{"application_id", id}, {"category", "testing"}, {"face", face}};
}

// A value of the JSON type a field takes.
json value_of(FieldType type) {
  switch (type) {
    case FieldType::text:
      return "x";
    case FieldType::integer:
    case FieldType::fen:
      return 1;
    case FieldType::list:
      return json::array();
    case FieldType::object:
      return json::object();
  }
  return nullptr;
}

// A value of another JSON type than the field's.
json wrong_value_of(FieldType type) { return type == FieldType::text ? json(1) : json("1"); }

// Every field of a kind, each with a value of its type.
json full_body(const Kind& kind) {
  json body = json::object();
  for (const Field& field : kind.fields) body[std::string(field.key)] = value_of(field.type);
  return body;
}

Result<json> run_query(Books& books, const std::string& actor, const std::string& kind, json body) {
  return query(books.store, books.statement(actor, kind, std::move(body)));
}

}  // namespace

// ----- Finding 15: a body holds the fields its kind defines, and nothing else ------------------

TEST_CASE("A field voucher.apply does not define (a 5 KB note) is refused: unknown_field") {
  Books books;
  books.open_year();
  json body = application_body("A-1");
  body["note"] = std::string(5'000, 'n');
  const Result<json> refused = books.enterprise(enterprise_a, "voucher.apply", body);
  CHECK(code_of(refused) == Code::unknown_field);
  CHECK(refused.status().message() == "field 'note' is not part of voucher.apply");
  CHECK(rows_of(books.store, Table::applications).empty());
  body.erase("note");
  CHECK(books.enterprise(enterprise_a, "voucher.apply", body).ok());
}

TEST_CASE("Every kind, the node's and peers' too, refuses a field it does not list") {
  for (const Kind& kind : kinds()) {
    INFO(kind.name);
    json body = full_body(kind);
    CHECK(check_body(kind, body).ok());
    body["note"] = "kept forever";
    const Status refused = check_body(kind, body);
    CHECK(refused.code() == Code::unknown_field);
    CHECK(refused.message() == "field 'note' is not part of " + std::string(kind.name));
  }
}

TEST_CASE("Every kind refuses a required field missing or any field of another JSON type") {
  for (const Kind& kind : kinds()) {
    for (const Field& field : kind.fields) {
      INFO(kind.name << " field " << field.key);
      json body = full_body(kind);
      body[std::string(field.key)] = wrong_value_of(field.type);
      CHECK(check_body(kind, body).code() == Code::bad_statement);
      if (!field.required) continue;
      body.erase(std::string(field.key));
      CHECK(check_body(kind, body).code() == Code::bad_statement);
    }
  }
}

TEST_CASE("A statement with a field of the wrong type is refused before its rule runs") {
  Books books;
  books.open_year();
  json body = application_body("A-1");
  body["face"] = "100000";
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", body)) == Code::bad_statement);
  body = application_body("A-1");
  body.erase("category");
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", body)) == Code::bad_statement);
}

TEST_CASE("A query with a field its kind does not define is refused: unknown_field") {
  Books books;
  books.open_year();
  CHECK(run_query(books, enterprise_a, "query.vouchers", json::object()).ok());
  CHECK(code_of(run_query(books, enterprise_a, "query.vouchers", {{"note", "x"}})) ==
        Code::unknown_field);
  CHECK(code_of(run_query(books, office_id, "query.voucher", {{"voucher_id", 7}})) ==
        Code::bad_statement);
}

TEST_CASE("The policy takes its fields and no other: unknown_field") {
  Books books;
  json body = {{"accepted_regions", {"BJ"}}, {"categories", {"testing"}},
               {"face_cap", 500'000},        {"ratio_bp", 5'000},
               {"validity_days", 365},       {"yearly_amount_max", 1'000'000},
               {"yearly_count_max", 5},      {"comment", "x"}};
  CHECK(code_of(books.office("policy.set", body)) == Code::unknown_field);
  body.erase("comment");
  CHECK(books.office("policy.set", body).ok());
}

TEST_CASE("A long unknown key is named in the refusal cut on a character boundary") {
  const Kind* kind = find_kind("voucher.apply");
  REQUIRE(kind != nullptr);
  json body = full_body(*kind);
  // 63 ASCII bytes, then a three-byte character that straddles byte 64.
  body[std::string(63, 'k') + "\xe4\xb8\xad" + std::string(100, 'k')] = 1;
  const Status refused = check_body(*kind, body);
  CHECK(refused.code() == Code::unknown_field);
  CHECK(refused.message() ==
        "field '" + std::string(63, 'k') + "...' is not part of voucher.apply");
}

// ----- Finding 15: the whole GB 32100 rule, and the division as a policy -----------------------

TEST_CASE("Registering a code whose organisation-code check digit is wrong is refused") {
  Books books;
  // 91110108MA01C3KD7E: the final check character is right for its first 17, but the
  // organisation code MA01C3KD's GB 11714 check character is 5, not 7.
  REQUIRE(credit_code_check_character("91110108MA01C3KD7") == 'E');
  CHECK(code_of(books.office("actor.register",
                             registration_body("91110108MA01C3KD7E", "enterprise"))) ==
        Code::invalid_credit_code);
  CHECK(books.office("actor.register", registration_body("91110108MA01C3KD58", "enterprise")).ok());
}

TEST_CASE("An enterprise of another province is refused unless the policy accepts its division") {
  Books books;
  books.open_year();
  const std::string fuzhou = "91350100M000100Y43";  // a valid code, registered in Fuzhou (35)
  REQUIRE(valid_credit_code(fuzhou));
  SECTION("by default Beijing accepts Beijing's codes (11) only") {
    CHECK(code_of(books.office("actor.register", registration_body(fuzhou, "enterprise"))) ==
          Code::invalid_credit_code);
  }
  SECTION("a policy listing 35 accepts it") {
    books.set_policy({{"credit_code_divisions", {"11", "35"}}});
    CHECK(books.office("actor.register", registration_body(fuzhou, "enterprise")).ok());
  }
  SECTION("an empty list accepts any province") {
    books.set_policy({{"credit_code_divisions", json::array()}});
    CHECK(books.office("actor.register", registration_body(fuzhou, "enterprise")).ok());
  }
  SECTION("a policy listing only 12 refuses Beijing's own codes") {
    books.set_policy({{"credit_code_divisions", {"12"}}});
    CHECK(code_of(books.office("actor.register",
                               registration_body(credit_code("91110108MA000009"), "enterprise"))) ==
          Code::invalid_credit_code);
  }
  SECTION("a receipt may name an enterprise of any province: providers serve every region") {
    CHECK(books.provider(lab, "receipt.record", receipt_body("R-1", fuzhou, "testing", 1, 1)).ok());
  }
}

TEST_CASE("A policy's credit_code_divisions are distinct two-digit provinces") {
  Books books;
  json body = {{"accepted_regions", {"BJ"}}, {"categories", {"testing"}},
               {"face_cap", 500'000},        {"ratio_bp", 5'000},
               {"validity_days", 365},       {"yearly_amount_max", 1'000'000},
               {"yearly_count_max", 5}};
  for (const json& divisions : {json{"1"}, json{"110"}, json{"1a"}, json{"11", "11"}, json{11}}) {
    INFO(divisions.dump());
    body["credit_code_divisions"] = divisions;
    CHECK(code_of(books.office("policy.set", body)) == Code::bad_statement);
  }
  body["credit_code_divisions"] = {"11", "12"};
  CHECK(books.office("policy.set", body).ok());
}

// ----- Finding 14: ids have a charset and a length; node. and office. are the federation's -----

TEST_CASE("An actor id outside the id charset is refused: invalid_id") {
  Books books;
  const std::string too_long(65, 'p');
  for (const std::string id : {"=HYPERLINK(\"http://x\",\"y\")", "P BJ", "-P1", ".P1", "P1\t",
                               "P\xc3\xa9", "+1", "@P", too_long.c_str()}) {
    INFO(id);
    CHECK(code_of(books.office("actor.register", registration_body(id, "provider"))) ==
          Code::invalid_id);
  }
  CHECK(books.office("actor.register", registration_body(std::string(64, 'p'), "provider")).ok());
  CHECK(books.office("actor.register", registration_body("P-BJ_0001.lab", "provider")).ok());
}

TEST_CASE("Ids beginning node. or office. are refused: only the genesis and manifest make them") {
  Books books;
  for (const std::string id : {"node.TJ", "office.TJ", "office.X", "node.BJ2"}) {
    INFO(id);
    CHECK(code_of(books.office("actor.register", registration_body(id, "provider"))) ==
          Code::invalid_id);
  }
  CHECK(books.office("actor.register", registration_body("nodes.lab", "provider")).ok());
}

TEST_CASE("Application and receipt ids a client chooses follow the id charset: invalid_id") {
  Books books;
  books.open_year();
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", application_body("=1+1"))) ==
        Code::invalid_id);
  CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", application_body("A 1"))) ==
        Code::invalid_id);
  CHECK(code_of(books.provider(lab, "receipt.record",
                               receipt_body("@SUM(A1)", enterprise_a, "testing", 1, 1))) ==
        Code::invalid_id);
  CHECK(books.enterprise(enterprise_a, "voucher.apply", application_body("A-2026_1.b")).ok());
}

// ----- Finding 8: pending applications are bounded by the yearly count ------------------------

TEST_CASE("500 applications: no more pending than the yearly count allows: over_yearly_count") {
  Books books;
  books.open_year();  // the default policy: 5 vouchers per enterprise and year
  int accepted = 0;
  for (int i = 0; i < 500; ++i) {
    const Result<json> result =
        books.enterprise(enterprise_a, "voucher.apply", application_body("A-" + std::to_string(i)));
    if (result.ok()) {
      ++accepted;
    } else {
      CHECK(code_of(result) == Code::over_yearly_count);
    }
  }
  CHECK(accepted == 5);
  CHECK(rows_of(books.store, Table::applications).size() == 5);
  SECTION("applying again with an existing id still answers it") {
    CHECK(books.enterprise(enterprise_a, "voucher.apply", application_body("A-0")).ok());
  }
  SECTION("an issued voucher counts as one held: still no room") {
    CHECK(books.office("voucher.approve", {{"enterprise", enterprise_a}, {"application_id", "A-0"}})
              .ok());
    CHECK(code_of(books.enterprise(enterprise_a, "voucher.apply", application_body("B-1"))) ==
          Code::over_yearly_count);
  }
  SECTION("a refusal frees its place") {
    CHECK(books
              .office("voucher.refuse",
                      {{"enterprise", enterprise_a}, {"application_id", "A-0"}, {"reason", "no"}})
              .ok());
    CHECK(books.enterprise(enterprise_a, "voucher.apply", application_body("B-1")).ok());
  }
  SECTION("another enterprise has its own count") {
    CHECK(books.enterprise(enterprise_b, "voucher.apply", application_body("A-0")).ok());
  }
}

// ----- Finding 9: a provider is its region and its id -----------------------------------------

namespace {

// Enterprise A's voucher, redeemed pay-first with the lab here, then marked as redeemed by a
// provider of Tianjin that is also called provider.lab (as a redemption abroad records it).
struct RedeemedByNamesake {
  Books books;
  std::string voucher;
  RedeemedByNamesake() {
    books.open_year();
    voucher = books.issue(enterprise_a, 300'000);
    books.serve(lab, "R-1", enterprise_a, "testing", 400'000, 400'000);
    books.redeem(enterprise_a, voucher, lab, "R-1");
  }
  void move_provider_to(const std::string& region) {
    json record = books.record(Table::vouchers, voucher);
    record["provider_region"] = region;
    REQUIRE(books.store.put(Table::vouchers, voucher, record).ok());
  }
};

}  // namespace

TEST_CASE("A provider here does not read a voucher of another region's provider with its id") {
  RedeemedByNamesake w;
  CHECK(run_query(w.books, lab, "query.voucher", {{"voucher_id", w.voucher}}).ok());
  w.move_provider_to("TJ");
  CHECK(code_of(run_query(w.books, lab, "query.voucher", {{"voucher_id", w.voucher}})) ==
        Code::not_own_party);
}

TEST_CASE("A provider here does not read a voucher assigned to another region's namesake") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 300'000);
  json record = books.record(Table::vouchers, voucher);
  record["assigned_to"] = lab;
  record["assigned_region"] = "TJ";
  REQUIRE(books.store.put(Table::vouchers, voucher, record).ok());
  CHECK(code_of(run_query(books, lab, "query.voucher", {{"voucher_id", voucher}})) ==
        Code::not_own_party);
  record["assigned_region"] = "BJ";
  REQUIRE(books.store.put(Table::vouchers, voucher, record).ok());
  CHECK(run_query(books, lab, "query.voucher", {{"voucher_id", voucher}}).ok());
}

TEST_CASE("A rating of another region's provider counts under that region, not for a namesake") {
  RedeemedByNamesake w;
  w.move_provider_to("TJ");
  const json before = w.books.record(Table::provider_stats, key_of(key_of("BJ", lab), "2024-03"));
  CHECK(
      w.books.enterprise(enterprise_a, "feedback.rate", {{"voucher_id", w.voucher}, {"rating", 1}})
          .ok());
  CHECK(w.books.record(Table::provider_stats, key_of(key_of("BJ", lab), "2024-03")) == before);
  CHECK(w.books.record(Table::provider_stats, key_of(key_of("TJ", lab), "2024-03"))["ratings"] ==
        1);
  const Result<json> own = run_query(w.books, lab, "query.stats", json::object());
  REQUIRE(own.ok());
  CHECK((*own)["stats"].size() == 1);
  CHECK((*own)["stats"].contains(key_of(key_of("BJ", lab), "2024-03")));
}

// ----- Also: redeeming for nothing, and entries that change nothing ---------------------------

TEST_CASE("A pay-first redemption of a receipt that shows nothing paid is refused") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 300'000);
  books.serve(lab, "R-0", enterprise_a, "testing", 400'000, 0);
  CHECK(code_of(books.enterprise(
            enterprise_a, "voucher.redeem",
            {{"voucher_id", voucher}, {"provider", lab}, {"receipt_id", "R-0"}})) ==
        Code::amount_invalid);
}

TEST_CASE("Revoking a revoked actor or confirming a confirmed receipt again is refused") {
  Books books;
  books.open_year();
  books.serve(lab, "R-1", enterprise_a, "testing", 400'000, 400'000);
  CHECK(code_of(books.enterprise(enterprise_a, "receipt.confirm",
                                 {{"provider", lab}, {"receipt_id", "R-1"}})) == Code::id_conflict);
  CHECK(books.office("actor.revoke", {{"id", broker}}).ok());
  CHECK(code_of(books.office("actor.revoke", {{"id", broker}})) == Code::actor_revoked);
}
