//! The tests, each written once against the `Store` interface.

use std::collections::BTreeSet;

use sqlx::Row;
use tamga_store::{
    Backend, Command, Decision, IdempotencyClaim, ListQuery, NewAssessment, NewDeclaration,
    PaymentLine, Role, Status, Store, StoreError, WriteOutcome, WriteRequest, new_declaration_id,
};

use tamga_store::testing::TestDb;

const OFFICER_RU: &str = "officer:tok_ru";
const DECLARANT: &str = "declarant:tok_a";

fn body(tin: &str, marker: &str) -> String {
    format!(
        r#"{{"state":"RU","customs_office":"10702070","declarant":{{"tin":"{tin}"}},"items":[{{"description":"{marker}"}}]}}"#
    )
}

fn new_declaration(state: &str, office: &str, tin: &str, day: &str) -> NewDeclaration {
    NewDeclaration {
        id: new_declaration_id(1_700_000_000_000),
        state: state.into(),
        customs_office: office.into(),
        declarant_tin: tin.into(),
        submitted_on: day.into(),
        body: body(tin, "first"),
    }
}

fn assessment(date: &str, duty_minor: i64) -> NewAssessment {
    NewAssessment {
        registration_date: date.into(),
        tariff_edition: "ett2017".into(),
        rounding_rule: "half_up 2".into(),
        currency: "RUB".into(),
        exchange_rates: r#"[{"currency":"EUR","rate":"88.1234"}]"#.into(),
        total_minor: duty_minor * 2,
        document: format!(
            r#"{{"totals":{{"import_duty":"{}.{:02}"}}}}"#,
            duty_minor / 100,
            duty_minor % 100
        ),
        lines: vec![
            PaymentLine {
                item: Some(1),
                payment_code: "2010".into(),
                kind: "import_duty".into(),
                amount_minor: duty_minor,
            },
            PaymentLine {
                item: Some(1),
                payment_code: "5010".into(),
                kind: "vat".into(),
                amount_minor: duty_minor,
            },
        ],
    }
}

fn request(actor: &str, command: Command) -> WriteRequest {
    WriteRequest {
        actor: actor.into(),
        idempotency: None,
        command,
    }
}

fn record(outcome: WriteOutcome) -> tamga_store::DeclarationRecord {
    match outcome {
        WriteOutcome::Declaration(record) => record,
        other => panic!("expected a declaration, got {other:?}"),
    }
}

async fn submit(store: &Store, new: NewDeclaration) -> tamga_store::DeclarationRecord {
    record(
        store
            .write(request(DECLARANT, Command::Submit(new)))
            .await
            .unwrap(),
    )
}

async fn register(
    store: &Store,
    id: &str,
    version: i64,
    date: &str,
) -> Result<tamga_store::DeclarationRecord, StoreError> {
    store
        .write(request(
            OFFICER_RU,
            Command::Register {
                id: id.into(),
                expected_version: version,
                registration_date: date.into(),
                assessment: assessment(date, 880_000),
            },
        ))
        .await
        .map(record)
}

async fn decide(
    store: &Store,
    actor: &str,
    id: &str,
    decision: Decision,
) -> Result<Status, StoreError> {
    store
        .write(request(
            actor,
            Command::Decide {
                id: id.into(),
                decision,
            },
        ))
        .await
        .map(|o| record(o).status)
}

