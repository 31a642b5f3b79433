//! The ledger and the treasury: receipts credited on release, closing a day and its
//! distribution, transfer orders, refunds, and the reconciliation of the books.

use sqlx::Row;
use tamga_store::{
    Command, Decision, NewReceipt, Status, Store, StoreError, TransferError, TransferOrder,
    WriteOutcome, WriteRequest, new_declaration_id,
};
use tamga_treasury::ledger::{Pool, ReceiptEvent};

use tamga_testing::TestDb;

use crate::support::{
    OFFICER_RU, balance, cc, close, cur, date, decide, new_declaration, register, released,
    request, submit, unbalanced_entries,
};

pub async fn a_release_credits_the_duty_and_closing_the_day_splits_it(db: &TestDb) {
    let store = db.open().await;
    // 8,800.00 RUB of import duty (and as much VAT, which is not distributed).
    let id = released(&store, 880_000, "2020-05-01").await;
    let mut raw = db.raw().await;
    let receipts: Vec<(String, i64)> = sqlx::query(
        "SELECT pool, amount_minor FROM ledger_entries WHERE kind = 'receipt' AND declaration_id = $1",
    )
    .bind(&id)
    .fetch_all(&mut raw)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(receipts, vec![("import_duty".to_string(), 880_000)]);
    assert_eq!(balance(db, "RU", "single_account").await, 880_000);

    let (closing, already) = close(&store, "2020-05-01").await;
    assert!(!already);
    assert_eq!(closing.receipts, 1);
    assert_eq!(closing.normative_set, "2020");
    let import = &closing.pools[0];
    assert_eq!(import.total_minor, 880_000);
    let shares: Vec<(String, i64)> = import
        .shares
        .iter()
        .map(|s| (s.state.to_string(), s.amount_minor))
        .collect();
    assert_eq!(
        shares,
        vec![
            ("AM".into(), 10_736),
            ("BY".into(), 42_768),
            ("KG".into(), 16_720),
            ("KZ".into(), 61_204),
            ("RU".into(), 748_572)
        ]
    );
    assert_eq!(unbalanced_entries(db).await, 0, "every entry balances");
    // Both books say the same: what RU owes KZ is what KZ is owed by RU.
    assert_eq!(balance(db, "RU", "due_to:KZ").await, -61_204);
    assert_eq!(balance(db, "KZ", "due_from:RU").await, 61_204);
    assert_eq!(balance(db, "RU", "to_distribute:import_duty").await, 0);

    // Closing again changes nothing and answers the same closing.
    let entries_before: i64 = sqlx::query("SELECT COUNT(*) FROM ledger_entries")
        .fetch_one(&mut raw)
        .await
        .unwrap()
        .get(0);
    let (again, already) = close(&store, "2020-05-01").await;
    assert!(already);
    assert_eq!(again, closing);
    let entries_after: i64 = sqlx::query("SELECT COUNT(*) FROM ledger_entries")
        .fetch_one(&mut raw)
        .await
        .unwrap()
        .get(0);
    assert_eq!(entries_after, entries_before);
    assert_eq!(
        store
            .day_closing(cc("RU"), date("2020-05-01"))
            .await
            .unwrap(),
        Some(closing)
    );
    assert!(store.verify_audit(&[]).await.unwrap().intact);
}

pub async fn receipts_after_a_close_go_to_the_next_day(db: &TestDb) {
    let store = db.open().await;
    let (empty, _) = close(&store, "2020-05-01").await;
    assert_eq!(empty.receipts, 0);
    assert!(empty.pools.iter().all(|p| p.total_minor == 0));
    // Released on a closed day: credited on the next open one.
    released(&store, 12_345, "2020-05-01").await;
    let open = store
        .open_receipts(cc("RU"), date("2020-05-02"))
        .await
        .unwrap();
    assert_eq!(open, vec![(Pool::ImportDuty, 12_345, 1)]);
    let (next, _) = close(&store, "2020-05-02").await;
    let amounts: Vec<i64> = next.pools[0]
        .shares
        .iter()
        .map(|s| s.amount_minor)
        .collect();
    // 123.45 by the 2020 normatives, by largest remainder: AM 1.51 BY 6.00 KG 2.34 KZ 8.59 RU 105.01.
    assert_eq!(amounts, vec![151, 600, 234, 859, 10_501]);
    assert_eq!(
        store
            .day_closings(cc("RU"), date("2020-05-01"), date("2020-05-31"))
            .await
            .unwrap()
            .len(),
        2
    );
}

