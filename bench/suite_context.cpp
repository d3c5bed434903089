// What the report says beside the figures: the machine they were measured on, and perf profiles
// of the runs whose goals tend to be missed (where the time goes).
#include <sys/utsname.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "bench/process.h"
#include "bench/suite.h"

namespace innoclear::bench {

namespace {

constexpr std::size_t profile_symbols_max = 14;
constexpr std::size_t profile_symbol_chars_max = 110;

// The value of the first line of `file` that starts with `key`, after its separator.
std::string field_of(const std::string& file, const std::string& key, char separator) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    const auto at = line.find(separator);
    if (at == std::string::npos) continue;
    std::string value = line.substr(at + 1);
    const auto first = value.find_first_not_of(" \t\"");
    const auto last = value.find_last_not_of(" \t\"");
    return first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return "unknown";
}

// The first line a command prints, or "unknown".
std::string first_line_of(const std::vector<std::string>& argv) {
  if (!program_exists(argv[0])) return "unknown";
  Result<ProcessOutput> ran = run_process(argv, 1 << 16);
  if (!ran.ok() || ran->exit_code != 0 || ran->out.empty()) return "unknown";
  return ran->out.substr(0, ran->out.find('\n'));
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::tm parts{};
  gmtime_r(&now, &parts);
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &parts);
  return text;
}

std::string package_versions() {
  std::string versions;
  for (const char* package :
       {"postgresql-15", "libsodium23", "liblmdb0", "libssl3", "libboost1.81-dev"}) {
    const std::string version = first_line_of({"dpkg-query", "-W", "-f", "${Version}\\n", package});
    versions += (versions.empty() ? "" : ", ") + std::string(package) + " " + version;
  }
  return versions;
}

// "ns::f<std::map<…>, …>::g" → "ns::f<…>::g": template arguments say little in a profile summary.
std::string shorten_symbol(const std::string& symbol) {
  std::string shorter;
  int depth = 0;
  for (const char c : symbol) {
    if (c == '<' && depth++ == 0) shorter += "<…>";
    if (depth == 0) shorter += c;
    if (c == '>' && depth > 0) --depth;
  }
  const std::string abi = "json_abi_v3_11_2::";
  for (auto at = shorter.find(abi); at != std::string::npos; at = shorter.find(abi))
    shorter.erase(at, abi.size());
  return shorter.size() > profile_symbol_chars_max
             ? shorter.substr(0, profile_symbol_chars_max) + "…"
             : shorter;
}

// `perf report -F overhead,…` lines ("  12.34%  [.] symbol") → "12.34%  symbol".
std::vector<std::string> hottest_lines(const std::string& report) {
  std::vector<std::string> hottest;
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line) && hottest.size() < profile_symbols_max;) {
    if (line.empty() || line[0] == '#' || line.find('%') == std::string::npos) continue;
    std::istringstream fields(line);
    std::string share;
    fields >> share;
    std::string rest;
    std::getline(fields, rest);
    const auto first = rest.find_first_not_of(' ');
    const auto last = rest.find_last_not_of(' ');
    if (first == std::string::npos) continue;
    hottest.push_back(share + "  " + shorten_symbol(rest.substr(first, last - first + 1)));
  }
  return hottest;
}

// `command` as the report shows it: the binary and the scratch directory of this run replaced by
// report_binary and report_scratch, so that no machine's paths go into the committed report.
std::string shown_command(const SuiteOptions& options, const std::vector<std::string>& command) {
  const std::string binary = options.innoclear.string();
  const std::string scratch = options.scratch.string();
  std::string shown;
  for (const std::string& argument : command) {
    std::string word = argument;
    if (word == binary) {
      word = report_binary;
    } else if (!scratch.empty() && (word == scratch || word.starts_with(scratch + "/"))) {
      word = report_scratch + word.substr(scratch.size());
    }
    shown += (shown.empty() ? "" : " ") + word;
  }
  return shown;
}

// Records `command` under perf and summarises where its CPU time went, by library and by symbol.
std::optional<Profile> profile(const SuiteOptions& options, const std::string& name,
                               const std::vector<std::string>& command) {
  const std::string data = (options.scratch / ("perf-" + name + ".data")).string();
  std::vector<std::string> record = {"perf", "record", "-F", "499", "-q", "-o", data, "--"};
  record.insert(record.end(), command.begin(), command.end());
  std::fprintf(stderr, "bench all: profiling %s under perf\n", name.c_str());
  Result<ProcessOutput> recorded = run_process(record);
  Profile result;
  result.command = shown_command(options, command);
  if (recorded.ok() && recorded->exit_code == 0) {
    for (const std::string fields : {"overhead,dso", "overhead,sym"}) {
      Result<ProcessOutput> report =
          run_process({"perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none", "-F",
                       fields, "--percent-limit", "1.5"});
      if (!report.ok() || report->exit_code != 0) continue;
      result.hottest.push_back(fields == "overhead,dso" ? "by library:" : "by symbol:");
      for (std::string& line : hottest_lines(report->out)) result.hottest.push_back("  " + line);
    }
  }
  std::error_code ignored;
  std::filesystem::remove(data, ignored);
  if (result.hottest.empty()) return std::nullopt;
  return result;
}

}  // namespace

std::map<std::string, std::string> describe_machine(const SuiteOptions& options) {
  utsname system{};
  ::uname(&system);
  std::map<std::string, std::string> machine;
  machine["cpu"] = field_of("/proc/cpuinfo", "model name", ':');
  machine["cores"] = std::to_string(std::thread::hardware_concurrency());
  machine["memory"] = field_of("/proc/meminfo", "MemTotal", ':');
  machine["os"] = field_of("/etc/os-release", "PRETTY_NAME", '=');
  machine["kernel"] = std::string(system.sysname) + " " + system.release;
  machine["disk"] =
      first_line_of({"findmnt", "-n", "-o", "SOURCE,FSTYPE", "-T", options.scratch.string()});
  machine["compiler"] = __VERSION__;
  machine["packages"] = package_versions();
  machine["commit"] = first_line_of({"git", "describe", "--always", "--dirty"});
  machine["date"] = utc_now();
  machine["mode"] =
      std::string(options.quick ? "quick" : "full") + ", " + std::to_string(options.runs) + " runs";
  return machine;
}

std::map<std::string, Profile> take_profiles(const SuiteOptions& options) {
  std::map<std::string, Profile> profiles;
  if (!program_exists("perf")) return profiles;
  const std::string self = options.innoclear.string();
  const std::string scratch = options.scratch.string();
  const std::filesystem::path node = options.scratch / "profile-ledger-node";
  std::error_code ignored;
  std::filesystem::remove_all(node, ignored);
  // A failed init shows up as a ledger profile that could not be taken.
  (void)run_process({self, "init", "--region", "BJ", "--data", node.string()});
  const std::map<std::string, std::vector<std::string>> commands = {
      {"redeem",
       {self, "bench", "redeem", "--clients", "16", "--redemptions", "5000", "--scratch", scratch}},
      {"verify",
       {self, "bench", "verify", "--entries", "200000", "--redemptions", "500", "--scratch",
        scratch}},
      {"ledger",
       {self, "bench", "ledger", "--data", node.string(), "--batch", "1000", "--entries",
        "300000"}},
  };
  for (const auto& [name, command] : commands) {
    if (std::optional<Profile> taken = profile(options, name, command))
      profiles[name] = std::move(*taken);
  }
  std::filesystem::remove_all(node, ignored);
  return profiles;
}

}  // namespace innoclear::bench
