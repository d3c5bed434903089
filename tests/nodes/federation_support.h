// Test fixture: regions' nodes in one process, joined by an in-process peer transport that can
// take a peer down or lose its replies (the fault seam of nodes/peer.h). No sockets. Tests step
// the federation's pieces (step(), deliver()) deterministically; those about concurrency start its
// threads and wait (start(), settle()).
#pragma once

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include "clearing/credit_code.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "nodes/data_dir.h"
#include "nodes/federation.h"
#include "nodes/node.h"
#include "nodes/service.h"
#include "tests/support/temp_dir.h"

namespace innoclear::testing {

using clearing::Region;
using nodes::Accepted;
using nodes::Federation;
using nodes::SignedStatement;

inline crypto::KeyPair seeded_key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return crypto::KeyPair::from_seed(seed);
}

inline std::string public_key_of(const crypto::KeyPair& key) {
  return crypto::encode_public_key(key.public_key());
}

class LoopTransport;

// One region's node: service, office key, and its federation (created by Federated).
struct RegionNode {
  Region region;
  std::string code;
  nodes::DataDir data;
  std::unique_ptr<nodes::Node> node;  // the service and, once joined, the federation
  nodes::Service* service = nullptr;  // node's
  crypto::KeyPair office = seeded_key(1);
  LoopTransport* transport = nullptr;  // node's, once joined
  Federation* federation = nullptr;    // node's, once joined

  Result<Accepted> submit(const crypto::KeyPair& key, const std::string& actor,
                          const std::string& kind, const nlohmann::json& body) {
    static std::atomic<int> nonce{0};
    const SignedStatement s = nodes::sign_statement(key, actor, kind, body, code, service->now_ms(),
                                                    "t" + std::to_string(nonce++));
    return service->submit_and_wait(s.bytes, s.signature_base64);
  }
  Result<Accepted> as_office(const std::string& kind, const nlohmann::json& body) {
    return submit(office, "office." + code, kind, body);
  }
  nlohmann::json state(clearing::Table table, const std::string& key) {
    Result<std::optional<nlohmann::json>> record = service->state(table, key);
    REQUIRE(record.ok());
    return record->value_or(nlohmann::json());
  }
};

// Routes a node's peer requests straight to the peer's Federation::answer, as the HTTPS
// transport would, presenting the caller's certificate fingerprint.
class LoopTransport final : public nodes::PeerTransport {
 public:
  LoopTransport(std::map<Region, RegionNode*>& nodes, std::string caller_fingerprint)
      : nodes_(nodes), caller_fingerprint_(std::move(caller_fingerprint)) {}

  // While set, the peer cannot be reached at all.
  std::map<Region, std::atomic<bool>> down;
  // The next n replies are lost after the peer did the work (the request is not).
  std::atomic<int> lose_replies{0};
  std::atomic<int> posts{0};
  std::atomic<int> period_gets{0};  // GET /v1/peer/period sent, reached or not
  // When set, changes what a peer says about a period before this node sees it (a disagreeing
  // or lying peer). REQUIRES: set before the federation starts.
  std::function<void(nlohmann::json&)> rewrite_period;
  // When set, what a peer answers for its directory instead (a lying or broken peer).
  // REQUIRES: set before the federation starts.
  std::function<std::string(const nlohmann::json&)> rewrite_directory;
  // When set, what a peer answers for its cosigned copy of a checkpoint instead (a lying
  // witness). REQUIRES: set before the federation starts.
  std::function<std::string(const std::string&)> rewrite_witness;

