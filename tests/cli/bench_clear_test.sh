#!/usr/bin/env bash
# `innoclear bench clear --quick` runs to its end and prints every figure, and its JSON output
# carries every figure. A smoke test: figures are never compared with thresholds here (tests do
# not assert on wall-clock time); only the planted statement differences must all be found.
#   tests/cli/bench_clear_test.sh BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
failures=0

status=0
"$bin" bench clear --quick --scratch "$work" >"$work/out" 2>"$work/err" || status=$?
cat "$work/out"
if [[ $status -ne 0 ]]; then
  echo "FAIL: bench clear --quick exited $status: $(cat "$work/err")"
  exit 1
fi

number='[0-9]+(\.[0-9]+)?'
figures=(
  "saturated, end to end +$number redemptions/s"
  "BJ accepting \(pending\) +$number redemptions/s"
  "BJ -> TJ peer POSTs +$number +$number requests \($number bytes\) each, $number ms each"
  "BJ sender between POSTs +$number s"
  "durable commits +$number at BJ, $number ms each; $number at TJ, $number ms each"
  "CPU busy +$number %"
  "BJ outbox +$number rows at most; one scan of $number rows: $number ms"
  "half load, open loop +$number redemptions/s offered, $number achieved"
  "end to end latency +p50 $number ms +p99 $number ms"
  "BJ pending response +p50 $number ms +p99 $number ms"
  "goal >= 5000 redemptions/s +(met|not met)$"
  "goal p99 <= 20 ms +(met|not met)$"
  "consistency check between checkpoints 50000 and 100000 of a 100000-entry ledger"
  "prove \(snapshot \+ proof\) +$number us"
  "verify \(2 notes \+ proof\) +$number us"
  "consistency check +$number us +\(median of $number, proof of $number hashes\)"
  "bilateral statements of 10000 lines each"
  "compare_statements +$number ms"
)
for figure in "${figures[@]}"; do
  if grep -Eq -- "$figure" "$work/out"; then
    echo "ok: $figure"
  else
    echo "FAIL: no line matching: $figure"
    failures=$((failures + 1))
  fi
done
if grep -Eq "differences found +9 +of 9 planted$" "$work/out"; then
  echo "ok: every planted difference was found"
else
  echo "FAIL: the statement comparison did not find exactly the 9 planted differences"
  failures=$((failures + 1))
fi

# The same figures as JSON, at the smallest sizes.
"$bin" bench clear --redemptions 20 --clients 2 --entries 1000 --lines 100 --scratch "$work" \
  --output json >"$work/json" 2>"$work/err" || status=$?
if [[ $status -ne 0 ]]; then
  echo "FAIL: bench clear --output json exited $status: $(cat "$work/err")"
  exit 1
fi
if python3 - "$work/json" <<'PY'; then
import json, sys
figures = json.load(open(sys.argv[1]))
needed = ["redemptions_per_second", "accepted_per_second", "peer_posts", "latency_p50_ms",
          "latency_p99_ms", "consistency_us", "prove_us", "verify_us", "compare_ms",
          "differences_found", "differences_planted", "goal_per_second_met", "goal_p99_met"]
missing = [key for key in needed if key not in figures]
if missing or figures["differences_found"] != figures["differences_planted"]:
    print("missing", missing, "differences", figures.get("differences_found"))
    sys.exit(1)
PY
  echo "ok: JSON output carries every figure"
else
  echo "FAIL: JSON output"
  failures=$((failures + 1))
fi

# The throw-away nodes and ledger are gone.
if compgen -G "$work/bench-clear-*" >/dev/null; then
  echo "FAIL: bench clear left its scratch directory behind"
  failures=$((failures + 1))
fi

echo "$failures failures"
[[ $failures -eq 0 ]]
