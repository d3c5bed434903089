#!/usr/bin/env bash
# A node process and the role verbs of the CLI, end to end over HTTPS on 127.0.0.1: a voucher's
# whole life, refusals as one line and exit 1, and a clean shutdown on SIGTERM with nothing
# acknowledged lost.
#   tests/cli/node_test.sh BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
node_pid=
cleanup() { [[ -n "$node_pid" ]] && kill -9 "$node_pid" 2>/dev/null || true; }
trap cleanup EXIT

"$bin" init --region BJ --data "$work/BJ" >/dev/null
fingerprint=$(sed -n 's/.*"tls_fingerprint": "\([0-9a-f]*\)".*/\1/p' "$work/BJ/node.json")
# Let the kernel pick a free port: ask for port 0 and read the one the node prints.
"$bin" node --data "$work/BJ" --listen 127.0.0.1:0 >"$work/node.out" 2>"$work/node.err" &
node_pid=$!
for _ in $(seq 100); do grep -q listening "$work/node.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*https:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/node.out")
[[ -n "$port" ]] || { echo "FAIL: node did not start"; cat "$work/node.err"; exit 1; }
common=(--node "https://127.0.0.1:$port" --pin "$fingerprint" --output json)
office=("${common[@]}" --key "$work/BJ/office.key" --actor office.BJ)
enterprise_key=$("$bin" keygen --out "$work/enterprise.key")
provider_key=$("$bin" keygen --out "$work/provider.key")
enterprise=("${common[@]}" --key "$work/enterprise.key" --actor 91110108M000100Y4Q)
provider=("${common[@]}" --key "$work/provider.key" --actor P-BJ-LAB)
hash=$(printf 'contract' | sha256sum | cut -d' ' -f1)
failures=0
check() { # NAME EXPECTED_SUBSTRING COMMAND...
  local name=$1 expected=$2
  shift 2
  local output
  output=$("$@" 2>&1) || true
  if [[ "$output" == *"$expected"* ]]; then echo "ok: $name"; else
    echo "FAIL: $name: expected '$expected', got: $output"; failures=$((failures + 1)); fi
}

check "office registers an enterprise" '"role":"enterprise"' "$bin" office register "${office[@]}" \
  --id 91110108M000100Y4Q --role enterprise --name "Example Tech" --public-key "$enterprise_key"
check "office registers a provider" '"role":"provider"' "$bin" office register "${office[@]}" \
  --id P-BJ-LAB --role provider --name "Tsinghua lab" --public-key "$provider_key" --categories testing
check "office allocates the budget" '"total":100000000' "$bin" office budget "${office[@]}" \
  --year "$(TZ=Asia/Shanghai date +%Y)" --amount 1000000
check "enterprise applies" '"status":"pending"' "$bin" enterprise apply "${enterprise[@]}" \
  --application A1 --category testing --face 5000
check "office approves" '"status":"live"' "$bin" office approve "${office[@]}" \
  --enterprise 91110108M000100Y4Q --application A1