  // The peer's public ledger reads the witness uses: checkpoint and consistency proofs.
  Result<nodes::PeerResponse> get(Region peer, const std::string& target) override {
    if (target.rfind("/v1/peer/period?", 0) == 0) ++period_gets;
    if (down[peer]) return Status(Code::io_error, "peer is down");
    Result<ledger::ReadView> view = nodes_.at(peer)->service->ledger().view();
    REQUIRE(view.ok());
    constexpr std::string_view period_prefix = "/v1/peer/period?period=";
    if (target.compare(0, period_prefix.size(), period_prefix) == 0) {
      Result<std::string> answer = nodes_.at(peer)->federation->answerer().answer_period(
          caller_fingerprint_, target.substr(period_prefix.size()));
      if (!answer.ok()) return nodes::PeerResponse{403, answer.status().message()};
      if (!rewrite_period) return nodes::PeerResponse{200, *answer};
      nlohmann::json said = nlohmann::json::parse(*answer);
      rewrite_period(said);
      return nodes::PeerResponse{200, said.dump()};
    }
    constexpr std::string_view witness_prefix = "/v1/witness/";
    if (target.compare(0, witness_prefix.size(), witness_prefix) == 0) {
      Result<Region> witnessed = clearing::parse_region(target.substr(witness_prefix.size()));
      REQUIRE(witnessed.ok());
      Result<std::string> note =
          nodes_.at(peer)->federation->witnessing().cosigned_checkpoint(*witnessed);
      if (!note.ok()) return nodes::PeerResponse{404, note.status().message()};
      return nodes::PeerResponse{200, rewrite_witness ? rewrite_witness(*note) : *note};
    }
    if (target == nodes::directory_path) {
      Result<nlohmann::json> directory = nodes::local_directory(*nodes_.at(peer)->service);
      if (!directory.ok()) return nodes::PeerResponse{500, directory.status().message()};
      return nodes::PeerResponse{200, rewrite_directory ? rewrite_directory(*directory)
                                                        : crypto::canonical_dump(*directory)};
    }
    if (target == "/v1/ledger/checkpoint") {
      Result<std::string> note = view->latest_checkpoint();
      if (!note.ok()) return nodes::PeerResponse{404, note.status().message()};
      return nodes::PeerResponse{200, *note};
    }
    std::uint64_t from = 0, to = 0;
    REQUIRE(std::sscanf(target.c_str(), "/v1/ledger/proof/consistency?from=%lu&to=%lu", &from,
                        &to) == 2);
    Result<ledger::ConsistencyProof> proof = view->prove_consistency(from, to);
    if (!proof.ok()) return nodes::PeerResponse{400, proof.status().message()};
    nlohmann::json hashes = nlohmann::json::array();
    for (const auto& hash : proof->hashes) hashes.push_back(crypto::base64_encode(hash));
    return nodes::PeerResponse{200, nlohmann::json{{"hashes", hashes}}.dump()};
  }
  Result<nodes::PeerResponse> post(Region peer, const std::string&,
                                   const std::string& body) override {
    ++posts;
    if (down[peer]) return Status(Code::io_error, "peer is down");
    std::promise<Result<std::string>> answered;
    nodes_.at(peer)->federation->answerer().answer(
        caller_fingerprint_, body,
        [&](Result<std::string> answer) { answered.set_value(std::move(answer)); });
    Result<std::string> answer = answered.get_future().get();
    if (lose_replies > 0) {
      --lose_replies;
      return Status(Code::io_error, "reply lost");
    }
    if (!answer.ok()) return nodes::PeerResponse{403, answer.status().message()};
    return nodes::PeerResponse{200, std::move(*answer)};
  }

 private:
  std::map<Region, RegionNode*>& nodes_;
  std::string caller_fingerprint_;
};

// Regions' nodes sharing one manifest; each region's office registers the given actors.
struct Federated {
  TempDir dir{"federation"};
  std::atomic<std::int64_t> now_ms{1'790'000'000'000};  // 2026-09
  std::map<Region, std::unique_ptr<RegionNode>> owned;
  std::map<Region, RegionNode*> nodes;

