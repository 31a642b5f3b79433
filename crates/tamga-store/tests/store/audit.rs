//! The audit chain: every change is an entry, and edits behind the store's back (altered,
//! removed or uncovered rows, a rewritten or truncated chain, foreign checkpoints and keys) are
//! found.

use sqlx::{AnyConnection, Row};
use tamga_store::{
    Backend, Checkpoint, Command, Decision, NewToken, ProblemKind, Role, Status, Store, StoreError,
    new_token_secret,
};

use tamga_testing::TestDb;

use crate::support::{
    DECLARANT, OFFICER_RU, cc, close, date, decide, new_declaration, register, released, request,
    submit,
};

pub async fn full_life_and_audit_chain(db: &TestDb) {
    let store = db.open().await;
    let new = new_declaration("RU", "10702070", "7701234567", "2019-06-03");
    submit(&store, new.clone()).await;
    let registered = register(&store, &new.id, 1, "2019-06-03").await.unwrap();
    assert_eq!(registered.status, Status::Registered);
    assert_eq!(
        registered.number.as_deref(),
        Some("10702070/030619/0000001")
    );
    assert_eq!(registered.registration_date, Some(date("2019-06-03")));
    assert!(registered.assessment.unwrap().contains("8800.00"));
    let status = decide(
        &store,
        OFFICER_RU,
        &new.id,
        Decision::Release {
            reason: None,
            day: date("2019-06-03"),
        },
    )
    .await;
    assert_eq!(status.unwrap(), Status::Released);
    let read = store.declaration(&new.id).await.unwrap().unwrap();
    assert_eq!(read.status, Status::Released);
    assert!(
        read.assessment.is_some(),
        "the assessment stays with the released declaration"
    );
    let report = store.verify_audit(&[]).await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.entries, 3);
    assert_eq!(report.head_seq, 3);
    // Every entry names the actor, the action and both state hashes (the first has no before).
    let mut raw = db.raw().await;
    let rows =
        sqlx::query("SELECT actor, action, before_hash, after_hash FROM audit_log ORDER BY seq")
            .fetch_all(&mut raw)
            .await
            .unwrap();
    let actions: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect();
    assert_eq!(
        actions,
        vec![
            (DECLARANT.into(), "submit".into()),
            (OFFICER_RU.into(), "register".into()),
            (OFFICER_RU.into(), "release".into())
        ]
    );
    let before: Vec<Option<String>> = rows.iter().map(|r| r.get(2)).collect();
    let after: Vec<String> = rows.iter().map(|r| r.get(3)).collect();
    assert!(before[0].is_none());
    assert_eq!(
        before[1].as_deref(),
        Some(after[0].as_str()),
        "each change starts where the last ended"
    );
    assert_eq!(before[2].as_deref(), Some(after[1].as_str()));
}

/// A store whose intact chain holds three entries: a submission, registration and release.
async fn three_entries(db: &TestDb) -> Store {
    let store = db.open().await;
    let new = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, new.clone()).await;
    register(&store, &new.id, 1, "2019-06-03").await.unwrap();
    decide(
        &store,
        OFFICER_RU,
        &new.id,
        Decision::Release {
            reason: None,
            day: date("2019-06-03"),
        },
    )
    .await
    .unwrap();
    let report = store.verify_audit(&[]).await.unwrap();
    assert!(report.intact && report.entries == 3, "{report:?}");
    store
}

