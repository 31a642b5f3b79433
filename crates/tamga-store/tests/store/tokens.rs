//! API tokens: a token resolves to its principal until it is revoked, and its secret is never
//! stored.

use sqlx::Row;
use tamga_store::{Command, NewToken, Role, WriteOutcome, new_token_secret};

use tamga_testing::TestDb;

use crate::support::{cc, request};

pub async fn tokens_resolve_until_revoked(db: &TestDb) {
    let store = db.open().await;
    let secret = new_token_secret();
    let made = store
        .write(request(
            "cli",
            Command::CreateToken(NewToken {
                role: Role::Officer,
                state: Some(cc("KZ")),
                tin: None,
                name: "Almaty post".into(),
                secret: secret.clone(),
            }),
        ))
        .await
        .unwrap();
    let record = match made {
        WriteOutcome::Token(record) => record,
        other => panic!("{other:?}"),
    };
    assert!(record.revoked_at.is_none());
    assert!(
        secret.starts_with("tamga_") && secret.len() == 70,
        "{secret}"
    );
    let principal = store.principal_for_token(&secret).await.unwrap().unwrap();
    assert_eq!(principal, record.principal);
    assert_eq!(principal.state, Some(cc("KZ")));
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
    let revoked = store
        .write(request(
            "cli",
            Command::RevokeToken {
                id: principal.token_id.clone(),
            },
        ))
        .await
        .unwrap();
    match revoked {
        WriteOutcome::Revoked(revoked) => {
            assert_eq!(revoked.principal, principal);
            assert!(revoked.revoked_at.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(store.principal_for_token(&secret).await.unwrap().is_none());
    let listed = store.tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some());
    assert!(store.verify_audit(&[]).await.unwrap().intact);
}
