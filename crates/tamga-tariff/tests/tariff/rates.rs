// Rate expressions against the real 2017 CCT schedule, the project's worked examples (a
// textbook problem and hand computations), and property tests.

use std::str::FromStr;

use proptest::prelude::*;
use tamga_core::{CurrencyCode, Decimal, UnitCode};
use tamga_tariff::rate::{
    RateBasis, RateEvalError, RateEvaluation, RateExpr, RateKind, RateParseError, SpecificRate,
    split_note_refs,
};

const RATES_CSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eaeu/ett2017_import_duty_rates.csv"
);

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn rate(text: &str) -> RateExpr {
    RateExpr::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn eur() -> CurrencyCode {
    CurrencyCode::parse("EUR").unwrap()
}

fn usd() -> CurrencyCode {
    CurrencyCode::parse("USD").unwrap()
}

// --- The real schedule -----------------------------------------------------------------------

#[derive(serde::Deserialize)]
struct Row {
    code: String,
    rate_raw: String,
    rate_type: String,
    ad_valorem_pct: String,
    specific_amount: String,
    specific_currency: String,
    specific_per_qty: String,
    specific_unit_code: String,
    tariff_note_refs: String,
}

fn opt_decimal(text: &str) -> Option<Decimal> {
    (!text.is_empty()).then(|| d(text))
}

/// Checks one row against its own columns; returns what disagrees.
fn check_row(row: &Row) -> Result<RateKind, String> {
    let (text, notes) = split_note_refs(&row.rate_raw);
    if notes.join(";") != row.tariff_note_refs {
        return Err(format!("notes {notes:?} vs {:?}", row.tariff_note_refs));
    }
    let parsed = RateExpr::parse(text).map_err(|e| format!("parse: {e}"))?;
    let expected_kind = match row.rate_type.as_str() {
        "ad_valorem" => RateKind::AdValorem,
        "specific" => RateKind::Specific,
        // The data's "combined_max" is "X, but not less than Y": the larger part is charged.
        "combined_max" => RateKind::CombinedMin,
        "compound_sum" => RateKind::Sum,
        other => return Err(format!("unknown rate_type {other:?}")),
    };
    if parsed.kind() != expected_kind {
        return Err(format!("kind {} vs {}", parsed.kind(), row.rate_type));
    }
    if parsed.percent() != opt_decimal(&row.ad_valorem_pct) {
        return Err(format!(
            "percent {:?} vs {:?}",
            parsed.percent(),
            row.ad_valorem_pct
        ));
    }
    let specific = parsed.specific();
    let columns = (
        opt_decimal(&row.specific_amount),
        row.specific_currency.as_str(),
        opt_decimal(&row.specific_per_qty),
        row.specific_unit_code.as_str(),
    );
    let ours = (
        specific.map(|s| s.amount),
        specific.map_or("", |s| s.currency.as_str()),
        specific.map(|s| s.per_quantity),
        specific.map_or("", |s| s.unit.as_str()),
    );
    if ours != columns {
        return Err(format!("specific {ours:?} vs {columns:?}"));
    }
    // The official wording is reproduced exactly, so a screen can show it.
    if parsed.to_official_ru() != text {
        return Err(format!("official text {:?}", parsed.to_official_ru()));
    }
    let canonical = parsed.to_string();
    if RateExpr::parse(&canonical).as_ref() != Ok(&parsed) {
        return Err(format!("canonical {canonical:?} does not round-trip"));
    }
    if RateExpr::parse(&parsed.to_official_ru()).as_ref() != Ok(&parsed) {
        return Err("official text does not round-trip".to_owned());
    }
    Ok(parsed.kind())
}

/// Rows whose `tariff_note_refs` column lacks a note that the rate cell carries.
const KNOWN_MISSING_NOTE_REFS: &[(&str, &str)] = &[("0511919019", "1С")];

#[test]
fn every_rate_of_the_2017_schedule_parses_and_agrees_with_its_columns() {
    let mut reader = csv::Reader::from_path(RATES_CSV).expect("ett2017_import_duty_rates.csv");
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::<RateKind, usize>::new();
    let mut rows = 0;
    let mut with_notes = 0;
    for record in reader.deserialize::<Row>() {
        let mut row = record.expect("well-formed CSV row");
        rows += 1;
        if !row.tariff_note_refs.is_empty() {
            with_notes += 1;
        }
        if let Some(note) = KNOWN_MISSING_NOTE_REFS
            .iter()
            .find(|(code, _)| *code == row.code)
            .map(|(_, note)| *note)
        {
            // The source prints this marker with a Latin C, and the column missed it.
            assert_eq!(split_note_refs(&row.rate_raw).1, vec![note.to_owned()]);
            row.tariff_note_refs = note.to_owned();
        }
        match check_row(&row) {
            Ok(kind) => *counts.entry(kind).or_default() += 1,
            Err(why) => failures.push(format!("{} {:?}: {why}", row.code, row.rate_raw)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {rows} rates fail, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(rows, 12_176);
    assert_eq!(with_notes, 112);
    let parsed: usize = counts.values().sum();
    eprintln!("parsed {parsed} of {rows} CCT 2017 rates: {counts:?}");
    assert_eq!(parsed, 12_176);
    // The breakdown documented in data/README.md.
    assert_eq!(counts.get(&RateKind::AdValorem), Some(&10_394));
    assert_eq!(counts.get(&RateKind::Specific), Some(&607));
    assert_eq!(counts.get(&RateKind::CombinedMin), Some(&1_161));
    assert_eq!(counts.get(&RateKind::Sum), Some(&14));
    assert_eq!(counts.get(&RateKind::CombinedMax), None);
}

/// The engine's fast path (`compute`) charges exactly what `evaluate` explains, for every rate
/// of the schedule, whichever part wins.
#[test]
fn compute_and_evaluate_agree_on_every_rate_of_the_schedule() {
    let mut reader = csv::Reader::from_path(RATES_CSV).expect("ett2017_import_duty_rates.csv");
    let mut checked = 0;
    for record in reader.deserialize::<Row>() {
        let row = record.expect("well-formed CSV row");
        let (text, _) = split_note_refs(&row.rate_raw);
        let parsed = rate(text);
        for (cv, qty) in [
            (d("1000.00"), d("1")),
            (d("987654.32"), d("12345.678")),
            (d("0.01"), d("99999")),
        ] {
            let quantity = |_: &UnitCode| Some(qty);
            let exchange = |_: CurrencyCode| Some(d("88.1234"));
            let basis = RateBasis {
                customs_value: cv,
                quantity: &quantity,
                exchange_rate: &exchange,
            };
            let explained = parsed.evaluate(&basis).expect("evaluates").amount;
            assert_eq!(parsed.compute(&basis), Ok(explained), "{} {text}", row.code);
        }
        checked += 1;
    }
    assert_eq!(checked, 12_176);
}

// --- The two spellings -----------------------------------------------------------------------

#[test]
fn official_russian_and_canonical_texts_are_the_same_rate() {
    let pairs = [
        ("15, но не менее 0,07 евро за 1 л", "15% min 0.07 EUR/l"),
        ("15, но не более 0,07 евро за 1 л", "15% max 0.07 EUR/l"),
        ("4,5 плюс 0,02 евро за 1 кг", "4.5% + 0.02 EUR/kg"),
        ("250 долларов США за 1000 кг", "250 USD/1000kg"),
        ("1,6 евро за 1 см3 объема двигателя", "1.6 EUR/cm3_engine"),
        ("15", "15%"),
        ("12,5", "12.5%"),
        ("0,1 евро за 1 л", "0.1 EUR/l"),
        ("1,25 евро за 1 пару", "1.25 EUR/pair"),
        ("0,38 евро за 1 м2", "0.38 EUR/m2"),
        ("0,34 евро за 1 шт", "0.34 EUR/pcs"),
        ("1,75 евро за 1 кг", "1.75 EUR/kg"),
        (
            "9, но не менее 13,8 евро за 1 т полной массы",
            "9% min 13.8 EUR/t_gross_vehicle_weight",
        ),
        (
            "9, но не менее 9,7 евро за 1 м3 внутреннего объема кузова",
            "9% min 9.7 EUR/m3_body_volume",
        ),
        ("171 доллар США за 1000 кг", "171 USD/1000kg"),
        ("203 доллара США за 1000 кг", "203 USD/1000kg"),
    ];
    for (ru, en) in pairs {
        let from_ru = rate(ru);
        let from_en = rate(en);
        assert_eq!(from_ru, from_en, "{ru:?} vs {en:?}");
        assert_eq!(from_ru.to_string(), en);
        assert_eq!(from_en.to_official_ru(), ru);
    }
}

#[test]
fn parsed_parts_are_what_a_broker_reads_off_the_tariff() {
    let water = rate("15, но не менее 0,07 евро за 1 л");
    assert_eq!(
        water,
        RateExpr::CombinedMin {
            percent: d("15"),
            specific: SpecificRate {
                amount: d("0.07"),
                currency: eur(),
                per_quantity: Decimal::ONE,
                unit: UnitCode::parse("l").unwrap(),
            },
        }
    );
    let sugar = rate("250 долларов США за 1000 кг");
    assert_eq!(sugar.currency(), Some(usd()));
    assert_eq!(sugar.specific().unwrap().per_quantity, d("1000"));
    assert_eq!(sugar.specific_units().unwrap().as_str(), "kg");
    assert_eq!(sugar.percent(), None);
    assert_eq!(rate("15").specific(), None);
    // Surrounding whitespace and the plain "за 1000 пар" are fine; other spellings are not.
    assert_eq!(rate("  \t12,5 \n"), rate("12.5%"));
    assert_eq!(
        rate("1,25 евро за 1000 пар").to_string(),
        "1.25 EUR/1000pair"
    );
    assert_eq!(rate("15,000"), rate("15"));
}

#[test]
fn parse_errors_say_where_and_what() {
    let cases: [(&str, usize, &str); 8] = [
        ("", 1, "empty"),
        ("15, но не менее", 16, "a number after \"но не менее\""),
        ("15, но не менее 0,07 рублей за 1 л", 22, "a currency"),
        ("15% min 0.07 EUR/l and more", 20, "end of text"),
        ("0,1 евро за л", 13, "a quantity after \"за\""),
        ("1001", 1, "ceiling"),
        ("-15", 1, "negative"),
        ("15 <1С>", 4, "split_note_refs"),
    ];
    for (text, column, needle) in cases {
        let err: RateParseError = RateExpr::parse(text).expect_err(text);
        assert_eq!(err.column(), column, "{text:?}: {err}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("column {column}: ")),
            "{message}"
        );
        assert!(message.contains(needle), "{text:?}: {message}");
    }
}

// --- Evaluation: the worked examples ---------------------------------------------------------

struct Declared {
    customs_value: &'static str,
    quantities: Vec<(&'static str, &'static str)>,
    rates: Vec<(CurrencyCode, &'static str)>,
}

fn evaluate(rate_text: &str, declared: &Declared) -> Result<RateEvaluation, RateEvalError> {
    let quantity = |unit: &UnitCode| {
        declared
            .quantities
            .iter()
            .find(|(u, _)| *u == unit.as_str())
            .map(|(_, q)| d(q))
    };
    let exchange_rate = |currency: CurrencyCode| {
        declared
            .rates
            .iter()
            .find(|(c, _)| *c == currency)
            .map(|(_, r)| d(r))
    };
    let basis = RateBasis {
        customs_value: d(declared.customs_value),
        quantity: &quantity,
        exchange_rate: &exchange_rate,
    };
    rate(rate_text).evaluate(&basis)
}

fn duty(rate_text: &str, declared: &Declared) -> RateEvaluation {
    evaluate(rate_text, declared).unwrap_or_else(|e| panic!("{rate_text}: {e}"))
}

#[test]
fn example_1_combined_rate_ad_valorem_part_wins() {
    let declared = Declared {
        customs_value: "92500.00",
        quantities: vec![("l", "650")],
        rates: vec![(eur(), "45")],
    };
    let result = duty("100, но не менее 2 евро за 1 л", &declared);
    assert_eq!(result.ad_valorem_part, Some(d("92500.00")));
    assert_eq!(result.specific_part, Some(d("58500")));
    assert_eq!(result.amount, d("92500.00"));
}

#[test]
fn example_2_mineral_water_specific_part_wins() {
    let declared = Declared {
        customs_value: "480000.00",
        quantities: vec![("l", "20000"), ("kg", "20400")],
        rates: vec![(eur(), "80.0000"), (usd(), "74.0000")],
    };
    let result = duty("15, но не менее 0,07 евро за 1 л", &declared);
    assert_eq!(result.ad_valorem_part, Some(d("72000.00")));
    assert_eq!(result.specific_part, Some(d("112000.00")));
    assert_eq!(result.amount, d("112000.00"));
    assert_eq!(
        result.formula,
        "max(480000.00 × 15% = 72000.00; 20000 l × 0.07 EUR × 80.0000 = 112000.00) = 112000.00"
    );
}

#[test]
fn example_3_non_alcoholic_beer_specific_rate() {
    let declared = Declared {
        customs_value: "666000.00",
        quantities: vec![("l", "10000")],
        rates: vec![(eur(), "88.0000"), (usd(), "74.0000")],
    };
    let result = duty("0.1 EUR/l", &declared);
    assert_eq!(result.amount, d("88000.00"));
    assert_eq!(result.ad_valorem_part, None);
    assert_eq!(result.specific_part, Some(d("88000")));
}

#[test]
fn example_4_sweetened_water_in_tenge_ad_valorem_part_wins() {
    let declared = Declared {
        customs_value: "9000000.00",
        quantities: vec![("l", "50000")],
        rates: vec![(eur(), "490.00"), (usd(), "450.00")],
    };
    let result = duty("8% min 0.02 EUR/l", &declared);
    assert_eq!(result.ad_valorem_part, Some(d("720000.00")));
    assert_eq!(result.specific_part, Some(d("490000.00")));
    assert_eq!(result.amount, d("720000.00"));
}

#[test]
fn example_5_developing_country_pays_three_quarters() {
    let declared = Declared {
        customs_value: "105000.00",
        quantities: vec![],
        rates: vec![],
    };
    let cod = rate("5");
    let quantity = |_: &UnitCode| None;
    let exchange_rate = |_: CurrencyCode| None;
    let basis = RateBasis {
        customs_value: d(declared.customs_value),
        quantity: &quantity,
        exchange_rate: &exchange_rate,
    };
    let preferential = cod.scaled(d("0.75"));
    assert_eq!(preferential, rate("3.75%"));
    assert_eq!(preferential.evaluate(&basis).unwrap().amount, d("3937.50"));
    assert_eq!(cod.evaluate(&basis).unwrap().amount, d("5250.00"));
    // Least developed countries pay nothing.
    assert_eq!(
        cod.scaled(Decimal::ZERO).evaluate(&basis).unwrap().amount,
        Decimal::ZERO
    );
    // An ad valorem rate needs neither a quantity nor an exchange rate.
    assert_eq!(duty("5", &declared).amount, d("5250.00"));
}

#[test]
fn example_6_scaled_combined_rate_scales_both_parts() {
    let declared = Declared {
        customs_value: "171000.00",
        quantities: vec![("l", "5000")],
        rates: vec![(eur(), "95.0000")],
    };
    assert_eq!(duty("15% min 0.07 EUR/l", &declared).amount, d("33250.00"));
    let preferential = rate("15% min 0.07 EUR/l").scaled(d("0.75"));
    assert_eq!(preferential.to_string(), "11.25% min 0.0525 EUR/l");
    let quantity = |_: &UnitCode| Some(d("5000"));
    let exchange_rate = |_: CurrencyCode| Some(d("95.0000"));
    let basis = RateBasis {
        customs_value: d("171000.00"),
        quantity: &quantity,
        exchange_rate: &exchange_rate,
    };
    assert_eq!(preferential.evaluate(&basis).unwrap().amount, d("24937.50"));
}

#[test]
fn sum_rate_charges_both_parts() {
    let declared = Declared {
        customs_value: "100000.00",
        quantities: vec![("kg", "2000")],
        rates: vec![(eur(), "90.5")],
    };
    let result = duty("4,5 плюс 0,02 евро за 1 кг", &declared);
    assert_eq!(result.ad_valorem_part, Some(d("4500")));
    assert_eq!(result.specific_part, Some(d("3620")));
    assert_eq!(result.amount, d("8120"));
    assert!(
        result.formula.starts_with("(100000.00 × 4.5% = "),
        "{}",
        result.formula
    );
    assert!(
        result.formula.contains(") + (2000 kg × 0.02 EUR × 90.5 = "),
        "{}",
        result.formula
    );
}

#[test]
fn not_more_than_rate_charges_the_smaller_part() {
    let rate_text = "15, но не более 0,07 евро за 1 л";
    // 10,000 l × 0.07 × 90 = 63,000 is the ceiling.
    let small = Declared {
        customs_value: "100000",
        quantities: vec![("l", "10000")],
        rates: vec![(eur(), "90")],
    };
    assert_eq!(duty(rate_text, &small).amount, d("15000"));
    let large = Declared {
        customs_value: "1000000",
        ..small
    };
    let result = duty(rate_text, &large);
    assert_eq!(result.ad_valorem_part, Some(d("150000")));
    assert_eq!(result.amount, d("63000"));
    assert!(result.formula.starts_with("min("), "{}", result.formula);
}

#[test]
fn per_thousand_kilograms_in_us_dollars() {
    let declared = Declared {
        customs_value: "1000000",
        quantities: vec![("kg", "20500")],
        rates: vec![(usd(), "74.5"), (eur(), "88")],
    };
    let result = duty("250 долларов США за 1000 кг", &declared);
    // 20.5 tonnes × 250 USD × 74.5
    assert_eq!(result.amount, d("381812.5"));
    assert!(
        result.formula.contains("20500 kg / 1000 × 250 USD × 74.5"),
        "{}",
        result.formula
    );
}

#[test]
fn engine_displacement_rate() {
    let declared = Declared {
        customs_value: "900000",
        quantities: vec![("cm3_engine", "1998")],
        rates: vec![(eur(), "90")],
    };
    assert_eq!(
        duty("1,6 евро за 1 см3 объема двигателя", &declared).amount,
        d("287712")
    );
}

#[test]
fn evaluation_does_not_round() {
    let declared = Declared {
        customs_value: "0.01",
        quantities: vec![("kg", "0.333")],
        rates: vec![(eur(), "91.2345")],
    };
    assert_eq!(duty("12.5%", &declared).amount, d("0.00125"));
    assert_eq!(duty("0.017 EUR/kg", &declared).amount, d("0.5164785045"));
}

#[test]
fn missing_or_bad_inputs_are_errors_not_zero_duty() {
    let declared = Declared {
        customs_value: "480000.00",
        quantities: vec![("kg", "20400")],
        rates: vec![(usd(), "74")],
    };
    assert_eq!(
        evaluate("15% min 0.07 EUR/l", &declared),
        Err(RateEvalError::MissingQuantity {
            unit: UnitCode::parse("l").unwrap()
        })
    );
    assert_eq!(
        evaluate("0.1 EUR/kg", &declared),
        Err(RateEvalError::MissingExchangeRate { currency: eur() })
    );
    let negative = Declared {
        customs_value: "-1",
        ..declared
    };
    assert!(matches!(
        evaluate("5", &negative),
        Err(RateEvalError::NegativeInput {
            what: "customs value",
            ..
        })
    ));
    let negative_qty = Declared {
        customs_value: "1",
        quantities: vec![("kg", "-3")],
        rates: vec![(eur(), "90")],
    };
    assert!(matches!(
        evaluate("0.1 EUR/kg", &negative_qty),
        Err(RateEvalError::NegativeInput {
            what: "quantity",
            ..
        })
    ));
    let zero_rate = Declared {
        customs_value: "1",
        quantities: vec![("kg", "3")],
        rates: vec![(eur(), "0")],
    };
    assert!(matches!(
        evaluate("0.1 EUR/kg", &zero_rate),
        Err(RateEvalError::NonPositiveExchangeRate { .. })
    ));
}

#[test]
fn overflow_is_an_error() {
    let declared = Declared {
        customs_value: "79228162514264337593543950335",
        quantities: vec![("kg", "79228162514264337593543950335")],
        rates: vec![(eur(), "1000")],
    };
    assert_eq!(evaluate("1000%", &declared), Err(RateEvalError::Overflow));
    assert_eq!(
        evaluate("2 EUR/kg", &declared),
        Err(RateEvalError::Overflow)
    );
    // 1% of the largest value still fits.
    assert!(evaluate("1%", &declared).is_ok());
}

// --- Properties ------------------------------------------------------------------------------

const SAMPLES: &[&str] = &[
    "15",
    "12,5",
    "15%",
    "1,75 евро за 1 кг",
    "250 долларов США за 1000 кг",
    "15, но не менее 0,07 евро за 1 л",
    "15, но не более 0,07 евро за 1 л",
    "4,5 плюс 0,02 евро за 1 кг",
    "1,6 евро за 1 см3 объема двигателя",
    "9, но не менее 13,8 евро за 1 т полной массы",
    "9, но не менее 9,7 евро за 1 м3 внутреннего объема кузова",
    "15% min 0.07 EUR/l",
    "4.5% + 0.02 EUR/kg",
    "250 USD/1000kg",
    "1 EUR/1 3d",
];

fn decimal_any() -> impl Strategy<Value = Decimal> {
    (any::<u32>(), any::<u32>(), any::<u32>(), 0u32..=28)
        .prop_map(|(lo, mid, hi, scale)| Decimal::from_parts(lo, mid, hi, false, scale))
}

fn decimal_small() -> impl Strategy<Value = Decimal> {
    (0i64..10_000_000_000, 0u32..=8).prop_map(|(m, s)| Decimal::new(m, s))
}

fn percent() -> impl Strategy<Value = Decimal> {
    (0u32..=4).prop_flat_map(|s| (0i64..=1000 * 10i64.pow(s)).prop_map(move |m| Decimal::new(m, s)))
}

fn specific() -> impl Strategy<Value = SpecificRate> {
    let unit = prop_oneof![
        prop::sample::select(vec![
            "kg",
            "l",
            "pair",
            "pcs",
            "m2",
            "m3",
            "cm3_engine",
            "t_gross_vehicle_weight",
            "m3_body_volume",
        ])
        .prop_map(str::to_owned),
        "[a-z0-9_]{1,32}",
    ];
    let per = prop_oneof![
        Just(Decimal::ONE),
        Just(Decimal::ONE_THOUSAND),
        decimal_small().prop_filter("positive", |d| !d.is_zero()),
        decimal_any().prop_filter("positive", |d| !d.is_zero()),
    ];
    let amount = prop_oneof![decimal_small(), decimal_any()];
    let currency = prop_oneof![Just("EUR".to_owned()), Just("USD".to_owned()), "[A-Z]{3}"];
    (amount, currency, per, unit).prop_map(|(amount, currency, per_quantity, unit)| SpecificRate {
        amount,
        currency: CurrencyCode::parse(&currency).unwrap(),
        per_quantity,
        unit: UnitCode::parse(&unit).unwrap(),
    })
}

fn rate_expr() -> impl Strategy<Value = RateExpr> {
    prop_oneof![
        percent().prop_map(|percent| RateExpr::AdValorem { percent }),
        specific().prop_map(RateExpr::Specific),
        (percent(), specific())
            .prop_map(|(percent, specific)| RateExpr::CombinedMin { percent, specific }),
        (percent(), specific())
            .prop_map(|(percent, specific)| RateExpr::CombinedMax { percent, specific }),
        (percent(), specific()).prop_map(|(percent, specific)| RateExpr::Sum { percent, specific }),
    ]
}

/// A valid rate with one character removed, replaced or inserted, or cut short.
fn mutated_sample() -> impl Strategy<Value = String> {
    (
        prop::sample::select(SAMPLES),
        any::<usize>(),
        any::<char>(),
        0u8..4,
    )
        .prop_map(|(sample, at, ch, op)| {
            let mut chars: Vec<char> = sample.chars().collect();
            let at = at % (chars.len() + 1);
            match op {
                0 => chars.truncate(at),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                2 if at < chars.len() => chars[at] = ch,
                _ => chars.insert(at, ch),
            }
            chars.into_iter().collect()
        })
}

fn check_parse_total(text: &str) {
    match RateExpr::parse(text) {
        Ok(parsed) => {
            assert_eq!(
                RateExpr::parse(&parsed.to_string()),
                Ok(parsed.clone()),
                "{text:?}"
            );
            assert_eq!(
                RateExpr::parse(&parsed.to_official_ru()),
                Ok(parsed),
                "{text:?}"
            );
        }
        Err(e) => {
            let len = text.chars().count();
            assert!(e.column() >= 1 && e.column() <= len + 1, "{text:?}: {e}");
        }
    }
}

#[test]
fn every_prefix_and_suffix_of_a_valid_rate_is_handled() {
    for sample in SAMPLES {
        let chars: Vec<char> = sample.chars().collect();
        for cut in 0..=chars.len() {
            check_parse_total(&chars[..cut].iter().collect::<String>());
            check_parse_total(&chars[cut..].iter().collect::<String>());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_any_text(text in any::<String>()) {
        check_parse_total(&text);
    }

    #[test]
    fn parse_never_panics_on_rate_like_text(text in "[0-9.,% <>СCa-zа-яA-Z/+-]{0,40}") {
        check_parse_total(&text);
    }

    #[test]
    fn parse_never_panics_on_mutated_rates(text in mutated_sample()) {
        check_parse_total(&text);
    }

    #[test]
    fn split_note_refs_never_panics_and_only_removes_markers(text in any::<String>()) {
        let (rest, notes) = split_note_refs(&text);
        prop_assert!(text.starts_with(rest));
        prop_assert!(notes.iter().all(|n| n.ends_with('С')));
    }

    #[test]
    fn canonical_and_official_texts_round_trip(expr in rate_expr()) {
        prop_assert_eq!(RateExpr::parse(&expr.to_string()), Ok(expr.clone()));
        prop_assert_eq!(RateExpr::parse(&expr.to_official_ru()), Ok(expr.clone()));
        prop_assert_eq!(RateExpr::parse(&expr.scaled(Decimal::new(75, 2)).to_string()), Ok(expr.scaled(Decimal::new(75, 2))));
    }

    #[test]
    fn evaluate_never_panics_on_huge_values(
        expr in rate_expr(),
        customs_value in decimal_any(),
        quantity in decimal_any(),
        exchange_rate in decimal_any(),
    ) {
        let q = |_: &UnitCode| Some(quantity);
        let x = |_: CurrencyCode| Some(exchange_rate);
        let basis = RateBasis { customs_value, quantity: &q, exchange_rate: &x };
        match expr.evaluate(&basis) {
            Ok(result) => {
                prop_assert!(!result.amount.is_sign_negative() || result.amount.is_zero());
                let av = result.ad_valorem_part;
                let sp = result.specific_part;
                let expected = match expr.kind() {
                    RateKind::AdValorem => av,
                    RateKind::Specific => sp,
                    RateKind::CombinedMin => av.zip(sp).map(|(a, s)| a.max(s)),
                    RateKind::CombinedMax => av.zip(sp).map(|(a, s)| a.min(s)),
                    RateKind::Sum => av.zip(sp).and_then(|(a, s)| a.checked_add(s)),
                };
                prop_assert_eq!(Some(result.amount), expected);
            }
            Err(RateEvalError::Overflow) => {}
            Err(RateEvalError::NonPositiveExchangeRate { .. }) => prop_assert!(exchange_rate.is_zero()),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}
