#!/usr/bin/env bash
# bench/postgres/run, the PostgreSQL baseline, at tiny sizes: every run prints one JSON line with
# every figure, and the throw-away cluster is stopped and removed afterwards, also when the
# benchmark fails. A smoke test: figures are never compared with thresholds (tests do not assert
# on wall-clock time). Works as root (initdb runs as the postgres user) and under ASan.
#   tests/cli/postgres_bench_test.sh PG_BENCH_BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
run=$(cd "$(dirname "$0")/../.." && pwd)/bench/postgres/run
rm -rf "$work"
mkdir -p "$work"
failures=0

# The cluster lives in a short directory of its own in /tmp, named in the progress line
# "postgres: initdb in DIR"; --scratch is accepted and ignored. Checked by name, not by listing
# /tmp: other tests may run their own clusters at the same time.
check_gone() {  # check_gone WHEN STDERR_OF_THE_RUN
  local when=$1 cluster
  cluster=$(sed -n 's/^postgres: initdb in //p' "$2")
  if [[ ! $cluster =~ ^/(var/)?tmp/innoclear-pg\.[A-Za-z0-9]+$ ]]; then
    echo "FAIL: $when: no cluster directory of its own in /tmp was named: '$cluster'"
    failures=$((failures + 1))
    return
  fi
  if [[ -e $cluster ]]; then
    echo "FAIL: $when: the cluster directory $cluster is still there"
    failures=$((failures + 1))
  else
    echo "ok: $when: the cluster directory $cluster is gone"
  fi
  # A postmaster's command line names its data directory; its children leave with it.
  if pgrep -f -- "$cluster/" >/dev/null; then
    echo "FAIL: $when: a postgres process of this test is still running: $(pgrep -af -- "$cluster/")"
    failures=$((failures + 1))
  else
    echo "ok: $when: no postgres process is left"
  fi
}

status=0
"$run" --bin "$bin" --clients 1,4 --redemptions 200 --runs 1 --scratch "$work" \
  --out "$work/figures.jsonl" 2>"$work/err" || status=$?
cat "$work/err" "$work/figures.jsonl"
if [[ $status -ne 0 ]]; then
  echo "FAIL: bench/postgres/run exited $status: $(tail -n 1 "$work/err")"
  exit 1
fi
for progress in "postgres: clients 1 run 1/1 ..." "postgres: clients 4 run 1/1 ..."; do
  if grep -qxF -- "$progress" "$work/err"; then
    echo "ok: progress line '$progress'"
  else
    echo "FAIL: no progress line '$progress'"
    failures=$((failures + 1))
  fi
done

if python3 - "$work/figures.jsonl" <<'PY'; then
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
figures = ["redemptions", "clients", "run", "redemptions_per_second", "latency_p50_ms",
           "latency_p90_ms", "latency_p99_ms", "seconds"]
problems = []
if [line.get("clients") for line in lines] != [1, 4]:
    problems.append("expected one line for 1 client and one for 4, got %d lines" % len(lines))
for line in lines:
    missing = [key for key in figures if key not in line]
    if missing:
        problems.append("clients %s: missing %s" % (line.get("clients"), missing))
    elif line["redemptions"] != 200 or line["run"] != 1:
        problems.append("clients %s: redemptions %s run %s" % (line["clients"], line["redemptions"], line["run"]))
    elif not all(isinstance(line[key], (int, float)) and line[key] > 0 for key in figures):
        problems.append("clients %s: a figure is not a positive number" % line["clients"])
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
  echo "ok: every JSON line carries every figure"
else
  echo "FAIL: JSON lines"
  failures=$((failures + 1))
fi
check_gone "after a run" "$work/err"

# A failing benchmark (here a binary that only fails) still leaves nothing behind, and the script
# says why in one line.
status=0
"$run" --bin /bin/false --clients 2 --redemptions 10 --runs 1 --scratch "$work" \
  >"$work/failed.out" 2>"$work/failed.err" || status=$?
if [[ $status -ne 0 ]] && tail -n 1 "$work/failed.err" | grep -q "^postgres: clients 2 run 1 failed"; then
  echo "ok: a failed run exits $status: $(tail -n 1 "$work/failed.err")"
else
  echo "FAIL: a failed run exited $status: $(tail -n 1 "$work/failed.err")"
  failures=$((failures + 1))
fi
check_gone "after a failed run" "$work/failed.err"

echo "$failures failures"
[[ $failures -eq 0 ]]
