#include "bench/clear_pair.h"

#include "api/https.h"
#include "bench/clear_phases.h"
#include "bench/voucher_setup.h"
#include "crypto/encoding.h"

namespace innoclear::bench {

namespace {

using clearing::Region;

constexpr std::uint32_t peer_timeout_ms = 5'000;         // as `innoclear node`
constexpr std::uint32_t checkpoint_interval_ms = 1'000;  // as `innoclear node`

Result<std::unique_ptr<BenchNode>> open_node(const std::filesystem::path& root, Region region) {
  auto node = std::make_unique<BenchNode>();
  node->region = region;
  node->code = std::string(clearing::region_code(region));
  node->dir = nodes::DataDir{root / node->code};
  Result<nodes::NodeIdentity> identity = nodes::init_data_dir(node->dir, region);
  if (!identity.ok()) return identity.status();
  node->identity = std::move(*identity);
  Result<crypto::KeyPair> office = crypto::KeyPair::load(node->dir.office_key_file());
  if (!office.ok()) return office.status();
  node->office = std::move(*office);
  nodes::NodeOptions options;
  options.service.dir = node->dir;
  options.checkpoint_interval_ms = checkpoint_interval_ms;
  Result<std::unique_ptr<nodes::Node>> assembled = nodes::Node::open(options);
  if (!assembled.ok()) return assembled.status();
  node->assembled = std::move(*assembled);
  node->service = &node->assembled->service();
  return node;
}

Status start_server(BenchNode& node, const std::string& peer_fingerprint) {
  api::HostOptions options;
  options.server.client_certificate_fingerprints.insert(peer_fingerprint);
  // The load generator is one address: the per-address caps would measure themselves.
  options.server.limits.requests_per_address_per_second = 0;
  options.server.limits.connections_per_address_max = 0;
  options.request_log = [&node](const std::string& line) {
    if (line.find("\"route\":\"/v1/peer/requests\"") == std::string::npos) return;
    const nlohmann::json logged = nlohmann::json::parse(line, nullptr, false);
    if (!logged.is_object()) return;
    node.batches_answered_us += logged.value("latency_us", std::uint64_t{0});
    ++node.batches_answered;
  };
  Result<std::unique_ptr<api::Host>> server = api::Host::start(*node.assembled, options);
  if (!server.ok()) return server.status();
  node.server = std::move(*server);
  return Status::success();
}

nodes::Manifest manifest_of(const std::vector<BenchNode*>& members) {
  nodes::Manifest manifest;
  for (const BenchNode* node : members) {
    manifest.members.push_back({node->region,
                                std::string(clearing::region_name(node->region)),
                                "https://127.0.0.1:" + std::to_string(node->server->port()),
                                node->identity.public_key,
                                node->office.public_key(),
                                node->identity.tls_fingerprint,
                                {clearing::all_regions.begin(), clearing::all_regions.end()}});
  }
  return manifest;
}

Status join(BenchNode& node, const nodes::Manifest& manifest) {
  const nodes::TransportFactory https = api::https_peer_transport(peer_timeout_ms);
  const nodes::TransportFactory timed =
      [&https](const nodes::Manifest& members,
               const nodes::DataDir& dir) -> Result<std::unique_ptr<nodes::PeerTransport>> {
    Result<std::unique_ptr<nodes::PeerTransport>> inner = https(members, dir);
    if (!inner.ok()) return inner.status();
    return std::unique_ptr<nodes::PeerTransport>(
        std::make_unique<TimedTransport>(std::move(*inner)));
  };
  nodes::FederationOptions options;
  options.witness_dir = node.dir.root / "witness";
  if (Status s = node.assembled->join(manifest, timed, options); !s.ok()) return s;
  node.federation = node.assembled->federation();
  node.timed = static_cast<TimedTransport*>(node.assembled->transport());
  node.server->serve_federation();
  return Status::success();
}

// BJ's policy (TJ's providers funded, the highest yearly count per enterprise), budget and
// enterprises; TJ's provider.
Status register_pair_parties(FederatedPair& pair, std::uint64_t enterprises) {
  BenchNode& bj = *pair.home;
  BenchNode& tj = *pair.provider;
  const std::string enterprise_key = crypto::encode_public_key(pair.enterprise_key.public_key());
  std::vector<nodes::SignedStatement> home = {
      bj.as_office("policy.set", bench_policy_body({"BJ", "TJ"})),
      bj.as_office("budget.allocate", bench_budget_body())};
  for (std::uint64_t e = 0; e < enterprises; ++e) {
    home.push_back(bj.as_office("actor.register", {{"id", bench_credit_code(e)},
                                                   {"name", "bench enterprise"},
                                                   {"role", "enterprise"},
                                                   {"key", enterprise_key}}));
  }
  if (auto done = submit_all(*bj.service, home); !done.ok()) return done.status();
  const std::vector<nodes::SignedStatement> provider = {tj.as_office(
      "actor.register", {{"categories", {"testing"}},
                         {"id", clear_provider_id},
                         {"name", "bench lab"},
                         {"key", crypto::encode_public_key(pair.provider_key.public_key())},
                         {"role", "provider"}})};
  return submit_all(*tj.service, provider).status();
}

}  // namespace

Result<nodes::PeerResponse> TimedTransport::post(Region peer, const std::string& target,
                                                 const std::string& body) {
  if (target != nodes::peer_requests_path) return inner_->post(peer, target, body);
  const auto start = Clock::now();
  Result<nodes::PeerResponse> response = inner_->post(peer, target, body);
  post_ns += static_cast<std::uint64_t>((Clock::now() - start).count());
  post_bytes += body.size();
  ++posts;
  return response;
}

Result<std::unique_ptr<FederatedPair>> federate(const std::filesystem::path& root) {
  auto pair = std::make_unique<FederatedPair>();
  Result<std::unique_ptr<BenchNode>> home = open_node(root, Region::BJ);
  if (!home.ok()) return home.status();
  pair->home = std::move(*home);
  Result<std::unique_ptr<BenchNode>> provider = open_node(root, Region::TJ);
  if (!provider.ok()) return provider.status();
  pair->provider = std::move(*provider);
  BenchNode& bj = *pair->home;
  BenchNode& tj = *pair->provider;
  if (Status s = start_server(bj, tj.identity.tls_fingerprint); !s.ok()) return s;
  if (Status s = start_server(tj, bj.identity.tls_fingerprint); !s.ok()) return s;
  const nodes::Manifest manifest = manifest_of({&bj, &tj});
  if (Status s = join(bj, manifest); !s.ok()) return s;
  if (Status s = join(tj, manifest); !s.ok()) return s;
  return pair;
}

Result<std::vector<std::string>> prepare_pair_vouchers(FederatedPair& pair, std::uint64_t count) {
  BenchNode& bj = *pair.home;
  BenchNode& tj = *pair.provider;
  if (Status s = register_pair_parties(pair, enterprises_for(count)); !s.ok()) return s;
  const auto enterprise_of = [](std::uint64_t i) {
    return bench_credit_code(i / vouchers_per_enterprise);
  };
  const auto id = [](std::uint64_t i) { return "C" + std::to_string(i); };
  const auto apply = [&](std::uint64_t i) {
    return bj.sign(pair.enterprise_key, enterprise_of(i), "voucher.apply",
                   {{"application_id", id(i)}, {"category", "testing"}, {"face", 500'000}});
  };
  const auto approve = [&](std::uint64_t i) {
    return bj.as_office("voucher.approve",
                        {{"application_id", id(i)}, {"enterprise", enterprise_of(i)}});
  };
  const auto receipt = [&](std::uint64_t i) {
    return tj.sign(pair.provider_key, clear_provider_id, "receipt.record",
                   bench_receipt_body(enterprise_of(i), id(i)));
  };
  if (auto applied = submit_all(*bj.service, sign_each(count, apply)); !applied.ok()) {
    return applied.status();
  }
  Result<std::vector<nlohmann::json>> approved = submit_all(*bj.service, sign_each(count, approve));
  if (!approved.ok()) return approved.status();
  if (auto recorded = submit_all(*tj.service, sign_each(count, receipt)); !recorded.ok()) {
    return recorded.status();
  }
  std::vector<std::string> ids;
  for (const nlohmann::json& result : *approved) {
    ids.push_back(result["voucher"]["id"].get<std::string>());
  }
  return ids;
}

std::vector<nodes::SignedStatement> sign_redemptions(FederatedPair& pair,
                                                     const std::vector<std::string>& ids,
                                                     std::uint64_t first, std::uint64_t count) {
  return sign_each(count, [&](std::uint64_t n) {
    const std::uint64_t i = first + n;
    return pair.home->sign(pair.enterprise_key, bench_credit_code(i / vouchers_per_enterprise),
                           "voucher.redeem",
                           {{"provider", clear_provider_id},
                            {"provider_region", "TJ"},
                            {"receipt_id", "C" + std::to_string(i)},
                            {"voucher_id", ids[i]}});
  });
}

}  // namespace innoclear::bench
