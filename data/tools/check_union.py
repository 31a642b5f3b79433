#!/usr/bin/env python3
"""Consistency checks for the hand-maintained tables in data/union/.

The CSV files in data/union/ are the maintained source (edit them by hand);
this script only checks them. It exits with status 1 and lists every problem
if a check fails. Standard library only.

    python3 data/tools/check_union.py

Checks:
  * exact header of every file; UTF-8; no empty required cells;
  * `source` and `verification` are the last two columns of every
    effective-dated table; verification is verified|secondary|unverified;
  * dates are real ISO dates (YYYY-MM-DD); valid_to empty or >= valid_from;
  * periods of the same key never overlap (valid_to inclusive);
  * decimals use a '.' point; percents have exactly three decimals;
    fee amounts and thresholds have exactly two decimals;
  * normatives: every set sums to exactly 100.000 (decimal arithmetic), all
    rows of a set share one period, sets follow each other day by day, and a
    set lists exactly the states that are members on its first day;
  * customs fees: per schedule the bands start at 0.00, each band starts
    where the previous one ends, only the top band is open, amounts rise;
    schedules of one state follow each other without overlap;
  * states are members (member_states.csv) on the first day of each row;
  * country_groups: country codes exist in reference/country_codes.csv, a
    country is never in two groups at once, and the least_developed rows are
    exactly the UN LDC column of country_codes.csv;
  * units: every distinct supplementary_unit of eaeu/ett2017_table_lines.csv
    (other than empty and "-") matches exactly one symbol_ru; the OKEI codes
    given for those symbols in ett2017_import_duty_rates.csv agree; every
    specific_unit_code used in the 2017 rates is a unit here.
"""

import csv
import datetime
import os
import re
import sys
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, ".."))
UNION = os.path.join(DATA, "union")

VERIFICATION = {"verified", "secondary", "unverified"}
HEADERS = {
    "member_states.csv": ["state", "name_en", "name_ru", "member_from", "member_to",
                          "customs_office_code_length", "customs_office_prefix", "time_zone",
                          "source", "verification"],
    "state_currencies.csv": ["state", "currency", "valid_from", "valid_to",
                             "redenomination_factor", "source", "verification"],
    "vat_rates.csv": ["state", "rate_kind", "percent", "valid_from", "valid_to",
                      "legal_basis", "source", "verification"],
    "customs_fees.csv": ["state", "schedule", "valid_from", "valid_to", "value_over",
                         "value_up_to", "amount", "currency", "legal_basis", "source",
                         "verification"],
    "normatives.csv": ["set", "valid_from", "valid_to", "state", "percent", "legal_basis",
                       "source", "verification"],
    "country_groups.csv": ["group", "country", "valid_from", "valid_to", "source",
                           "verification"],
    "preference_regimes.csv": ["group", "percent_of_rate", "valid_from", "valid_to",
                               "legal_basis", "source", "verification"],
    "procedure_codes.csv": ["code", "name_en", "name_ru", "valid_from", "valid_to",
                            "legal_basis", "source", "verification"],
    "units.csv": ["unit", "okei_code", "symbol_ru", "name_en", "name_ru"],
}
# columns that may be empty
OPTIONAL = {"valid_to", "member_to", "value_up_to", "redenomination_factor", "okei_code",
            "customs_office_prefix"}

PCT3 = re.compile(r"^\d{1,3}\.\d{3}$")
MONEY2 = re.compile(r"^\d+\.\d{2}$")

problems = []


def problem(msg):
    problems.append(msg)


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def date(s, where):
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            raise ValueError
        return datetime.date.fromisoformat(s)
    except ValueError:
        problem("%s: bad date %r" % (where, s))
        return None


def period(row, where, f="valid_from", t="valid_to"):
    a = date(row[f], where)
    b = date(row[t], where) if row[t] else None
    if a and b and b < a:
        problem("%s: %s %s after %s %s" % (where, f, row[f], t, row[t]))
    return a, b


def no_overlap(rows, key, name):
    """rows: list of dicts; key: function -> key; periods must not overlap."""
    groups = {}
    for i, r in enumerate(rows):
        a, b = period(r, "%s row %d" % (name, i + 2))
        groups.setdefault(key(r), []).append((a, b or datetime.date.max, i + 2))
    for k, ps in groups.items():
        ps.sort()
        for (a1, b1, l1), (a2, b2, l2) in zip(ps, ps[1:]):
            if a2 <= b1:
                problem("%s: key %r rows %d and %d overlap" % (name, k, l1, l2))
    return groups


