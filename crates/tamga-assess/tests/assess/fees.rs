//! The customs fee (1010): once per declaration, banded by the total customs value, from the
//! state's schedule on the registration day (`data/union/customs_fees.csv`); "not computed",
//! never 0.00, where the bundle has no schedule.

use serde_json::{Value, json};

use crate::{amount, assert_totals, assessed, builtin, declaration, fee, item, payment, with};

/// Cod (0302 51 100 0, 6 %) declared in Russia at a customs value in RUB.
fn cod_in_rub(date: &str, customs_value: &str) -> Value {
    assessed(
        builtin(),
        &declaration(
            "RU",
            date,
            "RUB",
            json!({}),
            vec![item("0302511000", "NO", customs_value)],
        ),
    )
}

#[test]
fn exactly_200000_00_is_in_the_lowest_band() {
    // 2019-06-10, schedule RU-863-2012: (0; 200,000.00] → 500.00
    // duty = 200,000.00 × 6 % = 12,000.00; VAT = 212,000.00 × 20 % = 42,400.00
    // total = 12,000.00 + 42,400.00 + 500.00 = 54,900.00
    let out = cod_in_rub("2019-06-10", "200000.00");
    let line = fee(&out);
    assert_eq!(amount(line), "500.00");
    assert_eq!(line["base"], "200000");
    let explanation = line["explanation"].as_str().expect("explanation");
    assert!(explanation.contains("RU-863-2012"), "{explanation}");
    assert_totals(
        &out,
        &[
            ("customs_value", "200000.00"),
            ("import_duty", "12000.00"),
            ("vat", "42400.00"),
            ("customs_fee", "500.00"),
            ("total", "54900.00"),
        ],
    );
}

#[test]
fn one_kopeck_more_is_in_the_next_band() {
    // 200,000.01 → band (200,000; 450,000] → 1,000.00
    // duty = 200,000.01 × 6 % = 12,000.0006 → 12,000.00
    // VAT = (200,000.01 + 12,000.00) × 20 % = 42,400.002 → 42,400.00
    // total = 12,000.00 + 42,400.00 + 1,000.00 = 55,400.00
    let out = cod_in_rub("2019-06-10", "200000.01");
    assert_eq!(amount(fee(&out)), "1000.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "200000.01"),
            ("import_duty", "12000.00"),
            ("vat", "42400.00"),
            ("customs_fee", "1000.00"),
            ("total", "55400.00"),
        ],
    );
}

#[test]
fn the_2020_08_01_schedule_change() {
    // 200,000.00 RUB: RU-863-2012 to 2020-07-31 → 500.00; RU-342-2020 from 2020-08-01 → 775.00.
    let before = cod_in_rub("2020-07-31", "200000.00");
    assert_eq!(amount(fee(&before)), "500.00");
    let after = cod_in_rub("2020-08-01", "200000.00");
    let line = fee(&after);
    assert_eq!(amount(line), "775.00");
    let explanation = line["explanation"].as_str().expect("explanation");
    assert!(explanation.contains("RU-342-2020"), "{explanation}");
    // totals: 12,000.00 + 42,400.00 + 775.00 = 55,175.00
    assert_totals(
        &after,
        &[
            ("customs_value", "200000.00"),
            ("import_duty", "12000.00"),
            ("vat", "42400.00"),
            ("customs_fee", "775.00"),
            ("total", "55175.00"),
        ],
    );
}

#[test]
fn every_band_edge_of_both_schedules() {
    // (date, total customs value, fee) read off the schedules of Government Decree No. 863 of
    // 28 Dec 2004 as data/union/customs_fees.csv holds them.
    let cases = [
        ("2019-06-10", "0.01", "500.00"),
        ("2019-06-10", "450000.00", "1000.00"),
        ("2019-06-10", "450000.01", "2000.00"),
        ("2019-06-10", "1200000.00", "2000.00"),
        ("2019-06-10", "1200000.01", "5500.00"),
        ("2019-06-10", "2500000.00", "5500.00"),
        ("2019-06-10", "2500000.01", "7500.00"),
        ("2019-06-10", "5000000.00", "7500.00"),
        ("2019-06-10", "5000000.01", "20000.00"),
        ("2019-06-10", "10000000.00", "20000.00"),
        ("2019-06-10", "10000000.01", "30000.00"),
        ("2021-03-15", "200000.01", "1550.00"),
        ("2021-03-15", "450000.00", "1550.00"),
        ("2021-03-15", "450000.01", "3100.00"),
        ("2021-03-15", "1200000.00", "3100.00"),
        ("2021-03-15", "1200000.01", "8530.00"),
        ("2021-03-15", "2700000.00", "8530.00"),
        ("2021-03-15", "2700000.01", "12000.00"),
        ("2021-03-15", "4200000.00", "12000.00"),
        ("2021-03-15", "4200000.01", "15500.00"),
        ("2021-03-15", "5500000.00", "15500.00"),
        ("2021-03-15", "5500000.01", "20000.00"),
        ("2021-03-15", "7000000.00", "20000.00"),
        ("2021-03-15", "7000000.01", "23000.00"),
        ("2021-03-15", "900000000.00", "23000.00"),
    ];
    for (date, value, want) in cases {
        let out = cod_in_rub(date, value);
        assert_eq!(
            amount(fee(&out)),
            want,
            "{date}, total customs value {value}"
        );
        assert_eq!(out["totals"]["customs_fee"], want, "{date}, {value}");
    }
}

