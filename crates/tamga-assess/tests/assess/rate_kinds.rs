//! Every kind of import-duty rate of the real 2017 tariff (edition ett2017, in force
//! 2017-01-22..2021-12-31), assessed in Russia on 2019-06-10: VAT 20 % (from 2019-01-01), fee
//! schedule RU-863-2012 (to 2020-07-31: ≤ 200,000 → 500; ≤ 450,000 → 1,000; ≤ 1,200,000 → 2,000;
//! ≤ 2,500,000 → 5,500). Box 23: EUR 72.0000 and USD 64.0000 RUB (illustrative).
//!
//! The codes and rates were read in `data/eaeu/ett2017_import_duty_rates.csv`; none of them has
//! a temporary-rate note or a measure in `data/measures.csv`.

use serde_json::{Value, json};

use crate::{amount, assert_totals, assessed, builtin, declaration, fee, item, payment, with};

const DATE: &str = "2019-06-10";

fn rates() -> Value {
    json!({"EUR": "72.0000", "USD": "64.0000"})
}

/// One item declared in Russia on [`DATE`], customs value in `currency`.
fn ru(currency: &str, item: Value) -> Value {
    assessed(
        builtin(),
        &declaration("RU", DATE, currency, rates(), vec![item]),
    )
}

/// Checks a payment line: its rate text, amount, and that its explanation holds every part.
fn check_line(line: &Value, rate: &str, want: &str, parts: &[&str]) {
    assert_eq!(line["rate"], rate, "{line:#}");
    assert_eq!(amount(line), want, "{line:#}");
    let explanation = line["explanation"].as_str().expect("explanation");
    for part in parts {
        assert!(
            explanation.contains(part),
            "the explanation must contain {part:?}: {explanation}"
        );
    }
}

#[test]
fn ad_valorem_cod_6_percent() {
    // 0302 51 100 0 cod (Gadus morhua): 6 % in ett2017 (an older extract says 5).
    // CV = 10,000 EUR × 72.0000 = 720,000.00
    // duty = 720,000.00 × 6 % = 43,200.00
    // VAT = (720,000.00 + 43,200.00) × 20 % = 763,200.00 × 0.2 = 152,640.00
    // fee: 720,000.00 in (450,000; 1,200,000] → 2,000.00
    // total = 43,200.00 + 152,640.00 + 2,000.00 = 197,840.00
    let out = ru("EUR", item("0302511000", "NO", "10000.00"));
    assert_eq!(out["items"][0]["customs_value"], "720000.00");
    let duty = payment(&out, 0, "2010");
    assert_eq!(duty["kind"], "import_duty");
    assert_eq!(duty["base"], "720000");
    check_line(
        duty,
        "6%",
        "43200.00",
        &["rate 6%", "720000.00 × 6% = 43200.00", "ett2017"],
    );
    let vat = payment(&out, 0, "5010");
    check_line(vat, "20%", "152640.00", &["20%", "152640.00"]);
    assert_eq!(vat["base"], "763200");
    assert_eq!(amount(fee(&out)), "2000.00");
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
    assert_eq!(out["currency"], "RUB");
    assert_eq!(out["tariff_edition"], "ett2017");
}

#[test]
fn ad_valorem_explanation_names_the_exchange_rate_of_the_customs_value() {
    // The issue: "each payment line says … the exchange rate and its date". The ad valorem duty
    // is charged on 10,000 EUR × 72.0000 = 720,000.00 RUB: the EUR rate of 2019-06-10 is what
    // made the base, so the line must name it.
    let out = ru("EUR", item("0302511000", "NO", "10000.00"));
    let duty = payment(&out, 0, "2010");
    let explanation = duty["explanation"].as_str().expect("explanation");
    assert!(
        explanation.contains("72.0000") && explanation.contains(DATE),
        "the duty line must name the EUR rate 72.0000 of {DATE}: {explanation}"
    );
}