pub async fn a_day_of_many_receipts_is_conserved_to_the_kopeck(db: &TestDb) {
    let store = db.open().await;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut total = 0i64;
    for _ in 0..40 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let duty = (x % 10_000_000) as i64 + 1;
        total += duty;
        released(&store, duty, "2020-06-01").await;
    }
    let (closing, _) = close(&store, "2020-06-01").await;
    assert_eq!(closing.receipts, 40);
    let import = &closing.pools[0];
    assert_eq!(import.total_minor, total);
    assert_eq!(
        import.shares.iter().map(|s| s.amount_minor).sum::<i64>(),
        total
    );
    assert!(import.shares.iter().all(|s| s.amount_minor >= 0));
    assert_eq!(unbalanced_entries(db).await, 0);
    let mut raw = db.raw().await;
    let all: String = sqlx::query("SELECT CAST(SUM(amount_minor) AS TEXT) FROM ledger_postings")
        .fetch_one(&mut raw)
        .await
        .unwrap()
        .get(0);
    assert_eq!(all, "0", "the ledger as a whole balances");
    // What every state's book says it is owed by RU is what RU's book says it owes.
    for share in import.shares.iter().filter(|s| s.state != cc("RU")) {
        assert_eq!(
            balance(db, "RU", &format!("due_to:{}", share.state)).await,
            -balance(db, share.state.as_str(), "due_from:RU").await
        );
    }
}

pub async fn the_books_reconcile_and_a_difference_names_its_entry(db: &TestDb) {
    let store = db.open().await;
    released(&store, 1_234_567, "2020-07-01").await;
    released(&store, 7_654_321, "2020-07-02").await;
    close(&store, "2020-07-01").await;
    close(&store, "2020-07-02").await;
    let pairs = store
        .reconcile(date("2020-07-01"), date("2020-07-31"))
        .await
        .unwrap();
    assert_eq!(pairs.len(), 4, "RU owes AM, BY, KG, KZ: {pairs:?}");
    for pair in &pairs {
        assert_eq!(pair.debtor, cc("RU"));
        assert_eq!(pair.debtor_says_minor, pair.creditor_says_minor, "{pair:?}");
        assert_eq!(pair.difference_minor, 0);
        assert!(pair.unmatched_entries.is_empty());
        assert!(pair.debtor_says_minor > 0);
    }
    // One day only: the other day's debts are not in it.
    let first = store
        .reconcile(date("2020-07-01"), date("2020-07-01"))
        .await
        .unwrap();
    let kz_first = first
        .iter()
        .find(|p| p.creditor == cc("KZ"))
        .unwrap()
        .debtor_says_minor;
    let kz_all = pairs
        .iter()
        .find(|p| p.creditor == cc("KZ"))
        .unwrap()
        .debtor_says_minor;
    assert!(kz_first < kz_all);
    // KZ's book is altered behind the ledger's back: the difference names the entry.
    let mut raw = db.raw().await;
    sqlx::query(
        "UPDATE ledger_postings SET amount_minor = amount_minor + 100 \
         WHERE entry_key = 'close:RU:2020-07-02:import_duty:KZ' AND account = 'due_from:RU'",
    )
    .execute(&mut raw)
    .await
    .unwrap();
    let pairs = store
        .reconcile(date("2020-07-01"), date("2020-07-31"))
        .await
        .unwrap();
    let kz = pairs.iter().find(|p| p.creditor == cc("KZ")).unwrap();
    assert_eq!(kz.difference_minor, -100);
    assert_eq!(
        kz.unmatched_entries,
        vec!["close:RU:2020-07-02:import_duty:KZ".to_string()]
    );
    assert!(
        pairs
            .iter()
            .filter(|p| p.creditor != cc("KZ"))
            .all(|p| p.difference_minor == 0)
    );
}

/// A transfer order is sent (at a rate, in its currency), then confirmed; confirmed late, it is
/// charged penalty interest, and the books reconcile at every step.
pub async fn transfers_are_sent_confirmed_and_charged_interest_when_late(db: &TestDb) {
    let store = db.open().await;
    released(&store, 880_000, "2020-08-03").await;
    close(&store, "2020-08-03").await;
    let orders = store.transfers(cc("RU")).await.unwrap();
    assert_eq!(orders.len(), 4, "RU owes AM, BY, KG and KZ");
    let kz = orders
        .iter()
        .find(|o| o.receiver == cc("KZ"))
        .unwrap()
        .clone();
    assert_eq!((kz.amount_minor, kz.status.as_str()), (61_204, "due"));
    assert_eq!(kz.transfer_currency, cur("USD"));
    no_rate_and_not_sent_are_refused(&store, &kz.id).await;
    sent_at_a_rate(&store, &kz.id).await;
    confirmed_late_with_interest(db, &store, &kz.id).await;
    // An order on time: no interest.
    let by = orders.iter().find(|o| o.receiver == cc("BY")).unwrap();
    store
        .write(treasury(Command::SendTransfer {
            id: by.id.clone(),
            on: date("2020-08-03"),
            rate: Some(decimal("74")),
        }))
        .await
        .unwrap();
    let on_time = order(
        store
            .write(treasury(confirm(&by.id, "2020-08-03")))
            .await
            .unwrap(),
    );
    assert_eq!(
        (on_time.days_late, on_time.interest_minor),
        (Some(0), Some(0))
    );
    assert!(store.verify_audit(&[]).await.unwrap().intact);
}

