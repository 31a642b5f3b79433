//! The attacks of a hostile test run against the service: what one state, a careless treasury,
//! a declarant or a client holding sockets could do to others, each as it was tried.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use tamga_app::TreasuryRules;
use tamga_http::Limits;
use tamga_store::{Backend, Role};
use tamga_testing::TestDb;

use crate::app::{App, KZ_TIN, KZ_WATER, RU_BEER, RU_TIN, with};

fn receipt(event: &str, amount: &str, reference: &str) -> String {
    json!({"event": event, "amount": amount, "reference": reference}).to_string()
}

/// Two states record receipts under the same reference: each keeps its own, a replay answers
/// the caller's own entry, and a replay that differs is refused, never dropped with a 200.
pub async fn receipts_of_two_states_never_collide(db: TestDb) {
    let mut app = App::start(db).await;
    let ru = app.token(Role::Treasury, Some("RU"), None).await;
    let kz = app.token(Role::Treasury, Some("KZ"), None).await;
    each_state_keeps_its_own_refund_under_one_reference(&app, &ru, &kz).await;
    a_small_receipt_does_not_swallow_a_big_one(&app, &ru, &kz).await;
    a_replay_answers_the_same_entry_or_conflicts(&app, &ru).await;
    // RU's day distributes RU's receipts: 500,000.00 less 1,500.00.
    app.next_business_date("2021-03-16").await;
    each_state_distributes_only_its_own_receipts(&app, &ru, &kz).await;
    app.stop().await;
}

const RU_RECEIPTS: &str = "/api/v1/treasury/RU/receipts";
const KZ_RECEIPTS: &str = "/api/v1/treasury/KZ/receipts";

/// RU refunds 1,500.00 under R-1, then KZ 700.00 under R-1: KZ's is a new entry of its own.
async fn each_state_keeps_its_own_refund_under_one_reference(app: &App, ru: &str, kz: &str) {
    let first = app
        .post(RU_RECEIPTS, Some(ru), &receipt("refund", "1500.00", "R-1"))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let theirs = app
        .post(KZ_RECEIPTS, Some(kz), &receipt("refund", "700.00", "R-1"))
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.text);
    assert_eq!(theirs.body["already_recorded"], false, "KZ's own refund");
    assert_eq!(
        theirs.body["amount_minor"], -70_000,
        "KZ sees its amount, not RU's"
    );
    assert_ne!(theirs.body["entry_key"], first.body["entry_key"]);
}

/// KZ's 0.01 under a reference does not swallow RU's 500,000.00 under the same one.
async fn a_small_receipt_does_not_swallow_a_big_one(app: &App, ru: &str, kz: &str) {
    let small = app
        .post(
            KZ_RECEIPTS,
            Some(kz),
            &receipt("penalty_interest", "0.01", "RD-2"),
        )
        .await;
    assert_eq!(small.status, StatusCode::OK, "{}", small.text);
    let big = app
        .post(
            RU_RECEIPTS,
            Some(ru),
            &receipt("penalty_interest", "500000.00", "RD-2"),
        )
        .await;
    assert_eq!(big.status, StatusCode::OK, "{}", big.text);
    assert_eq!(big.body["already_recorded"], false);
    assert_eq!(big.body["amount_minor"], 50_000_000);
}

/// The same request again: the caller's own entry. Another amount, pool or day: 409.
async fn a_replay_answers_the_same_entry_or_conflicts(app: &App, ru: &str) {
    let replay = app
        .post(
            RU_RECEIPTS,
            Some(ru),
            &receipt("penalty_interest", "500000.00", "RD-2"),
        )
        .await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.body["already_recorded"], true);
    assert_eq!(replay.body["amount_minor"], 50_000_000);
    for differing in [
        receipt("penalty_interest", "400000.00", "RD-2"),
        json!({"event": "penalty_interest", "amount": "500000.00", "reference": "RD-2",
               "date": "2021-03-14"})
        .to_string(),
        json!({"event": "penalty_interest", "amount": "500000.00", "reference": "RD-2",
               "pool": "special_duty"})
        .to_string(),
    ] {
        let r = app.post(RU_RECEIPTS, Some(ru), &differing).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{differing}: {}", r.text);
        assert!(r.is_problem());
        assert!(
            r.body["detail"].as_str().unwrap().contains("recorded"),
            "{}",
            r.text
        );
    }
}

