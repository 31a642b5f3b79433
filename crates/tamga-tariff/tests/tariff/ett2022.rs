//! The 2022 edition of the built-in bundle, read from the Commission's consolidated chapter
//! texts (`data/eaeu/ett2022/`, made by `data/tools/ett2022.py`): every code with its rate as
//! printed, real lines pinned across the rate kinds, the notes and the traps of the text, the
//! tree, and the dates each answer is known from.

use std::collections::HashMap;

use tamga_core::{Date, Validity, parse_date};
use tamga_tariff::rate::{RateExpr, is_alternative};
use tamga_tariff::snapshot::LineKind;
use tamga_tariff::{Layer, LayerStatus, LookupError, LookupQuery};

use crate::builtin::{builtin, embedded_csv};
use crate::{code, country, date, layer, query};

const RATES: &str = "eaeu/ett2022/rates_dated.csv";
const LINES: &str = "eaeu/ett2022/lines.csv";

fn parsed(text: &str) -> RateExpr {
    RateExpr::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn in_state(code_text: &str, day: &str, state: &str) -> LookupQuery {
    LookupQuery {
        state: Some(country(state)),
        ..query(code_text, day)
    }
}

#[test]
fn the_2022_edition_is_in_force_from_2022_with_its_rates() {
    let snapshot = builtin();
    let edition = snapshot.edition("ett2022").expect("edition ett2022");
    assert!(edition.rates_known);
    assert_eq!(edition.validity, Validity::new(date("2022-01-01"), None));
    assert!(
        edition.legal_basis.contains("№ 80"),
        "{}",
        edition.legal_basis
    );
    for (day, id) in [
        ("2021-12-31", "ett2017"),
        ("2022-01-01", "ett2022"),
        ("2026-12-01", "ett2022"),
    ] {
        assert_eq!(
            snapshot.edition_on(date(day)).map(|e| e.id.as_str()),
            Some(id),
            "{day}"
        );
    }
    assert!(
        snapshot.edition("tnved2022").is_none(),
        "the derived tree is gone"
    );
}

/// Every row of the dated rates file: the code is a declarable line of the edition, and on
/// each day of the row's period that the row covers (its first and last), the base layer
/// holds the rate as printed, from the text the row names. An alternative rate ("либо") is an
/// unknown duty that quotes the printed text.
#[test]
fn every_declarable_code_of_the_chapter_texts_has_its_rate_as_printed() {
    let snapshot = builtin();
    let rows = embedded_csv(RATES);
    assert_eq!(rows.len(), 22_941);
    let mut codes = HashMap::new();
    let mut alternatives = 0;
    for row in &rows {
        let code_text = row["code"].as_str();
        *codes.entry(code_text.to_owned()).or_insert(0) += 1;
        let from = parse_date(&row["valid_from"]).unwrap();
        let days: Vec<Date> = match row["valid_to"].as_str() {
            "" => vec![from],
            to => vec![from, parse_date(to).unwrap()],
        };
        for day in days {
            let q = query(code_text, &tamga_core::format_date(day));
            let printed = row["rate_raw"].as_str();
            match snapshot.lookup(&q) {
                Ok(found) => {
                    assert_eq!(found.edition.id, "ett2022", "{code_text} on {day}");
                    let base = layer(&found.layers, Layer::Base);
                    let rate = base.rate.as_deref().unwrap_or_else(|| {
                        panic!("{code_text} on {day}: no base rate: {:?}", base.reason)
                    });
                    assert_eq!(rate, &parsed(printed), "{code_text} on {day}: {printed}");
                    assert_eq!(&parsed(&rate.to_official_ru()), rate, "{code_text}");
                    let basis = base.legal_basis.as_deref().unwrap_or_default();
                    assert!(
                        basis.contains(&row["source_text"]),
                        "{code_text} on {day}: {basis}"
                    );
                }
                Err(LookupError::RateNotRead { text, basis, .. }) => {
                    assert!(is_alternative(printed), "{code_text}: {printed}");
                    assert_eq!(text, printed);
                    assert_eq!(basis, row["source_text"]);
                    alternatives += 1;
                }
                Err(other) => panic!("{code_text} on {day}: {other}"),
            }
        }
    }
    assert_eq!(codes.len(), 13_289, "every declarable code of the texts");
    assert!(alternatives >= 6, "{alternatives}");
    let edition = snapshot.edition("ett2022").unwrap();
    let declarable = edition
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Code10)
        .count();
    assert_eq!(
        declarable,
        codes.len(),
        "no declarable line without a rate row"
    );
}