pub async fn submit_and_read_back(db: &TestDb) {
    let store = db.open().await;
    let new = new_declaration("RU", "10702070", "7701234567", "2019-06-03");
    let made = submit(&store, new.clone()).await;
    assert_eq!(made.status, Status::Submitted);
    assert_eq!(made.version, 1);
    assert_eq!(made.number, None);
    let read = store.declaration(&new.id).await.unwrap().unwrap();
    assert_eq!(read.declaration.get(), new.body);
    assert_eq!(read.declarant_tin, "7701234567");
    assert_eq!(read.state, "RU");
    assert!(read.assessment.is_none());
    assert!(store.declaration("dcl_none").await.unwrap().is_none());
    // A second store on the same database sees it: it was committed, not cached.
    store.close().await;
    let again = db.open().await;
    assert!(again.declaration(&new.id).await.unwrap().is_some());
}

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
    assert_eq!(registered.registration_date.as_deref(), Some("2019-06-03"));
    assert!(registered.assessment.unwrap().get().contains("8800.00"));
    let status = decide(
        &store,
        OFFICER_RU,
        &new.id,
        Decision::Release {
            reason: None,
            day: "2019-06-03".into(),
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

pub async fn transitions_follow_the_life(db: &TestDb) {
    let store = db.open().await;
    let a = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, a.clone()).await;
    // Not registered yet: neither release nor refusal.
    for decision in [
        Decision::Release {
            reason: None,
            day: "2019-06-03".into(),
        },
        Decision::Refuse {
            reason: "no".into(),
        },
    ] {
        let e = decide(&store, OFFICER_RU, &a.id, decision)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    }
    register(&store, &a.id, 1, "2019-06-03").await.unwrap();
    let again = register(&store, &a.id, 1, "2019-06-03").await.unwrap_err();
    assert!(
        again.to_string().contains("10702070/030619/0000001"),
        "{again}"
    );
    let refused = decide(
        &store,
        OFFICER_RU,
        &a.id,
        Decision::Refuse {
            reason: "documents missing".into(),
        },
    )
    .await;
    assert_eq!(refused.unwrap(), Status::Refused);
    let read = store.declaration(&a.id).await.unwrap().unwrap();
    assert_eq!(read.reason.as_deref(), Some("documents missing"));
    // A refused declaration is closed.
    assert!(
        decide(
            &store,
            DECLARANT,
            &a.id,
            Decision::Withdraw { reason: None }
        )
        .await
        .is_err()
    );

    // Withdrawal: before registration and after, but not after release.
    let b = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, b.clone()).await;
    assert_eq!(
        decide(
            &store,
            DECLARANT,
            &b.id,
            Decision::Withdraw { reason: None }
        )
        .await
        .unwrap(),
        Status::Withdrawn
    );
    let c = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, c.clone()).await;
    register(&store, &c.id, 1, "2019-06-03").await.unwrap();
    decide(
        &store,
        OFFICER_RU,
        &c.id,
        Decision::Release {
            reason: None,
            day: "2019-06-03".into(),
        },
    )
    .await
    .unwrap();
    let late = decide(
        &store,
        DECLARANT,
        &c.id,
        Decision::Withdraw { reason: None },
    )
    .await
    .unwrap_err();
    assert!(late.to_string().contains("released"), "{late}");
    let missing = decide(
        &store,
        OFFICER_RU,
        "dcl_missing",
        Decision::Release {
            reason: None,
            day: "2019-06-03".into(),
        },
    )
    .await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
    assert!(store.verify_audit(&[]).await.unwrap().intact);
}

pub async fn amendments_keep_every_version(db: &TestDb) {
    let store = db.open().await;
    let new = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, new.clone()).await;
    let amend = |version: i64, marker: &str, assessment: Option<NewAssessment>| {
        request(
            DECLARANT,
            Command::Amend {
                id: new.id.clone(),
                expected_version: version,
                body: body("1", marker),
                assessment,
            },
        )
    };
    let second = record(store.write(amend(1, "second", None)).await.unwrap());
    assert_eq!(second.version, 2);
    // A stale version is refused: someone amended it since.
    let stale = store.write(amend(1, "stale", None)).await.unwrap_err();
    assert!(
        matches!(
            stale,
            StoreError::StaleVersion {
                current: 2,
                expected: 1,
                ..
            }
        ),
        "{stale}"
    );
    register(&store, &new.id, 2, "2019-06-04").await.unwrap();
    // Once registered, an amendment must carry its new assessment.
    assert!(store.write(amend(2, "third", None)).await.is_err());
    let third = record(
        store
            .write(amend(2, "third", Some(assessment("2019-06-04", 990_000))))
            .await
            .unwrap(),
    );
    assert_eq!(third.version, 3);
    assert_eq!(third.status, Status::Registered);
    assert!(third.assessment.unwrap().get().contains("9900.00"));
    let versions = store.versions(&new.id).await.unwrap();
    let markers: Vec<bool> = ["first", "second", "third"]
        .iter()
        .zip(&versions)
        .map(|(m, v)| v.body.contains(m))
        .collect();
    assert_eq!(versions.len(), 3);
    assert_eq!(
        markers,
        vec![true, true, true],
        "every version is kept as it was"
    );
    assert_eq!(versions[0].actor, DECLARANT);
    decide(
        &store,
        OFFICER_RU,
        &new.id,
        Decision::Release {
            reason: None,
            day: "2019-06-03".into(),
        },
    )
    .await
    .unwrap();
    let closed = store
        .write(amend(3, "fourth", Some(assessment("2019-06-04", 1))))
        .await
        .unwrap_err();
    assert!(
        closed.to_string().contains("no longer be amended"),
        "{closed}"
    );
    assert_eq!(store.versions(&new.id).await.unwrap().len(), 3);
}

