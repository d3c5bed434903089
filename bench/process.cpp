#include "bench/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>

extern char** environ;

namespace innoclear::bench {

namespace {

Status errno_status(const std::string& what) {
  return {Code::io_error, what + ": " + std::strerror(errno)};
}

// Reads the child's stdout until it closes; false when the bound was exceeded.
bool drain(int fd, std::string& out, std::size_t bytes_max) {
  char buffer[1 << 14];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return true;
    out.append(buffer, static_cast<std::size_t>(got));
    if (out.size() > bytes_max) return false;
  }
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 127;
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_logged(const char* program, char* const* argv, int log, int null,
                              pid_t parent, bool own_process_group) {
  if (own_process_group) ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);  // the parent died before the death signal was set
  if (null >= 0) ::dup2(null, STDIN_FILENO);
  ::dup2(log, STDOUT_FILENO);
  ::dup2(log, STDERR_FILENO);
  ::close_range(3, ~0U, 0);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execv(program, argv);
  ::_exit(127);
}

}  // namespace

Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  std::size_t output_bytes_max) {
  if (argv.empty()) return Status(Code::invalid_argument, "no program to run");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return errno_status("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    errno = spawned;
    return errno_status("cannot run " + argv[0]);
  }
  ProcessOutput output;
  const bool within = drain(pipe_fds[0], output.out, output_bytes_max);
  ::close(pipe_fds[0]);
  if (!within) ::kill(pid, SIGKILL);
  output.exit_code = wait_for(pid);
  output.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!within) return Status(Code::io_error, argv[0] + " wrote more than the output bound");
  return output;
}

bool program_exists(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream directories(path == nullptr ? "" : path);
  for (std::string directory; std::getline(directories, directory, ':');) {
    if (!directory.empty() && ::access((directory + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

Result<pid_t> spawn_logged(const LoggedProgram& program) {
  std::vector<std::string> words = program.argv;
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  const int log = ::open(program.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0) return errno_status("cannot open " + program.log_file.string());
  // A node's log names actors and requests: its operator's alone, whatever the umask.
  (void)::fchmod(log, 0600);
  if (!program.banner.empty()) (void)!::write(log, program.banner.data(), program.banner.size());
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::fflush(nullptr);  // the child must not inherit unwritten output
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    exec_logged(program.program.c_str(), argv.data(), log, null, parent, program.own_process_group);
  }
  const int fork_errno = errno;
  ::close(log);
  if (null >= 0) ::close(null);
  if (pid < 0) return Status(Code::io_error, "fork: " + std::string(std::strerror(fork_errno)));
  return pid;
}

std::optional<int> reap_if_exited(pid_t pid) {
  int wait_status = 0;
  if (pid == 0 || ::waitpid(pid, &wait_status, WNOHANG) != pid) return std::nullopt;
  return wait_status;
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

std::optional<std::vector<std::string>> read_log_tail(const std::filesystem::path& log_file,
                                                      std::size_t lines_max,
                                                      std::size_t bytes_max) {
  std::ifstream in(log_file, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - static_cast<std::streamoff>(bytes_max)));
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > lines_max) lines.pop_front();
  }
  return std::vector<std::string>(lines.begin(), lines.end());
}

}  // namespace innoclear::bench
