#!/usr/bin/env bash
# README command 1: install, build, and run the main job.
# Until the federation exists (issue 4) the main job is one region's ledger: create a node's data
# directory, fill its ledger through the benchmark, and have an auditor verify it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== building (build/)"
scripts/build.sh build
bin=build/api/innoclear
demo=${INNOCLEAR_DEMO_DIR:-$(mktemp -d /tmp/innoclear-demo.XXXXXX)}
data="$demo/BJ"
echo "== innoclear init --region BJ --data $data"
"$bin" init --region BJ --data "$data"
echo "== innoclear bench ledger --data $data --entries 100000 --batch 1000 --writers 4"
"$bin" bench ledger --data "$data" --entries 100000 --batch 1000 --writers 4
echo "== innoclear ledger verify --data $data"
"$bin" ledger verify --data "$data"
echo "== innoclear ledger checkpoint --data $data"
"$bin" ledger checkpoint --data "$data"
echo "== the ledger is in $data; try: $bin ledger --help"