pub async fn registration_numbers_have_no_gaps_under_concurrency(db: &TestDb) {
    let store = db.open().await;
    let mut ids = Vec::new();
    for _ in 0..60 {
        let new = new_declaration("RU", "10702070", "1", "2019-06-03");
        ids.push(submit(&store, new.clone()).await.id);
    }
    let other = new_declaration("RU", "10005000", "1", "2019-06-03");
    submit(&store, other.clone()).await;
    let mut tasks = Vec::new();
    for id in ids {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            register(&store, &id, 1, "2019-06-03")
                .await
                .unwrap()
                .number
                .unwrap()
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        numbers.insert(task.await.unwrap());
    }
    let expected: BTreeSet<String> = (1..=60)
        .map(|n| format!("10702070/030619/{n:07}"))
        .collect();
    assert_eq!(
        numbers, expected,
        "one number each, 1 to 60, no gaps, no duplicates"
    );
    // Another office, and another day, start their own sequence.
    let other_number = register(&store, &other.id, 1, "2019-06-03")
        .await
        .unwrap()
        .number;
    assert_eq!(other_number.as_deref(), Some("10005000/030619/0000001"));
    let next_day = new_declaration("RU", "10702070", "1", "2019-06-04");
    submit(&store, next_day.clone()).await;
    let n = register(&store, &next_day.id, 1, "2019-06-04")
        .await
        .unwrap()
        .number;
    assert_eq!(n.as_deref(), Some("10702070/040619/0000001"));
}

pub async fn two_officers_release_at_once_one_wins(db: &TestDb) {
    let store = db.open().await;
    for round in 0..10 {
        let new = new_declaration("RU", "10702070", "1", "2019-06-03");
        submit(&store, new.clone()).await;
        register(&store, &new.id, 1, "2019-06-03").await.unwrap();
        let (a, b) = tokio::join!(
            decide(
                &store,
                "officer:tok_1",
                &new.id,
                Decision::Release {
                    reason: None,
                    day: "2019-06-03".into()
                }
            ),
            decide(
                &store,
                "officer:tok_2",
                &new.id,
                Decision::Refuse { reason: "x".into() }
            ),
        );
        assert_eq!(
            a.is_ok() as u8 + b.is_ok() as u8,
            1,
            "round {round}: {a:?} {b:?}"
        );
        let loser = if a.is_ok() { b } else { a };
        assert!(matches!(loser, Err(StoreError::Conflict(_))));
    }
    assert!(store.verify_audit(&[]).await.unwrap().intact);
}

