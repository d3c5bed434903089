#!/usr/bin/env bash
# `innoclear up`: the six regions' nodes as processes of one supervisor. Cross-region redemptions
# driven through the CLI verbs (pay-first and provider redemption between Beijing and Tianjin),
# Tianjin's node killed with SIGKILL around a redemption and restarted by `up` with the redemption
# counted exactly once, then Ctrl-C: every node stops, `up` exits 0, and every ledger verifies.
#   tests/cli/up_test.sh BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
fed=$work/fed
up_pid=
node_pids=()
cleanup() {
  [[ -n "$up_pid" ]] && kill -9 "$up_pid" 2>/dev/null || true
  for file in "$fed"/*/node.pid; do
    [[ -f "$file" ]] && kill -9 "$(cat "$file")" 2>/dev/null || true
  done
  for pid in "${node_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

failures=0
pass() { echo "ok: $1"; }
flunk() { echo "FAIL: $1"; failures=$((failures + 1)); }
abort() { # also from inside $(…): everything to stderr
  exec >&2
  echo "FAIL: $1"
  echo "--- up stdout"; cat "$work/up.out" 2>/dev/null || true
  echo "--- up stderr"; cat "$work/up.err" 2>/dev/null || true
  for log in "$fed"/*/node.log; do
    [[ -f "$log" ]] || continue
    echo "--- $log (last lines, witness polls left out)"
    grep -v '"route":"/v1/ledger/checkpoint"' "$log" | tail -n 20 || true
  done
  exit 1
}
# Polls COMMAND until its output contains EXPECTED, for at most SECONDS; prints the last output.
poll() { # SECONDS EXPECTED COMMAND...
  local seconds=$1 expected=$2
  shift 2
  local deadline=$((SECONDS + seconds)) output=
  while ((SECONDS < deadline)); do
    output=$("$@" 2>&1) || true
    if [[ "$output" == *"$expected"* ]]; then
      printf '%s' "$output"
      return 0
    fi
    sleep 0.2
  done
  printf '%s' "$output"
  return 1
}

# Six consecutive free ports below the ephemeral range (32768…): region i listens on base+1+i.
source "$(dirname "$0")/free_ports.sh"
[[ -n "$base" ]] || abort "no six free ports found"

# 1. The federation comes up: six nodes answering /v1/health, a manifest of six members.
"$bin" up --dir "$fed" --base-port "$base" --period-seconds 5 >"$work/up.out" 2>"$work/up.err" &
up_pid=$!
poll 60 "Ctrl-C stops the federation" cat "$work/up.out" >/dev/null || abort "up did not come up"
regions=(BJ TJ HE NM GZ CD)
declare -A port pin
for i in "${!regions[@]}"; do
  code=${regions[$i]}
  port[$code]=$((base + 1 + i))
  pin[$code]=$(sed -n 's/.*"tls_fingerprint": "\([0-9a-f]*\)".*/\1/p' "$fed/$code/node.json")
  health=$(curl -sk --max-time 5 "https://127.0.0.1:${port[$code]}/v1/health" || true)
  if [[ "$health" == *'"status":"ok"'* && "$health" == *"innoclear.$code"* ]]; then
    pass "$code answers /v1/health on port ${port[$code]}"
  else
    abort "$code does not answer /v1/health: $health"
  fi
done
members=$(grep -c '"tls_fingerprint"' "$fed/manifest.json" || true)
[[ "$members" -eq 6 ]] && pass "the manifest lists six members" || flunk "the manifest lists $members members"
grep -q '"period_seconds": 5' "$fed/manifest.json" && pass "the manifest's period is 5 s" ||
  flunk "the manifest's period is not 5 s"

