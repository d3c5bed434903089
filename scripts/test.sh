#!/usr/bin/env bash
# README command 2: install, build, and run every test: the whole suite on a release build, then
# the unit tests and the command-line tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer. Each stage prints its time, and a table of them comes at the end,
# also after a failure; any failure stops the run with a non-zero exit.
#
# The sanitizer build (build-asan/) builds only what its tests run — the test executables and the
# `innoclear` binary (the `sanitizer-tests` target) — at -O1 with line tables only (-g1), which
# compiles about twice as fast as the -O2 -g it had. Its tests leave out five labels, which run on
# the release build only: `interop` (the Go reference verifier checks files, and builds its checker
# with go), `report` (`bench all --quick`: minutes of benchmarks), `bench` (benchmark smoke tests
# and the PostgreSQL baseline: timing loops, and innoclear-pg-bench is not built there), `walls`
# (checks of the source files, the same whatever the build), `federation` (`up` and `up --demo`:
# six supervised node processes for minutes under the sanitizers, the last 3 minutes of the stage,
# while the same HTTPS server, federation and rules run under them in api_tests and nodes_tests),
# and the portal's `browser` and `portal` tests (Chromium and Node drive six nodes through the
# pages; the node's side of it, the served files and the API they call, runs under the
# sanitizers in api_tests and clearing_tests).
#
# Cold runs (a fresh clone, an empty ccache) are dominated by compiling, and compiling by headers:
# one file including nlohmann/json.hpp costs about 6 CPU-seconds before a line of its own, the
# standard library 3 more, Catch2 and Beast more again. Both trees are therefore unity builds
# (CMakeLists.txt, INNOCLEAR_UNITY_BATCH=8: 128 files in 24 translation units), which parses and
# optimises each header's code once per 8 files: the release build went from about 1,500 to 741
# CPU-seconds cold (README "Building"); the sanitizer build compiles the same units. Precompiled
# headers were measured and left out: on one file they saved 3.6 of 9 CPU-seconds, but each
# target's .gch is 125 MB, ccache needs sloppiness for them, and after the unity build few files
# are left to share them.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

stage_times=()
stage() {  # stage NAME COMMAND…: runs COMMAND, says how long it took; exits on failure
  local name=$1 start=$SECONDS status=0
  shift
  echo "== $name"
  "$@" || status=$?
  local took=$((SECONDS - start))
  stage_times+=("$(printf '%-44s %6d s%s' "$name" "$took" "$( ((status == 0)) || echo "   FAILED (exit $status)")")")
  echo "== $name (took $took s)"
  if ((status != 0)); then exit "$status"; fi
}
summary() {
  local status=$?
  if ((${#stage_times[@]})); then
    echo "== stage times"
    printf '%s\n' "${stage_times[@]}"
    printf '%-44s %6d s\n' "total" "$SECONDS"
  fi
  exit "$status"
}
trap summary EXIT

stage "install dependencies" scripts/install-deps.sh --test
stage "build (build/)" scripts/build.sh build
stage "tests" ctest --test-dir build -j"$jobs" --output-on-failure --timeout 600

stage "build with ASan + UBSan (build-asan/)" scripts/build.sh build-asan -DINNOCLEAR_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -- sanitizer-tests
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "tests under ASan + UBSan" ctest --test-dir build-asan -j"$jobs" --output-on-failure \
  --timeout 900 -LE '^(interop|report|bench|walls|federation|browser|portal)$'
