#!/usr/bin/env bash
# `innoclear bench bounds` and `innoclear bench verify` run to their end at tiny sizes, print every
# figure, carry every figure in their JSON output, and leave no scratch directory behind. A smoke
# test: figures are never compared with thresholds here (tests do not assert on wall-clock time).
#   tests/cli/bench_bounds_verify_test.sh BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
failures=0
number='[0-9]+(\.[0-9]+)?'

# run NAME OUTPUT COMMAND...: runs a bench verb, its stdout into OUTPUT; exits on failure.
run() {
  local name=$1 output=$2
  shift 2
  local status=0
  "$@" >"$output" 2>"$work/err" || status=$?
  cat "$output"
  if [[ $status -ne 0 ]]; then
    echo "FAIL: $name exited $status: $(cat "$work/err")"
    exit 1
  fi
}

# expect_lines FILE PATTERN...: every pattern matches a line of FILE.
expect_lines() {
  local file=$1
  shift
  for figure in "$@"; do
    if grep -Eq -- "$figure" "$file"; then
      echo "ok: $figure"
    else
      echo "FAIL: no line matching: $figure"
      failures=$((failures + 1))
    fi
  done
}

# expect_json NAME FILE KEY...: FILE is one JSON object holding a number under every KEY.
expect_json() {
  local name=$1 file=$2
  shift 2
  if python3 - "$file" "$@" <<'PY'; then
import json, numbers, sys
figures = json.load(open(sys.argv[1]))
missing = [key for key in sys.argv[2:]
           if not isinstance(figures.get(key), numbers.Number) or isinstance(figures.get(key), bool)]
if missing:
    print("missing or not a number:", missing)
    sys.exit(1)
PY
    echo "ok: $name JSON output carries every figure"
  else
    echo "FAIL: $name JSON output"
    failures=$((failures + 1))
  fi
}

tiny_bounds=(--clients 2 --echo-requests 40 --batch-1-entries 5 --batch-100-entries 200
  --batch-1000-entries 2000)
run "bench bounds" "$work/bounds.out" "$bin" bench bounds --scratch "$work" "${tiny_bounds[@]}"
expect_lines "$work/bounds.out" \
  "bare Ed25519 verify +$number /s +1 thread +\(a $number-byte statement\)" \
  "bare Ed25519 verify +$number /s +2 threads" \
  "SHA-256 leaf hash +$number records/s +1 thread, $number MB/s \(entries of $number bytes" \
  "raw LMDB append +$number entries/s +batch 1 +\(5 entries, 5 durable commits, $number s\)" \
  "raw LMDB append +$number entries/s +batch 100 +\(200 entries, 2 durable commits, $number s\)" \
  "raw LMDB append +$number entries/s +batch 1000 +\(2000 entries, 2 durable commits, $number s\)" \
  "bare TLS echo +$number requests/s +\(2 keep-alive clients, 40 requests"

run "bench bounds --quick --output json" "$work/bounds.json" \
  "$bin" bench bounds --scratch "$work" --quick "${tiny_bounds[@]}" --output json
expect_json "bench bounds" "$work/bounds.json" statement_bytes verify_1_thread_per_second \
  verify_2_threads_per_second entry_bytes_mean sha256_records sha256_records_per_second \
  sha256_megabytes_per_second raw_lmdb_batch_1_per_second raw_lmdb_batch_100_per_second \
  raw_lmdb_batch_1000_per_second raw_lmdb_batch_1_entries raw_lmdb_batch_1_commits \
  raw_lmdb_batch_1_seconds tls_echo_per_second clients echo_requests

tiny_verify=(--entries 2000 --redemptions 50 --clients 2)
run "bench verify" "$work/verify.out" "$bin" bench verify --scratch "$work" "${tiny_verify[@]}"
expect_lines "$work/verify.out" \
  "ledger of 2000 real signed entries \($number bytes each on average\)" \
  "fill +$number entries/s +\($number s through the Service: $number vouchers redeemed, 50 prepared\)" \
  "full verify +$number entries/s +\($number s, as \`ledger verify\`: $number tree hashes, $number checkpoints, $number state rows\)" \
  "bare verify loop +$number /s +1 thread" \
  "bare verify loop +$number /s +2 threads" \
  "verify / bare +$number % +of 1 thread, $number % of 2 threads" \
  "node process +$number redemptions/s +p50 $number ms +p99 $number ms +\(50 over HTTPS keep-alive, 2 clients\)" \
  "peak RSS +$number MiB +\($number samples, every 10 ms\)" \
  "RssAnon at peak +$number MiB" \
  "RssFile at peak +$number MiB" \
  "ledger data.mdb +$number MiB"
# The progress lines go to stderr, never into the figures.
expect_lines "$work/err" "bench verify: run 1/1: verifying 2000 entries"

run "bench verify --output json" "$work/verify.json" \
  "$bin" bench verify --scratch "$work" "${tiny_verify[@]}" --output json
expect_json "bench verify" "$work/verify.json" entries vouchers_redeemed vouchers_prepared \
  entry_bytes_mean fill_seconds fill_entries_per_second verify_seconds verify_entries_per_second \
  tree_hashes checkpoints state_rows bare_verify_1_thread_per_second \
  bare_verify_2_threads_per_second ratio_1_thread ratio_2_threads redemptions clients \
  redemptions_per_second latency_p50_ms latency_p99_ms memory_samples rss_peak_bytes \
  rss_anon_bytes rss_file_bytes data_file_bytes
# Every prepared voucher was redeemed by the node process, and the memory was read.
if python3 - "$work/verify.json" <<'PY'; then
import json, sys
f = json.load(open(sys.argv[1]))
sys.exit(0 if f["entries"] == 2000 and f["redemptions"] == 50 and f["memory_samples"] > 0
         and f["rss_peak_bytes"] > 0 and f["data_file_bytes"] > 0 else 1)
PY
  echo "ok: 50 redemptions through the node process, its memory sampled"
else
  echo "FAIL: bench verify JSON: sizes or samples"
  failures=$((failures + 1))
fi

# Too few entries to hold the prepared vouchers is a usage error, reported in one line.
status=0
"$bin" bench verify --scratch "$work" --entries 100 --redemptions 50 >/dev/null 2>"$work/err" ||
  status=$?
if [[ $status -ne 0 ]] && grep -q "innoclear: invalid_argument: entries must be at least" "$work/err"; then
  echo "ok: too few entries are refused"
else
  echo "FAIL: --entries 100 --redemptions 50: exit $status, $(cat "$work/err")"
  failures=$((failures + 1))
fi

# The throw-away directories are gone.
if compgen -G "$work/bench-bounds-*" >/dev/null || compgen -G "$work/bench-verify-*" >/dev/null; then
  echo "FAIL: a bench verb left its scratch directory behind"
  failures=$((failures + 1))
fi

echo "$failures failures"
[[ $failures -eq 0 ]]