voucher=$("$bin" voucher list "${enterprise[@]}" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
check "provider records a receipt" '"confirmed":false' "$bin" provider receipt "${provider[@]}" \
  --receipt R1 --enterprise 91110108M000100Y4Q --category testing --price 8000 --paid 8000 \
  --payment-ref BANK1 --contract-sha256 "$hash" --invoice-sha256 "$hash" --payment-sha256 "$hash"
check "enterprise countersigns" '"confirmed":true' "$bin" enterprise confirm "${enterprise[@]}" \
  --provider P-BJ-LAB --receipt R1
check "enterprise redeems at home: half of ¥8,000" '"amount":400000' "$bin" enterprise redeem \
  "${enterprise[@]}" --voucher "$voucher" --provider P-BJ-LAB --receipt R1
check "a second redemption is refused" 'innoclear: already_redeemed' "$bin" enterprise redeem \
  "${enterprise[@]}" --voucher "$voucher" --provider P-BJ-LAB --receipt R1
if "$bin" enterprise redeem "${enterprise[@]}" --voucher "$voucher" --provider P-BJ-LAB --receipt R1 \
  >/dev/null 2>&1; then echo "FAIL: a refusal exited 0"; failures=$((failures + 1)); fi
check "the provider may not pay out" 'innoclear: forbidden' "$bin" office payout "${provider[@]}" \
  --voucher "$voucher" --bank-ref X
check "office pays out" '"status":"paid"' "$bin" office payout "${office[@]}" --voucher "$voucher" \
  --bank-ref PAY-1
check "enterprise rates the service" '"rating":5' "$bin" enterprise rate "${enterprise[@]}" \
  --voucher "$voucher" --rating 5 --comment "很好"
check "the office's report balances" '"paid":400000' "$bin" office report "${office[@]}"
# What the portal reads and states: services in the directory, messages, lists, the quota.
check "provider publishes a service (price in yuan)" '"price":480000' "$bin" provider service \
  publish "${provider[@]}" --service S1 --category testing --title "拉伸试验" --price 4800 \
  --capacity 20 --state offered
check "a service in another category is refused" 'innoclear: category_not_allowed' "$bin" \
  provider service publish "${provider[@]}" --service S2 --category rnd --title R --price 1 \
  --capacity 1 --state offered
directory=$(curl -sk --max-time 5 "https://127.0.0.1:$port/v1/directory" || true)
if [[ "$directory" != *'"service_id":"S1"'* || "$directory" == *91110108M000100Y4Q* ]]; then
  echo "FAIL: the public directory: $directory"; failures=$((failures + 1)); else
  echo "ok: the public directory lists the service and no credit code"; fi
check "enterprise leaves a message" '"author":"91110108M000100Y4Q"' "$bin" enterprise message \
  "${enterprise[@]}" --message M1 --subject "付款" --text "When is the payout?" --voucher "$voucher"
check "office reads its messages" '"total":1' "$bin" office messages "${office[@]}"
check "office lists paid vouchers, with their timeline" '"state":"paid"' "$bin" voucher list \
  "${office[@]}" --state paid --limit 10
check "a list page of 501 is refused" 'innoclear: invalid_argument' "$bin" voucher list \
  "${office[@]}" --limit 501
check "office lists approved applications" '"application_id":"A1"' "$bin" office applications \
  "${office[@]}" --state approved
check "enterprise reads its quota" '"left":{"amount":500000,"count":4}' "$bin" actor show \
  "${enterprise[@]}"
check "provider reads its ratings with comments" '"comment":"很好"' "$bin" provider stats \
  "${provider[@]}"
# Entries are private: read with a signed query by the parties they name, the office, an auditor.
auditor_key=$("$bin" keygen --out "$work/auditor.key")
stranger_key=$("$bin" keygen --out "$work/stranger.key")
auditor=("${common[@]}" --key "$work/auditor.key" --actor AUD-BJ-1)
stranger=("${common[@]}" --key "$work/stranger.key" --actor 91110000802100433B)
check "office registers a read-only auditor" '"role":"auditor"' "$bin" office register \
  "${office[@]}" --id AUD-BJ-1 --role auditor --name "Audit bureau" --public-key "$auditor_key"
check "office registers another enterprise" '"role":"enterprise"' "$bin" office register \
  "${office[@]}" --id 91110000802100433B --role enterprise --name "Other" --public-key "$stranger_key"
check "the provider reads the receipt entry it signed" '"payment_ref":"BANK1"' "$bin" entry show \
  "${provider[@]}" --index 6
check "another enterprise may not read it" 'innoclear: not_own_party' "$bin" entry show \
  "${stranger[@]}" --index 6
check "the auditor reads the redemption entry" '"kind":"voucher.redeem"' "$bin" entry show \
  "${auditor[@]}" --index 8
check "the auditor may state nothing" 'innoclear: forbidden' "$bin" enterprise apply \
  "${auditor[@]}" --application A9 --category testing --face 10
check "an amount with three decimals is refused before sending" 'innoclear: invalid_argument' \
  "$bin" enterprise apply "${enterprise[@]}" --application A2 --category testing --face 1.234

# Issue 13's first findings, as a new user meets them.
check "keygen --show prints an existing key file's public key" "$enterprise_key" "$bin" keygen \
  --show "$work/enterprise.key"
check "keygen with neither --out nor --show is refused" 'innoclear: invalid_argument' "$bin" keygen
check "an http:// node is refused in one line" 'HTTPS only' "$bin" voucher show \
  --node "http://127.0.0.1:$port" --pin "$fingerprint" --key "$work/enterprise.key" \
  --actor 91110108M000100Y4Q --voucher "$voucher"
check "a 16-digit pin is refused: --pin takes the whole fingerprint" '64 hex digits' "$bin" \
  voucher show --node "https://127.0.0.1:$port" --pin "${fingerprint:0:16}" \
  --key "$work/enterprise.key" --actor 91110108M000100Y4Q --voucher "$voucher"
text=("${common[@]:0:4}" --key "$work/enterprise.key" --actor 91110108M000100Y4Q)
check "text output shows amounts in yuan" 'face: ¥5,000.00' "$bin" voucher show "${text[@]}" \
  --voucher "$voucher"
check "text output shows times in Asia/Shanghai" '(Asia/Shanghai)' "$bin" voucher show \
  "${text[@]}" --voucher "$voucher"
check "JSON output stays in fen" '"face":500000' "$bin" voucher show "${enterprise[@]}" \
  --voucher "$voucher"
check "--help states an amount's unit" 'yuan, up to 2 decimals' "$bin" enterprise apply --help
check "--help states a list's form" 'comma-separated, no spaces' "$bin" office policy --help
check "--help states the pin's form" '64 hex digits' "$bin" voucher show --help
check "the provider reads its consumed receipt" '"state":"consumed"' "$bin" receipt show \
  "${provider[@]}" --provider P-BJ-LAB --receipt R1
check "a receipt abroad needs no confirmation: redeem at home" 'innoclear: wrong_region' "$bin" \
  enterprise confirm "${enterprise[@]}" --provider P-TJ-LAB --receipt R9 --provider-region TJ
check "a redemption id this node never coordinated" 'innoclear: not_found' "$bin" redemption show \
  "${enterprise[@]}" --request BJ-R999999
check "credit-code make completes a code" '91110108MA01C3KD58' "$bin" credit-code make \
  91110108MA01C3KD
check "credit-code check accepts it" 'valid' "$bin" credit-code check 91110108MA01C3KD58
check "credit-code check names a wrong check character" 'innoclear: invalid_credit_code' "$bin" \
  credit-code check 91110108MA01C3KD59
check "the office's settlement verbs exist without a federation" 'innoclear: not_found' "$bin" \
  office settlement show "${office[@]}" --period 2026-11
check "statements of an unsettled period are refused" 'innoclear:' "$bin" office statements \
  "${office[@]}" --period 2026-11 --out "$work/statements"
[[ ! -e "$work/statements" ]] || { echo "FAIL: a refused statements verb wrote files"; failures=$((failures + 1)); }

size_before=$("$bin" ledger export --data "$work/BJ" | wc -l)
kill -TERM "$node_pid"
wait "$node_pid" && status=0 || status=$?
node_pid=
[[ $status -eq 0 ]] || { echo "FAIL: node exited $status on SIGTERM"; failures=$((failures + 1)); }
size_after=$("$bin" ledger export --data "$work/BJ" | wc -l)
[[ "$size_after" -eq "$size_before" ]] || { echo "FAIL: ledger size changed across shutdown"; failures=$((failures + 1)); }
check "the ledger verifies after shutdown" 'verify innoclear.BJ: ok' "$bin" ledger verify --data "$work/BJ"

if ((failures > 0)); then echo "node: $failures failed"; exit 1; fi
echo "node: all passed"
