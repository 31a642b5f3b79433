//! Import VAT (5010): base = customs value + duties + excise, times the state's rate on the day
//! (`data/union/vat_rates.csv`: Russia 18 % to 2018-12-31, 20 % from 2019-01-01; reduced 10 %).

use serde_json::{Value, json};

use crate::{amount, assert_totals, assessed, builtin, declaration, item, payment, with};

fn cod(date: &str, vat_rate: &str) -> Value {
    let goods = with(
        item("0302511000", "NO", "100000.00"),
        "vat_rate",
        json!(vat_rate),
    );
    assessed(
        builtin(),
        &declaration("RU", date, "RUB", json!({}), vec![goods]),
    )
}

#[test]
fn russian_vat_changes_from_18_to_20_percent_on_2019_01_01() {
    // Cod 6 % on 100,000.00 RUB: duty 6,000.00 both days; fee 500.00 (RU-863-2012) both days.
    // 2018-12-31: VAT = (100,000.00 + 6,000.00) × 18 % = 19,080.00
    //             total = 6,000.00 + 19,080.00 + 500.00 = 25,580.00
    // 2019-01-01: VAT = 106,000.00 × 20 % = 21,200.00
    //             total = 6,000.00 + 21,200.00 + 500.00 = 27,700.00
    let before = cod("2018-12-31", "standard");
    let vat = payment(&before, 0, "5010");
    assert_eq!(vat["rate"], "18%");
    assert_eq!(vat["base"], "106000");
    assert_eq!(amount(vat), "19080.00");
    assert_totals(
        &before,
        &[
            ("customs_value", "100000.00"),
            ("import_duty", "6000.00"),
            ("vat", "19080.00"),
            ("customs_fee", "500.00"),
            ("total", "25580.00"),
        ],
    );
    let after = cod("2019-01-01", "standard");
    let vat = payment(&after, 0, "5010");
    assert_eq!(vat["rate"], "20%");
    assert_eq!(amount(vat), "21200.00");
    let explanation = vat["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains("100000.00") && explanation.contains("6000.00"),
        "the VAT line shows its base: {explanation}"
    );
    assert_totals(
        &after,
        &[
            ("customs_value", "100000.00"),
            ("import_duty", "6000.00"),
            ("vat", "21200.00"),
            ("customs_fee", "500.00"),
            ("total", "27700.00"),
        ],
    );
}

#[test]
fn reduced_rate() {
    // RU reduced 10 %: VAT = 106,000.00 × 10 % = 10,600.00; total 6,000 + 10,600 + 500 = 17,100.00
    let out = cod("2019-06-10", "reduced");
    let vat = payment(&out, 0, "5010");
    assert_eq!(vat["rate"], "10%");
    assert_eq!(amount(vat), "10600.00");
    assert_eq!(out["totals"]["total"], "17100.00");
}

#[test]
fn exempt_item_pays_no_vat_and_says_so() {
    // VAT 0.00 (exempt); total = 6,000.00 + 0.00 + 500.00 = 6,500.00
    let out = cod("2019-06-10", "exempt");
    let vat = payment(&out, 0, "5010");
    assert_eq!(vat["rate"], "exempt");
    assert_eq!(amount(vat), "0.00");
    assert!(
        vat["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("exempt")),
        "{vat:#}"
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "100000.00"),
            ("import_duty", "6000.00"),
            ("vat", "0.00"),
            ("customs_fee", "500.00"),
            ("total", "6500.00"),
        ],
    );
}

#[test]
fn vat_is_computed_from_the_rounded_duty() {
    // Cod 6 % on 1,000,000.25 RUB, 2018-12-31 (VAT 18 %):
    // duty = 1,000,000.25 × 6 % = 60,000.015 → 60,000.02 (half-up)
    // VAT base = 1,000,000.25 + 60,000.02 = 1,060,000.27 (VAT is computed from the rounded duty)
    // VAT = 1,060,000.27 × 18 % = 190,800.0486 → 190,800.05
    let goods = item("0302511000", "NO", "1000000.25");
    let out = assessed(
        builtin(),
        &declaration("RU", "2018-12-31", "RUB", json!({}), vec![goods]),
    );
    assert_eq!(amount(payment(&out, 0, "2010")), "60000.02");
    let vat = payment(&out, 0, "5010");
    assert_eq!(vat["base"], "1060000.27");
    assert_eq!(amount(vat), "190800.05");
}

/// The legal basis of every line names the act a user can look up (the VAT and fee lines used
/// to cite the section numbers of the project's own notes, which users do not have).
#[test]
fn every_line_names_its_legal_act() {
    let out = cod("2019-06-10", "standard");
    let vat = payment(&out, 0, "5010");
    assert_eq!(
        vat["legal_basis"],
        "Tax Code of the Russian Federation, Article 164(3) as amended by Federal Law No. 303-FZ \
         of 3 Aug 2018; the base on import: Article 160(1)"
    );
    let fee = crate::fee(&out);
    assert!(
        fee["legal_basis"]
            .as_str()
            .is_some_and(|b| b.starts_with("Government of the Russian Federation Decree No. 863")),
        "{fee:#}"
    );
    let lines = out["items"][0]["payments"].as_array().expect("payments");
    for line in lines.iter().chain([fee]) {
        let basis = line["legal_basis"].as_str().expect("a legal basis");
        assert!(!basis.is_empty(), "{line:#}");
        assert!(!basis.contains("domain"), "{line:#}");
    }
    let rounding = out["rounding"]["source"]
        .as_str()
        .expect("the rounding rule's source");
    assert!(!rounding.contains("domain"), "{rounding}");
    assert!(rounding.contains("legal basis not verified"), "{rounding}");
    // An exempt line has no act of its own in the bundle, and says so.
    let exempt = cod("2019-06-10", "exempt");
    assert_eq!(
        payment(&exempt, 0, "5010")["legal_basis"],
        "(legal basis not verified)"
    );
}
