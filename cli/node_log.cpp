#include "cli/node_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace innoclear::cli {

void NodeLog::write(const std::string& line) {
  std::lock_guard lock(mutex_);
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  rotate_if_full();
}

void NodeLog::rotate_if_full() {
  struct stat log {};
  if (::fstat(STDERR_FILENO, &log) != 0 || !S_ISREG(log.st_mode)) return;
  if (static_cast<std::uint64_t>(log.st_size) < bytes_max_) return;
  std::error_code error;
  const std::filesystem::path path = std::filesystem::read_symlink("/proc/self/fd/2", error);
  if (error || !path.is_absolute()) return;
  std::fflush(stdout);
  std::filesystem::rename(path, path.string() + ".1", error);
  if (error) return;
  const int fresh = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fresh < 0) return;
  struct stat out {};
  const bool stdout_shared =
      ::fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == log.st_dev && out.st_ino == log.st_ino;
  ::dup2(fresh, STDERR_FILENO);
  if (stdout_shared) ::dup2(fresh, STDOUT_FILENO);
  ::close(fresh);
}

}  // namespace innoclear::cli