pub async fn idempotency_keys_replay_or_conflict(db: &TestDb) {
    let store = db.open().await;
    let new = new_declaration("RU", "10702070", "1", "2019-06-03");
    let claim = |hash: &str| IdempotencyClaim {
        key: "key-1".into(),
        request_sha256: hash.into(),
        status: 201,
    };
    let req = |actor: &str, hash: &str, new: NewDeclaration| WriteRequest {
        actor: actor.into(),
        idempotency: Some(claim(hash)),
        command: Command::Submit(new),
    };
    let first = record(
        store
            .write(req(DECLARANT, "h1", new.clone()))
            .await
            .unwrap(),
    );
    let first_json = serde_json::to_string(&first).unwrap();
    // The same key and request, even with a new id generated by a retrying client: the stored
    // response, verbatim, and nothing new stored.
    let mut retry = new.clone();
    retry.id = new_declaration_id(1_700_000_000_000);
    match store
        .write(req(DECLARANT, "h1", retry.clone()))
        .await
        .unwrap()
    {
        WriteOutcome::Replayed { status, response } => {
            assert_eq!(status, 201);
            assert_eq!(response, first_json);
        }
        other => panic!("expected a replay, got {other:?}"),
    }
    assert!(store.declaration(&retry.id).await.unwrap().is_none());
    // The same key with another request: refused.
    let e = store
        .write(req(DECLARANT, "h2", retry.clone()))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::IdempotencyMismatch(_)), "{e}");
    // Keys belong to their caller: another actor's key-1 is a new request.
    let other = store
        .write(req("declarant:tok_b", "h2", retry.clone()))
        .await
        .unwrap();
    assert!(matches!(other, WriteOutcome::Declaration(_)));
    // Concurrent duplicates: exactly one is applied.
    let twin = new_declaration("RU", "10702070", "1", "2019-06-03");
    let twin_req = |id: &str| WriteRequest {
        actor: DECLARANT.into(),
        idempotency: Some(IdempotencyClaim {
            key: "key-2".into(),
            request_sha256: "h3".into(),
            status: 201,
        }),
        command: Command::Submit(NewDeclaration {
            id: id.into(),
            ..twin.clone()
        }),
    };
    let (x, y) = tokio::join!(
        store.write(twin_req("dcl_twin_a")),
        store.write(twin_req("dcl_twin_b"))
    );
    let applied = [x.unwrap(), y.unwrap()]
        .iter()
        .filter(|o| matches!(o, WriteOutcome::Declaration(_)))
        .count();
    assert_eq!(applied, 1);
}

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
            day: "2019-06-03".into(),
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
    let problem = report.first_problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (2, "altered"), "{problem:?}");
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
    let problem = report.first_problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (2, "altered"), "{problem:?}");
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
        .first_problem
        .unwrap();
    assert_eq!((problem.seq, problem.kind), (3, "removed"), "{problem:?}");
    // One in the middle removed: found there.
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(&mut raw)
        .await
        .unwrap();
    let problem = store
        .verify_audit(&[])
        .await
        .unwrap()
        .first_problem
        .unwrap();
    assert_eq!((problem.seq, problem.kind), (2, "removed"), "{problem:?}");
}

pub async fn tokens_resolve_until_revoked(db: &TestDb) {
    let store = db.open().await;
    let made = store
        .write(request(
            "cli",
            Command::CreateToken {
                role: Role::Officer,
                state: Some("KZ".into()),
                tin: None,
                name: "Almaty post".into(),
            },
        ))
        .await
        .unwrap();
    let (record, secret) = match made {
        WriteOutcome::Token { record, secret } => (record, secret),
        other => panic!("{other:?}"),
    };
    assert!(
        secret.starts_with("tamga_") && secret.len() == 70,
        "{secret}"
    );
    let principal = store.principal_for_token(&secret).await.unwrap().unwrap();
    assert_eq!(principal, record.principal);
    assert_eq!(principal.state.as_deref(), Some("KZ"));
    // The secret itself is never stored.
    let mut raw = db.raw().await;
    let rows = sqlx::query("SELECT digest FROM api_tokens")
        .fetch_all(&mut raw)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.get::<String, _>(0) != secret));
    assert!(
        store
            .principal_for_token("tamga_wrong")
            .await
            .unwrap()
            .is_none()
    );
    let mut wrong = secret.clone();
    wrong.pop();
    wrong.push(if secret.ends_with('0') { '1' } else { '0' });
    assert!(store.principal_for_token(&wrong).await.unwrap().is_none());
    store
        .write(request(
            "cli",
            Command::RevokeToken {
                id: principal.token_id.clone(),
            },
        ))
        .await
        .unwrap();
    assert!(store.principal_for_token(&secret).await.unwrap().is_none());
    let listed = store.tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some());
    assert!(store.verify_audit(&[]).await.unwrap().intact);
}