/// Each state closes the 15th: RU's total is RU's receipts, KZ's is KZ's.
async fn each_state_distributes_only_its_own_receipts(app: &App, ru: &str, kz: &str) {
    let closed = app
        .post("/api/v1/treasury/RU/days/2021-03-15/close", Some(ru), "")
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    assert_eq!(closed.body["pools"][0]["total_minor"], 49_850_000);
    let kz_closed = app
        .post("/api/v1/treasury/KZ/days/2021-03-15/close", Some(kz), "")
        .await;
    assert_eq!(kz_closed.body["pools"][0]["total_minor"], -69_999);
}

/// A sender's transfer, and the money dates around it: a confirmation cannot be dated at will,
/// and interest beyond the cap needs a separate approval that the receiver cannot give.
pub async fn the_receiver_of_a_transfer_cannot_choose_its_interest(db: TestDb) {
    let rules = TreasuryRules {
        // A cap of 0.02 % of the debt: two days late at 0.01 % a day.
        interest_cap_percent: rust_decimal::Decimal::new(2, 2),
        ..TreasuryRules::default()
    };
    let mut app = App::start_with_treasury(db, rules).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    let ru = app.token(Role::Treasury, Some("RU"), None).await;
    let kz = app.token(Role::Treasury, Some("KZ"), None).await;
    let commission = app.token(Role::Commission, None, None).await;
    let by = app.token(Role::Treasury, Some("BY"), None).await;
    let id = app.file(&declarant, RU_BEER).await;
    app.act(&id, "register", &officer).await;
    app.act(&id, "release", &officer).await;
    receipts_are_dated_within_the_window(&app, &ru).await;
    app.next_business_date("2021-03-16").await;
    ru_closes_the_15th_and_sends_kz_its_share(&app, &ru).await;
    // The attack: confirmed "on 9999-12-31". Also before it was sent, or after today.
    app.next_business_date("2021-03-20").await;
    a_confirmation_cannot_be_dated_at_will(&app, &kz).await;
    interest_over_the_cap_waits_for_the_senders_approval(&app, &ru, &kz).await;
    the_approved_confirmation_bears_four_days_of_interest(&app, &kz).await;
    the_commission_approves_interest_on_another_order(&app, &ru, &by, &commission).await;
    // The approvals are in the audit log.
    let audit = app.get("/api/v1/audit/verify", Some(&commission)).await;
    assert_eq!(audit.body["intact"], true, "{}", audit.text);
    app.stop().await;
}

/// The path of `action` on the RU→KZ transfer order of the 15th.
fn ru_kz_order(action: &str) -> String {
    format!("/api/v1/treasury/transfers/tr:RU:KZ:2021-03-15/{action}")
}

/// Receipts are dated within the window and never after the business date.
async fn receipts_are_dated_within_the_window(app: &App, ru: &str) {
    for (date, why) in [
        ("9999-12-31", "after the business date"),
        ("2019-01-01", "more than"),
    ] {
        let r = app
            .post(
                "/api/v1/treasury/RU/receipts",
                Some(ru),
                &json!({"event": "refund", "amount": "1.00", "reference": format!("x-{date}"),
                        "date": date})
                .to_string(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date}: {}",
            r.text
        );
        assert_eq!(r.error_paths(), vec!["date"]);
        assert!(r.text.contains(why), "{}", r.text);
    }
}

/// On the 16th RU closes the 15th and sends KZ's share on the day it is due.
async fn ru_closes_the_15th_and_sends_kz_its_share(app: &App, ru: &str) {
    let close = app
        .post("/api/v1/treasury/RU/days/2021-03-15/close", Some(ru), "")
        .await;
    assert_eq!(close.status, StatusCode::OK, "{}", close.text);
    let sent = app
        .post(
            &ru_kz_order("send"),
            Some(ru),
            r#"{"date": "2021-03-16", "rate": "74.0000"}"#,
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
}

/// On the 20th the receiver dates its confirmation in the far future, before the sending, or
/// after today: each refused at the date.
async fn a_confirmation_cannot_be_dated_at_will(app: &App, kz: &str) {
    let confirm = ru_kz_order("confirm");
    for date in ["9999-12-31", "2021-03-15", "2021-03-21"] {
        let r = app
            .post(&confirm, Some(kz), &json!({"date": date}).to_string())
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date}: {}",
            r.text
        );
        assert_eq!(r.error_paths(), vec!["date"], "{date}");
    }
}

