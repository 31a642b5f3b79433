//! The treasury of one state at a time: receipts, closing days by the normatives in force,
//! day reports, transfer orders sent and confirmed, and the books of two states reconciled.

use reqwest::StatusCode;
use serde_json::json;
use tamga_store::Role;
use tamga_testing::TestDb;

use crate::app::{App, KZ_TIN, KZ_WATER, RU_BEER, RU_TIN};

pub async fn released_duties_are_distributed_when_a_treasury_closes_its_day(db: TestDb) {
    let mut app = App::start(db).await;
    let parties = Parties::issue(&app).await;
    release_two_ru_and_one_kz_declaration(&app, &parties).await;
    a_day_cannot_be_closed_before_it_ends(&app, &parties).await;
    // The next morning it can.
    app.next_business_date("2021-03-16").await;
    only_the_states_own_treasury_closes_its_day(&app, &parties).await;
    ru_closes_its_day_and_splits_the_import_duty(&app, &parties).await;
    kz_closes_its_own_day_in_tenge(&app, &parties).await;
    day_reports_are_for_the_state_and_the_commission(&app, &parties).await;
    the_books_of_ru_and_kz_reconcile(&app, &parties).await;
    let order = ru_owes_kz_a_transfer_in_dollars(&app, &parties).await;
    only_the_sender_sends_and_at_a_rate(&app, &parties, &order).await;
    // Confirmed on the 19th, three days after its deadline: interest at 0.01 % a day.
    app.next_business_date("2021-03-19").await;
    kz_confirms_three_days_late_with_interest(&app, &parties, &order).await;
    // A report made three days later is flagged late.
    app.next_business_date("2021-03-20").await;
    a_report_made_after_its_deadline_is_late(&app, &parties).await;
    days_before_the_union_are_refused(&app, &parties).await;
    app.stop().await;
}

/// The RU closing of the test day.
const RU_CLOSE: &str = "/api/v1/treasury/RU/days/2021-03-15/close";
/// The reconciliation of the test month.
const RECONCILE_MARCH: &str = "/api/v1/treasury/reconcile?from=2021-03-01&to=2021-03-31";

/// The tokens of the distribution: declarants, officers and treasuries of RU and KZ, the
/// commission, and the treasury of BY to be the third state.
struct Parties {
    ru_declarant: String,
    kz_declarant: String,
    ru_officer: String,
    kz_officer: String,
    ru_treasury: String,
    kz_treasury: String,
    commission: String,
    by_treasury: String,
}

impl Parties {
    async fn issue(app: &App) -> Parties {
        Parties {
            ru_declarant: app.token(Role::Declarant, None, Some(RU_TIN)).await,
            kz_declarant: app.token(Role::Declarant, None, Some(KZ_TIN)).await,
            ru_officer: app.token(Role::Officer, Some("RU"), None).await,
            kz_officer: app.token(Role::Officer, Some("KZ"), None).await,
            ru_treasury: app.token(Role::Treasury, Some("RU"), None).await,
            kz_treasury: app.token(Role::Treasury, Some("KZ"), None).await,
            commission: app.token(Role::Commission, None, None).await,
            by_treasury: app.token(Role::Treasury, Some("BY"), None).await,
        }
    }
}

/// The day's receipts: two RU releases and one KZ release; a RU declaration registered but not
/// released, which credits nothing.
async fn release_two_ru_and_one_kz_declaration(app: &App, parties: &Parties) {
    for _ in 0..2 {
        let id = app.file(&parties.ru_declarant, RU_BEER).await;
        app.act(&id, "register", &parties.ru_officer).await;
        assert_eq!(
            app.act(&id, "release", &parties.ru_officer).await.status,
            StatusCode::OK
        );
    }
    let kz = app.file(&parties.kz_declarant, KZ_WATER).await;
    app.act(&kz, "register", &parties.kz_officer).await;
    app.act(&kz, "release", &parties.kz_officer).await;
    // A registered but unreleased declaration credits nothing.
    let pending = app.file(&parties.ru_declarant, RU_BEER).await;
    app.act(&pending, "register", &parties.ru_officer).await;
}

