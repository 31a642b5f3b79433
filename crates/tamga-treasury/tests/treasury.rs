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
    // 123.45 by the 2020 normatives: rounding each share would give 123.46. Floors: AM 1.50, BY 5.99, KZ 8.58, KG 2.34, RU 105.01 = 123.42; remainders (in
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

/// The normative set in force at each boundary of the bundle's sets, and a day either side.
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

mod ledger_decisions {
    //! The ledger's decisions on plain data, without a database: the close of a day, the
    //! sending and confirming of a transfer, reconciliation.

    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use tamga_core::{CountryCode, CurrencyCode, Date, parse_date};
    use tamga_treasury::Normatives;
    use tamga_treasury::closing::{DayToClose, SpecialDutyRule, close_day};
    use tamga_treasury::ledger::{Account, Pool};
    use tamga_treasury::reconcile::{DebtPosting, reconcile};
    use tamga_treasury::transfer::{
        TransferError, TransferStatus, approve_interest, confirm, send,
    };

    fn code(text: &str) -> CountryCode {
        CountryCode::parse(text).unwrap()
    }

    fn rub() -> CurrencyCode {
        CurrencyCode::parse("RUB").unwrap()
    }

    fn day(text: &str) -> Date {
        parse_date(text).unwrap()
    }

    fn normatives() -> Normatives {
        Normatives::on(super::snapshot(), day("2021-03-15")).unwrap()
    }

