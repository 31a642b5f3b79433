#!/usr/bin/env python3
"""Writes N generated goods declarations, one JSON per line, for `tamga assess --batch` benchmarks.

Codes are real declarable 2017 codes (from data/eaeu/ett2017_import_duty_rates.csv), dates fall in
2017-2021, states are RU (which has a fee schedule) and KZ (which has none); every item carries the
quantities any specific rate may need. Deterministic for a given N and seed.

Usage: scripts/gen-declarations.py N [SEED] > declarations.jsonl
"""
import csv, json, os, random, sys

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
root = os.path.join(os.path.dirname(__file__), "..", "data", "eaeu", "ett2017_import_duty_rates.csv")
codes = [row["code"] for row in csv.DictReader(open(root, encoding="utf-8"))]
origins = ["CN", "DE", "US", "TR", "JP", "KR", "IT", "FR", "VN", "IN"]
quantities = {"kg": "1000", "l": "800", "pcs": "50", "pair": "40", "m2": "30", "m3": "2",
              "cm3_engine": "1998", "t_gross_vehicle_weight": "3", "m3_body_volume": "12"}
out = sys.stdout
for i in range(n):
    state = "RU" if i % 4 else "KZ"
    items = []
    for _ in range(rng.randint(1, 3)):
        items.append({
            "code": rng.choice(codes), "description": "generated goods", "origin": rng.choice(origins),
            "customs_value": f"{rng.randint(100, 2_000_000)}.{rng.randint(0, 99):02d}",
            "net_mass_kg": str(rng.randint(1, 20000)), "quantities": quantities,
        })
    declaration = {
        "state": state, "procedure": "IM40", "customs_office": "10702070" if state == "RU" else "50101",
        "registration_date": f"20{rng.randint(18, 21)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "currency": "USD", "exchange_rates": {"USD": "64.5000", "EUR": "72.0000"},
        "declarant": {"name": "OOO Vostok", "tin": "7701234567"}, "items": items,
    }
    out.write(json.dumps(declaration, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")
