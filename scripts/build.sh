#!/usr/bin/env bash
# Configures and builds one build tree (incremental; ccache makes rebuilds cheap).
#   scripts/build.sh [BUILD_DIR] [extra cmake arguments…] [-- TARGET…]
# Without targets, builds everything. The cmake arguments apply when BUILD_DIR is first
# configured (default build type RelWithDebInfo; a -DCMAKE_BUILD_TYPE among them wins).
#
# ccache: one cache for every checkout of the repository, wherever it lives. CCACHE_BASEDIR (the
# repository root) makes ccache hash and pass paths relative to it, CCACHE_NOHASHDIR leaves the
# build directory out of the hash (debug info of a hit may then name another checkout's
# directory), and the cache is in ${CCACHE_DIR:-$HOME/.cache/ccache}, capped at 5 GB unless a
# size was already set there.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
cmake_args=()
targets=()
while (($#)); do
  if [[ $1 == -- ]]; then
    shift
    targets=("$@")
    break
  fi
  cmake_args+=("$1")
  shift
done

if command -v ccache >/dev/null; then
  export CCACHE_DIR=${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  export CCACHE_NOHASHDIR=1
  mkdir -p "$CCACHE_DIR"
  if ! grep -qs '^ *max_size' "$CCACHE_DIR/ccache.conf"; then
    ccache -M 5G >/dev/null
  fi
fi

if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    ${cmake_args[@]+"${cmake_args[@]}"} >/dev/null
fi
# Quiet on success; on failure, the compiler's messages (ninja writes them to stdout).
log=$build_dir/build.log
if ! ninja -C "$build_dir" ${targets[@]+"${targets[@]}"} >"$log" 2>&1; then
  sed -n '/^FAILED: /,$p' "$log" | head -n 200 >&2
  grep -q '^FAILED: ' "$log" || tail -n 50 "$log" >&2
  echo "build: ninja -C $build_dir ${targets[*]-} failed (the whole output: $log)" >&2
  exit 1
fi
