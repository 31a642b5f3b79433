#!/usr/bin/env python3
"""Extract the 2022 edition of the EAEU Common Customs Tariff (ETT) with its rates.

Source: the EEC's consolidated chapter PDFs (one per TN VED chapter, "ru.NN_2022[_DD.MM.YYYY].pdf")
and the PDFs of the tariff notes ("Примечания к Единому таможенному тарифу"), as stored in the
project's read-only source set (/work/shared/data/eaeu/ett2022/). Legal source: Decision of the
EEC Council No. 80 of 14 September 2021, in force from 2022-01-01, as amended.

Each PDF is read with `pdftotext -layout FILE -` (poppler-utils). Everything else is Python 3.11
standard library. Usage (from the repository root):

    python3 data/tools/ett2022.py --shared /work/shared/data/eaeu/ett2022 --out data/eaeu/ett2022

It writes chapter_texts.csv, lines.csv, rates.csv, notes.csv, notes_history.csv,
sections_chapters.csv, chapter_notes.csv, the two loader-facing files rates_dated.csv (base rates
dated by chapter text) and notes_dated.csv (the tariff notes as dated measures), and REPORT.md into
--out, and prints the report.
The output depends only on the input files: a second run gives the same bytes.
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as _dt
import hashlib
import io
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------
# constants

CYR_ES = "\u0421"  # Cyrillic capital letter ES, the letter of the tariff-note ids ("63С")
SETS = ("2025-09-21", "2026-03-08", "2026-04-27")  # chapter sets, oldest first
NOTES_FILE_RE = re.compile(r"^ett_notes_(\d{4}-\d{2}-\d{2})\.pdf$")
CHAPTER_FILE_RE = re.compile(r"^ru\.(\d{2})_2022(?:_(\d{2})\.(\d{2})\.(\d{4}))?\.pdf$")
ORIGINAL_TEXT_DATE = "2022-01-01"  # file name without a date suffix: the original 2022 text

MONTHS = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}

STATES = (
    ("Российскую Федерацию", "RU"),
    ("Республику Беларусь", "BY"),
    ("Республику Казахстан", "KZ"),
    ("Республику Армения", "AM"),
    ("Кыргызскую Республику", "KG"),
)

# Supplementary units as printed (after joining wrapped cells and normalising "м 2" to "м2").
KNOWN_UNITS = (
    "-", "шт", "кг", "г", "л", "м", "м2", "м3", "пар", "кар", "Ки", "г Д/И", "кг N", "кг U",
    "кг KOH", "кг NaOH", "кг K2O", "кг H2O2", "кг P2O5", "кг 90% с/в", "кг 90% с.в.",
    "л 100% спирта", "100 шт", "1000 шт", "1000 м3", "1000 л", "1000 кВт·ч", "1000 кВт · ч",
    "шт, м", "шт (колод)",
)
DASH = "\u2013"  # en dash, the depth mark of the table


def normalise_unit(printed: str) -> str:
    """The unit as printed, with the line breaks and sub/superscript gaps of the layout text
    closed ("кг K2 O" -> "кг K2O", "м 2" -> "м2"); "–" (no unit) is written "-"."""
    joined = printed.replace(DASH, "-").replace(" ", "")
    for k in KNOWN_UNITS:
        if k.replace(" ", "") == joined:
            return k
    return printed


def note_id(num) -> str:
    """Normalised tariff-note id: the number without leading zeros and a Cyrillic ES."""
    return f"{int(num)}{CYR_ES}"


def note_num(nid: str) -> int:
    return int(nid[:-1])


def iso(d: int, m: int, y: int) -> str:
    return _dt.date(y, m, d).isoformat()


def norm_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def join_lines(parts) -> str:
    """Join wrapped lines of running text: one space, except after a hyphenated word break
    such as "нетто-" + "массы" (kept as "нетто-массы")."""
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if not out:
            out = p
        elif re.search(r"[^\W_]-$", out) and re.match(r"[a-zа-яё\d]", p):
            out += p
        else:
            out += " " + p
    return norm_ws(out)


# ---------------------------------------------------------------------------------------------
# reading PDFs

def pdf_to_text(path: str) -> str:
    res = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, check=True)
    return res.stdout.decode("utf-8")


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def chapter_file_info(name: str):
    """('84', '2026-04-27') for 'ru.84_2022_27.04.2026.pdf'; ('02', '2022-01-01') for 'ru.02_2022.pdf'."""
    m = CHAPTER_FILE_RE.match(name)
    if not m:
        return None
    chapter = m.group(1)
    if m.group(2):
        date = iso(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    else:
        date = ORIGINAL_TEXT_DATE
    return chapter, date


# ---------------------------------------------------------------------------------------------
# tariff notes: splitting a notes file into notes

_MARKER_LINE_RE = re.compile(r"^\s*(\d+)\s*[СC]\)\s*$")
_FOOTNOTE_LINE_RE = re.compile(r"^\s*(\d+)\)\s*$")


def split_notes(text: str, marker_re=_MARKER_LINE_RE):
    """Split the text of a notes file into [(number, text)], in file order.

    In the layout text a note's marker ("  10С)") sometimes stands after the first line of the
    note's wording instead of before it:

             Ставка ввозной таможенной пошлины в размере 6,5 % от таможенной
          10С)

        стоимости применяется в отношении товаров, ввозимых в Российскую Федерацию.

    A paragraph starts with an indented line; continuation lines start in column 0. A marker
    that follows a paragraph which has no marker yet belongs to that paragraph, unless the
    next line is itself the start of a paragraph (then the paragraph before continues the
    previous note and the marker opens a new one)."""
    lines = [ln.rstrip() for ln in text.replace("\f", "\n").split("\n")]
    blocks = []  # each: [number or None, [lines]]

    def next_nonblank(i):
        for j in range(i + 1, len(lines)):
            if lines[j].strip():
                return lines[j]
        return ""

    for i, ln in enumerate(lines):
        if not ln.strip() or re.match(r"^\s*_{3,}\s*$", ln):
            continue
        m = marker_re.match(ln)
        if m:
            num = int(m.group(1))
            cur = blocks[-1] if blocks else None
            if cur is not None and cur[0] is None and cur[1]:
                nxt = next_nonblank(i)
                if re.match(r"^\s{3,}\S", nxt) and not marker_re.match(nxt) and len(blocks) > 1:
                    blocks[-2][1].extend(cur[1])  # a further paragraph of the previous note
                    blocks[-1] = [num, []]
                else:
                    cur[0] = num
            else:
                blocks.append([num, []])
            continue
        if re.match(r"^\s{3,}\S", ln):  # start of a paragraph
            if blocks and blocks[-1][0] is not None and not blocks[-1][1]:
                blocks[-1][1].append(ln)
            elif blocks:
                blocks.append([None, [ln]])
            # paragraphs before the first marker: the file title (starts in column 0 anyway)
            continue
        if blocks:  # continuation line
            blocks[-1][1].append(ln)
    out = []
    for num, body in blocks:
        if num is None:
            if out:
                out[-1] = (out[-1][0], out[-1][1] + " " + join_lines(body))
            continue
        out.append((num, join_lines(body)))
    return out


# ---------------------------------------------------------------------------------------------
# tariff notes: interpreting the wording

_DATE_NUM = r"(\d{2})\.(\d{2})\.(\d{4})"
_DATE_WORD = r"(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4}) г\."
_DECISION = (r"Решени[еяюим]{1,2} (Совета|Коллегии) Евразийской экономической комиссии (?:от )?"
             + _DATE_WORD + r" № (\d+)")
_AMOUNT = r"\d+(?:,\d+)?"
_SPECIFIC = (_AMOUNT + r" (?:евро|доллар(?:а|ов)? США) за 1(?:000)? "
             r"(?:кг|л|шт|пар[ауы]?|см3 объема двигателя|т)")

_EV_RATE_RE = re.compile(
    r"в размере (?P<ad>" + _AMOUNT + r")(?: \([^)]*\))? ?% от таможенной стоимости"
    r"(?:,? (?P<op>но не менее|плюс) (?P<spec>" + _SPECIFIC + r"))?")
_EV_FROM_DATE_RE = re.compile(r"\bс (?:" + _DATE_NUM + "|" + _DATE_WORD + ")")
_EV_FROM_DECISION_RE = re.compile(r"\bс даты вступления в силу " + _DECISION)
_EV_TO_RE = re.compile(r"\bпо (?:" + _DATE_NUM + "|" + _DATE_WORD + r")(?: включительно)?")
_EV_STATE_RE = re.compile(r"в отношении товаров, ввозимых в (" + "|".join(s for s, _ in STATES) + ")")
_REPEALED_RE = re.compile(r"Примечание утратило силу в соответствии с " + _DECISION)
_BOILERPLATE = ("Ставка ввозной таможенной пошлины", "применяется", "включительно", "–", ",", ".")


def decision_ref(body: str, d: str, month: str, y: str, no: str) -> str:
    """"Решение Совета ЕЭК от 29.10.2021 № 121" (the usual Russian citation form)."""
    return f"Решение {body} ЕЭК от {int(d):02d}.{MONTHS[month]:02d}.{y} № {no}"


def decision_date(ref: str) -> str:
    """ISO date of a decision_ref() string, or ''."""
    m = re.search(r"от (\d{2})\.(\d{2})\.(\d{4})", ref)
    return iso(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else ""


def _date_from_groups(g):
    if g[0]:
        return iso(int(g[0]), int(g[1]), int(g[2]))
    return iso(int(g[3]), MONTHS[g[4]], int(g[5]))


def interpret_note(text: str):
    """Interpret one note's wording. Returns a list of parts (dicts); several parts when the
    note sets several rates for successive periods or states. Keys: kind, rate_text,
    valid_from, valid_from_rule, valid_to, state, repealed_by, legal_basis, unparsed."""
    t = norm_ws(text)
    m = _REPEALED_RE.fullmatch(t.rstrip(".")) or _REPEALED_RE.fullmatch(t)
    if m or t.startswith("Примечание утратило силу"):
        part = _empty_part()
        part["kind"] = "repealed"
        m = _REPEALED_RE.search(t)
        if m:
            part["repealed_by"] = decision_ref(*m.groups())
            rest = (t[:m.start()] + t[m.end():]).replace("Примечание утратило силу в соответствии с", "")
            if rest.strip(" .,"):
                part["unparsed"] = rest.strip()
                part["kind"] = "other"
        else:
            part["kind"] = "other"
            part["unparsed"] = t
        return [part]

    events = []  # (pos, end, type, value)
    for m in _EV_RATE_RE.finditer(t):
        rate = m.group("ad")
        if m.group("op") == "но не менее":
            rate = f"{rate}, но не менее {m.group('spec')}"
        elif m.group("op") == "плюс":
            rate = f"{rate} плюс {m.group('spec')}"
        events.append((m.start(), m.end(), "rate", rate))
    for m in _EV_FROM_DECISION_RE.finditer(t):
        events.append((m.start(), m.end(), "from_decision", decision_ref(*m.groups())))
    for m in _EV_FROM_DATE_RE.finditer(t):
        if any(a <= m.start() < b for a, b, _, _ in events):
            continue
        events.append((m.start(), m.end(), "from", _date_from_groups(m.groups())))
    for m in _EV_TO_RE.finditer(t):
        if any(a <= m.start() < b for a, b, _, _ in events):
            continue
        events.append((m.start(), m.end(), "to", _date_from_groups(m.groups())))
    for m in _EV_STATE_RE.finditer(t):
        events.append((m.start(), m.end(), "state", dict(STATES)[m.group(1)]))
    events.sort()

    # what is left once the recognised pieces are cut out must be boilerplate only
    rest = t
    for a, b, _, _ in sorted(events, reverse=True):
        rest = rest[:a] + " " + rest[b:]
    for w in _BOILERPLATE:
        rest = rest.replace(w, " ")
    rest = norm_ws(rest)

    parts = []
    cur = None
    for _, _, typ, val in events:
        slot = {"rate": "rate_text", "from": "valid_from", "from_decision": "legal_basis",
                "to": "valid_to", "state": "state"}[typ]
        if typ == "from_decision":
            clash = cur is not None and (cur["legal_basis"] or cur["valid_from"])
        elif typ == "from":
            clash = cur is not None and (cur["legal_basis"] or cur["valid_from"])
        else:
            clash = cur is not None and cur[slot]
        if cur is None or clash:
            cur = _empty_part()
            parts.append(cur)
        cur[slot] = val
        if typ == "from_decision":
            cur["valid_from_rule"] = "entry_into_force"
        elif typ == "from":
            cur["valid_from_rule"] = "date"
    if not parts:
        part = _empty_part()
        part["kind"] = "other"
        part["unparsed"] = t
        return [part]
    for p in parts:
        if not p["rate_text"]:
            p["kind"] = "other"
        elif p["state"]:
            p["kind"] = "state"
        elif p["valid_from"] or p["valid_to"] or p["legal_basis"]:
            p["kind"] = "temporary"
        else:
            p["kind"] = "other"
        if rest:
            p["kind"] = "other"
            p["unparsed"] = rest
    return parts


def _empty_part():
    return {"kind": "", "rate_text": "", "valid_from": "", "valid_from_rule": "", "valid_to": "",
            "state": "", "repealed_by": "", "legal_basis": "", "unparsed": ""}


@dataclass
class NoteInfo:
    nid: str
    text: str  # newest wording
    parts: list
    first_seen: str  # date of the oldest notes file that has it
    files: dict = field(default_factory=dict)  # notes-file date -> wording
    lower_bound: str = ""  # earliest date the note can have been in the tariff text
    lower_bound_why: str = ""


def build_notes(notes_texts: dict):
    """notes_texts: {file date (ISO): text}. Returns ({note id: NoteInfo}, [issues])."""
    issues = []
    by_file = {}
    for fdate in sorted(notes_texts):
        items = split_notes(notes_texts[fdate])
        seen = {}
        prev = 0
        for num, body in items:
            nid = note_id(num)
            if nid in seen:
                issues.append(f"notes file {fdate}: note {nid} appears twice")
            if num != prev + 1:
                issues.append(f"notes file {fdate}: note {nid} follows note {prev}С")
            prev = num
            seen[nid] = body
        by_file[fdate] = seen
    dates = sorted(by_file)
    newest = dates[-1]
    notes = {}
    all_ids = set()
    for d in dates:
        all_ids.update(by_file[d])
    for nid in sorted(all_ids, key=note_num):
        files = {d: by_file[d][nid] for d in dates if nid in by_file[d]}
        first = min(files)
        text = files.get(newest) or files[max(files)]
        if nid not in by_file[newest]:
            issues.append(f"note {nid} is in {', '.join(sorted(files))} but not in the newest notes file")
        notes[nid] = NoteInfo(nid, text, interpret_note(text), first, files)
    # the earliest date a note can have been part of the tariff: the date of the decision it
    # names as its own start ("с даты вступления в силу Решения ... от D"), or, for a note
    # missing from a notes file, the day after that file's date.
    for nid, info in notes.items():
        lb, why = "", ""
        for d in dates:
            if d < info.first_seen:
                cand = (_dt.date.fromisoformat(d) + _dt.timedelta(days=1)).isoformat()
                if cand > lb:
                    lb, why = cand, f"not yet in notes file {d}"
        for wording in info.files.values():
            for p in interpret_note(wording):
                basis = p["legal_basis"]
                d = decision_date(basis)
                if d and d > lb:
                    lb, why = d, f"its start is the entry into force of {basis}"
        info.lower_bound, info.lower_bound_why = lb, why
    return notes, issues, by_file


# ---------------------------------------------------------------------------------------------
# chapter files: layout

_HEADER_FIRST_RE = re.compile(r"Ставка ввозной")
_HEADER_LAST_RE = re.compile(r"в долларах США\)")
_CODE_LINE_RE = re.compile(
    r"^(?P<ind>\s{0,6})(?P<plus>\+\s*)?(?P<code>\d{4}(?: \d{2}(?: \d{2,3}(?: \d)?)?)?)(?=\s|$)")
_WORD_RE = re.compile(r"\S+")
_SECTION_RE = re.compile(r"^\s*РАЗДЕЛ ([IVXL]+)\s*$")
_CHAPTER_RE = re.compile(r"^\s*ГРУППА (\d{2})\s*$")
_NOTES_HEAD_RE = re.compile(r"^\s*(Примечани[ея]|Дополнительн|Примечание к субпозици)")


@dataclass
class RawLine:
    """One table line of a chapter file before the rates are resolved."""
    page: int
    lineno: int  # 1-based line number in the layout text
    code: str = ""  # digits only
    code_display: str = ""
    plus: bool = False  # "+": code used in the previous TN VED edition with another coverage
    level: int = 0
    text_parts: list = field(default_factory=list)
    unit_parts: list = field(default_factory=list)
    rate_parts: list = field(default_factory=list)

    @property
    def kind(self):
        n = len(self.code)
        return {0: "intermediate", 4: "heading", 6: "subheading6", 8: "subheading8",
                9: "subheading9", 10: "code10"}.get(n, f"bad{n}")


@dataclass
class ChapterLayout:
    chapter: str = ""
    section: str = ""  # roman numeral, if the file opens a section
    section_title: str = ""
    chapter_title: str = ""
    section_notes: str = ""
    chapter_notes: str = ""
    lines: list = field(default_factory=list)  # RawLine
    subgroups: list = field(default_factory=list)  # titles of sub-chapters "I. ХИМИЧЕСКИЕ ЭЛЕМЕНТЫ"
    unused_headings: list = field(default_factory=list)  # "[0503]": HS headings not used
    issues: list = field(default_factory=list)
    pages_without_header: int = 0


def _words(line: str):
    return [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(line)]


def _unit_prefix_ok(parts) -> bool:
    """Is the space-free join of parts the beginning of a known unit ("кг"+"K2" of "кг K2O")?"""
    joined = "".join(parts).replace(" ", "")
    return any(k.replace(" ", "").startswith(joined) for k in KNOWN_UNITS + (DASH,))


def _unit_complete(parts) -> bool:
    joined = "".join(parts).replace(" ", "")
    return any(k.replace(" ", "") == joined for k in KNOWN_UNITS + (DASH,))


def split_unit_rate(words, u_col: int, before=()):
    """Split the words right of the description column into the unit cell and the rate cell.

    The unit cell starts at most 4 columns right of the "Доп." header word and consists of
    words separated by single spaces that, with the unit text of the line so far (before: a
    wrapped unit such as "1000" + "шт" or "кг" + "K2 O"), still begin a known unit;
    everything after it is the rate ("шт 1,7 евро за 1000 шт": unit "шт", rate "1,7 ...")."""
    unit, i = [], 0
    if words and words[0][0] <= u_col + 4 and _unit_prefix_ok(list(before) + [words[0][2]]):
        unit.append(words[0][2])
        i = 1
        while (i < len(words) and words[i][0] == words[i - 1][1] + 1
               and _unit_prefix_ok(list(before) + unit + [words[i][2]])):
            unit.append(words[i][2])
            i += 1
    return unit, [w for _, _, w in words[i:]]


def parse_layout(text: str) -> ChapterLayout:
    """Cut a chapter file's layout text into its heading part (section, chapter, titles,
    notes) and its table lines. Column boundaries are taken from each page's table header."""
    res = ChapterLayout()
    pages = text.split("\f")
    pre = []  # (page, lineno, line) before the first table header
    table = []  # (page, lineno, line, u_col)
    in_table = False
    u_col = None
    lineno = 0
    for pno, page in enumerate(pages, 1):
        lines = page.split("\n")
        i = 0
        page_has_header = False
        while i < len(lines):
            ln = lines[i]
            lineno_i = lineno + i + 1
            if _HEADER_FIRST_RE.search(ln) and not ln[:ln.find("Ставка")].strip():
                j = i
                hu = None
                while j < len(lines) and j - i < 14:
                    if "Доп." in lines[j]:
                        hu = lines[j].index("Доп.")
                    if _HEADER_LAST_RE.search(lines[j]):
                        break
                    j += 1
                if j < len(lines) and _HEADER_LAST_RE.search(lines[j]) and hu is not None:
                    u_col = hu
                    in_table = True
                    page_has_header = True
                    i = j + 1
                    continue
            if not in_table:
                pre.append((pno, lineno_i, ln))
            elif ln.strip():
                table.append((pno, lineno_i, ln, u_col))
            i += 1
        if in_table and not page_has_header and page.strip():
            res.pages_without_header += 1
        lineno += len(lines) - 1  # the form feed ends the page's last line
    _parse_preamble(pre, res)
    _parse_table(table, res)
    res.subgroups = [join_lines(g) for g in res.subgroups]
    return res


