//! The project's worked examples (a published textbook problem and hand computations from
//! tariff extracts) where their codes and dates fall inside the bundled 2017 edition
//! (2017-01-22..2021-12-31), with the 2017 edition's own rates; and the example declarations of
//! `docs/examples/`.

use serde_json::{Value, json};
use tamga_assess::{assess, parse_declaration, render};

use crate::{
    amount, assert_totals, assessed, builtin, declaration, error_at, example, fee, item, payment,
    payments_bundle, with,
};

fn assess_example(name: &str) -> Value {
    let text = example(name);
    let parsed = parse_declaration(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let assessment = assess(builtin(), &parsed).unwrap_or_else(|e| panic!("{name}: {e}"));
    render::assessment_json(&assessment)
}

#[test]
fn coffee_and_smartphones_2026_on_the_2022_edition_from_docs_examples() {
    // docs/examples/ru_coffee_2026.json, 2026-03-16, USD 80.5000, EUR 93.2000.
    // Item 1: 0901 21 000 1 roasted arabica, "8, но не менее 0,16 евро за 1 кг" (chapter 09,
    // text of 25.04.2022); CV = 24,000 × 80.5 = 1,932,000.00; 8 % = 154,560.00 against
    // 3,000 kg × 0.16 × 93.2 = 44,736.00: duty 154,560.00;
    // VAT 22 % (RU from 2026) × (1,932,000.00 + 154,560.00) = 459,043.20.
    // Item 2: 8517 13 000 0 smartphones, "0" (chapter 85, text of 08.03.2026);
    // CV = 50,000 × 80.5 = 4,025,000.00; VAT 22 % = 885,500.00.
    // The Russian customs fee of 2026 is not in the bundle: not computed, and said.
    let out = assess_example("ru_coffee_2026.json");
    assert_eq!(out["tariff_edition"], "ett2022");
    let coffee = payment(&out, 0, "2010");
    assert_eq!(coffee["rate"], "8% min 0.16 EUR/kg");
    assert_eq!(amount(coffee), "154560.00");
    let basis = coffee["legal_basis"].as_str().unwrap();
    assert!(basis.contains("chapter 09, text of 25.04.2022"), "{basis}");
    assert_eq!(amount(payment(&out, 0, "5010")), "459043.20");
    let phones = payment(&out, 1, "2010");
    assert_eq!(amount(phones), "0.00");
    let basis = phones["legal_basis"].as_str().unwrap();
    assert!(basis.contains("chapter 85, text of 08.03.2026"), "{basis}");
    assert_eq!(amount(payment(&out, 1, "5010")), "885500.00");
    assert!(fee(&out)["amount"].is_null(), "{}", fee(&out));
    assert_totals(
        &out,
        &[
            ("customs_value", "5957000.00"),
            ("import_duty", "154560.00"),
            ("vat", "1344543.20"),
            ("customs_fee", "null"),
            ("total", "1499103.20"),
        ],
    );
}

#[test]
fn example_3_non_alcoholic_beer_2021_from_docs_examples() {
    // Example 3: 2202 91 000 0, 0.1 EUR/l (the same in ett2017); 10,000 l; CV 9,000 USD;
    // USD 74.0000, EUR 88.0000; 2021-03-15.
    // CV = 9,000 × 74 = 666,000.00
    // duty = 10,000 × 0.1 × 88 = 88,000.00
    // VAT = (666,000.00 + 88,000.00) × 20 % = 150,800.00
    // fee (RU-342-2020, 450,000–1,200,000) = 3,100.00
    // total = 88,000 + 150,800 + 3,100 = 241,900.00
    let out = assess_example("ru_beer_2021.json");
    assert_eq!(out["state"], "RU");
    assert_eq!(out["currency"], "RUB");
    assert_eq!(out["registration_date"], "2021-03-15");
    assert_eq!(out["items"][0]["code"], "2202910000");
    assert_eq!(out["items"][0]["customs_value"], "666000.00");
    let duty = payment(&out, 0, "2010");
    assert_eq!(duty["kind"], "import_duty");
    assert_eq!(duty["rate"], "0.1 EUR/l");
    assert_eq!(amount(duty), "88000.00");
    assert_eq!(amount(payment(&out, 0, "5010")), "150800.00");
    assert_eq!(amount(fee(&out)), "3100.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "666000.00"),
            ("import_duty", "88000.00"),
            ("vat", "150800.00"),
            ("customs_fee", "3100.00"),
            ("total", "241900.00"),
        ],
    );
    assert_eq!(
        out["exchange_rates"],
        json!([
            {"currency": "EUR", "rate": "88", "date": "2021-03-15", "source": "declaration"},
            {"currency": "USD", "rate": "74", "date": "2021-03-15", "source": "declaration"},
        ])
    );
}

