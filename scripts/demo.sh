#!/usr/bin/env bash
# README command 1: install, build, and run the main job — the six-region federation with a demo.
# `innoclear up --demo` creates six nodes (keys, certificates, ledgers, the manifest) in a fresh
# directory, runs them as processes on 127.0.0.1, plays a day of cross-region vouchers through
# their APIs, closes a 5-second clearing period, prints the settlement report, writes every
# region's CSV and camt.053 statements, then prints each region's portal address and keeps the
# federation up, its demo data visible in the portals, until Ctrl-C; then an auditor verifies
# every ledger. INNOCLEAR_DEMO_STOP=1 stops right after the demo (no one to press Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== building (build/)"
scripts/build.sh build
bin=build/cli/innoclear
dir=${INNOCLEAR_DEMO_DIR:-$(mktemp -d /tmp/innoclear-federation.XXXXXX)}
base_port=${INNOCLEAR_BASE_PORT:-7100}
stop=()
[[ ${INNOCLEAR_DEMO_STOP:-0} == 1 ]] && stop=(--stop-after-demo)
echo "== innoclear up --dir $dir --base-port $base_port --period-seconds 5 --demo ${stop[*]-}"
# Ctrl-C reaches `up`, which stops its nodes and returns; this script then goes on to verify.
trap 'true' INT
"$bin" up --dir "$dir" --base-port "$base_port" --period-seconds 5 --demo ${stop[@]+"${stop[@]}"}
trap - INT
echo "== an auditor checks every region's ledger from its entries alone"
for code in BJ TJ HE NM GZ CD; do
  printf '%s: ' "$code"
  "$bin" ledger verify --data "$dir/$code" | tail -n 1
done
echo "== the federation is in $dir; run it again with: $bin up --dir $dir (Ctrl-C stops it)"