def _parse_preamble(pre, res: ChapterLayout):
    state = None
    sec_title, ch_title, sec_notes, ch_notes = [], [], [], []
    for _, _, ln in pre:
        s = ln.strip()
        m = _SECTION_RE.match(ln)
        if m:
            res.section = m.group(1)
            state = "section_title"
            continue
        m = _CHAPTER_RE.match(ln)
        if m:
            res.chapter = m.group(1)
            state = "chapter_title"
            continue
        if state in ("section_title", "chapter_title") and not s and not (sec_title if state == "section_title" else ch_title):
            continue  # the title may start on the next page
        if state == "section_title":
            if not s or _NOTES_HEAD_RE.match(ln):
                state = "section_notes" if s else "section_gap"
                if s:
                    sec_notes.append(ln)
                continue
            sec_title.append(s)
        elif state == "chapter_title":
            if not s or _NOTES_HEAD_RE.match(ln):
                state = "chapter_notes" if s else "chapter_gap"
                if s:
                    ch_notes.append(ln)
                continue
            ch_title.append(s)
        elif state in ("section_notes", "section_gap"):
            if s:
                sec_notes.append(ln)
                state = "section_notes"
        elif state in ("chapter_notes", "chapter_gap"):
            if s:
                ch_notes.append(ln)
                state = "chapter_notes"
    res.section_title = join_lines(sec_title)
    res.chapter_title = join_lines(ch_title)
    res.section_notes = join_lines(sec_notes)
    res.chapter_notes = join_lines(ch_notes)


