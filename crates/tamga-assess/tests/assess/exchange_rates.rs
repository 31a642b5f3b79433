//! Exchange rates: box 23 first, then the bundle's `union/exchange_rates.csv` for the state and
//! the day; neither → an error naming the currency and the date. The payments test bundle has
//! RU EUR 80.0000 and USD 73.0000 on 2020-05-15 only.

use serde_json::{Value, json};

use crate::{
    amount, assert_totals, assessed, declaration, error_at, item, payment, payments_bundle,
    refused, with,
};

fn beer(customs_value: &str) -> Value {
    // 2202 91 000 0 non-alcoholic beer, mini rate 0.1 EUR/l, 1,000 l.
    with(
        item("2202910000", "DE", customs_value),
        "quantities",
        json!({"l": "1000"}),
    )
}

#[test]
fn rates_absent_from_the_declaration_come_from_the_bundle() {
    // No box 23. USD 73.0000 and EUR 80.0000 from the bundle, 2020-05-15.
    // CV = 1,000 USD × 73.0000 = 73,000.00
    // duty = 1,000 l × 0.1 EUR × 80.0000 = 8,000.00
    // VAT = (73,000.00 + 8,000.00) × 20 % = 16,200.00; fee ≤ 200,000 → 500.00
    // total = 8,000.00 + 16,200.00 + 500.00 = 24,700.00
    let declared = declaration(
        "RU",
        "2020-05-15",
        "USD",
        Value::Null,
        vec![beer("1000.00")],
    );
    let out = assessed(payments_bundle(), &declared);
    assert_eq!(
        out["exchange_rates"],
        json!([
            {"currency": "EUR", "rate": "80", "date": "2020-05-15", "source": "bundle"},
            {"currency": "USD", "rate": "73", "date": "2020-05-15", "source": "bundle"},
        ])
    );
    let duty = payment(&out, 0, "2010");
    let explanation = duty["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains("EUR rate 80.0000 on 2020-05-15 (bundle)"),
        "{explanation}"
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "73000.00"),
            ("import_duty", "8000.00"),
            ("vat", "16200.00"),
            ("customs_fee", "500.00"),
            ("total", "24700.00"),
        ],
    );
}

#[test]
fn box_23_wins_over_the_bundle_rate_by_rate() {
    // Box 23 gives USD 74.0000 only; EUR comes from the bundle (80.0000).
    // CV = 1,000 × 74.0000 = 74,000.00; duty = 8,000.00
    // VAT = 82,000.00 × 20 % = 16,400.00; total = 8,000 + 16,400 + 500 = 24,900.00
    let declared = declaration(
        "RU",
        "2020-05-15",
        "USD",
        json!({"USD": "74.0000"}),
        vec![beer("1000.00")],
    );
    let out = assessed(payments_bundle(), &declared);
    assert_eq!(
        out["exchange_rates"],
        json!([
            {"currency": "EUR", "rate": "80", "date": "2020-05-15", "source": "bundle"},
            {"currency": "USD", "rate": "74", "date": "2020-05-15", "source": "declaration"},
        ])
    );
    assert_eq!(amount(payment(&out, 0, "2010")), "8000.00");
    assert_eq!(out["totals"]["total"], "24900.00");
}

#[test]
fn a_rate_in_neither_is_an_error_naming_the_currency_and_the_date() {
    // 2020-05-16: the bundle has no rate that day. The customs value's currency (USD) is
    // reported at `exchange_rates`, the specific rate's currency (EUR) at `exchange_rates.EUR`.
    let declared = declaration(
        "RU",
        "2020-05-16",
        "USD",
        Value::Null,
        vec![beer("1000.00")],
    );
    let errors = refused(payments_bundle(), &declared.to_string());
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let usd = error_at(&errors, "exchange_rates");
    assert!(
        usd.message.contains("USD") && usd.message.contains("2020-05-16"),
        "{usd}"
    );
    let eur = error_at(&errors, "exchange_rates.EUR");
    assert!(
        eur.message.contains("EUR") && eur.message.contains("2020-05-16"),
        "{eur}"
    );
}

#[test]
fn the_bundle_rates_are_those_of_the_declaring_state() {
    // The bundle's KZ EUR rate (450 KZT) is not a Russian rate: a Russian declaration in EUR on
    // 2020-05-15 takes 80.0000; a customs value of 100 EUR is 8,000.00 RUB.
    let declared = declaration(
        "RU",
        "2020-05-15",
        "EUR",
        Value::Null,
        vec![item("2202991900", "DE", "100.00")],
    );
    let out = assessed(payments_bundle(), &declared);
    assert_eq!(out["items"][0]["customs_value"], "8000.00");
}

#[test]
fn the_recorded_rates_reproduce_the_assessment() {
    // Reproducibility: the output records the edition and every exchange rate used; the same
    // declaration with those rates written into box 23 gives the same figures without the
    // bundle's rate table (2020-05-15 rates, assessed as if declared).
    let first = assessed(
        payments_bundle(),
        &declaration(
            "RU",
            "2020-05-15",
            "USD",
            Value::Null,
            vec![beer("1000.00")],
        ),
    );
    let mut box_23 = serde_json::Map::new();
    for used in first["exchange_rates"].as_array().expect("rates") {
        box_23.insert(
            used["currency"].as_str().expect("currency").to_owned(),
            used["rate"].clone(),
        );
    }
    let again = assessed(
        payments_bundle(),
        &declaration(
            "RU",
            "2020-05-15",
            "USD",
            Value::Object(box_23),
            vec![beer("1000.00")],
        ),
    );
    assert_eq!(again["tariff_edition"], first["tariff_edition"]);
    assert_eq!(again["totals"], first["totals"]);
    assert_eq!(
        again["items"][0]["customs_value"],
        first["items"][0]["customs_value"]
    );
    for code in ["2010", "5010"] {
        assert_eq!(
            payment(&again, 0, code)["amount"],
            payment(&first, 0, code)["amount"]
        );
    }
    assert!(
        again["exchange_rates"]
            .as_array()
            .expect("rates")
            .iter()
            .all(|r| r["source"] == "declaration")
    );
}
