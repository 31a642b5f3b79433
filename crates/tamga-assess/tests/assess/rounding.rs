//! Rounding of payment lines: one function, `round_payment`, with the state's rule from the
//! bundle (`union/rounding_rules.csv`): to 0.01, half-up in the built-in data (legal basis not
//! verified: the legal rounding rule was not found).

use std::str::FromStr;

use serde_json::{Value, json};
use tamga_assess::assess::RoundingUsed;
use tamga_assess::round_payment;
use tamga_core::Decimal;
use tamga_tariff::snapshot::RoundingMode;

use crate::{
    amount, assert_totals, assessed, builtin, declaration, fee, item, payment, payments_bundle,
    payments_bundle_with,
};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn rule(mode: RoundingMode, scale: u32) -> RoundingUsed {
    RoundingUsed {
        mode,
        scale,
        source: "test".into(),
    }
}

#[test]
fn round_payment_half_up() {
    let half_up = rule(RoundingMode::HalfUp, 2);
    for (input, want) in [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),
        ("2.675", "2.68"),
        ("5.005", "5.01"),
        ("5.0049999", "5.00"),
        ("5.00500001", "5.01"),
        ("12000.0006", "12000.00"),
        ("-0.005", "-0.01"),
        ("7", "7.00"),
        ("0", "0.00"),
    ] {
        let got = round_payment(dec(input), &half_up);
        // Compared as text: the result always has exactly `scale` decimals.
        assert_eq!(got.to_string(), want, "half-up of {input}");
    }
}

#[test]
fn round_payment_half_even() {
    let half_even = rule(RoundingMode::HalfEven, 2);
    for (input, want) in [
        ("0.005", "0.00"),
        ("0.015", "0.02"),
        ("0.025", "0.02"),
        ("2.675", "2.68"),
        ("5.005", "5.00"),
        ("5.00500001", "5.01"),
        ("-0.015", "-0.02"),
        ("7", "7.00"),
    ] {
        let got = round_payment(dec(input), &half_even);
        assert_eq!(got.to_string(), want, "half-even of {input}");
    }
}

#[test]
fn round_payment_keeps_the_rule_scale() {
    assert_eq!(
        round_payment(dec("10.5"), &rule(RoundingMode::HalfUp, 0)).to_string(),
        "11"
    );
    assert_eq!(
        round_payment(dec("10.5"), &rule(RoundingMode::HalfEven, 0)).to_string(),
        "10"
    );
    assert_eq!(
        round_payment(dec("1.23456"), &rule(RoundingMode::HalfUp, 4)).to_string(),
        "1.2346"
    );
}

fn horses(customs_value: &str) -> Value {
    // 0101 29 100 0 horses for slaughter: 5 % (ett2017).
    assessed(
        builtin(),
        &declaration(
            "RU",
            "2019-06-10",
            "RUB",
            json!({}),
            vec![item("0101291000", "MN", customs_value)],
        ),
    )
}

#[test]
fn a_duty_line_ending_in_exactly_half_a_kopeck_rounds_up() {
    // CV 100.10 RUB × 5 % = 5.005 → 5.01 (half-up; half-even would give 5.00)
    // VAT = (100.10 + 5.01) × 20 % = 105.11 × 0.2 = 21.022 → 21.02
    // fee 500.00; total = 5.01 + 21.02 + 500.00 = 526.03
    let out = horses("100.10");
    assert_eq!(amount(payment(&out, 0, "2010")), "5.01");
    assert_eq!(amount(payment(&out, 0, "5010")), "21.02");
    assert_totals(
        &out,
        &[
            ("customs_value", "100.10"),
            ("import_duty", "5.01"),
            ("vat", "21.02"),
            ("customs_fee", "500.00"),
            ("total", "526.03"),
        ],
    );
    assert_eq!(out["rounding"]["rule"], "half_up");
    assert_eq!(out["rounding"]["scale"], 2);
}

#[test]
fn just_below_half_a_kopeck_rounds_down() {
    // CV 100.09 × 5 % = 5.0045 → 5.00; VAT = 105.09 × 0.2 = 21.018 → 21.02
    let out = horses("100.09");
    assert_eq!(amount(payment(&out, 0, "2010")), "5.00");
    assert_eq!(amount(payment(&out, 0, "5010")), "21.02");
}

#[test]
fn the_customs_value_in_national_currency_is_rounded_half_up() {
    // 0.50 USD × 70.0100 = 35.005 → 35.01 RUB
    // duty (cod 6 %) = 35.01 × 6 % = 2.1006 → 2.10
    // VAT = (35.01 + 2.10) × 20 % = 37.11 × 0.2 = 7.422 → 7.42
    // total = 2.10 + 7.42 + 500.00 = 509.52
    let out = assessed(
        builtin(),
        &declaration(
            "RU",
            "2019-06-10",
            "USD",
            json!({"USD": "70.0100"}),
            vec![item("0302511000", "NO", "0.50")],
        ),
    );
    assert_eq!(out["items"][0]["customs_value"], "35.01");
    assert_totals(
        &out,
        &[
            ("customs_value", "35.01"),
            ("import_duty", "2.10"),
            ("vat", "7.42"),
            ("customs_fee", "500.00"),
            ("total", "509.52"),
        ],
    );
}