/// One real line of the 2022 texts, as its newest chapter text prints it.
struct Printed {
    code: &'static str,
    /// The rate cell, the note markers split off.
    rate: &'static str,
    notes: &'static [&'static str],
    unit: Option<&'static str>,
    level: u8,
    text_starts: &'static str,
    source: &'static str,
}

/// Lines read off the PDFs with `pdftotext -layout`, one or more per rate kind and per trap.
const PRINTED: &[Printed] = &[
    // A rate that runs onto the next line, with a marker glued to its end: `0,16 евро за 1 кг63С)`.
    Printed {
        code: "0901210001",
        rate: "8, но не менее 0,16 евро за 1 кг",
        notes: &["63С"],
        unit: None,
        level: 4,
        text_starts: "арабика",
        source: "chapter 09, text of 25.04.2022",
    },
    Printed {
        code: "2202910000",
        rate: "0,1 евро за 1 л",
        notes: &[],
        unit: Some("l"),
        level: 2,
        text_starts: "безалкогольное пиво",
        source: "chapter 22, text of 25.04.2022",
    },
    Printed {
        code: "2203001000",
        rate: "0,04 евро за 1 л",
        notes: &[],
        unit: Some("l"),
        level: 1,
        text_starts: "в сосудах емкостью более 10 л",
        source: "chapter 22, text of 25.04.2022",
    },
    // USD per 1000 kg, over two lines.
    Printed {
        code: "1701121001",
        rate: "250 долларов США за 1000 кг",
        notes: &[],
        unit: None,
        level: 4,
        text_starts: "с 1 января по 30 июня",
        source: "chapter 17, text of 08.03.2026",
    },
    Printed {
        code: "1701121009",
        rate: "250 долларов США за 1000 кг",
        notes: &[],
        unit: None,
        level: 4,
        text_starts: "с 1 июля по 31 декабря",
        source: "chapter 17, text of 08.03.2026",
    },
    // EUR per pair.
    Printed {
        code: "6401100000",
        rate: "0,75 евро за 1 пару",
        notes: &[],
        unit: Some("pair"),
        level: 1,
        text_starts: "обувь с защитным металлическим подноском",
        source: "chapter 64, original text of 01.01.2022",
    },
    // EUR per cm³ of engine volume.
    Printed {
        code: "8701219011",
        rate: "1 евро за 1 см3 объема двигателя",
        notes: &[],
        unit: Some("pcs"),
        level: 5,
        text_starts: "с момента выпуска которых прошло более 7 лет",
        source: "chapter 87, text of 22.01.2026",
    },
    // EUR per 1000 pieces; the unit printed over two lines (`1000` / `шт`).
    Printed {
        code: "2402201000",
        rate: "2 евро за 1000 шт",
        notes: &[],
        unit: Some("1000pcs"),
        level: 2,
        text_starts: "содержащие гвоздику",
        source: "chapter 24, original text of 01.01.2022",
    },
    Printed {
        code: "2402100000",
        rate: "17, но не менее 1,7 евро за 1000 шт",
        notes: &[],
        unit: Some("1000pcs"),
        level: 1,
        text_starts: "сигары",
        source: "chapter 24, original text of 01.01.2022",
    },
    // "плюс": both parts.
    Printed {
        code: "3401110001",
        rate: "4,5 плюс 0,02 евро за 1 кг",
        notes: &[],
        unit: None,
        level: 3,
        text_starts: "мыло туалетное",
        source: "chapter 34, text of 08.03.2026",
    },
    Printed {
        code: "5904100000",
        rate: "10 плюс 0,08 евро за 1 кг",
        notes: &[],
        unit: Some("m2"),
        level: 1,
        text_starts: "линолеум",
        source: "chapter 59, text of 08.03.2026",
    },
    // Specific EUR per kg alone.
    Printed {
        code: "0808101000",
        rate: "0,06 евро за 1 кг",
        notes: &[],
        unit: None,
        level: 2,
        text_starts: "для производства сидра",
        source: "chapter 08, text of 28.07.2024",
    },
    // "но не менее" per litre, over two lines.
    Printed {
        code: "2009111100",
        rate: "10, но не менее 0,046 евро за 1 л",
        notes: &[],
        unit: None,
        level: 4,
        text_starts: "стоимостью, не превышающей 30 евро",
        source: "chapter 20, text of 12.06.2025",
    },
    // Glued markers: `563С)` is 5 with 63С), `5115С)` is 5 with 115С).
    Printed {
        code: "0106410001",
        rate: "5",
        notes: &["63С"],
        unit: Some("pcs"),
        level: 4,
        text_starts: "матки пчелиные",
        source: "chapter 01, text of 25.04.2022",
    },
    Printed {
        code: "1207999601",
        rate: "5",
        notes: &["115С"],
        unit: None,
        level: 5,
        text_starts: "орехи ши",
        source: "chapter 12, text of 08.03.2026",
    },
    // Latin C in the marker: `5110C)`, `09C)`, `567C)`, `5118C)`; and a footnote marker glued
    // to the description (`промышленности5)`), stripped.
    Printed {
        code: "3202900001",
        rate: "5",
        notes: &["110С"],
        unit: None,
        level: 2,
        text_starts: "для кожевенно-обувной промышленности",
        source: "chapter 32, text of 08.03.2026",
    },
    Printed {
        code: "3208209001",
        rate: "0",
        notes: &["9С"],
        unit: None,
        level: 3,
        text_starts: "для промышленной сборки",
        source: "chapter 32, text of 08.03.2026",
    },
    Printed {
        code: "7415330000",
        rate: "5",
        notes: &["67С"],
        unit: None,
        level: 2,
        text_starts: "винты; болты и гайки",
        source: "chapter 74, text of 08.03.2026",
    },
    Printed {
        code: "8408209904",
        rate: "5",
        notes: &["118С"],
        unit: Some("pcs"),
        level: 7,
        text_starts: "для сборки моторных транспортных средств",
        source: "chapter 84, text of 27.04.2026",
    },
    // A declarable code at level 0: a heading with no subdivisions.
    Printed {
        code: "0409000000",
        rate: "15",
        notes: &[],
        unit: None,
        level: 0,
        text_starts: "Мед натуральный",
        source: "chapter 04, text of 25.04.2022",
    },
    // The 2017 edition's merged line, whole in 2022.
    Printed {
        code: "8471300000",
        rate: "0",
        notes: &[],
        unit: Some("pcs"),
        level: 1,
        text_starts: "машины вычислительные портативные массой не более 10 кг",
        source: "chapter 84, text of 27.04.2026",
    },
    Printed {
        code: "8517130000",
        rate: "0",
        notes: &[],
        unit: Some("pcs"),
        level: 2,
        text_starts: "смартфоны",
        source: "chapter 85, text of 08.03.2026",
    },
    Printed {
        code: "0302111000",
        rate: "3",
        notes: &[],
        unit: None,
        level: 3,
        text_starts: "вида Oncorhynchus apache",
        source: "chapter 03, text of 28.03.2022",
    },
    Printed {
        code: "8702101120",
        rate: "7,5",
        notes: &[],
        unit: Some("pcs"),
        level: 4,
        text_starts: "автобусы, предназначенные",
        source: "chapter 87, text of 22.01.2026",
    },
    // Cars: ad valorem but not less than EUR per cm³ of engine volume.
    Printed {
        code: "8703504098",
        rate: "20, но не менее 0,4 евро за 1 см3 объема двигателя",
        notes: &[],
        unit: Some("pcs"),
        level: 6,
        text_starts: "у которых мощность двигателя",
        source: "chapter 87, text of 22.01.2026",
    },
    Printed {
        code: "8703249098",
        rate: "20, но не менее 0,8 евро за 1 см3 объема двигателя",
        notes: &[],
        unit: Some("pcs"),
        level: 5,
        text_starts: "прочие",
        source: "chapter 87, text of 22.01.2026",
    },
    // More glued markers: `520С)`, `09С)`, `515С)`, `563С)`, and two-digit rates `1567С)`, `1563С)`.
    Printed {
        code: "8524990061",
        rate: "5",
        notes: &["20С"],
        unit: Some("pcs"),
        level: 4,
        text_starts: "для промышленной сборки моторных",
        source: "chapter 85, text of 08.03.2026",
    },
    Printed {
        code: "8708942001",
        rate: "0",
        notes: &["9С"],
        unit: None,
        level: 4,
        text_starts: "рулевые колеса, рулевые колонки",
        source: "chapter 87, text of 22.01.2026",
    },
    Printed {
        code: "4016995701",
        rate: "5",
        notes: &["15С"],
        unit: None,
        level: 5,
        text_starts: "для промышленной сборки моторных",
        source: "chapter 40, text of 08.03.2026",
    },
    Printed {
        code: "5408100000",
        rate: "5",
        notes: &["63С"],
        unit: Some("m2"),
        level: 1,
        text_starts: "ткани из вискозных нитей",
        source: "chapter 54, text of 08.03.2026",
    },
    Printed {
        code: "9405920008",
        rate: "15",
        notes: &["67С"],
        unit: None,
        level: 3,
        text_starts: "прочие",
        source: "chapter 94, text of 08.03.2026",
    },
    Printed {
        code: "8101999000",
        rate: "15",
        notes: &["63С"],
        unit: None,
        level: 3,
        text_starts: "прочие",
        source: "chapter 81, text of 08.03.2026",
    },
    // "но не менее" per piece.
    Printed {
        code: "8507102003",
        rate: "10, но не менее 1,5 евро за 1 шт",
        notes: &[],
        unit: Some("pcs"),
        level: 4,
        text_starts: "массой более 5 кг",
        source: "chapter 85, text of 08.03.2026",
    },
    // Spirits per litre, the unit "л 100% спирта" printed over two lines.
    Printed {
        code: "2208308200",
        rate: "1,4 евро за 1 л",
        notes: &[],
        unit: Some("l_alcohol_100"),
        level: 3,
        text_starts: "2 л или менее",
        source: "chapter 22, text of 25.04.2022",
    },
    // Plain ad valorem lines.
    Printed {
        code: "0402101100",
        rate: "15",
        notes: &[],
        unit: None,
        level: 3,
        text_starts: "в первичных упаковках нетто-массой",
        source: "chapter 04, text of 25.04.2022",
    },
    Printed {
        code: "8711201000",
        rate: "14",
        notes: &[],
        unit: Some("pcs"),
        level: 2,
        text_starts: "мотороллеры",
        source: "chapter 87, text of 22.01.2026",
    },
    Printed {
        code: "8517140000",
        rate: "0",
        notes: &[],
        unit: Some("pcs"),
        level: 2,
        text_starts: "прочие аппараты телефонные для",
        source: "chapter 85, text of 08.03.2026",
    },
    Printed {
        code: "2203000100",
        rate: "0,018 евро за 1 л",
        notes: &[],
        unit: Some("l"),
        level: 2,
        text_starts: "в бутылках",
        source: "chapter 22, text of 25.04.2022",
    },
    Printed {
        code: "0901210002",
        rate: "8, но не менее 0,16 евро за 1 кг",
        notes: &["63С"],
        unit: None,
        level: 4,
        text_starts: "робуста (Coffea canephora)",
        source: "chapter 09, text of 25.04.2022",
    },
    Printed {
        code: "3816000000",
        rate: "5",
        notes: &[],
        unit: None,
        level: 0,
        text_starts: "Цементы огнеупорные, растворы строительные,",
        source: "chapter 38, text of 08.03.2026",
    },
];

