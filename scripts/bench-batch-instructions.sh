#!/usr/bin/env bash
# The batch ratio by instruction counts (valgrind callgrind), which repeat exactly on a noisy
# machine: instructions per declaration of `assess --batch` against `--parse-only`, with the
# fixed cost (loading the bundle) taken out by a one-declaration run of each mode.
#
# Usage: scripts/bench-batch-instructions.sh [N=20000]   (needs valgrind; builds release)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
cargo build --release -p tamga >/dev/null 2>&1
tamga=$PWD/target/release/tamga
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
python3 scripts/gen-declarations.py "$n" > "$dir/n.jsonl"
head -n 1 "$dir/n.jsonl" > "$dir/one.jsonl"
count() { # file mode -> instructions
  valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$tamga" assess --batch "$1" $2 \
    > /dev/null 2> "$dir/cg.log"
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/cg.log"
}
p1=$(count "$dir/one.jsonl" --parse-only); pn=$(count "$dir/n.jsonl" --parse-only)
a1=$(count "$dir/one.jsonl" ""); an=$(count "$dir/n.jsonl" "")
python3 - "$n" "$p1" "$pn" "$a1" "$an" <<'PY'
import sys
n, p1, pn, a1, an = map(int, sys.argv[1:])
p = (pn - p1) / (n - 1); a = (an - a1) / (n - 1)
print(f"instructions per declaration: parse only {p:,.0f}, assess {a:,.0f}")
print(f"throughput ratio assess/parse by instructions: {p / a:.0%}")
PY
