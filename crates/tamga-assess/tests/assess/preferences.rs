//! Tariff preferences by origin (CU Commission Decision 130; `data/union/country_groups.csv`,
//! `preference_regimes.csv`): least developed countries (AF) pay 0 % of the rate, developing
//! countries (JO, in the list to 2021-10-11) 75 %, when the preference is claimed (box 36).
//!
//! Goods: cod 0302 51 100 0 at 6 % (ett2017), CV 10,000 EUR × 72.0000 = 720,000.00 RUB, declared
//! in Russia on 2019-06-10 (VAT 20 %, fee 2,000.00 for 720,000.00 under RU-863-2012).

use serde_json::{Value, json};

use crate::{amount, assert_totals, assessed, builtin, declaration, item, payment, with};

fn cod(origin: &str, preference: &str, date: &str) -> Value {
    let goods = with(
        item("0302511000", origin, "10000.00"),
        "preference",
        json!(preference),
    );
    assessed(
        builtin(),
        &declaration("RU", date, "EUR", json!({"EUR": "72.0000"}), vec![goods]),
    )
}

#[test]
fn least_developed_origin_with_preference_pays_no_duty() {
    // duty = 720,000.00 × 6 % × 0 % = 0.00
    // VAT = (720,000.00 + 0.00) × 20 % = 144,000.00
    // total = 0.00 + 144,000.00 + 2,000.00 = 146,000.00
    let out = cod("AF", "origin", "2019-06-10");
    let duty = payment(&out, 0, "2010");
    assert_eq!(amount(duty), "0.00");
    assert_eq!(duty["rate"], "0%");
    let explanation = duty["explanation"].as_str().expect("explanation");
    assert!(explanation.contains("preference"), "{explanation}");
    assert_totals(
        &out,
        &[
            ("customs_value", "720000.00"),
            ("import_duty", "0.00"),
            ("vat", "144000.00"),
            ("customs_fee", "2000.00"),
            ("total", "146000.00"),
        ],
    );
}

#[test]
fn developing_origin_with_preference_pays_75_percent_of_the_rate() {
    // rate = 6 % × 75 % = 4.5 %; duty = 720,000.00 × 4.5 % = 32,400.00
    // VAT = (720,000.00 + 32,400.00) × 20 % = 752,400.00 × 0.2 = 150,480.00
    // total = 32,400.00 + 150,480.00 + 2,000.00 = 184,880.00
    let out = cod("JO", "origin", "2019-06-10");
    let duty = payment(&out, 0, "2010");
    assert_eq!(duty["rate"], "4.5%");
    assert_eq!(amount(duty), "32400.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "720000.00"),
            ("import_duty", "32400.00"),
            ("vat", "150480.00"),
            ("customs_fee", "2000.00"),
            ("total", "184880.00"),
        ],
    );
}

#[test]
fn the_same_goods_without_a_claim_pay_the_full_rate() {
    // duty = 720,000.00 × 6 % = 43,200.00; VAT = 763,200.00 × 20 % = 152,640.00
    // total = 43,200.00 + 152,640.00 + 2,000.00 = 197,840.00, for AF and JO alike.
    for origin in ["AF", "JO"] {
        let out = cod(origin, "none", "2019-06-10");
        let duty = payment(&out, 0, "2010");
        assert_eq!(duty["rate"], "6%", "{origin}");
        assert_eq!(amount(duty), "43200.00", "{origin}");
        assert_totals(
            &out,
            &[
                ("customs_value", "720000.00"),
                ("import_duty", "43200.00"),
                ("vat", "152640.00"),
                ("customs_fee", "2000.00"),
                ("total", "197840.00"),
            ],
        );
    }
}

#[test]
fn an_origin_in_no_group_gets_nothing_from_a_claim() {
    // Norway is in no preference group: the claim changes nothing, 43,200.00 as above.
    let out = cod("NO", "origin", "2019-06-10");
    assert_eq!(amount(payment(&out, 0, "2010")), "43200.00");
}

#[test]
fn developing_preference_ends_with_the_membership() {
    // JO left the developing list after 2021-10-11. On 2021-10-11 it still pays 4.5 %:
    //   32,400.00; VAT 150,480.00; fee 3,100.00 (RU-342-2020, 450,000–1,200,000)
    //   total = 32,400.00 + 150,480.00 + 3,100.00 = 185,980.00
    // On 2021-10-12 the full 6 %: 43,200.00; VAT 152,640.00; total 43,200 + 152,640 + 3,100
    //   = 198,940.00
    let last = cod("JO", "origin", "2021-10-11");
    assert_totals(
        &last,
        &[
            ("customs_value", "720000.00"),
            ("import_duty", "32400.00"),
            ("vat", "150480.00"),
            ("customs_fee", "3100.00"),
            ("total", "185980.00"),
        ],
    );
    let after = cod("JO", "origin", "2021-10-12");
    assert_totals(
        &after,
        &[
            ("customs_value", "720000.00"),
            ("import_duty", "43200.00"),
            ("vat", "152640.00"),
            ("customs_fee", "3100.00"),
            ("total", "198940.00"),
        ],
    );
}

#[test]
fn developing_preference_scales_both_parts_of_a_combined_rate() {
    // 2201 10 110 0 mineral water, 15 % min 0.07 EUR/l, from JO with the preference, 2021-03-15:
    // rate × 75 % = 11.25 % min 0.0525 EUR/l. 20,000 l; CV = 6,000 EUR × 80 = 480,000.00
    // ad valorem = 480,000.00 × 11.25 % = 54,000.00
    // specific   = 20,000 × 0.0525 × 80.0000 = 84,000.00   (= 112,000.00 × 75 %)
    // duty = 84,000.00; VAT = (480,000.00 + 84,000.00) × 20 % = 112,800.00
    // fee: 480,000.00 in (450,000; 1,200,000], RU-342-2020 → 3,100.00
    // total = 84,000.00 + 112,800.00 + 3,100.00 = 199,900.00
    let goods = with(
        with(
            item("2201101100", "JO", "6000.00"),
            "quantities",
            json!({"l": "20000"}),
        ),
        "preference",
        json!("origin"),
    );
    let out = assessed(
        builtin(),
        &declaration(
            "RU",
            "2021-03-15",
            "EUR",
            json!({"EUR": "80.0000"}),
            vec![goods],
        ),
    );
    let duty = payment(&out, 0, "2010");
    assert_eq!(duty["rate"], "11.25% min 0.0525 EUR/l");
    assert_eq!(amount(duty), "84000.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "480000.00"),
            ("import_duty", "84000.00"),
            ("vat", "112800.00"),
            ("customs_fee", "3100.00"),
            ("total", "199900.00"),
        ],
    );
}

#[test]
fn a_preferential_duty_line_names_the_preference_legal_basis() {
    // The issue: each payment line says which measure applied and its legal basis. The
    // preference is CU Commission Decision 130 (data/union/preference_regimes.csv).
    for (origin, group) in [("AF", "least_developed"), ("JO", "developing")] {
        let out = cod(origin, "origin", "2019-06-10");
        let duty = payment(&out, 0, "2010");
        let basis = duty["legal_basis"].as_str().expect("legal basis");
        assert!(
            basis.contains("Decision 130") && basis.contains(group),
            "{origin}: {basis}"
        );
    }
}