#[test]
fn real_lines_read_as_printed() {
    let snapshot = builtin();
    let edition = snapshot.edition("ett2022").unwrap();
    let lines: HashMap<String, HashMap<String, String>> = embedded_csv(LINES)
        .into_iter()
        .filter(|row| !row["code"].is_empty())
        .map(|row| (row["code"].clone(), row))
        .collect();
    for p in PRINTED {
        let line = edition
            .line(&code(p.code))
            .unwrap_or_else(|| panic!("{}", p.code));
        assert_eq!(line.kind, LineKind::Code10, "{}", p.code);
        assert_eq!(line.level, p.level, "{}", p.code);
        assert!(
            line.text_ru.starts_with(p.text_starts),
            "{}: {}",
            p.code,
            line.text_ru
        );
        assert_eq!(
            line.supplementary_unit.as_ref().map(|u| u.as_str()),
            p.unit,
            "{}",
            p.code
        );
        let row = &lines[p.code];
        assert_eq!(row["rate_raw"], p.rate, "{}", p.code);
        let notes: Vec<&str> = row["tariff_note_refs"]
            .split(';')
            .filter(|n| !n.is_empty())
            .collect();
        assert_eq!(notes, p.notes, "{}", p.code);
        // Outside any note's period and state, the base rate applies, named by its text.
        let found = snapshot
            .lookup(&query(p.code, "2026-12-01"))
            .unwrap_or_else(|e| panic!("{}: {e}", p.code));
        let base = layer(&found.layers, Layer::Base);
        assert_eq!(base.rate.as_deref(), Some(&parsed(p.rate)), "{}", p.code);
        let basis = base.legal_basis.as_deref().unwrap_or_default();
        assert!(basis.contains(p.source), "{}: {basis}", p.code);
        assert!(
            basis.contains("amendments after this text are not in the data"),
            "{}: {basis}",
            p.code
        );
    }
    assert_eq!(
        edition.line(&code("3202900001")).unwrap().text_ru,
        "для кожевенно-обувной промышленности"
    );
    assert!(PRINTED.len() >= 40, "{}", PRINTED.len());
}

