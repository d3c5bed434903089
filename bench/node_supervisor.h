// `innoclear node` processes run as an operator runs them, each with its own memory: started,
// waited for until they answer GET /v1/health over HTTPS (pinned to their certificate),
// restarted when they die if the caller supervises them, and stopped with SIGTERM (SIGKILL when
// they do not stop). The one supervisor of node processes: `innoclear up` runs the federation's
// six nodes with it and restarts crashed ones within a budget; a benchmark starts one node,
// measures it, and stops it (bench/node_process.h).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "api/https.h"
#include "base/status.h"

namespace innoclear::bench {

// One node as the supervisor runs it.
struct NodeSpec {
  std::string name;                    // "TJ" says "the TJ node" in messages; empty: "the node"
  std::vector<std::string> arguments;  // after `innoclear node`: --data, --listen, …
  std::filesystem::path log_file;      // its stdout and stderr, appended
  std::filesystem::path pid_file;  // holds the pid of each start, removed at stop(); empty: none
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;       // 0: the port it prints once it serves (for --listen HOST:0)
  std::string tls_fingerprint;  // the certificate the health check is pinned to
};

// How long the supervisor waits for what; the defaults are `innoclear up`'s.
struct SupervisorTiming {
  std::chrono::milliseconds ready_wait_max{30'000};  // for all nodes, from start()
  std::chrono::milliseconds poll{100};
  std::chrono::milliseconds stop_grace_max{15'000};
  // supervise() starts a node that exited again after `restart_backoff`, unless it was restarted
  // `restarts_per_minute_max` times in the last minute: a crash loop must not spin, and is left
  // down.
  std::chrono::milliseconds restart_backoff{500};
  std::size_t restarts_per_minute_max = 5;
};
// A node lets in-flight requests finish on SIGTERM; it must not get SIGKILL before that.
static_assert(SupervisorTiming{}.stop_grace_max.count() > api::ServerLimits{}.shutdown_grace_ms);
static_assert(SupervisorTiming{}.restart_backoff.count() *
                  SupervisorTiming{}.restarts_per_minute_max <
              60'000);

struct SupervisorOptions {
  std::filesystem::path program = "/proc/self/exe";  // the innoclear binary
  bool own_process_group = false;                    // see LoggedProgram (bench/process.h)
  // Signals the caller blocked (on every thread) for the supervisor to wait for instead of
  // sleeping: SIGINT or SIGTERM interrupts start(), hurries stop() to SIGKILL and ends
  // supervise(); any other (SIGCHLD) only wakes it. nullptr: it sleeps between polls.
  const sigset_t* signals = nullptr;
  // Where an operator is told of each exit, restart and stop, one line each, signed `reporter`
  // (as are the banners written to the logs at each start). nullptr: silent, no banners.
  std::FILE* report = nullptr;
  std::string reporter;
  SupervisorTiming timing;
  // The last lines of the log of a node that failed: on stderr when `report` is set (at a start
  // only), otherwise in the failure's reason, which outlives a benchmark's scratch directory.
  std::size_t log_tail_lines_max = 20;
  std::size_t log_tail_bytes_max = 16 * 1024;
};

// Node processes, children of this one. Movable; the destructor kills (SIGKILL) and reaps every
// node still running, so that a failure leaves no node behind. Thread-compatible.
class NodeSupervisor {
 public:
  NodeSupervisor(SupervisorOptions options, std::vector<NodeSpec> nodes);
  NodeSupervisor(NodeSupervisor&&) noexcept = default;
  NodeSupervisor& operator=(NodeSupervisor&&) = delete;
  NodeSupervisor(const NodeSupervisor&) = delete;
  ~NodeSupervisor();

  // Starts every node, in order, then waits until each answers GET /v1/health, at most
  // ready_wait_max in all. Fails with io_error if a node cannot be started, exits, or does not
  // answer in time, and with shutting_down on SIGINT or SIGTERM; nodes started stay up for stop().
  // REQUIRES: called on a thread that outlives the nodes (see spawn_logged()).
  Status start();

  // Until SIGINT or SIGTERM: reaps each node that exits, reports it and starts it again after the
  // back-off, within the restart budget. False if a node was left down.
  // REQUIRES: options.signals holds SIGINT, SIGTERM and SIGCHLD.
  bool supervise();

  // SIGTERM to every running node, then waits for them all, reporting each; SIGKILL to those
  // still running after stop_grace_max, or at once on SIGINT or SIGTERM. Removes the pid files.
  // Fails with io_error (the first node's reason) unless every node exited with code 0.
  Status stop();

  pid_t pid(std::size_t node) const { return nodes_[node].pid; }  // 0 while not running
  std::uint16_t port(std::size_t node) const { return nodes_[node].port; }

 private:
  struct Node {
    NodeSpec spec;
    pid_t pid = 0;
    std::uint16_t port = 0;
    std::optional<std::chrono::steady_clock::time_point> restart_at;  // down, to start again then
    std::deque<std::chrono::steady_clock::time_point> restarts;       // those of the last minute
    bool given_up = false;                                            // crash loop: left down
  };

  Status spawn(Node& node);
  Status wait_until_ready(Node& node, std::chrono::steady_clock::time_point deadline);
  bool pause(std::chrono::milliseconds duration) const;
  std::optional<int> reap(Node& node);
  void reap_unexpected();
  void schedule_restart(Node& node, std::chrono::steady_clock::time_point now);
  void restart_due();
  std::chrono::milliseconds next_wake() const;
  std::size_t reap_stopped(Status& outcome);
  void kill_remaining(bool hurried, Status& outcome);
  Status failure(const Node& node, const std::string& what, bool starting) const;
  void say(const std::string& line) const;

  SupervisorOptions options_;
  std::vector<Node> nodes_;
};

}  // namespace innoclear::bench
