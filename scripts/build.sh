#!/usr/bin/env bash
# Configures and builds one build tree (incremental; ccache makes rebuilds cheap).
#   scripts/build.sh [BUILD_DIR] [extra cmake arguments…]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
fi
ninja -C "$build_dir" >/dev/null
