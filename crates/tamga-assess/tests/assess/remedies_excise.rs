//! Trade-remedy duties (2040 safeguard, 2050 anti-dumping, 2060 countervailing) and excise, on
//! the payments test bundle (`tests/bundles/payments`; the real data has neither). They come on
//! top of the import duty and enter the VAT base: VAT base = CV + duty + remedies + excise.
//!
//! Russia, 2020-05-15: VAT 20 %, fee schedule RU-863-2012 (to 2020-07-31).

use serde_json::{Value, json};

use crate::{
    amount, assert_totals, assessed, declaration, fee, item, payment, payment_codes,
    payments_bundle, with,
};

fn ru(date: &str, goods: Value) -> Value {
    assessed(
        payments_bundle(),
        &declaration("RU", date, "EUR", json!({"EUR": "80.0000"}), vec![goods]),
    )
}

fn tubes(origin: &str) -> Value {
    // 7306 30 110 0 precision tubes; 10,000 kg net; CV 10,000 EUR × 80.0000 = 800,000.00 RUB.
    with(
        item("7306301100", origin, "10000.00"),
        "net_mass_kg",
        json!("10000"),
    )
}

#[test]
fn tubes_of_chinese_origin_bear_all_three_remedies() {
    // duty (2010), heading 7306 base rate 5 %: 800,000.00 × 5 % = 40,000.00
    // safeguard (2040) on 7306 from CN, 0.05 EUR/kg: 10,000 × 0.05 × 80.0000 = 40,000.00
    // anti-dumping (2050) on 7306301100 from CN, 18.6 %: 800,000.00 × 18.6 % = 148,800.00
    // countervailing (2060) on 730630 from CN, 10 %: 800,000.00 × 10 % = 80,000.00
    // VAT base = 800,000 + 40,000 + 40,000 + 148,800 + 80,000 = 1,108,800.00
    // VAT = 1,108,800.00 × 20 % = 221,760.00
    // fee: 800,000.00 in (450,000; 1,200,000] → 2,000.00
    // total = 40,000 + 40,000 + 148,800 + 80,000 + 221,760 + 2,000 = 532,560.00
    let out = ru("2020-05-15", tubes("CN"));
    assert_eq!(
        payment_codes(&out, 0),
        ["2010", "2040", "2050", "2060", "5010"]
    );
    assert_eq!(amount(payment(&out, 0, "2010")), "40000.00");
    let safeguard = payment(&out, 0, "2040");
    assert_eq!(safeguard["kind"], "safeguard");
    assert_eq!(safeguard["rate"], "0.05 EUR/kg");
    assert_eq!(amount(safeguard), "40000.00");
    let antidumping = payment(&out, 0, "2050");
    assert_eq!(antidumping["kind"], "antidumping");
    assert_eq!(antidumping["rate"], "18.6%");
    assert_eq!(amount(antidumping), "148800.00");
    assert_eq!(
        antidumping["legal_basis"],
        "Test anti-dumping decision No. 7"
    );
    let explanation = antidumping["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains("ad-tubes-cn") && explanation.contains("CN"),
        "{explanation}"
    );
    let countervailing = payment(&out, 0, "2060");
    assert_eq!(countervailing["kind"], "countervailing");
    assert_eq!(amount(countervailing), "80000.00");
    let vat = payment(&out, 0, "5010");
    assert_eq!(vat["base"], "1108800");
    assert_eq!(amount(vat), "221760.00");
    assert_eq!(amount(fee(&out)), "2000.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "800000.00"),
            ("import_duty", "40000.00"),
            ("safeguard", "40000.00"),
            ("antidumping", "148800.00"),
            ("countervailing", "80000.00"),
            ("vat", "221760.00"),
            ("customs_fee", "2000.00"),
            ("total", "532560.00"),
        ],
    );
}

#[test]
fn the_same_tubes_of_another_origin_bear_none() {
    // DE: duty 40,000.00; VAT = (800,000 + 40,000) × 20 % = 168,000.00; fee 2,000.00
    // total = 40,000 + 168,000 + 2,000 = 210,000.00
    let out = ru("2020-05-15", tubes("DE"));
    assert_eq!(payment_codes(&out, 0), ["2010", "5010"]);
    assert_totals(
        &out,
        &[
            ("customs_value", "800000.00"),
            ("import_duty", "40000.00"),
            ("vat", "168000.00"),
            ("customs_fee", "2000.00"),
            ("total", "210000.00"),
        ],
    );
}

#[test]
fn the_anti_dumping_duty_ends_with_its_period() {
    // 2020-09-15: anti-dumping ended 2020-08-31; safeguard and countervailing remain.
    // VAT base = 800,000 + 40,000 + 40,000 + 80,000 = 960,000.00 → VAT 192,000.00
    // fee from 2020-08-01 (RU-342-2020): 800,000.00 in (450,000; 1,200,000] → 3,100.00
    // total = 40,000 + 40,000 + 80,000 + 192,000 + 3,100 = 355,100.00
    let out = ru("2020-09-15", tubes("CN"));
    assert_eq!(payment_codes(&out, 0), ["2010", "2040", "2060", "5010"]);
    assert_totals(
        &out,
        &[
            ("customs_value", "800000.00"),
            ("import_duty", "40000.00"),
            ("safeguard", "40000.00"),
            ("countervailing", "80000.00"),
            ("vat", "192000.00"),
            ("customs_fee", "3100.00"),
            ("total", "355100.00"),
        ],
    );
}

