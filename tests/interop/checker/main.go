// Command checker is an external interop check: it verifies innoclear's ledger output with the
// reference Go implementation of C2SP signed notes and RFC 9162 Merkle logs
// (golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog), which share no code with
// innoclear.
//
// Usage:
//
//	checker -vkey FILE -checkpoint FILE [-checkpoint FILE ...] -entries FILE
//	        [-inclusion DIR] [-consistency DIR] [-tampered FILE ...] [-origin NAME]
//
//	-vkey         the output of `innoclear ledger vkey` (one line)
//	-checkpoint   the output of `innoclear ledger checkpoint`; repeatable (e.g. an older
//	              checkpoint kept from before the ledger grew). The largest size must equal the
//	              number of exported entries; every checkpoint's root must equal the root that tlog
//	              recomputes from the exported entries at that size.
//	-entries      the output of `innoclear ledger export` (one entry per line)
//	-inclusion    a directory of *.json files from `innoclear ledger prove --index I --size N`
//	-consistency  a directory of *.json files from `innoclear ledger prove --from M --to N`
//	-tampered     a checkpoint that note.Open must REJECT with the verifier key; repeatable
//	-origin       if set, the verifier key name and checkpoint origin must equal it
//
// Every failure exits with status 1 and a one-line reason on stderr; on success it prints one
// summary line starting with "interop: ok:".
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "interop: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func readFile(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return data
}

// memoryLog is a tlog.HashReader over every stored hash of the tree, kept in memory.
type memoryLog struct {
	entries [][]byte
	stored  []tlog.Hash
}

func newMemoryLog(entries [][]byte) *memoryLog {
	m := &memoryLog{entries: entries}
	for i, e := range entries {
		hashes, err := tlog.StoredHashes(int64(i), e, m)
		if err != nil {
			fail("tlog.StoredHashes for entry %d: %v", i, err)
		}
		m.stored = append(m.stored, hashes...)
	}
	if want := tlog.StoredHashCount(int64(len(entries))); int64(len(m.stored)) != want {
		fail("internal: %d stored hashes for %d entries, want %d", len(m.stored), len(entries), want)
	}
	return m
}

func (m *memoryLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.stored)) {
			return nil, fmt.Errorf("stored hash index %d out of range (have %d)", x, len(m.stored))
		}
		out[i] = m.stored[x]
	}
	return out, nil
}

// root is the RFC 9162 tree head of the first n entries, computed by tlog.
func (m *memoryLog) root(n int64) tlog.Hash {
	if n < 0 || n > int64(len(m.entries)) {
		fail("tree size %d is beyond the %d exported entries", n, len(m.entries))
	}
	h, err := tlog.TreeHash(n, m)
	if err != nil {
		fail("tlog.TreeHash(%d): %v", n, err)
	}
	return h
}

// readEntries splits `ledger export` output: one entry per line, every line ending in '\n'.
func readEntries(path string) [][]byte {
	data := readFile(path)
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		fail("%s: the last entry does not end with a newline", path)
	}
	lines := bytes.Split(data[:len(data)-1], []byte("\n"))
	for i, l := range lines {
		if len(l) == 0 {
			fail("%s: entry %d is an empty line", path, i)
		}
		if l[len(l)-1] == '\r' {
			fail("%s: entry %d ends with a carriage return", path, i)
		}
	}
	return lines
}

func parseVkey(path, origin string) note.Verifier {
	data := readFile(path)
	s := string(data)
	if !strings.HasSuffix(s, "\n") || strings.Count(s, "\n") != 1 {
		fail("%s: want exactly one line ending in a newline, got %q", path, s)
	}
	s = strings.TrimSuffix(s, "\n")
	v, err := note.NewVerifier(s)
	if err != nil {
		fail("note.NewVerifier(%q): %v", s, err)
	}
	if origin != "" && v.Name() != origin {
		fail("verifier key name %q, want %q", v.Name(), origin)
	}
	// C2SP signed-note: the verifier key is name+hex(key id)+base64(0x01 ‖ Ed25519 public key).
	parts := strings.SplitN(s, "+", 3)
	if len(parts) != 3 {
		fail("verifier key %q: want name+keyid+key", s)
	}
	key, _ := base64.StdEncoding.DecodeString(parts[2])
	if len(key) != 33 || key[0] != 0x01 {
		fail("verifier key %q: want an Ed25519 key (0x01 followed by 32 bytes)", s)
	}
	return v
}

type checkpoint struct {
	path string
	size int64
	root tlog.Hash
	sigs int
	ext  int
}

