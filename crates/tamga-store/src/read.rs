//! Reads: through the reader pool for the service, through the writer's connection inside a
//! write.

use serde_json::value::RawValue;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::ids::constant_time_eq;
use crate::{
    DeclarationRecord, DeclarationSummary, Principal, Result, Role, Status, Store, StoreError,
    TokenRecord, VersionRecord, token_digest,
};

/// The `declarations` row: the current head of a declaration.
#[derive(Clone, Debug)]
pub(crate) struct DeclarationHead {
    pub id: String,
    pub state: String,
    pub customs_office: String,
    pub declarant_tin: String,
    pub status: Status,
    pub version: i64,
    pub number: Option<String>,
    pub registration_date: Option<String>,
    pub reason: Option<String>,
    pub submitted_at: String,
    pub updated_at: String,
    pub body_sha256: String,
    pub assessment_sha256: Option<String>,
    /// The business day of submission (the list's `from`/`to`).
    pub submitted_on: String,
}

/// The columns `head_from_row` reads, as a literal (so that the queries stay literals).
macro_rules! head_columns {
    () => {
        "id, state, customs_office, declarant_tin, status, version, registration_number, \
         registration_date, reason, submitted_at, updated_at, body_sha256, assessment_sha256, \
         submitted_on"
    };
}

/// `head_columns!()` qualified by the `declarations` table's alias `d`.
macro_rules! head_columns_of_d {
    () => {
        "d.id, d.state, d.customs_office, d.declarant_tin, d.status, d.version, \
         d.registration_number, d.registration_date, d.reason, d.submitted_at, d.updated_at, \
         d.body_sha256, d.assessment_sha256, d.submitted_on"
    };
}

macro_rules! token_columns {
    () => {
        "id, role, state, tin, name, created_at, revoked_at"
    };
}

/// A head from the row's columns `head_columns!()`, starting at column `at`.
fn head_from_row(row: &AnyRow, at: usize) -> Result<DeclarationHead> {
    let status: String = row.try_get(at + 4)?;
    Ok(DeclarationHead {
        id: row.try_get(at)?,
        state: row.try_get(at + 1)?,
        customs_office: row.try_get(at + 2)?,
        declarant_tin: row.try_get(at + 3)?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown status {status:?}")))?,
        version: row.try_get(at + 5)?,
        number: row.try_get(at + 6)?,
        registration_date: row.try_get(at + 7)?,
        reason: row.try_get(at + 8)?,
        submitted_at: row.try_get(at + 9)?,
        updated_at: row.try_get(at + 10)?,
        body_sha256: row.try_get(at + 11)?,
        assessment_sha256: row.try_get(at + 12)?,
        submitted_on: row.try_get(at + 13)?,
    })
}

fn raw(text: String) -> Result<Box<RawValue>> {
    RawValue::from_string(text).map_err(|e| StoreError::Database(format!("stored JSON: {e}")))
}

impl DeclarationHead {
    pub(crate) fn into_record(
        self,
        body: String,
        assessment: Option<String>,
    ) -> Result<DeclarationRecord> {
        Ok(DeclarationRecord {
            id: self.id,
            number: self.number,
            status: self.status,
            state: self.state,
            customs_office: self.customs_office,
            declarant_tin: self.declarant_tin,
            version: self.version,
            registration_date: self.registration_date,
            reason: self.reason,
            submitted_at: self.submitted_at,
            updated_at: self.updated_at,
            declaration: raw(body)?,
            assessment: assessment.map(raw).transpose()?,
        })
    }

    fn into_summary(self) -> DeclarationSummary {
        DeclarationSummary {
            id: self.id,
            number: self.number,
            status: self.status,
            state: self.state,
            customs_office: self.customs_office,
            declarant_tin: self.declarant_tin,
            version: self.version,
            registration_date: self.registration_date,
            submitted_at: self.submitted_at,
            updated_at: self.updated_at,
        }
    }
}

/// What `load_full` and `load_many` select.
macro_rules! full_select {
    () => {
        concat!(
            "SELECT ",
            head_columns_of_d!(),
            ", v.body, a.document FROM declarations d \
             JOIN declaration_versions v ON v.declaration_id = d.id AND v.version = d.version \
             LEFT JOIN assessments a ON a.declaration_id = d.id AND a.version = d.version"
        )
    };
}