pub async fn an_altered_audit_entry_is_found(db: &TestDb) {
    let store = three_entries(db).await;
    let mut raw = db.raw().await;
    sqlx::query("UPDATE audit_log SET actor = 'officer:someone_else' WHERE seq = 2")
        .execute(&mut raw)
        .await
        .unwrap();
    let report = store.verify_audit(&[]).await.unwrap();
    assert!(!report.intact);
    let problem = report.first_problem().unwrap();
    assert_eq!(
        (problem.seq, problem.kind),
        (2, ProblemKind::Altered),
        "{problem:?}"
    );
    // Without the node key, the entry's hash can only be recomputed in the old unkeyed scheme
    // (plain SHA-256): claiming that scheme inside the keyed chain is found at the entry.
    let row = sqlx::query("SELECT seq, at, actor, action, object_id, before_hash, after_hash, prev_hash FROM audit_log WHERE seq = 2")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    let text = format!(
        "2\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        row.get::<String, _>(7),
        row.get::<String, _>(1),
        row.get::<String, _>(2),
        row.get::<String, _>(3),
        row.get::<String, _>(4),
        row.get::<Option<String>, _>(5)
            .unwrap_or_else(|| "-".into()),
        row.get::<String, _>(6),
    );
    let forged = tamga_store::sha256_hex(text.as_bytes());
    sqlx::query("UPDATE audit_log SET entry_hash = $1, scheme = 1 WHERE seq = 2")
        .bind(&forged)
        .execute(&mut raw)
        .await
        .unwrap();
    let report = store.verify_audit(&[]).await.unwrap();
    let problem = report.first_problem().unwrap();
    assert_eq!(
        (problem.seq, problem.kind),
        (2, ProblemKind::Altered),
        "{problem:?}"
    );
    assert!(problem.detail.contains("unkeyed"), "{problem:?}");
}

pub async fn a_removed_audit_entry_is_found(db: &TestDb) {
    let store = three_entries(db).await;
    let mut raw = db.raw().await;
    // The last entry removed: the head row still counts it.
    sqlx::query("DELETE FROM audit_log WHERE seq = 3")
        .execute(&mut raw)
        .await
        .unwrap();
    let problem = store
        .verify_audit(&[])
        .await
        .unwrap()
        .first_problem()
        .cloned()
        .unwrap();
    assert_eq!(
        (problem.seq, problem.kind),
        (3, ProblemKind::Removed),
        "{problem:?}"
    );
    // One in the middle removed: found there.
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(&mut raw)
        .await
        .unwrap();
    let problem = store
        .verify_audit(&[])
        .await
        .unwrap()
        .first_problem()
        .cloned()
        .unwrap();
    assert_eq!(
        (problem.seq, problem.kind),
        (2, ProblemKind::Removed),
        "{problem:?}"
    );
}

/// A released, registered and closed history to tamper with: a declaration with its versions,
/// assessment and payment lines, its receipts, a closed day and its transfer orders.
async fn history(db: &TestDb) -> (Store, String) {
    let store = db.open().await;
    store
        .write(request(
            "cli",
            Command::CreateToken(NewToken {
                role: Role::Officer,
                state: Some(cc("RU")),
                tin: None,
                name: "Sheremetyevo".into(),
                secret: new_token_secret(),
            }),
        ))
        .await
        .unwrap();
    let id = released(&store, 880_000, "2020-05-01").await;
    close(&store, "2020-05-01").await;
    let report = store.verify_audit(&[]).await.unwrap();
    assert!(report.intact, "{report:?}");
    assert!(
        report.rows_checked > 10 && report.objects_checked >= 2,
        "{report:?}"
    );
    assert_eq!(report.unkeyed_entries, 0);
    (store, id)
}

/// The problems the audit finds after `sql` is run behind the store's back (there must be some).
async fn problems_after(db: &TestDb, store: &Store, sql: &str) -> Vec<(i64, ProblemKind)> {
    let mut raw = db.raw().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut raw)
        .await
        .unwrap();
    let report = store.verify_audit(&[]).await.unwrap();
    assert!(!report.intact, "{sql}: not detected: {report:?}");
    report.problems.iter().map(|p| (p.seq, p.kind)).collect()
}

