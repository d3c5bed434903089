// A dishonest member region: the test holds Beijing's node key and TLS certificate fingerprint and
// sends crafted peer requests to Tianjin's node, as its HTTPS listener would hand them over. A
// member may act only for what its own region's actors signed: every crafted request is refused,
// changes no balance, and leaves evidence — a refusal recorded in Tianjin's ledger next to
// Beijing's signed request, or, for a request that cannot be judged yet, a problem and nothing.
#include <catch2/catch.hpp>

#include "tests/nodes/cross_region.h"

using namespace innoclear;
using namespace innoclear::testing;

namespace {

// Beijing as an attacker: signs with Beijing's node key, presents Beijing's TLS fingerprint.
struct HostileMember {
  CrossRegion& books;

  nlohmann::json item(const std::string& kind, const nlohmann::json& body, Region to,
                      const nlohmann::json& proof = nullptr) {
    const SignedStatement request = books.home.service->sign_as_node(kind, body, to);
    nlohmann::json item = {{"signature", request.signature_base64}, {"statement", request.bytes}};
    if (!proof.is_null()) item["proof"] = proof;
    return item;
  }
  // The one answer item of a batch of one, sent to `to`.
  nlohmann::json send(RegionNode& to, const nlohmann::json& item) {
    std::promise<Result<std::string>> answered;
    to.federation->answerer().answer(
        books.home.service->identity().tls_fingerprint, nlohmann::json{{"requests", {item}}}.dump(),
        [&](Result<std::string> answer) { answered.set_value(std::move(answer)); });
    Result<std::string> answer = answered.get_future().get();
    REQUIRE(answer.ok());
    const nlohmann::json answers = nlohmann::json::parse(*answer)["answers"];
    REQUIRE(answers.size() == 1);
    return answers[0];
  }
};

// What a recorded answer decided, from the peer.answer statement it carries.
nlohmann::json result_of(const nlohmann::json& answer_item) {
  REQUIRE(answer_item.contains("answer"));
  return nlohmann::json::parse(answer_item["answer"]["statement"].get<std::string>())["body"];
}

// Refused, finally, with `code`: the decision and Beijing's signed request are in Tianjin's
// ledger, as evidence anyone holding the entry can check.
void require_recorded_refusal(RegionNode& node, const nlohmann::json& answer_item, Code code) {
  const nlohmann::json answer = result_of(answer_item);
  CHECK(answer["result"]["outcome"] == "refused");
  CHECK(answer["result"]["code"] == static_cast<int>(code));
  Result<ledger::ReadView> view = node.service->ledger().view();
  REQUIRE(view.ok());
  Result<std::string> entry = view->entry(answer["entry_index"].get<std::uint64_t>());
  REQUIRE(entry.ok());
  const nlohmann::json recorded = nlohmann::json::parse(*entry);
  CHECK(recorded["statement"]["actor"] == "node.BJ");
  CHECK(recorded["result"]["outcome"] == "refused");
}

// Everything a peer request could change at a node: balances, receipts, vouchers, lines, figures.
nlohmann::json books_of(RegionNode& node) {
  nlohmann::json books;
  for (const auto& [table, name] :
       {std::pair{Table::budgets, "budgets"}, std::pair{Table::receipts, "receipts"},
        std::pair{Table::vouchers, "vouchers"}, std::pair{Table::obligations, "obligations"},
        std::pair{Table::provider_stats, "provider_stats"}}) {
    Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
        node.service->scan(table, "");
    REQUIRE(rows.ok());
    for (const auto& [key, row] : *rows) books[name][key] = row;
  }
  return books;
}

// Tianjin's own enterprise with a confirmed receipt of Tianjin's laboratory.
const std::string tianjin_enterprise = "91120000MA0500001M";
const crypto::KeyPair tianjin_enterprise_key = seeded_key(7);

void tianjin_enterprise_with_confirmed_receipt(CrossRegion& books) {
  REQUIRE(books.lab
              .as_office("actor.register", {{"id", tianjin_enterprise},
                                            {"key", public_key_of(tianjin_enterprise_key)},
                                            {"name", "Tianjin Tech"},
                                            {"role", "enterprise"}})
              .ok());
  const std::string hash(64, 'b');
  REQUIRE(books
              .as_provider("receipt.record", {{"category", "testing"},
                                              {"contract_sha256", hash},
                                              {"enterprise", tianjin_enterprise},
                                              {"invoice_sha256", hash},
                                              {"paid", 800'000},
                                              {"payment_ref", "BANK-T1"},
                                              {"payment_sha256", hash},
                                              {"price", 800'000},
                                              {"receipt_id", "T1"}})
              .ok());
  REQUIRE(books.lab
              .submit(tianjin_enterprise_key, tianjin_enterprise, "receipt.confirm",
                      {{"provider", provider_id}, {"receipt_id", "T1"}})
              .ok());
}

}  // namespace

TEST_CASE("A member cannot consume another region's receipt without its enterprise's statement",
          "[hostile]") {
  CrossRegion books;
  HostileMember bj{books};
  tianjin_enterprise_with_confirmed_receipt(books);
  const nlohmann::json before = books_of(books.lab);
  // Finding: a consume naming Tianjin's enterprise's confirmed receipt and an invented voucher.
  const nlohmann::json answer =
      bj.send(books.lab, bj.item("peer.receipt.consume",
                                 {{"category", "testing"},
                                  {"enterprise", tianjin_enterprise},
                                  {"face", 500'000},
                                  {"provider", provider_id},
                                  {"ratio_bp", 10'000},
                                  {"receipt_id", "T1"},
                                  {"request_id", "BJ-R000900"},
                                  {"requested_ms", books.federation.now_ms.load()},
                                  {"voucher_id", "BJ-V999999"}},
                                 Region::TJ));
  require_recorded_refusal(books.lab, answer, Code::peer_unproven);
  CHECK(books_of(books.lab) == before);
  // The enterprise's own redemption at home is untouched.
  const nlohmann::json receipt = books.lab.state(Table::receipts, provider_id + "|T1");
  CHECK_FALSE(receipt.contains("consumed_by"));
}

TEST_CASE("A member's crafted statements for its own enterprise are refused and kept",
          "[hostile]") {
  CrossRegion books;
  HostileMember bj{books};
  books.record_receipt("R2", 800'000);
  const std::string request_id = CrossRegion::request_id_of(books.pay_first("R1"));
  const nlohmann::json honest = books.proven_body(books.home, request_id);
  const nlohmann::json before = books_of(books.lab);
  nlohmann::json crafted = honest;

  SECTION("the enterprise's statement signed by the node instead") {
    const SignedStatement forged = books.home.service->sign_as_node(
        "voucher.redeem", honest["actor_statement"]["statement"]["body"], Region::BJ);
    crafted["actor_statement"]["signature"] = forged.signature_base64;
  }
  SECTION("the enterprise's genuine statement used for another receipt") {
    crafted["receipt_id"] = "R2";
  }
  SECTION("another enterprise named") { crafted["enterprise"] = tianjin_enterprise; }
  SECTION("a key entry that gives the enterprise a key the node holds") {
    const SignedStatement registration = books.home.service->sign_as_node(
        "actor.register",
        {{"id", enterprise_id},
         {"key", crypto::encode_public_key(books.home.service->node_key().public_key())},
         {"name", "Example Tech"},
         {"role", "enterprise"}},
        Region::BJ);
    crafted["key_entry"]["statement"] = nlohmann::json::parse(registration.bytes);
    crafted["key_entry"]["signature"] = registration.signature_base64;
  }
  SECTION("no statement at all") { crafted.erase("actor_statement"); }
  SECTION("a lock time far from the time the enterprise signed") {
    crafted["requested_ms"] = honest["requested_ms"].get<std::int64_t>() - 3'600'000;
  }
  SECTION("a statement the enterprise signed for a provider in another region") {
    nlohmann::json elsewhere = honest["actor_statement"]["statement"]["body"];
    elsewhere["provider_region"] = "HE";
    const SignedStatement signed_elsewhere = nodes::sign_statement(
        enterprise_key, enterprise_id, "voucher.redeem", elsewhere, "BJ",
        honest["actor_statement"]["statement"]["time"].get<std::int64_t>(), "elsewhere");
    crafted["actor_statement"] = {{"signature", signed_elsewhere.signature_base64},
                                  {"statement", nlohmann::json::parse(signed_elsewhere.bytes)}};
  }
  const nlohmann::json answer =
      bj.send(books.lab, bj.item("peer.receipt.consume", crafted, Region::TJ));
  require_recorded_refusal(books.lab, answer, Code::peer_unproven);
  CHECK(books_of(books.lab) == before);
}

TEST_CASE("A member cannot redeem another region's voucher for a provider that did not ask",
          "[hostile]") {
  CrossRegion books;
  // Tianjin is the attacker here: it asks Beijing to honour Beijing's voucher.
  books.assign();
  const std::string request_id = CrossRegion::request_id_of(books.provider_redeem("R1"));
  const nlohmann::json honest = books.proven_body(books.lab, request_id);
  const nlohmann::json before = books_of(books.home);
  nlohmann::json crafted = honest;
  Code expected = Code::peer_unproven;
  SECTION("the provider's statement claimed by another provider id") {
    crafted["provider"] = "P-TJ-OTHER";
  }
  SECTION("a lock backdated to before the voucher expired") {
    // The voucher expired; the member states a lock time a day before the provider signed.
    crafted["requested_ms"] = honest["requested_ms"].get<std::int64_t>() - 86'400'000;
  }
  SECTION("a price other than the one the enterprise agreed") {
    crafted["price"] = 1'000'000;
    expected = Code::receipt_mismatch;
  }
  std::promise<Result<std::string>> answered;
  const SignedStatement request =
      books.lab.service->sign_as_node("peer.voucher.honour", crafted, Region::BJ);
  books.home.federation->answerer().answer(
      books.lab.service->identity().tls_fingerprint,
      nlohmann::json{
          {"requests", {{{"signature", request.signature_base64}, {"statement", request.bytes}}}}}
          .dump(),
      [&](Result<std::string> answer) { answered.set_value(std::move(answer)); });
  Result<std::string> answer = answered.get_future().get();
  REQUIRE(answer.ok());
  const nlohmann::json item = nlohmann::json::parse(*answer)["answers"][0];
  const nlohmann::json result = result_of(item)["result"];
  CHECK(result["outcome"] == "refused");
  CHECK(result["code"] == static_cast<int>(expected));
  CHECK(books_of(books.home) == before);
  CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "live");
}

TEST_CASE("An expired voucher stays expired whatever lock time a member states", "[hostile]") {
  CrossRegion books;
  books.assign();
  const std::int64_t expires =
      books.home.state(Table::vouchers, books.voucher)["expires_ms"].get<std::int64_t>();
  books.federation.now_ms = expires + 3'600'000;  // the provider redeems an hour too late
  const std::string request_id = CrossRegion::request_id_of(books.provider_redeem("R1"));
  nlohmann::json backdated = books.proven_body(books.lab, request_id);
  backdated["requested_ms"] = expires - 1000;
  backdated["request_id"] = "TJ-R999999";  // its own id: the honest request follows
  const SignedStatement request =
      books.lab.service->sign_as_node("peer.voucher.honour", backdated, Region::BJ);
  Result<Accepted> decided =
      books.home.service->submit_and_wait(request.bytes, request.signature_base64);
  REQUIRE(decided.ok());
  CHECK(decided->result["outcome"] == "refused");
  CHECK(decided->result["code"] == static_cast<int>(Code::peer_unproven));
  // Asked honestly, the answer is the expiry, judged when the provider signed.
  books.federation.deliver();
  const nlohmann::json receipt = books.lab.state(Table::receipts, provider_id + "|R1");
  CHECK_FALSE(receipt.contains("consumed_by"));
  CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "live");
}

TEST_CASE("Replayed, reordered and misdirected traffic between members changes nothing",
          "[hostile]") {
  CrossRegion books({Region::BJ, Region::TJ, Region::HE});
  HostileMember bj{books};
  const std::string request_id = CrossRegion::request_id_of(books.pay_first("R1"));
  const nlohmann::json body = books.proven_body(books.home, request_id);
  const nlohmann::json first =
      bj.send(books.lab, bj.item("peer.receipt.consume", body, Region::TJ));
  CHECK(result_of(first)["result"]["outcome"] == "done");
  const nlohmann::json after_first = books_of(books.lab);

  SECTION("the same request again gets the same entry") {
    const nlohmann::json again =
        bj.send(books.lab, bj.item("peer.receipt.consume", body, Region::TJ));
    CHECK(result_of(again)["entry_index"] == result_of(first)["entry_index"]);
  }
  SECTION("the same request id with a larger face is refused, not recorded") {
    nlohmann::json larger = body;
    larger["face"] = 500'000 - 1;
    const nlohmann::json again =
        bj.send(books.lab, bj.item("peer.receipt.consume", larger, Region::TJ));
    REQUIRE(again.contains("problem"));
    CHECK(again["problem"]["code"] == static_cast<int>(Code::id_conflict));
  }
  SECTION("the enterprise's statement sent to another region") {
    const nlohmann::json elsewhere =
        bj.send(books.federation[Region::HE], bj.item("peer.receipt.consume", body, Region::HE));
    const nlohmann::json result = result_of(elsewhere)["result"];
    CHECK(result["outcome"] == "refused");
  }
  SECTION("an answer from a region the request was not sent to") {
    const SignedStatement answer = books.federation[Region::HE].service->sign_as_node(
        "peer.answer",
        {{"entry_index", 1},
         {"entry_sha256", std::string(64, '0')},
         {"request_id", request_id},
         {"result", {{"outcome", "refused"}, {"request_id", request_id}}}},
        Region::BJ);
    CHECK(books.home.service->submit_and_wait(answer.bytes, answer.signature_base64)
              .status()
              .code() == Code::forbidden);
    CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "pending");
  }
  CHECK(books_of(books.lab) == after_first);
}

TEST_CASE("A key entry must be in the member's ledger as this node witnessed it", "[hostile]") {
  CrossRegion books({Region::BJ, Region::TJ}, /*witnessing=*/true);
  HostileMember bj{books};
  const std::string request_id = CrossRegion::request_id_of(books.pay_first("R1"));
  const nlohmann::json body = books.proven_body(books.home, request_id);
  const nlohmann::json before = books_of(books.lab);

  // Before Tianjin verified any checkpoint of Beijing's, nothing can be proven: a problem, kept
  // for later, nothing recorded.
  const nlohmann::json early =
      bj.send(books.lab, bj.item("peer.receipt.consume", body, Region::TJ));
  REQUIRE(early.contains("problem"));
  CHECK(early["problem"]["code"] == static_cast<int>(Code::peer_unproven));

  REQUIRE(books.home.service->ledger().sign_checkpoint().ok());
  books.lab.federation->witnessing().round();
  const std::uint64_t size = books.home.service->ledger().size();
  const std::uint64_t key_index =
      books.home.state(Table::actors, enterprise_id)["key_index"].get<std::uint64_t>();
  Result<ledger::ReadView> view = books.home.service->ledger().view();
  REQUIRE(view.ok());
  Result<nlohmann::json> proof = nodes::inclusion_proof(*view, key_index, size);
  REQUIRE(proof.ok());

  SECTION("a proof of another entry") {
    nlohmann::json wrong = *proof;
    wrong["index"] = key_index + 1;
    const nlohmann::json answer =
        bj.send(books.lab, bj.item("peer.receipt.consume", body, Region::TJ, wrong));
    REQUIRE(answer.contains("problem"));
    CHECK(answer["problem"]["code"] == static_cast<int>(Code::peer_unproven));
    CHECK(books_of(books.lab) == before);
  }
  SECTION("a proof against a size this node never verified") {
    nlohmann::json wrong = *proof;
    wrong["tree_size"] = size + 5;
    const nlohmann::json answer =
        bj.send(books.lab, bj.item("peer.receipt.consume", body, Region::TJ, wrong));
    REQUIRE(answer.contains("problem"));
    CHECK(books_of(books.lab) == before);
  }
  SECTION("the honest proof, and the federation's own sender, succeed") {
    books.federation.deliver();
    CHECK(books.home.state(Table::vouchers, books.voucher)["status"] == "redeemed");
    CHECK(books.lab.state(Table::receipts, provider_id + "|R1")["consumed_by"] == books.voucher);
  }
}

namespace {

// `text` as a JSON string's contents, bytes at or above 0x80 left as they are (so invalid UTF-8
// reaches the peer's parser as sent).
std::string json_string_of_raw(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

TEST_CASE("Every byte in a peer request's fields is refused and changes nothing", "[hostile]") {
  CrossRegion books;
  nlohmann::json body =
      books.proven_body(books.home, CrossRegion::request_id_of(books.pay_first("R1")));
  body["receipt_id"] = "R@1";
  const SignedStatement template_request =
      books.home.service->sign_as_node("peer.receipt.consume", body, Region::TJ);
  const std::size_t marker = template_request.bytes.find("R@1");
  REQUIRE(marker != std::string::npos);
  const nlohmann::json before = books_of(books.lab);
  for (int value = 0; value < 256; ++value) {
    INFO("byte " << value);
    const std::uint64_t size = books.lab.service->ledger().size();
    std::string statement = template_request.bytes;
    statement[marker + 1] = static_cast<char>(value);
    const std::string signature =
        crypto::base64_encode(books.home.service->node_key().sign(statement));
    const std::string batch = "{\"requests\":[{\"signature\":\"" + signature +
                              "\",\"statement\":" + json_string_of_raw(statement) + "}]}";
    std::promise<Result<std::string>> answered;
    books.lab.federation->answerer().answer(
        books.home.service->identity().tls_fingerprint, batch,
        [&](Result<std::string> answer) { answered.set_value(std::move(answer)); });
    const Result<std::string> answer = answered.get_future().get();
    if (answer.ok()) {
      // A batch the node could read: each request is a problem or a recorded refusal.
      const nlohmann::json item = nlohmann::json::parse(*answer)["answers"][0];
      CHECK((item.contains("problem") || result_of(item)["result"]["outcome"] == "refused"));
    }
    // A printable byte makes a well-formed request, refused and kept as evidence; any other writes
    // nothing.
    const bool printable = value >= 0x20 && value < 0x7f;
    if (!printable) CHECK(books.lab.service->ledger().size() == size);
  }
  CHECK(books_of(books.lab) == before);
  CHECK(books.lab.service->submit_and_wait("{}", "AA==").status().code() != Code::ok);
}
