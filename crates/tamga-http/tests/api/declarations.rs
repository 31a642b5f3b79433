//! Declarations: filing, amending and versions, registration and its numbering, decisions,
//! and lists paged by cursor, each case written once and run on both backends.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tamga_store::Role;
use tamga_testing::TestDb;

use crate::app::{App, BAD, KZ_TIN, KZ_WATER, RU_BEER, RU_TIN, with};

pub async fn a_declaration_is_filed_registered_and_released(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;

    let filed = app
        .post("/api/v1/declarations", Some(&declarant), RU_BEER)
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text);
    let id = filed.body["id"].as_str().unwrap().to_owned();
    assert_eq!(filed.body["status"], "submitted");
    assert_eq!(
        filed.headers["location"].to_str().unwrap(),
        format!("/api/v1/declarations/{id}")
    );
    assert_eq!(filed.body["declaration"]["items"][0]["code"], "2202910000");

    let registered = app.act(&id, "register", &officer).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    assert_eq!(registered.body["status"], "registered");
    assert_eq!(registered.body["number"], "10702070/150321/0000001");
    assert_eq!(registered.body["registration_date"], "2021-03-15");
    // The assessment is stored with what it used: 0.1 EUR/l × 10,000 l × 88 = 88,000.00.
    let assessment = &registered.body["assessment"];
    assert_eq!(assessment["totals"]["import_duty"], "88000.00");
    assert_eq!(assessment["tariff_edition"], "ett2017");
    assert_eq!(assessment["exchange_rates"][0]["source"], "declaration");

    let released = app
        .post(
            &format!("/api/v1/declarations/{id}/release"),
            Some(&officer),
            r#"{"reason": "documents checked"}"#,
        )
        .await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.text);
    assert_eq!(released.body["status"], "released");
    assert_eq!(released.body["reason"], "documents checked");

    // The declarant follows it; it is released for good.
    let seen = app
        .get(&format!("/api/v1/declarations/{id}"), Some(&declarant))
        .await;
    assert_eq!(seen.body["status"], "released");
    assert_eq!(seen.body["number"], "10702070/150321/0000001");
    let again = app.act(&id, "release", &officer).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.is_problem());
    let withdraw = app.act(&id, "withdraw", &declarant).await;
    assert_eq!(withdraw.status, StatusCode::CONFLICT, "{}", withdraw.text);
    app.stop().await;
}

