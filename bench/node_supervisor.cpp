// Signals are received synchronously (sigtimedwait on signals the caller blocked before any thread
// existed), never by handlers, so nothing here needs to be async-signal-safe outside the child.
#include "bench/node_supervisor.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <fstream>
#include <string_view>
#include <thread>
#include <utility>

#include "bench/process.h"
#include "nodes/data_dir.h"

namespace innoclear::bench {

namespace {

using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

constexpr std::uint32_t health_request_ms_max = 2'000;
constexpr Milliseconds supervise_poll_max{1'000};  // reap even if two SIGCHLDs merged
// What `innoclear node` prints once it serves (see cli/node_verbs.cpp).
constexpr std::string_view listening_marker = "listening on https://127.0.0.1:";

// The port the node printed in its log once it served, or 0 while it has not.
std::uint16_t printed_port(const std::filesystem::path& log_file) {
  std::ifstream in(log_file);
  for (std::string line; std::getline(in, line);) {
    const std::size_t at = line.find(listening_marker);
    if (at == std::string::npos) continue;
    const char* first = line.data() + at + listening_marker.size();
    std::uint16_t port = 0;
    std::from_chars(first, line.data() + line.size(), port);
    return port;
  }
  return 0;
}

bool answers_health(const NodeSpec& spec, std::uint16_t port) {
  api::ClientOptions options;
  options.host = spec.host;
  options.port = port;
  options.server_certificate_fingerprint = spec.tls_fingerprint;  // this node's, no other
  options.timeout_ms = health_request_ms_max;
  api::HttpsClient client(options);
  Result<api::HttpResponse> response = client.request("GET", "/v1/health");
  return response.ok() && response->status == 200;
}

std::string the_node(const NodeSpec& spec) {
  return spec.name.empty() ? "the node" : "the " + spec.name + " node";
}

std::string health_url(const NodeSpec& spec, std::uint16_t port) {
  if (port == 0) return "/v1/health";
  return "https://" + spec.host + ":" + std::to_string(port) + "/v1/health";
}

std::string seconds(Milliseconds duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(duration).count()) + " s";
}

}  // namespace

NodeSupervisor::NodeSupervisor(SupervisorOptions options, std::vector<NodeSpec> nodes)
    : options_(std::move(options)) {
  for (NodeSpec& spec : nodes) {
    Node node;
    node.port = spec.port;
    node.spec = std::move(spec);
    nodes_.push_back(std::move(node));
  }
}

NodeSupervisor::~NodeSupervisor() {
  for (const Node& node : nodes_) {
    if (node.pid == 0) continue;
    ::kill(node.pid, SIGKILL);
    ::waitpid(node.pid, nullptr, 0);
  }
}

Status NodeSupervisor::start() {
  for (Node& node : nodes_) {
    if (Status s = spawn(node); !s.ok()) return s;
  }
  const Clock::time_point deadline = Clock::now() + options_.timing.ready_wait_max;
  for (Node& node : nodes_) {
    if (Status s = wait_until_ready(node, deadline); !s.ok()) return s;
  }
  return Status::success();
}

// Starts `innoclear node` with the node's arguments; its pid goes to the pid file, if any.
Status NodeSupervisor::spawn(Node& node) {
  LoggedProgram program;
  program.program = options_.program;
  program.argv = {"innoclear", "node"};
  program.argv.insert(program.argv.end(), node.spec.arguments.begin(), node.spec.arguments.end());
  program.log_file = node.spec.log_file;
  if (options_.report != nullptr) {
    program.banner = "--- " + options_.reporter + ": starting " + the_node(node.spec) + " ---\n";
  }
  program.own_process_group = options_.own_process_group;
  Result<pid_t> pid = spawn_logged(program);
  if (!pid.ok()) return pid.status();
  if (!node.spec.pid_file.empty()) {
    if (Status s = nodes::write_file_atomically(node.spec.pid_file, std::to_string(*pid) + "\n");
        !s.ok()) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, nullptr, 0);
      return s;
    }
  }
  node.pid = *pid;
  return Status::success();
}