/// One dated answer: the duty that applies to a code on a day, in a state or not.
struct Answer {
    code: &'static str,
    day: &'static str,
    state: Option<&'static str>,
    rate: &'static str,
    layer: Layer,
    /// Words the legal basis of the applied rate must contain.
    basis: &'static str,
    /// The period of the applied measure.
    from: &'static str,
    to: Option<&'static str>,
}

const ANSWERS: &[Answer] = &[
    // Note 63С: 0 % "с 28.03.2022 по 30.09.2022 включительно", then the base rate.
    Answer {
        code: "0901210001",
        day: "2022-03-27",
        state: None,
        rate: "8, но не менее 0,16 евро за 1 кг",
        layer: Layer::Base,
        basis: "chapter 09, text of 25.04.2022; applied from 2022-01-01: amendments before this text are not in the data",
        from: "2022-01-01",
        to: None,
    },
    Answer {
        code: "0901210001",
        day: "2022-03-28",
        state: None,
        rate: "0",
        layer: Layer::Temporary,
        basis: "note <63С>",
        from: "2022-03-28",
        to: Some("2022-09-30"),
    },
    Answer {
        code: "0901210001",
        day: "2022-09-30",
        state: None,
        rate: "0",
        layer: Layer::Temporary,
        basis: "note <63С>",
        from: "2022-03-28",
        to: Some("2022-09-30"),
    },
    Answer {
        code: "0901210001",
        day: "2022-10-01",
        state: None,
        rate: "8, но не менее 0,16 евро за 1 кг",
        layer: Layer::Base,
        basis: "chapter 09, text of 25.04.2022",
        from: "2022-01-01",
        to: None,
    },
    // Note 9С: 5 % for goods imported into the Russian Federation only.
    Answer {
        code: "3208209001",
        day: "2026-12-01",
        state: Some("RU"),
        rate: "5",
        layer: Layer::Temporary,
        basis: "note <9С>",
        from: "2022-01-01",
        to: None,
    },
    Answer {
        code: "3208209001",
        day: "2026-12-01",
        state: Some("KZ"),
        rate: "0",
        layer: Layer::Base,
        basis: "chapter 32, text of 08.03.2026",
        from: "2026-03-08",
        to: None,
    },
    // Note 67С starts on the entry into force of Decision No. 66, taken as its date.
    Answer {
        code: "7415330000",
        day: "2022-04-19",
        state: None,
        rate: "0",
        layer: Layer::Temporary,
        basis: "Решение Коллегии ЕЭК от 19.04.2022 № 66",
        from: "2022-04-19",
        to: Some("2022-09-30"),
    },
    // Note 96С, in force 01.04.2024..31.12.2025 and repealed afterwards by Decision No. 39:
    // the repeal is said, the rate applied within its period only.
    Answer {
        code: "8408209904",
        day: "2025-06-01",
        state: None,
        rate: "0",
        layer: Layer::Temporary,
        basis: "(later repealed by Решение Совета ЕЭК от 24.02.2026 № 39)",
        from: "2024-04-01",
        to: Some("2025-12-31"),
    },
    // Note 118С "с 01.01.2026 по 31.12.2026": its marker first appears in the text of
    // 27.04.2026, but the note gives the real period.
    Answer {
        code: "8408209904",
        day: "2026-01-01",
        state: None,
        rate: "0",
        layer: Layer::Temporary,
        basis: "note <118С>",
        from: "2026-01-01",
        to: Some("2026-12-31"),
    },
    Answer {
        code: "8408209904",
        day: "2027-01-01",
        state: None,
        rate: "5",
        layer: Layer::Base,
        basis: "chapter 84, text of 27.04.2026; amendments after this text are not in the data",
        from: "2026-04-27",
        to: None,
    },
    // Between two texts of chapter 84, each text's rate from its own date.
    Answer {
        code: "8408209904",
        day: "2026-04-26",
        state: Some("KZ"),
        rate: "0",
        layer: Layer::Temporary,
        basis: "note <118С>",
        from: "2026-01-01",
        to: Some("2026-12-31"),
    },
    Answer {
        code: "8471300000",
        day: "2026-04-26",
        state: None,
        rate: "0",
        layer: Layer::Base,
        basis: "chapter 84, text of 08.03.2026",
        from: "2026-03-08",
        to: Some("2026-04-26"),
    },
    Answer {
        code: "8471300000",
        day: "2026-04-27",
        state: None,
        rate: "0",
        layer: Layer::Base,
        basis: "chapter 84, text of 27.04.2026",
        from: "2026-04-27",
        to: None,
    },
    Answer {
        code: "2202910000",
        day: "2026-12-01",
        state: None,
        rate: "0,1 евро за 1 л",
        layer: Layer::Base,
        basis: "Решение Совета ЕЭК от 14.09.2021 № 80, chapter 22, text of 25.04.2022",
        from: "2022-01-01",
        to: None,
    },
];

