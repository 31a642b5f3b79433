#!/usr/bin/env python3
"""Write data/eaeu/ett2017_*.csv from the source set's originals, with our corrections.

The six 2017 files of the source set (/work/shared/data/eaeu/ett2017_*.csv, parsed by its authors
from the ConsultantPlus text of EEC Council Decision No. 54 of 16.07.2012 as amended to 30.11.2016)
are copied, and three defects of that parsing are corrected:

1. Section and chapter titles cut after their first printed line. The source text prints a long
   title over several lines ("МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ;" / "ЭЛЕКТРОТЕХНИЧЕСКОЕ
   ОБОРУДОВАНИЕ; ..."); the parser kept the first line only. A title is completed when it is a
   word-for-word beginning of the title of the 2022 edition and the EEC's 2022 chapter PDFs
   (data/eaeu/ett2022/sections_chapters.csv, written by ett2022.py) and the FNS classifier of mid-2022
   (tnved2022_sections.csv / tnved2022_chapters.csv) give that title in the same words. Where the
   HS 2022 amendments changed a title (sections III and IV, chapters 15, 16, 24 and 94) the 2022
   wording is not the 2017 one: COMPLETIONS names the source of each of those. A section number
   glued to the start of a title ("XVI МАШИНЫ ...") is removed, since the file has it in its own
   column.
2. The line of 8471 30 000 0, which the source text runs together with the next, uncoded line
   ("... клавиатуры и дисплея - машины вычислительные прочие:"): split into the 10-digit line and an
   intermediate line "машины вычислительные прочие:" at level 1, as the tariff prints it (the 2022
   chapter 84 PDF prints the same two lines); descriptions in the rates file follow.
3. Note 27С: "за 1 см объема двигателя" -> "за 1 см3 объема двигателя" in temp_rate_text (the row's
   own temp_specific_unit_code is cm3_engine); the note's full text is left verbatim.

Everything else is copied byte for byte. Python 3 standard library only. Usage (repository root):

    python3 data/tools/fix_ett2017.py [--shared /work/shared/data/eaeu] [--out data/eaeu]

It prints what it changed and stops with an error if an input no longer looks as expected. A
second run gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys

FILES = ("ett2017_import_duty_rates.csv", "ett2017_nomenclature_notes.csv", "ett2017_sections_chapters.csv",
         "ett2017_table_lines.csv", "ett2017_tariff_notes.csv", "ett2017_units.csv")

# Titles whose 2022 wording is not the 2017 one (the HS 2022 amendments changed them), with the
# source of the 2017 wording. ("fns_chapter", "15"): the name of chapter 15 in tnved2022_chapters.csv,
# where the FNS kept the pre-2022 names of chapters 15, 16, 24 and 94 (section III has the same
# title as chapter 15). ("text", ...): read in the 2017 source text itself, GitHub Limasoft92/tnved,
# "База кодов ТН ВЭД.txt", commit 8b4cc0b (the file the source set was parsed from), because no file
# of the source set has it. None: the 2017 title is whole (chapter 24 gained its additions in 2022).
SECTION_IV_2017 = ("ГОТОВЫЕ ПИЩЕВЫЕ ПРОДУКТЫ; АЛКОГОЛЬНЫЕ И БЕЗАЛКОГОЛЬНЫЕ НАПИТКИ И УКСУС; "
                   "ТАБАК И ЕГО ЗАМЕНИТЕЛИ")
COMPLETIONS = {
    ("section", "III"): ("fns_chapter", "15"),
    ("section", "IV"): ("text", SECTION_IV_2017),
    ("chapter", "15"): ("fns_chapter", "15"),
    ("chapter", "16"): ("fns_chapter", "16"),
    ("chapter", "24"): None,
    ("chapter", "94"): ("fns_chapter", "94"),
}
SOURCE_NAMES = {
    "ett2022=fns2022": "2022 chapter PDFs = FNS 2022 (title not changed by HS 2022)",
    "fns_chapter": "FNS tnved2022_chapters.csv (pre-2022 name kept by the FNS)",
    "text": "2017 source text (Limasoft92/tnved, commit 8b4cc0b)",
}

# the merged line of 8471 30 000 0 (as in both the table lines and the rates file)
MERGED_8471 = ("машины вычислительные портативные массой не более 10 кг, состоящие, по крайней мере, "
               "из центрального блока обработки данных, клавиатуры и дисплея - машины вычислительные прочие:")
OWN_8471 = ("машины вычислительные портативные массой не более 10 кг, состоящие, по крайней мере, "
            "из центрального блока обработки данных, клавиатуры и дисплея")
INTERMEDIATE_8471 = "машины вычислительные прочие:"

NOTE_27_OLD = "11, но не менее 0,14 евро за 1 см объема двигателя"
NOTE_27_NEW = "11, но не менее 0,14 евро за 1 см3 объема двигателя"


class FixError(Exception):
    pass


def norm_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def norm_title(s: str) -> str:
    """Upper case, whitespace collapsed, FNS's "ГРУППА 54 " prefix (chapter 54) removed."""
    return re.sub(r"^ГРУППА \d{2} ", "", norm_ws(s).upper())


