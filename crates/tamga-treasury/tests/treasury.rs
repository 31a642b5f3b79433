//! The distribution of import duties: the split to the kopeck, on the built-in normatives.

use std::str::FromStr;
use std::sync::OnceLock;

use proptest::prelude::*;
use rust_decimal::Decimal;
use tamga_core::{CountryCode, Validity, parse_date};
use tamga_tariff::TariffSnapshot;
use tamga_tariff::snapshot::{NormativeSet, Verification};
use tamga_treasury::{MAX_AMOUNT, Normatives, split_largest_remainder, split_on, to_minor};

fn snapshot() -> &'static TariffSnapshot {
    static SNAPSHOT: OnceLock<TariffSnapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        tamga_tariff::load(&tamga_tariff::EmbeddedSource {
            name: "built-in bundle",
            files: tamga_data::FILES,
        })
        .expect("the built-in bundle loads")
    })
}

fn shares_on(date: &str, amount: &str) -> Vec<(String, String)> {
    let minor = to_minor(Decimal::from_str(amount).unwrap(), 2).unwrap();
    let split = split_on(snapshot(), parse_date(date).unwrap(), minor).unwrap();
    let mut shares: Vec<(String, String)> = split
        .shares
        .iter()
        .map(|s| {
            (
                s.state.to_string(),
                Decimal::new(s.amount_minor, 2).to_string(),
            )
        })
        .collect();
    shares.sort();
    shares
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn the_domain_briefs_worked_example_splits_to_the_kopeck() {
    // Example 7: 112,000.00 RUB by the 2020 normatives.
    assert_eq!(
        shares_on("2020-05-01", "112000.00"),
        pairs(&[
            ("AM", "1366.40"),
            ("BY", "5443.20"),
            ("KG", "2128.00"),
            ("KZ", "7789.60"),
            ("RU", "95272.80")
        ])
    );
    // Under the 2010 normatives, 1,000,000.00.
    assert_eq!(
        shares_on("2012-03-01", "1000000.00"),
        pairs(&[("BY", "47000.00"), ("KZ", "73300.00"), ("RU", "879700.00")])
    );
}

#[test]
fn the_residue_goes_by_largest_remainder() {
    // 123.45 by the 2020 normatives: rounding each share would give 123.46 (domain brief
    // §2.1). Floors: AM 1.50, BY 5.99, KZ 8.58, KG 2.34, RU 105.01 = 123.42; remainders (in
    // 1/100,000 kopeck) BY 96,700, AM 60,900, KZ 59,475, KG 55,500, RU 27,425: the three
    // kopecks left go to BY, AM and KZ.
    let shares = shares_on("2020-01-01", "123.45");
    assert_eq!(
        shares,
        pairs(&[
            ("AM", "1.51"),
            ("BY", "6.00"),
            ("KG", "2.34"),
            ("KZ", "8.59"),
            ("RU", "105.01")
        ])
    );
    let total: Decimal = shares
        .iter()
        .map(|(_, a)| Decimal::from_str(a).unwrap())
        .sum();
    assert_eq!(total, Decimal::from_str("123.45").unwrap());
}

/// The normative set in force at each boundary of domain brief §2.2, and a day either side.
#[test]
fn each_boundary_takes_the_set_of_its_own_day() {
    let set = |date: &str| {
        Normatives::on(snapshot(), parse_date(date).unwrap())
            .unwrap()
            .set
    };
    assert_eq!(set("2014-12-31"), "2010");
    assert_eq!(set("2015-01-01"), "2015-01-01");
    assert_eq!(set("2015-01-02"), "2015-01-02");
    assert_eq!(set("2015-08-11"), "2015-01-02");
    assert_eq!(set("2015-08-12"), "2015-08-12");
    assert_eq!(set("2017-04-10"), "2015-08-12");
    assert_eq!(set("2017-04-11"), "2017");
    assert_eq!(set("2019-12-31"), "2017");
    assert_eq!(set("2020-01-01"), "2020");
    // The same 1,000.00 across the boundaries: states join, shares move.
    assert_eq!(
        shares_on("2015-01-01", "1000.00"),
        pairs(&[("BY", "47.00"), ("KZ", "73.30"), ("RU", "879.70")])
    );
    assert_eq!(
        shares_on("2015-01-02", "1000.00"),
        pairs(&[
            ("AM", "11.30"),
            ("BY", "46.50"),
            ("KZ", "72.50"),
            ("RU", "869.70")
        ])
    );
    assert_eq!(
        shares_on("2015-08-12", "1000.00"),
        pairs(&[
            ("AM", "11.10"),
            ("BY", "45.60"),
            ("KG", "19.00"),
            ("KZ", "71.10"),
            ("RU", "853.20")
        ])
    );
    assert_eq!(
        shares_on("2017-04-11", "1000.00"),
        pairs(&[
            ("AM", "12.20"),
            ("BY", "45.60"),
            ("KG", "19.00"),
            ("KZ", "70.55"),
            ("RU", "852.65")
        ])
    );
    assert_eq!(
        shares_on("2020-01-01", "1000.00"),
        pairs(&[
            ("AM", "12.20"),
            ("BY", "48.60"),
            ("KG", "19.00"),
            ("KZ", "69.55"),
            ("RU", "850.65")
        ])
    );
    let before = split_on(snapshot(), parse_date("2010-08-31").unwrap(), 100).unwrap_err();
    assert!(
        before
            .to_string()
            .contains("no distribution normatives in force on 2010-08-31"),
        "{before}"
    );
}

fn arbitrary_normatives() -> impl Strategy<Value = Normatives> {
    // 1 to 8 states with weights in thousandths of a percent that sum to 100 %.
    prop::collection::vec(1u64..50_000, 1..8).prop_map(|raw| {
        let sum: u64 = raw.iter().sum();
        let mut weights: Vec<u64> = raw.iter().map(|w| w * 100_000 / sum).collect();
        let short = 100_000 - weights.iter().sum::<u64>();
        weights[0] += short;
        let codes = ["AM", "BY", "KZ", "KG", "RU", "UZ", "TJ", "AZ"];
        let set = NormativeSet {
            id: "arbitrary".into(),
            validity: Validity::new(parse_date("2020-01-01").unwrap(), None),
            shares: weights
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    (
                        CountryCode::parse(codes[i]).unwrap(),
                        Decimal::new(*w as i64, 3),
                    )
                })
                .collect(),
            legal_basis: String::new(),
            verification: Verification::Unverified,
        };
        Normatives::from_set(&set).expect("weights sum to 100 %")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Conservation, sign and fairness: the shares sum exactly to the amount, none has the
    /// wrong sign, and each is within one minor unit of the exact proportional share.
    #[test]
    fn shares_sum_to_the_amount_and_stay_within_a_kopeck(
        amount in -MAX_AMOUNT..=MAX_AMOUNT,
        normatives in arbitrary_normatives(),
    ) {
        let mut out = vec![0i64; normatives.len()];
        split_largest_remainder(amount, &normatives, &mut out).unwrap();
        prop_assert_eq!(out.iter().map(|s| i128::from(*s)).sum::<i128>(), i128::from(amount));
        for (share, percent) in out.iter().zip(&normatives.percents) {
            if amount >= 0 { prop_assert!(*share >= 0); } else { prop_assert!(*share <= 0); }
            let exact = Decimal::from(amount) * percent / Decimal::from(100);
            prop_assert!((Decimal::from(*share) - exact).abs() < Decimal::ONE, "{share} vs {exact}");
        }
    }

    /// The rule is symmetric: a refund of X is the negation of a receipt of X.
    #[test]
    fn a_refund_mirrors_a_receipt(amount in 0..=MAX_AMOUNT, normatives in arbitrary_normatives()) {
        let mut plus = vec![0i64; normatives.len()];
        let mut minus = vec![0i64; normatives.len()];
        split_largest_remainder(amount, &normatives, &mut plus).unwrap();
        split_largest_remainder(-amount, &normatives, &mut minus).unwrap();
        prop_assert!(plus.iter().zip(&minus).all(|(p, m)| *p == -*m));
    }
}

#[test]
fn ties_go_to_the_larger_normative_then_the_iso_code() {
    // Three equal states: 1 kopeck, 2 kopecks.
    let set = NormativeSet {
        id: "thirds".into(),
        validity: Validity::new(parse_date("2020-01-01").unwrap(), None),
        shares: vec![
            (
                CountryCode::parse("RU").unwrap(),
                Decimal::from_str("33.334").unwrap(),
            ),
            (
                CountryCode::parse("BY").unwrap(),
                Decimal::from_str("33.333").unwrap(),
            ),
            (
                CountryCode::parse("AM").unwrap(),
                Decimal::from_str("33.333").unwrap(),
            ),
        ],
        legal_basis: String::new(),
        verification: Verification::Unverified,
    };
    let n = Normatives::from_set(&set).unwrap();
    let mut out = [0i64; 3];
    split_largest_remainder(1, &n, &mut out).unwrap();
    assert_eq!(out, [1, 0, 0], "RU has the largest remainder");
    split_largest_remainder(2, &n, &mut out).unwrap();
    assert_eq!(out, [1, 0, 1], "BY and AM tie: AM first by ISO code");
    // A set that does not sum to 100 % is refused.
    let mut bad = set.clone();
    bad.shares[0].1 = Decimal::from_str("33.333").unwrap();
    assert!(
        Normatives::from_set(&bad)
            .unwrap_err()
            .to_string()
            .contains("99.999")
    );
    assert!(split_largest_remainder(MAX_AMOUNT + 1, &n, &mut out).is_err());
    assert!(to_minor(Decimal::from_str("1.005").unwrap(), 2).is_err());
}

#[test]
fn transfers_convert_and_late_ones_accrue_interest() {
    use tamga_treasury::{convert_transfer, late_interest};
    // 61,204.00 RUB at 74.0000 RUB per USD: 827.08108… → 827.08 USD.
    assert_eq!(
        convert_transfer(6_120_400, Decimal::from_str("74.0000").unwrap()),
        Some(82_708)
    );
    // Half a cent rounds up.
    assert_eq!(
        convert_transfer(1, Decimal::from_str("2").unwrap()),
        Some(1)
    );
    assert_eq!(convert_transfer(100, Decimal::ZERO), None);
    // 1,000,000.00 three days late at 0.01 % a day: 300.00.
    assert_eq!(
        late_interest(100_000_000, Decimal::from_str("0.0001").unwrap(), 3),
        Some(30_000)
    );
    assert_eq!(
        late_interest(100_000_000, Decimal::from_str("0.0001").unwrap(), 0),
        Some(0)
    );
    assert_eq!(
        late_interest(12_345, Decimal::from_str("0.00015").unwrap(), 1),
        Some(2),
        "1.85 → 2 kopecks"
    );
    // Beyond any amount: refused, never saturated.
    assert_eq!(
        late_interest(i64::MAX, Decimal::from_str("0.5").unwrap(), 1_000_000),
        None
    );
}

#[test]
fn the_daily_report_is_due_at_16_local_the_next_day() {
    use tamga_treasury::report_deadline;
    let day = parse_date("2021-03-15").unwrap();
    let moscow = report_deadline(day, 180);
    assert_eq!(moscow.to_string(), "2021-03-16 13:00:00.0 +00:00:00");
    // Kazakhstan was UTC+6 then: 10:00 UTC.
    assert_eq!(report_deadline(day, 360).hour(), 10);
    // Moscow in 2012 (UTC+4): 12:00 UTC.
    assert_eq!(
        report_deadline(parse_date("2012-06-01").unwrap(), 240).hour(),
        12
    );
    // The built-in offsets: Moscow UTC+4 in 2013, UTC+3 in 2015.
    let ru = CountryCode::parse("RU").unwrap();
    assert_eq!(
        snapshot().utc_offset_on(ru, parse_date("2013-01-10").unwrap()),
        Some(240)
    );
    assert_eq!(
        snapshot().utc_offset_on(ru, parse_date("2015-01-10").unwrap()),
        Some(180)
    );
}
