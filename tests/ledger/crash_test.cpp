// Crash safety: a child process appends from several threads and is killed with SIGKILL at random
// moments. After every restart each acknowledged entry is present at its index and verify passes.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include "crypto/canonical_json.h"
#include "ledger/ledger.h"
#include "tests/support/temp_dir.h"

using namespace innoclear;
using namespace innoclear::ledger;

namespace {

constexpr int crash_rounds = 50;
constexpr int appender_threads = 4;

crypto::KeyPair crash_key() {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(7);
  return crypto::KeyPair::from_seed(seed);
}

Options crash_options(const std::filesystem::path& dir, const crypto::KeyPair& key) {
  Options options;
  options.directory = dir;
  options.origin = "innoclear.HE";
  options.checkpoint_key = &key;
  options.map_bytes = std::size_t{256} << 20;
  options.batch_entries_max = 64;
  return options;
}

std::string crash_entry(int round, int thread, int sequence) {
  return crypto::canonical_dump(
      {{"kind", "crash"}, {"round", round}, {"seq", sequence}, {"thread", thread}});
}

// The child: append forever from several threads; after each acknowledgement write one line
// "index round thread seq" to the pipe (a write below PIPE_BUF is atomic). Never returns.
[[noreturn]] void run_child(const std::filesystem::path& dir, int round, int pipe_fd) {
  const crypto::KeyPair key = crash_key();
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(crash_options(dir, key));
  if (!ledger.ok()) _exit(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < appender_threads; ++t) {
    threads.emplace_back([&, t] {
      for (int sequence = 0;; ++sequence) {
        Result<std::uint64_t> index = (*ledger)->append(crash_entry(round, t, sequence));
        if (!index.ok()) _exit(4);
        char line[96];
        const int length =
            std::snprintf(line, sizeof line, "%llu %d %d %d\n",
                          static_cast<unsigned long long>(*index), round, t, sequence);
        if (::write(pipe_fd, line, static_cast<std::size_t>(length)) != length) _exit(5);
        if (t == 0 && sequence % 50 == 0 && !(*ledger)->sign_checkpoint().ok()) _exit(6);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  _exit(0);
}

// Reads acknowledgement lines until `acks_before_kill` have arrived (so that every kill lands
// while appends are flowing, whatever the machine's speed), then kills the child at once and
// drains the pipe.
std::map<std::uint64_t, std::string> run_and_kill(pid_t child, int pipe_fd,
                                                  std::size_t acks_before_kill) {
  std::map<std::uint64_t, std::string> acknowledged;
  std::string pending;
  const auto absorb = [&](const char* data, ssize_t length) {
    pending.append(data, static_cast<std::size_t>(length));
    std::size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      unsigned long long index = 0;
      int round = 0, thread = 0, sequence = 0;
      if (std::sscanf(pending.c_str(), "%llu %d %d %d", &index, &round, &thread, &sequence) == 4) {
        acknowledged[index] = crash_entry(round, thread, sequence);
      }
      pending.erase(0, end + 1);
    }
  };
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  char buffer[4096];
  ::fcntl(pipe_fd, F_SETFL, O_NONBLOCK);
  while (acknowledged.size() < acks_before_kill && std::chrono::steady_clock::now() < give_up) {
    const ssize_t got = ::read(pipe_fd, buffer, sizeof buffer);
    if (got > 0) absorb(buffer, got);
    if (got <= 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::fcntl(pipe_fd, F_SETFL, 0);
  for (ssize_t got; (got = ::read(pipe_fd, buffer, sizeof buffer)) > 0;) absorb(buffer, got);
  CHECK(WIFSIGNALED(status));  // it died by our hand, not by a failure of its own
  return acknowledged;
}

}  // namespace

TEST_CASE("acknowledged entries survive SIGKILL at random moments", "[ledger][crash]") {
  testing::TempDir dir("crash");
  const crypto::KeyPair key = crash_key();
  std::mt19937 random(20261125);
  std::uniform_int_distribution<std::size_t> acks_before_kill(1, 150);
  std::map<std::uint64_t, std::string> all_acknowledged;
  std::uint64_t killed_with_acks = 0;
  for (int round = 0; round < crash_rounds; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(fds[0]);
      run_child(dir.path(), round, fds[1]);
    }
    ::close(fds[1]);
    const std::size_t target = acks_before_kill(random);
    const auto acknowledged = run_and_kill(child, fds[0], target);
    REQUIRE(acknowledged.size() >= target);
    ::close(fds[0]);
    if (!acknowledged.empty()) killed_with_acks++;
    all_acknowledged.insert(acknowledged.begin(), acknowledged.end());

    Result<std::unique_ptr<Ledger>> reopened = Ledger::open(crash_options(dir.path(), key));
    REQUIRE(reopened.ok());
    Result<ReadView> view = (*reopened)->view();
    REQUIRE(view.ok());
    std::uint64_t lost = 0;
    for (const auto& [index, bytes] : all_acknowledged) {
      Result<std::string> stored = view->entry(index);
      if (!stored.ok() || *stored != bytes) lost++;
    }
    INFO("round " << round);
    REQUIRE(lost == 0);
    Result<VerifyReport> report = (*reopened)->verify(key.public_key());
    INFO(report.status().to_string());
    REQUIRE(report.ok());
  }
  INFO("acknowledged entries checked: " << all_acknowledged.size());
  CHECK(all_acknowledged.size() >= crash_rounds);
  CHECK(killed_with_acks == crash_rounds);  // every kill landed while appends were flowing
}
