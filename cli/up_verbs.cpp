// `innoclear up`: the whole federation on one machine. The six regions' data directories and the
// manifest are created on the first run and reused after (up_federation.cpp); each node runs as a
// child process of this one under bench::NodeSupervisor, restarted when it dies, until Ctrl-C
// stops them all.
//
// Process plumbing, and why it is done this way:
//  - SIGINT, SIGTERM and SIGCHLD are blocked first, before any thread exists, and received
//    synchronously by the supervisor (sigtimedwait): no handlers, so nothing needs to be
//    async-signal-safe.
//  - A node runs in its own process group, so a terminal's Ctrl-C reaches only `up`, which then
//    stops the nodes in order and reports each; PR_SET_PDEATHSIG stops them if `up` is killed.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "api/https.h"
#include "bench/node_supervisor.h"
#include "cli/cli.h"
#include "cli/demo.h"
#include "cli/up.h"
#include "nodes/manifest.h"

namespace innoclear::cli {

namespace {

namespace fs = std::filesystem;

constexpr int port_max = 65535;

// Each member's node: DIR/<code>/ on the manifest's address, pinned to the manifest's certificate.
Result<std::vector<bench::NodeSpec>> node_specs(const fs::path& dir,
                                                const nodes::Manifest& manifest) {
  std::vector<bench::NodeSpec> specs;
  for (const nodes::Member& member : manifest.members) {
    Result<std::pair<std::string, std::uint16_t>> address = api::parse_host_port(member.base_url);
    if (!address.ok()) return address.status();
    bench::NodeSpec spec;
    spec.name = std::string(clearing::region_code(member.region));
    const fs::path data = dir / spec.name;
    spec.arguments = {"--data",     data.string(),
                      "--listen",   address->first + ":" + std::to_string(address->second),
                      "--manifest", manifest_file_of(dir).string()};
    spec.log_file = node_log_of(dir, member.region);
    spec.pid_file = data / "node.pid";
    spec.host = address->first;
    spec.port = address->second;
    spec.tls_fingerprint = member.tls_fingerprint;
    specs.push_back(std::move(spec));
  }
  return specs;
}

bench::SupervisorOptions supervisor_options(const sigset_t& signals) {
  bench::SupervisorOptions options;
  options.program = "/proc/self/exe";
  options.own_process_group = true;
  options.signals = &signals;
  options.report = stdout;
  options.reporter = "innoclear up";
  return options;  // `up`'s timing and restart budget are the defaults
}

// True if every node exited with code 0.
bool stop_federation(bench::NodeSupervisor& nodes) {
  std::printf("stopping the federation\n");
  return nodes.stop().ok();
}

// Runs the federation; returns the verb's exit code.
int run_up(const UpArguments& arguments, const sigset_t& signals) {
  const fs::path dir = arguments.dir;
  Result<nodes::Manifest> manifest = prepare_federation(dir, arguments);
  if (!manifest.ok()) return fail(manifest.status());
  Result<std::vector<bench::NodeSpec>> specs = node_specs(dir, *manifest);
  if (!specs.ok()) return fail(specs.status());
  bench::NodeSupervisor nodes(supervisor_options(signals), std::move(*specs));
  if (Status started = nodes.start(); !started.ok()) {
    (void)stop_federation(nodes);
    return fail(started);
  }
  print_table(*manifest, dir);
  bool ok = true;
  if (arguments.demo) {
    if (Status demo = run_demo(dir, *manifest); !demo.ok()) {
      (void)fail(Status(demo.code(), "demo: " + demo.message()));
      ok = false;
    }
  }
  if (ok && !arguments.stop_after_demo) {
    print_portals(*manifest);
    std::printf("Ctrl-C stops the federation\n");
    std::fflush(stdout);
    ok = nodes.supervise();
  }
  const bool clean = stop_federation(nodes);
  if (!clean) std::fprintf(stderr, "innoclear: io_error: a node did not stop cleanly\n");
  return ok && clean ? exit_ok : exit_failure;
}

}  // namespace

void add_up_verbs(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<UpArguments>();
  CLI::App* verb = app.add_subcommand(
      "up", "run all six regions' nodes on this machine, supervised, until Ctrl-C");
  verb->add_option("--dir", arguments->dir,
                   "the federation's directory: DIR/<region>/, DIR/manifest.json")
      ->default_val("federation");
  CLI::Option* base_port =
      verb->add_option(
              "--base-port", arguments->base_port,
              "region i (BJ TJ HE NM GZ CD) listens on P+1+i; used when the manifest is created")
          ->default_val(up_base_port_default)
          ->check(CLI::Range(1, port_max - static_cast<int>(clearing::all_regions.size())));
  CLI::Option* period =
      verb->add_option("--period-seconds", arguments->period_seconds,
                       "clearing period when the manifest is created; 0: calendar months")
          ->default_val(0)
          ->check(CLI::NonNegativeNumber);
  verb->add_flag("--demo", arguments->demo, "run the demo once the nodes are up");
  verb->add_flag("--stop-after-demo", arguments->stop_after_demo,
                 "stop the federation after the demo instead of waiting for Ctrl-C");
  verb->callback([arguments, base_port, period, &exit_code] {
    // First, before any thread exists, so that every thread inherits the mask and the signals
    // queue for sigtimedwait here.
    // A script's background job starts with SIGINT ignored; `up` promises to stop on it.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    sigset_t signals;
    ::sigemptyset(&signals);
    ::sigaddset(&signals, SIGINT);
    ::sigaddset(&signals, SIGTERM);
    ::sigaddset(&signals, SIGCHLD);
    ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    arguments->base_port_given = base_port->count() > 0;
    arguments->period_given = period->count() > 0;
    exit_code = run_up(*arguments, signals);
  });
}

}  // namespace innoclear::cli
