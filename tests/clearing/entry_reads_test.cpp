// Who may read a whole ledger entry (query.entry): the parties it names, the office, an auditor
// and a peer node it concerns; anyone else is refused, and an auditor states nothing.
#include <catch2/catch.hpp>

#include "clearing/kinds.h"
#include "clearing/queries.h"
#include "crypto/canonical_json.h"
#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

namespace {

const std::string auditor_id = "AUD-BJ-0001";

// Books that also keep the entries a node would record, for query.entry to read.
struct Recorded {
  Books books;
  std::vector<std::string> entries;

  // Registrations and budget; entries are kept from the next statement on.
  Recorded() { books.open_year(); }

  static std::string entry_of(const Statement& s, const json& result) {
    return crypto::canonical_dump({{"accepted_ms", 0},
                                   {"result", result},
                                   {"signature", "…"},
                                   {"statement",
                                    {{"actor", s.actor},
                                     {"body", s.body},
                                     {"kind", s.kind},
                                     {"nonce", s.nonce},
                                     {"region", s.region},
                                     {"time", s.time_ms}}}});
  }
  // States `kind` as `actor`; returns the index of the entry recording it.
  std::uint64_t record(const std::string& actor, const std::string& kind, json body) {
    const Statement s = books.statement(actor, kind, std::move(body));
    const std::uint64_t index = books.index;
    Result<json> result = books.submit(s);
    REQUIRE(result.ok());
    entries.resize(index);
    entries.push_back(entry_of(s, *result));
    return index;
  }
  Result<json> read(const std::string& actor, std::uint64_t index) {
    const EntryAt entry_at = [this](std::uint64_t i) -> Result<std::string> {
      if (i >= entries.size() || entries[i].empty()) return Status(Code::out_of_range, "beyond");
      return entries[i];
    };
    return query(
        books.store,
        books.statement(actor, "query.entry", {{"index", static_cast<std::int64_t>(index)}}),
        entry_at);
  }
  Code refusal(const std::string& actor, std::uint64_t index) {
    const Result<json> answer = read(actor, index);
    return answer.ok() ? Code::ok : answer.status().code();
  }
};

}  // namespace

TEST_CASE("An entry is read whole by the parties it names, the office and an auditor") {
  Recorded r;
  r.record(office_id, "actor.register",
           {{"id", auditor_id},
            {"key", public_key_text(90)},
            {"name", "Beijing Audit Bureau"},
            {"role", "auditor"}});
  const std::uint64_t receipt =
      r.record(lab, "receipt.record", receipt_body("R-1", enterprise_a, "testing", 10'000, 10'000));
  SECTION("the provider that signed it and the enterprise it names") {
    const Result<json> answer = r.read(lab, receipt);
    REQUIRE(answer.ok());
    CHECK(crypto::canonical_dump((*answer)["entry"]) == r.entries[receipt]);
    CHECK((*answer)["index"] == receipt);
    CHECK(r.read(enterprise_a, receipt).ok());
  }
  SECTION("the office and the auditor") {
    CHECK(r.read(office_id, receipt).ok());
    CHECK(r.read(auditor_id, receipt).ok());
    CHECK(r.read(node_id, receipt).ok());  // this region's own node
  }
  SECTION("another enterprise and another provider are refused") {
    CHECK(r.refusal(enterprise_b, receipt) == Code::not_own_party);
    CHECK(r.refusal(broker, receipt) == Code::not_own_party);
  }
  SECTION("an index past the end is out of range, a missing one a bad statement") {
    CHECK(r.refusal(office_id, r.entries.size()) == Code::out_of_range);
    const Result<json> no_index =
        query(r.books.store, r.books.statement(office_id, "query.entry", json::object()));
    CHECK(no_index.status().code() == Code::bad_statement);
  }
}

