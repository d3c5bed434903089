#!/usr/bin/env bash
# The README's main job: `innoclear up --demo` on six node processes. Beyond the demo's own checks
# (every node recorded the same settlement), an auditor's view from the ledgers alone: every ledger
# verifies; every node proposed the same settlement document and recorded all six office
# signatures; the net positions sum to 0 with at most N-1 transfers; each pair of nodes closed
# the period with the same statement digest; and every region's camt.053 validates (xmllint).
#   tests/cli/demo_test.sh BINARY WORKDIR
set -euo pipefail
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
fed=$work/fed
trap 'for f in "$fed"/*/node.pid; do [[ -f "$f" ]] && kill -9 "$(cat "$f")" 2>/dev/null; done; true' EXIT
fail() { echo "FAIL: $1"; exit 1; }

source "$(dirname "$0")/free_ports.sh"
[[ -n "$base" ]] || fail "no six free ports found"

if ! timeout 240 "$bin" up --dir "$fed" --base-port "$base" --period-seconds 5 --demo \
    --stop-after-demo >"$work/up.out" 2>"$work/up.err"; then
  cat "$work/up.out" "$work/up.err"
  fail "up --demo failed"
fi
cat "$work/up.out"
grep -q "Settlement of period" "$work/up.out" || fail "no settlement report printed"
grep -q "refused (already_redeemed)" "$work/up.out" || fail "the double redemption was not refused"
grep -q "expired unused" "$work/up.out" || fail "no voucher expired"

statements=$(ls -d "$fed"/statements/*/ | head -n 1)
for code in BJ TJ HE NM GZ CD; do
  [[ -s "$statements/$code.csv" ]] || fail "no CSV statement for $code"
  xmllint --noout --schema "$(dirname "$0")/../schemas/camt.053.001.08.xsd" \
    "$statements/$code.camt053.xml" || fail "camt.053 of $code does not validate"
  "$bin" ledger verify --data "$fed/$code" >/dev/null || fail "ledger of $code does not verify"
  "$bin" ledger export --data "$fed/$code" >"$work/$code.jsonl"
done
echo "ok: six statements validate and six ledgers verify"

python3 - "$work" <<'PY' || fail "the ledgers disagree on the settlement"
import json, sys
work = sys.argv[1]
regions = ["BJ", "TJ", "HE", "NM", "GZ", "CD"]
proposals, closes, recorded = {}, {}, {}
for code in regions:
    for line in open(f"{work}/{code}.jsonl"):
        entry = json.loads(line)
        statement = entry.get("statement", {})
        kind = statement.get("kind")
        if kind == "settlement.propose":
            proposals[code] = entry["result"]["document_sha256"]
        elif kind == "period.close":
            closes[code] = entry["result"]["close"]["totals"]
        elif kind == "settlement.record":
            recorded[code] = entry["result"]
            signers = set(statement["body"]["signatures"])
            assert signers == set(regions), f"{code} recorded signatures of {signers}"
assert set(proposals) == set(regions), f"proposals from {sorted(proposals)}"
assert len(set(proposals.values())) == 1, "different settlement documents"
assert set(recorded) == set(regions), f"settled on {sorted(recorded)}"
document = recorded["BJ"]["document"]
assert all(r["document"] == document for r in recorded.values())
assert sum(document["positions"].values()) == 0, "net positions do not sum to 0"
movers = sum(1 for v in document["positions"].values() if v != 0)
assert len(document["transfers"]) <= max(movers - 1, 0), "more than N-1 transfers"
for a in regions:
    for b in regions:
        if a != b:
            assert closes[a][b]["digest"] == closes[b][a]["digest"], f"{a}/{b} statements differ"
            assert closes[a][b]["owed_by_me"] == closes[b][a]["owed_to_me"]
print("ok: one settlement on six ledgers, positions sum to 0,",
      len(document["transfers"]), "transfers, every bilateral statement matches")
PY
