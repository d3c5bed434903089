// docs/formats.md's examples, executed: a Beijing node behind its HTTPS API is sent every example
// request of the document, in document order, and must give the answer the document shows.
//
// An example is a fenced block with info string `example`, followed (after optional prose) by one
// with info string `answer`; the document's section "Examples, executed" describes both. A failing
// example is reported with its line in docs/formats.md.
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "api/host.h"
#include "api/https.h"
#include "api/routes.h"
#include "clearing/kinds.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "nodes/data_dir.h"
#include "nodes/node.h"
#include "nodes/service.h"
#include "tests/support/temp_dir.h"

using namespace innoclear;
using nlohmann::json;

namespace {

// The node's clock while the examples run (2026-03-02 08:00 in Asia/Shanghai); the document
// states it.
constexpr std::int64_t example_clock_ms = 1'772'409'600'000;
constexpr std::string_view any_value = "…";
constexpr std::string_view key_placeholder = "<key of ";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string trim(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

struct Example {
  int line = 0;  // of the example's opening fence, 1-based
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // actor, nonce, time, region
  std::string body;                            // JSON text; empty for none
  unsigned status = 0;
  std::string pattern;  // after the status line; empty: only the status is checked
};

struct Parsed {
  std::vector<Example> examples;
  std::vector<std::string> errors;  // "formats.md:LINE: what is wrong"
};

std::string where(int line) { return "docs/formats.md:" + std::to_string(line) + ": "; }

// Reads the lines of a fenced block opened at lines[open]; returns the index of its closing fence,
// or lines.size() when it is not closed.
std::size_t block_lines(const std::vector<std::string>& lines, std::size_t open,
                        std::vector<std::string>& content) {
  std::size_t i = open + 1;
  for (; i < lines.size() && lines[i].rfind("```", 0) != 0; ++i) content.push_back(lines[i]);
  return i;
}

// Reads an example's request: the request line, headers, then the body. False, with the error,
// when there is no request line; a line that is neither a header nor the body is an error too,
// and sets `bad_header`.
bool read_request(const std::vector<std::string>& request, Example& example, bool& bad_header,
                  std::vector<std::string>& errors) {
  std::size_t at = 0;
  while (at < request.size() && trim(request[at]).empty()) ++at;
  const std::string request_line = at < request.size() ? trim(request[at++]) : "";
  const std::size_t space = request_line.find(' ');
  if (space == std::string::npos) {
    errors.push_back(where(example.line) + "the example needs a line 'METHOD /path'");
    return false;
  }
  example.method = request_line.substr(0, space);
  example.target = trim(request_line.substr(space + 1));
  for (; at < request.size(); ++at) {
    const std::string line = trim(request[at]);
    if (line.empty()) continue;
    if (line[0] == '{' || line[0] == '[') break;
    const std::size_t colon = line.find(':');
    const std::string name = colon == std::string::npos ? line : line.substr(0, colon);
    if (colon == std::string::npos ||
        (name != "actor" && name != "nonce" && name != "time" && name != "region")) {
      errors.push_back(where(example.line + 1 + static_cast<int>(at)) +
                       "not a header (actor, nonce, time, region) nor a JSON body: " + line);
      bad_header = true;
      break;
    }
    example.headers[name] = trim(line.substr(colon + 1));
  }
  for (; at < request.size(); ++at) example.body += request[at] + "\n";
  example.body = trim(example.body);
  return true;
}

// Reads the answer: the next fenced block after the example's, closed at lines[i], after optional
// prose; moves `i` to the answer's closing fence. False, with the error, when there is no answer
// block or it does not start with the status.
bool read_answer(const std::vector<std::string>& lines, std::size_t& i, Example& example,
                 std::vector<std::string>& errors) {
  std::size_t answer = i + 1;
  while (answer < lines.size() && lines[answer].rfind("```", 0) != 0) ++answer;
  if (answer >= lines.size() || lines[answer] != "```answer") {
    errors.push_back(where(example.line) + "the example is not followed by an answer block");
    return false;
  }
  std::vector<std::string> reply;
  i = block_lines(lines, answer, reply);
  const int answer_line = static_cast<int>(answer + 1);
  if (reply.empty() || trim(reply[0]).empty() ||
      trim(reply[0]).find_first_not_of("0123456789") != std::string::npos ||
      trim(reply[0]).size() != 3) {
    errors.push_back(where(answer_line) + "an answer starts with the HTTP status, e.g. 200");
    return false;
  }
  example.status = static_cast<unsigned>(std::stoul(trim(reply[0])));
  for (std::size_t r = 1; r < reply.size(); ++r) example.pattern += reply[r] + "\n";
  // Trailing newlines are the block's, not the answer's.
  while (!example.pattern.empty() && example.pattern.back() == '\n') example.pattern.pop_back();
  return true;
}

Parsed parse_examples(const std::string& text) {
  Parsed parsed;
  const std::vector<std::string> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == "```answer") {
      parsed.errors.push_back(where(static_cast<int>(i + 1)) +
                              "an answer block without an example");
      std::vector<std::string> ignored;
      i = block_lines(lines, i, ignored);
      continue;
    }
    if (lines[i].rfind("```", 0) == 0 && lines[i] != "```example") {
      std::vector<std::string> ignored;  // another fenced block: skip it whole
      i = block_lines(lines, i, ignored);
      continue;
    }
    if (lines[i] != "```example") continue;
    Example example;
    example.line = static_cast<int>(i + 1);
    std::vector<std::string> request;
    i = block_lines(lines, i, request);
    if (i >= lines.size()) {
      parsed.errors.push_back(where(example.line) + "the example block is not closed");
      break;
    }
    bool bad_header = false;
    if (!read_request(request, example, bad_header, parsed.errors)) continue;
    if (!read_answer(lines, i, example, parsed.errors)) continue;
    if (!bad_header) parsed.examples.push_back(std::move(example));
  }
  return parsed;
}