def _parse_table(table, res: ChapterLayout):
    # description column of each page: where the text starts on the code lines
    desc_col = {}
    by_page = collections.defaultdict(collections.Counter)
    for pno, _, ln, _ in table:
        m = _CODE_LINE_RE.match(ln)
        if m:
            ws = [w for w in _words(ln) if w[0] >= m.end()]
            if ws:
                by_page[pno][ws[0][0]] += 1
    last = None
    for pno in sorted({t[0] for t in table}):
        if by_page[pno]:
            last = by_page[pno].most_common(1)[0][0]
        desc_col[pno] = last
    cur = None
    subgroup = None  # the sub-chapter title being read
    for pno, lno, ln, u_col in table:
        d_col = desc_col[pno]
        m = _CODE_LINE_RE.match(ln)
        words = _words(ln)
        if not m and len(words) == 1 and re.fullmatch(r"\[\d{4}\]", words[0][2]):
            res.unused_headings.append(words[0][2][1:-1])
            continue
        if not m and words and re.fullmatch(r"[IVX]+\.", words[0][2]) and len(words) > 1 \
                and not re.search(r"[a-zа-яё]", ln):
            subgroup = [" ".join(w for _, _, w in words)]
            res.subgroups.append(subgroup)
            continue
        if subgroup is not None:
            if not m and words and words[0][2] != DASH and not re.search(r"[a-zа-яё]", ln):
                subgroup.append(" ".join(w for _, _, w in words))
                continue
            subgroup = None
        if m:
            words = [w for w in words if w[0] >= m.end()]
        left = [w for w in words if w[0] < u_col - 1]
        right = [w for w in words if w[0] >= u_col - 1]
        # a description that runs into the unit column: a word one space after the text is
        # text, unless it is the unit of a 10-digit line ("ураном-235 кг U") or the rest of
        # a wrapped unit ("225 г или спирта" under "л" / "100%")
        before = cur.unit_parts if (cur is not None and not m) else []
        while left and right and right[0][0] == left[-1][1] + 1:
            w = right[0][2]
            later_unit = any(x[0] <= u_col + 4 and x[0] > right[0][1] + 1 for x in right[1:])
            if m and len(m.group("code")) == 13 and _unit_prefix_ok([w]) and not later_unit:
                break
            if (not m and cur is not None and cur.kind == "code10" and before
                    and not _unit_complete(before) and _unit_prefix_ok(list(before) + [w])
                    and not later_unit):
                break
            left.append(right.pop(0))
        unit, rate = split_unit_rate(right, u_col, before)
        text_words = [w for _, _, w in left]
        if m:
            code = m.group("code")
            cur = RawLine(pno, lno, code.replace(" ", ""), code, bool(m.group("plus")))
            res.lines.append(cur)
            level = 0
            while level < len(text_words) and text_words[level] == DASH:
                level += 1
            cur.level = level
            cur.text_parts.append(" ".join(text_words[level:]))
        elif left and left[0][2] == DASH and d_col is not None and abs(left[0][0] - d_col) <= 1:
            cur = RawLine(pno, lno)
            res.lines.append(cur)
            level = 0
            while level < len(text_words) and text_words[level] == DASH:
                level += 1
            cur.level = level
            cur.text_parts.append(" ".join(text_words[level:]))
        elif cur is None:
            res.issues.append(f"p.{pno} l.{lno}: text before the first table line: {ln.strip()!r}")
            continue
        else:
            if text_words:
                cur.text_parts.append(" ".join(text_words))
        if unit:
            cur.unit_parts.append(" ".join(unit))
        if rate:
            target = cur
            if not cur.code:
                # a rate cell on an uncoded line belongs to the coded line above it
                for prev in reversed(res.lines):
                    if prev.code:
                        target = prev
                        break
                res.issues.append(f"p.{pno} l.{lno}: rate text {' '.join(rate)!r} on an uncoded line, "
                                  f"given to {target.code_display}")
            target.rate_parts.append(" ".join(rate))


# ---------------------------------------------------------------------------------------------
# footnote markers (TN VED nomenclature notes 1) ... 14)) in the description text

_FOOTNOTE_RE = re.compile(r"(\d+)\)")


def strip_footnotes(text: str, footnote_ids):
    """Remove nomenclature-note markers such as "велосипедов5)", "87055)" (heading 8705 and
    note 5) or "8407 34 100 05)" (code 8407 34 100 0 and note 5) from a description.
    A ")" that closes a "(" of the text is not a marker. Returns (text, [note numbers],
    [problems])."""
    refs, problems = [], []
    out = []
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
        m = _FOOTNOTE_RE.match(text, i) if ch.isdigit() and (i == 0 or not text[i - 1].isdigit()) else None
        if m and depth == 0:
            digits = m.group(1)
            choice = _split_footnote(text, i, digits, footnote_ids)
            if choice is None:
                problems.append(f"marker {digits}) in {text!r}: no such nomenclature note")
                out.append(m.group(0))
            else:
                keep, num = choice
                out.append(keep)
                refs.append(num)
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return norm_ws("".join(out)), refs, problems


def _split_footnote(text, pos, digits, footnote_ids):
    """Choose how a digit run followed by ")" splits into text digits and a note number."""
    cands = []
    for k in range(len(digits)):
        keep, num = digits[:k], digits[k:]
        if num.startswith("0") or int(num) not in footnote_ids:
            continue
        cands.append((keep, int(num)))
    if not cands:
        return None
    if len(cands) == 1:
        return cands[0]
    before = text[:pos]
    # a spaced code "8407 34 100 0" before the note: its last group has one digit
    if re.search(r"\d{4} \d{2} \d{3} $", before):
        for keep, num in cands:
            if len(keep) == 1:
                return keep, num
    # a heading number "8705" before the note
    for keep, num in cands:
        if len(keep) == 4:
            return keep, num
    return max(cands, key=lambda c: len(str(c[1])))


# ---------------------------------------------------------------------------------------------
# rate cells: note markers glued to the rate

_MARKER_IN_RATE_RE = re.compile(r"(\d+)([СC])\)")
_RATE_NUMBER_RE = re.compile(r"^(?:0|[1-9]\d*)(?:,\d+)?$")


def marker_splits(rate_text: str):
    """All readings of a rate cell with glued note markers.

    Returns a list of (rate without markers, [note numbers]). A marker "NС)" glued to a number
    ("1163С)") can be read several ways (11 + 63С, 116 + 3С, 1 + 163С): each reading is listed.
    A marker after a letter ("кг63С)") or standing alone after a space has one reading. A
    reading must leave a rate: "52С)" alone in the cell is 5 + 2С, not an empty rate + 52С."""
    text = norm_ws(rate_text)
    matches = list(_MARKER_IN_RATE_RE.finditer(text))
    if not matches:
        return [(text, [])]
    readings = [("", [])]
    pos = 0
    for m in matches:
        lit = text[pos:m.start()]
        digits = m.group(1)
        new = []
        for base, notes in readings:
            pre = base + lit
            if pos and not lit:  # right after another marker ("1563С)71С)"): all the note's
                glued, ks = "", (0,)
            elif pre and (pre[-1].isdigit() or pre[-1] == ","):
                glued = re.search(r"[\d,]+$", pre).group()
                ks = range(0, len(digits))
            elif not pre:  # the cell starts with the number the marker is glued to
                glued, ks = "", range(0, len(digits))
            else:  # after a letter or a space ("кг63С)", "кг 63С)"): all digits are the note's
                glued, ks = "", (0,)
            for k in ks:
                rate_digits, note_digits = digits[:k], digits[k:]
                if note_digits.startswith("0"):
                    continue
                number = glued + rate_digits
                if number and not _RATE_NUMBER_RE.match(number):
                    continue
                new.append((pre + rate_digits, notes + [int(note_digits)]))
        readings = new
        pos = m.end()
    tail = text[pos:]
    out = []
    for base, notes in readings:
        rate = norm_ws(base + tail)
        if rate:
            out.append((rate, notes))
    return out


# ---------------------------------------------------------------------------------------------
# rate kinds

_AD_RE = r"\d+(?:,\d+)?"
_SPEC_EUR = r"\d+(?:,\d+)? евро за 1(?:000)? [^,]+"
_SPEC_USD = r"\d+(?:,\d+)? доллар(?:а|ов)? США за 1(?:000)? [^,]+"
_RATE_KIND_RES = (
    ("ad_valorem", re.compile(r"^" + _AD_RE + r"$")),
    ("specific_eur", re.compile(r"^" + _SPEC_EUR + r"$")),
    ("specific_usd", re.compile(r"^" + _SPEC_USD + r"$")),
    ("not_less_than", re.compile(r"^" + _AD_RE + r", но не менее (?:" + _SPEC_EUR + "|" + _SPEC_USD + r")$")),
    ("plus", re.compile(r"^" + _AD_RE + r" плюс (?:" + _SPEC_EUR + "|" + _SPEC_USD + r")$")),
)
_SPEC_UNIT_RE = re.compile(r"за 1(?:000)? (кг|л|шт|пару|пар|м2|м3|см3 объема двигателя|см³ объема двигателя|т)$")


def rate_kind(rate: str) -> str:
    if not rate:
        return "empty"
    for kind, rx in _RATE_KIND_RES:
        if rx.match(rate):
            if kind != "ad_valorem" and not _SPEC_UNIT_RE.search(rate):
                return "other"
            return kind
    return "other"


# ---------------------------------------------------------------------------------------------
# the whole extraction

@dataclass
class ChapterText:
    set: str
    file: str  # relative to the ett2022 folder
    path: str
    chapter: str
    text_date: str
    sha256: str
    layout: ChapterLayout = None
    lines: list = field(default_factory=list)  # final line dicts


@dataclass
class Extraction:
    texts: list
    notes: dict
    notes_by_file: dict
    footnote_ids: set
    issues: collections.OrderedDict
    marker_decisions: list
    rate_freq: dict = field(default_factory=dict)
    notes_files: dict = field(default_factory=dict)  # file name in notes/ -> sha256 (every PDF there)