/// On the 15th itself the day has not ended: it cannot be closed yet.
async fn a_day_cannot_be_closed_before_it_ends(app: &App, parties: &Parties) {
    let early = app.post(RU_CLOSE, Some(&parties.ru_treasury), "").await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.text
    );
    assert!(early.text.contains("has not ended"), "{}", early.text);
}

/// Scope and role: another state's treasury sees no such account; others may not close.
async fn only_the_states_own_treasury_closes_its_day(app: &App, parties: &Parties) {
    assert_eq!(
        app.post(RU_CLOSE, Some(&parties.kz_treasury), "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(RU_CLOSE, Some(&parties.commission), "")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(RU_CLOSE, Some(&parties.ru_officer), "")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// RU closes the 15th: two receipts, reported on time, split by the 2020 normatives to the
/// kopeck; closing again changes nothing.
async fn ru_closes_its_day_and_splits_the_import_duty(app: &App, parties: &Parties) {
    let closed = app.post(RU_CLOSE, Some(&parties.ru_treasury), "").await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let body = &closed.body;
    assert_eq!(body["already_closed"], false);
    assert_eq!(body["currency"], "RUB");
    assert_eq!(body["normative_set"], "2020");
    assert_eq!(body["receipts"], 2);
    // The daily report is due by 16:00 Moscow time (UTC+3) the next day; made on the day, it
    // is on time.
    assert_eq!(body["report_deadline"], "2021-03-16T13:00:00Z");
    assert_eq!(body["late"], false);
    // Two declarations of 88,000.00 of import duty each: 176,000.00 by the 2020 normatives.
    let import = &body["pools"][0];
    assert_eq!(import["pool"], "import_duty");
    assert_eq!(import["total_minor"], 17_600_000);
    let shares: Vec<(String, i64)> = import["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["state"].as_str().unwrap().to_owned(),
                s["amount_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        vec![
            ("AM".to_string(), 214_720),
            ("BY".to_string(), 855_360),
            ("KG".to_string(), 334_400),
            ("KZ".to_string(), 1_224_080),
            ("RU".to_string(), 14_971_440)
        ]
    );
    let again = app.post(RU_CLOSE, Some(&parties.ru_treasury), "").await;
    assert_eq!(again.body["already_closed"], true);
    assert_eq!(
        again.body["pools"], body["pools"],
        "closing twice changes nothing"
    );
}

/// The KZ treasury closes its own day, in tenge, with Astana's report deadline.
async fn kz_closes_its_own_day_in_tenge(app: &App, parties: &Parties) {
    let kz_closed = app
        .post(
            "/api/v1/treasury/KZ/days/2021-03-15/close",
            Some(&parties.kz_treasury),
            "",
        )
        .await;
    assert_eq!(kz_closed.status, StatusCode::OK, "{}", kz_closed.text);
    assert_eq!(kz_closed.body["currency"], "KZT");
    assert_eq!(kz_closed.body["receipts"], 1);
    assert_eq!(
        kz_closed.body["report_deadline"], "2021-03-16T10:00:00Z",
        "Astana, UTC+6"
    );
}

/// Reports of closed days: the state's own treasury and the commission read them; another
/// state's treasury does not.
async fn day_reports_are_for_the_state_and_the_commission(app: &App, parties: &Parties) {
    let report = app
        .get(
            "/api/v1/treasury/RU/days?from=2021-03-01&to=2021-03-31",
            Some(&parties.commission),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert_eq!(report.body["days"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/treasury/RU/days", Some(&parties.kz_treasury))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let own = app
        .get(
            "/api/v1/treasury/KZ/days?from=2021-03-15",
            Some(&parties.kz_treasury),
        )
        .await;
    assert_eq!(own.body["days"][0]["day"], "2021-03-15");
}

/// The books reconcile: what RU owes KZ by RU's books is what KZ is owed by KZ's. The commission
/// sees every pair, a treasury its own state's, an officer none.
async fn the_books_of_ru_and_kz_reconcile(app: &App, parties: &Parties) {
    let books = app.get(RECONCILE_MARCH, Some(&parties.commission)).await;
    assert_eq!(books.status, StatusCode::OK, "{}", books.text);
    assert_eq!(books.body["clean"], true);
    let pairs = books.body["pairs"].as_array().unwrap();
    assert_eq!(
        pairs.len(),
        8,
        "RU and KZ each owe the four others: {}",
        books.text
    );
    let ru_kz = pairs
        .iter()
        .find(|p| p["debtor"] == "RU" && p["creditor"] == "KZ")
        .unwrap();
    assert_eq!(ru_kz["debtor_says_minor"], 1_224_080);
    assert_eq!(ru_kz["creditor_says_minor"], 1_224_080);
    let kz_view = app.get(RECONCILE_MARCH, Some(&parties.kz_treasury)).await;
    let kz_pairs = kz_view.body["pairs"].as_array().unwrap();
    assert!(
        kz_pairs
            .iter()
            .all(|p| p["debtor"] == "KZ" || p["creditor"] == "KZ")
    );
    assert_eq!(kz_pairs.len(), 5, "KZ owes four, and RU owes KZ");
    assert_eq!(
        app.get(RECONCILE_MARCH, Some(&parties.ru_officer))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// Transfer orders: RU owes each state its share, in US dollars (2015 on, except Belarus: RUB
/// from 2022; this is 2021, so USD too), due by the next day. Returns the RU→KZ order's id.
async fn ru_owes_kz_a_transfer_in_dollars(app: &App, parties: &Parties) -> String {
    let orders = app
        .get("/api/v1/treasury/RU/transfers", Some(&parties.ru_treasury))
        .await;
    assert_eq!(orders.status, StatusCode::OK, "{}", orders.text);
    let list = orders.body["transfers"].as_array().unwrap();
    let to_kz = list
        .iter()
        .find(|o| o["sender"] == "RU" && o["receiver"] == "KZ")
        .unwrap()
        .clone();
    assert_eq!(to_kz["amount_minor"], 1_224_080);
    assert_eq!(to_kz["transfer_currency"], "USD");
    assert_eq!(to_kz["due_by"], "2021-03-16");
    to_kz["id"].as_str().unwrap().to_owned()
}

/// The path of `action` (send, confirm) on the transfer order `order`.
fn transfer_action(order: &str, action: &str) -> String {
    format!("/api/v1/treasury/transfers/{order}/{action}")
}

/// RU sends `order` to KZ on the 16th at 74 roubles to the dollar. The receiver may not send it,
/// nor the sender confirm it; a send needs a rate and a date after the reporting day.
async fn only_the_sender_sends_and_at_a_rate(app: &App, parties: &Parties, order: &str) {
    let send = transfer_action(order, "send");
    let confirm = transfer_action(order, "confirm");
    let ru_treasury = Some(parties.ru_treasury.as_str());
    // The receiver may not send it, nor the sender confirm it; a third state does not see it
    // (below, once it is sent).
    assert_eq!(
        app.post(&send, Some(&parties.kz_treasury), "").await.status,
        StatusCode::FORBIDDEN
    );
    let no_rate = app.post(&send, ru_treasury, "").await;
    assert_eq!(
        no_rate.status,
        StatusCode::CONFLICT,
        "a rate is needed: {}",
        no_rate.text
    );
    // Not before its reporting day has ended.
    let too_soon = app
        .post(
            &send,
            ru_treasury,
            r#"{"date": "2021-03-15", "rate": "74.0000"}"#,
        )
        .await;
    assert_eq!(
        too_soon.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_soon.text
    );
    assert_eq!(too_soon.error_paths(), vec!["date"]);
    let sent = app
        .post(
            &send,
            ru_treasury,
            r#"{"date": "2021-03-16", "rate": "74.0000"}"#,
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(
        sent.body["transfer_amount_minor"], 16_542,
        "12,240.80 RUB / 74 = 165.416… → 165.42 USD"
    );
    assert_eq!(
        app.post(&confirm, ru_treasury, "").await.status,
        StatusCode::FORBIDDEN
    );
    a_third_state_does_not_see_the_order(app, parties, order).await;
}

/// The treasury of BY, neither sender nor receiver of the RU→KZ `order`, is not told it
/// exists: 404 to send or confirm it (as for an order that does not exist), and it is in
/// neither BY's list nor, since BY may not read them, RU's or KZ's.
async fn a_third_state_does_not_see_the_order(app: &App, parties: &Parties, order: &str) {
    let by = Some(parties.by_treasury.as_str());
    let nothing = app
        .post(&transfer_action("tr:XX:YY:2021-03-15", "send"), by, "")
        .await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND, "{}", nothing.text);
    for (action, body) in [
        ("send", r#"{"date": "2021-03-16", "rate": "74.0000"}"#),
        ("confirm", r#"{"date": "2021-03-16"}"#),
    ] {
        let r = app.post(&transfer_action(order, action), by, body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action}: {}", r.text);
        assert!(r.is_problem(), "{action}: {}", r.text);
        assert_eq!(
            r.body["detail"], nothing.body["detail"],
            "{action}: as for nothing"
        );
    }
    let own = app.get("/api/v1/treasury/BY/transfers", by).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let listed = own.body["transfers"].as_array().unwrap();
    assert!(!listed.is_empty(), "RU and KZ each owe BY: {}", own.text);
    assert!(
        listed
            .iter()
            .all(|o| o["id"] != order && o["receiver"] == "BY"),
        "{}",
        own.text
    );
    for state in ["RU", "KZ"] {
        let r = app
            .get(&format!("/api/v1/treasury/{state}/transfers"), by)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{state}: {}", r.text);
    }
    // Untouched: still sent, awaiting KZ's confirmation.
    let ru_list = app
        .get("/api/v1/treasury/RU/transfers", Some(&parties.ru_treasury))
        .await;
    let still = ru_list.body["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == order)
        .unwrap()
        .clone();
    assert_eq!(still["status"], "sent", "{still}");
}

/// KZ confirms `order` on the 19th, three days after its deadline: interest at 0.01 % a day, and
/// the books still reconcile.
async fn kz_confirms_three_days_late_with_interest(app: &App, parties: &Parties, order: &str) {
    let confirmed = app
        .post(
            &transfer_action(order, "confirm"),
            Some(&parties.kz_treasury),
            r#"{"date": "2021-03-19"}"#,
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(confirmed.body["days_late"], 3);
    assert_eq!(
        confirmed.body["interest_minor"], 367,
        "12,240.80 × 0.0001 × 3 = 3.67224"
    );
    let after = app.get(RECONCILE_MARCH, Some(&parties.commission)).await;
    assert_eq!(after.body["clean"], true, "{}", after.text);
}

/// On the 20th RU reports the 17th, whose report was due by 16:00 Moscow time on the 18th:
/// flagged late.
async fn a_report_made_after_its_deadline_is_late(app: &App, parties: &Parties) {
    let tardy = app
        .post(
            "/api/v1/treasury/RU/days/2021-03-17/close",
            Some(&parties.ru_treasury),
            "",
        )
        .await;
    assert_eq!(tardy.status, StatusCode::OK, "{}", tardy.text);
    assert_eq!(tardy.body["late"], true);
    assert_eq!(tardy.body["report_deadline"], "2021-03-18T13:00:00Z");
}

/// Before the first normatives, or for a non-member: refused with the reason.
async fn days_before_the_union_are_refused(app: &App, parties: &Parties) {
    let early = app
        .post(
            "/api/v1/treasury/RU/days/2010-06-01/close",
            Some(&parties.ru_treasury),
            "",
        )
        .await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.text
    );
    assert_eq!(early.error_paths(), vec!["date"]);
    let before = app
        .post(
            "/api/v1/treasury/RU/days/2009-03-15/close",
            Some(&parties.ru_treasury),
            "",
        )
        .await;
    assert_eq!(
        before.status,
        StatusCode::NOT_FOUND,
        "not a member yet: {}",
        before.text
    );
}

/// Receipts on either side of midnight of 2020-01-01 are split by the normatives of their own
/// day: the 2017 protocol's, then the 2020 protocol's.
pub async fn a_distribution_straddling_midnight_uses_each_days_normatives(db: TestDb) {
    use tamga_store::{Command, Decision, WriteRequest};
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    for day in ["2019-12-31", "2020-01-01"] {
        let id = app.file(&declarant, RU_BEER).await;
        app.act(&id, "register", &officer).await;
        app.store
            .write(WriteRequest {
                actor: "officer:test".into(),
                at: "2021-03-15T09:00:00Z".into(),
                idempotency: None,
                command: Command::Decide {
                    id,
                    decision: Decision::Release {
                        reason: None,
                        day: tamga_core::parse_date(day).unwrap(),
                    },
                },
            })
            .await
            .unwrap();
    }
    // Closed now (2021-03-15), with a window reaching back to these days.
    let treasury = tamga_app::App::new(
        app.store.clone(),
        crate::app::tariff(),
        tamga_app::BusinessDate::Fixed(crate::app::business_date()),
        tamga_app::TreasuryRules {
            money_date_window_days: 1000,
            ..tamga_app::TreasuryRules::default()
        },
    );
    let mut kz_shares = Vec::new();
    for day in ["2019-12-31", "2020-01-01"] {
        let (closing, _) = treasury
            .close_day(
                &tamga_app::Actor::Operator,
                "RU",
                tamga_core::parse_date(day).unwrap(),
            )
            .await
            .unwrap();
        let kz = closing.pools[0]
            .shares
            .iter()
            .find(|s| s.state.as_str() == "KZ")
            .unwrap()
            .clone();
        kz_shares.push((
            closing.normative_set,
            kz.percent.to_string(),
            kz.amount_minor,
        ));
    }
    // 88,000.00 each day: KZ 7.055 % on the 31st, 6.955 % on the 1st.
    assert_eq!(
        kz_shares,
        vec![
            ("2017".to_string(), "7.055".to_string(), 620_840),
            ("2020".to_string(), "6.955".to_string(), 612_040)
        ]
    );
    app.stop().await;
}

/// A refund is a negative receipt and penalty interest a positive one; a day of net refunds
/// splits into negative shares and makes no transfer order.
pub async fn refunds_and_penalty_interest_are_receipts_too(db: TestDb) {
    let mut app = App::start(db).await;
    let ru = app.token(Role::Treasury, Some("RU"), None).await;
    let kz = app.token(Role::Treasury, Some("KZ"), None).await;
    let receipts = "/api/v1/treasury/RU/receipts";
    let penalty =
        r#"{"event": "penalty_interest", "amount": "1000.00", "reference": "pen-2021-77"}"#;
    let refund = r#"{"event": "refund", "amount": "1500.00", "reference": "ref-2021-12"}"#;
    assert_eq!(
        app.post(receipts, Some(&kz), penalty).await.status,
        StatusCode::NOT_FOUND
    );
    let first = app.post(receipts, Some(&ru), penalty).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["amount_minor"], 100_000);
    assert_eq!(first.body["already_recorded"], false);
    let again = app.post(receipts, Some(&ru), penalty).await;
    assert_eq!(
        again.body["already_recorded"], true,
        "the same event and reference: once"
    );
    let r = app.post(receipts, Some(&ru), refund).await;
    assert_eq!(r.body["amount_minor"], -150_000);
    let bad = app
        .post(
            receipts,
            Some(&ru),
            r#"{"event": "gift", "amount": "-1", "reference": ""}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_paths(), vec!["event", "amount", "reference"]);
    app.next_business_date("2021-03-16").await;
    let closed = app
        .post("/api/v1/treasury/RU/days/2021-03-15/close", Some(&ru), "")
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let import = &closed.body["pools"][0];
    assert_eq!(
        import["total_minor"], -50_000,
        "1000.00 of interest less 1500.00 refunded"
    );
    let shares: Vec<i64> = import["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["amount_minor"].as_i64().unwrap())
        .collect();
    assert_eq!(shares.iter().sum::<i64>(), -50_000);
    assert!(
        shares.iter().all(|s| *s <= 0),
        "no share of a negative amount is positive"
    );
    let orders = app.get("/api/v1/treasury/RU/transfers", Some(&ru)).await;
    assert_eq!(orders.body["transfers"], json!([]));
    // After the close, a receipt of that day is credited to the next day.
    let late = app
        .post(receipts, Some(&ru), r#"{"event": "penalty_interest", "amount": "1.00", "reference": "pen-2021-78", "date": "2021-03-15"}"#)
        .await;
    assert_eq!(late.body["day"], "2021-03-16");
    app.stop().await;
}
