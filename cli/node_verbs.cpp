// `innoclear node`: one region's node serving its HTTPS API until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/cli.h"
#include "api/https.h"
#include "api/peer_transport.h"
#include "api/routes.h"
#include "nodes/federation.h"
#include "nodes/service.h"

namespace innoclear::cli {

namespace {

constexpr std::uint32_t checkpoint_interval_ms = 1000;
constexpr std::uint32_t peer_timeout_ms = 5'000;

struct NodeArguments {
  std::string data;
  std::string listen = "127.0.0.1:8443";
  std::string manifest;  // empty: a node on its own
};

// The federation of a node started with --manifest: the manifest must list this node as it is.
Result<std::unique_ptr<nodes::Federation>> join_federation(
    nodes::Service& service, const nodes::DataDir& dir, const std::string& manifest_file,
    std::unique_ptr<api::HttpsPeerTransport>& transport, api::ServerOptions& server_options) {
  Result<nodes::Manifest> manifest = nodes::load_manifest(manifest_file);
  if (!manifest.ok()) return manifest.status();
  const nodes::Member* self = manifest->find(service.identity().region);
  if (self == nullptr || self->node_key != service.identity().public_key ||
      self->tls_fingerprint != service.identity().tls_fingerprint) {
    return Status(Code::invalid_argument, manifest_file + " does not list this node's key and certificate");
  }
  Result<std::unique_ptr<api::HttpsPeerTransport>> created =
      api::HttpsPeerTransport::create(*manifest, dir, peer_timeout_ms);
  if (!created.ok()) return created.status();
  transport = std::move(*created);
  for (const nodes::Member& member : manifest->members) {
    if (member.region != service.identity().region) {
      server_options.client_certificate_fingerprints.insert(member.tls_fingerprint);
    }
  }
  server_options.client_certificate_optional = true;  // enterprises and offices have none
  nodes::FederationOptions options;
  options.witness_dir = dir.root / "witness";
  auto federation =
      std::make_unique<nodes::Federation>(service, std::move(*manifest), *transport, options);
  if (Status s = federation->join(); !s.ok()) return s;
  return federation;
}

// Runs until SIGINT/SIGTERM. REQUIRES: the signals are blocked in every thread (done before any
// thread starts), so that sigwait receives them here.
Status run_node(const NodeArguments& arguments, const sigset_t& signals) {
  const std::string& listen = arguments.listen;
  // Port 0 lets the system pick a free port (tests); the node prints the one it got.
  const bool any_port = listen.size() > 2 && listen.compare(listen.size() - 2, 2, ":0") == 0;
  Result<std::pair<std::string, std::uint16_t>> address =
      api::parse_host_port(any_port ? listen.substr(0, listen.size() - 1) + "1" : listen);
  if (!address.ok()) return address.status();
  if (any_port) address->second = 0;
  nodes::ServiceOptions options;
  options.dir = nodes::DataDir{arguments.data};
  Result<std::unique_ptr<nodes::Service>> service = nodes::Service::open(options);
  if (!service.ok()) return service.status();
  api::Routes routes(**service);
  api::ServerOptions server_options;
  server_options.host = address->first;
  server_options.port = address->second;
  server_options.certificate_pem = options.dir.tls_certificate();
  server_options.private_key_pem = options.dir.tls_key();
  server_options.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  std::unique_ptr<api::HttpsPeerTransport> transport;
  std::unique_ptr<nodes::Federation> federation;
  if (!arguments.manifest.empty()) {
    Result<std::unique_ptr<nodes::Federation>> joined = join_federation(
        **service, options.dir, arguments.manifest, transport, server_options);
    if (!joined.ok()) return joined.status();
    federation = std::move(*joined);
    routes.set_federation(federation.get());
  }
  Result<std::unique_ptr<api::HttpsServer>> server = api::HttpsServer::start(
      server_options, [&routes](api::HttpRequest request, api::Respond respond) {
        routes.handle(std::move(request), std::move(respond));
      });
  if (!server.ok()) return server.status();
  std::printf("innoclear node %s listening on https://%s:%u (ledger size %llu, TLS %s)\n",
              (*service)->identity().origin.c_str(), address->first.c_str(), (*server)->port(),
              static_cast<unsigned long long>((*service)->ledger().size()),
              (*service)->identity().tls_fingerprint.c_str());
  std::fflush(stdout);
  if (federation) federation->start();
  // Sign a checkpoint whenever the ledger grew, at most once a second.
  std::atomic<bool> stopping{false};
  std::thread checkpoints([&] {
    while (!stopping) {
      (void)(*service)->ledger().sign_checkpoint();
      for (std::uint32_t waited = 0; waited < checkpoint_interval_ms && !stopping; waited += 50) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "innoclear node: signal %d, finishing in-flight requests\n", received);
  (*server)->stop();  // in-flight requests finish; their entries are durable before replies
  if (federation) federation->stop();  // the outbox stays on disk for the next start
  stopping = true;
  checkpoints.join();
  return (*service)->ledger().sign_checkpoint().status();
}

}  // namespace

void add_node_verbs(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<NodeArguments>();
  CLI::App* verb = app.add_subcommand("node", "run one region's node (HTTPS API) until Ctrl-C");
  verb->add_option("--data", arguments->data, "the node's data directory")->required();
  verb->add_option("--listen", arguments->listen, "address to listen on")->default_val("127.0.0.1:8443");
  verb->add_option("--manifest", arguments->manifest,
                   "federation manifest (JSON): serve peers and clear with them");
  verb->callback([arguments, &exit_code] {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    Status status = run_node(*arguments, signals);
    if (!status.ok()) exit_code = fail(status);
  });
}

}  // namespace innoclear::cli