def resolve_markers(candidates, text_date, notes, other_rates, rate_freq, last_note=None):
    """Pick the reading of a rate cell with glued markers.

    candidates: readings from marker_splits(). A reading is possible only if every note it
    names exists in a notes file and did not start after the chapter text's date (a chapter
    text cannot cite a newer note; a note's earliest date is the decision its wording starts
    from, or the day after a notes file that does not have it yet). If several readings
    remain: the one whose rate is printed for the same code in another text without markers
    or ambiguity wins; otherwise the one whose rate is the most frequent rate printed without
    ambiguity in the whole tariff (rate_freq). Returns (reading or None, reason,
    [(rejected reading, why)])."""
    why = []
    ok = []
    last_note = last_note or {}
    # notes are numbered in order: a notes file as new as the text has every note the text can cite
    bound = min((n for d, n in last_note.items() if d >= text_date), default=None)
    for rate, nums in candidates:
        bad = None
        for n in nums:
            nid = note_id(n)
            if nid not in notes:
                if bound is not None and n > bound:
                    bad = f"{nid} cannot exist: the notes end at {bound}С in a notes file not older than the text"
                else:
                    bad = f"{nid} is in no notes file"
                break
            lb = notes[nid].lower_bound
            if lb and lb > text_date:
                bad = f"{nid} is newer than the text ({notes[nid].lower_bound_why})"
                break
        if bad:
            why.append(((rate, nums), bad))
        else:
            ok.append((rate, nums))
    if not ok:
        return None, "no reading names existing notes", why
    # a reading rejected because its note is unknown or newer than the text may have been the
    # right one: then a leftover reading with an implausible rate is not taken
    blocking = any("in no notes file" in w or "newer than the text" in w for _, w in why)
    if len(ok) == 1:
        if rate_freq and rate_freq.get(ok[0][0], 0) == 0:
            if blocking:
                return None, (f"the only reading left, {ok[0][0]!r}, has a rate printed nowhere else, "
                              "and another reading was rejected"), why
            return ok[0], "low confidence: only reading, its rate is printed nowhere else", why
        return ok[0], "only reading", why
    agree = [c for c in ok if c[0] in other_rates]
    if len(agree) == 1:
        for c in ok:
            if c is not agree[0]:
                why.append((c, "its rate is not printed for this code in any other text"))
        return agree[0], "rate printed for the same code in another text", why
    pool = agree or ok
    ranked = sorted(pool, key=lambda c: (-rate_freq.get(c[0], 0), c[0]))
    best = ranked[0]
    if rate_freq.get(best[0], 0) == 0 and blocking:
        return None, "the readings left have rates printed nowhere else, and another reading was rejected", why
    if rate_freq.get(best[0], 0) == 0:
        # no reading's rate is printed anywhere else: the shortest number, flagged as a guess
        best = min(pool, key=lambda c: (len(c[0]), c[0]))
        for c in ok:
            if c is not best:
                why.append((c, "longer rate number; no reading's rate is printed elsewhere"))
        return best, "low confidence: shortest rate number", why
    for c in ok:
        if c is not best:
            why.append((c, f"rate {c[0]!r} printed {rate_freq.get(c[0], 0)} times elsewhere, "
                           f"{best[0]!r} {rate_freq.get(best[0], 0)} times"))
    close = rate_freq.get(ranked[1][0], 0) * 20 > rate_freq.get(best[0], 0) if len(ranked) > 1 else False
    return best, "close call: most frequent rate" if close else "most frequent rate", why


def extract(shared: str, log=None) -> Extraction:
    issues = collections.OrderedDict()

    def issue(group, msg):
        issues.setdefault(group, []).append(msg)

    # notes
    notes_dir = os.path.join(shared, "notes")
    notes_texts = {}
    notes_files = {name: sha256_file(os.path.join(notes_dir, name))
                   for name in sorted(os.listdir(notes_dir)) if name.endswith(".pdf")}
    for name in sorted(os.listdir(notes_dir)):
        m = NOTES_FILE_RE.match(name)
        if m:
            notes_texts[m.group(1)] = pdf_to_text(os.path.join(notes_dir, name))
    notes, note_issues, by_file = build_notes(notes_texts)
    for s in note_issues:
        issue("notes", s)
    footnote_ids = set()
    tn = os.path.join(notes_dir, "tnved_notes_2025-05-11.pdf")
    if os.path.exists(tn):
        footnote_ids = {n for n, _ in split_notes(pdf_to_text(tn), _FOOTNOTE_LINE_RE)}
    if not footnote_ids:
        issue("footnotes", "no TN VED notes file: footnote markers 1)..14) assumed")
        footnote_ids = set(range(1, 15))

    # chapter texts
    texts = []
    for st in SETS:
        d = os.path.join(shared, st)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            info = chapter_file_info(name)
            if not info:
                continue
            path = os.path.join(d, name)
            texts.append(ChapterText(st, f"{st}/{name}", path, info[0], info[1], sha256_file(path)))
    for ct in texts:
        ct.layout = parse_layout(pdf_to_text(ct.path))
        if log:
            log(f"read {ct.file}: {len(ct.layout.lines)} lines")

    ctx = Context(notes, footnote_ids, issues=issues,
                  last_note={d: max(note_num(n) for n in ns) for d, ns in by_file.items() if ns})
    ctx.plain, ctx.rate_freq = printed_rates(ct.layout for ct in texts)
    for ct in texts:
        ct.lines = finish_lines(ct.layout, ct.text_date, ct.file, ct.chapter, ctx)
    return Extraction(texts, notes, by_file, footnote_ids, issues, ctx.decisions, ctx.rate_freq, notes_files)


@dataclass
class Context:
    """What finishing a chapter's lines needs to know from outside the chapter."""
    notes: dict  # note id -> NoteInfo
    footnote_ids: set  # numbers of the nomenclature notes 1) ... 14)
    last_note: dict = field(default_factory=dict)  # notes-file date -> its highest note number
    plain: dict = field(default_factory=dict)  # code -> rates printed for it without ambiguity
    rate_freq: dict = field(default_factory=dict)  # rate -> how often it is printed without ambiguity
    issues: collections.OrderedDict = field(default_factory=collections.OrderedDict)
    decisions: list = field(default_factory=list)  # readings of ambiguous glued markers

    def issue(self, group, msg):
        self.issues.setdefault(group, []).append(msg)


def printed_rates(layouts):
    """Rates printed without ambiguity (no glued marker, or a marker with only one reading):
    per code, and how often each rate is printed, over the given chapter layouts."""
    plain = collections.defaultdict(set)
    freq = collections.Counter()
    for lay in layouts:
        for rl in lay.lines:
            if rl.kind == "code10":
                cands = marker_splits(" ".join(rl.rate_parts))
                if len(cands) == 1:
                    plain[rl.code].add(cands[0][0])
                    freq[cands[0][0]] += 1
    return plain, freq


def finish_lines(layout: ChapterLayout, text_date: str, file: str, chapter: str, ctx: Context):
    """The final line dicts of one chapter text."""
    if layout.chapter and layout.chapter != chapter:
        ctx.issue("layout", f"{file}: the file says ГРУППА {layout.chapter!r}")
    for s in layout.issues:
        ctx.issue("layout", f"{file}: {s}")
    if layout.pages_without_header:
        ctx.issue("layout", f"{file}: {layout.pages_without_header} table page(s) without a header")
    return [_finish_line(rl, text_date, file, chapter, ctx) for rl in layout.lines]


def parse_chapter_text(text: str, chapter: str, text_date: str, ctx: Context, file: str = "<text>"):
    """Layout text of one chapter file -> (ChapterLayout, [line dicts]). If ctx has no printed
    rates yet, those of this text are used."""
    layout = parse_layout(text)
    if not ctx.rate_freq:
        ctx.plain, ctx.rate_freq = printed_rates([layout])
    return layout, finish_lines(layout, text_date, file, chapter, ctx)


def _finish_line(rl: RawLine, text_date: str, file: str, chapter: str, ctx: Context):
    raw_text = join_lines(rl.text_parts)
    text, refs, probs = strip_footnotes(raw_text, ctx.footnote_ids)
    where = f"{file} {rl.code_display or 'l.' + str(rl.lineno)}"
    for p in probs:
        ctx.issue("footnotes", f"{where}: {p}")
    if re.search(r"\d[СC]\)", text):
        ctx.issue("layout", f"{where}: tariff-note marker in the description: {text!r}")
    text = text.rstrip()
    while text.endswith(":"):
        text = text[:-1].rstrip()
    unit = normalise_unit(" ".join(rl.unit_parts))
    if unit and unit not in KNOWN_UNITS:
        ctx.issue("units", f"{where}: unknown unit {unit!r}")
    rate_cell = norm_ws(" ".join(rl.rate_parts))
    cands = marker_splits(rate_cell)
    rate, nums = cands[0] if len(cands) == 1 else ("", [])
    if len(cands) > 1 or (len(cands) == 1 and cands[0][1]):
        choice, reason, rejected = resolve_markers(cands, text_date, ctx.notes,
                                                   ctx.plain.get(rl.code, set()), ctx.rate_freq, ctx.last_note)
        if choice is None:
            # not guessed: the rate is left empty and the cell is reported
            rate, nums = "", []
            ctx.issue("markers", f"{where}: rate cell {rate_cell!r}: {reason}; "
                                 + "; ".join(f"{r!r} + {', '.join(note_id(n) for n in ns)}: {w}"
                                             for (r, ns), w in rejected))
            ctx.decisions.append((file, rl.code_display, rate_cell, None, reason, rejected))
        else:
            rate, nums = choice
            if len(cands) > 1:
                ctx.decisions.append((file, rl.code_display, rate_cell, choice, reason, rejected))
    elif rl.kind == "code10" and not rate:
        ctx.issue("rates", f"{where}: no rate printed")
    if rl.kind != "code10" and (rate or nums):
        ctx.issue("layout", f"{where}: rate {rate_cell!r} on a {rl.kind} line")
    return {
        "chapter": chapter, "kind": rl.kind, "code": rl.code, "code_display": rl.code_display,
        "level": rl.level, "text": text, "supplementary_unit": unit,
        "rate_raw": rate, "rate_cell": rate_cell, "tariff_note_refs": ";".join(note_id(n) for n in nums),
        "footnote_refs": ";".join(str(n) for n in refs), "coverage_changed": "true" if rl.plus else "false",
        "text_date": text_date, "file": file, "page": rl.page, "lineno": rl.lineno,
    }


# ---------------------------------------------------------------------------------------------
# the two loader-facing files: base rates dated by chapter text, tariff notes as dated measures

EDITION_START = ORIGINAL_TEXT_DATE  # the 2022 edition applies from 2022-01-01
RATE_DATED_COLUMNS = ("code", "chapter", "text_date", "valid_from", "valid_to", "rate_raw", "tariff_note_refs",
                      "source_text", "earlier_unknown")
NOTE_DATED_COLUMNS = ("note_id", "part", "kind", "rate_text", "valid_from", "valid_to", "state", "legal_basis",
                      "text")
_EFI_PHRASE = "applies from the decision's entry into force, which the data does not date"
_REPEAL_CAP_PHRASE = "its entry into force is not in the data: tamga ends the note the day before the decision's date"


def dmy(iso_date: str) -> str:
    """'2026-01-22' -> '22.01.2026'."""
    y, m, d = iso_date.split("-")
    return f"{d}.{m}.{y}"


def day_before(iso_date: str) -> str:
    return (_dt.date.fromisoformat(iso_date) - _dt.timedelta(days=1)).isoformat()


def is_original_text(file_name: str) -> bool:
    """A chapter file without a date suffix ('ru.02_2022.pdf') is the original text of the edition."""
    m = CHAPTER_FILE_RE.match(os.path.basename(file_name))
    return bool(m) and not m.group(2)


def source_text_label(chapter: str, text_date: str, original: bool) -> str:
    """'chapter 87, text of 22.01.2026'; 'chapter 02, original text of 01.01.2022'."""
    return f"chapter {chapter}, {'original text' if original else 'text'} of {dmy(text_date)}"