/// The treasury's request to make `command`.
fn treasury(command: Command) -> WriteRequest {
    request("treasury:test", command)
}

/// The transfer order a write made or changed.
fn order(outcome: WriteOutcome) -> TransferOrder {
    match outcome {
        WriteOutcome::Transfer(order) => order,
        other => panic!("{other:?}"),
    }
}

/// `text` as a decimal.
fn decimal(text: &str) -> rust_decimal::Decimal {
    use std::str::FromStr;
    rust_decimal::Decimal::from_str(text).unwrap()
}

/// Confirming transfer `id` as received `on`, at 0.01 % interest a day without a cap.
fn confirm(id: &str, on: &str) -> Command {
    Command::ConfirmTransfer {
        id: id.into(),
        on: date(on),
        daily_interest_rate: decimal("0.0001"),
        interest_cap_minor: i64::MAX,
    }
}

/// In USD, a rate is needed; confirming before sending is refused.
async fn no_rate_and_not_sent_are_refused(store: &Store, id: &str) {
    let no_rate = store
        .write(treasury(Command::SendTransfer {
            id: id.into(),
            on: date("2020-08-03"),
            rate: None,
        }))
        .await
        .unwrap_err();
    assert!(
        matches!(
            no_rate,
            StoreError::Transfer(TransferError::RateNeeded { .. })
        ),
        "{no_rate}"
    );
    assert!(no_rate.to_string().contains("rate"), "{no_rate}");
    let early = store
        .write(treasury(confirm(id, "2020-08-03")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            early,
            StoreError::Transfer(TransferError::WrongStatus { status: "due", .. })
        ),
        "{early}"
    );
    assert!(
        early.to_string().contains("only a sent transfer"),
        "{early}"
    );
}

/// Sent at 74 RUB per USD; in transit, the books differ by the amount on its way.
async fn sent_at_a_rate(store: &Store, id: &str) {
    let sent = order(
        store
            .write(treasury(Command::SendTransfer {
                id: id.into(),
                on: date("2020-08-03"),
                rate: Some(decimal("74.0000")),
            }))
            .await
            .unwrap(),
    );
    // 612.04 RUB at 74 RUB per USD: 8.27 USD.
    assert_eq!(
        (sent.status.as_str(), sent.transfer_amount_minor),
        ("sent", Some(827))
    );
    // In transit, the books differ by the amount on its way.
    let pairs = store
        .reconcile(date("2020-08-01"), date("2020-08-31"))
        .await
        .unwrap();
    let pair = pairs.iter().find(|p| p.creditor == cc("KZ")).unwrap();
    assert_eq!(pair.difference_minor, -61_204);
}

/// Confirmed 3 days late: charged interest, which is all that is still owed; the books agree.
async fn confirmed_late_with_interest(db: &TestDb, store: &Store, id: &str) {
    // Confirmed 3 days after its deadline (the 3rd): 3 days of interest at 0.01 % a day.
    let confirmed = order(
        store
            .write(treasury(confirm(id, "2020-08-06")))
            .await
            .unwrap(),
    );
    assert_eq!(confirmed.days_late, Some(3));
    assert_eq!(
        confirmed.interest_minor,
        Some(18),
        "612.04 × 0.0001 × 3 = 0.18"
    );
    let pairs = store
        .reconcile(date("2020-08-01"), date("2020-08-31"))
        .await
        .unwrap();
    let pair = pairs.iter().find(|p| p.creditor == cc("KZ")).unwrap();
    assert_eq!(pair.difference_minor, 0, "{pair:?}");
    assert_eq!(
        pair.debtor_says_minor, 18,
        "what is still owed: the interest"
    );
    assert_eq!(unbalanced_entries(db).await, 0);
}

