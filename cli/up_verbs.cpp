// `innoclear up`: the whole federation on one machine. The six regions' data directories and the
// manifest are created on the first run and reused after; each node runs as a child process of
// this one, supervised (a node that dies is restarted) until Ctrl-C stops them all.
//
// Process plumbing, and why it is done this way:
//  - SIGINT, SIGTERM and SIGCHLD are blocked first, before any thread exists, and received
//    synchronously with sigtimedwait: no handlers, so nothing needs to be async-signal-safe.
//  - A child restores an empty signal mask before exec, because the mask survives exec; the node
//    blocks the signals it waits for itself.
//  - A child runs in its own process group, so a terminal's Ctrl-C reaches only `up`, which then
//    stops the nodes in order and reports each; PR_SET_PDEATHSIG stops them if `up` is killed.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <vector>

#include "cli/cli.h"
#include "cli/demo.h"
#include "api/https.h"
#include "nodes/data_dir.h"
#include "nodes/manifest.h"

namespace innoclear::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;
using clearing::Region;

constexpr int base_port_default = 7100;
constexpr int port_max = 65535;
constexpr std::uint32_t health_wait_ms_max = 30'000;     // for all nodes, from the first start
constexpr std::uint32_t health_poll_ms = 100;
constexpr std::uint32_t health_request_ms_max = 2'000;
constexpr std::uint32_t restart_backoff_ms = 500;        // a crash loop must not spin
constexpr std::size_t restarts_per_minute_max = 5;       // beyond this a node is left down
constexpr std::uint32_t supervise_poll_ms_max = 1'000;   // reap even if a SIGCHLD merged
constexpr std::uint32_t stop_grace_ms_max = 15'000;
constexpr std::uint32_t stop_poll_ms = 100;
constexpr std::size_t log_tail_lines_max = 20;
constexpr std::size_t log_tail_bytes_max = 16 * 1024;
constexpr std::size_t fingerprint_shown_digits = 16;
constexpr std::size_t name_column_width = 22;  // "Inner Mongolia 内蒙古" and a space
// A node lets in-flight requests finish on SIGTERM; `up` must not SIGKILL it before that.
static_assert(stop_grace_ms_max > api::ServerLimits{}.shutdown_grace_ms);
static_assert(restart_backoff_ms * restarts_per_minute_max < 60'000);

struct UpArguments {
  std::string dir = "federation";
  int base_port = base_port_default;
  std::int64_t period_seconds = 0;
  bool base_port_given = false;
  bool period_given = false;
  bool demo = false;
  bool stop_after_demo = false;
};

struct NodeProcess {
  Region region = Region::BJ;
  std::string code;
  fs::path data;
  std::string base_url;
  std::string host;
  std::uint16_t port = 0;
  std::string fingerprint;
  pid_t pid = 0;                                 // 0: not running
  std::optional<Clock::time_point> restart_at;   // down, to be started again then
  std::deque<Clock::time_point> restarts;        // those of the last minute
  bool given_up = false;                         // crash loop: left down

  fs::path log_file() const { return data / "node.log"; }
  fs::path pid_file() const { return data / "node.pid"; }
};

// ---- the federation's directories and manifest ----

fs::path manifest_file_of(const fs::path& dir) { return dir / "manifest.json"; }

Result<crypto::PublicKey> office_public_key(const nodes::DataDir& data) {
  Result<crypto::KeyPair> key = crypto::KeyPair::load(data.office_key_file());
  if (!key.ok()) return key.status();
  return key->public_key();
}

// DIR/<code>'s identity; the directory is created (init) if it holds no node yet.
Result<nodes::NodeIdentity> open_or_init(const nodes::DataDir& data, Region region) {
  Result<nodes::NodeIdentity> identity = nodes::read_identity(data);
  if (identity.ok()) {
    std::printf("reused  %s node in %s\n", std::string(clearing::region_code(region)).c_str(),
                data.root.c_str());
    return identity;
  }
  if (identity.status().code() != Code::not_found) return identity.status();
  identity = nodes::init_data_dir(data, region);
  if (identity.ok()) {
    std::printf("created %s node in %s\n", std::string(clearing::region_code(region)).c_str(),
                data.root.c_str());
  }
  return identity;
}

// First run: every region's directory (created where missing) and a new manifest naming them,
// region i listening on base_port + 1 + i.
Result<nodes::Manifest> create_federation(const fs::path& dir, const UpArguments& arguments) {
  nodes::Manifest manifest;
  manifest.period_seconds = arguments.period_seconds;
  for (std::size_t i = 0; i < clearing::all_regions.size(); ++i) {
    const Region region = clearing::all_regions[i];
    const nodes::DataDir data{dir / std::string(clearing::region_code(region))};
    Result<nodes::NodeIdentity> identity = open_or_init(data, region);
    if (!identity.ok()) return identity.status();
    Result<crypto::PublicKey> office = office_public_key(data);
    if (!office.ok()) return office.status();
    const int port = arguments.base_port + 1 + static_cast<int>(i);
    manifest.members.push_back(
        {region, std::string(clearing::region_name(region)),
         "https://127.0.0.1:" + std::to_string(port), identity->public_key, *office,
         identity->tls_fingerprint,
         {clearing::all_regions.begin(), clearing::all_regions.end()}});
  }
  // The nodes load it by these rules (period_seconds among them): refuse now what they would.
  if (Result<nodes::Manifest> valid = nodes::parse_manifest(nodes::to_json(manifest)); !valid.ok()) {
    return valid.status();
  }
  if (Status saved = nodes::save_manifest(manifest_file_of(dir), manifest); !saved.ok()) {
    return saved;
  }
  std::printf("created %s (period %s)\n", manifest_file_of(dir).c_str(),
              manifest.period_seconds == 0
                  ? "monthly"
                  : (std::to_string(manifest.period_seconds) + " s").c_str());
  return manifest;
}

// The manifest must describe DIR/<code> exactly: the node key and certificate in node.json and,
// while the office still keeps it there, the office key in office.key.
Status check_member(const fs::path& dir, const fs::path& manifest_file, const nodes::Member& member) {
  const std::string code(clearing::region_code(member.region));
  const nodes::DataDir data{dir / code};
  Result<nodes::NodeIdentity> identity = nodes::read_identity(data);
  if (!identity.ok()) {
    return Status(identity.status().code(),
                  manifest_file.string() + " lists " + code + " but " + data.root.string() +
                      " is not its node (" + identity.status().message() + ")");
  }
  const std::string mismatch = manifest_file.string() + " does not match " + data.root.string();
  if (identity->region != member.region) return Status(Code::invalid_argument, mismatch + ": region");
  if (identity->public_key != member.node_key) {
    return Status(Code::invalid_argument, mismatch + ": node key");
  }
  if (identity->tls_fingerprint != member.tls_fingerprint) {
    return Status(Code::invalid_argument, mismatch + ": TLS fingerprint");
  }
  std::error_code error;
  if (fs::exists(data.office_key_file(), error)) {
    Result<crypto::PublicKey> office = office_public_key(data);
    if (!office.ok()) return office.status();
    if (*office != member.office_key) {
      return Status(Code::invalid_argument, mismatch + ": office key");
    }
  }
  return Status::success();
}

Result<nodes::Manifest> reuse_federation(const fs::path& dir, const UpArguments& arguments) {
  const fs::path file = manifest_file_of(dir);
  Result<nodes::Manifest> manifest = nodes::load_manifest(file);
  if (!manifest.ok()) return manifest.status();
  for (const nodes::Member& member : manifest->members) {
    if (Status s = check_member(dir, file, member); !s.ok()) return s;
  }
  std::printf("reused  the data directories %s/<region>/ of the manifest's members\n", dir.c_str());
  std::printf("reused  %s (%zu members, period %s)\n", file.c_str(), manifest->members.size(),
              manifest->period_seconds == 0
                  ? "monthly"
                  : (std::to_string(manifest->period_seconds) + " s").c_str());
  if (arguments.base_port_given || arguments.period_given) {
    std::printf("        ports and period come from the manifest; --base-port and "
                "--period-seconds apply only when it is created\n");
  }
  return manifest;
}

Result<nodes::Manifest> prepare_federation(const fs::path& dir, const UpArguments& arguments) {
  std::error_code error;
  if (fs::exists(manifest_file_of(dir), error)) return reuse_federation(dir, arguments);
  return create_federation(dir, arguments);
}

Result<std::vector<NodeProcess>> node_processes(const fs::path& dir, const nodes::Manifest& manifest) {
  std::vector<NodeProcess> nodes;
  for (const nodes::Member& member : manifest.members) {
    Result<std::pair<std::string, std::uint16_t>> address = api::parse_host_port(member.base_url);
    if (!address.ok()) return address.status();
    NodeProcess node;
    node.region = member.region;
    node.code = std::string(clearing::region_code(member.region));
    node.data = dir / node.code;
    node.base_url = member.base_url;
    node.host = address->first;
    node.port = address->second;
    node.fingerprint = member.tls_fingerprint;
    nodes.push_back(std::move(node));
  }
  return nodes;
}

// ---- child processes ----

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_node(char* const* argv, int log, int null, pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);  // `up` died before the death signal was set
  if (null >= 0) ::dup2(null, STDIN_FILENO);
  ::dup2(log, STDOUT_FILENO);
  ::dup2(log, STDERR_FILENO);
  ::close_range(3, ~0U, 0);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execv("/proc/self/exe", argv);
  ::_exit(127);
}