#[test]
fn the_bundle_rule_is_the_one_applied_half_even_in_the_test_bundle() {
    // The payments test bundle rounds BY half-even. Tubes 7306 30 110 0 from DE: 5 % (heading
    // 7306 measure), 2020-05-15, in BYN; no BY fee schedule → fee not computed.
    // CV 100.10 × 5 % = 5.005 → 5.00 (half-even: 0 is even)
    // VAT = (100.10 + 5.00) × 20 % = 21.02; total = 5.00 + 21.02 = 26.02
    // CV 100.30 × 5 % = 5.015 → 5.02 (half-even: 2 is even)
    // VAT = (100.30 + 5.02) × 20 % = 105.32 × 0.2 = 21.064 → 21.06; total = 26.08
    for (value, duty, vat, total) in [
        ("100.10", "5.00", "21.02", "26.02"),
        ("100.30", "5.02", "21.06", "26.08"),
    ] {
        let out = assessed(
            payments_bundle(),
            &declaration(
                "BY",
                "2020-05-15",
                "BYN",
                json!({}),
                vec![crate::with(
                    item("7306301100", "DE", value),
                    "net_mass_kg",
                    json!("10"),
                )],
            ),
        );
        assert_eq!(out["rounding"]["rule"], "half_even");
        assert_totals(
            &out,
            &[
                ("customs_value", value),
                ("import_duty", duty),
                ("vat", vat),
                ("customs_fee", "null"),
                ("total", total),
            ],
        );
    }
}

/// Tubes 7306 30 110 0 from DE in Russia on 2020-05-15, customs value 100.10 RUB: 5 % (the
/// heading 7306 measure of the payments test bundle).
fn ru_tubes() -> Value {
    declaration(
        "RU",
        "2020-05-15",
        "RUB",
        json!({}),
        vec![crate::with(
            item("7306301100", "DE", "100.10"),
            "net_mass_kg",
            json!("10"),
        )],
    )
}

/// The fee is a payment line like the others: rounded once, by the state's rule. It used to be
/// rounded with `round_dp(2)`, which is banker's rounding whatever the state's rule says.
#[test]
fn the_customs_fee_is_rounded_by_the_state_rule() {
    let snapshot = payments_bundle_with(vec![(
        "union/customs_fees.csv",
        "state,schedule,valid_from,valid_to,value_over,value_up_to,amount,currency,legal_basis,source,verification\n\
         RU,RU-TEST,2020-01-01,2020-12-31,0.00,,1000.005,RUB,Test decree,test schedule,unverified\n"
            .to_owned(),
    )]);
    // duty 100.10 × 5 % = 5.005 → 5.01; VAT (100.10 + 5.01) × 20 % = 21.022 → 21.02
    // fee 1000.005 → 1000.01 half-up (banker's rounding gave 1000.00); total 1026.04
    let out = assessed(&snapshot, &ru_tubes());
    assert_eq!(amount(fee(&out)), "1000.01");
    assert_totals(
        &out,
        &[
            ("customs_value", "100.10"),
            ("import_duty", "5.01"),
            ("vat", "21.02"),
            ("customs_fee", "1000.01"),
            ("total", "1026.04"),
        ],
    );
}

/// The output prints each figure as computed: a state whose rule keeps three decimals gets
/// three, not the figure rounded again to two (output used to re-round with `round_dp(2)`).
#[test]
fn the_output_prints_the_rounded_figure_without_rounding_it_again() {
    let snapshot = payments_bundle_with(vec![(
        "union/rounding_rules.csv",
        "state,valid_from,valid_to,rule,scale,source,verification\n\
         RU,2010-01-01,,half_up,3,test rule with three places,unverified\n"
            .to_owned(),
    )]);
    // CV 100.100; duty 100.100 × 5 % = 5.005; VAT (100.100 + 5.005) × 20 % = 21.021;
    // fee 500.000; total 526.026. Rounded again to two places (banker's) they would print
    // 5.00, 21.02 and 526.03.
    let declared = ru_tubes();
    let out = assessed(&snapshot, &declared);
    assert_eq!(amount(payment(&out, 0, "2010")), "5.005");
    assert_eq!(amount(payment(&out, 0, "5010")), "21.021");
    assert_totals(
        &out,
        &[
            ("customs_value", "100.100"),
            ("import_duty", "5.005"),
            ("vat", "21.021"),
            ("customs_fee", "500.000"),
            ("total", "526.026"),
        ],
    );
    // The batch line writes the same figures.
    let parsed = tamga_assess::parse_declaration(&declared.to_string()).expect("parses");
    let computed = tamga_assess::compute(&snapshot, &parsed).expect("computed");
    let mut line = String::new();
    tamga_assess::render::computed_json_line(&mut line, 1, &parsed, &computed);
    let batch: Value = serde_json::from_str(&line).expect("the batch line is JSON");
    assert_eq!(batch["assessment"]["totals"], out["totals"]);
    assert_eq!(
        batch["assessment"]["items"][0]["payments"][0]["amount"],
        "5.005"
    );
    // The table too.
    let table = tamga_assess::render::assessment_table(&crate::assessment(&snapshot, &declared));
    assert!(table.contains("526.026"), "{table}");
}