#[test]
fn notes_and_texts_date_each_answer() {
    let snapshot = builtin();
    for a in ANSWERS {
        let q = match a.state {
            Some(state) => in_state(a.code, a.day, state),
            None => query(a.code, a.day),
        };
        let what = format!("{} on {} in {:?}", a.code, a.day, a.state);
        let found = snapshot
            .lookup(&q)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let duty = &found.import_duty;
        assert_eq!(&*duty.rate, &parsed(a.rate), "{what}");
        assert_eq!(duty.layer, a.layer, "{what}");
        assert!(
            duty.legal_basis.contains(a.basis),
            "{what}: {}",
            duty.legal_basis
        );
        let validity = Validity::new(date(a.from), a.to.map(date));
        assert_eq!(duty.validity, validity, "{what}");
    }
}

#[test]
fn a_rate_printed_as_an_alternative_is_an_unknown_duty_quoting_its_text() {
    let err = builtin()
        .lookup(&query("8703231100", "2026-12-01"))
        .unwrap_err();
    let LookupError::RateNotRead { text, basis, .. } = &err else {
        panic!("expected RateNotRead, got {err:?}");
    };
    assert!(
        text.starts_with("15, либо 12,5, но не менее 0,79 евро за 1 см3"),
        "{text}"
    );
    assert_eq!(basis, "chapter 87, text of 22.01.2026");
    assert!(err.to_string().contains("is unknown"), "{err}");
}