Status NodeSupervisor::wait_until_ready(Node& node, Clock::time_point deadline) {
  for (;;) {
    if (node.port == 0) node.port = printed_port(node.spec.log_file);
    if (node.port != 0 && answers_health(node.spec, node.port)) return Status::success();
    if (std::optional<int> exited = reap(node)) {
      return failure(node, the_node(node.spec) + " " + describe_exit(*exited) + " while starting",
                     true);
    }
    if (Clock::now() >= deadline) {
      return failure(node,
                     the_node(node.spec) + " did not answer " + health_url(node.spec, node.port) +
                         " within " + seconds(options_.timing.ready_wait_max),
                     true);
    }
    if (pause(options_.timing.poll)) {
      return Status(Code::shutting_down, "interrupted while the nodes were starting");
    }
  }
}

// Waits `duration`, or less when one of the signals arrives; true if it was SIGINT or SIGTERM.
bool NodeSupervisor::pause(Milliseconds duration) const {
  if (options_.signals == nullptr) {
    std::this_thread::sleep_for(duration);
    return false;
  }
  const auto count = std::max<Milliseconds::rep>(duration.count(), 0);
  const timespec timeout{static_cast<time_t>(count / 1000),
                         static_cast<long>(count % 1000) * 1'000'000L};
  const int received = ::sigtimedwait(options_.signals, nullptr, &timeout);
  return received == SIGINT || received == SIGTERM;
}

// The node's wait status if it exited (it is then not running), or nullopt.
std::optional<int> NodeSupervisor::reap(Node& node) {
  std::optional<int> exited = reap_if_exited(node.pid);
  if (exited) node.pid = 0;
  return exited;
}

// ---- supervising: restarts within a budget ----

bool NodeSupervisor::supervise() {
  while (!pause(next_wake())) {
    reap_unexpected();  // on SIGCHLD, and on every wake: the signals of two exits may merge
    restart_due();
  }
  return std::none_of(nodes_.begin(), nodes_.end(), [](const Node& node) { return node.given_up; });
}

void NodeSupervisor::reap_unexpected() {
  for (Node& node : nodes_) {
    const pid_t pid = node.pid;
    if (std::optional<int> exited = reap(node)) {
      say(options_.reporter + ": " + the_node(node.spec) + " (pid " + std::to_string(pid) + ") " +
          describe_exit(*exited));
      schedule_restart(node, Clock::now());
    }
  }
}

// Restarts after a back-off, unless the node is in a crash loop: then it is left down and said so.
void NodeSupervisor::schedule_restart(Node& node, Clock::time_point now) {
  while (!node.restarts.empty() && now - node.restarts.front() >= std::chrono::minutes(1)) {
    node.restarts.pop_front();
  }
  if (node.restarts.size() >= options_.timing.restarts_per_minute_max) {
    node.given_up = true;
    say(options_.reporter + ": " + the_node(node.spec) + " was restarted " +
        std::to_string(node.restarts.size()) + " times in a minute; leaving it down (see " +
        node.spec.log_file.string() + ")");
    return;
  }
  node.restart_at = now + options_.timing.restart_backoff;
  say(options_.reporter + ": restarting " + the_node(node.spec) + " in " +
      std::to_string(options_.timing.restart_backoff.count()) + " ms");
}

void NodeSupervisor::restart_due() {
  for (Node& node : nodes_) {
    const Clock::time_point now = Clock::now();
    if (!node.restart_at || now < *node.restart_at) continue;
    node.restart_at.reset();
    node.restarts.push_back(now);
    if (Status s = spawn(node); !s.ok()) {
      say(options_.reporter + ": cannot restart " + the_node(node.spec) + ": " + s.to_string());
      schedule_restart(node, now);
      continue;
    }
    say(options_.reporter + ": restarted " + the_node(node.spec) + " (pid " +
        std::to_string(node.pid) + ")");
  }
}