#[test]
fn example_2_mineral_water_where_the_specific_part_wins_in_2021() {
    // Example 2 is dated 2023 (no rates in the bundle); the same goods on 2021-03-15 (VAT 20 %,
    // Decree 342 fee as in 2023). 2201 10 110 0: 15 % min 0.07 EUR/l (as in ett2017).
    // 20,000 l; CV 6,000 EUR × 80.0000 = 480,000.00
    // ad valorem 72,000.00; specific 20,000 × 0.07 × 80 = 112,000.00 → duty 112,000.00
    // VAT = (480,000.00 + 112,000.00) × 20 % = 118,400.00
    // fee: 480,000 in (450,000; 1,200,000] → 3,100.00
    // total = 112,000 + 118,400 + 3,100 = 233,500.00
    let goods = with(
        item("2201101100", "GE", "6000.00"),
        "quantities",
        json!({"l": "20000"}),
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
    let explanation = duty["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains(
            "max(480000.00 × 15% = 72000.00; 20000 l × 0.07 EUR × 80.0000 = 112000.00) = 112000.00"
        ),
        "{explanation}"
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "480000.00"),
            ("import_duty", "112000.00"),
            ("vat", "118400.00"),
            ("customs_fee", "3100.00"),
            ("total", "233500.00"),
        ],
    );
}

#[test]
fn example_4_kazakhstan_sweet_water_2019_from_docs_examples() {
    // Example 4 with the ett2017 rate of 2202 10 000 0: 8 %, but not less than 0.024 EUR/l (the
    // example's tariff extract says 0.02). 50,000 l; CV 20,000 USD; USD 450.00, EUR 490.00 KZT;
    // 2019-06-10 (VAT 12 %).
    // CV = 20,000 × 450 = 9,000,000.00 KZT
    // ad valorem = 720,000.00; specific = 50,000 × 0.024 × 490 = 588,000.00 (the extract's
    // 0.02 gives 490,000.00); the ad valorem part wins either way → duty 720,000.00
    // VAT = (9,000,000 + 720,000) × 12 % = 1,166,400.00
    // fee: Kazakhstan has no schedule in the bundle → not computed
    // total = 720,000.00 + 1,166,400.00 = 1,886,400.00 (the example's "duty + VAT")
    let out = assess_example("kz_sweet_water_2019.json");
    assert_eq!(out["currency"], "KZT");
    let duty = payment(&out, 0, "2010");
    assert_eq!(duty["rate"], "8% min 0.024 EUR/l");
    let explanation = duty["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains(
            "max(9000000.00 × 8% = 720000.00; 50000 l × 0.024 EUR × 490.0000 = 588000.00) = 720000.00"
        ),
        "{explanation}"
    );
    assert!(fee(&out)["amount"].is_null());
    assert_totals(
        &out,
        &[
            ("customs_value", "9000000.00"),
            ("import_duty", "720000.00"),
            ("vat", "1166400.00"),
            ("customs_fee", "null"),
            ("total", "1886400.00"),
        ],
    );
}

#[test]
fn multi_item_mineral_water_2019_from_docs_examples() {
    // 2019-06-10, EUR 72.0000, two items whose customs values are each under 200,000 RUB.
    // Item 1, 2201 10 110 0 (15 % min 0.07 EUR/l), 20,000 l, 2,000 EUR: CV 144,000.00
    //   ad valorem 21,600.00; specific 20,000 × 0.07 × 72 = 100,800.00 → duty 100,800.00
    //   VAT = (144,000 + 100,800) × 20 % = 48,960.00
    // Item 2, 2202 10 000 0 (8 % min 0.024 EUR/l), 10,000 l, 1,500 EUR: CV 108,000.00
    //   ad valorem 8,640.00; specific 10,000 × 0.024 × 72 = 17,280.00 → duty 17,280.00
    //   VAT = (108,000 + 17,280) × 20 % = 25,056.00
    // Total CV 252,000.00 → one fee of 1,000.00 (each alone would be in the 500.00 band)
    // totals: duty 118,080.00; VAT 74,016.00; total 118,080 + 74,016 + 1,000 = 193,096.00
    let out = assess_example("ru_mineral_water_multi_item_2019.json");
    assert_eq!(out["items"][0]["customs_value"], "144000.00");
    assert_eq!(amount(payment(&out, 0, "2010")), "100800.00");
    assert_eq!(amount(payment(&out, 0, "5010")), "48960.00");
    assert_eq!(out["items"][1]["customs_value"], "108000.00");
    assert_eq!(amount(payment(&out, 1, "2010")), "17280.00");
    assert_eq!(amount(payment(&out, 1, "5010")), "25056.00");
    assert_eq!(amount(fee(&out)), "1000.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "252000.00"),
            ("import_duty", "118080.00"),
            ("vat", "74016.00"),
            ("customs_fee", "1000.00"),
            ("total", "193096.00"),
        ],
    );
}

