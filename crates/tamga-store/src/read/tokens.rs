//! Tokens: who holds one, and the list (never their secrets).

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::ids::constant_time_eq;
use crate::sql::parse_state;
use crate::{Principal, Result, Role, Store, StoreError, TokenRecord, token_digest};

macro_rules! token_columns {
    () => {
        "id, role, state, tin, name, created_at, revoked_at"
    };
}

fn token_from_row(row: &AnyRow) -> Result<TokenRecord> {
    let role: String = row.try_get(1)?;
    let state: Option<String> = row.try_get(2)?;
    Ok(TokenRecord {
        principal: Principal {
            token_id: row.try_get(0)?,
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::Database(format!("unknown role {role:?}")))?,
            state: state.map(|s| parse_state(&s)).transpose()?,
            tin: row.try_get(3)?,
            name: row.try_get(4)?,
        },
        created_at: row.try_get(5)?,
        revoked_at: row.try_get(6)?,
    })
}

/// A token and its digest.
pub(crate) async fn load_token<'c, E: Executor<'c, Database = Any>>(
    executor: E,
    id: &str,
) -> Result<Option<(TokenRecord, String)>> {
    let sql = concat!(
        "SELECT ",
        token_columns!(),
        ", digest FROM api_tokens WHERE id = $1"
    );
    let row = sqlx::query(sql).bind(id).fetch_optional(executor).await?;
    row.as_ref()
        .map(|r| Ok((token_from_row(r)?, r.try_get(7)?)))
        .transpose()
}

/// Every token with its digest, for verification.
pub(crate) async fn all_tokens(
    conn: &mut sqlx::AnyConnection,
) -> Result<Vec<(TokenRecord, String)>> {
    let sql = concat!(
        "SELECT ",
        token_columns!(),
        ", digest FROM api_tokens ORDER BY id"
    );
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((token_from_row(r)?, r.try_get(7)?)))
        .collect()
}

impl Store {
    /// Who holds the token with this digest ([`token_digest`]), if it is valid and not revoked.
    pub async fn principal_for_digest(&self, digest: &str) -> Result<Option<Principal>> {
        self.bounded(async {
            let row = sqlx::query(concat!(
                "SELECT ",
                token_columns!(),
                ", digest FROM api_tokens WHERE digest = $1"
            ))
            .bind(digest)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let stored: String = row.try_get(7)?;
            let record = token_from_row(&row)?;
            if !constant_time_eq(&stored, digest) || record.revoked_at.is_some() {
                return Ok(None);
            }
            Ok(Some(record.principal))
        })
        .await
    }

    /// Who holds this token, if it is valid and not revoked.
    pub async fn principal_for_token(&self, secret: &str) -> Result<Option<Principal>> {
        self.principal_for_digest(&token_digest(secret)).await
    }

    pub async fn tokens(&self) -> Result<Vec<TokenRecord>> {
        self.bounded(async {
            let sql = concat!(
                "SELECT ",
                token_columns!(),
                " FROM api_tokens ORDER BY created_at, id"
            );
            let rows = sqlx::query(sql)
                .fetch_all(&mut *self.reader().await?)
                .await?;
            rows.iter().map(token_from_row).collect()
        })
        .await
    }

    pub async fn token(&self, id: &str) -> Result<Option<TokenRecord>> {
        self.bounded(async {
            Ok(load_token(&mut *self.reader().await?, id)
                .await?
                .map(|(record, _)| record))
        })
        .await
    }
}
