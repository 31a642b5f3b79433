//! Declarations: submission, registration and its numbers, decisions and the transitions they
//! may make, amendments and their versions, and listing.

use std::collections::BTreeSet;

use tamga_declaration::Refusal;
use tamga_store::{
    Command, Decision, ListQuery, NewAssessment, Object, Status, Store, StoreError, WriteRequest,
};

use tamga_testing::TestDb;

use crate::support::{
    DECLARANT, OFFICER_RU, assessment, body, cc, date, decide, new_declaration, record, register,
    request, submit,
};

pub async fn submit_and_read_back(db: &TestDb) {
    let store = db.open().await;
    let new = new_declaration("RU", "10702070", "7701234567", "2019-06-03");
    let made = submit(&store, new.clone()).await;
    assert_eq!(made.status, Status::Submitted);
    assert_eq!(made.version, 1);
    assert_eq!(made.number, None);
    let read = store.declaration(&new.id).await.unwrap().unwrap();
    assert_eq!(read.declaration, new.body);
    assert_eq!(read.declarant_tin, "7701234567");
    assert_eq!(read.state, cc("RU"));
    assert!(read.assessment.is_none());
    assert!(store.declaration("dcl_none").await.unwrap().is_none());
    // A second store on the same database sees it: it was committed, not cached.
    store.close().await;
    let again = db.open().await;
    assert!(again.declaration(&new.id).await.unwrap().is_some());
}

/// A declaration goes from submitted to registered to a decision, and no other way.
pub async fn transitions_follow_the_life(db: &TestDb) {
    let store = db.open().await;
    let a = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, a.clone()).await;
    no_decision_before_registration(&store, &a.id).await;
    registered_only_once(&store, &a.id).await;
    a_refused_declaration_is_closed(&store, &a.id).await;
    withdrawn_until_released(&store).await;
    a_missing_declaration_is_not_found(&store).await;
    assert!(store.verify_audit(&[]).await.unwrap().intact);
}

/// Not registered yet: neither release nor refusal.
async fn no_decision_before_registration(store: &Store, a_id: &str) {
    for decision in [
        Decision::Release {
            reason: None,
            day: date("2019-06-03"),
        },
        Decision::Refuse {
            reason: "no".into(),
        },
    ] {
        let e = decide(store, OFFICER_RU, a_id, decision).await.unwrap_err();
        assert!(
            matches!(
                &e,
                StoreError::Transition {
                    id,
                    refusal: Refusal::NotRegistered(Status::Submitted, _),
                } if *id == a_id
            ),
            "{e}"
        );
    }
}

/// Registered once: registering again is refused, and the declaration keeps its number.
async fn registered_only_once(store: &Store, a_id: &str) {
    register(store, a_id, 1, "2019-06-03").await.unwrap();
    let again = register(store, a_id, 1, "2019-06-03").await.unwrap_err();
    assert!(
        matches!(
            again,
            StoreError::Transition {
                refusal: Refusal::NotSubmitted(Status::Registered),
                ..
            }
        ),
        "{again}"
    );
    assert!(again.to_string().contains("registered"), "{again}");
    assert_eq!(
        store
            .declaration(a_id)
            .await
            .unwrap()
            .unwrap()
            .number
            .as_deref(),
        Some("10702070/030619/0000001")
    );
}

/// Refused with its reason kept; a refused declaration is closed, even to withdrawal.
async fn a_refused_declaration_is_closed(store: &Store, a_id: &str) {
    let refused = decide(
        store,
        OFFICER_RU,
        a_id,
        Decision::Refuse {
            reason: "documents missing".into(),
        },
    )
    .await;
    assert_eq!(refused.unwrap(), Status::Refused);
    let read = store.declaration(a_id).await.unwrap().unwrap();
    assert_eq!(read.reason.as_deref(), Some("documents missing"));
    // A refused declaration is closed.
    let closed = decide(store, DECLARANT, a_id, Decision::Withdraw { reason: None })
        .await
        .unwrap_err();
    assert!(
        matches!(
            closed,
            StoreError::Transition {
                refusal: Refusal::Closed(Status::Refused, _),
                ..
            }
        ),
        "{closed}"
    );
}