#[test]
fn specific_excise_in_national_currency_enters_the_vat_base() {
    // 2202 10 000 0 sweetened water (mini rate 8 % min 0.02 EUR/l), 10,000 l, from DE;
    // test excise 22 RUB/l (payment code 5200).
    // CV = 5,000 EUR × 80.0000 = 400,000.00
    // duty = max(400,000.00 × 8 % = 32,000.00; 10,000 × 0.02 × 80 = 16,000.00) = 32,000.00
    // excise = 10,000 l × 22 RUB = 220,000.00 (RUB is the national currency: rate 1)
    // VAT = (400,000 + 32,000 + 220,000) × 20 % = 652,000.00 × 0.2 = 130,400.00
    // fee: 400,000.00 in (200,000; 450,000] → 1,000.00
    // total = 32,000 + 220,000 + 130,400 + 1,000 = 383,400.00
    let goods = with(
        item("2202100000", "DE", "5000.00"),
        "quantities",
        json!({"l": "10000"}),
    );
    let out = ru("2020-05-15", goods);
    assert_eq!(payment_codes(&out, 0), ["2010", "5200", "5010"]);
    let excise = payment(&out, 0, "5200");
    assert_eq!(excise["kind"], "excise");
    assert_eq!(excise["rate"], "22 RUB/l");
    assert_eq!(amount(excise), "220000.00");
    assert_eq!(
        excise["legal_basis"],
        "Test excise law No. 11 (specific rate in national currency)"
    );
    let vat = payment(&out, 0, "5010");
    assert_eq!(vat["base"], "652000");
    assert_eq!(amount(vat), "130400.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "400000.00"),
            ("import_duty", "32000.00"),
            ("excise", "220000.00"),
            ("vat", "130400.00"),
            ("customs_fee", "1000.00"),
            ("total", "383400.00"),
        ],
    );
    // The national currency is not an exchange rate used.
    assert_eq!(
        out["exchange_rates"],
        json!([{"currency": "EUR", "rate": "80", "date": "2020-05-15", "source": "declaration"}])
    );
}

#[test]
fn ad_valorem_excise_enters_the_vat_base() {
    // 2202 99 190 0 other drinks: duty 12 %; test excise 10 %, charged (by the engine) on the
    // customs value. CV = 1,250 EUR × 80 = 100,000.00
    // duty = 100,000.00 × 12 % = 12,000.00
    // excise = 100,000.00 × 10 % = 10,000.00
    // VAT = (100,000 + 12,000 + 10,000) × 20 % = 122,000.00 × 0.2 = 24,400.00
    // fee: ≤ 200,000 → 500.00; total = 12,000 + 10,000 + 24,400 + 500 = 46,900.00
    // (Russian Tax Code art. 191 puts the import duty into the base of an ad valorem excise:
    // (100,000 + 12,000) × 10 % = 11,200.00. The engine charges it on the customs value; see the
    // report of these tests.)
    let out = ru("2020-05-15", item("2202991900", "DE", "1250.00"));
    assert_eq!(amount(payment(&out, 0, "5200")), "10000.00");
    assert_eq!(payment(&out, 0, "5010")["base"], "122000");
    assert_totals(
        &out,
        &[
            ("customs_value", "100000.00"),
            ("import_duty", "12000.00"),
            ("excise", "10000.00"),
            ("vat", "24400.00"),
            ("customs_fee", "500.00"),
            ("total", "46900.00"),
        ],
    );
}

#[test]
fn excise_is_national_kazakhstan_charges_none() {
    // The same water in KZ (EUR 450.0000 KZT), 2020-05-15: no KZ excise in the bundle.
    // CV = 5,000 × 450 = 2,250,000.00 KZT
    // duty = max(2,250,000 × 8 % = 180,000.00; 10,000 × 0.02 × 450 = 90,000.00) = 180,000.00
    // VAT (KZ 12 %) = 2,430,000.00 × 12 % = 291,600.00; fee not computed
    // total = 180,000.00 + 291,600.00 = 471,600.00
    let goods = with(
        item("2202100000", "DE", "5000.00"),
        "quantities",
        json!({"l": "10000"}),
    );
    let out = assessed(
        payments_bundle(),
        &declaration(
            "KZ",
            "2020-05-15",
            "EUR",
            json!({"EUR": "450.0000"}),
            vec![goods],
        ),
    );
    assert_eq!(payment_codes(&out, 0), ["2010", "5010"]);
    assert_totals(
        &out,
        &[
            ("customs_value", "2250000.00"),
            ("import_duty", "180000.00"),
            ("vat", "291600.00"),
            ("customs_fee", "null"),
            ("total", "471600.00"),
        ],
    );
}

#[test]
fn an_in_quota_claim_takes_the_in_quota_rate() {
    // The quota on 2202100000 (2020-04-01..2020-09-30, in-quota 5 %), claimed:
    // duty = 400,000.00 × 5 % = 20,000.00; excise 220,000.00 as above
    // VAT = (400,000 + 20,000 + 220,000) × 20 % = 128,000.00
    // total = 20,000 + 220,000 + 128,000 + 1,000 = 369,000.00
    let goods = with(
        with(
            item("2202100000", "DE", "5000.00"),
            "quantities",
            json!({"l": "10000"}),
        ),
        "in_quota",
        json!(true),
    );
    let out = ru("2020-05-15", goods);
    let duty = payment(&out, 0, "2010");
    assert_eq!(duty["rate"], "5%");
    assert_eq!(amount(duty), "20000.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "400000.00"),
            ("import_duty", "20000.00"),
            ("excise", "220000.00"),
            ("vat", "128000.00"),
            ("customs_fee", "1000.00"),
            ("total", "369000.00"),
        ],
    );
}