# 2. Pay-first across regions: a Beijing enterprise paid a Tianjin laboratory and redeems at home.
at() { echo --node "https://127.0.0.1:${port[$1]}" --pin "${pin[$1]}" --region "$1" --output json; }
read -ra bj <<<"$(at BJ)"
read -ra tj <<<"$(at TJ)"
enterprise_id=91110108M000100Y4Q
provider_id=P-TJ-LAB
office_bj=("${bj[@]}" --key "$fed/BJ/office.key" --actor office.BJ)
office_tj=("${tj[@]}" --key "$fed/TJ/office.key" --actor office.TJ)
enterprise=("${bj[@]}" --key "$work/enterprise.key" --actor "$enterprise_id")
provider=("${tj[@]}" --key "$work/provider.key" --actor "$provider_id")
hash=$(printf 'contract' | sha256sum | cut -d' ' -f1)
must() { # NAME EXPECTED COMMAND...: a step the rest depends on
  local name=$1 expected=$2 output
  shift 2
  output=$("$@" 2>&1) || true
  [[ "$output" == *"$expected"* ]] || abort "$name: expected '$expected', got: $output"
  pass "$name"
  printf '%s' "$output" >"$work/last.json"
}
new_voucher() { # APPLICATION → prints the voucher id
  must "enterprise applies ($1)" '"status":"pending"' "$bin" enterprise apply "${enterprise[@]}" \
    --application "$1" --category testing --face 2500 >&2
  must "BJ office approves ($1)" '"status":"live"' "$bin" office approve "${office_bj[@]}" \
    --enterprise "$enterprise_id" --application "$1" >&2
  sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$work/last.json"
}
# Four ¥2,500 vouchers stay within the default policy's ¥10,000 a year per enterprise; each is
# used for a ¥4,000 service, of which the voucher pays half.
receipt() { # RECEIPT: the Tianjin laboratory records ¥4,000 paid in full
  must "TJ provider records receipt $1" '"confirmed":false' "$bin" provider receipt "${provider[@]}" \
    --receipt "$1" --enterprise "$enterprise_id" --category testing --price 4000 --paid 4000 \
    --payment-ref "BANK-$1" --contract-sha256 "$hash" --invoice-sha256 "$hash" --payment-sha256 "$hash"
}
show() { "$bin" voucher show "${enterprise[@]}" --voucher "$1"; }
wait_redeemed() { # VOUCHER PAYEE
  local output
  if output=$(poll 60 '"status":"redeemed"' show "$1"); then
    [[ "$output" == *'"amount":200000'* ]] && pass "$1 redeemed for half of ¥4,000" ||
      flunk "$1 redeemed for the wrong amount: $output"
    [[ "$output" == *"\"payee\":\"$2\""* ]] && pass "$1 is payable to $2" ||
      flunk "$1 has the wrong payee: $output"
  else
    abort "$1 was not redeemed within 60 s: $output"
  fi
}

enterprise_key=$("$bin" keygen --out "$work/enterprise.key")
provider_key=$("$bin" keygen --out "$work/provider.key")
must "BJ office registers the enterprise" '"role":"enterprise"' "$bin" office register \
  "${office_bj[@]}" --id "$enterprise_id" --role enterprise --name "Example Tech" \
  --public-key "$enterprise_key"
must "TJ office registers the laboratory" '"role":"provider"' "$bin" office register \
  "${office_tj[@]}" --id "$provider_id" --role provider --name "Tianjin lab" \
  --public-key "$provider_key" --categories testing
must "BJ office allocates the budget" '"total":100000000' "$bin" office budget "${office_bj[@]}" \
  --year "$(TZ=Asia/Shanghai date +%Y)" --amount 1000000

voucher1=$(new_voucher A1)
receipt R1
must "enterprise asks a pay-first redemption at BJ" '"status":"pending"' "$bin" enterprise redeem \
  "${enterprise[@]}" --voucher "$voucher1" --provider "$provider_id" --receipt R1 --provider-region TJ
wait_redeemed "$voucher1" "$enterprise_id"

# 3. Provider redemption: the enterprise assigns a voucher to the laboratory, which redeems at TJ.
voucher2=$(new_voucher A2)
must "enterprise assigns the voucher to the TJ laboratory" "\"assigned_to\":\"$provider_id\"" "$bin" enterprise assign \
  "${enterprise[@]}" --voucher "$voucher2" --provider "$provider_id" --provider-region TJ --price 4000
receipt R2
must "laboratory asks the redemption at TJ" '"pending"' "$bin" provider redeem "${provider[@]}" \
  --voucher "$voucher2" --receipt R2 --voucher-region BJ
wait_redeemed "$voucher2" office.TJ