// Whether `actual` matches `pattern`: every key of a pattern object is present with a matching
// value (other keys may be present too), arrays match element by element and in length, the
// string "…" matches any value, and anything else must be equal. `why` names the first mismatch.
bool matches(const json& pattern, const json& actual, const std::string& at, std::string& why) {
  if (pattern.is_string() && pattern.get_ref<const std::string&>() == any_value) return true;
  if (pattern.is_object()) {
    if (!actual.is_object()) {
      why = at + ": expected an object, got " + actual.dump();
      return false;
    }
    for (const auto& [key, value] : pattern.items()) {
      const auto found = actual.find(key);
      if (found == actual.end()) {
        why = at + "." + key + ": missing";
        return false;
      }
      if (!matches(value, *found, at + "." + key, why)) return false;
    }
    return true;
  }
  if (pattern.is_array()) {
    if (!actual.is_array() || actual.size() != pattern.size()) {
      why = at + ": expected an array of " + std::to_string(pattern.size()) + ", got " +
            actual.dump();
      return false;
    }
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (!matches(pattern[i], actual[i], at + "[" + std::to_string(i) + "]", why)) return false;
    }
    return true;
  }
  if (pattern != actual) {
    why = at + ": expected " + pattern.dump() + ", got " + actual.dump();
    return false;
  }
  return true;
}

// A line of text against a pattern line in which "…" stands for any run of characters.
bool line_matches(const std::string& pattern, const std::string& line) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (true) {
    const std::size_t found = pattern.find(any_value, start);
    pieces.push_back(
        pattern.substr(start, found == std::string::npos ? std::string::npos : found - start));
    if (found == std::string::npos) break;
    start = found + any_value.size();
  }
  if (pieces.size() == 1) return pattern == line;
  if (line.compare(0, pieces.front().size(), pieces.front()) != 0) return false;
  std::size_t at = pieces.front().size();
  for (std::size_t i = 1; i + 1 < pieces.size(); ++i) {
    const std::size_t found = line.find(pieces[i], at);
    if (found == std::string::npos) return false;
    at = found + pieces[i].size();
  }
  const std::string& last = pieces.back();
  return line.size() >= at + last.size() &&
         line.compare(line.size() - last.size(), last.size(), last) == 0;
}

// The answer's body against the pattern: JSON if the pattern is JSON, else text line by line.
bool answer_matches(const std::string& pattern, const std::string& body, std::string& why) {
  if (pattern.empty()) return true;
  const json expected = json::parse(pattern, nullptr, false);
  if (!expected.is_discarded()) {
    const json actual = json::parse(body, nullptr, false);
    if (actual.is_discarded()) {
      why = "the answer is not JSON: " + body;
      return false;
    }
    return matches(expected, actual, "answer", why);
  }
  std::vector<std::string> want = split_lines(pattern);
  std::string text = body;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::vector<std::string> got = split_lines(text);
  if (want.size() != got.size()) {
    why = "expected " + std::to_string(want.size()) + " lines, got " + std::to_string(got.size());
    return false;
  }
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!line_matches(want[i], got[i])) {
      why = "line " + std::to_string(i + 1) + ": expected '" + want[i] + "', got '" + got[i] + "'";
      return false;
    }
  }
  return true;
}