pub async fn list_filters_and_pages(db: &TestDb) {
    let store = db.open().await;
    let mut ru = Vec::new();
    for i in 0..25 {
        let day = if i < 10 { "2019-06-03" } else { "2019-06-05" };
        ru.push(
            submit(&store, new_declaration("RU", "10702070", "111", day))
                .await
                .id,
        );
    }
    for _ in 0..5 {
        submit(&store, new_declaration("KZ", "50101", "222", "2019-06-03")).await;
    }
    register(&store, &ru[0], 1, "2019-06-03").await.unwrap();
    let mut seen = Vec::new();
    let mut query = ListQuery {
        state: Some("RU".into()),
        limit: 10,
        ..ListQuery::default()
    };
    loop {
        let page = store.list(&query).await.unwrap();
        assert!(page.items.len() <= 10);
        seen.extend(page.items.into_iter().map(|d| d.id));
        match page.next_after {
            Some(c) => query.after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ru, "every RU declaration once, in submission order");
    let kz = store
        .list(&ListQuery {
            declarant_tin: Some("222".into()),
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(kz.items.len(), 5);
    assert!(kz.items.iter().all(|d| d.state == "KZ"));
    let registered = store
        .list(&ListQuery {
            status: Some(Status::Registered),
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(registered.items.len(), 1);
    let dated = store
        .list(&ListQuery {
            state: Some("RU".into()),
            from: Some("2019-06-04".into()),
            to: Some("2019-06-05".into()),
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(dated.items.len(), 15);
}

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
            "0004_integrity".into()
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
                registration_date: "2019-06-03".into(),
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

fn normatives_2020() -> tamga_treasury::Normatives {
    use std::str::FromStr;
    let share = |s: &str, p: &str| {
        (
            tamga_core::CountryCode::parse(s).unwrap(),
            rust_decimal::Decimal::from_str(p).unwrap(),
        )
    };
    tamga_treasury::Normatives::from_set(&tamga_tariff::snapshot::NormativeSet {
        id: "2020".into(),
        validity: tamga_core::Validity::new(tamga_core::parse_date("2020-01-01").unwrap(), None),
        shares: vec![
            share("AM", "1.220"),
            share("BY", "4.860"),
            share("KZ", "6.955"),
            share("KG", "1.900"),
            share("RU", "85.065"),
        ],
        legal_basis: "Protocol of 1 Oct 2019".into(),
        verification: tamga_tariff::snapshot::Verification::Verified,
    })
    .unwrap()
}

async fn released(store: &Store, duty_minor: i64, day: &str) -> String {
    let new = new_declaration("RU", "10702070", "1", day);
    submit(store, new.clone()).await;
    store
        .write(request(
            OFFICER_RU,
            Command::Register {
                id: new.id.clone(),
                expected_version: 1,
                registration_date: day.into(),
                assessment: assessment(day, duty_minor),
            },
        ))
        .await
        .unwrap();
    let release = Decision::Release {
        reason: None,
        day: day.into(),
    };
    decide(store, OFFICER_RU, &new.id, release).await.unwrap();
    new.id
}

async fn close(store: &Store, day: &str) -> (tamga_store::DayClosing, bool) {
    let outcome = store
        .write(request(
            "treasury:tok_ru",
            Command::CloseDay {
                state: "RU".into(),
                day: day.into(),
                currency: "RUB".into(),
                normatives: normatives_2020(),
                special_rule: tamga_store::SpecialDutyRule::Normatives,
                transfer_currencies: vec![("KZ".into(), "USD".into())],
                due_by: day.into(),
                reported_at: format!("{day}T10:00:00Z"),
                report_deadline: format!("{day}T13:00:00Z"),
                late: false,
            },
        ))
        .await
        .unwrap();
    match outcome {
        WriteOutcome::DayClosed { closing, already } => (closing, already),
        other => panic!("{other:?}"),
    }
}

/// The sum of each entry's postings (all must be 0) and of each book's account.
async fn unbalanced_entries(db: &TestDb) -> i64 {
    let mut raw = db.raw().await;
    let rows = sqlx::query(
        "SELECT entry_key FROM ledger_postings GROUP BY entry_key HAVING SUM(amount_minor) <> 0",
    )
    .fetch_all(&mut raw)
    .await
    .unwrap();
    rows.len() as i64
}

async fn balance(db: &TestDb, book: &str, account: &str) -> i64 {
    let mut raw = db.raw().await;
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS TEXT) FROM ledger_postings \
         WHERE book = $1 AND account = $2",
    )
    .bind(book)
    .bind(account)
    .fetch_one(&mut raw)
    .await
    .unwrap();
    row.get::<String, _>(0).parse().unwrap()
}

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
        .map(|s| (s.state.clone(), s.amount_minor))
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
        store.day_closing("RU", "2020-05-01").await.unwrap(),
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
    let open = store.open_receipts("RU", "2020-05-02").await.unwrap();
    assert_eq!(open, vec![("import_duty".to_string(), 12_345, 1)]);
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
            .day_closings("RU", "2020-05-01", "2020-05-31")
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
    for share in import.shares.iter().filter(|s| s.state != "RU") {
        assert_eq!(
            balance(db, "RU", &format!("due_to:{}", share.state)).await,
            -balance(db, &share.state, "due_from:RU").await
        );
    }
}

pub async fn the_books_reconcile_and_a_difference_names_its_entry(db: &TestDb) {
    let store = db.open().await;
    released(&store, 1_234_567, "2020-07-01").await;
    released(&store, 7_654_321, "2020-07-02").await;
    close(&store, "2020-07-01").await;
    close(&store, "2020-07-02").await;
    let pairs = store.reconcile("2020-07-01", "2020-07-31").await.unwrap();
    assert_eq!(pairs.len(), 4, "RU owes AM, BY, KG, KZ: {pairs:?}");
    for pair in &pairs {
        assert_eq!(pair.debtor, "RU");
        assert_eq!(pair.debtor_says_minor, pair.creditor_says_minor, "{pair:?}");
        assert_eq!(pair.difference_minor, 0);
        assert!(pair.unmatched_entries.is_empty());
        assert!(pair.debtor_says_minor > 0);
    }
    // One day only: the other day's debts are not in it.
    let first = store.reconcile("2020-07-01", "2020-07-01").await.unwrap();
    let kz_first = first
        .iter()
        .find(|p| p.creditor == "KZ")
        .unwrap()
        .debtor_says_minor;
    let kz_all = pairs
        .iter()
        .find(|p| p.creditor == "KZ")
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
    let pairs = store.reconcile("2020-07-01", "2020-07-31").await.unwrap();
    let kz = pairs.iter().find(|p| p.creditor == "KZ").unwrap();
    assert_eq!(kz.difference_minor, -100);
    assert_eq!(
        kz.unmatched_entries,
        vec!["close:RU:2020-07-02:import_duty:KZ".to_string()]
    );
    assert!(
        pairs
            .iter()
            .filter(|p| p.creditor != "KZ")
            .all(|p| p.difference_minor == 0)
    );
}

pub async fn transfers_are_sent_confirmed_and_charged_interest_when_late(db: &TestDb) {
    use std::str::FromStr;
    let store = db.open().await;
    released(&store, 880_000, "2020-08-03").await;
    close(&store, "2020-08-03").await;
    let orders = store.transfers("RU").await.unwrap();
    assert_eq!(orders.len(), 4, "RU owes AM, BY, KG and KZ");
    let kz = orders.iter().find(|o| o.receiver == "KZ").unwrap().clone();
    assert_eq!((kz.amount_minor, kz.status.as_str()), (61_204, "due"));
    assert_eq!(kz.transfer_currency, "USD");
    let write = |command: Command| request("treasury:test", command);
    let order = |outcome: WriteOutcome| match outcome {
        WriteOutcome::Transfer(order) => order,
        other => panic!("{other:?}"),
    };
    // In USD, a rate is needed; confirming before sending is refused.
    let no_rate = store
        .write(write(Command::SendTransfer {
            id: kz.id.clone(),
            on: "2020-08-03".into(),
            rate: None,
        }))
        .await
        .unwrap_err();
    assert!(no_rate.to_string().contains("rate"), "{no_rate}");
    let early = store
        .write(write(Command::ConfirmTransfer {
            id: kz.id.clone(),
            on: "2020-08-03".into(),
            daily_interest_rate: rust_decimal::Decimal::from_str("0.0001").unwrap(),
            interest_cap_minor: i64::MAX,
        }))
        .await
        .unwrap_err();
    assert!(
        early.to_string().contains("only a sent transfer"),
        "{early}"
    );
    let sent = order(
        store
            .write(write(Command::SendTransfer {
                id: kz.id.clone(),
                on: "2020-08-03".into(),
                rate: Some(rust_decimal::Decimal::from_str("74.0000").unwrap()),
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
    let pairs = store.reconcile("2020-08-01", "2020-08-31").await.unwrap();
    let pair = pairs.iter().find(|p| p.creditor == "KZ").unwrap();
    assert_eq!(pair.difference_minor, -61_204);
    // Confirmed 3 days after its deadline (the 3rd): 3 days of interest at 0.01 % a day.
    let confirmed = order(
        store
            .write(write(Command::ConfirmTransfer {
                id: kz.id.clone(),
                on: "2020-08-06".into(),
                daily_interest_rate: rust_decimal::Decimal::from_str("0.0001").unwrap(),
                interest_cap_minor: i64::MAX,
            }))
            .await
            .unwrap(),
    );
    assert_eq!(confirmed.days_late, Some(3));
    assert_eq!(
        confirmed.interest_minor,
        Some(18),
        "612.04 × 0.0001 × 3 = 0.18"
    );
    let pairs = store.reconcile("2020-08-01", "2020-08-31").await.unwrap();
    let pair = pairs.iter().find(|p| p.creditor == "KZ").unwrap();
    assert_eq!(pair.difference_minor, 0, "{pair:?}");
    assert_eq!(
        pair.debtor_says_minor, 18,
        "what is still owed: the interest"
    );
    assert_eq!(unbalanced_entries(db).await, 0);
    // An order on time: no interest.
    let by = orders.iter().find(|o| o.receiver == "BY").unwrap();
    store
        .write(write(Command::SendTransfer {
            id: by.id.clone(),
            on: "2020-08-03".into(),
            rate: Some(rust_decimal::Decimal::from_str("74").unwrap()),
        }))
        .await
        .unwrap();
    let on_time = order(
        store
            .write(write(Command::ConfirmTransfer {
                id: by.id.clone(),
                on: "2020-08-03".into(),
                daily_interest_rate: rust_decimal::Decimal::from_str("0.0001").unwrap(),
                interest_cap_minor: i64::MAX,
            }))
            .await
            .unwrap(),
    );
    assert_eq!(
        (on_time.days_late, on_time.interest_minor),
        (Some(0), Some(0))
    );
    assert!(store.verify_audit(&[]).await.unwrap().intact);
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
                                Command::RecordReceipt {
                                    state: "RU".into(),
                                    day: day.clone(),
                                    currency: "RUB".into(),
                                    pool: "import_duty".into(),
                                    event: if *amount < 0 {
                                        "refund"
                                    } else {
                                        "penalty_interest"
                                    }
                                    .into(),
                                    reference: format!("{day}-{i}"),
                                    amount_minor: *amount,
                                },
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
                    for pair in store.reconcile(&day, &day).await.unwrap() {
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
            Command::RecordReceipt {
                state: "RU".into(),
                day: "2020-09-01".into(),
                currency: "RUB".into(),
                pool: "import_duty".into(),
                event: "refund".into(),
                reference: "refund-1".into(),
                amount_minor: -100_000,
            },
        ))
        .await
        .unwrap();
    let (refund_day, _) = close(&store, "2020-09-01").await;
    assert!(
        store.transfers("RU").await.unwrap().is_empty(),
        "nobody is owed anything"
    );
    let kz_back = refund_day.pools[0]
        .shares
        .iter()
        .find(|s| s.state == "KZ")
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
        .find(|s| s.state == "KZ")
        .unwrap()
        .amount_minor;
    let orders = store.transfers("RU").await.unwrap();
    let kz = orders.iter().find(|o| o.receiver == "KZ").unwrap();
    assert_eq!(kz.day, "2020-09-02");
    assert_eq!(kz.amount_minor, kz_share + kz_back, "61,204 less 6,955");
    assert_eq!(kz.amount_minor, 54_249);
    // Every order of the day nets the refund.
    let total_orders: i64 = orders.iter().map(|o| o.amount_minor).sum();
    let others = |c: &tamga_store::DayClosing| -> i64 {
        c.pools[0]
            .shares
            .iter()
            .filter(|s| s.state != "RU")
            .map(|s| s.amount_minor)
            .sum()
    };
    assert_eq!(total_orders, others(&next) + others(&refund_day));
}

/// A released, registered and closed history to tamper with: a declaration with its versions,
/// assessment and payment lines, its receipts, a closed day and its transfer orders.
async fn history(db: &TestDb) -> (Store, String) {
    let store = db.open().await;
    store
        .write(request(
            "cli",
            Command::CreateToken {
                role: Role::Officer,
                state: Some("RU".into()),
                tin: None,
                name: "Sheremetyevo".into(),
            },
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

async fn problems_after(db: &TestDb, store: &Store, sql: &str) -> Vec<(i64, &'static str)> {
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
            "rows",
        ),
        // A balanced pair of postings: the books still balance, the chain does not.
        (
            "UPDATE ledger_postings SET amount_minor = amount_minor + 100 \
             WHERE account = 'due_to:KZ'",
            "rows",
        ),
        // A version's body.
        ("UPDATE declaration_versions SET body = '{}'", "rows"),
        // The declaration's head: its declarant, as one would move it to another's scope.
        (
            "UPDATE declarations SET declarant_tin = '5009999999'",
            "object",
        ),
        // A token's digest, as one would to take it over.
        ("UPDATE api_tokens SET digest = 'x'", "object"),
        // A row no entry wrote.
        (
            "INSERT INTO ledger_entries (entry_key, kind, state, day, pool, currency, \
             amount_minor, created_at) VALUES ('receipt:forged', 'receipt', 'RU', '2020-05-02', \
             'import_duty', 'RUB', 100, '2020-05-02T00:00:00Z')",
            "uncovered",
        ),
        // A transfer order marked confirmed with no entry.
        ("UPDATE transfer_orders SET status = 'confirmed'", "object"),
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
            "{sql}: expected a {kind} problem, got {problems:?}"
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
    // Cut the last entry and point the head at the one before, consistently.
    let mut raw = db.raw().await;
    let before: (i64, String) = {
        let row =
            sqlx::query("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1 OFFSET 1")
                .fetch_one(&mut raw)
                .await
                .unwrap();
        (row.get(0), row.get(1))
    };
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(before.0)
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2")
        .bind(before.0)
        .bind(&before.1)
        .execute(&mut raw)
        .await
        .unwrap();
    let report = store
        .verify_audit(std::slice::from_ref(&checkpoint))
        .await
        .unwrap();
    assert!(
        report.problems.iter().any(|p| p.kind == "checkpoint"),
        "{report:?}"
    );
    // A checkpoint signed by another node's key is not taken.
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
            .any(|p| p.kind == "checkpoint" && p.detail.contains("not signed")),
        "{report:?}"
    );
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
            day: "2020-05-01".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("no later day"), "{refused}");
    let head = store.declaration(&new.id).await.unwrap().unwrap();
    assert_eq!(head.status, Status::Registered, "nothing changed");
}