def code_display10(code: str) -> str:
    return f"{code[:4]} {code[4:6]} {code[6:9]} {code[9:]}" if len(code) == 10 else code


def date_rates(rate_rows, chapter_dates, keep_codes, original=None):
    """Date the rows of rates.csv by chapter text.

    rate_rows: (code, chapter, text_date, rate_raw, tariff_note_refs, file), one per code and distinct
    text. chapter_dates: chapter -> the dates of its distinct texts. keep_codes: the declarable codes
    of the newest texts (lines.csv). original: set of (chapter, date) that are original texts (file
    name without a date).

    The texts of a chapter sorted d1 < d2 < ... < dn: a row from text i is valid from 2022-01-01 if
    i = 1, else from d_i; to d_(i+1) - 1 day if i < n, else open. earlier_unknown is true for rows
    of text 1 when d1 > 2022-01-01 (tamga applies that text from the edition's start, but the
    amendments before it are not in the data). Returns (rows, {dropped code: [(text_date, file)]})."""
    original = original or set()
    order = {ch: sorted(set(ds)) for ch, ds in chapter_dates.items()}
    rows, dropped = [], collections.defaultdict(list)
    for code, chapter, text_date, rate, refs, file in rate_rows:
        if code not in keep_codes:
            dropped[code].append((text_date, file))
            continue
        ds = order[chapter]
        i = ds.index(text_date)
        valid_from = EDITION_START if i == 0 else text_date
        valid_to = day_before(ds[i + 1]) if i + 1 < len(ds) else ""
        earlier_unknown = "true" if i == 0 and ds[0] > EDITION_START else "false"
        rows.append((code, chapter, text_date, valid_from, valid_to, rate, refs,
                     source_text_label(chapter, text_date, (chapter, text_date) in original), earlier_unknown))
    rows.sort(key=lambda r: (r[0], r[3]))
    return rows, {c: sorted(v) for c, v in sorted(dropped.items())}


def check_dated_rates(rows, newest_code10, chapter_dates):
    """Problems of rates_dated.csv ([] = passed): per code the periods must not overlap and must
    follow each other day by day; every declarable code of lines.csv must have a row valid on every
    day from the first day its chapter's texts introduce it (open at the end), and its last row must
    carry the rate of lines.csv. newest_code10: code -> (rate_raw, tariff_note_refs)."""
    bad = []
    by_code = collections.defaultdict(list)
    for r in rows:
        by_code[r[0]].append(r)
    for code, rs in by_code.items():
        rs.sort(key=lambda r: r[3])
        for a, b in zip(rs, rs[1:]):
            if not a[4] or a[4] >= b[3]:
                bad.append(f"{code}: {a[3]}…{a[4] or 'open'} overlaps {b[3]}…")
            elif (_dt.date.fromisoformat(a[4]) + _dt.timedelta(days=1)).isoformat() != b[3]:
                bad.append(f"{code}: gap between {a[4]} and {b[3]}")
        for r in rs:
            if r[4] and r[4] < r[3]:
                bad.append(f"{code}: ends {r[4]} before it starts {r[3]}")
        if rs[-1][4]:
            bad.append(f"{code}: its last period ends on {rs[-1][4]}")
        ds = sorted(set(chapter_dates[rs[0][1]]))
        first_text = min(r[2] for r in rs)
        want_from = EDITION_START if first_text == ds[0] else first_text
        if rs[0][3] != want_from:
            bad.append(f"{code}: starts {rs[0][3]}, its first text {first_text} gives {want_from}")
    for code, (rate, refs) in newest_code10.items():
        rs = by_code.get(code)
        if not rs:
            bad.append(f"{code}: in lines.csv but has no dated rate")
        elif (rs[-1][5], rs[-1][6]) != (rate, refs):
            bad.append(f"{code}: last dated rate {rs[-1][5]!r}/{rs[-1][6]!r}, lines.csv {rate!r}/{refs!r}")
    extra = sorted(set(by_code) - set(newest_code10))
    bad.extend(f"{c}: dated but not a declarable line of lines.csv" for c in extra)
    return bad


def note_start(part):
    """(valid_from, legal_basis) of one interpreted note part.

    A start date printed in the wording is taken as it is (legal_basis: the decision the part
    names, if any). A period that starts "с даты вступления в силу Решения …" has no date in the
    data: valid_from is the decision's date (the day it was adopted, the earliest day it can be in
    force), and legal_basis says so; a decision older than the edition gives 2022-01-01 instead (the
    2022 edition's notes cannot apply before the edition). A part without any start (the state
    notes "применяется в отношении товаров, ввозимых в …") applies from the edition's start."""
    basis = part["legal_basis"]
    if part["valid_from"]:
        return max(part["valid_from"], EDITION_START), basis
    if part["valid_from_rule"] == "entry_into_force" and basis:
        d = decision_date(basis)
        if d and d >= EDITION_START:
            return d, f"{basis}; {_EFI_PHRASE}: taken as the decision's date (unverified)"
        if d:
            return EDITION_START, (f"{basis}; {_EFI_PHRASE}: the decision ({dmy(d)}) is older than the edition, "
                                   f"so taken as the edition's start {dmy(EDITION_START)} (unverified)")
    return EDITION_START, basis


def _previous_wording(info):
    """(notes-file date, wording) of the newest wording of a repealed note that is not itself a
    repeal, or (None, None)."""
    for d in sorted(info.files, reverse=True):
        if not norm_ws(info.files[d]).startswith("Примечание утратило силу"):
            return d, norm_ws(info.files[d])
    return None, None


def dated_note_rows(notes):
    """notes_dated.csv rows from {note id: NoteInfo}: (note_id, part, kind, rate_text, valid_from,
    valid_to, state, legal_basis, text).

    kind: temporary (a rate for a period, the whole union), state (a rate only for goods imported
    into one member state), repealed, unresolved (fits none of them). A repealed note whose earlier
    wording is in an older notes file gets that wording's rate and period (one row per part),
    valid_to capped at the day before the repealing decision's date when that is earlier (a note
    the same decision puts in its place starts on that date), and text = that wording;
    without an earlier wording the row has no rate and no dates."""
    rows = []
    for nid in sorted(notes, key=note_num):
        info = notes[nid]
        text = norm_ws(info.text)
        first = info.parts[0]
        if len(info.parts) == 1 and first["kind"] == "repealed":
            repealer = first["repealed_by"]
            rep_date = decision_date(repealer)
            _, prev = _previous_wording(info)
            if prev is None:
                rows.append((nid, 1, "repealed", "", "", "", "", f"repealed by {repealer}", text))
                continue
            for i, p in enumerate(interpret_note(prev), 1):
                if p["kind"] not in ("temporary", "state"):
                    rows.append((nid, i, "unresolved", p["rate_text"], note_start(p)[0], p["valid_to"], p["state"],
                                 f"repealed by {repealer}; earlier wording fits no rule", prev))
                    continue
                vf, basis = note_start(p)
                vt = p["valid_to"]
                capped = bool(rep_date) and (not vt or rep_date <= vt)
                if capped:
                    vt = (_dt.date.fromisoformat(rep_date) - _dt.timedelta(days=1)).isoformat()
                rep = f"repealed by {repealer}" + (f" ({_REPEAL_CAP_PHRASE})" if capped else "")
                rows.append((nid, i, "repealed", p["rate_text"], vf, vt, p["state"],
                             "; ".join(x for x in (basis, rep) if x), prev))
            continue
        for i, p in enumerate(info.parts, 1):
            if p["kind"] in ("temporary", "state"):
                vf, basis = note_start(p)
                rows.append((nid, i, p["kind"], p["rate_text"], vf, p["valid_to"], p["state"], basis, text))
            else:
                rows.append((nid, i, "unresolved", p["rate_text"], note_start(p)[0], p["valid_to"], p["state"],
                             p["legal_basis"] or p["repealed_by"], text))
    return rows


def check_dated_notes(rows):
    """Problems of notes_dated.csv ([] = passed): rows of one note with the same state and kind
    must not overlap; periods must not end before they start; every row but a repealed note
    without an earlier wording and an unresolved one has a valid_from; every rate_text is in a
    parsed form of the rate language."""
    bad = []
    groups = collections.defaultdict(list)
    for r in rows:
        nid, part, kind, rate, vf, vt, state = r[:7]
        if not vf:
            if kind == "repealed" and not rate:
                continue
            if kind != "unresolved":
                bad.append(f"{nid} part {part}: no valid_from")
            continue
        if vt and vt < vf:
            bad.append(f"{nid} part {part}: ends {vt} before it starts {vf}")
        if rate and rate_kind(rate) in ("other", "empty"):
            bad.append(f"{nid} part {part}: rate {rate!r} is in no parsed form")
        groups[(nid, state, kind)].append((vf, vt or "9999-12-31", part))
    for (nid, state, kind), ps in groups.items():
        ps.sort()
        for a, b in zip(ps, ps[1:]):
            if b[0] <= a[1]:
                bad.append(f"{nid} ({kind}{', ' + state if state else ''}): part {a[2]} {a[0]}…{a[1]} "
                           f"overlaps part {b[2]} {b[0]}…")
    return bad


# ---------------------------------------------------------------------------------------------
# output

def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())


def newest_texts(texts):
    """The newest text of each chapter: the latest set that has the chapter."""
    best = {}
    for ct in texts:
        cur = best.get(ct.chapter)
        if cur is None or SETS.index(ct.set) > SETS.index(cur.set):
            best[ct.chapter] = ct
    return [best[c] for c in sorted(best)]


def load_csv(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default="/work/shared/data/eaeu/ett2022")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                  "eaeu", "ett2022"))
    ap.add_argument("--eaeu", default=None, help="folder with tnved2022_*.csv (default: the parent of --out)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()
    eaeu_dir = args.eaeu or os.path.dirname(os.path.abspath(args.out))
    ex = extract(args.shared, log=None)
    os.makedirs(args.out, exist_ok=True)
    report = write_outputs(ex, args.out, eaeu_dir)
    elapsed = time.time() - t0
    print(report, end="")
    if not args.quiet:
        print(f"(finished in {elapsed:.1f} s)", file=sys.stderr)
    return 0


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
         "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI")

LINE_COLUMNS = ("seq", "section", "chapter", "kind", "code", "code_display", "level", "text",
                "supplementary_unit", "rate_raw", "coverage_changed", "tariff_note_refs", "text_date",
                "nomenclature_note_refs")
RATE_COLUMNS = ("code", "chapter", "text_date", "rate_raw", "tariff_note_refs", "file")
NOTE_COLUMNS = ("note_id", "part", "kind", "rate_text", "valid_from", "valid_from_rule", "valid_to",
                "state", "repealed_by", "legal_basis", "first_seen", "text", "previous_text",
                "previous_text_file")
NOTE_HISTORY_COLUMNS = ("notes_file", "note_id", "part", "kind", "rate_text", "valid_from",
                        "valid_from_rule", "valid_to", "state", "repealed_by", "legal_basis", "text")