// The examples' actors' keys: the office's from the data directory, the node's, and for anyone
// else the key whose seed is SHA-256 of the actor's id.
class Keys {
 public:
  Keys(crypto::KeyPair office, crypto::KeyPair node) {
    keys_.emplace("office.BJ", std::move(office));
    keys_.emplace("node.BJ", std::move(node));
  }
  const crypto::KeyPair& of(const std::string& actor) {
    auto found = keys_.find(actor);
    if (found == keys_.end()) {
      const crypto::Hash seed = crypto::sha256(actor);
      found = keys_.emplace(actor, crypto::KeyPair::from_seed(seed)).first;
    }
    return found->second;
  }
  // `text` with every "<key of ACTOR>" replaced by ACTOR's base64 public key.
  std::string substitute(std::string text) {
    for (std::size_t at = text.find(key_placeholder); at != std::string::npos;
         at = text.find(key_placeholder, at)) {
      const std::size_t end = text.find('>', at);
      if (end == std::string::npos) break;
      const std::string actor =
          text.substr(at + key_placeholder.size(), end - at - key_placeholder.size());
      const std::string key = crypto::encode_public_key(of(actor).public_key());
      text.replace(at, end - at + 1, key);
      at += key.size();
    }
    return text;
  }

 private:
  std::map<std::string, crypto::KeyPair> keys_;
};

// A Beijing node behind its HTTPS API, with nothing recorded but its genesis.
struct ExampleNode {
  testing::TempDir dir{"formats"};
  std::atomic<std::int64_t> now_ms{example_clock_ms};
  std::unique_ptr<nodes::Node> node;
  nodes::Service* service = nullptr;
  std::unique_ptr<api::Host> server;
  std::unique_ptr<api::HttpsClient> client;
  std::unique_ptr<Keys> keys;

  ExampleNode() {
    const nodes::DataDir data{dir.path() / "BJ"};
    REQUIRE(nodes::init_data_dir(data, clearing::Region::BJ).ok());
    Result<crypto::KeyPair> office = crypto::KeyPair::load(data.office_key_file());
    Result<crypto::KeyPair> node_key = crypto::KeyPair::load(data.key_file());
    REQUIRE(office.ok());
    REQUIRE(node_key.ok());
    keys = std::make_unique<Keys>(std::move(*office), std::move(*node_key));
    nodes::NodeOptions node_options;
    node_options.service = {data, [this] { return now_ms.load(); }, 1000, std::size_t{1} << 30};
    node_options.checkpoint_interval_ms = 0;  // the examples sign one where the document says so
    Result<std::unique_ptr<nodes::Node>> opened = nodes::Node::open(node_options);
    REQUIRE(opened.ok());
    node = std::move(*opened);
    service = &node->service();
    api::HostOptions options;
    options.request_log = [](const std::string&) {};
    Result<std::unique_ptr<api::Host>> started = api::Host::start(*node, options);
    REQUIRE(started.ok());
    server = std::move(*started);
    api::ClientOptions client_options;
    client_options.port = server->port();
    client_options.server_certificate_fingerprint = service->identity().tls_fingerprint;
    client = std::make_unique<api::HttpsClient>(client_options);
  }
  ~ExampleNode() { server->stop(); }