TEST_CASE("An entry naming a voucher is the voucher's enterprise's and its redeeming provider's") {
  Recorded r;
  r.record(enterprise_a, "voucher.apply",
           {{"application_id", "A-1"}, {"category", "testing"}, {"face", 100'000}});
  const std::uint64_t approved = r.record(
      office_id, "voucher.approve", {{"application_id", "A-1"}, {"enterprise", enterprise_a}});
  const std::string voucher =
      json::parse(r.entries[approved])["result"]["voucher"]["id"].get<std::string>();
  r.record(lab, "receipt.record", receipt_body("R-1", enterprise_a, "testing", 10'000, 10'000));
  r.record(enterprise_a, "receipt.confirm", {{"provider", lab}, {"receipt_id", "R-1"}});
  r.record(enterprise_a, "voucher.redeem",
           {{"provider", lab}, {"receipt_id", "R-1"}, {"voucher_id", voucher}});
  const std::uint64_t rating =
      r.record(enterprise_a, "feedback.rate", {{"rating", 5}, {"voucher_id", voucher}});
  CHECK(r.read(enterprise_a, approved).ok());
  CHECK(r.refusal(enterprise_b, approved) == Code::not_own_party);
  CHECK(r.read(lab, rating).ok());  // the rating of its own service
  CHECK(r.refusal(broker, rating) == Code::not_own_party);
}

TEST_CASE("An auditor is registered by the office, reads vouchers and may state nothing") {
  Books books;
  books.open_year();
  books.seeds[auditor_id] = 91;
  REQUIRE(books
              .office("actor.register", {{"id", auditor_id},
                                         {"key", public_key_text(91)},
                                         {"name", "Beijing Audit Bureau"},
                                         {"role", "auditor"}})
              .ok());
  CHECK(books
            .office(
                "actor.register",
                {{"id", "X-1"}, {"key", public_key_text(92)}, {"name", "x"}, {"role", "inspector"}})
            .status()
            .code() == Code::bad_statement);
  for (const Kind& kind : kinds()) {
    if (is_query(kind) || kind.name == "genesis") continue;
    INFO(kind.name);
    const Result<json> result = books.as(auditor_id, std::string(kind.name), json::object());
    CHECK(result.status().code() == Code::forbidden);
  }
  const Result<json> own =
      query(books.store, books.statement(auditor_id, "query.actor", json::object()));
  INFO(own.status().message());
  REQUIRE(own.ok());
  CHECK((*own)["actor"]["role"] == "auditor");
}

TEST_CASE("A peer node reads the entries that concern its region, and no other") {
  Recorded r;
  for (const std::string region : {"TJ", "HE"}) {
    REQUIRE(r.books.store
                .put(Table::actors, "node." + region,
                     {{"key", public_key_text(region == "TJ" ? 93 : 94)},
                      {"name", region + " node"},
                      {"region", region},
                      {"retired_keys", json::array()},
                      {"role", "node"},
                      {"status", "active"}})
                .ok());
  }
  const auto add = [&r](const std::string& actor, const std::string& kind, const json& body,
                        const json& result) {
    r.entries.push_back(Recorded::entry_of(r.books.statement(actor, kind, body), result));
    return r.entries.size() - 1;
  };
  const std::size_t redeem_abroad = add(enterprise_a, "voucher.redeem",
                                        {{"provider", "P-TJ-1"},
                                         {"provider_region", "TJ"},
                                         {"receipt_id", "R"},
                                         {"voucher_id", "BJ-V000001"}},
                                        {{"pending", {{"peer", "TJ"}, {"request_id", "BJ-R7"}}}});
  const std::size_t tj_request =
      add("node.TJ", "peer.voucher.honour", {{"request_id", "TJ-R3"}}, json::object());
  const std::size_t settlement =
      add("node.BJ", "settlement.propose", {{"period", "2026-03"}}, json::object());
  const std::size_t local =
      add(enterprise_a, "voucher.apply", {{"application_id", "A-9"}}, json::object());
  CHECK(r.read("node.TJ", redeem_abroad).ok());
  CHECK(r.read("node.TJ", tj_request).ok());
  CHECK(r.read("node.TJ", settlement).ok());
  CHECK(r.read("node.HE", settlement).ok());
  CHECK(r.refusal("node.HE", redeem_abroad) == Code::not_own_party);
  CHECK(r.refusal("node.HE", tj_request) == Code::not_own_party);
  CHECK(r.refusal("node.TJ", local) == Code::not_own_party);
  CHECK(r.read(node_id, local).ok());  // this region's own node reads everything
}