// parseCheckpointBody parses the C2SP tlog-checkpoint body: origin, decimal tree size, base64
// root hash, then optional non-empty extension lines. (tlog.ParseTree only accepts the Go
// checksum database's own origin line, so the body is parsed here.)
func parseCheckpointBody(text, origin string) (size int64, root tlog.Hash, ext int, err error) {
	if !strings.HasSuffix(text, "\n") {
		return 0, root, 0, errors.New("note text does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return 0, root, 0, fmt.Errorf("want at least 3 lines (origin, size, root), got %d", len(lines))
	}
	if lines[0] != origin {
		return 0, root, 0, fmt.Errorf("origin line %q, want the verifier key name %q", lines[0], origin)
	}
	sizeText := lines[1]
	if sizeText == "" || strings.Trim(sizeText, "0123456789") != "" || (len(sizeText) > 1 && sizeText[0] == '0') {
		return 0, root, 0, fmt.Errorf("size line %q is not a canonical decimal number", sizeText)
	}
	size, err = strconv.ParseInt(sizeText, 10, 64)
	if err != nil {
		return 0, root, 0, fmt.Errorf("size line %q: %v", sizeText, err)
	}
	root, err = parseHash(lines[2])
	if err != nil {
		return 0, root, 0, fmt.Errorf("root line %q: %v", lines[2], err)
	}
	for i, l := range lines[3:] {
		if l == "" {
			return 0, root, 0, fmt.Errorf("extension line %d is empty", i+1)
		}
	}
	return size, root, len(lines) - 3, nil
}

// parseHash decodes a base64 hash strictly: exactly 32 bytes, canonical standard encoding.
func parseHash(s string) (tlog.Hash, error) {
	h, err := tlog.ParseHash(s)
	if err != nil {
		return h, err
	}
	if base64.StdEncoding.EncodeToString(h[:]) != s {
		return h, errors.New("not canonical standard base64")
	}
	return h, nil
}

func openCheckpoint(path string, v note.Verifier) checkpoint {
	msg := readFile(path)
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("%s: note.Open rejected the checkpoint: %v", path, err)
	}
	if len(n.Sigs) < 1 {
		fail("%s: no signature by %s", path, v.Name())
	}
	size, root, ext, err := parseCheckpointBody(n.Text, v.Name())
	if err != nil {
		fail("%s: checkpoint body: %v", path, err)
	}
	return checkpoint{path: path, size: size, root: root, sigs: len(n.Sigs), ext: ext}
}

type inclusionProof struct {
	Index    *int64    `json:"index"`
	TreeSize *int64    `json:"tree_size"`
	LeafHash *string   `json:"leaf_hash"`
	Hashes   *[]string `json:"hashes"`
}

type consistencyProof struct {
	From   *int64    `json:"from"`
	To     *int64    `json:"to"`
	Hashes *[]string `json:"hashes"`
}

func jsonFiles(dir string) []string {
	if dir == "" {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		fail("%v", err)
	}
	if len(files) == 0 {
		fail("%s: no *.json proof files", dir)
	}
	sort.Strings(files)
	return files
}

func decodeStrict(path string, v any) {
	dec := json.NewDecoder(bytes.NewReader(readFile(path)))
	if err := dec.Decode(v); err != nil {
		fail("%s: %v", path, err)
	}
	if dec.More() {
		fail("%s: trailing data after the JSON object", path)
	}
}

func decodeHashes(path string, list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := parseHash(s)
		if err != nil {
			fail("%s: hashes[%d] %q: %v", path, i, s, err)
		}
		out[i] = h
	}
	return out
}

// flipped returns a copy of the proof with one bit changed in hash i.
func flipped(p []tlog.Hash, i int) []tlog.Hash {
	q := append([]tlog.Hash(nil), p...)
	q[i][0] ^= 0x01
	return q
}

func checkInclusion(path string, m *memoryLog) {
	var p inclusionProof
	decodeStrict(path, &p)
	if p.Index == nil || p.TreeSize == nil || p.LeafHash == nil || p.Hashes == nil {
		fail("%s: want the fields index, tree_size, leaf_hash, hashes", path)
	}
	i, n := *p.Index, *p.TreeSize
	if i < 0 || i >= n || n > int64(len(m.entries)) {
		fail("%s: index %d, tree_size %d outside the %d exported entries", path, i, n, len(m.entries))
	}
	leaf, err := parseHash(*p.LeafHash)
	if err != nil {
		fail("%s: leaf_hash: %v", path, err)
	}
	if want := tlog.RecordHash(m.entries[i]); leaf != want {
		fail("%s: leaf_hash %s, but tlog.RecordHash(entry %d) = %s", path, leaf, i, want)
	}
	proof := decodeHashes(path, *p.Hashes)
	root := m.root(n)
	if err := tlog.CheckRecord(proof, n, root, i, leaf); err != nil {
		fail("%s: tlog.CheckRecord(index %d, size %d) rejected the proof: %v", path, i, n, err)
	}
	// The check must not pass vacuously: a proof with a changed hash must fail.
	for k := range proof {
		if tlog.CheckRecord(flipped(proof, k), n, root, i, leaf) == nil {
			fail("%s: tlog.CheckRecord accepted the proof with hashes[%d] changed", path, k)
		}
	}
}