    fn day_to_close<'a>(normatives: &'a Normatives, import: i64, special: i64) -> DayToClose<'a> {
        let mut receipts = BTreeMap::new();
        receipts.insert(Pool::ImportDuty, (import, 3));
        receipts.insert(Pool::SpecialDuty, (special, 1));
        DayToClose {
            state: code("RU"),
            day: day("2021-03-15"),
            currency: rub(),
            normatives,
            special_rule: SpecialDutyRule::Normatives,
            receipts,
            carried: BTreeMap::new(),
            transfer_currencies: [(code("KZ"), CurrencyCode::parse("USD").unwrap())]
                .into_iter()
                .collect(),
            due_by: day("2021-03-16"),
        }
    }

    #[test]
    fn a_closed_day_posts_balanced_entries_and_orders_for_what_is_owed() {
        let normatives = normatives();
        let closed = close_day(&day_to_close(&normatives, 17_600_000, 0)).unwrap();
        assert_eq!(closed.receipts, 4);
        let import = &closed.pools[0];
        assert_eq!(import.pool, Pool::ImportDuty);
        let kz = import
            .shares
            .iter()
            .find(|s| s.state == code("KZ"))
            .unwrap();
        assert_eq!(kz.amount_minor, 1_224_080, "6.955 % of 176,000.00");
        assert!(closed.entries.iter().all(|e| e.balances()));
        // One distribution entry and one receiving entry per other state; none for the empty
        // special pool.
        assert_eq!(closed.entries.len(), 5);
        let to_kz = closed
            .orders
            .iter()
            .find(|o| o.receiver == code("KZ"))
            .unwrap();
        assert_eq!(to_kz.amount_minor, 1_224_080);
        assert_eq!(to_kz.transfer_currency.as_str(), "USD");
        assert_eq!(to_kz.id, "tr:RU:KZ:2021-03-15");
        assert_eq!(closed.orders.len(), 4, "RU owes each of the four others");
    }

    #[test]
    fn the_collecting_state_keeps_special_duties_when_the_rule_says_so() {
        let normatives = normatives();
        let mut day = day_to_close(&normatives, 0, 50_000);
        day.special_rule = SpecialDutyRule::CollectingState;
        let closed = close_day(&day).unwrap();
        let special = &closed.pools[1];
        assert_eq!(special.shares.len(), 1);
        assert_eq!(special.shares[0].state, code("RU"));
        assert_eq!(special.shares[0].amount_minor, 50_000);
        assert!(closed.orders.is_empty());
    }

    #[test]
    fn a_day_of_net_refunds_is_carried_into_the_next_order() {
        let normatives = normatives();
        let refunds = close_day(&day_to_close(&normatives, -1_000_000, 0)).unwrap();
        assert!(refunds.orders.is_empty(), "no order for a negative amount");
        let carried_kz = refunds.carried[&code("KZ")];
        assert!(carried_kz < 0);
        let mut next = day_to_close(&normatives, 2_000_000, 0);
        next.carried = refunds.carried.clone();
        let netted = close_day(&next).unwrap();
        let to_kz = netted
            .orders
            .iter()
            .find(|o| o.receiver == code("KZ"))
            .unwrap();
        let share = netted.pools[0]
            .shares
            .iter()
            .find(|s| s.state == code("KZ"))
            .unwrap()
            .amount_minor;
        assert_eq!(to_kz.amount_minor, share + carried_kz);
    }

    proptest! {
        #[test]
        fn every_closing_balances_and_conserves(import in -1_000_000_000_000i64..1_000_000_000_000,
                                                special in 0i64..1_000_000_000) {
            let normatives = normatives();
            let closed = close_day(&day_to_close(&normatives, import, special)).unwrap();
            prop_assert!(closed.entries.iter().all(|e| e.balances()));
            for pool in &closed.pools {
                prop_assert_eq!(pool.shares.iter().map(|s| s.amount_minor).sum::<i64>(), pool.total_minor);
            }
            let ru_book: i64 = closed.entries.iter().flat_map(|e| &e.postings)
                .filter(|p| p.book == code("RU") && p.account == Account::ToDistribute(Pool::ImportDuty))
                .map(|p| p.amount_minor).sum();
            prop_assert_eq!(ru_book, import, "what was received is distributed");
        }
    }

    #[test]
    fn a_transfer_is_sent_confirmed_and_charged_interest_within_the_cap() {
        let normatives = normatives();
        let closed = close_day(&day_to_close(&normatives, 17_600_000, 0)).unwrap();
        let order = closed
            .orders
            .iter()
            .find(|o| o.receiver == code("KZ"))
            .unwrap();
        let rate = Decimal::new(740_000, 4);
        assert!(matches!(
            send(order, day("2021-03-16"), None),
            Err(TransferError::RateNeeded { .. })
        ));
        let (sent, entry) = send(order, day("2021-03-16"), Some(rate)).unwrap();
        assert_eq!(sent.status, TransferStatus::Sent);
        assert_eq!(sent.transfer_amount_minor, Some(16_542));
        assert!(entry.balances());
        assert!(matches!(
            confirm(&sent, day("2021-03-15"), Decimal::new(1, 4), i64::MAX),
            Err(TransferError::ConfirmedBeforeSent { .. })
        ));
        // Three days late at 0.01 % a day: 367 minor units; a cap of 100 refuses it.
        let over = confirm(&sent, day("2021-03-19"), Decimal::new(1, 4), 100).unwrap_err();
        assert!(matches!(
            over,
            TransferError::InterestOverCap {
                interest_minor: 367,
                ..
            }
        ));
        let approved = approve_interest(&sent, 400, "the sender agrees".into()).unwrap();
        let (confirmed, entries) =
            confirm(&approved, day("2021-03-19"), Decimal::new(1, 4), 100).unwrap();
        assert_eq!(confirmed.interest_minor, Some(367));
        assert_eq!(confirmed.days_late, Some(3));
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.balances()));
        assert!(matches!(
            approve_interest(&confirmed, 1, "late".into()),
            Err(TransferError::AlreadyConfirmed(_))
        ));
    }

    #[test]
    fn reconciliation_pairs_books_and_names_the_entry_behind_a_difference() {
        let normatives = normatives();
        let closed = close_day(&day_to_close(&normatives, 17_600_000, 0)).unwrap();
        let postings = |closed: &tamga_treasury::closing::ClosedDay| -> Vec<DebtPosting> {
            closed
                .entries
                .iter()
                .flat_map(|e| {
                    e.postings.iter().map(move |p| DebtPosting {
                        entry_key: e.key.clone(),
                        kind: e.kind,
                        currency: e.currency,
                        book: p.book,
                        account: p.account,
                        amount_minor: p.amount_minor,
                    })
                })
                .collect()
        };
        let clean = reconcile(postings(&closed));
        assert_eq!(clean.len(), 4);
        assert!(
            clean
                .iter()
                .all(|p| p.difference_minor == 0 && p.debtor == code("RU"))
        );
        // One receiving side altered: the difference names its distribution.
        let mut altered = postings(&closed);
        let kz = altered
            .iter_mut()
            .find(|p| p.book == code("KZ") && p.account == Account::DueFrom(code("RU")))
            .unwrap();
        kz.amount_minor -= 1;
        let pairs = reconcile(altered);
        let ru_kz = pairs.iter().find(|p| p.creditor == code("KZ")).unwrap();
        assert_eq!(ru_kz.difference_minor, 1);
        assert_eq!(
            ru_kz.unmatched_entries,
            vec!["close:RU:2021-03-15:import_duty:KZ"]
        );
    }

    #[test]
    fn accounts_are_named_and_read_back() {
        for account in [
            Account::SingleAccount,
            Account::ToDistribute(Pool::SpecialDuty),
            Account::Budget,
            Account::DueTo(code("KZ")),
            Account::DueFrom(code("BY")),
            Account::ReceivedFrom(code("AM")),
            Account::InterestExpense,
            Account::InterestIncome,
        ] {
            assert_eq!(Account::parse(&account.name()), Some(account));
        }
        assert_eq!(Account::parse("due_to:kz"), None);
        assert_eq!(Account::parse("nonsense"), None);
    }
}