/// Properties of the ledger over arbitrary days of receipts (refunds and penalty interest of
/// any sign): the distribution conserves the net receipts to the kopeck, every entry balances,
/// closing twice changes nothing, and each pair of books says the same.
pub async fn ledger_properties_hold_over_arbitrary_receipts(db: &TestDb) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let store = db.open().await;
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    let day_counter = std::sync::atomic::AtomicU32::new(0);
    let strategy = prop::collection::vec(-5_000_000_000i64..5_000_000_000, 0..25);
    runner
        .run(&strategy, |amounts| {
            tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let n = day_counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let day = format!("2021-{:02}-{:02}", 1 + n / 28, 1 + n % 28);
                    for (i, amount) in amounts.iter().enumerate() {
                        store
                            .write(request(
                                "treasury:tok_ru",
                                Command::RecordReceipt(NewReceipt {
                                    state: cc("RU"),
                                    day: date(&day),
                                    currency: cur("RUB"),
                                    pool: Pool::ImportDuty,
                                    event: if *amount < 0 {
                                        ReceiptEvent::Refund
                                    } else {
                                        ReceiptEvent::PenaltyInterest
                                    },
                                    reference: format!("{day}-{i}"),
                                    amount_minor: *amount,
                                }),
                            ))
                            .await
                            .unwrap();
                    }
                    let (closing, already) = close(&store, &day).await;
                    prop_assert!(!already);
                    let net: i64 = amounts.iter().sum();
                    let pool = &closing.pools[0];
                    prop_assert_eq!(pool.total_minor, net);
                    prop_assert_eq!(pool.shares.iter().map(|s| s.amount_minor).sum::<i64>(), net);
                    prop_assert!(
                        pool.shares
                            .iter()
                            .all(|s| s.amount_minor.signum() * net.signum() >= 0)
                    );
                    let (again, already) = close(&store, &day).await;
                    prop_assert!(already);
                    prop_assert_eq!(again, closing);
                    prop_assert_eq!(unbalanced_entries(db).await, 0);
                    for pair in store.reconcile(date(&day), date(&day)).await.unwrap() {
                        prop_assert_eq!(pair.debtor_says_minor, pair.creditor_says_minor);
                    }
                    Ok(())
                })
            })
        })
        .unwrap();
}

/// A day of net refunds leaves each receiver owing its part back; the next order between them
/// is reduced by it.
pub async fn a_refund_day_is_netted_into_the_next_transfer(db: &TestDb) {
    let store = db.open().await;
    store
        .write(request(
            "treasury:tok_ru",
            Command::RecordReceipt(NewReceipt {
                state: cc("RU"),
                day: date("2020-09-01"),
                currency: cur("RUB"),
                pool: Pool::ImportDuty,
                event: ReceiptEvent::Refund,
                reference: "refund-1".into(),
                amount_minor: -100_000,
            }),
        ))
        .await
        .unwrap();
    let (refund_day, _) = close(&store, "2020-09-01").await;
    assert!(
        store.transfers(cc("RU")).await.unwrap().is_empty(),
        "nobody is owed anything"
    );
    let kz_back = refund_day.pools[0]
        .shares
        .iter()
        .find(|s| s.state == cc("KZ"))
        .unwrap()
        .amount_minor;
    assert_eq!(
        kz_back, -6_955,
        "KZ owes back 69.55 of the 1,000.00 refunded"
    );
    released(&store, 880_000, "2020-09-02").await;
    let (next, _) = close(&store, "2020-09-02").await;
    let kz_share = next.pools[0]
        .shares
        .iter()
        .find(|s| s.state == cc("KZ"))
        .unwrap()
        .amount_minor;
    let orders = store.transfers(cc("RU")).await.unwrap();
    let kz = orders.iter().find(|o| o.receiver == cc("KZ")).unwrap();
    assert_eq!(kz.day, date("2020-09-02"));
    assert_eq!(kz.amount_minor, kz_share + kz_back, "61,204 less 6,955");
    assert_eq!(kz.amount_minor, 54_249);
    // Every order of the day nets the refund.
    let total_orders: i64 = orders.iter().map(|o| o.amount_minor).sum();
    let others = |c: &tamga_store::DayClosing| -> i64 {
        c.pools[0]
            .shares
            .iter()
            .filter(|s| s.state != cc("RU"))
            .map(|s| s.amount_minor)
            .sum()
    };
    assert_eq!(total_orders, others(&next) + others(&refund_day));
}

/// A receipt is never booked on a closed day: after the last day of the calendar is closed
/// (which the service refuses, and only the store's own command can do), a release is refused.
pub async fn a_receipt_is_never_booked_on_a_closed_day(db: &TestDb) {
    let store = db.open().await;
    close(&store, "9999-12-31").await;
    let mut new = new_declaration("RU", "10702070", "7701234567", "2020-05-01");
    new.id = new_declaration_id(1_700_000_000_001);
    submit(&store, new.clone()).await;
    register(&store, &new.id, 1, "2020-05-01").await.unwrap();
    let refused = decide(
        &store,
        OFFICER_RU,
        &new.id,
        Decision::Release {
            reason: None,
            day: date("2020-05-01"),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, StoreError::NoOpenDay { .. }), "{refused}");
    assert!(refused.to_string().contains("no later day"), "{refused}");
    let head = store.declaration(&new.id).await.unwrap().unwrap();
    assert_eq!(head.status, Status::Registered, "nothing changed");
}