// Starts `innoclear node` for one region, output appended to its node.log, its pid in node.pid.
Result<pid_t> spawn_node(const NodeProcess& node, const fs::path& manifest_file) {
  std::vector<std::string> words = {"innoclear", "node", "--data", node.data.string(),
                                    "--listen", node.host + ":" + std::to_string(node.port),
                                    "--manifest", manifest_file.string()};
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  const int log = ::open(node.log_file().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    return Status(Code::io_error, "cannot open " + node.log_file().string() + ": " + std::strerror(errno));
  }
  const std::string banner = "--- innoclear up: starting the " + node.code + " node ---\n";
  (void)!::write(log, banner.data(), banner.size());
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::fflush(nullptr);  // the child must not inherit unwritten output
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_node(argv.data(), log, null, parent);
  const int fork_errno = errno;
  ::close(log);
  if (null >= 0) ::close(null);
  if (pid < 0) return Status(Code::io_error, "fork: " + std::string(std::strerror(fork_errno)));
  if (Status s = nodes::write_file_atomically(node.pid_file(), std::to_string(pid) + "\n"); !s.ok()) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return s;
  }
  return pid;
}

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    return "was killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  }
  return "stopped with status " + std::to_string(wait_status);
}

bool exited_cleanly(int wait_status) {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

// Reaps the node if it exited: its wait status, or nullopt while it runs.
std::optional<int> reap(NodeProcess& node) {
  int wait_status = 0;
  if (node.pid == 0 || ::waitpid(node.pid, &wait_status, WNOHANG) != node.pid) return std::nullopt;
  node.pid = 0;
  return wait_status;
}

// The signal of `signals` that arrived within `timeout_ms`, or 0.
int wait_for_signal(const sigset_t& signals, std::uint32_t timeout_ms) {
  timespec timeout{static_cast<time_t>(timeout_ms / 1000),
                   static_cast<long>(timeout_ms % 1000) * 1'000'000L};
  const int received = ::sigtimedwait(&signals, nullptr, &timeout);
  return received > 0 ? received : 0;
}

bool is_stop_signal(int signal) { return signal == SIGINT || signal == SIGTERM; }

void print_log_tail(const NodeProcess& node) {
  std::ifstream in(node.log_file(), std::ios::binary | std::ios::ate);
  if (!in) return;
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - std::streamoff(log_tail_bytes_max));
  in.seekg(start);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > log_tail_lines_max) lines.pop_front();
  }
  std::fprintf(stderr, "last lines of %s:\n", node.log_file().c_str());
  for (const std::string& line : lines) std::fprintf(stderr, "  %s| %s\n", node.code.c_str(), line.c_str());
}

