#!/usr/bin/env bash
# The service's load benchmarks (docs/benchmarks.md): starts `tamga serve` on a fresh database,
# creates a declarant and an officer token, and drives it from a second process with
# `tamga bench load`. Each scenario runs RUNS times (default 3); the last line of each backend is
# the medians, and the filing rate as a ratio of the same run's /healthz baseline.
#
#   scripts/bench-service.sh sqlite|postgres [DECLARATIONS] [GET_RATE] [GET_SECONDS]
#
# PostgreSQL: TAMGA_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432); a database
# named tamga_bench_<pid> is created and dropped.
set -euo pipefail
backend=${1:-sqlite}
n=${2:-20000}
rate=${3:-5000}
seconds=${4:-10}
runs=${RUNS:-3}
tamga=${TAMGA:-./target/release/tamga}
[ -x "$tamga" ] || { echo "build first: cargo build --release" >&2; exit 2; }
tmp=$(mktemp -d)
port=$((30000 + RANDOM % 20000))
case "$backend" in
  sqlite) db="sqlite://$tmp/bench.db" ;;
  postgres)
    base=${TAMGA_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
    name="tamga_bench_$$"
    psql "$base/postgres" -qc "CREATE DATABASE $name" >/dev/null
    db="$base/$name" ;;
  *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ "$backend" = postgres ] && psql "$base/postgres" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
"$tamga" db migrate --db "$db" >/dev/null
declarant=$("$tamga" token create --role declarant --tin 7701234567 --db "$db" 2>/dev/null)
officer=$("$tamga" token create --role officer --state RU --db "$db" 2>/dev/null)
"$tamga" serve --db "$db" --listen "127.0.0.1:$port" --today 2021-03-15 >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port"
load() { "$tamga" bench load --url "$url" --declarant-token "$declarant" --officer-token "$officer" --format json "$@"; }
for i in $(seq 1 "$runs"); do
  load --scenario health --declarations "$n" --concurrency 64 | tee -a "$tmp/results.jsonl"
  load --scenario file --declarations "$n" --concurrency 64 | tee -a "$tmp/results.jsonl"
  load --scenario get --declarations 1000 --rate "$rate" --seconds "$seconds" --concurrency 256 | tee -a "$tmp/results.jsonl"
done
python3 - "$backend" "$tmp/results.jsonl" <<'PY'
import json, statistics, sys
backend, path = sys.argv[1], sys.argv[2]
runs = {}
for line in open(path):
    r = json.loads(line)
    runs.setdefault(r["scenario"].split(" ")[0], []).append(r)
med = lambda rs, f: statistics.median(float(f(r)) for r in rs)
health, file, get = runs["health"], runs["file"], runs["get"]
out = {
    "backend": backend, "runs": len(file),
    "health_per_second": med(health, lambda r: r["per_second"]),
    "file_per_second": med(file, lambda r: r["per_second"]),
    "file_ratio_to_health": round(med(file, lambda r: r["per_second"]) / med(health, lambda r: r["per_second"]), 3),
    "file_p50_ms": med(file, lambda r: r["latency_ms"]["p50"]),
    "file_p99_ms": med(file, lambda r: r["latency_ms"]["p99"]),
    "get_per_second": med(get, lambda r: r["per_second"]),
    "get_p50_ms": med(get, lambda r: r["latency_ms"]["p50"]),
    "get_p99_ms": med(get, lambda r: r["latency_ms"]["p99"]),
    "failed": sum(r["failed"] for rs in runs.values() for r in rs),
}
print("medians:", json.dumps(out))
PY
