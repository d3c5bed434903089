#!/usr/bin/env bash
# README command 1: install, build, and run the main job — the six-region federation with a demo.
# `innoclear up --demo` creates six nodes (keys, certificates, ledgers, the manifest) in a fresh
# directory, runs them as processes on 127.0.0.1, plays a day of cross-region vouchers through
# their APIs, closes a 5-second clearing period, prints the settlement report, writes every
# region's CSV and camt.053 statements, and stops the nodes. Without --stop-after-demo the
# federation stays up until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== building (build/)"
scripts/build.sh build
bin=build/cli/innoclear
dir=${INNOCLEAR_DEMO_DIR:-$(mktemp -d /tmp/innoclear-federation.XXXXXX)}
base_port=${INNOCLEAR_BASE_PORT:-7100}
echo "== innoclear up --dir $dir --base-port $base_port --period-seconds 5 --demo --stop-after-demo"
"$bin" up --dir "$dir" --base-port "$base_port" --period-seconds 5 --demo --stop-after-demo
echo "== an auditor checks every region's ledger from its entries alone"
for code in BJ TJ HE NM GZ CD; do
  printf '%s: ' "$code"
  "$bin" ledger verify --data "$dir/$code" | tail -n 1
done
echo "== the federation is in $dir; run it again with: $bin up --dir $dir (Ctrl-C stops it)"