/// Four days late is 0.04 % of the debt, above the 0.02 % cap: refused until approved. The
/// receiver cannot approve it; the sender (or the commission) can, with a reason.
async fn interest_over_the_cap_waits_for_the_senders_approval(app: &App, ru: &str, kz: &str) {
    let approve = ru_kz_order("approve-interest");
    let over = app
        .post(
            &ru_kz_order("confirm"),
            Some(kz),
            r#"{"date": "2021-03-20"}"#,
        )
        .await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.text);
    assert_eq!(over.body["type"], "urn:tamga:problem:interest-over-cap");
    assert!(over.text.contains("approve-interest"), "{}", over.text);
    // The receiver cannot approve it; the sender (or the commission) can, with a reason.
    let by_receiver = app
        .post(
            &approve,
            Some(kz),
            r#"{"amount": "10.00", "reason": "we waited"}"#,
        )
        .await;
    assert_eq!(
        by_receiver.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_receiver.text
    );
    let no_reason = app.post(&approve, Some(ru), r#"{"amount": "10.00"}"#).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.error_paths(), vec!["reason"]);
    let approved = app
        .post(
            &approve,
            Some(ru),
            r#"{"amount": "10.00", "reason": "our bank held the payment"}"#,
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["interest_approved_minor"], 1_000);
}