// ---- starting, supervising, stopping ----

Status start_all(std::vector<NodeProcess>& nodes, const fs::path& manifest_file) {
  for (NodeProcess& node : nodes) {
    Result<pid_t> pid = spawn_node(node, manifest_file);
    if (!pid.ok()) return pid.status();
    node.pid = *pid;
  }
  return Status::success();
}

bool answers_health(const NodeProcess& node) {
  api::ClientOptions options;
  options.host = node.host;
  options.port = node.port;
  options.server_certificate_fingerprint = node.fingerprint;  // the manifest's node, no other
  options.timeout_ms = health_request_ms_max;
  api::HttpsClient client(options);
  Result<api::HttpResponse> response = client.request("GET", "/v1/health");
  return response.ok() && response->status == 200;
}

// Waits until every node answers GET /v1/health, at most health_wait_ms_max in all. A node that
// exits or never answers fails the start (its log's last lines on stderr); so does SIGINT/SIGTERM.
Status wait_until_healthy(std::vector<NodeProcess>& nodes, const sigset_t& stop_signals) {
  const Clock::time_point deadline = Clock::now() + Milliseconds(health_wait_ms_max);
  for (NodeProcess& node : nodes) {
    while (!answers_health(node)) {
      if (std::optional<int> exited = reap(node)) {
        print_log_tail(node);
        return Status(Code::io_error, "the " + node.code + " node " + describe_exit(*exited) +
                                          " while starting (see " + node.log_file().string() + ")");
      }
      if (Clock::now() >= deadline) {
        print_log_tail(node);
        return Status(Code::io_error, "the " + node.code + " node did not answer " + node.base_url +
                                          "/v1/health within " +
                                          std::to_string(health_wait_ms_max / 1000) + " s");
      }
      if (wait_for_signal(stop_signals, health_poll_ms) != 0) {
        return Status(Code::shutting_down, "interrupted while the nodes were starting");
      }
    }
  }
  return Status::success();
}