# 4. Exactly once across a crash: TJ's node is killed with SIGKILL (a) before a pay-first request
# is asked, so it waits in BJ's outbox, and (b) right after one is asked, at whatever point TJ's
# node is then. `up` restarts it; each redemption is counted once.
kill_tj() { # WHY: prints the pid killed
  local pid
  pid=$(cat "$fed/TJ/node.pid")
  kill -9 "$pid"
  pass "killed TJ's node (pid $pid) $1" >&2
  echo "$pid"
}
wait_restarted() { # KILLED_PID
  local deadline=$((SECONDS + 30)) now
  while ((SECONDS < deadline)); do
    now=$(cat "$fed/TJ/node.pid" 2>/dev/null || true)
    if [[ -n "$now" && "$now" != "$1" ]] && kill -0 "$now" 2>/dev/null; then
      pass "up restarted TJ's node (pid $now)"
      return
    fi
    sleep 0.1
  done
  abort "up did not restart TJ's node within 30 s"
}
voucher3=$(new_voucher A3)
receipt R3
killed=$(kill_tj "before the redemption is asked")
must "enterprise asks a pay-first redemption while TJ is down" '"status":"pending"' "$bin" \
  enterprise redeem "${enterprise[@]}" --voucher "$voucher3" --provider "$provider_id" --receipt R3 \
  --provider-region TJ
# up restarts a node after a back-off of 500 ms: the request normally met TJ down (not a failure
# if the machine was too slow for that; the redemption must complete either way).
[[ "$(cat "$fed/TJ/node.pid")" == "$killed" ]] && echo "   (TJ was still down after the request)"
wait_restarted "$killed"
wait_redeemed "$voucher3" "$enterprise_id"

voucher4=$(new_voucher A4)
poll 30 '"status":"ok"' curl -sk --max-time 5 "https://127.0.0.1:${port[TJ]}/v1/health" >/dev/null ||
  abort "TJ's node did not come back"
receipt R4
must "enterprise asks a pay-first redemption" '"status":"pending"' "$bin" enterprise redeem \
  "${enterprise[@]}" --voucher "$voucher4" --provider "$provider_id" --receipt R4 --provider-region TJ
killed=$(kill_tj "right after the redemption was asked")
wait_restarted "$killed"
wait_redeemed "$voucher4" "$enterprise_id"
kills=$(grep -c "the TJ node (pid [0-9]*) was killed by signal 9" "$work/up.out" || true)
[[ "$kills" -eq 2 ]] && pass "up reported how TJ's node ended, both times" ||
  flunk "up reported $kills SIGKILLs of TJ's node, not 2"

count_services() {
  "$bin" provider stats "${provider[@]}" | grep -o '"services":[0-9]*' | cut -d: -f2 |
    awk '{s += $1} END {print s + 0}'
}
services=$(count_services || true)
[[ "$services" == 4 ]] && pass "TJ counts four services for four redemptions" ||
  flunk "TJ counts '$services' services for four redemptions"

# 4b. 100 processes race to redeem one voucher, half at its home node (pay-first) and half at the
# provider's node (provider redemption): exactly one redemption is made.
must "BJ office raises the yearly caps" '"yearly_count_max":50' "$bin" office policy "${office_bj[@]}" \
  --face-cap 5000 --yearly-count 50 --yearly-amount 100000 --ratio-bp 5000 --validity-days 365 \
  --categories testing,rnd,transfer --regions BJ,TJ,HE,NM,GZ,CD
voucher5=$(new_voucher A5)
must "enterprise assigns the contested voucher to the TJ laboratory" '"assigned_to"' "$bin" \
  enterprise assign "${enterprise[@]}" --voucher "$voucher5" --provider "$provider_id" --provider-region TJ \
  --price 4000
receipt R5
receipt R6
for i in $(seq 50); do
  "$bin" enterprise redeem "${enterprise[@]}" --voucher "$voucher5" --provider "$provider_id" \
    --receipt R5 --provider-region TJ >"$work/race-bj-$i.out" 2>&1 &
  "$bin" provider redeem "${provider[@]}" --voucher "$voucher5" --receipt R6 --voucher-region BJ \
    >"$work/race-tj-$i.out" 2>&1 &
done
wait_races() { # the background CLI processes only (not `up`)
  local pid
  for pid in $(jobs -p); do [[ "$pid" == "$up_pid" ]] || wait "$pid" || true; done
}
wait_races
locks=$(grep -l '"pending"' "$work"/race-*.out | wc -l)
((locks >= 1)) && pass "the race: $locks of 100 requests took a lock, the others were refused" ||
  flunk "the race: no request was accepted"
output=$(poll 60 '"status":"redeemed"' show "$voucher5") || abort "$voucher5 was not redeemed: $output"
pass "$voucher5 was redeemed"
sleep 1  # a losing lock's refusal, if one is still on its way, is recorded by now
services=$(count_services || true)
[[ "$services" == 5 ]] && pass "TJ counts exactly one service for the contested voucher" ||
  flunk "TJ counts '$services' services after the race (expected 5)"

