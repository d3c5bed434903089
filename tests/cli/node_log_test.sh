#!/usr/bin/env bash
# A node's log stays within its bound (issue 12, finding 6): with stdout and stderr appended to
# node.log, as `innoclear up` runs a node, the log is renamed to node.log.1 at --log-bytes-max and
# started afresh, and the node keeps serving and logging.
#   tests/cli/node_log_test.sh BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
node_pid=
cleanup() { [[ -n "$node_pid" ]] && kill -9 "$node_pid" 2>/dev/null || true; }
trap cleanup EXIT

bound=20000
"$bin" init --region BJ --data "$work/BJ" >/dev/null
"$bin" node --data "$work/BJ" --listen 127.0.0.1:0 --log-bytes-max "$bound" \
  >>"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do grep -q listening "$work/node.log" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*https:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/node.log")
[[ -n "$port" ]] || { echo "FAIL: node did not start"; cat "$work/node.log"; exit 1; }

# 600 requests, one log line each (about 150 bytes): several times the bound.
curl -sk -o /dev/null "https://127.0.0.1:$port/v1/health?[1-600]"
failures=0
[[ -f "$work/node.log.1" ]] || { echo "FAIL: node.log was not rotated"; failures=$((failures + 1)); }
for file in "$work/node.log" "$work/node.log.1"; do
  size=$(stat -c %s "$file" 2>/dev/null || echo 0)
  if ((size > bound + 1024)); then
    echo "FAIL: $file is $size bytes, above the bound $bound"
    failures=$((failures + 1))
  fi
done
[[ $(ls "$work" | grep -c '^node\.log') -eq 2 ]] || { echo "FAIL: more than node.log and node.log.1"; ls "$work"; failures=$((failures + 1)); }
curl -sk "https://127.0.0.1:$port/v1/health?after" | grep -q '"status":"ok"' ||
  { echo "FAIL: the node stopped answering"; failures=$((failures + 1)); }
sleep 0.2
grep -q 'after\|"route":"/v1/health"' "$work/node.log" ||
  { echo "FAIL: the node stopped logging after the rotation"; failures=$((failures + 1)); }
kill -TERM "$node_pid"
wait "$node_pid" || true
node_pid=
((failures == 0)) && echo "ok: node.log rotated at $bound bytes, the node served and logged on"
exit $((failures > 0))