// Display columns of UTF-8 text: the regions' Chinese names take two columns a character.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char byte : text) {
    if ((byte & 0xC0) == 0x80) continue;  // continuation byte
    width += byte >= 0xE0 ? 2 : 1;
  }
  return width;
}

std::string padded(const std::string& text, std::size_t width) {
  const std::size_t shown = display_width(text);
  return text + std::string(shown < width ? width - shown : 0, ' ');
}

void print_table(const std::vector<NodeProcess>& nodes, const nodes::Manifest& manifest,
                 const fs::path& dir) {
  std::printf("\n%s  %s  %s  %s  %s\n", "region", padded("name", name_column_width).c_str(),
              padded("URL", 24).c_str(), padded("TLS", fingerprint_shown_digits).c_str(), "log");
  for (const NodeProcess& node : nodes) {
    std::printf("%s  %s  %s  %s  %s\n", padded(node.code, 6).c_str(),
                padded(manifest.find(node.region)->name, name_column_width).c_str(),
                padded(node.base_url, 24).c_str(),
                node.fingerprint.substr(0, fingerprint_shown_digits).c_str(),
                node.log_file().c_str());
  }
  std::printf("\nmanifest %s; each office's key is %s/<region>/office.key (actor office.<region>)\n\n",
              manifest_file_of(dir).c_str(), dir.c_str());
  std::fflush(stdout);
}

// Restarts after a back-off, unless the node is in a crash loop: then it is left down and said so.
void schedule_restart(NodeProcess& node, Clock::time_point now) {
  while (!node.restarts.empty() && now - node.restarts.front() >= std::chrono::minutes(1)) {
    node.restarts.pop_front();
  }
  if (node.restarts.size() >= restarts_per_minute_max) {
    node.given_up = true;
    std::printf("innoclear up: the %s node was restarted %zu times in a minute; leaving it down "
                "(see %s)\n", node.code.c_str(), node.restarts.size(), node.log_file().c_str());
    return;
  }
  node.restart_at = now + Milliseconds(restart_backoff_ms);
  std::printf("innoclear up: restarting the %s node in %u ms\n", node.code.c_str(), restart_backoff_ms);
}

void reap_unexpected(std::vector<NodeProcess>& nodes) {
  for (NodeProcess& node : nodes) {
    const pid_t pid = node.pid;
    if (std::optional<int> exited = reap(node)) {
      std::printf("innoclear up: the %s node (pid %d) %s\n", node.code.c_str(), static_cast<int>(pid),
                  describe_exit(*exited).c_str());
      schedule_restart(node, Clock::now());
    }
  }
  std::fflush(stdout);
}

void restart_due(std::vector<NodeProcess>& nodes, const fs::path& manifest_file) {
  for (NodeProcess& node : nodes) {
    const Clock::time_point now = Clock::now();
    if (!node.restart_at || now < *node.restart_at) continue;
    node.restart_at.reset();
    node.restarts.push_back(now);
    Result<pid_t> pid = spawn_node(node, manifest_file);
    if (!pid.ok()) {
      std::printf("innoclear up: cannot restart the %s node: %s\n", node.code.c_str(),
                  pid.status().to_string().c_str());
      schedule_restart(node, now);
      continue;
    }
    node.pid = *pid;
    std::printf("innoclear up: restarted the %s node (pid %d)\n", node.code.c_str(), static_cast<int>(*pid));
  }
  std::fflush(stdout);
}

std::uint32_t next_wake_ms(const std::vector<NodeProcess>& nodes) {
  std::uint32_t wake_ms = supervise_poll_ms_max;
  const Clock::time_point now = Clock::now();
  for (const NodeProcess& node : nodes) {
    if (!node.restart_at) continue;
    const auto due = std::chrono::duration_cast<Milliseconds>(*node.restart_at - now).count();
    wake_ms = std::min<std::uint32_t>(wake_ms, static_cast<std::uint32_t>(std::max<long long>(due, 0)));
  }
  return wake_ms;
}