  explicit Federated(std::vector<Region> regions, nodes::FederationOptions options = fast(),
                     bool witnessing = false, std::int64_t period_seconds = 60) {
    nodes::Manifest manifest;
    manifest.period_seconds = period_seconds;
    for (Region region : regions) {
      auto node = std::make_unique<RegionNode>();
      node->region = region;
      node->code = std::string(clearing::region_code(region));
      node->data = nodes::DataDir{dir.path() / node->code};
      Result<nodes::NodeIdentity> identity = nodes::init_data_dir(node->data, region);
      REQUIRE(identity.ok());
      Result<crypto::KeyPair> office = crypto::KeyPair::load(node->data.office_key_file());
      REQUIRE(office.ok());
      node->office = std::move(*office);
      nodes::NodeOptions node_options;
      node_options.service = {node->data, [this] { return now_ms.load(); }, 1000,
                              std::size_t{1} << 30};
      node_options.checkpoint_interval_ms = 0;  // tests sign checkpoints when they need one
      Result<std::unique_ptr<nodes::Node>> opened = nodes::Node::open(node_options);
      REQUIRE(opened.ok());
      node->node = std::move(*opened);
      node->service = &node->node->service();
      manifest.members.push_back({region,
                                  std::string(clearing::region_name(region)),
                                  "https://127.0.0.1:1",
                                  identity->public_key,
                                  node->office.public_key(),
                                  identity->tls_fingerprint,
                                  {clearing::all_regions.begin(), clearing::all_regions.end()}});
      nodes[region] = node.get();
      owned[region] = std::move(node);
    }
    for (auto& [region, node] : owned) {
      nodes::FederationOptions node_options = options;
      if (witnessing) node_options.witness_dir = node->data.root / "witness";
      // As `innoclear node --manifest DIR/manifest.json` does: DIR/statements/.
      node_options.statements_dir = dir.path() / "statements";
      const std::string fingerprint = manifest.find(region)->tls_fingerprint;
      const auto loop = [this, fingerprint](const nodes::Manifest&, const nodes::DataDir&)
          -> Result<std::unique_ptr<nodes::PeerTransport>> {
        return std::unique_ptr<nodes::PeerTransport>(
            std::make_unique<LoopTransport>(nodes, fingerprint));
      };
      REQUIRE(node->node->join(manifest, loop, node_options).ok());
      node->federation = node->node->federation();
      node->transport = static_cast<LoopTransport*>(node->node->transport());
      REQUIRE(node->as_office("budget.allocate", {{"amount", 100'000'000}, {"year", 2026}}).ok());
    }
  }
  ~Federated() {
    for (auto& [region, node] : owned) {
      if (node->node) node->node->stop();
    }
  }

  static nodes::FederationOptions fast() {
    nodes::FederationOptions options;
    options.sender.poll_ms = 2;
    options.sender.retry_ms_min = 2;
    options.sender.retry_ms_max = 20;
    options.clearing_interval_ms = 5;
    options.clearing_retry_ms_min = 5;   // one round
    options.clearing_retry_ms_max = 40;  // eight rounds: step_until's 50 rounds get through
    options.log = [](const std::string&) {};
    return options;
  }

  RegionNode& operator[](Region region) { return *nodes.at(region); }
  void start() {
    for (auto& [region, node] : owned) node->node->start();
  }

  bool outboxes_empty() {
    for (auto& [region, node] : owned) {
      Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
          node->service->scan(clearing::Table::outbox, "");
      REQUIRE(rows.ok());
      if (!rows->empty()) return false;
    }
    return true;
  }

  // One round of every node's pieces, in a fixed order, on this thread: each sender, then period
  // clearing, then witnessing. Deterministic: no federation thread runs, nothing sleeps.
  void step() {
    std::vector<Federation*> running;  // a node being restarted has none for a while
    for (auto& [region, node] : owned) {
      if (node->federation != nullptr) running.push_back(node->federation);
    }
    for (Federation* federation : running) {
      for (Region peer : federation->peers()) (void)federation->sender(peer).round();
    }
    for (Federation* federation : running) (void)federation->clearing().round();
    for (Federation* federation : running) federation->witnessing().round();
  }
  // Steps until `done` holds; fails the test if 50 rounds do not get there.
  template <typename Condition>
  void step_until(Condition done) {
    for (int round = 0; round < 50 && !done(); ++round) step();
    REQUIRE(done());
  }
  // Steps until every outbox is empty: every cross-region request answered and recorded.
  void deliver() {
    step_until([this] { return outboxes_empty(); });
  }

  // Waits until no node has anything in its outbox (bounded; fails the test after 20 s). For tests
  // that run the federation's own threads (start()).
  void settle() {
    for (int round = 0; round < 2000; ++round) {
      bool empty = true;
      for (auto& [region, node] : owned) {
        Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
            node->service->scan(clearing::Table::outbox, "");
        REQUIRE(rows.ok());
        empty = empty && rows->empty();
      }
      if (empty) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("the outboxes did not drain");
  }
};

}  // namespace innoclear::testing