#[test]
fn specific_per_kg_takes_net_mass_when_no_kg_quantity() {
    // 1806 31 000 0 chocolate with filling: 0.2 EUR per 1 kg; net mass 2,500 kg serves as kg.
    // CV = 5,000 EUR × 72 = 360,000.00
    // duty = 2,500 kg × 0.2 EUR × 72.0000 = 36,000.00
    // VAT = (360,000.00 + 36,000.00) × 20 % = 79,200.00
    // fee: 360,000.00 in (200,000; 450,000] → 1,000.00
    // total = 36,000.00 + 79,200.00 + 1,000.00 = 116,200.00
    let goods = with(
        item("1806310000", "DE", "5000.00"),
        "net_mass_kg",
        json!("2500"),
    );
    let out = ru("EUR", goods);
    let duty = payment(&out, 0, "2010");
    check_line(
        duty,
        "0.2 EUR/kg",
        "36000.00",
        &[
            "rate 0.2 EUR/kg",
            "2500 kg × 0.2 EUR × 72.0000 = 36000.00",
            "EUR rate 72.0000 on 2019-06-10 (declaration)",
        ],
    );
    assert_eq!(duty["base"], "2500");
    assert_eq!(amount(payment(&out, 0, "5010")), "79200.00");
    assert_eq!(amount(fee(&out)), "1000.00");
    assert_totals(
        &out,
        &[
            ("customs_value", "360000.00"),
            ("import_duty", "36000.00"),
            ("vat", "79200.00"),
            ("customs_fee", "1000.00"),
            ("total", "116200.00"),
        ],
    );
}

#[test]
fn specific_per_kg_prefers_the_declared_kg_quantity_over_net_mass() {
    // Same chocolate, quantities.kg = 2,400 given besides net mass 2,500: kg is 2,400.
    // duty = 2,400 × 0.2 × 72.0000 = 34,560.00
    let goods = with(
        with(
            item("1806310000", "DE", "5000.00"),
            "net_mass_kg",
            json!("2500"),
        ),
        "quantities",
        json!({"kg": "2400"}),
    );
    let out = ru("EUR", goods);
    assert_eq!(amount(payment(&out, 0, "2010")), "34560.00");
}

#[test]
fn specific_per_litre_non_alcoholic_beer() {
    // 2202 91 000 0 non-alcoholic beer: 0.1 EUR per 1 l; 1,000 l.
    // CV = 500 EUR × 72 = 36,000.00
    // duty = 1,000 l × 0.1 EUR × 72.0000 = 7,200.00
    // VAT = (36,000.00 + 7,200.00) × 20 % = 8,640.00
    // fee: 36,000.00 ≤ 200,000 → 500.00
    // total = 7,200.00 + 8,640.00 + 500.00 = 16,340.00
    let goods = with(
        item("2202910000", "DE", "500.00"),
        "quantities",
        json!({"l": "1000"}),
    );
    let out = ru("EUR", goods);
    check_line(
        payment(&out, 0, "2010"),
        "0.1 EUR/l",
        "7200.00",
        &[
            "rate 0.1 EUR/l (0,1 евро за 1 л)",
            "1000 l × 0.1 EUR × 72.0000 = 7200.00",
            "EUR rate 72.0000 on 2019-06-10",
        ],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "36000.00"),
            ("import_duty", "7200.00"),
            ("vat", "8640.00"),
            ("customs_fee", "500.00"),
            ("total", "16340.00"),
        ],
    );
}

#[test]
fn specific_per_pair_footwear() {
    // 6401 10 000 0 waterproof footwear with a metal toe-cap: 0.75 EUR per 1 pair; 400 pairs.
    // CV = 4,000 EUR × 72 = 288,000.00
    // duty = 400 pair × 0.75 EUR × 72.0000 = 300 × 72 = 21,600.00
    // VAT = (288,000.00 + 21,600.00) × 20 % = 309,600.00 × 0.2 = 61,920.00
    // fee: 288,000.00 in (200,000; 450,000] → 1,000.00
    // total = 21,600.00 + 61,920.00 + 1,000.00 = 84,520.00
    let goods = with(
        item("6401100000", "CN", "4000.00"),
        "quantities",
        json!({"pair": "400"}),
    );
    let out = ru("EUR", goods);
    check_line(
        payment(&out, 0, "2010"),
        "0.75 EUR/pair",
        "21600.00",
        &[
            "400 pair × 0.75 EUR × 72.0000 = 21600.00",
            "EUR rate 72.0000",
        ],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "288000.00"),
            ("import_duty", "21600.00"),
            ("vat", "61920.00"),
            ("customs_fee", "1000.00"),
            ("total", "84520.00"),
        ],
    );
}