#[test]
fn bad_declaration_from_docs_examples_reports_all_its_errors() {
    let errors = parse_declaration(&example("bad_declaration.json"))
        .expect_err("bad_declaration.json must be refused")
        .0;
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let code = error_at(&errors, "items[0].code");
    assert!(code.message.contains("2202 has 4 digits"), "{code}");
    let value = error_at(&errors, "items[1].customs_value");
    assert!(
        value.message.contains("-5 is not greater than zero"),
        "{value}"
    );
    let field = error_at(&errors, "items[1].colour");
    assert!(field.message.starts_with("unknown field"), "{field}");
}

#[test]
fn example_5_belarus_cod_with_the_developing_country_preference() {
    // Example 5 with the ett2017 rate of 0302 51 100 0: 6 % (the example's extract says 5 %).
    // Origin JO (developing, to 2021-10-11), preference claimed; 2019-06-10; EUR 3.5000 BYN.
    // CV = 30,000 × 3.5 = 105,000.00 BYN
    // duty = 105,000.00 × 6 % × 75 % = 105,000.00 × 4.5 % = 4,725.00 (without: 6,300.00)
    // VAT (BY 20 %) = (105,000.00 + 4,725.00) × 20 % = 21,945.00
    // fee: no Belarusian schedule → not computed
    // total = 4,725.00 + 21,945.00 = 26,670.00
    // (With the extract's 5 %: 3,937.50 + 21,787.50 = 25,725.00.)
    let goods = with(
        item("0302511000", "JO", "30000.00"),
        "preference",
        json!("origin"),
    );
    let out = assessed(
        builtin(),
        &declaration(
            "BY",
            "2019-06-10",
            "EUR",
            json!({"EUR": "3.5000"}),
            vec![goods],
        ),
    );
    assert_eq!(out["currency"], "BYN");
    assert_totals(
        &out,
        &[
            ("customs_value", "105000.00"),
            ("import_duty", "4725.00"),
            ("vat", "21945.00"),
            ("customs_fee", "null"),
            ("total", "26670.00"),
        ],
    );
    // Without the claim: duty 6,300.00; VAT = 111,300.00 × 20 % = 22,260.00; total 28,560.00.
    let goods = item("0302511000", "JO", "30000.00");
    let out = assessed(
        builtin(),
        &declaration(
            "BY",
            "2019-06-10",
            "EUR",
            json!({"EUR": "3.5000"}),
            vec![goods],
        ),
    );
    assert_eq!(out["totals"]["import_duty"], "6300.00");
    assert_eq!(out["totals"]["vat"], "22260.00");
    assert_eq!(out["totals"]["total"], "28560.00");
}

#[test]
fn example_1_textbook_combined_rate_on_the_test_bundle() {
    // Example 1 has no code; the payments test bundle gives its rate, "100 %, but not less than
    // 2 EUR per litre", to code 2209000000 of a 2018 test edition. 650 l; CV 2,500 USD;
    // USD 37, EUR 45; 2018-06-01 (VAT 18 %, fee RU-863-2012).
    // CV = 2,500 × 37 = 92,500.00
    // ad valorem 92,500.00 × 100 % = 92,500.00; specific 650 × 2 × 45 = 58,500.00
    // duty = 92,500.00; VAT = (92,500 + 92,500) × 18 % = 33,300.00; fee ≤ 200,000 → 500.00
    // total = 92,500 + 33,300 + 500 = 126,300.00
    let goods = with(
        item("2209000000", "US", "2500.00"),
        "quantities",
        json!({"l": "650"}),
    );
    let out = assessed(
        payments_bundle(),
        &declaration(
            "RU",
            "2018-06-01",
            "USD",
            json!({"USD": "37", "EUR": "45"}),
            vec![goods],
        ),
    );
    assert_eq!(out["tariff_edition"], "t2018");
    assert_totals(
        &out,
        &[
            ("customs_value", "92500.00"),
            ("import_duty", "92500.00"),
            ("vat", "33300.00"),
            ("customs_fee", "500.00"),
            ("total", "126300.00"),
        ],
    );
}
