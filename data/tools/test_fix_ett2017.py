"""Tests of data/tools/fix_ett2017.py on real rows.

Run from the repository root: python3 -m unittest discover -s data/tools -p 'test_*.py'

The fixtures are verbatim rows of the source set's files (/work/shared/data/eaeu/): SC17 of
ett2017_sections_chapters.csv, TABLE_LINES of ett2017_table_lines.csv (seq 15380-15384, heading 8471
to 8471 50 000 0), RATES of ett2017_import_duty_rates.csv, TARIFF_NOTES of ett2017_tariff_notes.csv,
UNITS and NOM_NOTES (first rows) of ett2017_units.csv and ett2017_nomenclature_notes.csv; FNS_SECTIONS
and FNS_CHAPTERS are the `section`/`chapter` and `name` columns of tnved2022_sections.csv and
tnved2022_chapters.csv; SC22 is rows of data/eaeu/ett2022/sections_chapters.csv (the titles of the
2022 chapter PDFs, written by ett2022.py).
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fix_ett2017 as F  # noqa: E402

# fmt: off
SC17 = """\
level,section,chapter,title
section,I,,ЖИВЫЕ ЖИВОТНЫЕ; ПРОДУКТЫ ЖИВОТНОГО ПРОИСХОЖДЕНИЯ
section,III,,ЖИРЫ И МАСЛА ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ
section,IV,,ГОТОВЫЕ ПИЩЕВЫЕ ПРОДУКТЫ; АЛКОГОЛЬНЫЕ И БЕЗАЛКОГОЛЬНЫЕ
section,XVI,,"МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ;"
chapter,III,15,ЖИРЫ И МАСЛА ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ
chapter,IV,16,"ГОТОВЫЕ ПРОДУКТЫ ИЗ МЯСА, РЫБЫ ИЛИ РАКООБРАЗНЫХ, МОЛЛЮСКОВ"
chapter,IV,24,ТАБАК И ПРОМЫШЛЕННЫЕ ЗАМЕНИТЕЛИ ТАБАКА
chapter,XI,54,ХИМИЧЕСКИЕ НИТИ; ПЛОСКИЕ И АНАЛОГИЧНЫЕ НИТИ ИЗ ХИМИЧЕСКИХ
chapter,XVI,84,"РЕАКТОРЫ ЯДЕРНЫЕ, КОТЛЫ, ОБОРУДОВАНИЕ И МЕХАНИЧЕСКИЕ"
chapter,XIX,93,ОРУЖИЕ И БОЕПРИПАСЫ; ИХ ЧАСТИ И ПРИНАДЛЕЖНОСТИ
chapter,XX,94,"МЕБЕЛЬ; ПОСТЕЛЬНЫЕ ПРИНАДЛЕЖНОСТИ, МАТРАЦЫ,"
"""

SC22 = """\
level,section,chapter,title
section,I,,ЖИВЫЕ ЖИВОТНЫЕ; ПРОДУКТЫ ЖИВОТНОГО ПРОИСХОЖДЕНИЯ
section,III,,"ЖИРЫ И МАСЛА ЖИВОТНОГО, РАСТИТЕЛЬНОГО ИЛИ МИКРОБИОЛОГИЧЕСКОГО ПРОИСХОЖДЕНИЯ И ПРОДУКТЫ ИХ РАСЩЕПЛЕНИЯ; ГОТОВЫЕ ПИЩЕВЫЕ ЖИРЫ; ВОСКИ ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ"
section,IV,,"ГОТОВЫЕ ПИЩЕВЫЕ ПРОДУКТЫ; АЛКОГОЛЬНЫЕ И БЕЗАЛКОГОЛЬНЫЕ НАПИТКИ И УКСУС; ТАБАК И ПРОМЫШЛЕННЫЕ ЗАМЕНИТЕЛИ ТАБАКА; ПРОДУКЦИЯ, СОДЕРЖАЩАЯ ИЛИ НЕ СОДЕРЖАЩАЯ НИКОТИН, ПРЕДНАЗНАЧЕННАЯ ДЛЯ ВДЫХАНИЯ БЕЗ ГОРЕНИЯ; ПРОЧАЯ ПРОДУКЦИЯ, СОДЕРЖАЩАЯ НИКОТИН И ПРЕДНАЗНАЧЕННАЯ ДЛЯ ПОСТУПЛЕНИЯ НИКОТИНА В ОРГАНИЗМ ЧЕЛОВЕКА"
section,XVI,,"МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ; ЭЛЕКТРОТЕХНИЧЕСКОЕ ОБОРУДОВАНИЕ; ИХ ЧАСТИ; ЗВУКОЗАПИСЫВАЮЩАЯ И ЗВУКОВОСПРОИЗВОДЯЩАЯ АППАРАТУРА, АППАРАТУРА ДЛЯ ЗАПИСИ И ВОСПРОИЗВЕДЕНИЯ ТЕЛЕВИЗИОННОГО ИЗОБРАЖЕНИЯ И ЗВУКА, ИХ ЧАСТИ И ПРИНАДЛЕЖНОСТИ"
chapter,III,15,"ЖИРЫ И МАСЛА ЖИВОТНОГО, РАСТИТЕЛЬНОГО ИЛИ МИКРОБИОЛОГИЧЕСКОГО ПРОИСХОЖДЕНИЯ И ПРОДУКТЫ ИХ РАСЩЕПЛЕНИЯ; ГОТОВЫЕ ПИЩЕВЫЕ ЖИРЫ; ВОСКИ ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ"
chapter,IV,16,"ГОТОВЫЕ ПРОДУКТЫ ИЗ МЯСА, РЫБЫ, РАКООБРАЗНЫХ, МОЛЛЮСКОВ ИЛИ ПРОЧИХ ВОДНЫХ БЕСПОЗВОНОЧНЫХ ИЛИ НАСЕКОМЫХ"
chapter,IV,24,"ТАБАК И ПРОМЫШЛЕННЫЕ ЗАМЕНИТЕЛИ ТАБАКА; ПРОДУКЦИЯ, СОДЕРЖАЩАЯ ИЛИ НЕ СОДЕРЖАЩАЯ НИКОТИН, ПРЕДНАЗНАЧЕННАЯ ДЛЯ ВДЫХАНИЯ БЕЗ ГОРЕНИЯ; ПРОЧАЯ ПРОДУКЦИЯ, СОДЕРЖАЩАЯ НИКОТИН И ПРЕДНАЗНАЧЕННАЯ ДЛЯ ПОСТУПЛЕНИЯ НИКОТИНА В ОРГАНИЗМ ЧЕЛОВЕКА"
chapter,XI,54,ХИМИЧЕСКИЕ НИТИ; ПЛОСКИЕ И АНАЛОГИЧНЫЕ НИТИ ИЗ ХИМИЧЕСКИХ ТЕКСТИЛЬНЫХ МАТЕРИАЛОВ
chapter,XVI,84,"РЕАКТОРЫ ЯДЕРНЫЕ, КОТЛЫ, ОБОРУДОВАНИЕ И МЕХАНИЧЕСКИЕ УСТРОЙСТВА; ИХ ЧАСТИ"
chapter,XIX,93,ОРУЖИЕ И БОЕПРИПАСЫ; ИХ ЧАСТИ И ПРИНАДЛЕЖНОСТИ
chapter,XX,94,"МЕБЕЛЬ; ПОСТЕЛЬНЫЕ ПРИНАДЛЕЖНОСТИ, МАТРАЦЫ, ОСНОВЫ МАТРАЦНЫЕ, ДИВАННЫЕ ПОДУШКИ И АНАЛОГИЧНЫЕ НАБИВНЫЕ ПРИНАДЛЕЖНОСТИ МЕБЕЛИ; СВЕТИЛЬНИКИ И ОСВЕТИТЕЛЬНОЕ ОБОРУДОВАНИЕ, В ДРУГОМ МЕСТЕ НЕ ПОИМЕНОВАННЫЕ ИЛИ НЕ ВКЛЮЧЕННЫЕ; СВЕТОВЫЕ ВЫВЕСКИ, СВЕТОВЫЕ ТАБЛИЧКИ С ИМЕНЕМ ИЛИ НАЗВАНИЕМ, ИЛИ АДРЕСОМ И АНАЛОГИЧНЫЕ ИЗДЕЛИЯ; СБОРНЫЕ СТРОИТЕЛЬНЫЕ КОНСТРУКЦИИ"
"""

FNS_SECTIONS = """\
section,name
I,ЖИВЫЕ ЖИВОТНЫЕ; ПРОДУКТЫ ЖИВОТНОГО ПРОИСХОЖДЕНИЯ
III,"ЖИРЫ И МАСЛА ЖИВОТНОГО, РАСТИТЕЛЬНОГО ИЛИ МИКРОБИОЛОГИЧЕСКОГО ПРОИСХОЖДЕНИЯ И ПРОДУКТЫ ИХ РАСЩЕПЛЕНИЯ; ГОТОВЫЕ ПИЩЕВЫЕ ЖИРЫ; ВОСКИ ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ"
IV,"ГОТОВЫЕ ПИЩЕВЫЕ ПРОДУКТЫ; АЛКОГОЛЬНЫЕ И БЕЗАЛКОГОЛЬНЫЕ НАПИТКИ И УКСУС; ТАБАК И ПРОМЫШЛЕННЫЕ ЗАМЕНИТЕЛИ ТАБАКА; ПРОДУКЦИЯ, СОДЕРЖАЩАЯ ИЛИ НЕ СОДЕРЖАЩАЯ НИКОТИН, ПРЕДНАЗНАЧЕННАЯ ДЛЯ ВДЫХАНИЯ БЕЗ ГОРЕНИЯ; ПРОЧАЯ ПРОДУКЦИЯ, СОДЕРЖАЩАЯ НИКОТИН И ПРЕДНАЗНАЧЕННАЯ ДЛЯ ПОСТУПЛЕНИЯ НИКОТИНА В ОРГАНИЗМ ЧЕЛОВЕКА"
XVI,"МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ; ЭЛЕКТРОТЕХНИЧЕСКОЕ ОБОРУДОВАНИЕ; ИХ ЧАСТИ; ЗВУКОЗАПИСЫВАЮЩАЯ И ЗВУКОВОСПРОИЗВОДЯЩАЯ АППАРАТУРА, АППАРАТУРА ДЛЯ ЗАПИСИ И ВОСПРОИЗВЕДЕНИЯ ТЕЛЕВИЗИОННОГО ИЗОБРАЖЕНИЯ И ЗВУКА, ИХ ЧАСТИ И ПРИНАДЛЕЖНОСТИ"
"""

FNS_CHAPTERS = """\
chapter,name
15,ЖИРЫ И МАСЛА ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ И ПРОДУКТЫ ИХ РАСЩЕПЛЕНИЯ; ГОТОВЫЕ ПИЩЕВЫЕ ЖИРЫ; ВОСКИ ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ
16,"ГОТОВЫЕ ПРОДУКТЫ ИЗ МЯСА, РЫБЫ ИЛИ РАКООБРАЗНЫХ, МОЛЛЮСКОВ ИЛИ ПРОЧИХ ВОДНЫХ БЕСПОЗВОНОЧНЫХ"
24,ТАБАК И ПРОМЫШЛЕННЫЕ ЗАМЕНИТЕЛИ ТАБАКА
54,ГРУППА 54 ХИМИЧЕСКИЕ НИТИ; ПЛОСКИЕ И АНАЛОГИЧНЫЕ НИТИ ИЗ ХИМИЧЕСКИХ ТЕКСТИЛЬНЫХ МАТЕРИАЛОВ
84,"РЕАКТОРЫ ЯДЕРНЫЕ, КОТЛЫ, ОБОРУДОВАНИЕ И МЕХАНИЧЕСКИЕ УСТРОЙСТВА; ИХ ЧАСТИ"
93,ОРУЖИЕ И БОЕПРИПАСЫ; ИХ ЧАСТИ И ПРИНАДЛЕЖНОСТИ
94,"МЕБЕЛЬ; ПОСТЕЛЬНЫЕ ПРИНАДЛЕЖНОСТИ, МАТРАЦЫ, ОСНОВЫ МАТРАЦНЫЕ, ДИВАННЫЕ ПОДУШКИ И АНАЛОГИЧНЫЕ НАБИВНЫЕ ПРИНАДЛЕЖНОСТИ МЕБЕЛИ; ЛАМПЫ И ОСВЕТИТЕЛЬНОЕ ОБОРУДОВАНИЕ, В ДРУГОМ МЕСТЕ НЕ ПОИМЕНОВАННЫЕ ИЛИ НЕ ВКЛЮЧЕННЫЕ; СВЕТОВЫЕ ВЫВЕСКИ, СВЕТОВЫЕ ТАБЛИЧКИ С ИМЕНЕМ ИЛИ НАЗВАНИЕМ, ИЛИ АДРЕСОМ И АНАЛОГИЧНЫЕ ИЗДЕЛИЯ; СБОРНЫЕ СТРОИТЕЛЬНЫЕ КОНСТРУКЦИИ"
"""

TABLE_LINES = """\
seq,section,chapter,kind,code,code_display,level,text,supplementary_unit,rate_raw,coverage_changed
15380,XVI,84,heading,8471,8471,0,"Вычислительные машины и их блоки; магнитные или оптические считывающие устройства, машины для переноса данных на носители информации в кодированной форме и машины для обработки подобной информации, в другом месте не поименованные или не включенные:",,,false
15381,XVI,84,code10,8471300000,8471 30 000 0,1,"машины вычислительные портативные массой не более 10 кг, состоящие, по крайней мере, из центрального блока обработки данных, клавиатуры и дисплея - машины вычислительные прочие:",шт,0,false
15382,XVI,84,code10,8471410000,8471 41 000 0,2,"содержащие в одном корпусе, по крайней мере, центральный блок обработки данных и устройство ввода и вывода, объединенные или нет",шт,0,false
15383,XVI,84,code10,8471490000,8471 49 000 0,2,"прочие, поставляемые в виде систем",шт,0,false
15384,XVI,84,code10,8471500000,8471 50 000 0,1,"блоки обработки данных, отличные от описанных в субпозиции 8471 41 или 8471 49, содержащие или не содержащие в одном корпусе одно или два из следующих устройств: запоминающие устройства, устройства ввода, устройства вывода",шт,0,false
"""

RATES = """\
code,code_display,section,chapter,heading,hs6,level,description,full_description,supplementary_unit,supplementary_unit_okei,rate_raw,rate_type,ad_valorem_pct,specific_amount,specific_currency,specific_per_qty,specific_per_unit,specific_unit_code,tariff_note_refs,nomenclature_note_refs,coverage_changed
8471300000,8471 30 000 0,XVI,84,8471,847130,1,"машины вычислительные портативные массой не более 10 кг, состоящие, по крайней мере, из центрального блока обработки данных, клавиатуры и дисплея - машины вычислительные прочие:","Вычислительные машины и их блоки; магнитные или оптические считывающие устройства, машины для переноса данных на носители информации в кодированной форме и машины для обработки подобной информации, в другом месте не поименованные или не включенные / машины вычислительные портативные массой не более 10 кг, состоящие, по крайней мере, из центрального блока обработки данных, клавиатуры и дисплея - машины вычислительные прочие",шт,796,0,ad_valorem,0,,,,,,,,false
8471410000,8471 41 000 0,XVI,84,8471,847141,2,"содержащие в одном корпусе, по крайней мере, центральный блок обработки данных и устройство ввода и вывода, объединенные или нет","Вычислительные машины и их блоки; магнитные или оптические считывающие устройства, машины для переноса данных на носители информации в кодированной форме и машины для обработки подобной информации, в другом месте не поименованные или не включенные / машины вычислительные портативные массой не более 10 кг, состоящие, по крайней мере, из центрального блока обработки данных, клавиатуры и дисплея - машины вычислительные прочие / содержащие в одном корпусе, по крайней мере, центральный блок обработки данных и устройство ввода и вывода, объединенные или нет",шт,796,0,ad_valorem,0,,,,,,,,false
8471490000,8471 49 000 0,XVI,84,8471,847149,2,"прочие, поставляемые в виде систем","Вычислительные машины и их блоки; магнитные или оптические считывающие устройства, машины для переноса данных на носители информации в кодированной форме и машины для обработки подобной информации, в другом месте не поименованные или не включенные / машины вычислительные портативные массой не более 10 кг, состоящие, по крайней мере, из центрального блока обработки данных, клавиатуры и дисплея - машины вычислительные прочие / прочие, поставляемые в виде систем",шт,796,0,ad_valorem,0,,,,,,,,false
8471500000,8471 50 000 0,XVI,84,8471,847150,1,"блоки обработки данных, отличные от описанных в субпозиции 8471 41 или 8471 49, содержащие или не содержащие в одном корпусе одно или два из следующих устройств: запоминающие устройства, устройства ввода, устройства вывода","Вычислительные машины и их блоки; магнитные или оптические считывающие устройства, машины для переноса данных на носители информации в кодированной форме и машины для обработки подобной информации, в другом месте не поименованные или не включенные / блоки обработки данных, отличные от описанных в субпозиции 8471 41 или 8471 49, содержащие или не содержащие в одном корпусе одно или два из следующих устройств: запоминающие устройства, устройства ввода, устройства вывода",шт,796,0,ad_valorem,0,,,,,,,,false
"""

TARIFF_NOTES = """\
note_id,temp_rate_text,temp_rate_type,temp_ad_valorem_pct,temp_specific_amount,temp_specific_currency,temp_specific_unit_code,valid_from,valid_to,text
26С,"5, но не менее 0,2 евро за 1 см3 объема двигателя",combined_max,5,0.2,EUR,cm3_engine,2017-01-01,2017-08-31,"Ставка ввозной таможенной пошлины в размере 5% от таможенной стоимости, но не менее 0,2 евро за 1 см3 объема двигателя, применяется с 01.01.2017 по 31.08.2017 включительно."
27С,"11, но не менее 0,14 евро за 1 см объема двигателя",combined_max,11,0.14,EUR,cm3_engine,2017-01-01,2017-08-31,"Ставка ввозной таможенной пошлины в размере 11% от таможенной стоимости, но не менее 0,14 евро за 1 см объема двигателя, применяется с 01.01.2017 по 31.08.2017 включительно."
"""

UNITS = """\
okei_code,name,symbol
166,Килограмм,кг
796,Штука,шт
"""

NOM_NOTES = """\
note_id,text
1,"Технические параметры, назначение для работы при установленных температурах и/или в среде, содержащей сероводород (H2S), должны быть подтверждены соответствующей записью в сертификате заводских испытаний."
"""

# fmt: on


def rows_of(text):
    return F.read_csv_text(text)[1]


def names(text, key):
    return {r[key]: r["name"] for r in rows_of(text)}


def titles22():
    return {(r["level"], r["section"] if r["level"] == "section" else r["chapter"]): r["title"] for r in rows_of(SC22)}


class Titles(unittest.TestCase):
    def complete(self, rows=None):
        return F.complete_titles(rows if rows is not None else rows_of(SC17), titles22(),
                                 names(FNS_SECTIONS, "section"), names(FNS_CHAPTERS, "chapter"))

    def test_cut_titles_completed_from_the_2022_title(self):
        rows, changes, problems = self.complete()
        self.assertEqual(problems, [])
        by = {(r["level"], r["section"] if r["level"] == "section" else r["chapter"]): r["title"] for r in rows}
        self.assertEqual(by[("section", "XVI")],
                         "МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ; ЭЛЕКТРОТЕХНИЧЕСКОЕ ОБОРУДОВАНИЕ; ИХ ЧАСТИ; "
                         "ЗВУКОЗАПИСЫВАЮЩАЯ И ЗВУКОВОСПРОИЗВОДЯЩАЯ АППАРАТУРА, АППАРАТУРА ДЛЯ ЗАПИСИ И "
                         "ВОСПРОИЗВЕДЕНИЯ ТЕЛЕВИЗИОННОГО ИЗОБРАЖЕНИЯ И ЗВУКА, ИХ ЧАСТИ И ПРИНАДЛЕЖНОСТИ")
        self.assertEqual(by[("chapter", "84")],
                         "РЕАКТОРЫ ЯДЕРНЫЕ, КОТЛЫ, ОБОРУДОВАНИЕ И МЕХАНИЧЕСКИЕ УСТРОЙСТВА; ИХ ЧАСТИ")
        # FNS prints "ГРУППА 54 ..." for chapter 54: the same title once that is removed
        self.assertEqual(by[("chapter", "54")],
                         "ХИМИЧЕСКИЕ НИТИ; ПЛОСКИЕ И АНАЛОГИЧНЫЕ НИТИ ИЗ ХИМИЧЕСКИХ ТЕКСТИЛЬНЫХ МАТЕРИАЛОВ")
        sources = {c[0]: c[3] for c in changes}
        self.assertEqual(sources[("section", "XVI")], "ett2022=fns2022")

    def test_whole_titles_are_left_alone(self):
        rows, changes, _ = self.complete()
        by = {(r["level"], r["section"] if r["level"] == "section" else r["chapter"]): r["title"] for r in rows}
        self.assertEqual(by[("section", "I")], "ЖИВЫЕ ЖИВОТНЫЕ; ПРОДУКТЫ ЖИВОТНОГО ПРОИСХОЖДЕНИЯ")
        self.assertEqual(by[("chapter", "93")], "ОРУЖИЕ И БОЕПРИПАСЫ; ИХ ЧАСТИ И ПРИНАДЛЕЖНОСТИ")
        # chapter 24: whole in 2017; the 2022 title has the HS 2022 additions on nicotine products
        self.assertEqual(by[("chapter", "24")], "ТАБАК И ПРОМЫШЛЕННЫЕ ЗАМЕНИТЕЛИ ТАБАКА")
        self.assertTrue(titles22()[("chapter", "24")].startswith("ТАБАК И ПРОМЫШЛЕННЫЕ ЗАМЕНИТЕЛИ ТАБАКА; ПРОДУКЦИЯ"))
        self.assertNotIn(("chapter", "24"), {c[0] for c in changes})

    def test_titles_changed_by_hs_2022_take_the_2017_wording(self):
        rows, changes, _ = self.complete()
        by = {(r["level"], r["section"] if r["level"] == "section" else r["chapter"]): r["title"] for r in rows}
        old_fats = ("ЖИРЫ И МАСЛА ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ И ПРОДУКТЫ ИХ РАСЩЕПЛЕНИЯ; "
                    "ГОТОВЫЕ ПИЩЕВЫЕ ЖИРЫ; ВОСКИ ЖИВОТНОГО ИЛИ РАСТИТЕЛЬНОГО ПРОИСХОЖДЕНИЯ")
        self.assertEqual(by[("section", "III")], old_fats)  # 2022: "..., РАСТИТЕЛЬНОГО ИЛИ МИКРОБИОЛОГИЧЕСКОГО ..."
        self.assertEqual(by[("chapter", "15")], old_fats)
        self.assertIn("МИКРОБИОЛОГИЧЕСКОГО", titles22()[("chapter", "15")])
        self.assertEqual(by[("section", "IV")], "ГОТОВЫЕ ПИЩЕВЫЕ ПРОДУКТЫ; АЛКОГОЛЬНЫЕ И БЕЗАЛКОГОЛЬНЫЕ НАПИТКИ И "
                                                "УКСУС; ТАБАК И ЕГО ЗАМЕНИТЕЛИ")
        self.assertEqual(by[("chapter", "16")], "ГОТОВЫЕ ПРОДУКТЫ ИЗ МЯСА, РЫБЫ ИЛИ РАКООБРАЗНЫХ, МОЛЛЮСКОВ ИЛИ "
                                                "ПРОЧИХ ВОДНЫХ БЕСПОЗВОНОЧНЫХ")
        self.assertIn("ЛАМПЫ И ОСВЕТИТЕЛЬНОЕ ОБОРУДОВАНИЕ", by[("chapter", "94")])  # 2022: СВЕТИЛЬНИКИ
        self.assertIn("СВЕТИЛЬНИКИ", titles22()[("chapter", "94")])
        sources = {c[0]: c[3] for c in changes}
        self.assertEqual((sources[("section", "III")], sources[("section", "IV")], sources[("chapter", "94")]),
                         ("fns_chapter", "text", "fns_chapter"))

    def test_glued_section_number_is_removed(self):
        rows = [dict(r) for r in rows_of(SC17)]
        for r in rows:
            if (r["level"], r["section"]) == ("section", "XVI"):
                r["title"] = "XVI " + r["title"]  # "XVI МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ;"
        out, changes, problems = self.complete(rows)
        self.assertEqual(problems, [])
        self.assertIn((("section", "XVI"), "XVI МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ;", "МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ;",
                       "glued number removed"), changes)
        self.assertTrue([r for r in out if r["section"] == "XVI" and r["level"] == "section"][0]["title"]
                        .startswith("МАШИНЫ, ОБОРУДОВАНИЕ И МЕХАНИЗМЫ; ЭЛЕКТРОТЕХНИЧЕСКОЕ"))
        # a number that is not the row's own is text
        self.assertEqual(F.strip_glued_number({"level": "section", "section": "XV", "chapter": "",
                                               "title": "XVI МАШИНЫ"}), "XVI МАШИНЫ")

    def test_disagreeing_sources_are_reported_not_guessed(self):
        t22 = titles22()
        t22[("section", "XVI")] = t22[("section", "XVI")].replace("ИХ ЧАСТИ;", "ИХ ДЕТАЛИ;")
        _, _, problems = F.complete_titles(rows_of(SC17), t22, names(FNS_SECTIONS, "section"),
                                           names(FNS_CHAPTERS, "chapter"))
        self.assertEqual(len(problems), 2)  # not completed, and it still ends in ";"
        self.assertIn("disagree", problems[0])

    def test_word_prefix(self):
        self.assertTrue(F.is_word_prefix("ЖИВЫЕ ДЕРЕВЬЯ", "ЖИВЫЕ ДЕРЕВЬЯ И ДРУГИЕ РАСТЕНИЯ"))
        self.assertFalse(F.is_word_prefix("ЖИВЫЕ ДЕРЕВ", "ЖИВЫЕ ДЕРЕВЬЯ И ДРУГИЕ РАСТЕНИЯ"))
        self.assertFalse(F.is_word_prefix("ЖИВЫЕ", "ЖИВЫЕ"))


class Line8471(unittest.TestCase):
    def test_table_lines_split(self):
        rows = F.fix_8471_table(rows_of(TABLE_LINES))
        self.assertEqual([(r["seq"], r["kind"], r["code"], r["level"]) for r in rows], [
            ("15380", "heading", "8471", "0"), ("15381", "code10", "8471300000", "1"), ("15382", "intermediate", "", "1"),
            ("15383", "code10", "8471410000", "2"), ("15384", "code10", "8471490000", "2"),
            ("15385", "code10", "8471500000", "1")])
        self.assertEqual(rows[1]["text"], "машины вычислительные портативные массой не более 10 кг, состоящие, по "
                                          "крайней мере, из центрального блока обработки данных, клавиатуры и дисплея")
        self.assertEqual((rows[1]["supplementary_unit"], rows[1]["rate_raw"]), ("шт", "0"))
        self.assertEqual(rows[2], {"seq": "15382", "section": "XVI", "chapter": "84", "kind": "intermediate", "code": "",
                                   "code_display": "", "level": "1", "text": "машины вычислительные прочие:",
                                   "supplementary_unit": "", "rate_raw": "", "coverage_changed": "false"})

    def test_table_lines_already_split_is_an_error(self):
        rows = F.fix_8471_table(rows_of(TABLE_LINES))
        with self.assertRaises(F.FixError):
            F.fix_8471_table(rows)

    def test_rates_descriptions(self):
        rows = {r["code"]: r for r in F.fix_8471_rates(rows_of(RATES))}
        heading = ("Вычислительные машины и их блоки; магнитные или оптические считывающие устройства, машины для "
                   "переноса данных на носители информации в кодированной форме и машины для обработки подобной "
                   "информации, в другом месте не поименованные или не включенные")
        self.assertEqual(rows["8471300000"]["description"], F.OWN_8471)
        self.assertEqual(rows["8471300000"]["full_description"], heading + " / " + F.OWN_8471)
        self.assertEqual(rows["8471410000"]["full_description"],
                         heading + " / машины вычислительные прочие / содержащие в одном корпусе, по крайней мере, "
                                   "центральный блок обработки данных и устройство ввода и вывода, объединенные или нет")
        self.assertEqual(rows["8471490000"]["full_description"],
                         heading + " / машины вычислительные прочие / прочие, поставляемые в виде систем")
        before = {r["code"]: r for r in rows_of(RATES)}
        self.assertEqual(rows["8471500000"], before["8471500000"])
        for code in ("8471300000", "8471410000", "8471490000"):  # nothing else changes
            self.assertEqual({k: v for k, v in rows[code].items() if k not in ("description", "full_description")},
                             {k: v for k, v in before[code].items() if k not in ("description", "full_description")})


class Note27(unittest.TestCase):
    def test_cm3(self):
        rows = {r["note_id"]: r for r in F.fix_note_27(rows_of(TARIFF_NOTES))}
        self.assertEqual(rows["27С"]["temp_rate_text"], "11, но не менее 0,14 евро за 1 см3 объема двигателя")
        self.assertIn("0,14 евро за 1 см объема двигателя", rows["27С"]["text"])  # the note's text is verbatim
        self.assertEqual(rows["26С"], rows_of(TARIFF_NOTES)[0])


class WholeRun(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = self.tmp.name
        self.shared = os.path.join(d, "shared")
        self.out = os.path.join(d, "out")
        os.makedirs(self.shared)
        files = {"ett2017_sections_chapters.csv": SC17, "ett2017_table_lines.csv": TABLE_LINES,
                 "ett2017_import_duty_rates.csv": RATES, "ett2017_tariff_notes.csv": TARIFF_NOTES,
                 "ett2017_units.csv": UNITS, "ett2017_nomenclature_notes.csv": NOM_NOTES,
                 "tnved2022_sections.csv": FNS_SECTIONS, "tnved2022_chapters.csv": FNS_CHAPTERS}
        for name, text in files.items():
            with open(os.path.join(self.shared, name), "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        self.t22 = os.path.join(d, "sections_chapters.csv")
        with open(self.t22, "w", encoding="utf-8", newline="") as fh:
            fh.write(SC22)

    def tearDown(self):
        self.tmp.cleanup()

    def read(self, name):
        with open(os.path.join(self.out, name), "rb") as fh:
            return fh.read()

    def test_run_twice_same_bytes_and_untouched_files_copied(self):
        F.run(self.shared, self.out, self.t22, log=lambda *_: None)
        first = {n: self.read(n) for n in F.FILES}
        F.run(self.shared, self.out, self.t22, log=lambda *_: None)
        self.assertEqual({n: self.read(n) for n in F.FILES}, first)
        self.assertEqual(first["ett2017_units.csv"], UNITS.encode("utf-8"))
        self.assertEqual(first["ett2017_nomenclature_notes.csv"], NOM_NOTES.encode("utf-8"))
        self.assertIn("машины вычислительные прочие:".encode("utf-8"), first["ett2017_table_lines.csv"])
        self.assertFalse(first["ett2017_table_lines.csv"].startswith(b"\xef\xbb\xbf"))

    def test_fixed_files_as_input_are_refused(self):
        F.run(self.shared, self.out, self.t22, log=lambda *_: None)
        for name, text in (("tnved2022_sections.csv", FNS_SECTIONS), ("tnved2022_chapters.csv", FNS_CHAPTERS)):
            with open(os.path.join(self.out, name), "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        with self.assertRaises(F.FixError):
            F.run(self.out, os.path.join(self.tmp.name, "again"), self.t22, log=lambda *_: None)


if __name__ == "__main__":
    unittest.main()
