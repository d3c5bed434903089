#include "bench/node_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <utility>
#include <vector>

#include "api/https.h"

namespace innoclear::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto ready_wait_max = std::chrono::seconds(60);  // a large ledger opens in well under
constexpr auto stop_wait_max = std::chrono::seconds(60);   // the server's grace is 10 s
constexpr auto poll_interval = std::chrono::milliseconds(20);
constexpr std::uint32_t health_request_ms_max = 2'000;
constexpr std::streamoff log_tail_bytes_max = 4096;
constexpr std::size_t log_tail_lines_max = 5;
// What `innoclear node` prints once it serves (see cli/node_verbs.cpp).
constexpr std::string_view listening_marker = "listening on https://127.0.0.1:";

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_node(const char* program, char* const* argv, int log, int null,
                            pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);  // the benchmark died before the death signal was set
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

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(wait_status));
  }
  return "stopped with status " + std::to_string(wait_status);
}

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

bool answers_health(std::uint16_t port, const std::string& fingerprint) {
  api::ClientOptions options;
  options.port = port;
  options.server_certificate_fingerprint = fingerprint;
  options.timeout_ms = health_request_ms_max;
  api::HttpsClient client(options);
  Result<api::HttpResponse> response = client.request("GET", "/v1/health");
  return response.ok() && response->status == 200;
}

// "Key:\t   1234 kB" → 1234 × 1024.
std::uint64_t kilobytes_field(const std::string& line, std::size_t key_length) {
  std::size_t at = key_length;
  while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
  std::uint64_t kilobytes = 0;
  std::from_chars(line.data() + at, line.data() + line.size(), kilobytes);
  return kilobytes * 1024;
}

}  // namespace

Result<NodeProcess> NodeProcess::start(const std::filesystem::path& program,
                                       const nodes::DataDir& dir,
                                       const nodes::NodeIdentity& identity,
                                       const std::filesystem::path& log_file) {
  std::vector<std::string> words = {"innoclear",       "node",     "--data",
                                    dir.root.string(), "--listen", "127.0.0.1:0"};
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    return Status(Code::io_error, "cannot open " + log_file.string() + ": " + std::strerror(errno));
  }
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::fflush(nullptr);  // the child must not inherit unwritten output
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_node(program.c_str(), argv.data(), log, null, parent);
  const int fork_errno = errno;
  ::close(log);
  if (null >= 0) ::close(null);
  if (pid < 0) return Status(Code::io_error, "fork: " + std::string(std::strerror(fork_errno)));
  NodeProcess node(pid, log_file);
  if (Status s = node.wait_until_answering(identity); !s.ok()) return s;
  return Result<NodeProcess>(std::move(node));
}

NodeProcess::NodeProcess(NodeProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)),
      port_(other.port_),
      log_file_(std::move(other.log_file_)) {}

NodeProcess::~NodeProcess() {
  if (pid_ == 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

Status NodeProcess::wait_until_answering(const nodes::NodeIdentity& identity) {
  const auto deadline = Clock::now() + ready_wait_max;
  while (true) {
    int wait_status = 0;
    if (::waitpid(pid_, &wait_status, WNOHANG) == pid_) {
      pid_ = 0;
      return Status(Code::io_error,
                    "the node " + describe_exit(wait_status) + " while starting: " + log_tail());
    }
    if (port_ == 0) port_ = printed_port(log_file_);
    if (port_ != 0 && answers_health(port_, identity.tls_fingerprint)) return Status::success();
    if (Clock::now() >= deadline) {
      return Status(Code::io_error, "the node did not answer /v1/health within " +
                                        std::to_string(ready_wait_max.count()) +
                                        " s: " + log_tail());
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

Status NodeProcess::stop() {
  if (pid_ == 0) return Status(Code::io_error, "the node is not running");
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + stop_wait_max;
  int wait_status = 0;
  while (::waitpid(pid_, &wait_status, WNOHANG) != pid_) {
    if (Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = 0;
      return Status(Code::io_error, "the node did not stop within " +
                                        std::to_string(stop_wait_max.count()) +
                                        " s of SIGTERM: " + log_tail());
    }
    std::this_thread::sleep_for(poll_interval);
  }
  pid_ = 0;
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return Status::success();
  return Status(Code::io_error,
                "the node " + describe_exit(wait_status) + " on SIGTERM: " + log_tail());
}

// The log's last lines, joined with " | ", for a reason that outlives the scratch directory.
std::string NodeProcess::log_tail() const {
  std::ifstream in(log_file_, std::ios::binary | std::ios::ate);
  if (!in) return "no log";
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - log_tail_bytes_max));
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > log_tail_lines_max) lines.pop_front();
  }
  std::string tail;
  for (const std::string& line : lines) tail += (tail.empty() ? "" : " | ") + line;
  return tail.empty() ? "empty log" : tail;
}

std::optional<MemorySample> read_memory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  MemorySample sample;
  bool found = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("VmRSS:")) {
      sample.vm_rss_bytes = kilobytes_field(line, 6);
      found = true;  // a zombie's status has no VmRSS
    } else if (line.starts_with("RssAnon:")) {
      sample.rss_anon_bytes = kilobytes_field(line, 8);
    } else if (line.starts_with("RssFile:")) {
      sample.rss_file_bytes = kilobytes_field(line, 8);
    }
  }
  if (!found) return std::nullopt;
  return sample;
}

MemorySampler::MemorySampler(pid_t pid, std::chrono::milliseconds interval)
    : thread_([this, pid, interval] {
        auto next = Clock::now();
        while (!stopping_) {
          if (std::optional<MemorySample> sample = read_memory(pid)) {
            ++samples_;
            if (sample->vm_rss_bytes > peak_.vm_rss_bytes) peak_ = *sample;
          }
          next += interval;
          std::this_thread::sleep_until(next);
        }
      }) {}

MemorySampler::~MemorySampler() { stop(); }

void MemorySampler::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace innoclear::bench
