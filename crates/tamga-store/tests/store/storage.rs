//! The database underneath: migrations, money kept in minor units, an unavailable database,
//! and a value the database refuses.

use sqlx::Row;
use tamga_store::{Backend, Command, Decision, Store, StoreError, new_declaration_id};

use tamga_testing::TestDb;

use crate::support::{DECLARANT, OFFICER_RU, assessment, date, new_declaration, request, submit};

pub async fn migrations_run_once_and_detect_edits(db: &TestDb) {
    let applied = tamga_store::migrate::migrate_only(&db.options())
        .await
        .unwrap();
    assert_eq!(
        applied,
        vec![
            "0001_declarations".to_string(),
            "0002_treasury".into(),
            "0003_transfers".into(),
            "0004_integrity".into(),
            "0005_idempotency".into()
        ]
    );
    let again = tamga_store::migrate::migrate_only(&db.options())
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    let store = db.open().await;
    submit(&store, new_declaration("RU", "10702070", "1", "2019-06-03")).await;
    store.close().await;
    let mut raw = db.raw().await;
    sqlx::query("UPDATE tamga_migrations SET sha256 = 'edited' WHERE version = 1")
        .execute(&mut raw)
        .await
        .unwrap();
    let e = Store::open(db.options()).await.err().unwrap();
    assert!(
        matches!(e, StoreError::MigrationChanged { version: 1, .. }),
        "{e}"
    );
}

pub async fn money_is_stored_in_minor_units(db: &TestDb) {
    let store = db.open().await;
    let new = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, new.clone()).await;
    // 9,007,199,254,740,993 kopecks: above 2^53, so a float on the way would change it.
    let mut big = assessment("2019-06-03", 9_007_199_254_740_993);
    big.total_minor = 9_007_199_254_740_993;
    store
        .write(request(
            OFFICER_RU,
            Command::Register {
                id: new.id.clone(),
                expected_version: 1,
                registration_date: date("2019-06-03"),
                assessment: big,
            },
        ))
        .await
        .unwrap();
    let mut raw = db.raw().await;
    let rows = sqlx::query(
        "SELECT kind, amount_minor, currency FROM payment_lines WHERE declaration_id = $1 ORDER BY line",
    )
    .bind(&new.id)
    .fetch_all(&mut raw)
    .await
    .unwrap();
    let lines: Vec<(String, i64, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("import_duty".into(), 9_007_199_254_740_993, "RUB".into()),
            ("vat".into(), 9_007_199_254_740_993, "RUB".into())
        ]
    );
    let rates: String =
        sqlx::query("SELECT exchange_rates FROM assessments WHERE declaration_id = $1")
            .bind(&new.id)
            .fetch_one(&mut raw)
            .await
            .unwrap()
            .get(0);
    assert!(
        rates.contains("\"88.1234\""),
        "rates are kept as exact text: {rates}"
    );
}

pub async fn a_dead_database_is_unavailable_and_nothing_is_half_written(db: &TestDb) {
    let mut options = db.options();
    options.busy_timeout = std::time::Duration::from_millis(300);
    options.acquire_timeout = std::time::Duration::from_secs(2);
    let store = Store::open(options).await.unwrap();
    let kept = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, kept.clone()).await;
    let before = store.verify_audit(&[]).await.unwrap();

    let mut raw = db.raw().await;
    let lost = new_declaration("RU", "10702070", "1", "2019-06-03");
    match db.backend {
        Backend::Sqlite => {
            // Another process holds the write lock beyond the timeout.
            sqlx::raw_sql("BEGIN EXCLUSIVE")
                .execute(&mut raw)
                .await
                .unwrap();
            let e = store
                .write(request(DECLARANT, Command::Submit(lost.clone())))
                .await
                .unwrap_err();
            assert!(matches!(e, StoreError::Unavailable(_)), "{e}");
            sqlx::raw_sql("ROLLBACK").execute(&mut raw).await.unwrap();
        }
        Backend::Postgres => {
            drop(raw);
            db.set_available(false).await;
            let e = store
                .write(request(DECLARANT, Command::Submit(lost.clone())))
                .await
                .unwrap_err();
            assert!(matches!(e, StoreError::Unavailable(_)), "{e}");
            let read = store.declaration(&kept.id).await.unwrap_err();
            assert!(matches!(read, StoreError::Unavailable(_)), "{read}");
            db.set_available(true).await;
            raw = db.raw().await;
        }
    }
    // Back up: the refused write left nothing behind, and the store works again.
    assert!(store.declaration(&lost.id).await.unwrap().is_none());
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM declaration_versions")
        .fetch_one(&mut raw)
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
    let after = store.verify_audit(&[]).await.unwrap();
    assert_eq!(after, before);
    submit(&store, new_declaration("RU", "10702070", "1", "2019-06-03")).await;
    assert!(store.verify_audit(&[]).await.unwrap().intact);
}

/// A command whose value the database refuses (a NUL in text, on PostgreSQL) fails alone: the
/// commands batched with it are made.
pub async fn a_bad_value_fails_its_command_alone(db: &TestDb) {
    let store = db.open().await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        let mut new = new_declaration("RU", "10702070", "7701234567", "2020-05-01");
        new.id = new_declaration_id(1_700_000_000_000);
        ids.push(submit(&store, new).await.id);
    }
    let mut writes = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let reason = if i == 3 {
            "bad\u{0}"
        } else {
            "changed my mind"
        };
        let store = store.clone();
        let command = Command::Decide {
            id: id.clone(),
            decision: Decision::Withdraw {
                reason: Some(reason.into()),
            },
        };
        writes.push(tokio::spawn(async move {
            store.write(request(DECLARANT, command)).await
        }));
    }
    for (i, write) in writes.into_iter().enumerate() {
        let outcome = write.await.unwrap();
        if i == 3 {
            // PostgreSQL refuses the value (not an outage); SQLite stores it.
            assert!(
                !matches!(outcome, Err(StoreError::Unavailable(_))),
                "a bad value is not the database being down: {outcome:?}"
            );
        } else {
            assert!(outcome.is_ok(), "neighbour {i}: {outcome:?}");
        }
    }
}