TEXT_COLUMNS = ("chapter", "text_date", "set", "file", "sha256")
SECTION_COLUMNS = ("level", "section", "chapter", "title")

SPOT_CHECKS = (  # (code, rate_raw, tariff_note_refs) in the newest texts, from the source README
    ("0101210000", "0", ""),
    ("0101291000", "5", ""),
    ("0401101000", "15", ""),
    ("8517130000", "0", ""),
    ("8703239042", "20, но не менее 0,36 евро за 1 см3 объема двигателя", ""),
    ("8501109900", "11", "63С"),
)


def chapter_sections(ex: Extraction, eaeu_dir: str):
    """chapter -> section numeral; section -> title; chapter -> title; and disagreements."""
    sec_of, sec_title, ch_title, notes = {}, {}, {}, []
    fns_ch = {r["chapter"]: r for r in (load_csv(os.path.join(eaeu_dir, "tnved2022_chapters.csv")) or [])}
    fns_sec = {r["section"]: r for r in (load_csv(os.path.join(eaeu_dir, "tnved2022_sections.csv")) or [])}
    current = None
    for ct in newest_texts(ex.texts):
        lay = ct.layout
        if lay.section:
            current = lay.section
            sec_title[current] = lay.section_title
        fns = fns_ch.get(ct.chapter)
        sec = current
        if fns and fns["section"] != sec:
            notes.append(f"chapter {ct.chapter}: section {sec} from the chapter files, {fns['section']} in tnved2022_chapters.csv")
        sec_of[ct.chapter] = sec
        ch_title[ct.chapter] = lay.chapter_title
        if fns and norm_ws(fns["name"]).upper() != lay.chapter_title.upper():
            notes.append(f"chapter {ct.chapter}: title differs from tnved2022_chapters.csv: "
                         f"{lay.chapter_title!r} / {fns['name']!r}")
    for sec, row in fns_sec.items():
        if sec not in sec_title:
            sec_title[sec] = row["name"]
            notes.append(f"section {sec}: no chapter file carries its title; taken from tnved2022_sections.csv")
        elif norm_ws(row["name"]).upper() != sec_title[sec].upper():
            notes.append(f"section {sec}: title differs from tnved2022_sections.csv: {sec_title[sec]!r} / {row['name']!r}")
    return sec_of, sec_title, ch_title, notes


def write_outputs(ex: Extraction, out: str, eaeu_dir: str) -> str:
    R = []  # report lines (markdown)
    sec_of, sec_title, ch_title, sec_notes = chapter_sections(ex, eaeu_dir)
    newest = newest_texts(ex.texts)

    # chapter_texts.csv
    write_csv(os.path.join(out, "chapter_texts.csv"), TEXT_COLUMNS,
              [(ct.chapter, ct.text_date, ct.set, ct.file, ct.sha256) for ct in ex.texts])

    # lines.csv
    rows = []
    seq = 0
    for ct in newest:
        for ln in ct.lines:
            seq += 1
            rows.append((seq, sec_of.get(ct.chapter, ""), ct.chapter, ln["kind"], ln["code"], ln["code_display"],
                         ln["level"], ln["text"], ln["supplementary_unit"] if ln["kind"] == "code10" else "",
                         ln["rate_raw"], ln["coverage_changed"], ln["tariff_note_refs"], ct.text_date,
                         ln["footnote_refs"]))
    write_csv(os.path.join(out, "lines.csv"), LINE_COLUMNS, rows)
    newest_lines = [ln for ct in newest for ln in ct.lines]

    # rates.csv: one row per (code, distinct chapter text); a text that is in two sets
    # (same bytes) is given once, with the path of its oldest set
    seen_sha = {}
    rate_rows = []
    for ct in ex.texts:
        if ct.sha256 in seen_sha:
            continue
        seen_sha[ct.sha256] = ct.file
        for ln in ct.lines:
            if ln["kind"] == "code10":
                rate_rows.append((ln["code"], ct.chapter, ct.text_date, ln["rate_raw"], ln["tariff_note_refs"], ct.file))
    rate_rows.sort(key=lambda r: (r[0], r[2], r[5]))
    write_csv(os.path.join(out, "rates.csv"), RATE_COLUMNS, rate_rows)

    # notes.csv and notes_history.csv
    note_files = sorted(ex.notes_by_file)
    newest_nf = note_files[-1]
    note_rows, hist_rows = [], []
    for nid in sorted(ex.notes, key=note_num):
        info = ex.notes[nid]
        prev_text, prev_file = "", ""
        if info.parts[0]["kind"] == "repealed":
            for d in sorted(info.files, reverse=True):
                if not info.files[d].startswith("Примечание утратило силу"):
                    prev_text, prev_file = info.files[d], f"notes/ett_notes_{d}.pdf"
                    break
        for i, p in enumerate(info.parts, 1):
            note_rows.append((nid, i, p["kind"], p["rate_text"], p["valid_from"], p["valid_from_rule"], p["valid_to"],
                              p["state"], p["repealed_by"], p["legal_basis"], info.first_seen, info.text,
                              prev_text, prev_file))
        for d in note_files:
            if d in info.files:
                for i, p in enumerate(interpret_note(info.files[d]), 1):
                    hist_rows.append((d, nid, i, p["kind"], p["rate_text"], p["valid_from"], p["valid_from_rule"],
                                      p["valid_to"], p["state"], p["repealed_by"], p["legal_basis"], info.files[d]))
    write_csv(os.path.join(out, "notes.csv"), NOTE_COLUMNS, note_rows)
    write_csv(os.path.join(out, "notes_history.csv"), NOTE_HISTORY_COLUMNS, hist_rows)

    # sections_chapters.csv and chapter_notes.csv
    sc_rows = [("section", s, "", sec_title.get(s, "")) for s in ROMAN]
    sc_rows += [("chapter", sec_of.get(c, ""), c, ch_title[c]) for c in sorted(ch_title)]
    write_csv(os.path.join(out, "sections_chapters.csv"), SECTION_COLUMNS, sc_rows)
    write_csv(os.path.join(out, "chapter_notes.csv"), ("chapter", "text"),
              [(ct.chapter, ct.layout.chapter_notes) for ct in newest])

    # rates_dated.csv and notes_dated.csv (the loader-facing files)
    chapter_dates = collections.defaultdict(set)
    original = set()
    for ct in ex.texts:
        chapter_dates[ct.chapter].add(ct.text_date)
        if is_original_text(ct.file):
            original.add((ct.chapter, ct.text_date))
    newest_code10 = {ln["code"]: (ln["rate_raw"], ln["tariff_note_refs"]) for ln in newest_lines
                     if ln["kind"] == "code10"}
    dated_rows, dropped = date_rates(rate_rows, chapter_dates, set(newest_code10), original)
    write_csv(os.path.join(out, "rates_dated.csv"), RATE_DATED_COLUMNS, dated_rows)
    dated_notes = dated_note_rows(ex.notes)
    write_csv(os.path.join(out, "notes_dated.csv"), NOTE_DATED_COLUMNS, dated_notes)
    dated = {"rows": dated_rows, "dropped": dropped, "chapter_dates": chapter_dates,
             "check": check_dated_rates(dated_rows, newest_code10, chapter_dates),
             "notes": dated_notes, "notes_check": check_dated_notes(dated_notes)}

    # ---------------------------------------------------------------- checks and report
    checks = run_checks(ex, newest, newest_lines, eaeu_dir)
    report = build_report(ex, newest, newest_lines, rate_rows, note_rows, sc_rows, sec_notes, checks, dated)
    with open(os.path.join(out, "REPORT.md"), "w", encoding="utf-8", newline="") as fh:
        fh.write(report)
    return report


def run_checks(ex, newest, lines, eaeu_dir):
    """Cross-checks of the newest texts; returns {name: [messages]} (empty list = passed)."""
    res = collections.OrderedDict()
    # 1. declarable codes against the FNS nomenclature
    codes22 = {r["code"] for r in (load_csv(os.path.join(eaeu_dir, "tnved2022_codes.csv")) or [])}
    hist = collections.defaultdict(list)
    for r in load_csv(os.path.join(eaeu_dir, "tnved_codes_history.csv")) or []:
        hist[r["code"]].append((r["valid_from"], r["valid_to"]))
    missing = []
    in_hist_only = 0
    for ln in lines:
        if ln["kind"] != "code10":
            continue
        c = ln["code"]
        if c in codes22:
            continue
        if any(not to or to >= "2022-01-01" for _, to in hist.get(c, [])):
            in_hist_only += 1
            continue
        split_of = sorted(k for k in codes22 if k[:9] == c[:9] or k == c[:8] + "00")
        why = (f"mid-2022 FNS has {', '.join(split_of)} (the line was split or renumbered later)"
               if split_of else "no FNS code with the same first 9 digits")
        missing.append(f"{ln['code_display']} ({ln['file']}): {why}")
    res["codes_not_in_fns"] = missing
    res["_codes_in_history_only"] = in_hist_only
    ett_codes = {ln["code"] for ln in lines if ln["kind"] == "code10"}
    res["_fns_codes_not_in_ett"] = sorted(codes22 - ett_codes)
    # 2. duplicate codes
    cnt = collections.Counter(ln["code"] for ln in lines if ln["code"])
    res["duplicate_codes"] = [f"{c} x{n}" for c, n in sorted(cnt.items()) if n > 1]
    # 3. parents
    bad = []
    for ct in newest:
        stack = []  # (level, line)
        heading = None
        for ln in ct.lines:
            if ln["level"] == 0:
                stack = [(0, ln)]
                heading = ln
                if ln["kind"] == "intermediate":
                    bad.append(f"{ln['file']} l.{ln['lineno']}: {ln['kind']} {ln['code_display']} at level 0")
                continue
            while stack and stack[-1][0] >= ln["level"]:
                stack.pop()
            if not stack:
                bad.append(f"{ln['file']} l.{ln['lineno']}: {ln['code_display'] or ln['text'][:40]!r} has no parent")
                stack = [(ln["level"], ln)]
                continue
            parent = stack[-1][1]
            if parent["level"] != ln["level"] - 1:
                bad.append(f"{ln['file']} l.{ln['lineno']}: {ln['code_display'] or repr(ln['text'][:40])} "
                           f"(level {ln['level']}) jumps from level {parent['level']}")
            if ln["code"]:
                anc = next((p for _, p in reversed(stack) if p["code"]), None)
                if anc is not None and (anc["kind"] == "code10" or not ln["code"].startswith(anc["code"])):
                    bad.append(f"{ln['file']} l.{ln['lineno']}: {ln['code_display']} is under {anc['code_display']}")
                if heading is not None and heading["code"] and ln["code"][:4] != heading["code"][:4]:
                    bad.append(f"{ln['file']} l.{ln['lineno']}: {ln['code_display']} is in heading {heading['code_display']}")
            stack.append((ln["level"], ln))
    res["parents"] = bad
    # 4. code order within each chapter
    order = []
    for ct in newest:
        prev = ""
        for ln in ct.lines:
            if ln["code"]:
                c = ln["code"].ljust(10, "0")
                if c < prev:
                    order.append(f"{ln['file']}: {ln['code_display']} after {prev}")
                prev = max(prev, c)
    res["code_order"] = order
    # 5. spot checks
    by_code = {ln["code"]: ln for ln in lines if ln["kind"] == "code10"}
    spot = []
    for code, rate, refs in SPOT_CHECKS:
        ln = by_code.get(code)
        if ln is None:
            spot.append(f"{code}: missing")
        elif ln["rate_raw"] != rate or ln["tariff_note_refs"] != refs:
            spot.append(f"{code}: got {ln['rate_raw']!r} / {ln['tariff_note_refs']!r}, expected {rate!r} / {refs!r}")
    # roasted coffee under 0901 21, not under 0901 12 000 9
    for ct in newest:
        if ct.chapter != "09":
            continue
        stack = []
        for ln in ct.lines:
            while stack and stack[-1]["level"] >= ln["level"]:
                stack.pop()
            if ln["code"] == "0901210001":
                coded = [p["code"] for p in stack if p["code"]]
                if not coded or not coded[-1].startswith("090121"):
                    spot.append(f"0901210001: coded ancestors {coded}, expected 090121… last")
            stack.append(ln)
    if "0901210001" not in by_code:
        spot.append("0901210001: missing")
    res["spot_checks"] = spot
    # 6. units
    res["units_unknown"] = sorted({ln["supplementary_unit"] for ln in lines
                                   if ln["kind"] == "code10" and ln["supplementary_unit"] not in KNOWN_UNITS})
    res["code10_without_unit"] = [ln["code_display"] for ln in lines if ln["kind"] == "code10" and not ln["supplementary_unit"]]
    # 7. every cited note exists
    res["cited_unknown_notes"] = sorted({n for ln in lines for n in ln["tariff_note_refs"].split(";")
                                         if n and n not in ex.notes})
    return res


