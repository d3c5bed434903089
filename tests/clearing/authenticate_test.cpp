// Before any rule: is the statement well formed, timely, and signed by a standing actor's key?
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

namespace {

// The canonical bytes an actor signs, and a signature over them with the key of `seed`.
struct Signed {
  std::string bytes;
  crypto::Signature signature;
};

Signed sign(const Statement& s, std::uint8_t seed) {
  Signed out;
  out.bytes = crypto::canonical_dump(statement_json(s));
  out.signature = key_from_seed(seed).sign(out.bytes);
  return out;
}

Status check(const Books& books, const Statement& s, std::uint8_t seed,
             clearing::Region region = clearing::Region::BJ) {
  const Signed signed_statement = sign(s, seed);
  return authenticate(books.store, s, signed_statement.bytes, signed_statement.signature, region);
}

}  // namespace

// ----- Signatures -----------------------------------------------------------------------------

TEST_CASE("A statement signed with the actor's registered key is authentic") {
  Books books;
  books.register_enterprise(enterprise_a);
  const Statement by_office =
      books.statement(office_id, "budget.allocate", {{"year", 2024}, {"amount", 1}});
  CHECK(check(books, by_office, office_seed).ok());
  const Statement by_enterprise =
      books.statement(enterprise_a, "voucher.apply",
                      {{"application_id", "x"}, {"category", "testing"}, {"face", 1}});
  CHECK(check(books, by_enterprise, books.seeds.at(enterprise_a)).ok());
}

TEST_CASE("A statement signed with another key, or altered after signing, fails: bad_signature") {
  Books books;
  books.register_enterprise(enterprise_a);
  books.register_enterprise(enterprise_b);
  const Statement s =
      books.statement(enterprise_a, "voucher.apply",
                      {{"application_id", "x"}, {"category", "testing"}, {"face", 1}});
  SECTION("signed by another enterprise's key") {
    CHECK(check(books, s, books.seeds.at(enterprise_b)).code() == Code::bad_signature);
  }
  SECTION("signed by the office's key in the enterprise's name") {
    CHECK(check(books, s, office_seed).code() == Code::bad_signature);
  }
  SECTION("the face value changed after signing") {
    const Signed original = sign(s, books.seeds.at(enterprise_a));
    Statement altered = s;
    altered.body["face"] = 500'000;
    const std::string altered_bytes = crypto::canonical_dump(statement_json(altered));
    CHECK(
        authenticate(books.store, altered, altered_bytes, original.signature, clearing::Region::BJ)
            .code() == Code::bad_signature);
  }
  SECTION("a signature with one bit flipped") {
    Signed tampered = sign(s, books.seeds.at(enterprise_a));
    tampered.signature[10] ^= 0x01;
    CHECK(authenticate(books.store, s, tampered.bytes, tampered.signature, clearing::Region::BJ)
              .code() == Code::bad_signature);
  }
  SECTION("a truncated signature") {
    const Signed good = sign(s, books.seeds.at(enterprise_a));
    const std::span<const std::uint8_t> truncated(good.signature.data(), 63);
    CHECK(authenticate(books.store, s, good.bytes, truncated, clearing::Region::BJ).code() ==
          Code::bad_signature);
  }
}

TEST_CASE(
    "After the office rotates a key, the old key is refused as key_revoked and the new one works") {
  Books books;
  books.register_enterprise(enterprise_a);
  const std::uint8_t old_seed = books.seeds.at(enterprise_a);
  Books::accept(
      books.office("actor.rotate_key", {{"id", enterprise_a}, {"key", public_key_text(99)}}));
  const Statement s =
      books.statement(enterprise_a, "voucher.apply",
                      {{"application_id", "x"}, {"category", "testing"}, {"face", 1}});
  CHECK(check(books, s, old_seed).code() == Code::key_revoked);
  CHECK(check(books, s, 99).ok());
  CHECK(check(books, s, 98).code() == Code::bad_signature);

  SECTION("the office's own key too") {
    Books::accept(
        books.office("actor.rotate_key", {{"id", office_id}, {"key", public_key_text(97)}}));
    const Statement by_office =
        books.statement(office_id, "budget.allocate", {{"year", 2024}, {"amount", 1}});
    CHECK(check(books, by_office, office_seed).code() == Code::key_revoked);
    CHECK(check(books, by_office, 97).ok());
  }
}

TEST_CASE("A statement by a revoked actor fails even with its right key: actor_revoked") {
  Books books;
  books.register_provider(lab, {"testing"});
  Books::accept(books.office("actor.revoke", {{"id", lab}}));
  const Statement s =
      books.statement(lab, "receipt.record", receipt_body("R-1", enterprise_a, "testing", 1, 1));
  CHECK(check(books, s, books.seeds.at(lab)).code() == Code::actor_revoked);
}

TEST_CASE("A statement by an actor nobody registered fails: unknown_actor") {
  Books books;
  const Statement s =
      books.statement(enterprise_a, "voucher.apply",
                      {{"application_id", "x"}, {"category", "testing"}, {"face", 1}});
  CHECK(check(books, s, 30).code() == Code::unknown_actor);
}

TEST_CASE("A statement for another region fails at this node: wrong_region") {
  Books books;
  Statement s = books.statement(office_id, "budget.allocate", {{"year", 2024}, {"amount", 1}});
  CHECK(check(books, s, office_seed, clearing::Region::TJ).code() == Code::wrong_region);
  s.region = "TJ";
  CHECK(check(books, s, office_seed).code() == Code::wrong_region);
}

