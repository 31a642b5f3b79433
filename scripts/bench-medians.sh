#!/usr/bin/env bash
# Prints the median of each criterion benchmark of the last `cargo bench` run, and the ratio of
# each target to the baseline of its group (the machine is noisy: compare within one run).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import json, pathlib
root = pathlib.Path("target/criterion")
groups = {}
for est in sorted(root.glob("*/*/new/estimates.json")):
    group, name = est.parts[-4], est.parts[-3]
    groups.setdefault(group, {})[name] = json.loads(est.read_text())["median"]["point_estimate"]
def fmt(ns):
    return f"{ns/1e6:.2f} ms" if ns >= 1e6 else (f"{ns/1e3:.2f} µs" if ns >= 1e3 else f"{ns:.0f} ns")
for group, benches in groups.items():
    base = next((v for k, v in benches.items() if k.startswith("baseline")), None)
    for name, ns in benches.items():
        ratio = f"  ({ns/base:.2f}× baseline)" if base and not name.startswith("baseline") else ""
        print(f"{group}/{name}: median {fmt(ns)}{ratio}")
PY
