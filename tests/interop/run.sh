#!/usr/bin/env bash
# External interop test: the reference Go implementation of C2SP signed notes and RFC 9162 Merkle
# logs (golang.org/x/mod/sumdb/note and .../tlog, Debian package golang-golang-x-mod-dev) must accept
# innoclear's verifier key, checkpoints, inclusion and consistency proofs, and must reject tampered
# checkpoints.
#
# usage: tests/interop/run.sh INNOCLEAR_BINARY WORKDIR
#
# Needs `go` (Debian: golang-go) and golang.org/x/mod under $INTEROP_GOPATH (default
# /usr/share/gocode, where golang-golang-x-mod-dev installs it). No network: GOPATH mode, no proxy.
# WORKDIR receives the checker binary, the Go build cache and the data directories of this run.
# shellcheck disable=SC2016  # the single-quoted arguments are awk programs
set -euo pipefail

die() { echo "interop: FAIL: $*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: $0 INNOCLEAR_BINARY WORKDIR"
[[ -f $1 && -x $1 ]] || die "innoclear binary $1 is missing or not executable"
BIN=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GOPATH_DIR=${INTEROP_GOPATH:-/usr/share/gocode}

command -v go >/dev/null ||
  die "the go command is not installed; install golang-go and golang-golang-x-mod-dev (see README)"
for pkg in note tlog; do
  [[ -d $GOPATH_DIR/src/golang.org/x/mod/sumdb/$pkg ]] ||
    die "golang.org/x/mod/sumdb/$pkg not found under $GOPATH_DIR/src; install golang-golang-x-mod-dev"
done

mkdir -p "$WORK"
WORK=$(realpath "$WORK")
# Only the directories this script creates are removed; the Go build cache is kept between runs.
rm -rf "$WORK/data" "$WORK/other" "$WORK/round1" "$WORK/round2"
mkdir -p "$WORK/gocache" "$WORK/round1/inclusion" "$WORK/round1/consistency" \
  "$WORK/round2/inclusion" "$WORK/round2/consistency"

echo "interop: building the checker with $(go version)"
env GO111MODULE=off GOPATH="$GOPATH_DIR" GOCACHE="$WORK/gocache" GOFLAGS= GOPROXY=off \
  go build -o "$WORK/checker" "$HERE/checker/main.go" || die "building the Go checker failed"

# Runs innoclear; on failure names the command.
ic() { "$BIN" "$@" || die "innoclear $* exited with status $?"; }
# Runs innoclear where failure is the expected answer.
ic_must_fail() {
  if "$BIN" "$@" >/dev/null 2>&1; then die "innoclear $* succeeded but must fail"; fi
}
# The size line of a checkpoint note.
size_of() { sed -n 2p "$1"; }
# Writes the inclusion proof for index $2 at size $3 into directory $1.
prove_index() {
  ic ledger prove --data "$D" --index "$2" --size "$3" >"$1/incl-size$3-index$2.json"
}
# Writes the consistency proof from size $2 to size $3 into directory $1.
prove_sizes() {
  ic ledger prove --data "$D" --from "$2" --to "$3" >"$1/cons-$2-$3.json"
}
# Copies checkpoint $1 to $2, passing the lines that match the awk pattern $3 through the awk
# action $4 (byte-wise, LC_ALL=C); the copy must differ from the original.
tamper_line() {
  LC_ALL=C awk "$3 { $4 } /^\$/ { blank = 1 } { print }" "$1" >"$2"
  ! cmp -s "$1" "$2" || die "tampering $1 into $2 changed nothing"
}

D=$WORK/data
R1=$WORK/round1
R2=$WORK/round2

# --- Round 1: a fresh ledger with 300 benchmark entries. ---
ic init --region BJ --data "$D"
ic bench ledger --data "$D" --entries 300 --batch 50 --writers 3
ic ledger vkey --data "$D" >"$R1/vkey"
ic ledger checkpoint --data "$D" >"$R1/checkpoint"
ic ledger export --data "$D" >"$R1/export"

N1=$(size_of "$R1/checkpoint")
[[ $N1 =~ ^[0-9]+$ ]] || die "checkpoint size line is not a number: '$N1'"
((N1 >= 300)) || die "checkpoint size $N1 after appending 300 entries"
echo "interop: round 1: checkpoint size $N1"

for size in 1 2 3 17 256 "$N1"; do
  for index in 0 1 2 3 4 5 6 7 8 9 16 150 255 $((size / 2)) $((size - 1)); do
    if ((index < size)); then prove_index "$R1/inclusion" "$index" "$size"; fi
  done
done
for pair in 1:1 1:2 2:3 7:8 16:17 17:17 255:256 100:257 1:"$N1" 17:"$N1" 128:"$N1" \
  256:"$N1" $((N1 - 1)):"$N1" "$N1":"$N1"; do
  prove_sizes "$R1/consistency" "${pair%%:*}" "${pair##*:}"
done

# Out-of-range requests must fail, not produce a proof.
ic_must_fail ledger prove --data "$D" --index "$N1" --size "$N1"
ic_must_fail ledger prove --data "$D" --index 0 --size $((N1 + 1))
ic_must_fail ledger prove --data "$D" --from 5 --to 3
ic_must_fail ledger prove --data "$D" --from 1 --to $((N1 + 1))

# Tampered checkpoints: each must be rejected by note.Open with the node's verifier key.
tamper_line "$R1/checkpoint" "$R1/tampered-origin" 'NR == 1' '$0 = "innoclear.TJ"'
tamper_line "$R1/checkpoint" "$R1/tampered-size" 'NR == 2' \
  'd = substr($0, length($0), 1); $0 = substr($0, 1, length($0) - 1) ((d + 1) % 10)'
tamper_line "$R1/checkpoint" "$R1/tampered-root" 'NR == 3' \
  'c = substr($0, 11, 1); $0 = substr($0, 1, 10) (c == "A" ? "B" : "A") substr($0, 12)'
# Signature lines are "— innoclear.BJ <base64(key id ‖ signature)>"; change one character well
# inside the Ed25519 signature (past the 4-byte key id) of each.
tamper_line "$R1/checkpoint" "$R1/tampered-signature" 'blank && /^\342\200\224 /' \
  'i = length($0) - 30; c = substr($0, i, 1); $0 = substr($0, 1, i - 1) (c == "A" ? "B" : "A") substr($0, i + 1)'
# A checkpoint signed by another node key that claims the same origin.
ic init --region BJ --data "$WORK/other"
ic bench ledger --data "$WORK/other" --entries 3 --batch 1 --writers 1
ic ledger checkpoint --data "$WORK/other" >"$R1/tampered-other-key"
ic ledger vkey --data "$WORK/other" >"$R1/other-vkey"
! cmp -s "$R1/vkey" "$R1/other-vkey" || die "two init runs produced the same node key"

echo "interop: round 1: checking with golang.org/x/mod/sumdb/note and tlog"
"$WORK/checker" -origin innoclear.BJ -vkey "$R1/vkey" -checkpoint "$R1/checkpoint" \
  -entries "$R1/export" -inclusion "$R1/inclusion" -consistency "$R1/consistency" \
  -tampered "$R1/tampered-origin" -tampered "$R1/tampered-size" -tampered "$R1/tampered-root" \
  -tampered "$R1/tampered-signature" -tampered "$R1/tampered-other-key" >"$R1/summary" ||
  die "round 1: the Go checker rejected innoclear's output (see above)"
cat "$R1/summary"

# The untampered checkpoint itself must not pass as "tampered" (guards the negative check).
if "$WORK/checker" -vkey "$R1/vkey" -checkpoint "$R1/checkpoint" -entries "$R1/export" \
  -tampered "$R1/checkpoint" >/dev/null 2>&1; then
  die "the checker's tampered mode accepted an untampered checkpoint as rejected"
fi

# --- Round 2: grow the ledger; the old checkpoint must stay consistent with the new one. ---
ic bench ledger --data "$D" --entries 50 --batch 10 --writers 2
ic ledger vkey --data "$D" >"$R2/vkey"
ic ledger checkpoint --data "$D" >"$R2/checkpoint"
ic ledger export --data "$D" >"$R2/export"
cmp -s "$R1/vkey" "$R2/vkey" || die "the verifier key changed when the ledger grew"

N2=$(size_of "$R2/checkpoint")
[[ $N2 =~ ^[0-9]+$ ]] || die "checkpoint size line is not a number: '$N2'"
((N2 >= N1 + 50)) || die "checkpoint size $N2 after appending 50 entries to $N1"
head -n "$N1" "$R2/export" | cmp -s - "$R1/export" ||
  die "the first $N1 exported entries changed when the ledger grew"
echo "interop: round 2: checkpoint size $N2 (was $N1)"

for index in 0 $((N1 - 1)) "$N1" $((N2 - 1)); do
  prove_index "$R2/inclusion" "$index" "$N2"
done
for pair in "$N1":"$N2" 1:"$N2" 17:"$N2" 256:"$N2" $((N2 - 1)):"$N2"; do
  prove_sizes "$R2/consistency" "${pair%%:*}" "${pair##*:}"
done
# The new checkpoint's text with the old checkpoint's signature.
{ sed -n '1,/^$/p' "$R2/checkpoint"; sed -n '/^$/,$p' "$R1/checkpoint" | tail -n +2; } \
  >"$R2/tampered-old-signature"
! cmp -s "$R2/checkpoint" "$R2/tampered-old-signature" || die "splicing signatures changed nothing"

echo "interop: round 2: checking the grown ledger against both checkpoints"
"$WORK/checker" -origin innoclear.BJ -vkey "$R2/vkey" -checkpoint "$R2/checkpoint" \
  -checkpoint "$R1/checkpoint" -entries "$R2/export" -inclusion "$R2/inclusion" \
  -consistency "$R2/consistency" -tampered "$R2/tampered-old-signature" >"$R2/summary" ||
  die "round 2: the Go checker rejected innoclear's output (see above)"
cat "$R2/summary"

echo "interop: PASS: golang.org/x/mod/sumdb accepts innoclear's vkey, checkpoints ($N1, $N2) and proofs, and rejects tampered checkpoints"