/// Withdrawal: before registration and after, but not after release.
async fn withdrawn_until_released(store: &Store) {
    let b = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(store, b.clone()).await;
    assert_eq!(
        decide(store, DECLARANT, &b.id, Decision::Withdraw { reason: None })
            .await
            .unwrap(),
        Status::Withdrawn
    );
    let c = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(store, c.clone()).await;
    register(store, &c.id, 1, "2019-06-03").await.unwrap();
    decide(
        store,
        OFFICER_RU,
        &c.id,
        Decision::Release {
            reason: None,
            day: date("2019-06-03"),
        },
    )
    .await
    .unwrap();
    let late = decide(store, DECLARANT, &c.id, Decision::Withdraw { reason: None })
        .await
        .unwrap_err();
    assert!(
        matches!(
            late,
            StoreError::Transition {
                refusal: Refusal::Closed(Status::Released, _),
                ..
            }
        ),
        "{late}"
    );
    assert!(late.to_string().contains("released"), "{late}");
}

/// A decision on a declaration that does not exist names what is missing.
async fn a_missing_declaration_is_not_found(store: &Store) {
    let missing = decide(
        store,
        OFFICER_RU,
        "dcl_missing",
        Decision::Release {
            reason: None,
            day: date("2019-06-03"),
        },
    )
    .await;
    assert!(
        matches!(
            &missing,
            Err(StoreError::NotFound {
                what: Object::Declaration,
                id,
            }) if id == "dcl_missing"
        ),
        "{missing:?}"
    );
}

/// Each amendment is a new version, kept as it was; a registered declaration's amendment
/// carries its new assessment, and a released one is no longer amended.
pub async fn amendments_keep_every_version(db: &TestDb) {
    let store = db.open().await;
    let new = new_declaration("RU", "10702070", "1", "2019-06-03");
    submit(&store, new.clone()).await;
    amended_at_its_current_version(&store, &new.id).await;
    register(&store, &new.id, 2, "2019-06-04").await.unwrap();
    amended_with_its_assessment(&store, &new.id).await;
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
    let closed = store
        .write(amend(
            &new.id,
            3,
            "fourth",
            Some(assessment("2019-06-04", 1)),
        ))
        .await
        .unwrap_err();
    assert!(
        closed.to_string().contains("no longer be amended"),
        "{closed}"
    );
    assert_eq!(store.versions(&new.id).await.unwrap().len(), 3);
}

/// The declarant's amendment of declaration `id`, expected at `version`, with the body marked
/// `marker`.
fn amend(id: &str, version: i64, marker: &str, assessment: Option<NewAssessment>) -> WriteRequest {
    request(
        DECLARANT,
        Command::Amend {
            id: id.into(),
            expected_version: version,
            body: body("1", marker),
            assessment,
        },
    )
}

/// Before registration: amended to version 2; a stale version is refused.
async fn amended_at_its_current_version(store: &Store, id: &str) {
    let second = record(store.write(amend(id, 1, "second", None)).await.unwrap());
    assert_eq!(second.version, 2);
    // A stale version is refused: someone amended it since.
    let stale = store.write(amend(id, 1, "stale", None)).await.unwrap_err();
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
}

/// Once registered, an amendment must carry its new assessment; every version is kept.
async fn amended_with_its_assessment(store: &Store, id: &str) {
    let bare = store.write(amend(id, 2, "third", None)).await.unwrap_err();
    assert!(
        matches!(
            bare,
            StoreError::Transition {
                refusal: Refusal::AmendmentNeedsAssessment,
                ..
            }
        ),
        "{bare}"
    );
    let third = record(
        store
            .write(amend(
                id,
                2,
                "third",
                Some(assessment("2019-06-04", 990_000)),
            ))
            .await
            .unwrap(),
    );
    assert_eq!(third.version, 3);
    assert_eq!(third.status, Status::Registered);
    assert!(third.assessment.unwrap().contains("9900.00"));
    let versions = store.versions(id).await.unwrap();
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
                    day: date("2019-06-03")
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
        assert!(
            matches!(loser, Err(StoreError::Transition { .. })),
            "round {round}: {loser:?}"
        );
    }
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
        state: Some(cc("RU")),
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
    assert!(kz.items.iter().all(|d| d.state == cc("KZ")));
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
            state: Some(cc("RU")),
            from: Some(date("2019-06-04")),
            to: Some(date("2019-06-05")),
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(dated.items.len(), 15);
}
