// `innoclear node` run by a benchmark as a separate process, as an operator runs it, so that its
// memory is its own: started, waited for until it answers over HTTPS, sampled, and stopped with
// SIGTERM. Internal to bench/.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "bench/node_supervisor.h"
#include "nodes/data_dir.h"

namespace innoclear::bench {

// A running node process: one node of a NodeSupervisor that never restarts it. Move-only; the
// destructor kills (SIGKILL) and reaps a child that was not stopped, so that a failing benchmark
// leaves no node behind.
class NodeProcess {
 public:
  // Runs `program node --data DIR --listen 127.0.0.1:0`, its stdout and stderr appended to
  // `log_file`, and waits until it answers GET /v1/health over HTTPS on the port it prints,
  // pinned to the certificate of `identity`. Fails with io_error (the log's last lines in the
  // reason) if it cannot start, exits, or does not answer within a minute.
  // REQUIRES: `program` is the innoclear binary; called on a thread that outlives the child (the
  // child gets SIGTERM when the thread that forked it ends).
  static Result<NodeProcess> start(const std::filesystem::path& program, const nodes::DataDir& dir,
                                   const nodes::NodeIdentity& identity,
                                   const std::filesystem::path& log_file);

  pid_t pid() const { return node_.pid(0); }
  std::uint16_t port() const { return node_.port(0); }

  // SIGTERM, then waits for the exit (SIGKILL after a minute). Fails with io_error unless the
  // node exited with code 0.
  Status stop();

 private:
  explicit NodeProcess(NodeSupervisor node) : node_(std::move(node)) {}
  NodeSupervisor node_;
};

// One reading of /proc/PID/status, in bytes.
struct MemorySample {
  std::uint64_t vm_rss_bytes = 0;
  std::uint64_t rss_anon_bytes = 0;  // heap, stacks: the process's own memory
  std::uint64_t rss_file_bytes = 0;  // file pages mapped in: mostly the LMDB map's touched pages
};

// The memory of `pid` now, or nullopt if its status cannot be read (it exited).
std::optional<MemorySample> read_memory(pid_t pid);

// Reads a process's memory every `interval` on its own thread until stopped, keeping the sample
// with the highest VmRSS.
class MemorySampler {
 public:
  MemorySampler(pid_t pid, std::chrono::milliseconds interval);
  ~MemorySampler();  // stop()
  MemorySampler(const MemorySampler&) = delete;
  MemorySampler& operator=(const MemorySampler&) = delete;

  // Joins the sampling thread; idempotent. The figures below are final after it.
  void stop();
  const MemorySample& peak() const { return peak_; }
  std::uint64_t samples() const { return samples_; }

 private:
  std::atomic<bool> stopping_{false};
  MemorySample peak_;
  std::uint64_t samples_ = 0;
  std::thread thread_;  // last: starts after the members it writes
};

}  // namespace innoclear::bench
