// The front door against one unauthenticated client (issue 12, findings 1, 6 and 11): no byte in a
// path, a header or a body stops the node or writes anything; the log names the client's address
// and tells a claimed actor from an authenticated one; metrics and log lines stay bounded.
#include "tests/api/front_door.h"

#include <catch2/catch.hpp>
#include <string>

#include "api/log_text.h"
#include "api/routes.h"
#include "base/utf8.h"
#include "crypto/canonical_json.h"

using namespace innoclear;
using namespace innoclear::front_door;

namespace {

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n";
}

std::string post(const std::string& target, const std::string& body,
                 const std::string& headers = {}) {
  return "POST " + target + " HTTP/1.1\r\nHost: node\r\nConnection: close\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool is_problem(const std::string& response) {
  return response.find("application/problem+json") != std::string::npos;
}

// Limits for tests that send many requests from 127.0.0.1: no request rate.
api::ServerLimits unlimited_rate() {
  api::ServerLimits limits;
  limits.requests_per_address_per_second = 0;
  return limits;
}

}  // namespace

TEST_CASE("log text is valid, bounded UTF-8 whatever the bytes", "[front-door]") {
  CHECK(api::log_text("plain") == "plain");
  CHECK(api::log_text("\xff") == "\xEF\xBF\xBD");
  CHECK(api::log_text("a\nb") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(api::log_text("\xE4\xB8\xAD") == "\xE4\xB8\xAD");  // 中 stays
  const std::string cut = api::log_text(std::string(300, 'a') + "\xE4\xB8\xAD", 256);
  CHECK(cut.size() <= 256);
  CHECK(is_valid_utf8(cut));
  CHECK(cut.ends_with("\xE2\x80\xA6"));
  // A cut never splits a character: 100 three-byte characters into 256 bytes.
  std::string wide;
  for (int i = 0; i < 100; ++i) wide += "\xE4\xB8\xAD";
  const std::string wide_cut = api::log_text(wide, 256);
  CHECK(is_valid_utf8(wide_cut));
  CHECK(wide_cut.size() <= 256);
  CHECK(api::prometheus_label("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

TEST_CASE("a path byte outside printable ASCII is refused as bad_target and the node lives",
          "[front-door]") {
  TestNode node;
  const std::uint64_t size = node.ledger_size();
  const std::string answer = exchange(node.port(), get("/\xff"));
  CHECK(status_of(answer) == 400);
  CHECK(answer.find("\"title\":\"bad_target\"") != std::string::npos);
  CHECK(answer.find("\"code\":4014") != std::string::npos);
  CHECK(status_of(exchange(node.port(), get("/v1/health"))) == 200);
  CHECK(node.ledger_size() == size);
  const auto lines = node.log_lines_with("\"outcome\":\"bad_target\"");
  REQUIRE(lines.size() == 1);
  CHECK(is_valid_utf8(lines[0]));
}

TEST_CASE("a header value with a control byte is refused with a 400 problem", "[front-door]") {
  TestNode node;
  // Beast refuses control bytes in header values itself; the routes check again (bad_target).
  const std::string answer = exchange(node.port(),
                                      "GET /v1/health HTTP/1.1\r\nHost: node\r\n"
                                      "X-Test: a\x7f"
                                      "b\r\nConnection: close\r\n\r\n");
  CHECK(status_of(answer) == 400);
  CHECK(is_problem(answer));
  CHECK(status_of(exchange(node.port(), get("/v1/health"))) == 200);
}

TEST_CASE("a claimed actor that is not UTF-8 is refused, logged as claimed, and the node lives",
          "[front-door]") {
  TestNode node;
  const std::uint64_t size = node.ledger_size();
  const std::string answer = exchange(node.port(), post("/v1/voucher/apply", "{\"actor\":\"\xff\"}",
                                                        "Innoclear-Signature: AA==\r\n"));
  CHECK(status_of(answer) / 100 == 4);
  CHECK(is_problem(answer));
  CHECK(status_of(exchange(node.port(), get("/v1/health"))) == 200);
  CHECK(node.ledger_size() == size);
  const auto lines = node.log_lines_with("\"route\":\"/v1/voucher/apply\"");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("\"claimed_actor\":\"\xEF\xBF\xBD\"") != std::string::npos);
  CHECK(lines[0].find("\"actor\"") == std::string::npos);
}

TEST_CASE("the request log names the client's address, and the actor only once authenticated",
          "[front-door]") {
  TestNode node;
  api::HttpsClient client(node.client_options());
  const nodes::SignedStatement query = node.office_query();
  Result<api::HttpResponse> answered = client.request(
      "POST", "/v1/query/actor", query.bytes, {{"Innoclear-Signature", query.signature_base64}});
  REQUIRE(answered.ok());
  REQUIRE(answered->status == 200);
  // The same bytes with another signature: the actor is only claimed.
  Result<api::HttpResponse> forged = client.request(
      "POST", "/v1/query/actor", query.bytes,
      {{"Innoclear-Signature", crypto::base64_encode(node.enterprise_key().sign(query.bytes))}});
  REQUIRE(forged.ok());
  REQUIRE(forged->status == 401);
  const auto lines = node.log_lines_with("\"route\":\"/v1/query/actor\"");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("\"actor\":\"office.BJ\"") != std::string::npos);
  CHECK(lines[1].find("\"claimed_actor\":\"office.BJ\"") != std::string::npos);
  CHECK(lines[1].find("\"actor\":") == std::string::npos);
  for (const std::string& line : lines) {
    CHECK(line.find("\"remote\":\"127.0.0.1:") != std::string::npos);
  }
}

TEST_CASE("logged fields are cut to their bound", "[front-door]") {
  TestNode node;
  const std::string long_path = "/" + std::string(4000, 'a');
  CHECK(status_of(exchange(node.port(), get(long_path))) == 404);
  const auto lines = node.log_lines_with("\"route\":\"/aaa");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].size() < api::log_field_bytes_max + 300);
  const nlohmann::json parsed = nlohmann::json::parse(lines[0]);
  CHECK(parsed["route"].get<std::string>().size() <= api::log_field_bytes_max);
}

