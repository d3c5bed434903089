#!/usr/bin/env bash
# Fails when a C++ file git tracks is not formatted as .clang-format says (clang-format 14, the
# Debian 12 package clang-format-14). Prints the files to reformat, with the command that does it.
#   scripts/check-format.sh [REPO_ROOT]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
formatter=$(command -v clang-format-14 || true)
[[ -n $formatter ]] || { echo "format: clang-format-14 is not installed (scripts/install-deps.sh --test)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.h')
unformatted=()
for file in "${files[@]}"; do
  if ! "$formatter" --dry-run --Werror "$file" >/dev/null 2>&1; then unformatted+=("$file"); fi
done
if ((${#unformatted[@]})); then
  printf 'format: not formatted: %s\n' "${unformatted[@]}"
  echo "format: run: clang-format-14 -i ${unformatted[*]}"
  exit 1
fi
echo "format: ok (${#files[@]} files)"