/// A head, its body and its assessment document.
pub(crate) type FullDeclaration = (DeclarationHead, String, Option<String>);

fn full_from_row(row: &AnyRow) -> Result<FullDeclaration> {
    Ok((head_from_row(row, 0)?, row.try_get(14)?, row.try_get(15)?))
}

/// The declarations with these ids (those that exist), in one query.
pub(crate) async fn load_many<'c, E: Executor<'c, Database = Any>>(
    executor: E,
    ids: &[&str],
) -> Result<Vec<FullDeclaration>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "{} WHERE d.id IN ({})",
        full_select!(),
        placeholders.join(", ")
    );
    // Safe: the text holds only placeholders; every id is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(executor)
        .await?
        .iter()
        .map(full_from_row)
        .collect()
}

/// A declaration's head, its current body and the assessment of its current version, in one
/// query. (An assessment is always of the current version: registration assesses it, and an
/// amendment after registration stores its own.)
pub(crate) async fn load_full<'c, E: Executor<'c, Database = Any>>(
    executor: E,
    id: &str,
) -> Result<Option<FullDeclaration>> {
    let sql = concat!(full_select!(), " WHERE d.id = $1");
    let Some(row) = sqlx::query(sql).bind(id).fetch_optional(executor).await? else {
        return Ok(None);
    };
    Ok(Some(full_from_row(&row)?))
}

fn token_from_row(row: &AnyRow) -> Result<TokenRecord> {
    let role: String = row.try_get(1)?;
    Ok(TokenRecord {
        principal: Principal {
            token_id: row.try_get(0)?,
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::Database(format!("unknown role {role:?}")))?,
            state: row.try_get(2)?,
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

/// A page of declarations after list position `after`, with their current body and
/// assessment and their position, for verification.
pub(crate) async fn heads_after(
    conn: &mut sqlx::AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, FullDeclaration)>> {
    let sql = concat!(
        "SELECT ",
        head_columns_of_d!(),
        ", v.body, a.document, d.seq FROM declarations d \
         JOIN declaration_versions v ON v.declaration_id = d.id AND v.version = d.version \
         LEFT JOIN assessments a ON a.declaration_id = d.id AND a.version = d.version \
         WHERE d.seq > $1 ORDER BY d.seq LIMIT $2"
    );
    let rows = sqlx::query(sql)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(16)?, full_from_row(r)?)))
        .collect()
}

/// A filter over the declarations, and the page to read. The scope fields (`declarant_tin`,
/// `state`) are set by the service from the caller's token, never from the request alone.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub declarant_tin: Option<String>,
    pub state: Option<String>,
    pub status: Option<Status>,
    /// Submitted on or after this day (ISO).
    pub from: Option<String>,
    /// Submitted on or before this day (ISO).
    pub to: Option<String>,
    /// Continue after this declaration (the last one of the previous page).
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug)]
pub struct DeclarationPage {
    pub items: Vec<DeclarationSummary>,
    /// The last declaration of this page, after which the next one starts; `None` on the
    /// last page.
    pub next_after: Option<String>,
}

impl Store {
    /// A pooled connection. Failing to get one (the server down, refusing connections, the
    /// pool exhausted beyond the timeout) is the database being unavailable, whatever the
    /// driver's error.
    /// The node key, for what only this node may sign or key (list cursors, checkpoints).
    pub fn node_key(&self) -> &crate::NodeKey {
        &self.key
    }