#[test]
fn specific_per_piece_accumulators() {
    // 8507 10 800 9 lead-acid accumulators, other: 2.86 EUR per 1 piece; 150 pieces.
    // CV = 3,000 EUR × 72 = 216,000.00
    // duty = 150 × 2.86 × 72.0000 = 150 × 205.92 = 30,888.00
    // VAT = (216,000.00 + 30,888.00) × 20 % = 246,888.00 × 0.2 = 49,377.60
    // fee: 216,000.00 in (200,000; 450,000] → 1,000.00
    // total = 30,888.00 + 49,377.60 + 1,000.00 = 81,265.60
    let goods = with(
        item("8507108009", "KR", "3000.00"),
        "quantities",
        json!({"pcs": "150"}),
    );
    let out = ru("EUR", goods);
    check_line(
        payment(&out, 0, "2010"),
        "2.86 EUR/pcs",
        "30888.00",
        &["150 pcs × 2.86 EUR × 72.0000 = 30888.00"],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "216000.00"),
            ("import_duty", "30888.00"),
            ("vat", "49377.60"),
            ("customs_fee", "1000.00"),
            ("total", "81265.60"),
        ],
    );
}

#[test]
fn specific_per_thousand_pieces_cigarettes() {
    // 2402 20 100 0 cigarettes containing cloves: 2 EUR per 1000 pieces; 50,000 pieces.
    // CV = 1,000 EUR × 72 = 72,000.00
    // duty = 50,000 / 1000 × 2 EUR × 72.0000 = 50 × 144 = 7,200.00
    // VAT = (72,000.00 + 7,200.00) × 20 % = 15,840.00
    // fee: ≤ 200,000 → 500.00
    // total = 7,200.00 + 15,840.00 + 500.00 = 23,540.00
    let goods = with(
        item("2402201000", "ID", "1000.00"),
        "quantities",
        json!({"pcs": "50000"}),
    );
    let out = ru("EUR", goods);
    check_line(
        payment(&out, 0, "2010"),
        "2 EUR/1000pcs",
        "7200.00",
        &["2 евро за 1000 шт", "EUR rate 72.0000"],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "72000.00"),
            ("import_duty", "7200.00"),
            ("vat", "15840.00"),
            ("customs_fee", "500.00"),
            ("total", "23540.00"),
        ],
    );
}

#[test]
fn specific_per_square_metre_carpets() {
    // 5701 10 100 0 knotted carpets of wool with > 10 % silk: 0.38 EUR per 1 m2; 250 m2.
    // CV = 2,500 EUR × 72 = 180,000.00
    // duty = 250 m2 × 0.38 EUR × 72.0000 = 95 × 72 = 6,840.00
    // VAT = (180,000.00 + 6,840.00) × 20 % = 186,840.00 × 0.2 = 37,368.00
    // fee: 180,000.00 ≤ 200,000 → 500.00
    // total = 6,840.00 + 37,368.00 + 500.00 = 44,708.00
    let goods = with(
        item("5701101000", "IR", "2500.00"),
        "quantities",
        json!({"m2": "250"}),
    );
    let out = ru("EUR", goods);
    check_line(
        payment(&out, 0, "2010"),
        "0.38 EUR/m2",
        "6840.00",
        &["250 m2 × 0.38 EUR × 72.0000 = 6840.00"],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "180000.00"),
            ("import_duty", "6840.00"),
            ("vat", "37368.00"),
            ("customs_fee", "500.00"),
            ("total", "44708.00"),
        ],
    );
}

