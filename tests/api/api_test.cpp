// A node's HTTPS API end to end: real TLS on 127.0.0.1, signed statements, problem+json refusals,
// and the authorisation matrix.
#include <atomic>
#include <catch2/catch.hpp>

#include "api/host.h"
#include "api/https.h"
#include "api/routes.h"
#include "clearing/credit_code.h"
#include "clearing/kinds.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "ledger/merkle.h"
#include "nodes/data_dir.h"
#include "nodes/node.h"
#include "nodes/service.h"
#include "tests/support/temp_dir.h"

using namespace innoclear;
using namespace innoclear::api;

namespace {

crypto::KeyPair seeded(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return crypto::KeyPair::from_seed(seed);
}
std::string public_of(const crypto::KeyPair& key) {
  return crypto::encode_public_key(key.public_key());
}

const std::string enterprise_a = "91110108M000100Y4Q";
const std::string enterprise_b = "91110000802100433B";
const std::string provider_a = "P-BJ-A";
const std::string provider_b = "P-BJ-B";
const std::string hash64(64, 'c');

// A valid unified social credit code made from a tag.
std::string fresh_credit_code(const std::string& tag) {
  std::string first =
      "91110000M" + std::string(7 - std::min<std::size_t>(7, tag.size()), '0') + tag.substr(0, 7);
  for (char& c : first) {
    if (c == 'T') c = '1';  // tags are "T<n>"; T is not in the alphabet's letters used here
  }
  return clearing::complete_credit_code(first);
}

struct Party {
  std::string id;
  crypto::KeyPair key;
};

// A Beijing node behind its HTTPS API, with two enterprises, two providers and a budget.
struct Api {
  testing::TempDir dir{"api"};
  std::atomic<std::int64_t> now_ms{1'790'000'000'000};
  std::unique_ptr<nodes::Node> node_;
  nodes::Service* service = nullptr;
  std::unique_ptr<Host> server;
  std::unique_ptr<HttpsClient> client;
  Party office{"office.BJ", seeded(1)};
  Party node{"node.BJ", seeded(1)};
  Party ent_a{enterprise_a, seeded(2)}, ent_b{enterprise_b, seeded(3)};
  Party prov_a{provider_a, seeded(4)}, prov_b{provider_b, seeded(5)};
  Party auditor{"AUD-BJ-0001", seeded(6)};  // registered by the tests that need one
  std::atomic<int> nonce{0};
  std::vector<std::string> log;
  std::mutex log_mutex;