  // Sends one example; empty if the answer matched, else what went wrong.
  std::string run(const Example& example, int number) {
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    if (example.method == "POST") {
      const std::string path = example.target.substr(0, example.target.find('?'));
      const clearing::Kind* kind = clearing::kind_at_route(path);
      if (kind == nullptr) return "no kind is posted at " + path;
      const auto actor = example.headers.find("actor");
      if (actor == example.headers.end()) return "a POST example needs 'actor:'";
      const json statement_body = example.body.empty()
                                      ? json::object()
                                      : json::parse(keys->substitute(example.body), nullptr, false);
      if (statement_body.is_discarded()) return "the body is not JSON";
      const auto given = [&](const std::string& name, const std::string& otherwise) {
        const auto found = example.headers.find(name);
        return found == example.headers.end() ? otherwise : found->second;
      };
      const std::string time = given("time", std::to_string(now_ms.load()));
      if (time.empty() || time.find_first_not_of("0123456789") != std::string::npos) {
        return "'time:' must be milliseconds";
      }
      const nodes::SignedStatement signed_statement = nodes::sign_statement(
          keys->of(actor->second), actor->second, std::string(kind->name), statement_body,
          given("region", "BJ"), std::stoll(time), given("nonce", "doc-" + std::to_string(number)));
      body = signed_statement.bytes;
      headers.emplace_back("Innoclear-Signature", signed_statement.signature_base64);
    } else if (example.method == "GET") {
      if (!example.body.empty() || !example.headers.empty())
        return "a GET example has no headers or body";
      // A running node signs a checkpoint within about a second of a new entry.
      if (Result<std::string> signed_note = service->ledger().sign_checkpoint();
          !signed_note.ok()) {
        return "signing a checkpoint: " + signed_note.status().to_string();
      }
    } else {
      return "the method must be GET or POST";
    }
    Result<api::HttpResponse> response =
        client->request(example.method, example.target, body, headers);
    if (!response.ok()) return "no answer: " + response.status().to_string();
    std::string why;
    if (response->status != example.status) {
      why = "expected HTTP " + std::to_string(example.status) + ", got " +
            std::to_string(response->status);
    } else if (answer_matches(keys->substitute(example.pattern), response->body, why)) {
      return {};
    }
    return why + "\n  the answer was: " + response->body;
  }
};

struct Outcome {
  std::size_t found = 0;
  std::size_t ran = 0;
  std::vector<std::string> failures;
};

// Runs the document's examples once per test process.
const Outcome& run_document() {
  static const Outcome outcome = [] {
    Outcome result;
    const std::string text = read_text(std::string(INNOCLEAR_SOURCE_DIR) + "/docs/formats.md");
    Parsed parsed = parse_examples(text);
    result.failures = parsed.errors;
    result.found = parsed.examples.size();
    ExampleNode node;
    int number = 0;
    for (const Example& example : parsed.examples) {
      const std::string failure = node.run(example, ++number);
      ++result.ran;
      if (!failure.empty()) {
        result.failures.push_back(where(example.line) + example.method + " " + example.target +
                                  ": " + failure);
      }
    }
    return result;
  }();
  return outcome;
}

}  // namespace

TEST_CASE("docs/formats.md: every example gets the answer the document shows", "[formats]") {
  const Outcome& outcome = run_document();
  for (const std::string& failure : outcome.failures) FAIL_CHECK(failure);
  CHECK(outcome.failures.empty());
}

TEST_CASE("docs/formats.md: at least 15 examples were found, and all of them ran", "[formats]") {
  const Outcome& outcome = run_document();
  CHECK(outcome.found >= 15);
  CHECK(outcome.ran == outcome.found);
}

TEST_CASE("docs/formats.md: the worked signature is the one the example's key makes", "[formats]") {
  // The block after "```signed": the actor, its public key, the statement's exact bytes, the
  // header.
  const std::vector<std::string> lines =
      split_lines(read_text(std::string(INNOCLEAR_SOURCE_DIR) + "/docs/formats.md"));
  std::size_t checked = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] != "```signed") continue;
    std::vector<std::string> block;
    block_lines(lines, i, block);
    INFO(where(static_cast<int>(i + 1)));
    REQUIRE(block.size() == 4);
    REQUIRE(block[0].rfind("actor: ", 0) == 0);
    REQUIRE(block[1].rfind("key: ", 0) == 0);
    REQUIRE(block[3].rfind("Innoclear-Signature: ", 0) == 0);
    const std::string actor = block[0].substr(7);
    const std::string& bytes = block[2];
    const crypto::Hash seed = crypto::sha256(actor);
    const crypto::KeyPair key = crypto::KeyPair::from_seed(seed);
    CHECK(crypto::encode_public_key(key.public_key()) == block[1].substr(5));
    CHECK(crypto::check_canonical(bytes).ok());
    Result<json> statement = crypto::parse_canonical(bytes);
    REQUIRE(statement.ok());
    CHECK((*statement)["actor"] == actor);
    CHECK(crypto::base64_encode(key.sign(bytes)) == block[3].substr(21));
    ++checked;
  }
  CHECK(checked >= 1);
}

