// Running other programs, the only fork/exec/wait code of the project: to their end with their
// output captured (the suite runs every bench in its own process so that one run's memory,
// threads and page cache state do not leak into the next), or as a server writing to a log, which
// bench/node_supervisor.h builds on.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace innoclear::bench {

struct ProcessOutput {
  int exit_code = 0;  // 128 + signal number when killed by a signal
  std::string out;    // everything the program wrote on stdout
  double seconds = 0;
};

// Runs argv[0] (looked up in PATH when it has no slash) with argv, stdin from /dev/null, its
// stdout captured up to `output_bytes_max`, its stderr shared with ours (progress lines pass
// through). Blocks until it exits. Fails with io_error when it cannot be started or its output
// exceeds the bound (the program is then killed); a non-zero exit is not a failure here.
// Thread-compatible: one call at a time per thread.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  std::size_t output_bytes_max = 16u << 20);

// Whether `program` can be run (an absolute path that is executable, or a name found in PATH).
bool program_exists(const std::string& program);

// A program that runs until stopped, its output going to a log.
struct LoggedProgram {
  std::filesystem::path program;   // run as given, no PATH lookup
  std::vector<std::string> argv;   // argv[0] included
  std::filesystem::path log_file;  // its stdout and stderr, appended; created if missing
  std::string banner;              // written to the log before it starts, if not empty
  // In a process group of its own, a terminal's Ctrl-C reaches only the caller, which can then
  // stop its children in order.
  bool own_process_group = false;
};

// Starts it with stdin from /dev/null, no descriptors but those, an empty signal mask (a mask
// survives exec; the program blocks what it waits for itself), and SIGTERM when the calling
// thread ends (PR_SET_PDEATHSIG), so that it never outlives the caller. Fails with io_error if the
// log cannot be opened or fork fails; a program that cannot be executed exits with code 127.
// REQUIRES: called on a thread that outlives the child.
Result<pid_t> spawn_logged(const LoggedProgram& program);

// Reaps `pid` if it has exited and returns its wait status; nullopt while it runs.
std::optional<int> reap_if_exited(pid_t pid);

// "exited with code 3", "was killed by signal 9 (Killed)".
std::string describe_exit(int wait_status);

bool exited_cleanly(int wait_status);

// The last `lines_max` lines within the last `bytes_max` bytes of a log; nullopt if it cannot be
// read.
std::optional<std::vector<std::string>> read_log_tail(const std::filesystem::path& log_file,
                                                      std::size_t lines_max, std::size_t bytes_max);

}  // namespace innoclear::bench
