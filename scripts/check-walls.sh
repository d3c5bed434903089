#!/usr/bin/env bash
# The walls between parts: every part includes only the parts and libraries that README.md's
# "## Layout" table allows it, the table being the source of truth.
#
#   scripts/check-walls.sh [REPO_ROOT]   check the tree (default: this script's repository)
#   scripts/check-walls.sh --self-test   show on fake trees that the check catches what it should
#
# Exit 0 with "walls: ok (N files checked)"; exit 1 with one line per violation,
#   FILE:LINE: part P/ includes WHAT: not in README Layout
# exit 2 when the table cannot be read (or on a usage error).
#
# The table. Under "## Layout", the Markdown table with the columns `part`, `may include (parts)`
# and `may use (libraries)` (found by their header names; other columns are free text without `|`).
#   part                 one backticked folder, `ledger/` or `ledger/testkit/`
#   may include (parts)  backticked parts, "`base/` `crypto/`"; a part may always include itself
#   may use (libraries)  a comma-separated list from: libsodium, LMDB, Beast, libpq, OpenSSL, CLI11
#                        (each item starts with the name, e.g. "Beast (Boost.Beast/Asio)"); "—",
#                        "-", "none" or nothing for none.
#
# What is checked, every .h/.hpp/.cpp/.cc under a part (build trees — top-level folders holding a
# CMakeCache.txt, or named build*, cmake-build-* or .* — are skipped):
#   - A file belongs to the longest row that is a prefix of its path: ledger/testkit/x.cpp to
#     `ledger/testkit/` if that row exists, otherwise to `ledger/`. An included "a/b/c.h" names the
#     longest row that is a prefix of it in the same way, so a part that may include `ledger/` may
#     not include `ledger/testkit/` unless that is listed too. Includes naming no row ("x.h",
#     "schema_sql.h" from the build tree) are not parts and not checked.
#   - Library headers, in "" or <>:  libsodium = sodium.h, sodium/…   LMDB = lmdb.h
#     Beast = boost/beast…, boost/asio…   libpq = libpq-fe.h, libpq/…, postgresql/…
#     OpenSSL = openssl/…   CLI11 = CLI/…, CLI11.hpp
#   - A top-level folder holding C++ sources that has no row is a violation (a new part needs its
#     row), and so is a row without a folder.
#   - Best effort, CMake: each CMakeLists.txt under a part (its folder's part; the root one is
#     not checked) may name in target_link_libraries(…) only the libraries of that part's row:
#     PkgConfig::SODIUM, sodium, libsodium = libsodium; PkgConfig::LMDB, lmdb = LMDB;
#     PkgConfig::PQ, PostgreSQL::PostgreSQL, pq, libpq = libpq; CLI11, CLI11::CLI11 = CLI11;
#     OpenSSL::* = OpenSSL; Boost::* = Beast (the project uses Boost only for Beast and Asio).
#     Only whole tokens are matched; variables, generator expressions and targets linked through
#     other targets are not followed, and which parts a target links is not checked.
#   - Only #include lines are read: an include inside a comment or a disabled #if block counts.
# tests/ has its own row like any part (it may include every part and use every library).
set -euo pipefail

usage() {
  echo "usage: scripts/check-walls.sh [REPO_ROOT] | --self-test" >&2
  exit 2
}

self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

# ---- the check ----------------------------------------------------------------------------------