def is_word_prefix(short: str, full: str) -> bool:
    """short is the beginning of full, cut between two words."""
    return len(full) > len(short) and full.startswith(short) and full[len(short)] == " "


def read_csv_text(text: str):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def write_csv_text(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r[h] for h in header])
    return buf.getvalue()


def strip_glued_number(row):
    """'XVI МАШИНЫ ...' with section XVI -> 'МАШИНЫ ...' (or '84 РЕАКТОРЫ ...' with chapter 84)."""
    t = row["title"]
    own = row["section"] if row["level"] == "section" else row["chapter"]
    m = re.match(r"^(?:РАЗДЕЛ |ГРУППА )?([IVXL]+|\d{2})\.?\s+(\S.*)$", t)
    if m and m.group(1) == own:
        return m.group(2)
    return t


def complete_titles(rows17, titles22, fns_sections, fns_chapters):
    """Complete the cut titles of ett2017_sections_chapters.csv.

    rows17: dicts with level, section, chapter, title. titles22: (level, numeral or chapter) ->
    title of the 2022 chapter PDFs. fns_sections / fns_chapters: numeral / chapter -> FNS name.
    Returns (rows, changes, problems); a change is (key, old title, new title, source)."""
    out, changes, problems = [], [], []
    for row in rows17:
        row = dict(row)
        key = (row["level"], row["section"] if row["level"] == "section" else row["chapter"])
        old = row["title"]
        title = strip_glued_number(row)
        if title != old:
            changes.append((key, old, title, "glued number removed"))
        full, source = None, None
        if key in COMPLETIONS:
            spec = COMPLETIONS[key]
            if spec is not None:
                kind, arg = spec
                full = norm_title(fns_chapters.get(arg, "")) if kind == "fns_chapter" else arg
                source = kind
                if not is_word_prefix(title, full) and title != full:
                    problems.append(f"{key}: {title!r} is not the beginning of its completion {full!r}")
                    full = None
        else:
            t22 = norm_title(titles22.get(key, ""))
            fns = norm_title((fns_sections if key[0] == "section" else fns_chapters).get(key[1], ""))
            if title != t22 and (is_word_prefix(title, t22) or is_word_prefix(title, fns)):
                if t22 == fns:
                    full, source = t22, "ett2022=fns2022"
                else:
                    problems.append(f"{key}: cut title {title!r}, but the 2022 PDFs ({t22!r}) and FNS ({fns!r}) "
                                    "disagree: not completed")
            elif title != t22:
                problems.append(f"{key}: {title!r} differs from the 2022 title {t22!r} and is not its beginning")
        if full and full != title:
            if "?" in full:
                problems.append(f"{key}: completion {full!r} has a '?' (FNS code page 866 defect)")
            else:
                changes.append((key, title, full, source))
                title = full
        row["title"] = title
        out.append(row)
    # a title still ending in a comma or semicolon is cut
    for row in out:
        if row["title"].rstrip().endswith((",", ";")):
            problems.append(f"{row['level']} {row['section'] if row['level'] == 'section' else row['chapter']}: "
                            f"title still ends in a separator: {row['title']!r}")
    return out, changes, problems