/// The tree is built from the dashes: each line's parent is the nearest line above it with one
/// dash less. Roasted coffee is under "кофе жареный", not under unroasted decaffeinated.
#[test]
fn each_line_hangs_under_the_line_above_with_one_dash_less() {
    let edition = builtin().edition("ett2022").unwrap();
    let index = edition.line_index(&code("0901210001")).unwrap();
    let chain: Vec<(Option<String>, &str)> = edition
        .ancestry(index)
        .iter()
        .map(|l| (l.code.map(|c| c.to_string()), l.text_ru.as_str()))
        .collect();
    assert_eq!(
        chain,
        vec![
            (Some("0901".to_owned()), chain[0].1),
            (None, "кофе жареный"),
            (Some("090121000".to_owned()), "с кофеином"),
            (None, "в зернах"),
            (Some("0901210001".to_owned()), "арабика (Coffea arabica)"),
        ]
    );
    for (i, line) in edition.lines.iter().enumerate() {
        match line.parent {
            None => assert_eq!(line.level, 0, "line {} has no parent", line.seq),
            Some(p) => {
                let parent = &edition.lines[p as usize];
                assert_eq!(parent.level + 1, line.level, "line {}", line.seq);
                assert!((p as usize) < i, "line {}", line.seq);
                assert_eq!(parent.chapter, line.chapter, "line {}", line.seq);
                // Nothing between the parent and the line is shallower than the line.
                assert!(
                    edition.lines[p as usize + 1..i]
                        .iter()
                        .all(|between| between.level >= line.level),
                    "line {}",
                    line.seq
                );
            }
        }
    }
}