#[test]
fn specific_per_cubic_centimetre_of_engine() {
    // 8701 20 901 4 road tractors, used, more than 7 years old: 1 EUR per 1 cm3 of engine;
    // an engine of 12,000 cm3.
    // CV = 20,000 EUR × 72 = 1,440,000.00
    // duty = 12,000 cm3 × 1 EUR × 72.0000 = 864,000.00
    // VAT = (1,440,000.00 + 864,000.00) × 20 % = 2,304,000.00 × 0.2 = 460,800.00
    // fee: 1,440,000.00 in (1,200,000; 2,500,000] → 5,500.00
    // total = 864,000.00 + 460,800.00 + 5,500.00 = 1,330,300.00
    let goods = with(
        item("8701209014", "DE", "20000.00"),
        "quantities",
        json!({"cm3_engine": "12000", "pcs": "1"}),
    );
    let out = ru("EUR", goods);
    check_line(
        payment(&out, 0, "2010"),
        "1 EUR/cm3_engine",
        "864000.00",
        &[
            "1 евро за 1 см3 объема двигателя",
            "12000 cm3_engine × 1 EUR × 72.0000 = 864000.00",
        ],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "1440000.00"),
            ("import_duty", "864000.00"),
            ("vat", "460800.00"),
            ("customs_fee", "5500.00"),
            ("total", "1330300.00"),
        ],
    );
}

#[test]
fn combined_not_less_than_where_the_ad_valorem_part_wins() {
    // 2201 10 110 0 natural mineral water, still: 15 %, but not less than 0.07 EUR per 1 l.
    // 10,000 l; CV = 8,000 EUR × 72 = 576,000.00
    // ad valorem = 576,000.00 × 15 % = 86,400.00
    // specific   = 10,000 l × 0.07 EUR × 72.0000 = 50,400.00
    // duty = max = 86,400.00
    // VAT = (576,000.00 + 86,400.00) × 20 % = 662,400.00 × 0.2 = 132,480.00
    // fee: 576,000.00 in (450,000; 1,200,000] → 2,000.00
    // total = 86,400.00 + 132,480.00 + 2,000.00 = 220,880.00
    let goods = with(
        item("2201101100", "FR", "8000.00"),
        "quantities",
        json!({"l": "10000"}),
    );
    let out = ru("EUR", goods);
    let duty = payment(&out, 0, "2010");
    check_line(
        duty,
        "15% min 0.07 EUR/l",
        "86400.00",
        &[
            "15, но не менее 0,07 евро за 1 л",
            "max(576000.00 × 15% = 86400.00; 10000 l × 0.07 EUR × 72.0000 = 50400.00) = 86400.00",
            "EUR rate 72.0000 on 2019-06-10",
        ],
    );
    // A combined rate is charged on the customs value.
    assert_eq!(duty["base"], "576000");
    assert_totals(
        &out,
        &[
            ("customs_value", "576000.00"),
            ("import_duty", "86400.00"),
            ("vat", "132480.00"),
            ("customs_fee", "2000.00"),
            ("total", "220880.00"),
        ],
    );
}

#[test]
fn combined_not_less_than_where_the_specific_part_wins() {
    // The same water, 20,000 l at 2,000 EUR: CV = 2,000 × 72 = 144,000.00
    // ad valorem = 144,000.00 × 15 % = 21,600.00
    // specific   = 20,000 l × 0.07 EUR × 72.0000 = 100,800.00
    // duty = max = 100,800.00
    // VAT = (144,000.00 + 100,800.00) × 20 % = 244,800.00 × 0.2 = 48,960.00
    // fee: 144,000.00 ≤ 200,000 → 500.00
    // total = 100,800.00 + 48,960.00 + 500.00 = 150,260.00
    let goods = with(
        item("2201101100", "FR", "2000.00"),
        "quantities",
        json!({"l": "20000"}),
    );
    let out = ru("EUR", goods);
    check_line(
        payment(&out, 0, "2010"),
        "15% min 0.07 EUR/l",
        "100800.00",
        &["max(144000.00 × 15% = 21600.00; 20000 l × 0.07 EUR × 72.0000 = 100800.00) = 100800.00"],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "144000.00"),
            ("import_duty", "100800.00"),
            ("vat", "48960.00"),
            ("customs_fee", "500.00"),
            ("total", "150260.00"),
        ],
    );
}