  Api() {
    const nodes::DataDir data{dir.path() / "BJ"};
    REQUIRE(nodes::init_data_dir(data, clearing::Region::BJ).ok());
    office.key = std::move(*crypto::KeyPair::load(data.office_key_file()));
    node.key = std::move(*crypto::KeyPair::load(data.key_file()));
    nodes::NodeOptions node_options;
    node_options.service = {data, [this] { return now_ms.load(); }, 1000, std::size_t{1} << 30};
    node_options.checkpoint_interval_ms = 0;  // the tests sign checkpoints when they need one
    Result<std::unique_ptr<nodes::Node>> opened = nodes::Node::open(node_options);
    REQUIRE(opened.ok());
    node_ = std::move(*opened);
    service = &node_->service();
    HostOptions options;
    options.server.limits.read_timeout_ms = 2000;
    options.request_log = [this](const std::string& line) {
      std::lock_guard lock(log_mutex);
      log.push_back(line);
    };
    Result<std::unique_ptr<Host>> started = Host::start(*node_, options);
    REQUIRE(started.ok());
    server = std::move(*started);
    ClientOptions client_options;
    client_options.port = server->port();
    client_options.server_certificate_fingerprint = service->identity().tls_fingerprint;
    client = std::make_unique<HttpsClient>(client_options);
    for (const Party* p : {&ent_a, &ent_b}) {
      REQUIRE(ok(send(office, "actor.register",
                      {{"id", p->id},
                       {"key", public_of(p->key)},
                       {"name", "enterprise"},
                       {"role", "enterprise"}})));
    }
    for (const Party* p : {&prov_a, &prov_b}) {
      REQUIRE(ok(send(office, "actor.register",
                      {{"categories", {"testing"}},
                       {"id", p->id},
                       {"key", public_of(p->key)},
                       {"name", "lab"},
                       {"role", "provider"}})));
    }
    for (int year = 2026; year <= 2036; ++year) {  // the matrix moves the clock across years
      REQUIRE(ok(send(office, "budget.allocate", {{"amount", 1'000'000'000}, {"year", year}})));
    }
    REQUIRE(ok(send(office, "policy.set",
                    {{"accepted_regions", {"BJ"}},
                     {"categories", {"testing"}},
                     {"face_cap", 500'000},
                     {"ratio_bp", 5'000},
                     {"validity_days", 365},
                     {"yearly_amount_max", 100'000'000},
                     {"yearly_count_max", 200}})));
  }
  ~Api() { server->stop(); }

  HttpResponse post(const std::string& target, const std::string& bytes,
                    const std::string& signature) {
    Result<HttpResponse> response =
        client->request("POST", target, bytes, {{"Innoclear-Signature", signature}});
    REQUIRE(response.ok());
    return *response;
  }
  // The route of a kind (clearing::route_of), also for kinds that have none, to show they are
  // refused.
  static std::string route_of(const std::string& kind) {
    const clearing::Kind* known = clearing::find_kind(kind);
    if (known != nullptr && known->poster == clearing::Poster::client)
      return clearing::route_of(*known);
    std::string path = kind;
    std::replace(path.begin(), path.end(), '.', '/');
    return "/v1/" + path;
  }
  HttpResponse send(const Party& who, const std::string& kind, const nlohmann::json& body,
                    const std::string& region = "BJ") {
    const nodes::SignedStatement s = nodes::sign_statement(who.key, who.id, kind, body, region,
                                                           now_ms, "n" + std::to_string(nonce++));
    return post(route_of(kind), s.bytes, s.signature_base64);
  }
  static bool ok(const HttpResponse& response) { return response.status == 200; }
  static std::string code_of(const HttpResponse& response) {
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    return body.is_object() ? body.value("title", "") : "";
  }
  static nlohmann::json result_of(const HttpResponse& response) {
    return nlohmann::json::parse(response.body)["result"];
  }

  void register_auditor() {
    REQUIRE(ok(send(office, "actor.register",
                    {{"id", auditor.id},
                     {"key", public_of(auditor.key)},
                     {"name", "Beijing Audit Bureau"},
                     {"role", "auditor"}})));
  }
  HttpResponse read_entry(const Party& who, std::uint64_t index) {
    return send(who, "query.entry", {{"index", index}});
  }

  std::string issue_voucher(const Party& enterprise, const std::string& tag) {
    REQUIRE(ok(send(enterprise, "voucher.apply",
                    {{"application_id", tag}, {"category", "testing"}, {"face", 500'000}})));
    HttpResponse approved =
        send(office, "voucher.approve", {{"application_id", tag}, {"enterprise", enterprise.id}});
    REQUIRE(ok(approved));
    return result_of(approved)["voucher"]["id"].get<std::string>();
  }
  void confirmed_receipt(const Party& provider, const Party& enterprise, const std::string& tag) {
    REQUIRE(ok(send(provider, "receipt.record",
                    {{"category", "testing"},
                     {"contract_sha256", hash64},
                     {"enterprise", enterprise.id},
                     {"invoice_sha256", hash64},
                     {"paid", 800'000},
                     {"payment_ref", "B" + tag},
                     {"payment_sha256", hash64},
                     {"price", 800'000},
                     {"receipt_id", tag}})));
    REQUIRE(
        ok(send(enterprise, "receipt.confirm", {{"provider", provider.id}, {"receipt_id", tag}})));
  }
};

}  // namespace

TEST_CASE("a statement over HTTPS is recorded and answered with its entry", "[api]") {
  Api api;
  const std::string voucher = api.issue_voucher(api.ent_a, "A1");
  api.confirmed_receipt(api.prov_a, api.ent_a, "R1");
  HttpResponse redeemed =
      api.send(api.ent_a, "voucher.redeem",
               {{"provider", provider_a}, {"receipt_id", "R1"}, {"voucher_id", voucher}});
  REQUIRE(redeemed.status == 200);
  CHECK(Api::result_of(redeemed)["amount"] == 400'000);
  Result<HttpResponse> health = api.client->request("GET", "/v1/health");
  REQUIRE(health.ok());
  CHECK(health->body.find("\"status\":\"ok\"") != std::string::npos);
  Result<HttpResponse> metrics = api.client->request("GET", "/metrics");
  REQUIRE(metrics.ok());
  CHECK(metrics->body.find(
            "innoclear_requests_total{route=\"/v1/voucher/redeem\",outcome=\"ok\"} 1") !=
        std::string::npos);
  CHECK(metrics->body.find("innoclear_ledger_size") != std::string::npos);
  std::lock_guard lock(api.log_mutex);
  bool logged_redeem = false;
  for (const auto& line : api.log) {
    if (line.find("\"route\":\"/v1/voucher/redeem\"") != std::string::npos &&
        line.find("\"actor\":\"" + enterprise_a + "\"") != std::string::npos) {
      logged_redeem = true;
    }
  }
  CHECK(logged_redeem);
}

TEST_CASE("public ledger reads: checkpoint and proofs, but no entries", "[api]") {
  Api api;
  REQUIRE(api.service->ledger().sign_checkpoint().ok());
  Result<HttpResponse> checkpoint = api.client->request("GET", "/v1/ledger/checkpoint");
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->body.rfind("innoclear.BJ\n17\n", 0) == 0);
  for (const std::string target : {"/v1/ledger/entries/0", "/v1/ledger/entries/1",
                                   "/v1/ledger/entries/99", "/v1/ledger/entries"}) {
    INFO(target);
    Result<HttpResponse> entry = api.client->request("GET", target);
    REQUIRE(entry.ok());
    CHECK(entry->status == 403);
    CHECK(Api::code_of(*entry) == "forbidden");
    CHECK(entry->body.find(enterprise_a) == std::string::npos);
  }
  Result<HttpResponse> inclusion =
      api.client->request("GET", "/v1/ledger/proof/inclusion?index=2&size=17");
  REQUIRE(inclusion.ok());
  CHECK(inclusion->status == 200);
  CHECK(inclusion->body.rfind("{\"index\":2,\"tree_size\":17,\"leaf_hash\":", 0) == 0);
  Result<HttpResponse> consistency =
      api.client->request("GET", "/v1/ledger/proof/consistency?from=3&to=17");
  REQUIRE(consistency.ok());
  CHECK(consistency->body.rfind("{\"from\":3,\"to\":17,\"hashes\":[", 0) == 0);
  CHECK(api.client->request("GET", "/v1/ledger/proof/consistency?from=18&to=17")->status == 400);
}

TEST_CASE("bad input is refused with its reason as problem+json and records nothing", "[api]") {
  Api api;
  const std::uint64_t size = api.service->ledger().size();
  const auto refused = [&](const std::string& bytes, const std::string& signature) {
    HttpResponse response = api.post("/v1/voucher/apply", bytes, signature);
    CHECK(response.content_type == "application/problem+json");
    return Api::code_of(response);
  };
  const auto signed_raw = [&](const std::string& bytes) {
    return crypto::base64_encode(api.ent_a.key.sign(bytes));
  };
  const std::string head = "{\"actor\":\"" + enterprise_a + "\",\"body\":";
  const std::string tail =
      ",\"kind\":\"voucher.apply\",\"nonce\":\"x1\",\"region\":\"BJ\",\"time\":" +
      std::to_string(api.now_ms.load()) + "}";
  const auto body = [&](const std::string& inner) { return head + inner + tail; };
  const std::string good_inner =
      "{\"application_id\":\"A\",\"category\":\"testing\",\"face\":1000}";

  CHECK(refused(body("{\"application_id\":\"A\",\"application_id\":\"B\",\"category\":\"testing\","
                     "\"face\":1}"),
                signed_raw("x")) == "json_duplicate_key");
  CHECK(refused(body("{\"application_id\":\"A\",\"category\":\"testing\",\"face\":1.5}"),
                signed_raw("x")) == "json_float");
  CHECK(refused(body(good_inner).insert(1, " "), signed_raw("x")) == "json_whitespace");
  CHECK(
      refused(
          body("{\"application_id\":\"A\",\"category\":\"testing\",\"face\":99999999999999999999}"),
          signed_raw("x")) == "json_integer_out_of_range");
  std::string deep = "1";
  for (int i = 0; i < 40; ++i) deep = "[" + deep + "]";
  CHECK(refused(body("{\"x\":" + deep + "}"), signed_raw("x")) == "json_too_deep");
  for (const char* amount : {"0", "-100"}) {
    const std::string bytes = body(
        std::string("{\"application_id\":\"A\",\"category\":\"testing\",\"face\":") + amount + "}");
    CHECK(refused(bytes, signed_raw(bytes)) == "amount_invalid");
  }
  for (const char* amount : {"500001", "9223372036854775807"}) {
    const std::string bytes = body(
        std::string("{\"application_id\":\"A\",\"category\":\"testing\",\"face\":") + amount + "}");
    CHECK(refused(bytes, signed_raw(bytes)) == "over_face_cap");
  }
  const std::string good = body(good_inner);
  CHECK(refused(good, crypto::base64_encode(api.ent_b.key.sign(good))) == "bad_signature");
  CHECK(refused(good, "not base64") == "bad_signature");
  CHECK(Api::code_of(api.client->request("POST", "/v1/voucher/apply", good).value()) ==
        "bad_signature");
  api.now_ms += 301'000;
  CHECK(refused(good, signed_raw(good)) == "stale_time");
  api.now_ms -= 602'000;
  CHECK(refused(good, signed_raw(good)) == "stale_time");
  api.now_ms += 301'000;
  CHECK(api.service->ledger().size() == size);
  // Accepted once, then the same nonce returns the original; other content conflicts.
  HttpResponse first = api.post("/v1/voucher/apply", good, signed_raw(good));
  REQUIRE(first.status == 200);
  HttpResponse again = api.post("/v1/voucher/apply", good, signed_raw(good));
  CHECK(again.status == 200);
  CHECK(nlohmann::json::parse(again.body)["replayed"] == true);
  const std::string changed =
      body("{\"application_id\":\"B\",\"category\":\"testing\",\"face\":1000}");
  CHECK(refused(changed, signed_raw(changed)) == "nonce_conflict");
  // A statement of another kind than the route serves.
  CHECK(Api::code_of(api.post("/v1/voucher/redeem", good, signed_raw(good))) == "bad_statement");
}

TEST_CASE("unknown and revoked keys are refused", "[api]") {
  Api api;
  const Party stranger{"91110108MA01ABCD5T", seeded(9)};
  CHECK(Api::code_of(api.send(stranger, "voucher.apply",
                              {{"application_id", "A"}, {"category", "testing"}, {"face", 1}})) ==
        "unknown_actor");
  REQUIRE(Api::ok(api.send(api.office, "actor.rotate_key",
                           {{"id", enterprise_a}, {"key", public_of(seeded(8))}})));
  CHECK(Api::code_of(api.send(api.ent_a, "voucher.apply",
                              {{"application_id", "A"}, {"category", "testing"}, {"face", 1}})) ==
        "key_revoked");
  REQUIRE(Api::ok(api.send(api.office, "actor.revoke", {{"id", enterprise_b}})));
  CHECK(Api::code_of(api.send(api.ent_b, "voucher.apply",
                              {{"application_id", "A"}, {"category", "testing"}, {"face", 1}})) ==
        "actor_revoked");
}

namespace {

// A cell of the authorisation matrix: a kind, the role allowed to post it, and a body acting on
// `own` (enterprise A / provider A) or on another party's objects (enterprise B / provider B);
// fresh objects are prepared per cell. "Another party": for a kind that names objects (a voucher,
// a receipt), the objects are another party's; for one that only creates the actor's own, the
// statement names another party as its actor (signed with the caller's key).
struct Cell {
  std::string kind;
  std::string role;  // the allowed roles, separated by spaces
  std::function<nlohmann::json(Api&, bool own, const std::string& tag)> body;
  bool names_objects = true;
};

std::string voucher_for(Api& a, bool own, const std::string& tag) {
  return a.issue_voucher(own ? a.ent_a : a.ent_b, tag);
}

// The cells of the kinds enterprises and providers post.
std::vector<Cell> party_cells() {
  return {
      {"voucher.apply", "enterprise",
       [](Api&, bool, const std::string& tag) {
         return nlohmann::json{{"application_id", tag}, {"category", "testing"}, {"face", 1000}};
       },
       false},
      {"receipt.confirm", "enterprise",
       [](Api& a, bool own, const std::string& tag) {
         REQUIRE(Api::ok(a.send(a.prov_a, "receipt.record",
                                {{"category", "testing"},
                                 {"contract_sha256", hash64},
                                 {"enterprise", own ? enterprise_a : enterprise_b},
                                 {"invoice_sha256", hash64},
                                 {"paid", 1000},
                                 {"payment_ref", "B"},
                                 {"payment_sha256", hash64},
                                 {"price", 1000},
                                 {"receipt_id", tag}})));
         return nlohmann::json{{"provider", provider_a}, {"receipt_id", tag}};
       }},
      {"voucher.redeem", "enterprise",
       [](Api& a, bool own, const std::string& tag) {
         const std::string voucher = voucher_for(a, own, tag);
         a.confirmed_receipt(a.prov_a, own ? a.ent_a : a.ent_b, tag);
         return nlohmann::json{
             {"provider", provider_a}, {"receipt_id", tag}, {"voucher_id", voucher}};
       }},
      {"voucher.assign", "enterprise",
       [](Api& a, bool own, const std::string& tag) {
         return nlohmann::json{{"provider", provider_a}, {"voucher_id", voucher_for(a, own, tag)}};
       }},
      {"voucher.provider_redeem", "provider",
       [](Api& a, bool own, const std::string& tag) {
         const std::string voucher = voucher_for(a, true, tag);
         REQUIRE(Api::ok(
             a.send(a.ent_a, "voucher.assign",
                    {{"provider", own ? provider_a : provider_b}, {"voucher_id", voucher}})));
         a.confirmed_receipt(a.prov_a, a.ent_a, tag);
         return nlohmann::json{{"receipt_id", tag}, {"voucher_id", voucher}};
       }},
      {"feedback.rate", "enterprise",
       [](Api& a, bool own, const std::string& tag) {
         const Party& who = own ? a.ent_a : a.ent_b;
         const std::string voucher = a.issue_voucher(who, tag);
         a.confirmed_receipt(a.prov_a, who, tag);
         REQUIRE(Api::ok(
             a.send(who, "voucher.redeem",
                    {{"provider", provider_a}, {"receipt_id", tag}, {"voucher_id", voucher}})));
         return nlohmann::json{{"rating", 4}, {"voucher_id", voucher}};
       }},
      {"receipt.record", "provider",
       [](Api&, bool, const std::string& tag) {
         return nlohmann::json{{"category", "testing"},
                               {"contract_sha256", hash64},
                               {"enterprise", enterprise_a},
                               {"invoice_sha256", hash64},
                               {"paid", 1000},
                               {"payment_ref", "B"},
                               {"payment_sha256", hash64},
                               {"price", 1000},
                               {"receipt_id", tag}};
       },
       false},
  };
}

// The cells of the kinds the portal added: a provider's services, messages to the office.
std::vector<Cell> portal_cells() {
  return {
      {"service.publish", "provider",
       [](Api&, bool, const std::string& tag) {
         return nlohmann::json{{"capacity", 5},     {"category", "testing"}, {"price", 1000},
                               {"service_id", tag}, {"state", "offered"},    {"title", "a test"}};
       },
       false},
      {"message.post", "enterprise provider",
       [](Api&, bool, const std::string& tag) {
         return nlohmann::json{{"message_id", tag}, {"subject", "s"}, {"text", "t"}};
       },
       false},
  };
}

// Whether `role` is one of the cell's allowed roles.
bool allows(const Cell& cell, const std::string& role) {
  return (" " + cell.role + " ").find(" " + role + " ") != std::string::npos;
}

// The cells of the kinds the office posts on money and vouchers.
std::vector<Cell> office_money_cells() {
  return {
      {"budget.allocate", "office",
       [](Api&, bool, const std::string&) {
         return nlohmann::json{{"amount", 100}, {"year", 2027}};
       },
       false},
      {"voucher.approve", "office",
       [](Api& a, bool, const std::string& tag) {
         REQUIRE(
             Api::ok(a.send(a.ent_a, "voucher.apply",
                            {{"application_id", tag}, {"category", "testing"}, {"face", 1000}})));
         return nlohmann::json{{"application_id", tag}, {"enterprise", enterprise_a}};
       },
       false},
      {"payout.record", "office",
       [](Api& a, bool, const std::string& tag) {
         const std::string voucher = a.issue_voucher(a.ent_a, tag);
         a.confirmed_receipt(a.prov_a, a.ent_a, tag);
         REQUIRE(Api::ok(
             a.send(a.ent_a, "voucher.redeem",
                    {{"provider", provider_a}, {"receipt_id", tag}, {"voucher_id", voucher}})));
         return nlohmann::json{{"bank_ref", "PAY"}, {"voucher_id", voucher}};
       },
       false},
  };
}

// The cells of the kinds the office posts on its registry and policy. `tag_counter` counts the
// cells run so far: each key rotation is to a key not used before.
std::vector<Cell> office_registry_cells(const int& tag_counter) {
  return {
      {"actor.register", "office",
       [](Api&, bool, const std::string& tag) {
         return nlohmann::json{{"id", fresh_credit_code(tag)},
                               {"key", public_of(seeded(20))},
                               {"name", "new enterprise"},
                               {"role", "enterprise"}};
       },
       false},
      {"actor.rotate_key", "office",
       [&tag_counter](Api&, bool, const std::string&) {
         return nlohmann::json{
             {"id", provider_b},
             {"key", public_of(seeded(static_cast<std::uint8_t>(100 + tag_counter)))}};
       },
       false},
      {"actor.revoke", "office",
       [](Api& a, bool, const std::string& tag) {
         REQUIRE(Api::ok(a.send(a.office, "actor.register",
                                {{"id", fresh_credit_code(tag)},
                                 {"key", public_of(seeded(21))},
                                 {"name", "to revoke"},
                                 {"role", "enterprise"}})));
         return nlohmann::json{{"id", fresh_credit_code(tag)}};
       },
       false},
      {"policy.set", "office",
       [](Api&, bool, const std::string&) {
         return nlohmann::json{{"accepted_regions", {"BJ"}}, {"categories", {"testing"}},
                               {"face_cap", 500'000},        {"ratio_bp", 5'000},
                               {"validity_days", 365},       {"yearly_amount_max", 100'000'000},
                               {"yearly_count_max", 200}};
       },
       false},
      {"voucher.refuse", "office",
       [](Api& a, bool, const std::string& tag) {
         REQUIRE(
             Api::ok(a.send(a.ent_a, "voucher.apply",
                            {{"application_id", tag}, {"category", "testing"}, {"face", 1000}})));
         return nlohmann::json{
             {"application_id", tag}, {"enterprise", enterprise_a}, {"reason", "incomplete"}};
       },
       false},
      {"voucher.revoke", "office",
       [](Api& a, bool, const std::string& tag) {
         return nlohmann::json{{"reason", "fraud"}, {"voucher_id", a.issue_voucher(a.ent_a, tag)}};
       },
       false},
  };
}

// Every cell, in the order the matrix runs them.
std::vector<Cell> matrix_cells(const int& tag_counter) {
  std::vector<Cell> cells = party_cells();
  for (Cell& cell : portal_cells()) cells.push_back(std::move(cell));
  for (Cell& cell : office_money_cells()) cells.push_back(std::move(cell));
  for (Cell& cell : office_registry_cells(tag_counter)) cells.push_back(std::move(cell));
  // Last, because it moves the clock past the vouchers' validity.
  cells.push_back({"voucher.expire", "office",
                   [](Api& a, bool, const std::string& tag) {
                     const std::string voucher = a.issue_voucher(a.ent_a, tag);
                     a.now_ms += 366LL * 86'400'000;
                     return nlohmann::json{{"voucher_id", voucher}};
                   },
                   false});
  return cells;
}

// Posts the cell's statement by `role` as `relation`; empty if it succeeded exactly when it
// should, else a line that says what happened.
std::string run_cell(Api& api, const Cell& cell, const std::string& role,
                     const std::string& relation, const std::string& tag) {
  const bool other_party = relation == "other party";
  // An auditor is refused for its role before the body is read: no voucher is spent on it.
  const bool auditor = role == "auditor";
  const nlohmann::json body = auditor ? nlohmann::json::object()
                                      : cell.body(api, !(other_party && cell.names_objects), tag);
  const Party& caller = role == "enterprise" ? api.ent_a
                        : role == "provider" ? api.prov_a
                        : role == "auditor"  ? api.auditor
                                             : api.office;
  const std::string impersonated = role == "enterprise" ? enterprise_b
                                   : role == "provider" ? provider_b
                                   : role == "auditor"  ? "AUD-BJ-0002"
                                                        : "office.TJ";
  const Party who{other_party && !cell.names_objects ? impersonated : caller.id,
                  crypto::KeyPair::from_seed(std::array<std::uint8_t, 32>{})};
  const nodes::SignedStatement statement =
      nodes::sign_statement(caller.key, who.id, cell.kind, body,
                            relation == "other region" ? "TJ" : "BJ", api.now_ms, "m" + tag);
  const HttpResponse response =
      api.post(Api::route_of(cell.kind), statement.bytes, statement.signature_base64);
  const bool allowed = allows(cell, role) && relation == "own";
  const bool refused_as_auditor = relation != "own" || Api::code_of(response) == "forbidden";
  if (Api::ok(response) == allowed && (!auditor || refused_as_auditor)) return {};
  return cell.kind + " by " + role + " (" + relation + "): HTTP " +
         std::to_string(response.status) + " " + Api::code_of(response);
}

}  // namespace

TEST_CASE(
    "authorisation matrix: each statement route succeeds only for its role, own party, own region",
    "[api][matrix]") {
  Api api;
  api.register_auditor();  // a read-only role: refused every statement kind
  int tag_counter = 0;
  const std::vector<Cell> all_cells = matrix_cells(tag_counter);
  std::vector<std::string> unexpected;
  for (const Cell& cell : all_cells) {
    for (const std::string role : {"enterprise", "provider", "office", "auditor"}) {
      for (const std::string relation : {"own", "other party", "other region"}) {
        const std::string tag = "T" + std::to_string(tag_counter++);
        const std::string line = run_cell(api, cell, role, relation, tag);
        if (!line.empty()) unexpected.push_back(line);
      }
    }
  }
  for (const auto& line : unexpected) UNSCOPED_INFO(line);
  CHECK(unexpected.empty());
  // The matrix covers every statement kind a client posts, with the role the registry names.
  for (const clearing::Kind& kind : clearing::kinds()) {
    if (kind.poster != clearing::Poster::client || clearing::is_query(kind)) continue;
    if (kind.name == "settlement.sign")
      continue;  // needs a settled period: tests/nodes/period_test.cpp
    INFO(kind.name);
    const auto cell = std::find_if(all_cells.begin(), all_cells.end(),
                                   [&](const Cell& c) { return c.kind == kind.name; });
    REQUIRE(cell != all_cells.end());
    unsigned roles = 0;
    for (const std::string role : {"enterprise", "provider", "office"}) {
      if (allows(*cell, role)) roles |= clearing::role_from_name(role);
    }
    CHECK(kind.roles == roles);
  }
}

TEST_CASE("a whole entry is read only by a signed query of those it concerns", "[api][privacy]") {
  Api api;
  api.register_auditor();
  const std::string voucher = api.issue_voucher(api.ent_a, "A-PRIV");
  api.confirmed_receipt(api.prov_a, api.ent_a, "R-PRIV");
  HttpResponse redeemed =
      api.send(api.ent_a, "voucher.redeem",
               {{"provider", provider_a}, {"receipt_id", "R-PRIV"}, {"voucher_id", voucher}});
  REQUIRE(Api::ok(redeemed));
  const std::uint64_t index = nlohmann::json::parse(redeemed.body)["index"].get<std::uint64_t>();
  const std::string bytes = *api.service->ledger().view()->entry(index);
  SECTION("not without a signature: the route that served it is refused") {
    Result<HttpResponse> open =
        api.client->request("GET", "/v1/ledger/entries/" + std::to_string(index));
    REQUIRE(open.ok());
    CHECK(open->status == 403);
    CHECK(open->body.find("PAY") == std::string::npos);
    CHECK(open->body.find(enterprise_a) == std::string::npos);
  }
  SECTION("not by another enterprise or another provider") {
    for (const Party* stranger : {&api.ent_b, &api.prov_b}) {
      INFO(stranger->id);
      const HttpResponse refused = api.read_entry(*stranger, index);
      CHECK(refused.status == 403);
      CHECK(Api::code_of(refused) == "not_own_party");
      CHECK(refused.body.find(enterprise_a) == std::string::npos);
    }
  }
  SECTION("by the enterprise and the provider it names, the office and an auditor") {
    for (const Party* reader : {&api.ent_a, &api.prov_a, &api.office, &api.auditor}) {
      INFO(reader->id);
      const HttpResponse read = api.read_entry(*reader, index);
      REQUIRE(read.status == 200);
      const nlohmann::json answer = nlohmann::json::parse(read.body);
      CHECK(answer["index"] == index);
      CHECK(crypto::canonical_dump(answer["entry"]) == bytes);  // the recorded bytes exactly
    }
  }
  SECTION("an auditor states nothing") {
    const HttpResponse refused =
        api.send(api.auditor, "voucher.apply",
                 {{"application_id", "A-AUD"}, {"category", "testing"}, {"face", 1000}});
    CHECK(refused.status == 403);
    CHECK(Api::code_of(refused) == "forbidden");
    CHECK(Api::ok(api.send(api.auditor, "query.voucher", {{"voucher_id", voucher}})));
  }
}

TEST_CASE(
    "authorisation matrix of queries: each query route is refused only to the roles its row "
    "does not name",
    "[api][matrix]") {
  Api api;
  api.register_auditor();
  const std::vector<std::pair<std::string, const Party*>> roles = {{"enterprise", &api.ent_a},
                                                                   {"provider", &api.prov_a},
                                                                   {"office", &api.office},
                                                                   {"auditor", &api.auditor}};
  for (const clearing::Kind& kind : clearing::kinds()) {
    if (!clearing::is_query(kind)) continue;
    for (const auto& [role, who] : roles) {
      INFO(kind.name << " by " << role);
      const HttpResponse response =
          api.send(*who, std::string(kind.name), nlohmann::json::object());
      const bool forbidden = response.status == 403 && Api::code_of(response) == "forbidden";
      CHECK(forbidden == ((kind.roles & clearing::role_from_name(role)) == 0));
    }
  }
}

TEST_CASE("anyone checks an entry's place in the signed checkpoint without reading the entry",
          "[api][privacy]") {
  Api api;
  const std::uint64_t index = 2;  // a registration: private, its leaf hash public
  const std::string bytes = *api.service->ledger().view()->entry(index);
  REQUIRE(api.service->ledger().sign_checkpoint().ok());
  Result<HttpResponse> note = api.client->request("GET", "/v1/ledger/checkpoint");
  REQUIRE(note.ok());
  const std::string text = note->body.substr(0, note->body.find("\n\n") + 1);
  Result<ledger::CheckpointBody> checkpoint = ledger::parse_checkpoint_body(text);
  REQUIRE(checkpoint.ok());
  Result<HttpResponse> proof =
      api.client->request("GET", "/v1/ledger/proof/inclusion?index=" + std::to_string(index) +
                                     "&size=" + std::to_string(checkpoint->size));
  REQUIRE(proof.ok());
  REQUIRE(proof->status == 200);
  const nlohmann::json json = nlohmann::json::parse(proof->body);
  const auto hash_of = [](const nlohmann::json& base64) {
    ledger::Hash hash{};
    const crypto::Bytes decoded = *crypto::base64_decode(base64.get<std::string>());
    REQUIRE(decoded.size() == hash.size());
    std::copy(decoded.begin(), decoded.end(), hash.begin());
    return hash;
  };
  std::vector<ledger::Hash> path;
  for (const auto& hash : json["hashes"]) path.push_back(hash_of(hash));
  const ledger::Hash leaf = hash_of(json["leaf_hash"]);
  CHECK(leaf == ledger::leaf_hash(bytes));  // the leaf of the bytes its parties read
  CHECK(ledger::verify_inclusion(index, checkpoint->size, leaf, path, checkpoint->root));
}
