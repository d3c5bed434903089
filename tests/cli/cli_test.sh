#!/usr/bin/env bash
# The command line as scripts and auditors use it: every failure is one line on stderr and a
# non-zero exit, and nothing is changed by a refused command.
#   tests/cli/cli_test.sh BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
failures=0

# expect_failure NAME EXPECTED_CODE COMMAND...: exit 1, exactly one stderr line naming the code.
expect_failure() {
  local name=$1 code=$2
  shift 2
  local status=0
  "$@" >"$work/out" 2>"$work/err" || status=$?
  local lines
  lines=$(wc -l <"$work/err")
  if [[ $status -ne 1 || $lines -ne 1 ]] || ! grep -q "^innoclear: $code" "$work/err"; then
    echo "FAIL: $name: exit $status, $lines stderr lines: $(cat "$work/err")"
    failures=$((failures + 1))
  else
    echo "ok: $name: $(cat "$work/err")"
  fi
}

expect_success() {
  local name=$1
  shift
  if ! "$@" >"$work/out" 2>"$work/err"; then
    echo "FAIL: $name: $(cat "$work/err")"
    failures=$((failures + 1))
  else
    echo "ok: $name"
  fi
}

data="$work/TJ"
expect_success "init creates a node" "$bin" init --region TJ --data "$data"
expect_failure "init refuses an unknown region" invalid_argument "$bin" init --region XX --data "$work/XX"
[[ ! -e "$work/XX" ]] || { echo "FAIL: a refused init left $work/XX"; failures=$((failures + 1)); }
before=$(sha256sum "$data/node.key" "$data/node.json")
expect_failure "init refuses to overwrite a node" already_exists "$bin" init --region TJ --data "$data"
[[ "$before" == "$(sha256sum "$data/node.key" "$data/node.json")" ]] ||
  { echo "FAIL: a refused init changed the node"; failures=$((failures + 1)); }
expect_failure "ledger verbs refuse a directory that is not a node" not_found \
  "$bin" ledger verify --data "$work/nothing"
expect_failure "prove refuses a size beyond the ledger" out_of_range \
  "$bin" ledger prove --data "$data" --index 0 --size 5
expect_failure "prove refuses half an inclusion request" invalid_argument \
  "$bin" ledger prove --data "$data" --index 0
expect_failure "bench refuses zero entries" invalid_argument \
  "$bin" bench ledger --data "$data" --entries 0

expect_success "bench fills the ledger" "$bin" bench ledger --data "$data" --entries 40 --batch 8 --writers 2
expect_success "verify passes" "$bin" ledger verify --data "$data" --output json
grep -q '"ok":true' "$work/out" || { echo "FAIL: verify json"; failures=$((failures + 1)); }
vkey=$("$bin" ledger vkey --data "$data")
expect_success "verify passes with the verifier key given by hand" \
  "$bin" ledger verify --data "$data" --vkey "$vkey"
# The cosigner key: the same public key under type 0x04 (C2SP tlog-cosignature), its own key id.
cosigner=$("$bin" ledger vkey --cosigner --data "$data")
note_key=$(cut -d+ -f3- <<<"$vkey" | base64 -d | od -An -tx1 | tr -d ' \n')
cosigner_key=$(cut -d+ -f3- <<<"$cosigner" | base64 -d | od -An -tx1 | tr -d ' \n')
if [[ ${cosigner%%+*} != "${vkey%%+*}" || ${note_key:0:2} != 01 || ${cosigner_key:0:2} != 04 ||
  ${note_key:2} != "${cosigner_key:2}" || $(cut -d+ -f2 <<<"$cosigner") == $(cut -d+ -f2 <<<"$vkey") ]]; then
  echo "FAIL: vkey --cosigner: '$cosigner' beside '$vkey'"
  failures=$((failures + 1))
fi
"$bin" init --region GZ --data "$work/GZ" >/dev/null
other=$("$bin" ledger vkey --data "$work/GZ")
expect_failure "verify refuses another node's key" bad_key \
  "$bin" ledger verify --data "$data" --vkey "$other"

# Change one digit of the nonce "bench-7" inside the LMDB file: the entry stays canonical JSON, so
# only the Merkle tree (stored subtree hashes and signed checkpoint roots) can tell. Writers run
# concurrently, so find the entry's index from the export first.
index=$(("$(grep -n '"nonce":"bench-7"' <("$bin" ledger export --data "$data") | cut -d: -f1)" - 1))
# LMDB copies pages on write, so stale copies of the entry may exist too: patch every occurrence.
file="$data/ledger/data.mdb"
offsets=$(grep -obUa '"nonce":"bench-7"' "$file" | cut -d: -f1)
[[ -n "$offsets" ]] || { echo "FAIL: entry 7 not found in $file"; exit 1; }
for offset in $offsets; do
  printf '8' | dd of="$file" bs=1 seek=$((offset + 15)) conv=notrunc status=none
done
expect_failure "verify names a tampered entry" verify_failed "$bin" ledger verify --data "$data"
grep -q "entry $index[: ]" "$work/err" ||
  { echo "FAIL: the message does not name entry $index"; failures=$((failures + 1)); }

if ((failures > 0)); then
  echo "cli: $failures failed"
  exit 1
fi
echo "cli: all passed"