def fix_8471_table(rows):
    """Split the merged line of 8471 30 000 0 in the table lines; renumber seq. Returns new rows."""
    idx = [i for i, r in enumerate(rows) if r["code"] == "8471300000"]
    if len(idx) != 1:
        raise FixError(f"ett2017_table_lines.csv: {len(idx)} rows of 8471300000")
    i = idx[0]
    r = rows[i]
    if r["text"] == OWN_8471 and i + 1 < len(rows) and rows[i + 1]["text"] == INTERMEDIATE_8471:
        raise FixError("ett2017_table_lines.csv: 8471 30 000 0 is already split (the input is not the original)")
    if r["text"] != MERGED_8471 or r["kind"] != "code10" or r["level"] != "1":
        raise FixError(f"ett2017_table_lines.csv: unexpected 8471 30 000 0 row {r!r}")
    nxt = rows[i + 1]
    if nxt["code"] != "8471410000" or nxt["level"] != "2":
        raise FixError(f"ett2017_table_lines.csv: unexpected row after 8471 30 000 0: {nxt!r}")
    fixed = dict(r, text=OWN_8471)
    inter = {k: "" for k in r}
    inter.update(section=r["section"], chapter=r["chapter"], kind="intermediate", level="1",
                 text=INTERMEDIATE_8471, coverage_changed="false")
    start = int(rows[0]["seq"])
    if [r["seq"] for r in rows] != [str(n) for n in range(start, start + len(rows))]:
        raise FixError("ett2017_table_lines.csv: seq does not count up by one in file order")
    new = rows[:i] + [fixed, inter] + rows[i + 1:]
    return [dict(row, seq=str(n)) for n, row in enumerate(new, start)]


def fix_8471_rates(rows):
    """The descriptions of 8471 30 000 0, 8471 41 000 0 and 8471 49 000 0 in the rates file."""
    merged_path = MERGED_8471.rstrip(":")
    out = []
    seen = set()
    for r in rows:
        r = dict(r)
        if r["code"] == "8471300000":
            if r["description"] != MERGED_8471 or not r["full_description"].endswith(" / " + merged_path):
                raise FixError(f"ett2017_import_duty_rates.csv: unexpected 8471300000 row {r['description']!r}")
            r["description"] = OWN_8471
            r["full_description"] = r["full_description"][:-len(merged_path)] + OWN_8471
            seen.add(r["code"])
        elif r["code"] in ("8471410000", "8471490000"):
            part = " / " + merged_path + " / "
            if r["full_description"].count(part) != 1:
                raise FixError(f"ett2017_import_duty_rates.csv: unexpected {r['code']} full_description")
            r["full_description"] = r["full_description"].replace(part, " / " + INTERMEDIATE_8471.rstrip(":") + " / ")
            seen.add(r["code"])
        out.append(r)
    if seen != {"8471300000", "8471410000", "8471490000"}:
        raise FixError(f"ett2017_import_duty_rates.csv: found only {sorted(seen)}")
    return out


def fix_note_27(rows):
    out = []
    n = 0
    for r in rows:
        r = dict(r)
        if r["note_id"] == "27С":
            if r["temp_rate_text"] != NOTE_27_OLD or r["temp_specific_unit_code"] != "cm3_engine":
                raise FixError(f"ett2017_tariff_notes.csv: unexpected 27С row {r!r}")
            r["temp_rate_text"] = NOTE_27_NEW
            n += 1
        out.append(r)
    if n != 1:
        raise FixError("ett2017_tariff_notes.csv: no row 27С")
    return out


