#!/usr/bin/env bash
# README command 2: install, build, and run every test: the whole suite on a release build, then
# the unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)

echo "== build (build/)"
scripts/build.sh build
echo "== tests"
(cd build && ctest -j"$jobs" --output-on-failure --timeout 600)

echo "== build with ASan + UBSan (build-asan/)"
scripts/build.sh build-asan -DINNOCLEAR_SANITIZE=ON
echo "== unit tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest -j"$jobs" --output-on-failure --timeout 900 -LE "interop|report")