/// Headings of 4 to 9 digits are not declarable; no page header became a line.
#[test]
fn headings_of_four_to_nine_digits_are_not_declarable_and_page_headers_are_not_lines() {
    let snapshot = builtin();
    let edition = snapshot.edition("ett2022").unwrap();
    for (heading, kind) in [
        ("0901", LineKind::Heading),
        ("87021011", LineKind::Subheading8),
        ("870210119", LineKind::Subheading9),
        ("090121000", LineKind::Subheading9),
    ] {
        let line = edition
            .line(&code(heading))
            .unwrap_or_else(|| panic!("{heading}"));
        assert_eq!(line.kind, kind, "{heading}");
        let err = snapshot.lookup(&query(heading, "2026-12-01")).unwrap_err();
        assert!(
            matches!(err, LookupError::NotDeclarable { .. }),
            "{heading}: {err:?}"
        );
    }
    for line in &edition.lines {
        for header in ["Код ТН ВЭД", "Наименование позиции", "Доп. ед. изм"]
        {
            assert!(
                !line.text_ru.contains(header),
                "line {}: {}",
                line.seq,
                line.text_ru
            );
        }
    }
    let counts = |kind| edition.lines.iter().filter(|l| l.kind == kind).count();
    assert_eq!(counts(LineKind::Heading), 957);
    assert_eq!(counts(LineKind::Code10), 13_289);
    assert_eq!(counts(LineKind::Intermediate), 3_139);
}