def load_titles22(path):
    with open(path, encoding="utf-8", newline="") as fh:
        _, rows = read_csv_text(fh.read())
    return {(r["level"], r["section"] if r["level"] == "section" else r["chapter"]): r["title"] for r in rows}


def run(shared, out, ett2022_titles, log=print):
    texts = {}
    for name in FILES:
        with open(os.path.join(shared, name), encoding="utf-8", newline="") as fh:
            texts[name] = fh.read()
    parsed = {name: read_csv_text(t) for name, t in texts.items()}
    for name, (header, rows) in parsed.items():  # the round trip must give the same bytes
        if write_csv_text(header, rows) != texts[name]:
            raise FixError(f"{name}: reading and writing it again does not give the same bytes")
    with open(os.path.join(shared, "tnved2022_sections.csv"), encoding="utf-8", newline="") as fh:
        fns_sections = {r["section"]: r["name"] for r in read_csv_text(fh.read())[1]}
    with open(os.path.join(shared, "tnved2022_chapters.csv"), encoding="utf-8", newline="") as fh:
        fns_chapters = {r["chapter"]: r["name"] for r in read_csv_text(fh.read())[1]}
    titles22 = load_titles22(ett2022_titles)

    header, rows = parsed["ett2017_sections_chapters.csv"]
    rows, changes, problems = complete_titles(rows, titles22, fns_sections, fns_chapters)
    if problems:
        raise FixError("sections and chapters:\n  " + "\n  ".join(problems))
    result = {"ett2017_sections_chapters.csv": write_csv_text(header, rows)}
    header, rows = parsed["ett2017_table_lines.csv"]
    result["ett2017_table_lines.csv"] = write_csv_text(header, fix_8471_table(rows))
    header, rows = parsed["ett2017_import_duty_rates.csv"]
    result["ett2017_import_duty_rates.csv"] = write_csv_text(header, fix_8471_rates(rows))
    header, rows = parsed["ett2017_tariff_notes.csv"]
    result["ett2017_tariff_notes.csv"] = write_csv_text(header, fix_note_27(rows))
    for name in FILES:
        result.setdefault(name, texts[name])
    os.makedirs(out, exist_ok=True)
    for name in FILES:
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as fh:
            fh.write(result[name])

    by_source = {}
    for key, old, new, source in changes:
        by_source.setdefault(source, []).append(key)
    log(f"ett2017_sections_chapters.csv: {sum(1 for c in changes if c[3] != 'glued number removed')} titles "
        f"completed, {sum(1 for c in changes if c[3] == 'glued number removed')} glued numbers removed")
    for source, keys in by_source.items():
        label = SOURCE_NAMES.get(source, source)
        log(f"  {label}: " + ", ".join(f"{'section' if k[0] == 'section' else 'chapter'} {k[1]}" for k in keys))
    log("ett2017_table_lines.csv: 8471 30 000 0 split, intermediate line 'машины вычислительные прочие:' "
        "inserted after it (rows +1, seq renumbered)")
    log("ett2017_import_duty_rates.csv: descriptions of 8471 30 000 0, 8471 41 000 0, 8471 49 000 0")
    log("ett2017_tariff_notes.csv: 27С temp_rate_text 'см' -> 'см3'")
    return changes


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default="/work/shared/data/eaeu", help="folder of the source set's ett2017_*.csv")
    ap.add_argument("--out", default=os.path.join(data, "eaeu"))
    ap.add_argument("--ett2022-titles", default=os.path.join(data, "eaeu", "ett2022", "sections_chapters.csv"),
                    help="sections_chapters.csv written by ett2022.py from the 2022 chapter PDFs")
    args = ap.parse_args(argv)
    try:
        run(args.shared, args.out, args.ett2022_titles)
    except FixError as e:
        print(f"fix_ett2017.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
