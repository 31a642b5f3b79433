#!/usr/bin/env python3
"""Lists Rust functions longer than a limit (default 70 lines), longest first.

Usage: scripts/long-functions.py [LIMIT] [DIR...]
A function runs from its `fn` line to the line of its closing brace; braces inside strings,
chars and comments are skipped."""
import re
import sys
from pathlib import Path

FN = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)')


def strip(line, state):
    """The line without strings, chars and comments; `state` carries block comments."""
    out, i = [], 0
    while i < len(line):
        if state['block']:
            j = line.find('*/', i)
            if j < 0:
                return ''.join(out)
            state['block'], i = False, j + 2
        elif line.startswith('//', i):
            break
        elif line.startswith('/*', i):
            state['block'], i = True, i + 2
        elif line[i] == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == '\\' else 1
            i += 1
        elif line[i] == "'" and re.match(r"'(\\.|[^\\'])'", line[i:]):
            i += len(re.match(r"'(\\.|[^\\'])'", line[i:]).group(0))
        else:
            out.append(line[i])
            i += 1
    return ''.join(out)


def functions(path):
    lines = path.read_text().splitlines()
    state = {'block': False}
    code = [strip(l, state) for l in lines]
    for n, line in enumerate(lines):
        m = FN.match(code[n])
        if not m:
            continue
        depth, opened = 0, False
        for k in range(n, len(lines)):
            for ch in code[k]:
                if ch == '{':
                    depth, opened = depth + 1, True
                elif ch == '}':
                    depth -= 1
            if not opened and ';' in code[k]:
                break
            if opened and depth == 0:
                yield m.group(6), n + 1, k - n + 1
                break


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 70
    roots = [Path(a) for a in sys.argv[2:]] or [Path('crates')]
    found = []
    for root in roots:
        for path in sorted(root.rglob('*.rs')):
            for name, line, length in functions(path):
                if length > limit:
                    found.append((length, f'{path}:{line}', name))
    for length, place, name in sorted(found, reverse=True):
        print(f'{length:5}  {place}  {name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
