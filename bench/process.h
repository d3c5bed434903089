// Running another program from a benchmark: the suite runs every bench in its own process so
// that one run's memory, threads and page cache state do not leak into the next.
#pragma once

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

}  // namespace innoclear::bench