    pub(crate) async fn reader(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        self.readers
            .acquire()
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// A declaration with its current body and latest assessment.
    pub async fn declaration(&self, id: &str) -> Result<Option<DeclarationRecord>> {
        self.bounded(async {
            let mut conn = self.reader().await?;
            match load_full(&mut *conn, id).await? {
                Some((head, body, assessment)) => Ok(Some(head.into_record(body, assessment)?)),
                None => Ok(None),
            }
        })
        .await
    }

    /// Every version of a declaration's body, oldest first.
    pub async fn versions(&self, id: &str) -> Result<Vec<VersionRecord>> {
        self.bounded(async {
            let rows = sqlx::query(
                "SELECT version, body, created_at, actor FROM declaration_versions \
                 WHERE declaration_id = $1 ORDER BY version",
            )
            .bind(id)
            .fetch_all(&mut *self.reader().await?)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(VersionRecord {
                        version: row.try_get(0)?,
                        body: row.try_get(1)?,
                        created_at: row.try_get(2)?,
                        actor: row.try_get(3)?,
                    })
                })
                .collect()
        })
        .await
    }

    /// A page of declarations, oldest first, in a stable order (the cursor is the position of
    /// the last one returned).
    pub async fn list(&self, query: &ListQuery) -> Result<DeclarationPage> {
        self.bounded(async {
            let mut sql = concat!(
                "SELECT seq, ",
                head_columns!(),
                " FROM declarations WHERE 1 = 1"
            )
            .to_owned();
            let mut binds: Vec<String> = Vec::new();
            let mut add = |column: &str, op: &str, value: &str, sql: &mut String| {
                binds.push(value.to_owned());
                sql.push_str(&format!(" AND {column} {op} ${}", binds.len()));
            };
            if let Some(tin) = &query.declarant_tin {
                add("declarant_tin", "=", tin, &mut sql);
            }
            if let Some(state) = &query.state {
                add("state", "=", state, &mut sql);
            }
            if let Some(status) = query.status {
                add("status", "=", status.as_str(), &mut sql);
            }
            if let Some(from) = &query.from {
                add("submitted_on", ">=", from, &mut sql);
            }
            if let Some(to) = &query.to {
                add("submitted_on", "<=", to, &mut sql);
            }
            let limit = query.limit.clamp(1, 1000);
            if let Some(after) = &query.after {
                binds.push(after.clone());
                sql.push_str(&format!(
                    " AND seq > (SELECT seq FROM declarations WHERE id = ${})",
                    binds.len()
                ));
            }
            sql.push_str(&format!(" ORDER BY seq LIMIT ${}", binds.len() + 1));
            // Safe: the text holds only column names and placeholders from this function; every
            // value is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in &binds {
                q = q.bind(value);
            }
            let rows = q
                .bind(i64::from(limit) + 1)
                .fetch_all(&mut *self.reader().await?)
                .await?;
            let more = rows.len() > limit as usize;
            let mut items = Vec::with_capacity(rows.len().min(limit as usize));
            for row in rows.iter().take(limit as usize) {
                let head = head_from_row(row, 1)?;
                items.push(head.into_summary());
            }
            let last = items.last().map(|d| d.id.clone());
            Ok(DeclarationPage {
                items,
                next_after: if more { last } else { None },
            })
        })
        .await
    }

    /// Who holds this token, if it is valid and not revoked.
    pub async fn principal_for_token(&self, secret: &str) -> Result<Option<Principal>> {
        self.principal_for_digest(&token_digest(secret)).await
    }

    /// Who holds the token with this digest ([`token_digest`]), if it is valid and not revoked.
    pub async fn principal_for_digest(&self, digest: &str) -> Result<Option<Principal>> {
        self.bounded(async {
            let row = sqlx::query(
                "SELECT id, role, state, tin, name, created_at, revoked_at, digest FROM api_tokens \
                 WHERE digest = $1",
            )
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

    /// The response stored under an idempotency key of this actor: the request's digest, the
    /// status and the body.
    pub async fn idempotent_response(
        &self,
        actor: &str,
        key: &str,
    ) -> Result<Option<(String, u16, String)>> {
        self.bounded(async {
            let row = sqlx::query(
                "SELECT request_sha256, status, response FROM idempotency_keys \
                 WHERE actor = $1 AND key = $2",
            )
            .bind(actor)
            .bind(key)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
            row.map(|row| {
                let status: i64 = row.try_get(1)?;
                Ok((
                    row.try_get(0)?,
                    u16::try_from(status).unwrap_or(200),
                    row.try_get(2)?,
                ))
            })
            .transpose()
        })
        .await
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
