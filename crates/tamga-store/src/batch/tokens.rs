//! The API tokens of a batch: created (only the digest of the caller's secret is kept) and
//! revoked.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::{Audited, Change, Step};
use crate::audit::token_state;
use crate::ids::token_digest;
use crate::read::load_token;
use crate::sql::{Param, insert_rows};
use crate::{
    Command, NewToken, Object, Principal, Result, StoreError, TokenRecord, WriteOutcome,
    WriteRequest,
};

#[derive(Default)]
pub(super) struct Tokens {
    /// Tokens this batch revokes or made, with their digests.
    known: HashMap<String, (TokenRecord, String)>,
    new_rows: Vec<Vec<Param>>,
    revoked: Vec<(String, String)>,
}

impl Tokens {
    pub(super) async fn load(
        conn: &mut AnyConnection,
        requests: &[&WriteRequest],
    ) -> Result<Tokens> {
        let mut tokens = Tokens::default();
        for request in requests {
            if let Command::RevokeToken { id } = &request.command
                && let Some(found) = load_token(&mut *conn, id).await?
            {
                tokens.known.insert(id.clone(), found);
            }
        }
        Ok(tokens)
    }

    pub(super) fn create(&mut self, step: &mut Step<'_>, new: &NewToken) -> Change {
        let digest = token_digest(&new.secret);
        let record = TokenRecord {
            principal: Principal {
                token_id: format!("tok_{}", &digest[..12]),
                role: new.role,
                state: new.state,
                tin: new.tin.clone(),
                name: new.name.clone(),
            },
            created_at: step.at.to_owned(),
            revoked_at: None,
        };
        let id = record.principal.token_id.clone();
        if self.known.contains_key(&id) {
            return StoreError::Database(format!("token id {id} is taken")).into();
        }
        self.new_rows.push(vec![
            Param::Text(id.clone()),
            Param::Text(digest.clone()),
            Param::Text(new.role.as_str().to_owned()),
            Param::OptText(new.state.map(|s| s.to_string())),
            Param::OptText(new.tin.clone()),
            Param::Text(new.name.clone()),
            Param::Text(step.at.to_owned()),
        ]);
        let after = token_state(&record, &digest);
        self.known.insert(id.clone(), (record.clone(), digest));
        Change::made(
            WriteOutcome::Token(record),
            Audited {
                action: "token.create".into(),
                object: id,
                before: None,
                after,
            },
        )
    }

    pub(super) fn revoke(&mut self, step: &mut Step<'_>, id: &str) -> Change {
        let Some((record, digest)) = self.known.get_mut(id) else {
            return StoreError::NotFound {
                what: Object::Token,
                id: id.to_owned(),
            }
            .into();
        };
        if record.revoked_at.is_some() {
            return StoreError::AlreadyRevoked(id.to_owned()).into();
        }
        let before = token_state(record, digest);
        record.revoked_at = Some(step.at.to_owned());
        let after = token_state(record, digest);
        let record = record.clone();
        self.revoked.push((id.to_owned(), step.at.to_owned()));
        Change::made(
            WriteOutcome::Revoked(record),
            Audited {
                action: "token.revoke".into(),
                object: id.to_owned(),
                before: Some(before),
                after,
            },
        )
    }

    pub(super) async fn flush(self, conn: &mut AnyConnection) -> Result<()> {
        insert_rows(
            conn,
            "api_tokens (id, digest, role, state, tin, name, created_at)",
            &self.new_rows,
            "",
        )
        .await?;
        for (id, at) in &self.revoked {
            sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1")
                .bind(id)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}