/// Chapter and section titles are whole, in both editions.
#[test]
fn section_and_chapter_titles_are_whole() {
    let snapshot = builtin();
    for id in ["ett2017", "ett2022"] {
        let edition = snapshot.edition(id).unwrap();
        let xvi = edition.section("XVI").unwrap();
        assert!(
            xvi.title_ru.ends_with("АППАРАТУРА ДЛЯ ЗАПИСИ И ВОСПРОИЗВЕДЕНИЯ ТЕЛЕВИЗИОННОГО ИЗОБРАЖЕНИЯ И ЗВУКА, ИХ ЧАСТИ И ПРИНАДЛЕЖНОСТИ"),
            "{id}: {}",
            xvi.title_ru
        );
        for title in edition
            .sections
            .iter()
            .map(|s| &s.title_ru)
            .chain(edition.chapters.iter().map(|c| &c.title_ru))
        {
            assert!(
                !title.ends_with([';', ',', ':']) && !title.ends_with(" И"),
                "{id}: cut title {title:?}"
            );
        }
    }
    let line = snapshot
        .edition("ett2017")
        .unwrap()
        .line(&code("8471300000"))
        .unwrap();
    assert!(
        !line.text_ru.contains("- машины вычислительные прочие"),
        "the 2017 merged line is split: {}",
        line.text_ru
    );
}

/// A code first printed in a later text has no rate before that text.
#[test]
fn a_code_first_printed_in_a_later_text_has_no_rate_before_it() {
    let snapshot = builtin();
    let err = snapshot
        .lookup(&query("3202900001", "2026-03-07"))
        .unwrap_err();
    assert!(matches!(err, LookupError::NoRate { .. }), "{err:?}");
    let found = snapshot.lookup(&query("3202900001", "2026-03-08")).unwrap();
    // Note 110С (0 % from Decision No. 13 of 30.01.2026 to 31.12.2028) applies from the day
    // the code is in the data.
    assert_eq!(found.import_duty.layer, Layer::Temporary);
    assert_eq!(
        found.import_duty.validity,
        Validity::new(date("2026-03-08"), Some(date("2028-12-31")))
    );
    assert_eq!(
        layer(&found.layers, Layer::Base).status,
        LayerStatus::Superseded
    );
}

/// The built-in bundle with one of its files edited, which must be refused.
fn refused_with(
    path: &'static str,
    edit: impl FnOnce(&str) -> String,
) -> tamga_tariff::BundleErrors {
    let mut files: Vec<(&'static str, &'static [u8])> = tamga_data::FILES.to_vec();
    let file = files
        .iter_mut()
        .find(|(name, _)| *name == path)
        .unwrap_or_else(|| panic!("{path} is not embedded"));
    let text = std::str::from_utf8(file.1).unwrap();
    file.1 = Box::leak(edit(text).into_bytes().into_boxed_slice());
    match tamga_tariff::load(&tamga_tariff::EmbeddedSource {
        name: "edited built-in bundle",
        files: Box::leak(files.into_boxed_slice()),
    }) {
        Ok(_) => panic!("the edited {path} was accepted"),
        Err(errors) => errors,
    }
}

/// The loader's refusals hold on the 2022 tables: a second rate for a code over a period the
/// first one covers, and a supplementary unit no unit has, are refused at their line.
#[test]
fn the_loader_refuses_an_overlap_and_an_unknown_unit_in_the_2022_tables() {
    let mut lines_in_file = 0;
    let errors = refused_with(RATES, |text| {
        lines_in_file = text.lines().count();
        format!(
            "{text}0901210001,09,2026-03-08,2026-03-08,,5,,\"chapter 09, text of 08.03.2026\",false\n"
        )
    });
    let line = lines_in_file as u64 + 1;
    assert!(
        errors
            .issues
            .iter()
            .any(|i| i.file.ends_with(RATES) && i.line == line && i.message.contains("overlaps")),
        "{errors}"
    );

    let mut beer_line = 0;
    let errors = refused_with(LINES, |text| {
        beer_line = text
            .lines()
            .position(|l| l.contains(",2202910000,"))
            .unwrap()
            + 1;
        text.replacen("безалкогольное пиво,л,", "безалкогольное пиво,бочка,", 1)
    });
    assert!(
        errors.issues.iter().any(|i| i.file.ends_with(LINES)
            && i.line == beer_line as u64
            && i.message.contains("бочка")),
        "{errors}"
    );
}
