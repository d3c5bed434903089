#!/usr/bin/env bash
# Installs the Debian 12 packages innoclear needs, only those missing; fast when all are there.
#   scripts/install-deps.sh          build and run
#   scripts/install-deps.sh --test   also what the tests need (Go reference verifier, xmllint,
#                                    clang-format-14 for the format check, the PostgreSQL and
#                                    gnuplot of the `bench all --quick` smoke test, and for the
#                                    portal's browser tests Chromium, a CJK font for its
#                                    screenshots, Node.js with npm, and the pinned playwright-core
#                                    of tests/portal/package-lock.json, installed with `npm ci`)
#   scripts/install-deps.sh --bench  also what bench/run needs (PostgreSQL 15, gnuplot, perf)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libsodium-dev libssl-dev liblmdb-dev libboost1.81-dev nlohmann-json3-dev libcli11-dev libpq-dev
  openssl catch2
)
case "${1:-}" in
  --test) packages+=(golang-go golang-golang-x-mod-dev lmdb-utils libxml2-utils curl python3 clang-format-14
                     postgresql-15 gnuplot-nox chromium fonts-wqy-microhei)
          # Node.js: Debian's (18, with npm) unless a node is there already (e.g. Node 20 with its npm).
          command -v node >/dev/null || packages+=(nodejs)
          command -v npm >/dev/null || packages+=(npm) ;;
  --bench) packages+=(postgresql-15 gnuplot-nox linux-perf) ;;
esac

# The browser tests' driver, exactly as locked (no browser download: it drives /usr/bin/chromium).
npm_ci() {
  [[ ${1:-} == --test ]] || return 0
  local dir=tests/portal
  cd "$(dirname "$0")/.."
  if cmp -s $dir/package-lock.json $dir/node_modules/.innoclear-installed-lock 2>/dev/null; then
    return 0
  fi
  echo "install-deps: npm ci in $dir"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  cp $dir/package-lock.json $dir/node_modules/.innoclear-installed-lock
}

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  npm_ci "${1:-}"
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
npm_ci "${1:-}"