/// Once approved, the confirmation of the 20th goes through: four days at 0.01 % a day.
async fn the_approved_confirmation_bears_four_days_of_interest(app: &App, kz: &str) {
    let confirmed = app
        .post(
            &ru_kz_order("confirm"),
            Some(kz),
            r#"{"date": "2021-03-20"}"#,
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(confirmed.body["days_late"], 4);
    let amount = confirmed.body["amount_minor"].as_i64().unwrap();
    assert_eq!(
        confirmed.body["interest_minor"].as_i64().unwrap(),
        (amount * 4 + 5_000) / 10_000
    );
}

/// The commission too approves interest over the cap: RU sends BY's share of the 15th on the
/// 20th, BY's confirmation that day (four days late) is refused, the commission approves, and
/// BY confirms with the four days of interest.
async fn the_commission_approves_interest_on_another_order(
    app: &App,
    ru: &str,
    by: &str,
    commission: &str,
) {
    let order = |action: &str| format!("/api/v1/treasury/transfers/tr:RU:BY:2021-03-15/{action}");
    let sent = app
        .post(
            &order("send"),
            Some(ru),
            r#"{"date": "2021-03-20", "rate": "74.0000"}"#,
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let confirm = r#"{"date": "2021-03-20"}"#;
    let over = app.post(&order("confirm"), Some(by), confirm).await;
    assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.text);
    assert_eq!(over.body["type"], "urn:tamga:problem:interest-over-cap");
    let approved = app
        .post(
            &order("approve-interest"),
            Some(commission),
            r#"{"amount": "10.00", "reason": "the payment system was down"}"#,
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["interest_approved_minor"], 1_000);
    let who = approved.body["interest_approval"].as_str().unwrap();
    assert!(
        who.starts_with("commission:") && who.ends_with("the payment system was down"),
        "{who}"
    );
    let confirmed = app.post(&order("confirm"), Some(by), confirm).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(confirmed.body["days_late"], 4);
    let amount = confirmed.body["amount_minor"].as_i64().unwrap();
    assert_eq!(
        confirmed.body["interest_minor"].as_i64().unwrap(),
        (amount * 4 + 5_000) / 10_000
    );
}

/// One declarant's NUL character fails its own request with 422 and the place, on both
/// databases; nobody else's writes notice.
pub async fn a_nul_fails_its_own_request_alone(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let other = app.token(Role::Declarant, None, Some("5009999999")).await;
    let admin = app.token(Role::Admin, None, None).await;
    let ru = app.token(Role::Treasury, Some("RU"), None).await;
    let id = app.file(&declarant, RU_BEER).await;
    let withdraw = format!("/api/v1/declarations/{id}/withdraw");
    a_nul_in_a_reason_path_or_query_is_placed(&app, &declarant, &withdraw).await;
    a_nul_in_any_body_is_placed(&app, &declarant, &admin, &ru).await;
    neighbours_file_while_one_sends_nuls(&app, &declarant, &other, &withdraw).await;
    let mine = app
        .get(&format!("/api/v1/declarations/{id}"), Some(&declarant))
        .await;
    assert_eq!(mine.body["status"], "submitted", "nothing was changed");
    app.stop().await;
}

/// A NUL in a withdrawal's reason (at `withdraw`), in a path segment and in query parameters:
/// each answered 422 with its place.
async fn a_nul_in_a_reason_path_or_query_is_placed(app: &App, declarant: &str, withdraw: &str) {
    let r = app
        .post(withdraw, Some(declarant), r#"{"reason": "\u0000"}"#)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.error_paths(), vec!["reason"]);
    assert!(r.text.contains("U+0000"), "{}", r.text);
    for (path, place) in [
        ("/api/v1/declarations/dcl_%00", "path.id"),
        ("/api/v1/declarations?state=R%00", "query.state"),
        ("/api/v1/declarations?cursor=%01", "query.cursor"),
    ] {
        let r = app.get(path, Some(declarant)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.text
        );
        assert_eq!(r.error_paths(), vec![place], "{path}");
    }
}

/// A NUL in a token's name, a receipt's reference and a declaration's text: 422 at the field.
async fn a_nul_in_any_body_is_placed(app: &App, declarant: &str, admin: &str, ru: &str) {
    let r = app
        .post(
            "/api/v1/tokens",
            Some(admin),
            r#"{"role": "commission", "name": "evil\u0000"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.error_paths(), vec!["name"]);
    let r = app
        .post(
            "/api/v1/treasury/RU/receipts",
            Some(ru),
            &receipt("refund", "1.00", "R\u{0}1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.error_paths(), vec!["reference"]);
    let r = app
        .post(
            "/api/v1/declarations",
            Some(declarant),
            &with(RU_BEER, "/items/0/description", json!("beer\u{0}")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.error_paths(), vec!["items[0].description"]);
}

/// Many tenants file while one keeps sending NULs: every filing is made, none is a 503. One in
/// four of the 40 requests is `declarant`'s NUL withdrawal at `withdraw`; the rest are `other`'s
/// filings.
async fn neighbours_file_while_one_sends_nuls(
    app: &App,
    declarant: &str,
    other: &str,
    withdraw: &str,
) {
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (base, http) = (app.base.clone(), app.http.clone());
        let (token, body, path) = if i % 4 == 0 {
            (
                declarant.to_owned(),
                r#"{"reason": "\u0000"}"#.to_owned(),
                withdraw.to_owned(),
            )
        } else {
            let body = with(RU_BEER, "/declarant/tin", json!("5009999999"));
            (other.to_owned(), body, "/api/v1/declarations".to_owned())
        };
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}{path}"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (i % 4 == 0, r.status())
        }));
    }
    for task in tasks {
        let (hostile, status) = task.await.unwrap();
        if hostile {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        } else {
            assert_eq!(status, StatusCode::CREATED, "a neighbour's filing");
        }
    }
}

/// 2,000 sockets that send nothing: the service keeps answering new clients, shedding the
/// oldest idle connections; a client that never finishes its headers is closed.
pub async fn idle_sockets_do_not_take_the_service_off_the_air(db: TestDb) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = Limits {
        header_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let app = App::start_with(db, |_| {}, limits).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut idle = Vec::with_capacity(2_000);
    for _ in 0..2_000 {
        idle.push(tokio::net::TcpStream::connect(&address).await.unwrap());
    }
    for _ in 0..3 {
        // A new client each time: its own connection.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let started = Instant::now();
        let r = tokio::time::timeout(
            Duration::from_secs(5),
            client.get(format!("{}/healthz", app.base)).send(),
        )
        .await
        .expect("/healthz answers while 2,000 sockets sit idle")
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "/healthz took {:?}",
            started.elapsed()
        );
    }
    drop(idle);
    // Headers begun and never finished: closed after the header timeout.
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(6), slow.read(&mut buf))
        .await
        .expect("the server closes a connection that never finishes its headers");
    // Closed (0 bytes, or reset), or answered with a 4xx and then closed.
    match read {
        Ok(0) | Err(_) => {}
        Ok(n) => assert!(buf[..n].starts_with(b"HTTP/1.1 4"), "{:?}", &buf[..n]),
    }
    app.stop().await;
}

