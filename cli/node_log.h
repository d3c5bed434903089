// A node's log (DIR/<code>/node.log under `innoclear up` and the benchmarks' supervisor, which
// point the node's stdout and stderr at it) kept within a bound (issue 12, finding 6).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace innoclear::cli {

// The size at which node.log is rotated: at most twice this stays on disk (node.log, node.log.1).
constexpr std::uint64_t node_log_bytes_max = 64ull * 1024 * 1024;

// Writes lines to stderr. When stderr is a regular file that has reached `bytes_max`, the file is
// renamed to "<name>.1" (replacing the one before) and a new one is opened in its place, on stderr
// and, if stdout went to the same file, on stdout too. Rotation failures leave the log as it was.
// Thread-safe.
class NodeLog {
 public:
  explicit NodeLog(std::uint64_t bytes_max = node_log_bytes_max) : bytes_max_(bytes_max) {}
  void write(const std::string& line);

 private:
  void rotate_if_full();
  const std::uint64_t bytes_max_;
  std::mutex mutex_;
};

}  // namespace innoclear::cli
