#!/usr/bin/env bash
# bench/postgres/run does not depend on where it is called from: its throw-away cluster lives in a
# fresh short directory of its own (/tmp/innoclear-pg.XXXXXX) that the postgres user may enter, so
# the baseline runs (a) with --scratch and the working directory under a mode-700 parent (a
# checkout under /root, where the postgres user cannot go) and (b) from a working directory whose
# path is over 110 bytes (under the caller's path, the cluster's Unix socket would pass the 107
# bytes of sun_path). Each run exits 0, prints its JSON line, and leaves no cluster directory and
# no postgres process behind; (c) a Ctrl-C in the middle of a run also leaves nothing behind. Tiny
# sizes; figures are never compared with thresholds.
#   tests/cli/postgres_paths_test.sh PG_BENCH_BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
run=$(cd "$(dirname "$0")/../.." && pwd)/bench/postgres/run
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# check_gone NAME STDERR_OF_THE_RUN: the cluster named in the progress line "postgres: initdb in
# DIR" was a short directory of its own, and it and its server are gone. Checked by name, not by
# listing /tmp: other tests may run their own clusters at the same time.
check_gone() {
  local name=$1 cluster
  cluster=$(sed -n 's/^postgres: initdb in //p' "$2")
  if [[ ! $cluster =~ ^/(var/)?tmp/innoclear-pg\.[A-Za-z0-9]+$ ]]; then
    fail "$name: the cluster was not made in a short directory of its own: '$cluster'"
    return
  fi
  echo "ok: $name: the cluster was made in $cluster"
  if [[ -e $cluster ]]; then
    fail "$name: $cluster is still there"
  else
    echo "ok: $name: $cluster is gone"
  fi
  # A postmaster's command line names its data directory; its children leave with it.
  if pgrep -f -- "$cluster/" >/dev/null; then
    fail "$name: a postgres process is still running: $(pgrep -af -- "$cluster/")"
  else
    echo "ok: $name: no postgres process is left"
  fi
}

# check_run NAME DIRECTORY [--out FILE]: runs the baseline with DIRECTORY as working directory and
# --scratch, then checks its exit status, its JSON line (stdout, or FILE), and check_gone.
check_run() {
  local name=$1 dir=$2
  shift 2
  local log=$work/$name
  local status=0
  (cd "$dir" && "$run" --bin "$bin" --clients 1 --redemptions 20 --runs 1 --scratch "$dir" "$@") \
    >"$log.out" 2>"$log.err" || status=$?
  cat "$log.err"
  if [[ $status -ne 0 ]]; then
    fail "$name: bench/postgres/run exited $status: $(tail -n 1 "$log.err")"
  else
    echo "ok: $name: exit 0"
  fi
  local figures=$log.out
  if (($#)); then figures=$2; fi
  if python3 - "$figures" <<'PY'; then
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
keys = ["redemptions", "clients", "run", "redemptions_per_second", "latency_p50_ms", "latency_p99_ms"]
ok = len(lines) == 1 and all(key in lines[0] for key in keys) and lines[0]["redemptions"] == 20 \
    and lines[0]["clients"] == 1
if not ok:
    print("expected one JSON line for 1 client and 20 redemptions, got:", lines)
sys.exit(0 if ok else 1)
PY
    echo "ok: $name: one JSON line with its figures"
  else
    fail "$name: JSON line"
  fi
  check_gone "$name" "$log.err"
}

# (a) A mode-700 parent: as root, the postgres user may not enter it (nor anything below it).
mkdir -p "$work/private/scratch"
chmod 700 "$work/private"
check_run private "$work/private/scratch" --out "$work/private/scratch/figures.jsonl"

# (b) A working directory (and --scratch) whose absolute path is over 110 bytes, every user may enter.
long=$work/long
while ((${#long} <= 110)); do long+=/a-directory-with-a-rather-long-name; done
mkdir -p "$long"
chmod -R a+rx "$work/long"
echo "the long working directory: ${#long} bytes"
check_run long "$long"

# (c) Ctrl-C during a run, from the mode-700 directory: the terminal's SIGINT goes to the whole
# foreground process group, the script and the benchmark alike (the postmaster has its own session).
# Job control gives the background run a process group of its own, and leaves its SIGINT on.
set -m
(cd "$work/private/scratch" && exec "$run" --bin "$bin" --clients 1 --redemptions 100000 --runs 1 \
  --scratch "$work/private/scratch") >"$work/interrupted.out" 2>"$work/interrupted.err" &
group=$!
set +m
for _ in $(seq 600); do
  if grep -q "^postgres: clients 1 run 1/1" "$work/interrupted.err"; then break; fi
  sleep 0.1
done
sleep 1  # into the benchmark's redemptions
kill -INT -- "-$group" 2>/dev/null || true
status=0
wait "$group" || status=$?
cat "$work/interrupted.err"
if [[ $status -eq 130 ]] && tail -n 1 "$work/interrupted.err" | grep -qx "postgres: interrupted"; then
  echo "ok: interrupted: exit 130, 'postgres: interrupted'"
else
  fail "interrupted: exit $status: $(tail -n 1 "$work/interrupted.err")"
fi
check_gone interrupted "$work/interrupted.err"

echo "$failures failures"
[[ $failures -eq 0 ]]