# parse_table README: prints one line per row, "part<TAB>parts it may include<TAB>libraries", each
# list space-separated; errors on stderr and exit 2 when the table is missing or malformed.
parse_table() {
  awk '
    function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
    function fail(msg) { print FILENAME ":" FNR ": README Layout: " msg > "/dev/stderr"; bad = 1 }
    # The backticked names in s, space-separated; fails on anything else but spaces.
    function parts_of(s, what,   out, rest, name) {
      out = ""; rest = trim(s)
      while (rest != "") {
        if (!match(rest, /^`[^`]+`/)) { fail(what " is not a list of backticked parts: " s); return "" }
        name = substr(rest, 2, RLENGTH - 2)
        if (name !~ /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/$/) { fail("not a part folder (`name/`): " name); return "" }
        out = out (out == "" ? "" : " ") substr(name, 1, length(name) - 1)
        rest = trim(substr(rest, RLENGTH + 1))
      }
      return out
    }
    function libs_of(s,   out, n, i, items, item, name) {
      s = trim(s); out = ""
      if (s == "" || s == "—" || s == "-" || tolower(s) == "none") return ""
      n = split(s, items, ",")
      for (i = 1; i <= n; i++) {
        item = trim(items[i]); name = item; sub(/[ (].*/, "", name)
        if (name !~ /^(libsodium|LMDB|Beast|libpq|OpenSSL|CLI11)$/) {
          fail("unknown library \"" item "\" (libsodium, LMDB, Beast, libpq, OpenSSL, CLI11)")
          continue
        }
        out = out (out == "" ? "" : " ") name
      }
      return out
    }
    /^## / { in_layout = ($0 ~ /^## Layout[ \t]*$/); next }
    !in_layout || !/^[ \t]*\|/ { next }
    {
      line = trim($0); sub(/^\|/, "", line); sub(/\|$/, "", line)
      n = split(line, cell, "|")
      for (i = 1; i <= n; i++) cell[i] = trim(cell[i])
      if (!header_seen) {
        for (i = 1; i <= n; i++) {
          if (cell[i] == "part") c_part = i
          else if (cell[i] ~ /^may include/) c_inc = i
          else if (cell[i] ~ /^may use/) c_lib = i
        }
        if (!c_part || !c_inc || !c_lib) { fail("header needs columns part, may include (parts), may use (libraries)"); exit }
        header_seen = 1; columns = n; next
      }
      if (cell[1] ~ /^:?-+:?$/) next
      if (n != columns) { fail("row has " n " cells, the header " columns ": " $0); next }
      part = parts_of(cell[c_part], "part")
      if (part == "" || part ~ / /) { fail("part must be one backticked folder: " cell[c_part]); next }
      if (part in seen) { fail("part " part "/ has two rows"); next }
      seen[part] = 1
      rows[++nrows] = part
      inc[part] = parts_of(cell[c_inc], "may include")
      lib[part] = libs_of(cell[c_lib])
    }
    END {
      if (!bad && !nrows) { print FILENAME ": no \"## Layout\" table with rows" > "/dev/stderr"; bad = 1 }
      for (r = 1; r <= nrows; r++) {
        k = split(inc[rows[r]], names, " ")
        for (i = 1; i <= k; i++)
          if (!(names[i] in seen)) { print FILENAME ": README Layout: part " rows[r] "/ may include " names[i] "/, which has no row" > "/dev/stderr"; bad = 1 }
      }
      if (bad) exit 2
      for (r = 1; r <= nrows; r++) print rows[r] "\t" inc[rows[r]] "\t" lib[rows[r]]
    }
  ' "$1"
}

check() {
  local root=$1 table
  [[ -f $root/README.md ]] || { echo "check-walls: no README.md in $root" >&2; exit 2; }
  table=$(parse_table "$root/README.md") || exit 2
  cd "$root"

  local -a files=() cmakes=() problems=()
  local dir part
  for dir in */; do
    dir=${dir%/}
    case $dir in build* | cmake-build-* | .*) continue ;; esac
    [[ -e $dir/CMakeCache.txt ]] && continue
    while IFS= read -r -d '' f; do files+=("${f#./}"); done < <(
      find "$dir" -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cc' \) -print0 | sort -z)
    while IFS= read -r -d '' f; do cmakes+=("${f#./}"); done < <(
      find "$dir" -type f -name CMakeLists.txt -print0 | sort -z)
  done
  # Every row has its folder.
  while IFS=$'\t' read -r part _; do
    [[ -d $part ]] || problems+=("README.md: part $part/ has a row in README Layout but no folder")
  done <<<"$table"

  local out status=0
  out=$(printf '%s\n' "$table" | awk -v FS='\t' -v nfiles="${#files[@]}" '
    function row_of(path,   r, best) {   # the longest row that is a prefix of path ("" if none)
      best = ""
      for (r = 1; r <= nrows; r++)
        if (index(path, rows[r] "/") == 1 && length(rows[r]) > length(best)) best = rows[r]
      return best
    }
    function lib_of_header(h) {
      if (h == "sodium.h" || h ~ /^sodium\//) return "libsodium"
      if (h == "lmdb.h") return "LMDB"
      if (h ~ /^boost\/(beast|asio)([.\/]|$)/) return "Beast"
      if (h == "libpq-fe.h" || h ~ /^(libpq|postgresql)\//) return "libpq"
      if (h ~ /^openssl\//) return "OpenSSL"
      if (h ~ /^CLI\// || h == "CLI11.hpp") return "CLI11"
      return ""
    }
    function lib_of_token(t) {
      if (t == "PkgConfig::SODIUM" || t == "sodium" || t == "libsodium") return "libsodium"
      if (t == "PkgConfig::LMDB" || t == "lmdb" || t == "liblmdb") return "LMDB"
      if (t == "PkgConfig::PQ" || t == "PostgreSQL::PostgreSQL" || t == "pq" || t == "libpq") return "libpq"
      if (t == "CLI11" || t == "CLI11::CLI11") return "CLI11"
      if (t ~ /^OpenSSL::/) return "OpenSSL"
      if (t ~ /^Boost::/) return "Beast"
      return ""
    }
    function may_include(p, q) { return p == q || index(" " inc[p] " ", " " q " ") > 0 }
    function may_use(p, l) { return index(" " lib[p] " ", " " l " ") > 0 }
    function violation(what) { print FILENAME ":" FNR ": part " part "/ includes " what ": not in README Layout" }
    function link_token(t,   l) {
      if (t == "") return
      if (!tll_target_seen) { tll_target_seen = 1; return }   # the target being linked
      l = lib_of_token(t)
      if (l != "" && !may_use(part, l))
        print FILENAME ":" FNR ": part " part "/ links " t " (library " l "): not in README Layout"
    }
    NR == FNR { rows[++nrows] = $1; inc[$1] = $2; lib[$1] = $3; next }
    FNR == 1 {
      part = row_of(FILENAME); in_tll = 0
      is_cmake = (FILENAME ~ /(^|\/)CMakeLists\.txt$/)
      if (part == "") {
        top = FILENAME; sub(/\/.*/, "", top)
        if (!is_cmake && !(top in reported)) {
          reported[top] = 1
          print top "/: C++ sources in a folder with no row in README Layout"
        }
      }
    }
    part == "" { next }
    !is_cmake && /^[ \t]*#[ \t]*include[ \t]*[<"]/ {
      s = $0; sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
      open_ch = substr(s, 1, 1); close_ch = (open_ch == "<") ? ">" : "\""
      s = substr(s, 2); end = index(s, close_ch)
      if (end == 0) next
      h = substr(s, 1, end - 1)
      l = lib_of_header(h)
      if (l != "") { if (!may_use(part, l)) violation(open_ch h close_ch " (library " l ")"); next }
      q = row_of(h)
      if (q != "" && !may_include(part, q)) violation("\"" h "\" (part " q "/)")
      next
    }
    is_cmake {
      s = $0; sub(/#.*/, "", s)
      if (!in_tll) {
        if (!match(tolower(s), /(^|[^a-z_])target_link_libraries[ \t]*\(/)) next
        s = substr(s, RSTART + RLENGTH); in_tll = 1; depth = 1; tll_target_seen = 0
      }
      # Tokens up to the closing parenthesis of the call.
      tok = ""
      for (i = 1; i <= length(s) && in_tll; i++) {
        c = substr(s, i, 1)
        if (c == "(") { depth++; link_token(tok); tok = "" }
        else if (c == ")") { link_token(tok); tok = ""; if (--depth == 0) in_tll = 0 }
        else if (c == " " || c == "\t" || c == "\"") { link_token(tok); tok = "" }
        else tok = tok c
      }
      if (in_tll) link_token(tok)
    }
  ' - ${files[@]+"${files[@]}"} ${cmakes[@]+"${cmakes[@]}"})
  # Without any file, awk reads the table from stdin only: nothing to check, nothing printed.

  if ((${#problems[@]})); then printf '%s\n' "${problems[@]}"; status=1; fi
  if [[ -n $out ]]; then printf '%s\n' "$out"; status=1; fi
  if ((status)); then
    echo "walls: $(( ${#problems[@]} + $(printf '%s\n' "$out" | grep -c .) )) violation(s) in ${#files[@]} files checked" >&2
    exit 1
  fi
  echo "walls: ok (${#files[@]} files checked)"
}

# ---- the self-test ------------------------------------------------------------------------------

# A fake tree of four parts, base → crypto → clearing → api, clean; the test then breaks it one way
# at a time and expects the check to name each break.
make_clean_tree() {
  local t=$1
  mkdir -p "$t/base" "$t/crypto" "$t/clearing" "$t/api" "$t/tests/api" "$t/docs"
  cat >"$t/README.md" <<'EOF'
# fake

## Layout

| part | what | may include (parts) | may use (libraries) |
| --- | --- | --- | --- |
| `base/` | codes | `base/` | — |
| `crypto/` | signatures | `base/` `crypto/` | libsodium |
| `clearing/` | pure rules | `base/` `crypto/` `clearing/` | |
| `api/` | HTTPS | `base/` `clearing/` `api/` | Beast (Boost.Beast/Asio), OpenSSL |
| `tests/` | tests | `base/` `crypto/` `clearing/` `api/` `tests/` | libsodium, Beast, OpenSSL |

## Next
| `zzz/` | not in the table | `api/` | CLI11 |
EOF
  printf '#pragma once\n#include <string>\n' >"$t/base/status.h"
  printf '#include "crypto/ed25519.h"\n#include "base/status.h"\n#include <sodium.h>\n' >"$t/crypto/ed25519.cpp"
  printf '#pragma once\n#include "base/status.h"\n' >"$t/crypto/ed25519.h"
  printf '#include "clearing/rules.h"\n  # include "crypto/ed25519.h"\n#include "local.h"\n' >"$t/clearing/rules.cpp"
  printf '#pragma once\n' >"$t/clearing/rules.h"
  printf '#include <boost/beast/http.hpp>\n#include <openssl/ssl.h>\n#include "clearing/rules.h"\n' >"$t/api/https.cpp"
  printf '#include "api/https.h"\n#include <sodium.h>\n' >"$t/tests/api/https_test.cpp"
  printf 'add_library(crypto STATIC ed25519.cpp)\ntarget_link_libraries(crypto PUBLIC base\n  PRIVATE PkgConfig::SODIUM)\n' >"$t/crypto/CMakeLists.txt"
  printf 'add_library(clearing STATIC rules.cpp)\ntarget_link_libraries(clearing PUBLIC crypto)\n' >"$t/clearing/CMakeLists.txt"
  # A build tree's sources are not a part.
  mkdir -p "$t/build/CMakeFiles"; : >"$t/build/CMakeCache.txt"
  printf '#include <sodium.h>\n' >"$t/build/CMakeFiles/CMakeCXXCompilerId.cpp"
}

self_test() {
  local tmp failed=0 out rc
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-walls.XXXXXX")
  # shellcheck disable=SC2064  # expanded now: $tmp is local to this function
  trap "rm -rf -- '$tmp'" EXIT

  run() {  # run TREE: the check's output (stdout and stderr) in $out, its exit status in $rc
    rc=0; out=$(bash "$self" "$1" 2>&1) || rc=$?
  }
  expect() {  # expect NAME RC LINE…: the last run exited RC and printed every LINE
    local name=$1 want=$2 line ok=1; shift 2
    [[ $rc == "$want" ]] || ok=0
    for line in "$@"; do grep -qxF -- "$line" <<<"$out" || ok=0; done
    if ((ok)); then echo "self-test: ok: $name"
    else
      echo "self-test: FAILED: $name (exit $rc, wanted $want); output:"
      # shellcheck disable=SC2001
      sed 's/^/  | /' <<<"$out"
      failed=1
    fi
  }

  make_clean_tree "$tmp/clean"
  run "$tmp/clean"
  expect "a clean tree passes" 0 "walls: ok (7 files checked)"

  cp -a "$tmp/clean" "$tmp/dirty"
  # A lower part including a higher one, and libsodium in clearing/ (by header and by CMake).
  printf '#include "api/https.h"\n' >>"$tmp/dirty/base/status.h"
  printf '#include <sodium.h>\n' >>"$tmp/dirty/clearing/rules.cpp"
  printf 'target_link_libraries(clearing\n  PRIVATE PkgConfig::SODIUM)\n' >>"$tmp/dirty/clearing/CMakeLists.txt"
  run "$tmp/dirty"
  expect "a lower part including a higher one and libsodium in clearing/ fail" 1 \
    'base/status.h:3: part base/ includes "api/https.h" (part api/): not in README Layout' \
    'clearing/rules.cpp:4: part clearing/ includes <sodium.h> (library libsodium): not in README Layout' \
    'clearing/CMakeLists.txt:4: part clearing/ links PkgConfig::SODIUM (library libsodium): not in README Layout'
  [[ $(grep -c 'not in README Layout' <<<"$out") == 3 ]] || { echo "self-test: FAILED: exactly 3 violations wanted"; failed=1; }

  cp -a "$tmp/clean" "$tmp/newpart"
  mkdir -p "$tmp/newpart/portal"; printf '#include "api/https.h"\n' >"$tmp/newpart/portal/page.cpp"
  run "$tmp/newpart"
  expect "a folder of sources without a row fails" 1 \
    'portal/: C++ sources in a folder with no row in README Layout'

  cp -a "$tmp/clean" "$tmp/badtable"
  sed -i 's/| libsodium |$/| libsodium, Qt |/' "$tmp/badtable/README.md"
  run "$tmp/badtable"
  expect "an unknown library in the table is a table error" 2

  if ((failed)); then echo "walls self-test: FAILED"; exit 1; fi
  echo "walls self-test: ok"
}

case ${1-} in
  --self-test) (($# == 1)) || usage; self_test ;;
  -h | --help) sed -n '2,10p' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) usage ;;
  *) (($# <= 1)) || usage; check "$(cd "${1:-$(dirname "$self")/..}" && pwd)" ;;
esac
