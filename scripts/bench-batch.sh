#!/usr/bin/env bash
# The batch target of the payments issue: `tamga assess --batch` on N generated declarations,
# against merely reading and validating the same file (`--parse-only`), alternated in one run;
# prints the median throughput of each, their ratio, and peak memory at N/10 and N.
#
# The results go to /dev/null, so that a consumer of the output does not share the two cores.
# Usage: scripts/bench-batch.sh [N=1000000] [RUNS=3]   (needs /usr/bin/time; builds release)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}; runs=${2:-3}
cargo build --release -p tamga >/dev/null 2>&1
tamga=target/release/tamga
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
python3 scripts/gen-declarations.py "$n" > "$dir/big.jsonl"
python3 scripts/gen-declarations.py "$((n / 10))" > "$dir/small.jsonl"
run() { # mode file -> "seconds peak_kib": wall time of the whole command, results to /dev/null
  /usr/bin/time -f "%e %M" -o "$dir/time" "$tamga" assess --batch "$2" $1 > /dev/null || true
  cat "$dir/time"
}
parse=(); assess=(); pmem=(); amem=()
for i in $(seq 1 "$runs"); do
  read -r s m < <(run --parse-only "$dir/big.jsonl"); parse+=("$s"); pmem+=("$m")
  read -r s m < <(run "" "$dir/big.jsonl"); assess+=("$s"); amem+=("$m")
done
read -r _ small_mem < <(run "" "$dir/small.jsonl")
python3 - "$n" "${parse[*]}" "${assess[*]}" "${amem[*]}" "$small_mem" <<'PY'
import statistics, sys
n = int(sys.argv[1]); parse = [float(x) for x in sys.argv[2].split()]; assess = [float(x) for x in sys.argv[3].split()]
mem = [int(x) for x in sys.argv[4].split()]; small = int(sys.argv[5])
p, a = statistics.median(parse), statistics.median(assess)
print(f"declarations: {n}")
print(f"parse only:   median {p:.3f} s  ({n / p:,.0f} declarations/s)  runs {parse}")
print(f"assess:       median {a:.3f} s  ({n / a:,.0f} declarations/s)  runs {assess}")
print(f"ratio assess/parse throughput: {p / a:.0%}")
print(f"peak memory: {small / 1024:.1f} MiB at {n // 10} declarations, {statistics.median(mem) / 1024:.1f} MiB at {n}")
PY