def report_rates_dated(dated):
    """REPORT.md lines for rates_dated.csv."""
    R = []
    add = R.append
    rows, dropped, cd = dated["rows"], dated["dropped"], dated["chapter_dates"]
    codes = collections.defaultdict(list)
    for r in rows:
        codes[r[0]].append(r)
    add("## rates_dated.csv (base rates of the declarable codes of lines.csv, dated by chapter text)")
    add("")
    add(f"* rows: {len(rows)}; codes: {len(codes)} (every declarable code of lines.csv)")
    n_texts = collections.Counter(len(v) for v in cd.values())
    add("* chapters by number of distinct texts: " + ", ".join(f"{k} text{'s' if k > 1 else ''}: {v}"
                                                            for k, v in sorted(n_texts.items())))
    late = sorted(ch for ch, ds in cd.items() if min(ds) > EDITION_START)
    add(f"* chapters whose oldest text here is dated after {EDITION_START} (its rows are `earlier_unknown` = "
        f"true: tamga applies it from {EDITION_START}, the amendments before it are not in the data): {len(late)}")
    eu = collections.Counter(r[8] for r in rows)
    add(f"* rows with `earlier_unknown` = true: {eu['true']}; false: {eu['false']}")
    add(f"* rows open-ended (`valid_to` empty, from the newest text): {sum(1 for r in rows if not r[4])}; "
        f"rows with an end date: {sum(1 for r in rows if r[4])}")
    new = sorted(c for c, rs in codes.items() if rs[0][3] != EDITION_START)
    add(f"* codes first printed in a later text of their chapter (valid from that text's date, no row before): "
        f"{len(new)}")
    for c in new:
        add(f"  * {code_display10(c)}: from {codes[c][0][3]} ({codes[c][0][7]})")
    changed = sum(1 for rs in codes.values() if len({(r[5], r[6]) for r in rs}) > 1)
    add(f"* codes whose rate or markers change from one period to the next: {changed}")
    add(f"* codes left out because they are printed only in older texts (no longer in the newest text of "
        f"their chapter; lines.csv does not have them): {len(dropped)}")
    for c, ts in dropped.items():
        add(f"  * {code_display10(c)}: " + "; ".join(f"{f} (text of {dmy(d)})" for d, f in ts))
    add("* rule: the distinct texts of a chapter sorted by date d1 < … < dn (a file without a date is the original "
        "text of 2022-01-01); a row from text i is valid from 2022-01-01 if i = 1, else from d_i, to d_(i+1) − 1 day "
        "if i < n, else open; a code absent from text i+1 has no row from then on")
    chk = dated["check"]
    add("* check (per code no overlap, periods day after day, every declarable code of lines.csv covered from its "
        "first text on and open at the end with the rate of lines.csv): " + ("passed" if not chk else f"{len(chk)}"))
    for m in chk[:60]:
        add(f"  * {m}")
    add("")
    return R