Milliseconds NodeSupervisor::next_wake() const {
  Milliseconds wake = supervise_poll_max;
  const Clock::time_point now = Clock::now();
  for (const Node& node : nodes_) {
    if (!node.restart_at) continue;
    const auto due = std::chrono::duration_cast<Milliseconds>(*node.restart_at - now);
    wake = std::min(wake, std::max(due, Milliseconds(0)));
  }
  return wake;
}

// ---- stopping ----

Status NodeSupervisor::stop() {
  for (Node& node : nodes_) {
    node.restart_at.reset();
    if (node.pid != 0) ::kill(node.pid, SIGTERM);
  }
  Status outcome = Status::success();
  bool killed = false;
  const Clock::time_point deadline = Clock::now() + options_.timing.stop_grace_max;
  while (reap_stopped(outcome) > 0) {
    const bool hurried = pause(options_.timing.poll);
    if (killed || (!hurried && Clock::now() < deadline)) continue;
    killed = true;
    kill_remaining(hurried, outcome);
  }
  return outcome;
}

// Reaps the nodes that stopped and reports each; the first unclean exit becomes `outcome`.
// Returns how many still run.
std::size_t NodeSupervisor::reap_stopped(Status& outcome) {
  std::size_t running = 0;
  for (Node& node : nodes_) {
    if (std::optional<int> exited = reap(node)) {
      say("stopped " + the_node(node.spec) + ": it " + describe_exit(*exited));
      if (!exited_cleanly(*exited) && outcome.ok()) {
        outcome = failure(node, the_node(node.spec) + " " + describe_exit(*exited) + " on SIGTERM",
                          false);
      }
      std::error_code error;
      if (!node.spec.pid_file.empty()) std::filesystem::remove(node.spec.pid_file, error);
    } else if (node.pid != 0) {
      ++running;
    }
  }
  return running;
}

void NodeSupervisor::kill_remaining(bool hurried, Status& outcome) {
  for (const Node& node : nodes_) {
    if (node.pid == 0) continue;
    say(the_node(node.spec) + " (pid " + std::to_string(node.pid) + ") is still running: SIGKILL");
    ::kill(node.pid, SIGKILL);
    if (!outcome.ok()) continue;
    const std::string why =
        hurried ? "was still running at a second stop signal"
                : "did not stop within " + seconds(options_.timing.stop_grace_max) + " of SIGTERM";
    outcome = failure(node, the_node(node.spec) + " " + why, false);
  }
}

// ---- telling ----

// An io_error about `node`, with its log's last lines: in the reason when silent; on stderr when
// an operator is watching and it failed to start (the reason then names the log).
Status NodeSupervisor::failure(const Node& node, const std::string& what, bool starting) const {
  const std::optional<std::vector<std::string>> tail =
      read_log_tail(node.spec.log_file, options_.log_tail_lines_max, options_.log_tail_bytes_max);
  if (options_.report == nullptr) {
    std::string joined;
    for (const std::string& line : tail.value_or(std::vector<std::string>{})) {
      joined += (joined.empty() ? "" : " | ") + line;
    }
    if (joined.empty()) joined = tail ? "empty log" : "no log";
    return Status(Code::io_error, what + ": " + joined);
  }
  if (!starting) return Status(Code::io_error, what);
  if (tail) {
    std::fprintf(stderr, "last lines of %s:\n", node.spec.log_file.c_str());
    for (const std::string& line : *tail) {
      std::fprintf(stderr, "  %s| %s\n", node.spec.name.c_str(), line.c_str());
    }
  }
  return Status(Code::io_error, what + " (see " + node.spec.log_file.string() + ")");
}

void NodeSupervisor::say(const std::string& line) const {
  if (options_.report == nullptr) return;
  std::fprintf(options_.report, "%s\n", line.c_str());
  std::fflush(options_.report);
}

}  // namespace innoclear::bench