TEST_CASE("metrics are labelled by route template, so distinct paths cannot grow them",
          "[front-door]") {
  TestNode node(unlimited_rate());
  api::HttpsClient client(node.client_options());
  for (int i = 0; i < 300; ++i) {
    REQUIRE(client.request("GET", "/unknown/" + std::to_string(i)).ok());
  }
  REQUIRE(client.request("GET", "/v1/ledger/entries/0").ok());
  REQUIRE(client.request("GET", "/v1/ledger/entries/1").ok());
  REQUIRE(client.request("GET", "/v1/query/nothing").ok());
  // A quote in a path: percent-decoding is not ours, but a raw '"' is printable ASCII.
  CHECK(status_of(exchange(node.port(), get("/a\"b"))) == 404);
  Result<api::HttpResponse> metrics = client.request("GET", "/metrics");
  REQUIRE(metrics.ok());
  const std::string& text = metrics->body;
  CHECK(text.find("route=\"other\",outcome=\"not_found\"} 301") != std::string::npos);
  CHECK(text.find("route=\"/v1/ledger/entries/{i}\",outcome=\"forbidden\"} 2") !=
        std::string::npos);
  CHECK(text.find("/unknown/") == std::string::npos);
  CHECK(text.find("a\"b") == std::string::npos);
  CHECK(text.size() < 4096);
  // Every sample line has the Prometheus form name{label="…",…} value.
  std::size_t samples = 0;
  for (std::size_t at = 0; (at = text.find("innoclear_requests_total{", at)) != std::string::npos;
       ++at) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    CHECK(line.find("\"} ") != std::string::npos);
    ++samples;
  }
  CHECK(samples >= 3);
}

TEST_CASE("refusals beyond the log's budget are summed up, not written one by one",
          "[front-door]") {
  TestNode node(unlimited_rate());
  api::HttpsClient client(node.client_options());
  for (int i = 0; i < 100; ++i) REQUIRE(client.request("GET", "/missing").ok());
  CHECK(node.log_lines_with("\"route\":\"/missing\"").size() <=
        api::failure_log_lines_per_second_max * 2);  // the 100 may span two seconds
  // The next refusal a second later first reports how many were left out.
  std::this_thread::sleep_for(1100ms);
  REQUIRE(client.request("GET", "/missing").ok());
  CHECK_FALSE(node.log_lines_with("\"suppressed\":").empty());
}

TEST_CASE("every byte in a path, a header or a body is answered with a 4xx and writes nothing",
          "[front-door]") {
  TestNode node(unlimited_rate());
  const std::uint64_t size = node.ledger_size();
  const nodes::SignedStatement apply =
      node.sign(node.enterprise_key(), TestNode::enterprise, "voucher.apply",
                {{"application_id", "A1"}, {"category", "testing@"}, {"face", 500'000}});
  const std::size_t marker = apply.bytes.find('@');
  REQUIRE(marker != std::string::npos);
  for (int value = 0; value < 256; ++value) {
    const char byte = static_cast<char>(value);
    INFO("byte " << value);
    const std::string with_byte = std::string("a") + byte + "z";
    const unsigned path = status_of(exchange(node.port(), get("/" + with_byte)));
    CHECK(path / 100 == 4);
    const unsigned header = status_of(
        exchange(node.port(), post("/v1/voucher/apply", "{}", "X-Test: " + with_byte + "\r\n")));
    CHECK(header / 100 == 4);
    const unsigned raw_body = status_of(
        exchange(node.port(), post("/v1/voucher/apply", "{\"actor\":\"" + with_byte + "\"}",
                                   "Innoclear-Signature: AA==\r\n")));
    CHECK(raw_body / 100 == 4);
    // Inside a string value of a statement its actor really signed.
    std::string statement = apply.bytes;
    statement[marker] = byte;
    const std::string signature = crypto::base64_encode(node.enterprise_key().sign(statement));
    const unsigned signed_body =
        status_of(exchange(node.port(), post("/v1/voucher/apply", statement,
                                             "Innoclear-Signature: " + signature + "\r\n")));
    CHECK(signed_body / 100 == 4);
    // A peer batch carrying the byte (this node has no federation: refused before any parsing).
    const unsigned peer =
        status_of(exchange(node.port(), post("/v1/peer/requests",
                                             "{\"requests\":[{\"kind\":\"" + with_byte + "\"}]}")));
    CHECK(peer / 100 == 4);
  }
  CHECK(status_of(exchange(node.port(), get("/v1/health"))) == 200);
  CHECK(node.ledger_size() == size);
  for (const std::string& line : node.log_lines()) CHECK(is_valid_utf8(line));
}