/// A day is closed once it has ended; a far-future closing is refused, and reconciliation
/// shows what is received and not distributed.
pub async fn a_day_is_closed_only_once_it_has_ended(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    let ru = app.token(Role::Treasury, Some("RU"), None).await;
    let commission = app.token(Role::Commission, None, None).await;
    let id = app.file(&declarant, RU_BEER).await;
    app.act(&id, "register", &officer).await;
    for day in ["9999-12-31", "2021-03-16", "2021-03-15"] {
        let r = app
            .post(
                &format!("/api/v1/treasury/RU/days/{day}/close"),
                Some(&ru),
                "",
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{day}: {}",
            r.text
        );
        assert!(r.text.contains("has not ended"), "{}", r.text);
    }
    // So the release is credited to the 15th, which is still open, and reconciliation says so.
    let released = app.act(&id, "release", &officer).await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.text);
    let books = app
        .get(
            "/api/v1/treasury/reconcile?from=2021-03-01&to=2021-03-31",
            Some(&commission),
        )
        .await;
    assert_eq!(books.body["books_agree"], true, "{}", books.text);
    assert_eq!(
        books.body["clean"], false,
        "88,000.00 is not distributed yet"
    );
    assert_eq!(
        books.body["undistributed"],
        json!([{"state": "RU", "day": "2021-03-15", "pool": "import_duty", "currency": "RUB",
                "amount_minor": 8_800_000, "day_closed": false}])
    );
    let reversed = app
        .get(
            "/api/v1/treasury/reconcile?from=2021-03-31&to=2021-03-01",
            Some(&commission),
        )
        .await;
    assert_eq!(
        reversed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        reversed.text
    );
    app.stop().await;
}

/// A state's declaration names one of its own offices: a KZ declaration cannot draw numbers
/// from a Russian office's sequence.
pub async fn an_office_belongs_to_the_declaring_state(db: TestDb) {
    let app = App::start(db).await;
    let kz = app.token(Role::Declarant, None, Some(KZ_TIN)).await;
    let ru = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    for (token, body, office) in [
        (&kz, KZ_WATER, "10702070"),
        (&ru, RU_BEER, "50401"),
        (&ru, RU_BEER, "20702070"),
    ] {
        let r = app
            .post(
                "/api/v1/declarations",
                Some(token),
                &with(body, "/customs_office", json!(office)),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{office}: {}",
            r.text
        );
        assert_eq!(r.error_paths(), vec!["customs_office"], "{office}");
    }
    app.stop().await;
}

/// The small holes: a junk registration date, amounts that are not plain decimals, a customs
/// value that rounds to nothing, a body that is not JSON, and cursors that reveal volume.
pub async fn input_is_read_strictly(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let other = app.token(Role::Declarant, None, Some("5009999999")).await;
    let ru = app.token(Role::Treasury, Some("RU"), None).await;
    a_junk_registration_date_is_refused(&app, &declarant).await;
    customs_values_are_plain_decimals(&app, &declarant).await;
    receipt_amounts_are_plain_decimals(&app, &ru).await;
    only_json_bodies_are_read(&app, &declarant).await;
    cursors_are_opaque_and_the_callers_own(&app, &declarant, &other).await;
    app.stop().await;
}

/// A registration date that is not a date is refused at its field.
async fn a_junk_registration_date_is_refused(app: &App, declarant: &str) {
    let junk = app
        .post(
            "/api/v1/declarations",
            Some(declarant),
            &with(RU_BEER, "/registration_date", json!("yesterday")),
        )
        .await;
    assert_eq!(
        junk.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        junk.text
    );
    assert_eq!(junk.error_paths(), vec!["registration_date"]);
}

