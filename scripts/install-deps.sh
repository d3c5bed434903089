#!/usr/bin/env bash
# Installs the Debian 12 packages innoclear needs, only those missing; fast when all are there.
#   scripts/install-deps.sh          build and run
#   scripts/install-deps.sh --test   also what the tests need (Go reference verifier, xmllint,
#                                    clang-format-14 for the format check, and the PostgreSQL and
#                                    gnuplot of the `bench all --quick` smoke test)
#   scripts/install-deps.sh --bench  also what bench/run needs (PostgreSQL 15, gnuplot, perf)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libsodium-dev libssl-dev liblmdb-dev libboost1.81-dev nlohmann-json3-dev libcli11-dev libpq-dev
  openssl catch2
)
case "${1:-}" in
  --test) packages+=(golang-go golang-golang-x-mod-dev lmdb-utils libxml2-utils curl python3 clang-format-14
                     postgresql-15 gnuplot-nox) ;;
  --bench) packages+=(postgresql-15 gnuplot-nox linux-perf) ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