def main():
    tables = {}
    for name, header in HEADERS.items():
        got, rows = read(os.path.join(UNION, name))
        if got != header:
            problem("%s: header %r, expected %r" % (name, got, header))
            continue
        for i, r in enumerate(rows, start=2):
            for col in header:
                if r[col] is None:
                    problem("%s row %d: missing cells" % (name, i))
                elif r[col] == "" and col not in OPTIONAL:
                    problem("%s row %d: empty %s" % (name, i, col))
            if "verification" in r and r["verification"] not in VERIFICATION:
                problem("%s row %d: verification %r" % (name, i, r["verification"]))
        if name != "units.csv" and header[-2:] != ["source", "verification"]:
            problem("%s: last two columns must be source, verification" % name)
        tables[name] = rows

    # ---- member states ------------------------------------------------------
    members = {}
    for r in tables.get("member_states.csv", []):
        a, b = period(r, "member_states " + r["state"], "member_from", "member_to")
        members[r["state"]] = (a, b or datetime.date.max)
        if not r["customs_office_code_length"].isdigit():
            problem("member_states %s: code length not a number" % r["state"])
    if sorted(members) != ["AM", "BY", "KG", "KZ", "RU"]:
        problem("member_states: states %r" % sorted(members))

    def member_on(state, day):
        m = members.get(state)
        return m is not None and day is not None and m[0] <= day <= m[1]

    def check_membership(name, rows):
        for i, r in enumerate(rows, start=2):
            d = date(r["valid_from"], name)
            if not member_on(r["state"], d):
                problem("%s row %d: %s not a member on %s" % (name, i, r["state"], r["valid_from"]))

    # ---- currencies -------------------------------------------------------
    cur = tables.get("state_currencies.csv", [])
    no_overlap(cur, lambda r: r["state"], "state_currencies")
    check_membership("state_currencies", cur)
    for r in cur:
        if r["redenomination_factor"] and not re.fullmatch(r"\d+", r["redenomination_factor"]):
            problem("state_currencies: bad factor %r" % r["redenomination_factor"])

    # ---- VAT ---------------------------------------------------------------
    vat = tables.get("vat_rates.csv", [])
    no_overlap(vat, lambda r: (r["state"], r["rate_kind"]), "vat_rates")
    check_membership("vat_rates", vat)
    for r in vat:
        if r["rate_kind"] not in ("standard", "reduced"):
            problem("vat_rates: rate_kind %r" % r["rate_kind"])
        if not PCT3.match(r["percent"]):
            problem("vat_rates: percent %r" % r["percent"])

    # ---- customs fees ------------------------------------------------------
    fees = tables.get("customs_fees.csv", [])
    check_membership("customs_fees", fees)
    schedules = {}
    for r in fees:
        schedules.setdefault((r["state"], r["schedule"]), []).append(r)
        for col in ("value_over", "amount") + (("value_up_to",) if r["value_up_to"] else ()):
            if not MONEY2.match(r[col]):
                problem("customs_fees %s: %s %r not like 500.00" % (r["schedule"], col, r[col]))
    sched_periods = []
    for (state, sched), rows in schedules.items():
        if len({(r["valid_from"], r["valid_to"]) for r in rows}) != 1:
            problem("customs_fees %s: rows have different periods" % sched)
        sched_periods.append({"state": state, "valid_from": rows[0]["valid_from"],
                              "valid_to": rows[0]["valid_to"]})
        if Decimal(rows[0]["value_over"]) != 0:
            problem("customs_fees %s: first band must start at 0" % sched)
        for prev, nxt in zip(rows, rows[1:]):
            if prev["value_up_to"] == "" or Decimal(prev["value_up_to"]) != Decimal(nxt["value_over"]):
                problem("customs_fees %s: gap or overlap at %s" % (sched, nxt["value_over"]))
            if Decimal(nxt["amount"]) <= Decimal(prev["amount"]):
                problem("customs_fees %s: amounts must rise" % sched)
        for r in rows:
            if r["value_up_to"] and Decimal(r["value_up_to"]) <= Decimal(r["value_over"]):
                problem("customs_fees %s: empty band %s" % (sched, r["value_over"]))
        if rows[-1]["value_up_to"] != "":
            problem("customs_fees %s: top band must be open" % sched)
    no_overlap(sched_periods, lambda r: r["state"], "customs_fees schedules")

    # ---- normatives ----------------------------------------------------------
    norm = tables.get("normatives.csv", [])
    no_overlap(norm, lambda r: r["state"], "normatives")
    sets = {}
    for r in norm:
        sets.setdefault(r["set"], []).append(r)
        if not PCT3.match(r["percent"]):
            problem("normatives %s %s: percent %r must have 3 decimals" % (r["set"], r["state"], r["percent"]))
    ordered = []
    for s, rows in sets.items():
        total = sum(Decimal(r["percent"]) for r in rows)
        if total != Decimal("100.000"):
            problem("normatives set %s sums to %s" % (s, total))
        if len({(r["valid_from"], r["valid_to"]) for r in rows}) != 1:
            problem("normatives set %s: rows have different periods" % s)
        a, b = period(rows[0], "normatives set " + s)
        ordered.append((a, b, s))
        expected = sorted(st for st in members if member_on(st, a))
        if sorted(r["state"] for r in rows) != expected:
            problem("normatives set %s: states %r, members on %s are %r"
                    % (s, sorted(r["state"] for r in rows), a, expected))
        print("normatives set %-10s %s..%s sum = %s" % (s, rows[0]["valid_from"],
                                                        rows[0]["valid_to"] or "open", total))
    ordered.sort()
    for (a1, b1, s1), (a2, b2, s2) in zip(ordered, ordered[1:]):
        if b1 is None or b1 + datetime.timedelta(days=1) != a2:
            problem("normatives: set %s does not start the day after set %s ends" % (s2, s1))

    # ---- preferences ---------------------------------------------------------
    prefs = tables.get("preference_regimes.csv", [])
    no_overlap(prefs, lambda r: r["group"], "preference_regimes")
    for r in prefs:
        if not PCT3.match(r["percent_of_rate"]):
            problem("preference_regimes: percent %r" % r["percent_of_rate"])
    groups = {r["group"] for r in prefs}

    _, cc = read(os.path.join(DATA, "reference", "country_codes.csv"))
    alpha2 = {r["ISO3166-1-Alpha-2"] for r in cc}
    ldc = sorted(r["ISO3166-1-Alpha-2"] for r in cc if r["Least Developed Countries (LDC)"].strip())
    cg = tables.get("country_groups.csv", [])
    no_overlap(cg, lambda r: r["country"], "country_groups (one group at a time)")
    for r in cg:
        if r["group"] not in groups:
            problem("country_groups: group %r has no preference regime" % r["group"])
        if r["country"] not in alpha2:
            problem("country_groups: unknown country %r" % r["country"])
        if r["country"] in members:
            problem("country_groups: member state %r listed" % r["country"])
    if sorted(r["country"] for r in cg if r["group"] == "least_developed") != ldc:
        problem("country_groups: least_developed rows differ from the UN LDC column")

    # ---- procedure codes -----------------------------------------------------
    pc = tables.get("procedure_codes.csv", [])
    no_overlap(pc, lambda r: r["code"], "procedure_codes")
    if len(pc) != 18 or not all(re.fullmatch(r"\d{2}", r["code"]) for r in pc):
        problem("procedure_codes: expected 18 two-digit codes")

    # ---- units -----------------------------------------------------------------
    units = tables.get("units.csv", [])
    by_symbol = {}
    for r in units:
        by_symbol.setdefault(r["symbol_ru"], []).append(r)
        if r["okei_code"] and not re.fullmatch(r"\d{3}", r["okei_code"]):
            problem("units %s: okei_code %r" % (r["unit"], r["okei_code"]))
    if len({r["unit"] for r in units}) != len(units):
        problem("units: duplicate unit code")
    _, lines = read(os.path.join(DATA, "eaeu", "ett2017_table_lines.csv"))
    used = sorted({r["supplementary_unit"] for r in lines} - {"", "-"})
    for sym in used:
        n = len(by_symbol.get(sym, []))
        if n != 1:
            problem("units: symbol %r of ett2017_table_lines.csv has %d rows" % (sym, n))
    _, rates = read(os.path.join(DATA, "eaeu", "ett2017_import_duty_rates.csv"))
    unit_codes = {r["unit"] for r in units}
    for r in rates:
        sym, okei = r["supplementary_unit"], r["supplementary_unit_okei"]
        if sym and by_symbol.get(sym) and by_symbol[sym][0]["okei_code"] != okei:
            problem("units: %r has OKEI %r in the rates file, %r here"
                    % (sym, okei, by_symbol[sym][0]["okei_code"]))
        if r["specific_unit_code"] and r["specific_unit_code"] not in unit_codes:
            problem("units: rate unit code %r missing" % r["specific_unit_code"])
    print("units: %d distinct supplementary_unit symbols in ett2017_table_lines.csv, "
          "each matched by exactly one row" % len(used) if not any(
              p.startswith("units: symbol") for p in problems) else "units: see problems")

    for name, rows in tables.items():
        print("%-24s %3d rows" % (name, len(rows)))
    if problems:
        print("\n%d PROBLEM(S):" % len(problems))
        for p in problems:
            print("  - " + p)
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