def report_notes_dated(dated):
    """REPORT.md lines for notes_dated.csv."""
    R = []
    add = R.append
    rows = dated["notes"]
    add("## notes_dated.csv (the tariff notes as dated measures)")
    add("")
    kinds = collections.Counter(r[2] for r in rows)
    add(f"* rows: {len(rows)}; notes: {len({r[0] for r in rows})}")
    add("* rows by kind: " + ", ".join(f"{k} {kinds.get(k, 0)}" for k in ("temporary", "state", "repealed", "unresolved")))
    by_note = collections.defaultdict(list)
    for r in rows:
        by_note[r[0]].append(r[2])
    nk = collections.Counter(" + ".join(sorted(set(v))) for v in by_note.values())
    add("* notes by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(nk.items())))
    states = collections.Counter(r[6] for r in rows if r[2] == "state")
    add("* state rows by member state: " + (", ".join(f"{k} {v}" for k, v in sorted(states.items())) or "none"))
    multi = sorted({r[0] for r in rows if r[1] > 1}, key=note_num)
    add(f"* notes with several parts (one row per part): {', '.join(multi) or 'none'}")
    efi = [r for r in rows if _EFI_PHRASE in r[7]]
    old = [r for r in efi if "older than the edition" in r[7]]
    add(f"* rows whose period starts on a decision's entry into force (not dated in the data; `valid_from` = the "
        f"decision's date, unverified): {len(efi)}; of them {len(old)} name a decision older than the edition, "
        f"so `valid_from` = {EDITION_START}: " + ", ".join(f"{r[0]} ({r[7].split(';')[0]})" for r in old))
    nostart = [r for r in rows if r[2] in ("temporary", "state") and not r[7]
               and not interpret_note(r[8])[r[1] - 1]["valid_from"]]
    add(f"* rows whose wording gives no period at all (a member-state rate \"применяется в отношении товаров, "
        f"ввозимых в …\"): {len(nostart)}; `valid_from` = {EDITION_START} (the edition's start), `valid_to` open: "
        + ", ".join(r[0] for r in nostart))
    rep = [r for r in rows if r[2] == "repealed"]
    with_w = sorted({r[0] for r in rep if r[3]}, key=note_num)
    without = sorted({r[0] for r in rep if not r[3]}, key=note_num)
    capped = [r for r in rep if _REPEAL_CAP_PHRASE in r[7]]
    add(f"* repealed notes: {len(with_w) + len(without)}; with the earlier wording of an older notes file (its rate "
        f"and period, `text` = that wording): {len(with_w)}; without (rate and dates empty, the row only marks the "
        f"marker as repealed): {len(without)} ({', '.join(without)})")
    add(f"* repealed notes whose period was cut at the repealing decision's date (earlier than the wording's end): "
        f"{len(capped)}" + (": " + ", ".join(f"{r[0]} {r[4]}…{r[5]}" for r in capped) if capped else ""))
    unres = [r for r in rows if r[2] == "unresolved"]
    add(f"* unresolved (the wording fits none of temporary, state, repealed): {len(unres)}"
        + ("" if unres else " (none)"))
    for r in unres:
        add(f"  * {r[0]} part {r[1]}: {r[8]}")
    chk = dated["notes_check"]
    add("* check (rows of one note with the same state and kind do not overlap; no period ends before it starts; "
        "every rate parses): " + ("passed" if not chk else f"{len(chk)}"))
    for m in chk:
        add(f"  * {m}")
    add("")
    return R


def build_report(ex, newest, lines, rate_rows, note_rows, sc_rows, sec_notes, checks, dated=None) -> str:
    R = []
    add = R.append
    kinds = collections.Counter(ln["kind"] for ln in lines)
    code10 = [ln for ln in lines if ln["kind"] == "code10"]
    add("# ETT 2022 extraction report")
    add("")
    add("Written by `data/tools/ett2022.py`. Sources: the chapter PDFs and tariff-notes PDFs of "
        "`/work/shared/data/eaeu/ett2022/` (see `chapter_texts.csv` for every file with its sha256).")
    add("")
    add("## Files read")
    add("")
    sets = collections.Counter(ct.set for ct in ex.texts)
    distinct = len({ct.sha256 for ct in ex.texts})
    add(f"* chapter PDFs: {len(ex.texts)} ({', '.join(f'{s}: {n}' for s, n in sorted(sets.items()))}); "
        f"{distinct} distinct texts (a file unchanged between two sets is the same text)")
    for d in sorted(ex.notes_by_file):
        nums = [note_num(n) for n in ex.notes_by_file[d]]
        add(f"* `notes/ett_notes_{d}.pdf`: {len(nums)} notes ({min(nums)}С…{max(nums)}С)")
    add(f"* `notes/tnved_notes_2025-05-11.pdf`: nomenclature notes {', '.join(str(n) + ')' for n in sorted(ex.footnote_ids))} "
        "(only to recognise footnote markers in the descriptions)")
    if ex.notes_files:
        add("* sha256 of the PDFs in `notes/` (`gri_abbreviations_units.pdf` is not read by the tool):")
        for name, sha in ex.notes_files.items():
            add(f"  * `notes/{name}`: `{sha}`")
    add("")
    add("## lines.csv (newest text of each chapter)")
    add("")
    add(f"* chapters: {len(newest)}; newest text dates: "
        + ", ".join(f"{d}: {n}" for d, n in sorted(collections.Counter(ct.text_date for ct in newest).items())))
    add(f"* lines: {len(lines)} = " + ", ".join(f"{k} {kinds[k]}" for k in
                                                ("heading", "subheading6", "subheading8", "subheading9", "code10", "intermediate")))
    lvl0 = sum(1 for ln in code10 if ln["level"] == 0)
    add(f"* declarable (10-digit) codes: {len(code10)}; of them {lvl0} at level 0 (headings without subdivisions)")
    add(f"* lines marked `+` (code used in the previous TN VED edition with another coverage; "
        f"`coverage_changed` = true): {sum(1 for ln in lines if ln['coverage_changed'] == 'true')}")
    add(f"* lines with tariff-note markers: {sum(1 for ln in code10 if ln['tariff_note_refs'])}; "
        f"with nomenclature-note markers (`nomenclature_note_refs`): {sum(1 for ln in lines if ln['footnote_refs'])}")
    empty = [ln for ln in code10 if not ln["rate_raw"]]
    add(f"* declarable lines without a rate: {len(empty)}" + (": " + ", ".join(ln["code_display"] for ln in empty) if empty else ""))
    sub = sum(len(ct.layout.subgroups) for ct in newest)
    unused = sum(len(ct.layout.unused_headings) for ct in newest)
    add(f"* not table lines, dropped: {sub} sub-chapter titles (e.g. `I. ХИМИЧЕСКИЕ ЭЛЕМЕНТЫ` in chapter 28) and "
        f"{unused} bracketed unused headings (e.g. `[0503]`); the repeated table header of every page")
    add("")
    add("### Rate kinds (declarable lines of the newest texts)")
    add("")
    rk = collections.Counter(rate_kind(ln["rate_raw"]) for ln in code10)
    names = (("ad_valorem", "ad valorem (%)"), ("specific_eur", "specific, EUR"), ("specific_usd", "specific, USD"),
             ("not_less_than", "ad valorem, \"но не менее\" specific"), ("plus", "ad valorem \"плюс\" specific"),
             ("other", "other / not parsed"), ("empty", "no rate"))
    add("| kind | lines |")
    add("|---|---:|")
    for k, label in names:
        add(f"| {label} | {rk.get(k, 0)} |")
    other = collections.Counter(ln["rate_raw"] for ln in code10 if rate_kind(ln["rate_raw"]) == "other")
    if other:
        add("")
        add("Rates of kind \"other\" (the alternative \"либо\" rates of chapter 87 are printed that way; "
            "they are kept verbatim):")
        add("")
        for r, n in other.most_common():
            add(f"* {n} × `{r}`")
    add("")
    add("## rates.csv (all texts)")
    add("")
    add(f"* rows: {len(rate_rows)} (declarable code × distinct chapter text); codes: {len({r[0] for r in rate_rows})}")
    add(f"* rows without a rate: {sum(1 for r in rate_rows if not r[3])}")
    changed = collections.defaultdict(set)
    for r in rate_rows:
        changed[r[0]].add((r[3], r[4]))
    add(f"* codes whose rate or markers differ between texts: {sum(1 for v in changed.values() if len(v) > 1)}")
    add("")
    if dated:
        R.extend(report_rates_dated(dated))
    add("## Glued note markers")
    add("")
    reasons = collections.Counter(d[4] for d in ex.marker_decisions)
    add(f"* rate cells with a marker glued to a number that can be read more than one way: "
        f"{sum(1 for d in ex.marker_decisions)} (all texts)")
    for k, v in sorted(reasons.items()):
        add(f"  * {k}: {v}")
    low = collections.Counter((d[2], d[3][0] if d[3] else "", ";".join(note_id(n) for n in d[3][1]) if d[3] else "")
                              for d in ex.marker_decisions if d[4].startswith(("low", "close")))
    if low:
        add("* decisions of low confidence (check them against another source):")
        for (cell, r, n), k in sorted(low.items()):
            codes = sorted({d[1] for d in ex.marker_decisions if d[2] == cell})
            add(f"  * `{cell}` read as rate `{r}` + note {n} ({k} cells: {', '.join(codes)})")
    freq_dec = [d for d in ex.marker_decisions if d[4] == "most frequent rate"]
    never = sum(1 for d in freq_dec if all(ex.rate_freq.get(r, 0) == 0 for (r, _), _ in d[5]))
    add(f"* of the {len(freq_dec)} cells settled by the most frequent rate, {never} have rejected readings whose "
        "rates are never printed as a rate anywhere in the tariff (56, 106, 6,56 …)")
    add("* rule: a reading must name notes that exist in a notes file and are not newer than the chapter "
        "text; then the rate printed for the same code in another text wins; then the rate most often "
        "printed without ambiguity in the tariff (e.g. `563С)` is 5 + 63С, since 56 is never printed as a rate).")
    add("")
    add("## Notes (notes.csv)")
    add("")
    nk = collections.Counter(ex.notes[n].parts[0]["kind"] if len(ex.notes[n].parts) == 1 else "multi" for n in ex.notes)
    pk = collections.Counter(r[2] for r in note_rows)
    add(f"* notes: {len(ex.notes)} (1С…{max(note_num(n) for n in ex.notes)}С); rows: {len(note_rows)} "
        f"(one per note and part)")
    add("* rows by kind: " + ", ".join(f"{k} {pk[k]}" for k in ("temporary", "state", "repealed", "other")))
    add("* notes by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(nk.items())))
    multi = [n for n in sorted(ex.notes, key=note_num) if len(ex.notes[n].parts) > 1]
    add(f"* notes with several parts (several rates for successive periods or states; one row per part, "
        f"`part` = 1, 2, … in the order of the wording): {', '.join(multi) or 'none'}")
    efi = [r for r in note_rows if r[5] == "entry_into_force"]
    add(f"* rows whose period starts \"с даты вступления в силу Решения …\": {len(efi)}; their `valid_from` is "
        "empty (the entry-into-force date is not in the text) and `valid_from_rule` = `entry_into_force`, "
        "`legal_basis` names the decision")
    others = [r for r in note_rows if r[2] == "other"]
    add(f"* notes whose wording fits no rule: {len(others)}" + ("" if others else " (none)"))
    for r in others:
        add(f"  * {r[0]}: {r[11]}")
    rep_prev = [r for r in note_rows if r[2] == "repealed" and r[12]]
    add(f"* repealed notes whose earlier wording is in an older notes file (`previous_text`): {len(rep_prev)} of "
        f"{sum(1 for r in note_rows if r[2] == 'repealed')}")
    add("")
    add("### Differences between the notes files")
    add("")
    diffs = []
    files = sorted(ex.notes_by_file)
    for nid in sorted(ex.notes, key=note_num):
        info = ex.notes[nid]
        ws = [(d, info.files[d]) for d in files if d in info.files]
        for (d1, t1), (d2, t2) in zip(ws, ws[1:]):
            if norm_ws(t1) != norm_ws(t2):
                if t2.startswith("Примечание утратило силу") and not t1.startswith("Примечание утратило силу"):
                    diffs.append(f"* {nid}: repealed between {d1} and {d2}")
                else:
                    diffs.append(f"* {nid}: wording changed between {d1} and {d2}: `{t1}` → `{t2}`")
    R.extend(diffs or ["none"])
    new_notes = collections.Counter(ex.notes[n].first_seen for n in ex.notes)
    add("")
    add("* first seen: " + ", ".join(f"{d}: {n}" for d, n in sorted(new_notes.items())))
    cited_repealed = collections.Counter()
    for ln in code10:
        for n in ln["tariff_note_refs"].split(";"):
            if n and ex.notes.get(n) and ex.notes[n].parts[0]["kind"] == "repealed":
                cited_repealed[n] += 1
    add(f"* markers of notes repealed in the newest notes file, still printed in the newest texts: "
        + str(sum(cited_repealed.values()))
        + (f" ({', '.join(f'{n} ×{k}' for n, k in sorted(cited_repealed.items(), key=lambda x: note_num(x[0])))})"
           if cited_repealed else ""))
    expired = collections.Counter()
    for ln in code10:
        for n in ln["tariff_note_refs"].split(";"):
            info = ex.notes.get(n)
            if info and all(p["valid_to"] and p["valid_to"] < ln["text_date"] for p in info.parts):
                expired[n] += 1
    add(f"* markers of notes whose every period ended before the chapter text's date: {sum(expired.values())} "
        "(a marker says nothing about whether its note is in force; read the note's period)")
    add("")
    if dated:
        R.extend(report_notes_dated(dated))
    add("## sections_chapters.csv")
    add("")
    add(f"* {sum(1 for r in sc_rows if r[0] == 'section')} sections, {sum(1 for r in sc_rows if r[0] == 'chapter')} chapters "
        "(chapter 77 is reserved and has no file)")
    for s in sec_notes:
        add(f"* {s}")
    add("")
    add("## Cross-checks (newest texts)")
    add("")
    labels = (
        ("codes_not_in_fns", "declarable codes in neither tnved2022_codes.csv nor tnved_codes_history.csv (valid 2022+)"),
        ("duplicate_codes", "codes printed twice"),
        ("parents", "lines whose parent (nearest line above with a smaller level, within the heading) does not fit"),
        ("code_order", "codes out of order"),
        ("spot_checks", "spot checks of the source README (and 0901 21 000 1 under 0901 21)"),
        ("units_unknown", "unknown supplementary units"),
        ("code10_without_unit", "declarable lines without a unit cell"),
        ("cited_unknown_notes", "cited notes that are in no notes file"),
    )
    for key, label in labels:
        v = checks[key]
        add(f"* {label}: " + ("passed" if not v else f"{len(v)}"))
        for m in v[:60]:
            add(f"  * {m}")
        if len(v) > 60:
            add(f"  * … {len(v) - 60} more")
    add(f"* declarable codes found only in tnved_codes_history.csv (valid 2022+), not in tnved2022_codes.csv "
        f"(codes introduced after mid-2022): {checks['_codes_in_history_only']}")
    fns_only = checks["_fns_codes_not_in_ett"]
    add(f"* codes of tnved2022_codes.csv that the newest texts no longer have (changed since mid-2022): {len(fns_only)}")
    if fns_only:
        add("  * " + ", ".join(fns_only))
    add("")
    add("## Unresolved, and why")
    add("")
    for group, msgs in ex.issues.items():
        for m in msgs:
            add(f"* [{group}] {m}")
    if not ex.issues:
        add("* no reading problems: every marker names a note of a notes file, every declarable line of every "
            "text has a rate and a known unit, no page lost its table header")
    unknown = [n for n in sorted(ex.notes, key=note_num)
               if ex.notes[n].parts[0]["kind"] == "repealed" and not any(
                   not t.startswith("Примечание утратило силу") for t in ex.notes[n].files.values())]
    cited = collections.Counter()
    for r in rate_rows:
        for n in r[4].split(";"):
            if n in unknown:
                cited[n] += 1
    add(f"* notes repealed before the oldest notes file (2024-02-08), so their rate and period are unknown: "
        f"{', '.join(unknown)}; cited in rates.csv: "
        + (", ".join(f"{n} ×{k}" for n, k in sorted(cited.items(), key=lambda x: note_num(x[0]))) or "never"))
    add(f"* note periods that start on the entry into force of a decision (date not in the notes): {len(efi)} rows "
        "(`valid_from_rule` = `entry_into_force`); in notes_dated.csv they start on the decision's date (unverified)")
    if dated:
        unres = [r for r in dated["notes"] if r[2] == "unresolved"]
        add(f"* notes_dated.csv rows of kind `unresolved`: {len(unres)}"
            + (": " + ", ".join(r[0] for r in unres) if unres else ""))
        add(f"* codes printed only in older texts, left out of rates_dated.csv: {len(dated['dropped'])} (listed above)")
    if low:
        add(f"* glued markers read with low confidence: {sum(low.values())} cells (listed above)")
    add(f"* rates that fit none of the parsed forms (kept verbatim): {sum(other.values())}")
    add(f"* declarable codes that cannot be checked against the FNS nomenclature (it is a mid-2022 snapshot): "
        f"{len(checks['codes_not_in_fns'])}")
    add("")
    return "\n".join(R)


if __name__ == "__main__":
    sys.exit(main())
