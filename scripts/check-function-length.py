#!/usr/bin/env python3
"""Fails when a C++ function or test case of the repository is longer than 70 lines.

A long function is usually several steps that want names. Tables are exempt: a body that is mostly
`case` labels or brace-initialised rows (a switch mapping codes, a list of kinds) reads best whole.

  scripts/check-function-length.py [REPO_ROOT] [--max N]

Reads the files git tracks (*.cpp, *.h). A definition is recognised as a line starting at column 0
or 2 (class members) that is not a declaration, whose body closes with a '}' at the same indent.
Prints one line per long function and exits 1; prints "functions: ok (N files)" otherwise.
"""
import re
import subprocess
import sys

MAX_LINES = 70
START = re.compile(r'^( {0,2})(?!namespace\b|struct\b|class\b|enum\b|union\b|extern\b|//|#|\}|'
                   r'static_assert|using\b|template\b|public:|private:|protected:)[A-Za-z_~].*')


def is_table(body):
    rows = [line.strip() for line in body if line.strip()]
    tabular = [r for r in rows if r.startswith(('case ', '{', '"', 'default:', 'return '))]
    return len(rows) > 0 and len(tabular) >= 0.6 * len(rows)


def code_of(line):
    """The line without a trailing // comment (good enough for finding definitions)."""
    return line.split('//')[0].rstrip()


def long_functions(path, text, max_lines):
    lines = [code_of(line) for line in text.split('\n')]
    i = 0
    while i < len(lines):
        match = START.match(lines[i])
        if not match or lines[i].rstrip().endswith(';'):
            i += 1
            continue
        indent = match.group(1)
        j = i
        while j < min(i + 8, len(lines)) and '{' not in lines[j] and not lines[j].rstrip().endswith(';'):
            j += 1
        if j >= len(lines) or '{' not in lines[j] or lines[j].rstrip().endswith(('};', '}')):
            i = j + 1
            continue
        k = j
        while k < len(lines) and lines[k] not in (indent + '}', indent + '});', indent + '};'):
            k += 1
        count = k - i + 1
        if k < len(lines) and count > max_lines and not is_table(lines[j + 1:k]):
            yield i + 1, count, lines[i].strip()[:80]
        i = k + 1


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    root = args[0] if args else '.'
    max_lines = MAX_LINES
    if '--max' in sys.argv:
        max_lines = int(sys.argv[sys.argv.index('--max') + 1])
    files = subprocess.check_output(['git', 'ls-files', '*.cpp', '*.h'], cwd=root, text=True).split()
    found = []
    for name in files:
        with open(f'{root}/{name}', encoding='utf-8') as source:
            for line, count, head in long_functions(name, source.read(), max_lines):
                found.append(f'{name}:{line}: {count} lines (at most {max_lines}): {head}')
    for problem in found:
        print(problem)
    if found:
        sys.exit(1)
    print(f'functions: ok ({len(files)} files)')


if __name__ == '__main__':
    main()
