#!/usr/bin/env python3
"""Build the 2022 TN VED table files in the same schemas as the 2017 ETT files.

Inputs (all in data/eaeu/, copied verbatim from the FNS-derived source set):
    tnved2022_sections.csv   section,section_num,name,notes,valid_from
    tnved2022_chapters.csv   chapter,section,name,notes,valid_from
    tnved2022_headings.csv   heading,chapter,name,valid_from,name_source
    tnved2022_codes.csv      code,chapter,heading,hs6,level,name,valid_from
    ett2017_table_lines.csv  (read only for the column list and heading casing)
    ett2017_sections_chapters.csv (read only for the column list)

Outputs (data/eaeu/):
    tnved2022_table_lines.csv        same columns as ett2017_table_lines.csv
    tnved2022_sections_chapters.csv  same columns as ett2017_sections_chapters.csv

Rules (mirroring ett2017_table_lines.csv):
  * one `heading` row per 4-digit heading (level 0, code and code_display = the
    4 digits), followed, in code order, by that heading's 10-digit codes as
    `code10` rows (level = the FNS dash depth, text = the FNS name,
    code_display = "NNNN NN NNN N");
  * a 10-digit code at level 0 IS the heading (heading without subdivisions).
    The 2017 file then has only the code10 row at level 0 and no heading row;
    we do the same;
  * supplementary_unit and rate_raw are left empty (the FNS files carry no
    units and no rates; the 2022 edition has no rates in our data);
    coverage_changed is always "false";
  * seq runs 1..N in output order.

Heading names: FNS prints most heading names in UPPER CASE. We change case only
where it is safe:
  1. if the 2017 ETT heading text (note markers "<...>" and the trailing ":"
     removed) is the same wording letter for letter, ignoring case, we use the
     2017 casing (official text of the same words);
  2. otherwise, if the name is all upper case, we make it sentence case: the
     first character stays upper case, every other Cyrillic letter is lowered.
     Latin letters are left as they are (they are abbreviations or
     scientific names such as LED, TURF, CICHORIUM INTYBUS SATIVUM);
  3. names that are already mixed case (taken by the source from the FNS
     10-digit line or from the 2017 text) are kept unchanged.
Code names (the 10-digit lines) are copied unchanged, including the "?" that
the source has in place of characters missing from code page 866.

Checks (the script stops with an error if one fails):
  * every code of tnved2022_codes.csv appears exactly once as a code10 row and
    nothing else is emitted as code10;
  * every heading appears exactly once (as a heading row, or as its level-0
    code10 row), and a level-0 code is the only code of its heading;
  * every code's chapter/heading prefixes agree with its digits, and every
    chapter has a section;
  * output columns equal the 2017 files' columns.

Standard library only. Run from anywhere:  python3 data/tools/build_tnved2022.py
"""

import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EAEU = os.path.normpath(os.path.join(HERE, "..", "eaeu"))