#[test]
fn a_state_without_a_schedule_gets_no_fee_and_says_why() {
    // Kazakhstan, 2019-06-10: no schedule in the bundle. Cod 6 % on 1,000,000.00 KZT:
    // duty = 60,000.00; VAT (KZ 12 %) = 1,060,000.00 × 12 % = 127,200.00
    // fee: not computed (null), not 0.00; total = 60,000.00 + 127,200.00 = 187,200.00
    let out = assessed(
        builtin(),
        &declaration(
            "KZ",
            "2019-06-10",
            "KZT",
            json!({}),
            vec![item("0302511000", "NO", "1000000.00")],
        ),
    );
    assert_eq!(out["currency"], "KZT");
    let line = fee(&out);
    assert!(line["amount"].is_null(), "{line:#}");
    let explanation = line["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains("not computed") && explanation.contains("KZ"),
        "{explanation}"
    );
    assert!(
        out["totals"]["customs_fee"].is_null(),
        "{:#}",
        out["totals"]
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "1000000.00"),
            ("import_duty", "60000.00"),
            ("vat", "127200.00"),
            ("customs_fee", "null"),
            ("total", "187200.00"),
        ],
    );
}

#[test]
fn the_fee_is_charged_once_on_the_total_of_a_multi_item_declaration() {
    // 2019-06-10, RUB. Item 1 cod 6 %: CV 150,000.00 (alone: band ≤ 200,000 → 500)
    //   duty = 9,000.00; VAT = 159,000.00 × 20 % = 31,800.00
    // Item 2 non-alcoholic beer 0.1 EUR/l, 1,000 l, EUR 72.0000: CV 100,000.00 (alone: 500)
    //   duty = 1,000 × 0.1 × 72 = 7,200.00; VAT = 107,200.00 × 20 % = 21,440.00
    // Total CV = 250,000.00 → one fee of 1,000.00 (not 500 + 500)
    // total = 9,000 + 31,800 + 7,200 + 21,440 + 1,000 = 70,440.00
    let beer = with(
        item("2202910000", "DE", "100000.00"),
        "quantities",
        json!({"l": "1000"}),
    );
    let out = assessed(
        builtin(),
        &declaration(
            "RU",
            "2019-06-10",
            "RUB",
            json!({"EUR": "72.0000"}),
            vec![item("0302511000", "NO", "150000.00"), beer],
        ),
    );
    assert_eq!(out["items"][0]["number"], 1);
    assert_eq!(out["items"][1]["number"], 2);
    assert_eq!(amount(payment(&out, 0, "2010")), "9000.00");
    assert_eq!(amount(payment(&out, 0, "5010")), "31800.00");
    assert_eq!(amount(payment(&out, 1, "2010")), "7200.00");
    assert_eq!(amount(payment(&out, 1, "5010")), "21440.00");
    for index in 0..2 {
        let codes = crate::payment_codes(&out, index);
        assert!(
            !codes.contains(&"1010".to_owned()),
            "item {index}: {codes:?}"
        );
    }
    let line = fee(&out);
    assert_eq!(amount(line), "1000.00");
    assert_eq!(line["base"], "250000");
    assert_totals(
        &out,
        &[
            ("customs_value", "250000.00"),
            ("import_duty", "16200.00"),
            ("vat", "53240.00"),
            ("customs_fee", "1000.00"),
            ("total", "70440.00"),
        ],
    );
}

#[test]
fn the_table_says_the_fee_was_not_computed() {
    // The broker's table of the Kazakh declaration above: the fee line reads "not computed",
    // the total 187,200.00.
    let assessment = crate::assessment(
        builtin(),
        &declaration(
            "KZ",
            "2019-06-10",
            "KZT",
            json!({}),
            vec![item("0302511000", "NO", "1000000.00")],
        ),
    );
    let table = tamga_assess::render::assessment_table(&assessment);
    let fee_row = table
        .lines()
        .find(|l| l.contains("customs fee (1010)"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(fee_row.contains("not computed"), "{table}");
    assert!(!fee_row.contains("0.00"), "{table}");
    assert!(table.contains("187200.00"), "{table}");
    assert!(table.contains("note: customs fee not computed"), "{table}");
}
