//! The service's behaviour, each case written once and run on both backends.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tamga_server::Limits;
use tamga_store::testing::TestDb;
use tamga_store::{Backend, Role};

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

pub async fn roles_decide_what_each_token_may_do(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    let treasury = app.token(Role::Treasury, Some("RU"), None).await;
    let kz_treasury = app.token(Role::Treasury, Some("KZ"), None).await;
    let commission = app.token(Role::Commission, None, None).await;
    let admin = app.token(Role::Admin, None, None).await;
    let id = app.file(&declarant, RU_BEER).await;
    let path = format!("/api/v1/declarations/{id}");

    // Only a declarant files.
    for token in [&officer, &treasury, &commission, &admin] {
        let r = app.post("/api/v1/declarations", Some(token), RU_BEER).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert!(r.is_problem());
    }
    // The declarant sees its own but may not register it.
    assert_eq!(
        app.act(&id, "register", &declarant).await.status,
        StatusCode::FORBIDDEN
    );
    // Treasury of the state reads, writes nothing; of another state sees nothing.
    assert_eq!(app.get(&path, Some(&treasury)).await.status, StatusCode::OK);
    assert_eq!(
        app.act(&id, "register", &treasury).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&path, Some(&kz_treasury)).await.status,
        StatusCode::NOT_FOUND
    );
    // The commission reads everything and writes nothing.
    assert_eq!(
        app.get(&path, Some(&commission)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.act(&id, "register", &commission).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.act(&id, "withdraw", &commission).await.status,
        StatusCode::FORBIDDEN
    );
    let list = app.get("/api/v1/declarations", Some(&commission)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    // The admin manages tokens and sees no declarations.
    assert_eq!(
        app.get(&path, Some(&admin)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/declarations", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/tokens", Some(&officer)).await.status,
        StatusCode::FORBIDDEN
    );
    let made = app
        .post(
            "/api/v1/tokens",
            Some(&admin),
            r#"{"role":"officer","state":"KZ","name":"Almaty"}"#,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let secret = made.body["token"].as_str().unwrap().to_owned();
    let token_id = made.body["token_id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/api/v1/declarations", Some(&secret)).await.status,
        StatusCode::OK
    );
    let listed = app.get("/api/v1/tokens", Some(&admin)).await;
    assert!(!listed.text.contains(&secret), "secrets are never listed");
    let bad = app
        .post(
            "/api/v1/tokens",
            Some(&admin),
            r#"{"role":"officer","tin":"1"}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_paths(), vec!["state", "tin"]);
    let revoked = app
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{token_id}"),
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(
        app.get("/api/v1/declarations", Some(&secret)).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

pub async fn endpoints_need_a_token_except_tariff_and_assess(db: TestDb) {
    let app = App::start(db).await;
    let filed = app.post("/api/v1/declarations", None, RU_BEER).await;
    assert_eq!(filed.status, StatusCode::UNAUTHORIZED);
    assert!(filed.is_problem());
    assert_eq!(filed.headers["www-authenticate"], "Bearer");
    let wrong = app
        .post("/api/v1/declarations", Some("tamga_00"), RU_BEER)
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for path in [
        "/api/v1/declarations",
        "/api/v1/declarations/dcl_x",
        "/api/v1/declarations/dcl_x/versions",
        "/api/v1/audit/verify",
        "/api/v1/tokens",
    ] {
        assert_eq!(
            app.get(path, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    for action in ["register", "release", "refuse", "withdraw"] {
        let r = app
            .post(&format!("/api/v1/declarations/dcl_x/{action}"), None, "")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{action}");
    }
    assert_eq!(
        app.get("/api/v1/tariff/2202910000?date=2018-06-01", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/tariff/search?q=beer", None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.post("/api/v1/assess", None, RU_BEER).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/openapi.json", None).await.status,
        StatusCode::OK
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

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(
                &format!("/api/v1/declarations?limit=5{cursor}"),
                Some(&ru_officer),
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

pub async fn limits_and_unknown_routes_answer_problems(db: TestDb) {
    let limits = Limits {
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let app = App::start_with(db, |_| {}, limits).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(100 * 1024));
    let r = app
        .post("/api/v1/declarations", Some(&declarant), &huge)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.is_problem(), "{}", r.text);
    let r = app.post("/api/v1/assess", None, &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // 1,000 items: one more than a declaration may hold.
    let mut many: serde_json::Value = serde_json::from_str(RU_BEER).unwrap();
    let item = many["items"][0].clone();
    many["items"] = serde_json::Value::Array(vec![item; 1000]);
    let app_big = app.post("/api/v1/assess", None, &many.to_string()).await;
    assert!(
        app_big.status == StatusCode::UNPROCESSABLE_ENTITY
            || app_big.status == StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        app_big.status
    );
    let r = app.get("/api/v2/nothing", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.is_problem());
    let r = app
        .send(Method::DELETE, "/api/v1/assess", None, None, &[])
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.is_problem());
    let r = app
        .send(
            Method::POST,
            "/api/v1/declarations",
            Some(&declarant),
            Some(RU_BEER),
            &[("idempotency-key", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

pub async fn the_tariff_and_the_calculator_answer_without_a_token(db: TestDb) {
    let app = App::start(db).await;
    let show = app
        .get("/api/v1/tariff/2202910000?date=2018-06-01", None)
        .await;
    assert_eq!(show.status, StatusCode::OK, "{}", show.text);
    assert_eq!(show.body["import_duty"]["rate"], "0.1 EUR/l");
    // Without a date: the business date (2021-03-15).
    let today = app.get("/api/v1/tariff/2202910000", None).await;
    assert_eq!(today.body["date"], "2021-03-15");
    let old = app
        .get("/api/v1/tariff/2202910000?date=2005-01-01", None)
        .await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    assert!(
        old.body["detail"]
            .as_str()
            .unwrap()
            .contains("no tariff in force")
    );
    assert_eq!(
        app.get("/api/v1/tariff/22x", None).await.status,
        StatusCode::BAD_REQUEST
    );
    let bad_origin = app
        .get("/api/v1/tariff/2202910000?origin=Germany", None)
        .await;
    assert_eq!(bad_origin.status, StatusCode::BAD_REQUEST);
    let search = app
        .get("/api/v1/tariff/search?q=%D0%BC%D0%B8%D0%BD%D0%B5%D1%80%D0%B0%D0%BB%D1%8C%D0%BD%D0%B0%D1%8F%20%D0%B2%D0%BE%D0%B4%D0%B0&limit=5&date=2018-06-01", None)
        .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.text);
    let results = search.body["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 5);
    assert!(
        results[0]["code"].as_str().unwrap().starts_with("2201"),
        "{}",
        search.text
    );
    assert_eq!(
        app.get("/api/v1/tariff/search", None).await.status,
        StatusCode::BAD_REQUEST
    );
    let calc = app.post("/api/v1/assess", None, RU_BEER).await;
    assert_eq!(calc.body["totals"]["import_duty"], "88000.00");
    assert_eq!(calc.body["registration_date"], "2021-03-15");
    app.stop().await;
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

pub async fn a_dead_database_answers_503_and_nothing_is_half_written(db: TestDb) {
    let backend = db.backend;
    let app = App::start_with(
        db,
        |o| {
            o.busy_timeout = std::time::Duration::from_millis(300);
            o.acquire_timeout = std::time::Duration::from_secs(2);
        },
        Limits::default(),
    )
    .await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    let id = app.file(&declarant, RU_BEER).await;
    let path = format!("/api/v1/declarations/{id}");
    let before = app.get(&path, Some(&declarant)).await.text;
    let mut raw = app.db.raw().await;
    match backend {
        Backend::Sqlite => {
            // Another process holds the database's write lock beyond the timeout.
            sqlx::raw_sql("BEGIN EXCLUSIVE")
                .execute(&mut raw)
                .await
                .unwrap();
            let r = app.act(&id, "register", &officer).await;
            assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
            assert!(r.is_problem());
            let r = app
                .post("/api/v1/declarations", Some(&declarant), RU_BEER)
                .await;
            assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
            sqlx::raw_sql("ROLLBACK").execute(&mut raw).await.unwrap();
        }
        Backend::Postgres => {
            drop(raw);
            app.db.set_available(false).await;
            for r in [
                app.act(&id, "register", &officer).await,
                app.post("/api/v1/declarations", Some(&declarant), RU_BEER)
                    .await,
                app.get(&path, Some(&declarant)).await,
                app.get("/healthz", None).await,
            ] {
                assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
                assert!(r.is_problem(), "{}", r.text);
            }
            app.db.set_available(true).await;
        }
    }
    // Back: the declaration is as it was, there is no second one, and the service works again.
    assert_eq!(app.get(&path, Some(&declarant)).await.text, before);
    let list = app.get("/api/v1/declarations", Some(&declarant)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let r = app.act(&id, "register", &officer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["number"], "10702070/150321/0000001",
        "the failed attempt used no number"
    );
    app.stop().await;
}

pub async fn the_audit_chain_is_verified_over_the_api(db: TestDb) {
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    let commission = app.token(Role::Commission, None, None).await;
    let id = app.file(&declarant, RU_BEER).await;
    app.act(&id, "register", &officer).await;
    app.act(&id, "release", &officer).await;
    assert_eq!(
        app.get("/api/v1/audit/verify", Some(&officer)).await.status,
        StatusCode::FORBIDDEN
    );
    let report = app.get("/api/v1/audit/verify", Some(&commission)).await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.body["intact"], true);
    assert_eq!(
        report.body["entries"], 6,
        "3 tokens and 3 changes: {}",
        report.text
    );
    let mut raw = app.db.raw().await;
    sqlx::query("UPDATE audit_log SET action = 'refuse' WHERE seq = 6")
        .execute(&mut raw)
        .await
        .unwrap();
    let report = app.get("/api/v1/audit/verify", Some(&commission)).await;
    assert_eq!(report.body["intact"], false);
    assert_eq!(report.body["first_problem"]["seq"], 6);
    assert_eq!(report.body["first_problem"]["kind"], "altered");
    app.stop().await;
}

pub async fn released_duties_are_distributed_when_a_treasury_closes_its_day(db: TestDb) {
    let mut app = App::start(db).await;
    let ru_declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let kz_declarant = app.token(Role::Declarant, None, Some(KZ_TIN)).await;
    let ru_officer = app.token(Role::Officer, Some("RU"), None).await;
    let kz_officer = app.token(Role::Officer, Some("KZ"), None).await;
    let ru_treasury = app.token(Role::Treasury, Some("RU"), None).await;
    let kz_treasury = app.token(Role::Treasury, Some("KZ"), None).await;
    let commission = app.token(Role::Commission, None, None).await;
    for _ in 0..2 {
        let id = app.file(&ru_declarant, RU_BEER).await;
        app.act(&id, "register", &ru_officer).await;
        assert_eq!(
            app.act(&id, "release", &ru_officer).await.status,
            StatusCode::OK
        );
    }
    let kz = app.file(&kz_declarant, KZ_WATER).await;
    app.act(&kz, "register", &kz_officer).await;
    app.act(&kz, "release", &kz_officer).await;
    // A registered but unreleased declaration credits nothing.
    let pending = app.file(&ru_declarant, RU_BEER).await;
    app.act(&pending, "register", &ru_officer).await;
    // The day has not ended: it cannot be closed yet.
    let close = "/api/v1/treasury/RU/days/2021-03-15/close";
    let early = app.post(close, Some(&ru_treasury), "").await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.text
    );
    assert!(early.text.contains("has not ended"), "{}", early.text);
    // The next morning it can.
    app.next_business_date("2021-03-16").await;
    // Scope and role: another state's treasury sees no such account; others may not close.
    assert_eq!(
        app.post(close, Some(&kz_treasury), "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(close, Some(&commission), "").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(close, Some(&ru_officer), "").await.status,
        StatusCode::FORBIDDEN
    );
    let closed = app.post(close, Some(&ru_treasury), "").await;
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
    let again = app.post(close, Some(&ru_treasury), "").await;
    assert_eq!(again.body["already_closed"], true);
    assert_eq!(
        again.body["pools"], body["pools"],
        "closing twice changes nothing"
    );
    // The KZ treasury closes its own day, in tenge.
    let kz_closed = app
        .post(
            "/api/v1/treasury/KZ/days/2021-03-15/close",
            Some(&kz_treasury),
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
    // Reports: the state's own treasury and the commission.
    let report = app
        .get(
            "/api/v1/treasury/RU/days?from=2021-03-01&to=2021-03-31",
            Some(&commission),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert_eq!(report.body["days"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/treasury/RU/days", Some(&kz_treasury))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let own = app
        .get(
            "/api/v1/treasury/KZ/days?from=2021-03-15",
            Some(&kz_treasury),
        )
        .await;
    assert_eq!(own.body["days"][0]["day"], "2021-03-15");
    // The books reconcile: what RU owes KZ by RU's books is what KZ is owed by KZ's.
    let books = app
        .get(
            "/api/v1/treasury/reconcile?from=2021-03-01&to=2021-03-31",
            Some(&commission),
        )
        .await;
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
    let kz_view = app
        .get(
            "/api/v1/treasury/reconcile?from=2021-03-01&to=2021-03-31",
            Some(&kz_treasury),
        )
        .await;
    let kz_pairs = kz_view.body["pairs"].as_array().unwrap();
    assert!(
        kz_pairs
            .iter()
            .all(|p| p["debtor"] == "KZ" || p["creditor"] == "KZ")
    );
    assert_eq!(kz_pairs.len(), 5, "KZ owes four, and RU owes KZ");
    assert_eq!(
        app.get(
            "/api/v1/treasury/reconcile?from=2021-03-01&to=2021-03-31",
            Some(&ru_officer)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Transfer orders: RU owes each state its share, in US dollars (2015 on, except Belarus:
    // RUB from 2022; this is 2021, so USD too), due by the next day.
    let orders = app
        .get("/api/v1/treasury/RU/transfers", Some(&ru_treasury))
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
    let id = to_kz["id"].as_str().unwrap().to_owned();
    let send = format!("/api/v1/treasury/transfers/{id}/send");
    let confirm = format!("/api/v1/treasury/transfers/{id}/confirm");
    // The receiver may not send it, nor the sender confirm it; a third state does not see it.
    assert_eq!(
        app.post(&send, Some(&kz_treasury), "").await.status,
        StatusCode::FORBIDDEN
    );
    let no_rate = app.post(&send, Some(&ru_treasury), "").await;
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
            Some(&ru_treasury),
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
            Some(&ru_treasury),
            r#"{"date": "2021-03-16", "rate": "74.0000"}"#,
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(
        sent.body["transfer_amount_minor"], 16_542,
        "12,240.80 RUB / 74 = 165.416… → 165.42 USD"
    );
    assert_eq!(
        app.post(&confirm, Some(&ru_treasury), "").await.status,
        StatusCode::FORBIDDEN
    );
    // Confirmed on the 19th, three days after its deadline: interest at 0.01 % a day.
    app.next_business_date("2021-03-19").await;
    let confirmed = app
        .post(&confirm, Some(&kz_treasury), r#"{"date": "2021-03-19"}"#)
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    assert_eq!(confirmed.body["days_late"], 3);
    assert_eq!(
        confirmed.body["interest_minor"], 367,
        "12,240.80 × 0.0001 × 3 = 3.67224"
    );
    let after = app
        .get(
            "/api/v1/treasury/reconcile?from=2021-03-01&to=2021-03-31",
            Some(&commission),
        )
        .await;
    assert_eq!(after.body["clean"], true, "{}", after.text);
    // A report made three days later is flagged late.
    app.next_business_date("2021-03-20").await;
    let tardy = app
        .post(
            "/api/v1/treasury/RU/days/2021-03-17/close",
            Some(&ru_treasury),
            "",
        )
        .await;
    assert_eq!(tardy.status, StatusCode::OK, "{}", tardy.text);
    assert_eq!(tardy.body["late"], true);
    assert_eq!(tardy.body["report_deadline"], "2021-03-18T13:00:00Z");
    // Before the first normatives, or for a non-member: refused with the reason.
    let early = app
        .post(
            "/api/v1/treasury/RU/days/2010-06-01/close",
            Some(&ru_treasury),
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
            Some(&ru_treasury),
            "",
        )
        .await;
    assert_eq!(
        before.status,
        StatusCode::NOT_FOUND,
        "not a member yet: {}",
        before.text
    );
    app.stop().await;
}

/// Receipts on either side of midnight of 2020-01-01 are split by the normatives of their own
/// day: the 2017 protocol's, then the 2020 protocol's.
pub async fn a_distribution_straddling_midnight_uses_each_days_normatives(db: TestDb) {
    use tamga_store::{Command, Decision, SpecialDutyRule, WriteOutcome, WriteRequest};
    let app = App::start(db).await;
    let declarant = app.token(Role::Declarant, None, Some(RU_TIN)).await;
    let officer = app.token(Role::Officer, Some("RU"), None).await;
    let snapshot = &crate::app::tariff().snapshot;
    for day in ["2019-12-31", "2020-01-01"] {
        let id = app.file(&declarant, RU_BEER).await;
        app.act(&id, "register", &officer).await;
        app.store
            .write(WriteRequest {
                actor: "officer:test".into(),
                idempotency: None,
                command: Command::Decide {
                    id,
                    decision: Decision::Release {
                        reason: None,
                        day: day.into(),
                    },
                },
            })
            .await
            .unwrap();
    }
    let mut kz_shares = Vec::new();
    for day in ["2019-12-31", "2020-01-01"] {
        let command = tamga_server::service::close_day_command(
            snapshot,
            "RU",
            tamga_core::parse_date(day).unwrap(),
            SpecialDutyRule::Normatives,
            time::OffsetDateTime::now_utc(),
            // Closed now (2021-03-15), with a window reaching back to these days.
            tamga_treasury::MoneyDates::new(crate::app::business_date(), 1000),
        )
        .unwrap();
        let WriteOutcome::DayClosed { closing, .. } = app
            .store
            .write(WriteRequest {
                actor: "treasury:test".into(),
                idempotency: None,
                command,
            })
            .await
            .unwrap()
        else {
            panic!("no closing");
        };
        let kz = closing.pools[0]
            .shares
            .iter()
            .find(|s| s.state == "KZ")
            .unwrap()
            .clone();
        kz_shares.push((closing.normative_set, kz.percent, kz.amount_minor));
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

/// Issue 5's end-to-end case: declarations released in three states over two days; each state
/// closes its days; transfer orders are issued, sent and confirmed, one of them late; the books
/// reconcile and the late one's interest is right.
pub async fn three_states_two_days_transfers_and_a_late_one(db: TestDb) {
    let mut app = App::start(db).await;
    let by_body = with(
        &with(
            &with(
                &with(RU_BEER, "/state", json!("BY")),
                "/customs_office",
                json!("06611"),
            ),
            "/declarant/tin",
            json!("190000001"),
        ),
        "/exchange_rates",
        json!({"USD": "2.6000", "EUR": "3.1000"}),
    );
    let declarants = [
        (
            "RU",
            app.token(Role::Declarant, None, Some(RU_TIN)).await,
            RU_BEER.to_owned(),
        ),
        (
            "KZ",
            app.token(Role::Declarant, None, Some(KZ_TIN)).await,
            KZ_WATER.to_owned(),
        ),
        (
            "BY",
            app.token(Role::Declarant, None, Some("190000001")).await,
            by_body,
        ),
    ];
    let mut officers = std::collections::HashMap::new();
    let mut treasuries = std::collections::HashMap::new();
    for state in ["RU", "KZ", "BY"] {
        officers.insert(state, app.token(Role::Officer, Some(state), None).await);
    }
    for state in ["RU", "KZ", "BY", "AM", "KG"] {
        treasuries.insert(state, app.token(Role::Treasury, Some(state), None).await);
    }
    let commission = app.token(Role::Commission, None, None).await;
    // Day 1: one release in each state; day 2: RU and BY again.
    for (day, states) in [
        ("2021-03-15", vec!["RU", "KZ", "BY"]),
        ("2021-03-16", vec!["RU", "BY"]),
    ] {
        if day != "2021-03-15" {
            app.next_business_date(day).await;
        }
        for (state, token, body) in declarants.iter().filter(|(s, _, _)| states.contains(s)) {
            let id = app.file(token, body).await;
            let r = app.act(&id, "register", &officers[state]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let r = app.act(&id, "release", &officers[state]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
    // Every state closes both days, once they have ended, and sends and confirms by the 20th.
    app.next_business_date("2021-03-20").await;
    let mut totals = std::collections::HashMap::new();
    for state in ["RU", "KZ", "BY"] {
        for day in ["2021-03-15", "2021-03-16"] {
            let r = app
                .post(
                    &format!("/api/v1/treasury/{state}/days/{day}/close"),
                    Some(&treasuries[state]),
                    "",
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let import = &r.body["pools"][0];
            let shares: i64 = import["shares"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["amount_minor"].as_i64().unwrap())
                .sum();
            assert_eq!(
                shares,
                import["total_minor"].as_i64().unwrap(),
                "conserved to the kopeck"
            );
            totals.insert((state, day), import["total_minor"].as_i64().unwrap());
        }
    }
    assert_eq!(
        totals[&("KZ", "2021-03-16")],
        0,
        "nothing released in KZ on the 16th"
    );
    assert!(totals[&("BY", "2021-03-16")] > 0);
    // Send every order the same day, and confirm every one on time but one.
    let rates = [("RU", "74.0000"), ("KZ", "420.0000"), ("BY", "2.6000")];
    let mut late = None;
    for (state, rate) in rates {
        let list = app
            .get(
                &format!("/api/v1/treasury/{state}/transfers"),
                Some(&treasuries[state]),
            )
            .await;
        for order in list.body["transfers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["sender"] == state)
        {
            let id = order["id"].as_str().unwrap();
            let due_by = order["due_by"].as_str().unwrap();
            // Sent the day after the reporting day: the day it is due by.
            let sent = app
                .post(
                    &format!("/api/v1/treasury/transfers/{id}/send"),
                    Some(&treasuries[state]),
                    &format!(r#"{{"date": "{due_by}", "rate": "{rate}"}}"#),
                )
                .await;
            assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
            let receiver = order["receiver"].as_str().unwrap();
            let is_late = id == "tr:RU:BY:2021-03-15";
            let confirm_on = if is_late {
                "2021-03-20"
            } else {
                order["due_by"].as_str().unwrap()
            };
            let receiver_token = &treasuries[receiver];
            let confirmed = app
                .post(
                    &format!("/api/v1/treasury/transfers/{id}/confirm"),
                    Some(receiver_token),
                    &format!(r#"{{"date": "{confirm_on}"}}"#),
                )
                .await;
            assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
            if is_late {
                late = Some(confirmed.body.clone());
            } else {
                assert_eq!(confirmed.body["interest_minor"], 0);
            }
        }
    }
    // The late one: due by the 16th, confirmed on the 20th, 4 days at 0.01 % a day.
    let late = late.expect("the RU→BY order of the 15th");
    assert_eq!(late["days_late"], 4);
    let amount = late["amount_minor"].as_i64().unwrap();
    let expected = (amount * 4 + 5_000) / 10_000; // × 0.0001 × 4, half-up
    assert_eq!(late["interest_minor"].as_i64().unwrap(), expected, "{late}");
    // Every order confirmed: the books of all five states reconcile.
    let books = app
        .get(
            "/api/v1/treasury/reconcile?from=2021-03-01&to=2021-03-31",
            Some(&commission),
        )
        .await;
    assert_eq!(books.body["clean"], true, "{}", books.text);
    assert!(
        books.body["pairs"].as_array().unwrap().len() >= 12,
        "{}",
        books.text
    );
    let ru_by = books.body["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["debtor"] == "RU" && p["creditor"] == "BY")
        .unwrap()
        .clone();
    // All paid but the interest, which both books show as still owed.
    assert_eq!(
        ru_by["debtor_says_minor"].as_i64().unwrap(),
        expected,
        "{ru_by}"
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