def read_csv(name):
    """Return (header, rows as dicts) of a UTF-8 CSV file in data/eaeu/."""
    with open(os.path.join(EAEU, name), encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return reader.fieldnames, rows


def write_csv(name, header, rows):
    """Write rows (dicts) as UTF-8 CSV, LF line ends, minimal RFC 4180 quoting,
    the same layout as the 2017 files."""
    path = os.path.join(EAEU, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n",
                                quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)
    return path


def fail(msg):
    sys.exit("CHECK FAILED: " + msg)


def code_display(code):
    """'0101210000' -> '0101 21 000 0' (the grouping printed in the tariff)."""
    return "%s %s %s %s" % (code[0:4], code[4:6], code[6:9], code[9])


def strip_2017_text(text):
    """2017 heading text without note markers like <5> and without the
    trailing ':' that the tariff prints before subdivisions."""
    text = re.sub(r"<[^>]*>", "", text).strip()
    return text.rstrip(":").strip()


def same_letters_ignoring_case(a, b):
    """True if a and b are the same characters apart from case (compared
    character by character, so no case mapping can change the length)."""
    if len(a) != len(b):
        return False
    return all(x == y or x.upper() == y.upper() for x, y in zip(a, b))


def is_cyrillic(ch):
    return "\u0400" <= ch <= "\u04ff"


def sentence_case(name):
    """First character kept, other Cyrillic letters lowered, all else kept."""
    if not name:
        return name
    return name[0] + "".join(c.lower() if is_cyrillic(c) else c for c in name[1:])


def main():
    # ---- read inputs -----------------------------------------------------
    tl17_header, tl17 = read_csv("ett2017_table_lines.csv")
    sc17_header, _ = read_csv("ett2017_sections_chapters.csv")
    _, sections = read_csv("tnved2022_sections.csv")
    _, chapters = read_csv("tnved2022_chapters.csv")
    _, headings = read_csv("tnved2022_headings.csv")
    _, codes = read_csv("tnved2022_codes.csv")

    section_of_chapter = {c["chapter"]: c["section"] for c in chapters}
    section_names = {s["section"] for s in sections}
    for ch, sec in section_of_chapter.items():
        if sec not in section_names:
            fail("chapter %s names unknown section %s" % (ch, sec))

    # 2017 heading texts, for reusing the official casing
    text2017 = {r["code"]: strip_2017_text(r["text"])
                for r in tl17 if r["kind"] == "heading"}

    # ---- group codes by heading -----------------------------------------
    codes_by_heading = {}
    for c in codes:
        code = c["code"]
        if not re.fullmatch(r"\d{10}", code):
            fail("bad code %r" % code)
        if code[:4] != c["heading"] or code[:2] != c["chapter"]:
            fail("prefix mismatch for %s" % code)
        if c["chapter"] not in section_of_chapter:
            fail("code %s: chapter %s has no section" % (code, c["chapter"]))
        codes_by_heading.setdefault(c["heading"], []).append(c)

    heading_by_code = {h["heading"]: h for h in headings}
    if len(heading_by_code) != len(headings):
        fail("duplicate heading in tnved2022_headings.csv")
    if set(codes_by_heading) != set(heading_by_code):
        fail("headings in codes file and headings file differ: %s" %
             sorted(set(codes_by_heading) ^ set(heading_by_code)))

    # ---- build table lines ----------------------------------------------
    out = []
    casing = {"ett2017_casing": 0, "sentence_case": 0, "unchanged": 0}
    for heading in sorted(heading_by_code):
        h = heading_by_code[heading]
        hcodes = sorted(codes_by_heading[heading], key=lambda r: r["code"])
        chapter = h["chapter"]
        section = section_of_chapter[chapter]
        level0 = [c for c in hcodes if c["level"] == "0"]
        if level0:
            # heading without subdivisions: the 10-digit line is the heading
            if len(hcodes) != 1:
                fail("heading %s has a level-0 code and other codes" % heading)
        else:
            name = h["name"]
            if name == name.upper():
                old = text2017.get(heading)
                if old and same_letters_ignoring_case(old, name):
                    name = old
                    casing["ett2017_casing"] += 1
                else:
                    name = sentence_case(name)
                    casing["sentence_case"] += 1
            else:
                casing["unchanged"] += 1
            out.append({
                "section": section, "chapter": chapter, "kind": "heading",
                "code": heading, "code_display": heading, "level": "0",
                "text": name, "supplementary_unit": "", "rate_raw": "",
                "coverage_changed": "false",
            })
        for c in hcodes:
            out.append({
                "section": section, "chapter": chapter, "kind": "code10",
                "code": c["code"], "code_display": code_display(c["code"]),
                "level": str(int(c["level"])), "text": c["name"],
                "supplementary_unit": "", "rate_raw": "",
                "coverage_changed": "false",
            })
    for i, row in enumerate(out, start=1):
        row["seq"] = str(i)

    # ---- checks ---------------------------------------------------------
    emitted = [r["code"] for r in out if r["kind"] == "code10"]
    source_codes = [c["code"] for c in codes]
    if len(set(source_codes)) != len(source_codes):
        fail("duplicate code in tnved2022_codes.csv")
    if len(emitted) != len(set(emitted)):
        fail("a code is emitted more than once")
    if sorted(emitted) != sorted(source_codes):
        fail("emitted codes differ from tnved2022_codes.csv")
    covered = [r["code"] for r in out if r["kind"] == "heading"] + \
        [r["code"][:4] for r in out if r["kind"] == "code10" and r["level"] == "0"]
    if sorted(covered) != sorted(heading_by_code):
        fail("each heading must appear exactly once")
    if [r["code"] for r in out if r["kind"] == "code10"] != sorted(emitted):
        fail("code10 rows are not in code order")

    expected_tl = ["seq", "section", "chapter", "kind", "code", "code_display",
                   "level", "text", "supplementary_unit", "rate_raw",
                   "coverage_changed"]
    if tl17_header != expected_tl:
        fail("unexpected 2017 table_lines header %r" % tl17_header)
    write_csv("tnved2022_table_lines.csv", tl17_header, out)

    # ---- sections and chapters -----------------------------------------
    roman = [s["section"] for s in sorted(sections, key=lambda s: int(s["section_num"]))]
    sc = [{"level": "section", "section": s, "chapter": "",
           "title": next(x["name"] for x in sections if x["section"] == s)}
          for s in roman]
    # chapters in chapter order (the 2017 file lists all sections, then chapters)
    for c in sorted(chapters, key=lambda c: c["chapter"]):
        sc.append({"level": "chapter", "section": c["section"],
                   "chapter": c["chapter"], "title": c["name"]})
    if sc17_header != ["level", "section", "chapter", "title"]:
        fail("unexpected 2017 sections_chapters header %r" % sc17_header)
    write_csv("tnved2022_sections_chapters.csv", sc17_header, sc)

    n_head = sum(1 for r in out if r["kind"] == "heading")
    print("tnved2022_table_lines.csv: %d rows (%d heading, %d code10, of which "
          "%d level-0 code10 = headings without subdivisions)"
          % (len(out), n_head, len(emitted), sum(1 for r in out if r["kind"] == "code10" and r["level"] == "0")))
    print("heading name casing: %r" % casing)
    print("tnved2022_sections_chapters.csv: %d rows (%d sections, %d chapters)"
          % (len(sc), len(roman), len(chapters)))
    print("check passed: each of the %d codes of tnved2022_codes.csv appears exactly once"
          % len(source_codes))


if __name__ == "__main__":
    main()