TEST_CASE("docs/formats.md: the reasons table has every reason with its number and HTTP status",
          "[formats]") {
  // Rows "| 5002 | `over_face_cap` | 422 | meaning |".
  const std::vector<std::string> lines =
      split_lines(read_text(std::string(INNOCLEAR_SOURCE_DIR) + "/docs/formats.md"));
  std::set<int> documented;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::vector<std::string> cells;
    std::size_t at = 1;
    while (line.rfind("| ", 0) == 0 && at < line.size()) {
      const std::size_t end = line.find(" |", at);
      if (end == std::string::npos) break;
      cells.push_back(trim(line.substr(at, end - at)));
      at = end + 2;
    }
    if (cells.size() != 4 || cells[0].empty() ||
        cells[0].find_first_not_of("0123456789") != std::string::npos || cells[1].size() < 3 ||
        cells[1].front() != '`' || cells[1].back() != '`') {
      continue;
    }
    INFO(where(static_cast<int>(i + 1)) << line);
    const int number = std::stoi(cells[0]);
    const std::optional<Code> code = code_from_number(number);
    REQUIRE(code.has_value());
    CHECK(code_name(*code) == cells[1].substr(1, cells[1].size() - 2));
    CHECK(std::to_string(api::http_status(*code)) == cells[2]);
    CHECK(documented.insert(number).second);
  }
  for (int number = 0; number <= UINT16_MAX; ++number) {
    if (!code_from_number(number)) continue;
    INFO("reason " << number << " (" << code_name(*code_from_number(number)) << ")");
    CHECK(documented.count(number) == 1);
  }
}

TEST_CASE("the examples' matcher: patterns, the wildcard, arrays and text", "[formats]") {
  std::string why;
  const json actual =
      json::parse(R"({"index":9,"replayed":false,"result":{"amount":240000,"list":[1,2]}})");
  CHECK(matches(json::parse(R"({"index":9})"), actual, "answer", why));
  CHECK(matches(json::parse(R"({"result":{"amount":"…","list":["…",2]}})"), actual, "answer", why));
  // A deliberately wrong pattern fails, and says where.
  CHECK_FALSE(matches(json::parse(R"({"result":{"amount":240001}})"), actual, "answer", why));
  CHECK(why.find("answer.result.amount") != std::string::npos);
  CHECK_FALSE(matches(json::parse(R"({"missing":"…"})"), actual, "answer", why));
  CHECK_FALSE(matches(json::parse(R"({"result":{"list":[1]}})"), actual, "answer", why));
  CHECK_FALSE(matches(json::parse(R"({"result":{"list":[1,2,3]}})"), actual, "answer", why));
  CHECK_FALSE(matches(json::parse(R"({"replayed":"false"})"), actual, "answer", why));
  CHECK_FALSE(matches(json::parse(R"({"result":[]})"), actual, "answer", why));
  CHECK(answer_matches("", "anything", why));
  CHECK(answer_matches("innoclear.BJ\n…\n\n— innoclear.BJ …",
                       "innoclear.BJ\n19\n\n— innoclear.BJ abc\n", why));
  CHECK_FALSE(answer_matches("innoclear.BJ\n18", "innoclear.BJ\n19\n", why));
  CHECK_FALSE(answer_matches("innoclear.BJ", "innoclear.BJ\n19\n", why));
  CHECK_FALSE(answer_matches(R"({"index":9})", "not json", why));
  CHECK(line_matches("a…b…c", "a-x-b-y-c"));
  CHECK_FALSE(line_matches("a…b…c", "a-x-c-y-b"));
  CHECK_FALSE(line_matches("ab…ba", "aba"));
}

TEST_CASE("the examples' reader: an example needs its answer", "[formats]") {
  const Parsed good = parse_examples(
      "text\n```example\nPOST /v1/voucher/apply\nactor: "
      "X\n{\"a\":1}\n```\nprose\n```answer\n200\n{\"index\":1}\n```\n");
  REQUIRE(good.errors.empty());
  REQUIRE(good.examples.size() == 1);
  CHECK(good.examples[0].line == 2);
  CHECK(good.examples[0].headers.at("actor") == "X");
  CHECK(good.examples[0].body == "{\"a\":1}");
  CHECK(good.examples[0].status == 200);
  CHECK(good.examples[0].pattern == "{\"index\":1}");
  const Parsed orphan = parse_examples("```example\nGET /v1/health\n```\n```json\n{}\n```\n");
  CHECK(orphan.examples.empty());
  CHECK(orphan.errors.size() == 1);
  const Parsed stray = parse_examples("```answer\n200\n```\n");
  CHECK(stray.errors.size() == 1);
}
