// `innoclear node`: one region's node serving its HTTPS API until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <memory>

#include "api/host.h"
#include "cli/cli.h"
#include "cli/node_log.h"
#include "nodes/node.h"

namespace innoclear::cli {

namespace {

constexpr std::uint32_t peer_timeout_ms = 5'000;

struct NodeArguments {
  std::string data;
  std::string listen = "127.0.0.1:8443";
  std::string manifest;  // empty: a node on its own
  std::uint64_t log_bytes_max = node_log_bytes_max;
  // Per source address; 0: no limit (a benchmark's load generator is one address).
  std::uint32_t requests_per_address_per_second =
      api::ServerLimits{}.requests_per_address_per_second;
  std::size_t connections_per_address_max = api::ServerLimits{}.connections_per_address_max;
  bool no_rate_limits = false;  // benchmarks drive one actor and one peer far faster
  std::string tls_cert;         // the operator's chain for browsers (empty: the node's own)
  std::string tls_key;
};

// "HOST:PORT"; port 0 lets the system pick a free port (tests): the node prints the one it got.
Result<std::pair<std::string, std::uint16_t>> listen_address(const std::string& listen) {
  const bool any_port = listen.size() > 2 && listen.compare(listen.size() - 2, 2, ":0") == 0;
  Result<std::pair<std::string, std::uint16_t>> address =
      api::parse_host_port(any_port ? listen.substr(0, listen.size() - 1) + "1" : listen);
  if (address.ok() && any_port) address->second = 0;
  return address;
}

// Runs until SIGINT/SIGTERM. REQUIRES: the signals are blocked in every thread (done before any
// thread starts), so that sigwait receives them here.
Status run_node(const NodeArguments& arguments, const sigset_t& signals) {
  Result<std::pair<std::string, std::uint16_t>> address = listen_address(arguments.listen);
  if (!address.ok()) return address.status();
  nodes::NodeOptions options;
  options.service.dir = nodes::DataDir{arguments.data};
  if (!arguments.no_rate_limits) options.actor_rate = nodes::actor_rate_default;
  Result<std::unique_ptr<nodes::Node>> node = nodes::Node::open(options);
  if (!node.ok()) return node.status();
  if (!arguments.manifest.empty()) {
    Result<nodes::Manifest> manifest = nodes::load_manifest(arguments.manifest);
    if (!manifest.ok()) return manifest.status();
    nodes::FederationOptions federation;
    federation.witness_dir = options.service.dir.root / "witness";
    // The federation directory is the manifest's (`up`: DIR/manifest.json, DIR/<REGION>/).
    federation.statements_dir =
        std::filesystem::absolute(arguments.manifest).parent_path() / "statements";
    if (!arguments.no_rate_limits) federation.peer_rate = nodes::peer_rate_default;
    Status joined =
        (*node)->join(std::move(*manifest), api::https_peer_transport(peer_timeout_ms), federation);
    if (!joined.ok()) return Status(joined.code(), arguments.manifest + ": " + joined.message());
  }
  api::HostOptions host_options;
  host_options.server.host = address->first;
  host_options.server.port = address->second;
  auto log = std::make_shared<NodeLog>(arguments.log_bytes_max);
  host_options.server.log = [log](const std::string& line) { log->write(line); };
  host_options.request_log = [log](const std::string& line) { log->write(line); };
  // The connection cap is sized to the descriptors the process may open: as many as it is allowed.
  api::raise_descriptor_limit();
  host_options.server.limits.requests_per_address_per_second =
      arguments.requests_per_address_per_second;
  host_options.server.limits.connections_per_address_max = arguments.connections_per_address_max;
  host_options.server.browser_certificate_pem = arguments.tls_cert;
  host_options.server.browser_private_key_pem = arguments.tls_key;
  Result<std::unique_ptr<api::Host>> host = api::Host::start(**node, host_options);
  if (!host.ok()) return host.status();
  nodes::Service& service = (*node)->service();
  std::printf(
      "innoclear node %s listening on https://%s:%u (ledger size %llu, TLS %s); portal at "
      "https://%s:%u/\n",
      service.identity().origin.c_str(), address->first.c_str(), (*host)->port(),
      static_cast<unsigned long long>(service.ledger().size()),
      service.identity().tls_fingerprint.c_str(), address->first.c_str(), (*host)->port());
  std::fflush(stdout);
  (*node)->start();
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "innoclear node: signal %d, finishing in-flight requests\n", received);
  (*host)->stop();  // in-flight requests finish; their entries are durable before replies
  (*node)->stop();  // the outbox stays on disk for the next start; a last checkpoint is signed
  return service.ledger().sign_checkpoint().status();
}

}  // namespace

void add_node_verbs(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<NodeArguments>();
  CLI::App* verb = app.add_subcommand("node", "run one region's node (HTTPS API) until Ctrl-C");
  verb->add_option("--data", arguments->data, "the node's data directory")->required();
  verb->add_option("--listen", arguments->listen, "address to listen on")
      ->default_val("127.0.0.1:8443");
  verb->add_option("--manifest", arguments->manifest,
                   "federation manifest (JSON): serve peers and clear with them");
  verb->add_option("--log-bytes-max", arguments->log_bytes_max,
                   "rotate the log (stderr, when a file) to <file>.1 at this size")
      ->default_val(node_log_bytes_max);
  verb->add_option("--requests-per-address-per-second", arguments->requests_per_address_per_second,
                   "requests one IP address may make per second (0: no limit)")
      ->default_val(arguments->requests_per_address_per_second);
  verb->add_option("--connections-per-address-max", arguments->connections_per_address_max,
                   "connections one IP address may hold open (0: no limit)")
      ->default_val(arguments->connections_per_address_max);
  verb->add_option("--tls-cert", arguments->tls_cert,
                   "PEM certificate chain shown to browsers (a client naming a host), e.g. from "
                   "the region's CA; peers and --pin clients still get the node's own")
      ->check(CLI::ExistingFile);
  verb->add_option("--tls-key", arguments->tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  verb->add_flag("--no-rate-limits", arguments->no_rate_limits,
                 "no per-actor (20/s, burst 40) or per-peer (200/s, burst 400) limit (benchmarks)");
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