// Until SIGINT or SIGTERM: restarts each node that exits. False if a node was left down.
bool supervise(std::vector<NodeProcess>& nodes, const fs::path& manifest_file, const sigset_t& signals) {
  for (;;) {
    const int received = wait_for_signal(signals, next_wake_ms(nodes));
    if (is_stop_signal(received)) break;
    reap_unexpected(nodes);  // on SIGCHLD, and on every wake: signals of two exits may merge
    restart_due(nodes, manifest_file);
  }
  for (const NodeProcess& node : nodes) {
    if (node.given_up) return false;
  }
  return true;
}

// Reaps the nodes that stopped and reports each. Returns how many still run.
std::size_t reap_stopped(std::vector<NodeProcess>& nodes, bool& clean) {
  std::size_t running = 0;
  for (NodeProcess& node : nodes) {
    if (std::optional<int> exited = reap(node)) {
      std::printf("stopped the %s node: it %s\n", node.code.c_str(), describe_exit(*exited).c_str());
      clean = clean && exited_cleanly(*exited);
      std::error_code error;
      fs::remove(node.pid_file(), error);
    } else if (node.pid != 0) {
      ++running;
    }
  }
  std::fflush(stdout);
  return running;
}

// SIGTERM to every node; SIGKILL to those still running after stop_grace_ms_max, or at once on a
// second Ctrl-C. True if every node exited with code 0.
bool stop_all(std::vector<NodeProcess>& nodes, const sigset_t& signals) {
  std::printf("stopping the federation\n");
  for (const NodeProcess& node : nodes) {
    if (node.pid != 0) ::kill(node.pid, SIGTERM);
  }
  bool clean = true;
  bool killed = false;
  const Clock::time_point deadline = Clock::now() + Milliseconds(stop_grace_ms_max);
  while (reap_stopped(nodes, clean) > 0) {
    const bool hurry = is_stop_signal(wait_for_signal(signals, stop_poll_ms));
    if (killed || (!hurry && Clock::now() < deadline)) continue;
    killed = true;
    for (const NodeProcess& node : nodes) {
      if (node.pid == 0) continue;
      std::printf("the %s node (pid %d) is still running: SIGKILL\n", node.code.c_str(),
                  static_cast<int>(node.pid));
      ::kill(node.pid, SIGKILL);
    }
  }
  return clean;
}

// Runs the federation; returns the verb's exit code.
int run_up(const UpArguments& arguments, const sigset_t& signals, const sigset_t& stop_signals) {
  const fs::path dir = arguments.dir;
  Result<nodes::Manifest> manifest = prepare_federation(dir, arguments);
  if (!manifest.ok()) return fail(manifest.status());
  Result<std::vector<NodeProcess>> nodes = node_processes(dir, *manifest);
  if (!nodes.ok()) return fail(nodes.status());
  Status started = start_all(*nodes, manifest_file_of(dir));
  if (started.ok()) started = wait_until_healthy(*nodes, stop_signals);
  if (!started.ok()) {
    (void)stop_all(*nodes, signals);
    return fail(started);
  }
  print_table(*nodes, *manifest, dir);
  bool ok = true;
  if (arguments.demo) {
    if (Status demo = run_demo(dir, *manifest); !demo.ok()) {
      (void)fail(Status(demo.code(), "demo: " + demo.message()));
      ok = false;
    }
  }
  if (ok && !arguments.stop_after_demo) {
    std::printf("Ctrl-C stops the federation\n");
    std::fflush(stdout);
    ok = supervise(*nodes, manifest_file_of(dir), signals);
  }
  const bool clean = stop_all(*nodes, signals);
  if (!clean) std::fprintf(stderr, "innoclear: io_error: a node did not stop cleanly\n");
  return ok && clean ? exit_ok : exit_failure;
}

}  // namespace

void add_up_verbs(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<UpArguments>();
  CLI::App* verb = app.add_subcommand(
      "up", "run all six regions' nodes on this machine, supervised, until Ctrl-C");
  verb->add_option("--dir", arguments->dir, "the federation's directory: DIR/<region>/, DIR/manifest.json")
      ->default_val("federation");
  CLI::Option* base_port =
      verb->add_option("--base-port", arguments->base_port,
                       "region i (BJ TJ HE NM GZ CD) listens on P+1+i; used when the manifest is created")
          ->default_val(base_port_default)
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
    sigset_t stop_signals = signals;
    ::sigaddset(&signals, SIGCHLD);
    ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    arguments->base_port_given = base_port->count() > 0;
    arguments->period_given = period->count() > 0;
    exit_code = run_up(*arguments, signals, stop_signals);
  });
}

}  // namespace innoclear::cli
