#include "bench/node_process.h"

#include <charconv>
#include <fstream>
#include <utility>

namespace innoclear::bench {

namespace {

using Clock = std::chrono::steady_clock;

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
  SupervisorOptions options;
  options.program = program;
  options.timing.ready_wait_max = std::chrono::seconds(60);  // a large ledger opens in well under
  options.timing.stop_grace_max = std::chrono::seconds(60);  // the server's grace is 10 s
  options.timing.poll = std::chrono::milliseconds(20);
  options.log_tail_lines_max = 5;
  options.log_tail_bytes_max = 4096;
  NodeSpec spec;
  // The load generator is one address and drives few actors: the limits would measure themselves.
  spec.arguments = {"--data",
                    dir.root.string(),
                    "--listen",
                    "127.0.0.1:0",
                    "--requests-per-address-per-second",
                    "0",
                    "--connections-per-address-max",
                    "0",
                    "--no-rate-limits"};
  spec.log_file = log_file;
  spec.tls_fingerprint = identity.tls_fingerprint;
  NodeSupervisor node(std::move(options), {std::move(spec)});
  if (Status s = node.start(); !s.ok()) return s;
  return NodeProcess(std::move(node));
}

Status NodeProcess::stop() {
  if (pid() == 0) return Status(Code::io_error, "the node is not running");
  return node_.stop();
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