func checkConsistency(path string, m *memoryLog) {
	var p consistencyProof
	decodeStrict(path, &p)
	if p.From == nil || p.To == nil || p.Hashes == nil {
		fail("%s: want the fields from, to, hashes", path)
	}
	from, to := *p.From, *p.To
	if from < 1 || from > to || to > int64(len(m.entries)) {
		fail("%s: from %d, to %d: want 1 <= from <= to <= %d", path, from, to, len(m.entries))
	}
	proof := decodeHashes(path, *p.Hashes)
	oldRoot, newRoot := m.root(from), m.root(to)
	if err := tlog.CheckTree(proof, to, newRoot, from, oldRoot); err != nil {
		fail("%s: tlog.CheckTree(%d -> %d) rejected the proof: %v", path, from, to, err)
	}
	for k := range proof {
		if tlog.CheckTree(flipped(proof, k), to, newRoot, from, oldRoot) == nil {
			fail("%s: tlog.CheckTree accepted the proof with hashes[%d] changed", path, k)
		}
	}
}

func checkTampered(path string, v note.Verifier) string {
	msg := readFile(path)
	n, err := note.Open(msg, note.VerifierList(v))
	if err == nil {
		fail("%s: note.Open ACCEPTED a tampered checkpoint (text %q)", path, n.Text)
	}
	return err.Error()
}

func main() {
	var checkpoints, tampered listFlag
	vkeyPath := flag.String("vkey", "", "file with the output of `innoclear ledger vkey`")
	flag.Var(&checkpoints, "checkpoint", "file with a signed checkpoint (repeatable)")
	entriesPath := flag.String("entries", "", "file with the output of `innoclear ledger export`")
	inclusionDir := flag.String("inclusion", "", "directory of inclusion proof *.json files")
	consistencyDir := flag.String("consistency", "", "directory of consistency proof *.json files")
	flag.Var(&tampered, "tampered", "a checkpoint that must be rejected (repeatable)")
	origin := flag.String("origin", "", "required verifier key name and checkpoint origin")
	flag.Parse()
	if flag.NArg() != 0 {
		fail("unexpected arguments %q", flag.Args())
	}
	if *vkeyPath == "" || len(checkpoints) == 0 || *entriesPath == "" {
		fail("-vkey, -checkpoint and -entries are required (see the comment in main.go)")
	}

	v := parseVkey(*vkeyPath, *origin)

	var cps []checkpoint
	for _, path := range checkpoints {
		cps = append(cps, openCheckpoint(path, v))
	}
	sort.Slice(cps, func(a, b int) bool { return cps[a].size > cps[b].size })

	entries := readEntries(*entriesPath)
	if cps[0].size != int64(len(entries)) {
		fail("latest checkpoint %s has size %d, but the export has %d entries",
			cps[0].path, cps[0].size, len(entries))
	}
	m := newMemoryLog(entries)
	for _, cp := range cps {
		if got := m.root(cp.size); got != cp.root {
			fail("%s: signed root %s at size %d, but tlog recomputes %s from the exported entries",
				cp.path, cp.root, cp.size, got)
		}
	}
	// Signed roots of any two checkpoints must be consistent (trivially so when they equal the
	// recomputed ones, but this is the check a monitor makes).
	for a := 1; a < len(cps); a++ {
		old, cur := cps[a], cps[0]
		if old.size == 0 {
			continue
		}
		proof, err := tlog.ProveTree(cur.size, old.size, m)
		if err != nil {
			fail("tlog.ProveTree(%d, %d): %v", cur.size, old.size, err)
		}
		if err := tlog.CheckTree(proof, cur.size, cur.root, old.size, old.root); err != nil {
			fail("checkpoints %s and %s are not consistent: %v", old.path, cur.path, err)
		}
	}

	incl := jsonFiles(*inclusionDir)
	for _, path := range incl {
		checkInclusion(path, m)
	}
	cons := jsonFiles(*consistencyDir)
	for _, path := range cons {
		checkConsistency(path, m)
	}
	for _, path := range tampered {
		fmt.Printf("interop: %s rejected as expected: %s\n", filepath.Base(path), checkTampered(path, v))
	}

	sizes := make([]string, len(cps))
	for i, cp := range cps {
		sizes[i] = strconv.FormatInt(cp.size, 10)
	}
	word := "checkpoint size"
	if len(cps) > 1 {
		word = "checkpoint sizes"
	}
	summary := fmt.Sprintf("interop: ok: vkey %s, %s %s (roots recomputed from %d exported entries), %d inclusion proofs, %d consistency proofs",
		v.Name(), word, strings.Join(sizes, ","), len(entries), len(incl), len(cons))
	if len(tampered) > 0 {
		summary += fmt.Sprintf(", %d tampered checkpoints rejected", len(tampered))
	}
	fmt.Println(summary)
}