/// Edits behind the store's back to the rows the chain covers: each is found, and named.
pub async fn edits_to_covered_rows_are_found(db: &TestDb) {
    for (sql, kind) in [
        // A payment line's amount (the assessment is entry 2).
        (
            "UPDATE payment_lines SET amount_minor = 1 WHERE kind = 'import_duty'",
            ProblemKind::Rows,
        ),
        // A balanced pair of postings: the books still balance, the chain does not.
        (
            "UPDATE ledger_postings SET amount_minor = amount_minor + 100 \
             WHERE account = 'due_to:KZ'",
            ProblemKind::Rows,
        ),
        // A version's body.
        (
            "UPDATE declaration_versions SET body = '{}'",
            ProblemKind::Rows,
        ),
        // The declaration's head: its declarant, as one would move it to another's scope.
        (
            "UPDATE declarations SET declarant_tin = '5009999999'",
            ProblemKind::Object,
        ),
        // A token's digest, as one would to take it over.
        ("UPDATE api_tokens SET digest = 'x'", ProblemKind::Object),
        // A row no entry wrote.
        (
            "INSERT INTO ledger_entries (entry_key, kind, state, day, pool, currency, \
             amount_minor, created_at) VALUES ('receipt:forged', 'receipt', 'RU', '2020-05-02', \
             'import_duty', 'RUB', 100, '2020-05-02T00:00:00Z')",
            ProblemKind::Uncovered,
        ),
        // A transfer order marked confirmed with no entry.
        (
            "UPDATE transfer_orders SET status = 'confirmed'",
            ProblemKind::Object,
        ),
    ] {
        let fresh = if db.backend == Backend::Sqlite {
            TestDb::sqlite()
        } else {
            TestDb::postgres().await
        };
        let (store, _) = history(&fresh).await;
        let problems = problems_after(&fresh, &store, sql).await;
        assert!(
            problems.iter().any(|(_, k)| *k == kind),
            "{sql}: expected a {} problem, got {problems:?}",
            kind.as_str()
        );
        store.close().await;
        fresh.drop().await;
    }
}

/// Without the key, the chain can be recomputed only in the old unkeyed scheme, which the
/// binding refuses; a chain cut short and re-headed shows against a kept checkpoint.
pub async fn a_rewritten_or_truncated_chain_is_found(db: &TestDb) {
    let (store, _) = history(db).await;
    let checkpoint = store.checkpoint("2020-05-02T10:00:00Z").await.unwrap();
    let report = store
        .verify_audit(std::slice::from_ref(&checkpoint))
        .await
        .unwrap();
    assert!(
        report.intact && report.checkpoints_checked == 1,
        "{report:?}"
    );
    let mut raw = db.raw().await;
    a_cut_chain_shows_against_its_checkpoint(&store, &mut raw, &checkpoint).await;
    a_foreign_checkpoint_is_not_taken(&store).await;
    // Stripping the key binding, to pass the chain off as one never keyed, shows too.
    sqlx::query("UPDATE audit_head SET key_id = NULL, keyed_from = NULL, key_binding = NULL")
        .execute(&mut raw)
        .await
        .unwrap();
    let report = store.verify_audit(&[]).await.unwrap();
    assert!(
        report.problems.iter().any(|p| p.detail.contains("binding")),
        "{report:?}"
    );
    // And the database refuses another node's key.
    store.close().await;
    let mut options = db.options();
    options.key = tamga_store::NodeKey::generate();
    sqlx::query("UPDATE audit_head SET key_id = $1")
        .bind(db.key.id())
        .execute(&mut raw)
        .await
        .unwrap();
    match Store::open(options).await {
        Err(StoreError::KeyMismatch { .. }) => {}
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("opened with another node's key"),
    }
}

/// Cut the last entry and point the head at the one before, consistently: the checkpoint
/// taken before shows it.
async fn a_cut_chain_shows_against_its_checkpoint(
    store: &Store,
    raw: &mut AnyConnection,
    checkpoint: &Checkpoint,
) {
    let before: (i64, String) = {
        let row =
            sqlx::query("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1 OFFSET 1")
                .fetch_one(&mut *raw)
                .await
                .unwrap();
        (row.get(0), row.get(1))
    };
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(before.0)
        .execute(&mut *raw)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2")
        .bind(before.0)
        .bind(&before.1)
        .execute(&mut *raw)
        .await
        .unwrap();
    let report = store
        .verify_audit(std::slice::from_ref(checkpoint))
        .await
        .unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::Checkpoint),
        "{report:?}"
    );
}

/// A checkpoint signed by another node's key is not taken.
async fn a_foreign_checkpoint_is_not_taken(store: &Store) {
    let other = TestDb::sqlite();
    let (foreign_store, _) = history(&other).await;
    let foreign = foreign_store
        .checkpoint("2020-05-02T10:00:00Z")
        .await
        .unwrap();
    foreign_store.close().await;
    other.drop().await;
    let report = store.verify_audit(&[foreign]).await.unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::Checkpoint && p.detail.contains("not signed")),
        "{report:?}"
    );
}