/// A customs value with a sign, too many places, a bare point, as a JSON number, in exponent
/// form, or rounding to nothing: refused at its field.
async fn customs_values_are_plain_decimals(app: &App, declarant: &str) {
    for value in [
        json!("+9000"),
        json!("9000.001"),
        json!("1."),
        json!(1e-28),
        json!("1e-28"),
    ] {
        let r = app
            .post(
                "/api/v1/declarations",
                Some(declarant),
                &with(RU_BEER, "/items/0/customs_value", value.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{value}: {}",
            r.text
        );
        assert_eq!(r.error_paths(), vec!["items[0].customs_value"], "{value}");
    }
}

/// A receipt's amount with a sign, too many places, a bare point, or zero: refused at its field.
async fn receipt_amounts_are_plain_decimals(app: &App, ru: &str) {
    for amount in ["+9000", "9000.001", "1.", "0.00"] {
        let r = app
            .post(
                "/api/v1/treasury/RU/receipts",
                Some(ru),
                &receipt("refund", amount, "R-9"),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{amount}: {}",
            r.text
        );
        assert_eq!(r.error_paths(), vec!["amount"], "{amount}");
    }
}

/// An empty body needs no type (release, register); a body that is not JSON is 415.
async fn only_json_bodies_are_read(app: &App, declarant: &str) {
    let empty = app
        .send(
            Method::POST,
            "/api/v1/assess",
            None,
            None,
            &[("content-type", "text/plain")],
        )
        .await;
    assert_ne!(
        empty.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        empty.text
    );
    let form = app
        .http
        .post(format!("{}/api/v1/declarations", app.base))
        .bearer_auth(declarant)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(RU_BEER)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        form.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
}

/// Cursors: opaque, and only for the caller they were given to. `declarant` files three and
/// pages by two; `other` may not use its cursor.
async fn cursors_are_opaque_and_the_callers_own(app: &App, declarant: &str, other: &str) {
    for _ in 0..3 {
        app.file(declarant, RU_BEER).await;
    }
    let page = app
        .get("/api/v1/declarations?limit=2", Some(declarant))
        .await;
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    assert!(cursor.parse::<i64>().is_err(), "not a row number: {cursor}");
    let next = app
        .get(
            &format!("/api/v1/declarations?limit=2&cursor={cursor}"),
            Some(declarant),
        )
        .await;
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(next.body["items"].as_array().unwrap().len(), 1);
    let stolen = app
        .get(
            &format!("/api/v1/declarations?limit=2&cursor={cursor}"),
            Some(other),
        )
        .await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST, "{}", stolen.text);
}

/// A database link that freezes: requests are answered 503 after the statement timeout, not
/// after the operating system gives up, `/healthz` included; the service recovers.
pub async fn a_frozen_database_link_answers_503_in_time(db: TestDb) {
    assert_eq!(db.backend, Backend::Postgres);
    let proxy = crate::freeze::FreezableProxy::start("127.0.0.1:5432").await;
    let url = db.url.replace("127.0.0.1:5432", &proxy.address);
    let app = App::start_with(
        db,
        |o| {
            o.url = url;
            o.statement_timeout = Duration::from_secs(2);
            o.acquire_timeout = Duration::from_secs(2);
        },
        Limits::default(),
    )
    .await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let id = app.file(&declarant, RU_BEER).await;
    let path = format!("/api/v1/declarations/{id}");
    assert_eq!(
        app.get(&path, Some(&declarant)).await.status,
        StatusCode::OK
    );
    proxy.freeze(true);
    for (what, reply) in [
        ("healthz", app.get("/healthz", None)),
        ("read", app.get(&path, Some(&declarant))),
    ] {
        let started = Instant::now();
        let reply = reply.await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{what}: {}",
            reply.text
        );
        assert!(reply.is_problem());
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "{what} took {:?}",
            started.elapsed()
        );
    }
    let started = Instant::now();
    let write = app
        .post("/api/v1/declarations", Some(&declarant), RU_BEER)
        .await;
    assert_eq!(
        write.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        write.text
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    proxy.freeze(false);
    proxy.cut_all();
    let mut back = false;
    for _ in 0..20 {
        if app.get("/healthz", None).await.status == StatusCode::OK {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(back, "the service recovers when the link does");
    app.stop().await;
}