#[test]
fn sum_rate_charges_both_parts() {
    // 3401 11 000 1 toilet soap: 4.5 % plus 0.02 EUR per 1 kg; 1,000 kg net.
    // CV = 4,000 EUR × 72 = 288,000.00
    // ad valorem = 288,000.00 × 4.5 % = 12,960.00
    // specific   = 1,000 kg × 0.02 EUR × 72.0000 = 1,440.00
    // duty = 12,960.00 + 1,440.00 = 14,400.00
    // VAT = (288,000.00 + 14,400.00) × 20 % = 302,400.00 × 0.2 = 60,480.00
    // fee: 288,000.00 in (200,000; 450,000] → 1,000.00
    // total = 14,400.00 + 60,480.00 + 1,000.00 = 75,880.00
    let goods = with(
        item("3401110001", "TR", "4000.00"),
        "net_mass_kg",
        json!("1000"),
    );
    let out = ru("EUR", goods);
    check_line(
        payment(&out, 0, "2010"),
        "4.5% + 0.02 EUR/kg",
        "14400.00",
        &[
            "4,5 плюс 0,02 евро за 1 кг",
            "(288000.00 × 4.5% = 12960.00) + (1000 kg × 0.02 EUR × 72.0000 = 1440.00) = 14400.00",
        ],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "288000.00"),
            ("import_duty", "14400.00"),
            ("vat", "60480.00"),
            ("customs_fee", "1000.00"),
            ("total", "75880.00"),
        ],
    );
}

#[test]
fn usd_per_1000_kg_raw_cane_sugar() {
    // 1701 14 903 1 raw cane sugar, 1 Aug – 31 Dec, price ≤ 286.60 USD/t: 250 USD per 1000 kg.
    // Declared on 2019-09-10; 20,000 kg net; CV = 6,000 USD × 64.0000 = 384,000.00
    // duty = 20,000 kg / 1000 × 250 USD × 64.0000 = 20 × 16,000 = 320,000.00
    // VAT = (384,000.00 + 320,000.00) × 20 % = 704,000.00 × 0.2 = 140,800.00
    // fee: 384,000.00 in (200,000; 450,000] → 1,000.00
    // total = 320,000.00 + 140,800.00 + 1,000.00 = 461,800.00
    let goods = with(
        item("1701149031", "BR", "6000.00"),
        "net_mass_kg",
        json!("20000"),
    );
    let out = assessed(
        builtin(),
        &declaration(
            "RU",
            "2019-09-10",
            "USD",
            json!({"USD": "64.0000"}),
            vec![goods],
        ),
    );
    check_line(
        payment(&out, 0, "2010"),
        "250 USD/1000kg",
        "320000.00",
        &[
            "250 долларов США за 1000 кг",
            "20000 kg / 1000 × 250 USD × 64.0000 = 320000.00",
            "USD rate 64.0000 on 2019-09-10 (declaration)",
        ],
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "384000.00"),
            ("import_duty", "320000.00"),
            ("vat", "140800.00"),
            ("customs_fee", "1000.00"),
            ("total", "461800.00"),
        ],
    );
    // Only the rate that was used is recorded.
    assert_eq!(
        out["exchange_rates"],
        json!([{"currency": "USD", "rate": "64", "date": "2019-09-10", "source": "declaration"}])
    );
}

#[test]
fn customs_value_in_national_currency_needs_no_exchange_rate() {
    // CV declared in RUB: 100,000.00 RUB, cod 6 % → 6,000.00; VAT 106,000.00 × 20 % = 21,200.00;
    // fee 500.00; total 27,700.00. No exchange rate is used or recorded.
    let out = assessed(
        builtin(),
        &declaration(
            "RU",
            DATE,
            "RUB",
            json!({}),
            vec![item("0302511000", "NO", "100000.00")],
        ),
    );
    assert_totals(
        &out,
        &[
            ("customs_value", "100000.00"),
            ("import_duty", "6000.00"),
            ("vat", "21200.00"),
            ("customs_fee", "500.00"),
            ("total", "27700.00"),
        ],
    );
    assert_eq!(out["exchange_rates"], json!([]));
}