pub async fn a_declarant_cannot_see_anothers_declaration(db: TestDb) {
    let app = App::start(db).await;
    let owner = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let other = app.token(Role::Declarant, None, Some("5009999999")).await;
    let id = app.file(&owner, RU_BEER).await;
    let path = format!("/api/v1/declarations/{id}");

    assert_eq!(app.get(&path, Some(&owner)).await.status, StatusCode::OK);
    // Not 403: the other declarant must not learn that it exists.
    let read = app.get(&path, Some(&other)).await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert!(read.is_problem());
    let missing = app
        .get("/api/v1/declarations/dcl_doesnotexist", Some(&other))
        .await;
    assert_eq!(
        missing.body["detail"], read.body["detail"],
        "the same answer as for nothing"
    );
    assert_eq!(
        app.get(&format!("{path}/versions"), Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.act(&id, "withdraw", &other).await.status,
        StatusCode::NOT_FOUND
    );
    let amend = app
        .send(Method::PUT, &path, Some(&other), Some(RU_BEER), &[])
        .await;
    assert_eq!(amend.status, StatusCode::NOT_FOUND);
    let list = app.get("/api/v1/declarations", Some(&other)).await;
    assert_eq!(list.body["items"], json!([]));
    // Nor can it file in another's name.
    let forged = app
        .post("/api/v1/declarations", Some(&other), RU_BEER)
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(forged.error_paths(), vec!["declarant.tin"]);
    // The owner's declaration is untouched.
    assert_eq!(
        app.get(&path, Some(&owner)).await.body["status"],
        "submitted"
    );
    app.stop().await;
}

pub async fn an_officer_of_kz_cannot_release_a_ru_declaration(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let ru = app.token(Role::Officer, Some("RU"), None).await;
    let kz = app.token(Role::Officer, Some("KZ"), None).await;
    let id = app.file(&declarant, RU_BEER).await;

    assert_eq!(
        app.act(&id, "register", &kz).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.act(&id, "register", &ru).await.status, StatusCode::OK);
    let release = app.act(&id, "release", &kz).await;
    assert_eq!(release.status, StatusCode::NOT_FOUND, "{}", release.text);
    assert!(release.is_problem());
    let refuse = app
        .post(
            &format!("/api/v1/declarations/{id}/refuse"),
            Some(&kz),
            r#"{"reason":"x"}"#,
        )
        .await;
    assert_eq!(refuse.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/api/v1/declarations/{id}"), Some(&kz))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Still registered: nothing the KZ officer did changed it.
    let seen = app
        .get(&format!("/api/v1/declarations/{id}"), Some(&ru))
        .await;
    assert_eq!(seen.body["status"], "registered");
    assert_eq!(
        app.act(&id, "release", &ru).await.body["status"],
        "released"
    );
    app.stop().await;
}

pub async fn an_invalid_declaration_gets_every_error_with_its_path(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let bad = app
        .post("/api/v1/declarations", Some(&declarant), BAD)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.is_problem());
    let paths = bad.error_paths();
    for expected in ["items[0].code", "items[1].customs_value"] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:?}"
        );
    }
    let malformed = app
        .post(
            "/api/v1/declarations",
            Some(&declarant),
            "{\n  \"state\": \"RU\",\n  oops\n}",
        )
        .await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = malformed.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("line 3"), "{message}");
    let not_utf8 = app
        .send(
            Method::POST,
            "/api/v1/declarations",
            Some(&declarant),
            None,
            &[],
        )
        .await;
    assert_eq!(not_utf8.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_object = app
        .post("/api/v1/declarations", Some(&declarant), "[1, 2]")
        .await;
    assert_eq!(not_object.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing was stored.
    let list = app.get("/api/v1/declarations", Some(&declarant)).await;
    assert_eq!(list.body["items"], json!([]));
    let calc = app.post("/api/v1/assess", None, BAD).await;
    assert_eq!(calc.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        calc.error_paths(),
        paths,
        "the calculator reports the same problems"
    );
    app.stop().await;
}

pub async fn idempotency_keys_replay_the_response_or_conflict(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    let key = [("idempotency-key", "order-2021-0315")];
    let first = app
        .send(
            Method::POST,
            "/api/v1/declarations",
            Some(&declarant),
            Some(RU_BEER),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = app
        .send(
            Method::POST,
            "/api/v1/declarations",
            Some(&declarant),
            Some(RU_BEER),
            &key,
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.text, first.text, "the same response, byte for byte");
    let list = app.get("/api/v1/declarations", Some(&declarant)).await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "filed once"
    );
    let other_body = with(RU_BEER, "/items/0/customs_value", json!("9100.00"));
    let conflict = app
        .send(
            Method::POST,
            "/api/v1/declarations",
            Some(&declarant),
            Some(&other_body),
            &key,
        )
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert!(conflict.is_problem());
    // A retried registration returns the registration, not "already registered".
    let id = first.body["id"].as_str().unwrap();
    let path = format!("/api/v1/declarations/{id}/register");
    let rkey = [("idempotency-key", "reg-1")];
    let r1 = app
        .send(Method::POST, &path, Some(&officer), Some(""), &rkey)
        .await;
    let r2 = app
        .send(Method::POST, &path, Some(&officer), Some(""), &rkey)
        .await;
    assert_eq!(
        (r1.status, r2.status),
        (StatusCode::OK, StatusCode::OK),
        "{}",
        r2.text
    );
    assert_eq!(r1.text, r2.text);
    let r3 = app.act(id, "register", &officer).await;
    assert_eq!(
        r3.status,
        StatusCode::CONFLICT,
        "without the key it is a new request"
    );
    app.stop().await;
}

pub async fn amendments_are_versions_and_show_what_changed(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    let id = app.file(&declarant, RU_BEER).await;
    let path = format!("/api/v1/declarations/{id}");
    let amended = with(RU_BEER, "/items/0/quantities/l", json!("20000"));
    let v2 = app
        .send(Method::PUT, &path, Some(&declarant), Some(&amended), &[])
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["version"], 2);
    // Based on a version that is no longer current: 412, nothing changed.
    let stale = app
        .send(
            Method::PUT,
            &path,
            Some(&declarant),
            Some(RU_BEER),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.text
    );
    // The state and office cannot change.
    let moved = with(&amended, "/customs_office", json!("10005000"));
    let r = app
        .send(Method::PUT, &path, Some(&declarant), Some(&moved), &[])
        .await;
    assert_eq!(r.error_paths(), vec!["customs_office"]);
    // Registered: an amendment is re-assessed on the registration date.
    let registered = app.act(&id, "register", &officer).await;
    assert_eq!(
        registered.body["assessment"]["totals"]["import_duty"],
        "176000.00"
    );
    let v3_body = with(&amended, "/items/0/quantities/l", json!("5000"));
    let v3 = app
        .send(
            Method::PUT,
            &path,
            Some(&declarant),
            Some(&v3_body),
            &[("if-match", "2")],
        )
        .await;
    assert_eq!(v3.status, StatusCode::OK, "{}", v3.text);
    assert_eq!(v3.body["status"], "registered");
    assert_eq!(v3.body["assessment"]["totals"]["import_duty"], "44000.00");
    let versions = app.get(&format!("{path}/versions"), Some(&declarant)).await;
    let list = versions.body["versions"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(
        list[0]["declaration"]["items"][0]["quantities"]["l"], "10000",
        "v1 kept as filed"
    );
    assert_eq!(list[0]["changes"], json!([]));
    assert_eq!(
        list[1]["changes"],
        json!([{"path": "items[0].quantities.l", "before": "10000", "after": "20000"}])
    );
    assert_eq!(list[2]["changes"][0]["after"], "5000");
    app.act(&id, "release", &officer).await;
    let closed = app
        .send(Method::PUT, &path, Some(&declarant), Some(RU_BEER), &[])
        .await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    app.stop().await;
}

pub async fn two_officers_release_at_once_and_one_wins(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let first = app.token(Role::Officer, Some("RU"), None).await;
    let second = app.token(Role::Officer, Some("RU"), None).await;
    for _ in 0..5 {
        let id = app.file(&declarant, RU_BEER).await;
        app.act(&id, "register", &first).await;
        let (a, b) = tokio::join!(
            app.act(&id, "release", &first),
            app.act(&id, "release", &second)
        );
        let statuses = BTreeSet::from([a.status.as_u16(), b.status.as_u16()]);
        assert_eq!(
            statuses,
            BTreeSet::from([200, 409]),
            "{} / {}",
            a.text,
            b.text
        );
    }
    app.stop().await;
}

pub async fn concurrent_registrations_number_without_gaps(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officers = [
        app.token(Role::Officer, Some("RU"), None).await,
        app.token(Role::Officer, Some("RU"), None).await,
    ];
    let mut ids = Vec::new();
    for _ in 0..30 {
        ids.push(app.file(&declarant, RU_BEER).await);
    }
    let replies = futures_join_all(
        ids.iter()
            .enumerate()
            .map(|(i, id)| app.act(id, "register", &officers[i % 2]))
            .collect(),
    )
    .await;
    let numbers: BTreeSet<String> = replies
        .iter()
        .map(|r| {
            r.body["number"]
                .as_str()
                .unwrap_or_else(|| panic!("{}", r.text))
                .to_owned()
        })
        .collect();
    let expected: BTreeSet<String> = (1..=30)
        .map(|n| format!("10702070/150321/{n:07}"))
        .collect();
    assert_eq!(numbers, expected);
    app.stop().await;
}

/// Runs the futures at once (a small join_all, to keep the dependency list short).
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *output = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(|o| o.unwrap()).collect()
}

