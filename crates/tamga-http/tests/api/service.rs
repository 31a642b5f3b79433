//! The service itself: limits, unknown routes, the public tariff and calculator, a dead
//! database, and the audit chain verified over the API.

use reqwest::{Method, StatusCode};
use tamga_http::Limits;
use tamga_store::{Backend, Role};
use tamga_testing::TestDb;

use crate::app::{App, RU_BEER, RU_TIN};

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
    // A checkpoint that cannot be read is refused at its place, naming the field.
    let bad = app
        .post(
            "/api/v1/audit/verify",
            Some(&commission),
            r#"{"checkpoints": [{"node": "n", "seq": 2.5, "entry_hash": "h", "at": "a",
                "signature": "s"}]}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(
        bad.error_paths(),
        vec!["checkpoints[0].seq"],
        "{}",
        bad.text
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