TEST_CASE("The genesis statement is signed by the node key it carries") {
  Books books(Books::Empty{});
  Statement s = books.statement(
      node_id, "genesis",
      {{"node_key", public_key_text(node_seed)}, {"office_key", public_key_text(office_seed)}});
  CHECK(check(books, s, node_seed).ok());
  CHECK(check(books, s, office_seed).code() == Code::bad_signature);
  SECTION("a genesis whose node key is not text is refused, not thrown") {
    s.body["node_key"] = 12;
    CHECK(check(books, s, node_seed).code() == Code::bad_statement);
    CHECK(code_of(books.submit(s)) == Code::bad_statement);
  }
  SECTION("a genesis whose node key is not a key fails") {
    s.body["node_key"] = "AAAA";
    CHECK_FALSE(check(books, s, node_seed).ok());
  }
  SECTION("once the node is registered, a genesis must be signed by its registered key") {
    books.genesis();
    const Statement again =
        books.statement(node_id, "genesis",
                        {{"node_key", public_key_text(66)}, {"office_key", public_key_text(67)}});
    CHECK(check(books, again, 66).code() == Code::bad_signature);
  }
}

// ----- Time -----------------------------------------------------------------------------------

TEST_CASE("A statement timed more than 300 s from the node's clock is refused: stale_time") {
  Statement s{office_id, "budget.allocate", "n1", "BJ", start_ms, json::object()};
  CHECK(check_time(s, start_ms).ok());
  CHECK(check_time(s, start_ms + 300 * second_ms).ok());
  CHECK(check_time(s, start_ms - 300 * second_ms).ok());
  CHECK(check_time(s, start_ms + 300 * second_ms + 1).code() == Code::stale_time);
  CHECK(check_time(s, start_ms - 300 * second_ms - 1).code() == Code::stale_time);
  CHECK(check_time(s, start_ms + 301 * second_ms).code() == Code::stale_time);
  CHECK(check_time(s, start_ms - 301 * second_ms).code() == Code::stale_time);
}

TEST_CASE("A statement timed before 1970 or at the ends of int64 is refused: stale_time") {
  Statement s{office_id, "budget.allocate", "n1", "BJ", -1, json::object()};
  CHECK(check_time(s, 0).code() == Code::stale_time);
  s.time_ms = std::numeric_limits<std::int64_t>::min();
  CHECK(check_time(s, start_ms).code() == Code::stale_time);
  s.time_ms = std::numeric_limits<std::int64_t>::max();
  CHECK(check_time(s, start_ms).code() == Code::stale_time);
}

// ----- Shape ----------------------------------------------------------------------------------

TEST_CASE("A well-formed statement parses into its six fields") {
  const json value = {{"actor", enterprise_a}, {"body", {{"face", 1}}}, {"kind", "voucher.apply"},
                      {"nonce", "n-1"},        {"region", "BJ"},        {"time", start_ms}};
  const Result<Statement> parsed = parse_statement(value);
  REQUIRE(parsed.ok());
  CHECK(parsed->actor == enterprise_a);
  CHECK(parsed->kind == "voucher.apply");
  CHECK(parsed->nonce == "n-1");
  CHECK(parsed->region == "BJ");
  CHECK(parsed->time_ms == start_ms);
  CHECK(parsed->body == json{{"face", 1}});
  CHECK(statement_json(*parsed) == value);
}

TEST_CASE("A statement with a missing, extra or mistyped field is refused: bad_statement") {
  const json good = {{"actor", enterprise_a}, {"body", json::object()}, {"kind", "voucher.apply"},
                     {"nonce", "n-1"},        {"region", "BJ"},         {"time", start_ms}};
  REQUIRE(parse_statement(good).ok());
  for (const char* field : {"actor", "body", "kind", "nonce", "region", "time"}) {
    SECTION(std::string("without ") + field) {
      json missing = good;
      missing.erase(field);
      CHECK(parse_statement(missing).status().code() == Code::bad_statement);
      missing["extra"] = "x";  // six keys again, but the wrong six
      CHECK(parse_statement(missing).status().code() == Code::bad_statement);
    }
  }
  SECTION("with a seventh field") {
    json extra = good;
    extra["signature"] = "x";
    CHECK(parse_statement(extra).status().code() == Code::bad_statement);
  }
  SECTION("with fields of the wrong type") {
    const std::vector<std::pair<const char*, json>> wrong = {{"actor", 7},
                                                             {"actor", ""},
                                                             {"actor", std::string(65, 'a')},
                                                             {"kind", json::array()},
                                                             {"nonce", nullptr},
                                                             {"nonce", ""},
                                                             {"region", true},
                                                             {"time", "1710468000000"},
                                                             {"time", 1.5},
                                                             {"body", json::array()},
                                                             {"body", "text"},
                                                             {"body", nullptr}};
    for (const auto& [field, value] : wrong) {
      json bad = good;
      bad[field] = value;
      INFO(field << " = " << value.dump());
      CHECK(parse_statement(bad).status().code() == Code::bad_statement);
    }
  }
  SECTION("with a time beyond int64") {
    json bad = good;
    bad["time"] = std::uint64_t{1} << 63;
    CHECK(parse_statement(bad).status().code() == Code::bad_statement);
  }
  SECTION("that is not an object") {
    CHECK(parse_statement(json::array({good})).status().code() == Code::bad_statement);
    CHECK(parse_statement(json("statement")).status().code() == Code::bad_statement);
  }
}

TEST_CASE("An identifier of exactly 64 bytes is accepted in a statement") {
  const json value = {{"actor", std::string(64, 'a')}, {"body", json::object()}, {"kind", "k"},
                      {"nonce", std::string(64, 'n')}, {"region", "BJ"},         {"time", 0}};
  CHECK(parse_statement(value).ok());
}