pub async fn lists_page_by_cursor_within_the_callers_scope(db: TestDb) {
    let app = App::start(db).await;
    let ru_declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let kz_declarant = app.token(Role::Declarant, None, Some(KZ_TIN)).await;
    let ru_officer = app.token(Role::Officer, Some("RU"), None).await;
    let kz_officer = app.token(Role::Officer, Some("KZ"), None).await;
    let mut ru = Vec::new();
    for _ in 0..12 {
        ru.push(app.file(&ru_declarant, RU_BEER).await);
    }
    let kz = app.file(&kz_declarant, KZ_WATER).await;
    app.act(&ru[0], "register", &ru_officer).await;

    let seen = declarations_paged_by_five(&app, &ru_officer).await;
    assert_eq!(
        seen, ru,
        "the RU officer pages through RU's declarations only, in order"
    );
    let kz_list = app.get("/api/v1/declarations", Some(&kz_officer)).await;
    let kz_ids: Vec<&str> = kz_list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(kz_ids, vec![kz.as_str()]);
    let asked_ru = app
        .get("/api/v1/declarations?state=RU", Some(&kz_officer))
        .await;
    assert_eq!(
        asked_ru.body["items"],
        json!([]),
        "another state's list is empty, not an error"
    );
    let registered = app
        .get(
            "/api/v1/declarations?status=registered&from=2021-03-15&to=2021-03-15",
            Some(&ru_officer),
        )
        .await;
    // Submitted "today" by the business date.
    assert_eq!(
        registered.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        registered.text
    );
    for bad in [
        "status=lost",
        "from=yesterday",
        "limit=0",
        "limit=100000",
        "cursor=-4",
        "cursor=abc",
    ] {
        let r = app
            .get(&format!("/api/v1/declarations?{bad}"), Some(&ru_officer))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.is_problem(), "{bad}");
    }
    app.stop().await;
}

/// Every declaration `token` may list, by following the cursor five at a time; each page must
/// be a 200. Returns the ids in the order they came.
async fn declarations_paged_by_five(app: &App, token: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(
                &format!("/api/v1/declarations?limit=5{cursor}"),
                Some(token),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    seen
}

pub async fn the_business_date_replaces_the_declared_one(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(KZ_TIN)).await;
    let officer = app.token(Role::Officer, Some("KZ"), None).await;
    // Declared for 2019-06-10; the service registers on its business date, 2021-03-15.
    let id = app.file(&declarant, KZ_WATER).await;
    let r = app.act(&id, "register", &officer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["number"], "50401/150321/0000001");
    assert_eq!(r.body["registration_date"], "2021-03-15");
    let a = &r.body["assessment"];
    assert_eq!(a["registration_date"], "2021-03-15");
    assert_eq!(a["registration_date_replaced"]["declared"], "2019-06-10");
    assert_eq!(a["registration_date_replaced"]["used"], "2021-03-15");
    assert_eq!(a["currency"], "KZT");
    // The body as filed is kept as filed.
    assert_eq!(r.body["declaration"]["registration_date"], "2019-06-10");
    app.stop().await;
}
