// `innoclear bench clear`'s two federated nodes: BJ (the vouchers' home) and TJ (the
// provider's), each serving HTTPS on 127.0.0.1 and joined by a Federation over mutual TLS pinned
// by an in-memory manifest, as `innoclear node --manifest` joins them; and the parties, vouchers
// and redemptions the redemption phases spend. Internal to bench/ (bench/clear_bench.h is the
// entry point).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/host.h"
#include "base/status.h"
#include "clearing/region.h"
#include "crypto/ed25519.h"
#include "nodes/federation.h"
#include "nodes/node.h"
#include "nodes/peer.h"
#include "nodes/service.h"

namespace innoclear::bench {

// The HTTPS peer transport, counting and timing the batches of peer requests sent through it.
class TimedTransport final : public nodes::PeerTransport {
 public:
  explicit TimedTransport(std::unique_ptr<nodes::PeerTransport> inner) : inner_(std::move(inner)) {}
  Result<nodes::PeerResponse> get(clearing::Region peer, const std::string& target) override {
    return inner_->get(peer, target);
  }
  // Counts and times the batches of peer requests (POST /v1/peer/requests); the rest passes.
  Result<nodes::PeerResponse> post(clearing::Region peer, const std::string& target,
                                   const std::string& body) override;
  std::atomic<std::uint64_t> posts{0};
  std::atomic<std::uint64_t> post_ns{0};
  std::atomic<std::uint64_t> post_bytes{0};

 private:
  std::unique_ptr<nodes::PeerTransport> inner_;
};

// One region's node in a scratch directory, assembled as `innoclear node --manifest` assembles
// it (nodes::Node, api::Host), with its checkpoint signed every second.
struct BenchNode {
  clearing::Region region = clearing::Region::BJ;
  std::string code;
  nodes::DataDir dir;
  nodes::NodeIdentity identity;
  crypto::KeyPair office = crypto::KeyPair::generate();
  std::unique_ptr<nodes::Node> assembled;
  nodes::Service* service = nullptr;        // assembled's
  nodes::Federation* federation = nullptr;  // assembled's, once joined
  TimedTransport* timed = nullptr;          // assembled's transport, once joined
  // The server starts before the manifest exists (its port goes into the manifest) and serves
  // the federation from when the node joined.
  std::unique_ptr<api::Host> server;
  std::atomic<std::uint64_t> nonce{0};
  // Batches of peer requests this node answered, and their time in its routes (server side).
  std::atomic<std::uint64_t> batches_answered{0};
  std::atomic<std::uint64_t> batches_answered_us{0};

  ~BenchNode() { stop(); }
  // The federation stops before the server, so that no peer is called after its server went.
  void stop() {
    if (assembled) assembled->stop();
    if (server) server->stop();
  }
  nodes::SignedStatement sign(const crypto::KeyPair& key, const std::string& actor,
                              const std::string& kind, const nlohmann::json& body) {
    return nodes::sign_statement(key, actor, kind, body, code, nodes::system_clock_ms(),
                                 "c" + std::to_string(nonce++));
  }
  nodes::SignedStatement as_office(const std::string& kind, const nlohmann::json& body) {
    return sign(office, "office." + code, kind, body);
  }
};

// BJ and TJ, federated, each signing a checkpoint every second, as a node process does.
struct FederatedPair {
  std::unique_ptr<BenchNode> home;                               // BJ
  std::unique_ptr<BenchNode> provider;                           // TJ
  crypto::KeyPair enterprise_key = crypto::KeyPair::generate();  // every bench enterprise's
  crypto::KeyPair provider_key = crypto::KeyPair::generate();

  // Both federations stop before either server, so that no peer is called after its server went.
  ~FederatedPair() {
    for (BenchNode* node : {home.get(), provider.get()}) {
      if (node != nullptr && node->assembled) node->assembled->stop();
    }
    for (BenchNode* node : {home.get(), provider.get()}) {
      if (node != nullptr) node->stop();
    }
  }
  void start() {
    home->assembled->start();
    provider->assembled->start();
  }
};

// BJ and TJ in `root`, each serving HTTPS and joined to the other; their federations run from
// FederatedPair::start.
Result<std::unique_ptr<FederatedPair>> federate(const std::filesystem::path& root);

// Registers the parties and issues `count` vouchers at BJ, each with a receipt of TJ's provider
// for the voucher's enterprise; returns the voucher ids. Voucher i belongs to enterprise
// i / vouchers_per_enterprise; its receipt is "C<i>".
Result<std::vector<std::string>> prepare_pair_vouchers(FederatedPair& pair, std::uint64_t count);

// Voucher.redeem statements for vouchers [first, first + count), each asking TJ's provider.
std::vector<nodes::SignedStatement> sign_redemptions(FederatedPair& pair,
                                                     const std::vector<std::string>& ids,
                                                     std::uint64_t first, std::uint64_t count);

}  // namespace innoclear::bench
