#!/usr/bin/env bash
# `innoclear bench all --quick` (what `bench/run --quick` runs): every benchmark and the PostgreSQL
# baseline, 3 runs each at smoke sizes, into one report. A smoke test: it checks that every figure
# was produced — numbers in every min/median/max cell, every goal judged, three PNG charts, every
# run's raw figures — and never compares a figure with a threshold.
#   tests/cli/bench_all_test.sh BINARY WORKDIR SOURCE_DIR PG_BENCH_BINARY
set -euo pipefail
bin=$1
work=$2
source_dir=$3
pg_bench=$4
rm -rf "$work"
mkdir -p "$work"
failures=0
report=$work/performance.md
charts=$work/performance
check() {  # check DESCRIPTION COMMAND…
  local description=$1
  shift
  if "$@"; then echo "ok: $description"; else echo "FAIL: $description"; failures=$((failures + 1)); fi
}
all() {
  (cd "$source_dir" && "$bin" bench all --postgres bench/postgres/run --postgres-bench "$pg_bench" "$@")
}

# Refusals first: a clear one-line reason, a non-zero exit, and no report.
if all --quick --runs 0 --out "$report" --scratch "$work/scratch" 2>"$work/err"; then
  echo "FAIL: --runs 0 was accepted"; failures=$((failures + 1))
fi
check "--runs 0 is refused in one line" grep -q "^innoclear: .*runs must be" "$work/err"
check "a refused run writes no report" test ! -e "$report"
if all --quick --notes "$work/no-such-notes.md" --out "$report" 2>"$work/err"; then
  echo "FAIL: missing notes were accepted"; failures=$((failures + 1))
fi
check "missing notes are named" grep -q "no-such-notes.md" "$work/err"

status=0
all --quick --out "$report" --charts "$charts" --scratch "$work/scratch" >"$work/out" 2>"$work/err" || status=$?
if [[ $status -ne 0 ]]; then
  tail -20 "$work/err"
  echo "FAIL: bench all --quick exited $status"
  exit 1
fi
cat "$work/out"
check "progress was shown" grep -q "bench all \[1/" "$work/err"
# The PostgreSQL baseline's clusters (one per client count) lived in short directories of their own
# in /tmp, not under --scratch, and are gone with their servers.
mapfile -t clusters < <(sed -n 's/^postgres: initdb in //p' "$work/err")
check "the baseline made 4 clusters (${#clusters[@]})" test "${#clusters[@]}" -eq 4
for cluster in ${clusters[@]+"${clusters[@]}"}; do
  check "cluster $cluster was a short directory of its own" \
    bash -c '[[ $1 =~ ^/(var/)?tmp/innoclear-pg\.[A-Za-z0-9]+$ ]]' _ "$cluster"
  check "cluster $cluster is gone" test ! -e "$cluster"
  check "cluster $cluster's server is gone" bash -c '! pgrep -f -- "$1/" >/dev/null' _ "$cluster"
done

thin=$(printf '\xe2\x80\x89')  # the report separates thousands with U+2009 thin spaces
number="-?[0-9]([0-9.]|$thin)*"
cells="\| $number \| $number \| $number \|$"
rows=(
  "bare Ed25519 verify, 1 thread" "bare Ed25519 verify, 2 threads \(V\)" "SHA-256 leaf hash per record"
  "raw LMDB MDB_APPEND, batch 1 " "raw LMDB MDB_APPEND, batch 100 " "raw LMDB MDB_APPEND, batch 1000 "
  "bare TLS echo" "full verify \(" "full verify ÷ bare loop, 1 thread" "node process peak RSS"
  "of which heap and stacks \(RssAnon\)" "of which mapped files \(RssFile" "ledger data.mdb size" "cross-region redemptions, saturated"
  "consistency check between two checkpoints" "comparing two bilateral statements"
)
for batch in 1 100 1000; do
  rows+=("innoclear ledger append, batch $batch " "ledger ÷ raw, batch $batch ")
done
for clients in 1 4 16 64; do
  at="$clients client"  # "1 client", "4 clients": a prefix of both
  rows+=("innoclear redemptions, $at" "PostgreSQL redemptions, $at" "innoclear ÷ PostgreSQL, $at"
         "bound B, $at" "innoclear ÷ B, $at" "innoclear latency p99, $at" "PostgreSQL latency p99, $at")
done
for row in "${rows[@]}"; do
  if ! grep -Eq -- "^\| $row.*$cells" "$report"; then
    echo "FAIL: no min/median/max figures for: $row"
    failures=$((failures + 1))
  fi
done
echo "checked ${#rows[@]} figure rows"
goals=$(grep -Ec '\| (met|\*\*missed\*\*) \|$' "$report" || true)
check "all 13 goals judged (found $goals)" test "$goals" -eq 13
check "no figure is missing" bash -c "! grep -qi 'missing |' '$report'"
check "the machine is described" grep -Eq '^\| cores \| [0-9]+ \|$' "$report"
for chart in throughput latency ledger; do
  check "$chart.png is a PNG" bash -c "head -c 4 '$charts/$chart.png' | od -An -c | grep -q 'P   N   G'"
done
check "figures.json holds 3 runs of every step" python3 - "$charts/figures.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
steps = ["bounds", "clear", "verify"] + [f"ledger.{b}" for b in (1, 100, 1000)] + \
        [f"{s}.{c}" for s in ("redeem", "postgres") for c in (1, 4, 16, 64)]
bad = [s for s in steps if len(runs.get(s, [])) != 3]
print("steps without 3 runs:", bad) if bad else None
sys.exit(1 if bad else 0)
PY
# The report again from its figures.json, with relative paths as bench/run uses them.
mkdir -p "$work/again"
if (cd "$work/again" && "$bin" bench all --from "$charts/figures.json" --out docs/performance.md \
      --notes "$source_dir/bench/where-the-time-goes.md" --postgres "$source_dir/bench/postgres/run" \
      --postgres-bench "$pg_bench" >/dev/null 2>"$work/err"); then
  check "--from renders the same report again" \
    diff <(grep -v "^Written by" "$report") <(grep -v "^Written by" "$work/again/docs/performance.md")
  check "--from draws the charts again" test -s "$work/again/docs/performance/throughput.png"
else
  echo "FAIL: bench all --from: $(cat "$work/err")"
  failures=$((failures + 1))
fi
# Profiles (full runs only) come back from figures.json too.
python3 - "$charts/figures.json" "$work/profiled.json" <<'PY'
import json, sys
figures = json.load(open(sys.argv[1]))
figures["profiles"] = {"redeem": {"command": "innoclear bench redeem", "hottest": ["by library:", "  41.41%  libsodium"]}}
json.dump(figures, open(sys.argv[2], "w"))
PY
if (cd "$work/again" && "$bin" bench all --from "$work/profiled.json" --out profiled.md \
      --notes "$source_dir/bench/where-the-time-goes.md" --postgres "$source_dir/bench/postgres/run" \
      --postgres-bench "$pg_bench" >/dev/null 2>"$work/err"); then
  check "--from keeps the profiles" grep -q "41.41%  libsodium" "$work/again/profiled.md"
else
  echo "FAIL: bench all --from with profiles: $(cat "$work/err")"
  failures=$((failures + 1))
fi
left=$(find "$work/scratch" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
check "the benchmarks removed their throw-away nodes and cluster ($left left)" test "$left" -eq 0

echo "$failures failures"
[[ $failures -eq 0 ]]