# 4c. Outcomes and settlement from the command line alone (issue 13): `up` prints the whole pin,
# --wait reports a refusal with the home node's reason, and the offices settle a period with
# `office settlement sign`, after which every node writes its files into the federation directory.
grep -q "${pin[BJ]}" "$work/up.out" && pass "up prints the whole pin --pin takes" ||
  flunk "up does not print BJ's 64-digit fingerprint"
receipt R7
refused=0
output=$("$bin" provider redeem "${provider[@]}" --voucher BJ-V999999 --receipt R7 \
  --voucher-region BJ --wait 60 2>&1) || refused=1
[[ $refused -eq 1 && "$output" == *"innoclear: not_found"*"refused by BJ"* ]] &&
  pass "provider redeem --wait exits 1 with the home node's reason" ||
  flunk "provider redeem --wait of an unknown voucher: $output"
voucher6=$(new_voucher A6)
receipt R8
must "enterprise redeem --wait ends redeemed" '"status":"redeemed"' "$bin" enterprise redeem \
  "${enterprise[@]}" --voucher "$voucher6" --provider "$provider_id" --receipt R8 \
  --provider-region TJ --wait 60
request=$(sed -n 's/.*"request_id":"\([^"]*\)".*/\1/p' "$work/last.json")
must "redemption show names the line's period" '"period":"S' "$bin" redemption show \
  "${enterprise[@]}" --request "$request"
period=$(sed -n 's/.*"period":"\([^"]*\)".*/\1/p' "$work/last.json")
for code in "${regions[@]}"; do
  read -ra here <<<"$(at "$code")"
  output=$(poll 120 '"document_sha256"' "$bin" office settlement sign "${here[@]}" \
    --key "$fed/$code/office.key" --actor "office.$code" --period "$period") ||
    abort "office.$code could not sign $period: $output"
  pass "office.$code signs the settlement of $period with office settlement sign"
done
statements="$fed/statements/$period"
poll 60 yes bash -c "[[ -f '$statements/BJ.csv' && -f '$statements/TJ.camt053.xml' && \
  -f '$statements/CD.settlement.json' ]] && echo yes" >/dev/null &&
  pass "the nodes wrote the settlement and statements into $statements" ||
  flunk "no statement files in $statements: $(ls "$statements" 2>&1)"
must "office settlement show: settled" '"settled"' "$bin" office settlement show "${office_bj[@]}" \
  --period "$period"
must "office statements writes BJ's files" "$work/out/BJ.camt053.xml" "$bin" office statements \
  "${office_bj[@]}" --period "$period" --format csv,camt053 --out "$work/out"
cmp -s "$work/out/BJ.csv" "$statements/BJ.csv" &&
  pass "office statements writes what the node wrote" ||
  flunk "office statements' CSV differs from the node's"

# 5. Ctrl-C: `up` stops every node and exits 0; every ledger verifies.
for code in "${regions[@]}"; do node_pids+=("$(cat "$fed/$code/node.pid")"); done
kill -INT "$up_pid"
deadline=$((SECONDS + 40))
while kill -0 "$up_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
kill -0 "$up_pid" 2>/dev/null && abort "up did not stop within 40 s of SIGINT"
wait "$up_pid" && status=0 || status=$?
up_pid=
[[ $status -eq 0 ]] && pass "up exits 0 after SIGINT" || flunk "up exited $status after SIGINT"
left=0
for pid in "${node_pids[@]}"; do
  if kill -0 "$pid" 2>/dev/null; then left=$((left + 1)); fi
done
((left == 0)) && pass "no node process is left" || flunk "$left node processes still run after up stopped"
stopped=$(grep -c "node: it exited with code 0" "$work/up.out" || true)
[[ "$stopped" -eq 6 ]] && pass "up reports six clean node exits" || flunk "up reports $stopped clean exits"
for code in "${regions[@]}"; do
  verify=$("$bin" ledger verify --data "$fed/$code" 2>&1) || true
  [[ "$verify" == *"verify innoclear.$code: ok"* ]] && pass "the $code ledger verifies" ||
    flunk "the $code ledger does not verify: $verify"
done

if ((failures > 0)); then
  echo "up: $failures failed"
  abort "see above"
fi
echo "up: all passed"
