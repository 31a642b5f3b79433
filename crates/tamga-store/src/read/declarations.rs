//! Declarations: one with its current body and assessment, its versions, and lists.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};
use tamga_core::{CountryCode, Date, format_date};

use crate::sql::{parse_day, parse_state};
use crate::{
    DeclarationRecord, DeclarationSummary, Result, Status, Store, StoreError, VersionRecord,
};

/// The `declarations` row: the current head of a declaration.
#[derive(Clone, Debug)]
pub(crate) struct DeclarationHead {
    pub id: String,
    pub state: CountryCode,
    pub customs_office: String,
    pub declarant_tin: String,
    pub status: Status,
    pub version: i64,
    pub number: Option<String>,
    pub registration_date: Option<Date>,
    pub reason: Option<String>,
    pub submitted_at: String,
    pub updated_at: String,
    pub body_sha256: String,
    pub assessment_sha256: Option<String>,
    /// The business day of submission (the list's `from`/`to`).
    pub submitted_on: Date,
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

/// A head from the row's columns `head_columns!()`, starting at column `at`.
fn head_from_row(row: &AnyRow, at: usize) -> Result<DeclarationHead> {
    let status: String = row.try_get(at + 4)?;
    let registration_date: Option<String> = row.try_get(at + 7)?;
    Ok(DeclarationHead {
        id: row.try_get(at)?,
        state: parse_state(&row.try_get::<String, _>(at + 1)?)?,
        customs_office: row.try_get(at + 2)?,
        declarant_tin: row.try_get(at + 3)?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown status {status:?}")))?,
        version: row.try_get(at + 5)?,
        number: row.try_get(at + 6)?,
        registration_date: registration_date.map(|d| parse_day(&d)).transpose()?,
        reason: row.try_get(at + 8)?,
        submitted_at: row.try_get(at + 9)?,
        updated_at: row.try_get(at + 10)?,
        body_sha256: row.try_get(at + 11)?,
        assessment_sha256: row.try_get(at + 12)?,
        submitted_on: parse_day(&row.try_get::<String, _>(at + 13)?)?,
    })
}

impl DeclarationHead {
    pub(crate) fn into_record(self, body: String, assessment: Option<String>) -> DeclarationRecord {
        DeclarationRecord {
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
            declaration: body,
            assessment,
        }
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
    let sql = format!(
        "{} WHERE d.id IN ({})",
        full_select!(),
        crate::sql::placeholders(1, ids.len())
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
/// `state`) are set by the caller from the token, never from the request alone.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub declarant_tin: Option<String>,
    pub state: Option<CountryCode>,
    pub status: Option<Status>,
    /// Submitted on or after this day.
    pub from: Option<Date>,
    /// Submitted on or before this day.
    pub to: Option<Date>,
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

impl ListQuery {
    /// The `WHERE` clauses and their values.
    fn filter(&self) -> (String, Vec<String>) {
        let mut sql = String::new();
        let mut binds: Vec<String> = Vec::new();
        let mut add = |column: &str, op: &str, value: String| {
            binds.push(value);
            sql.push_str(&format!(" AND {column} {op} ${}", binds.len()));
        };
        if let Some(tin) = &self.declarant_tin {
            add("declarant_tin", "=", tin.clone());
        }
        if let Some(state) = self.state {
            add("state", "=", state.to_string());
        }
        if let Some(status) = self.status {
            add("status", "=", status.as_str().to_owned());
        }
        if let Some(from) = self.from {
            add("submitted_on", ">=", format_date(from));
        }
        if let Some(to) = self.to {
            add("submitted_on", "<=", format_date(to));
        }
        if let Some(after) = &self.after {
            // The position of the declaration named, not a number a caller could choose.
            binds.push(after.clone());
            sql.push_str(&format!(
                " AND seq > (SELECT seq FROM declarations WHERE id = ${})",
                binds.len()
            ));
        }
        (sql, binds)
    }
}

impl Store {
    /// A declaration with its current body and latest assessment.
    pub async fn declaration(&self, id: &str) -> Result<Option<DeclarationRecord>> {
        self.bounded(async {
            let mut conn = self.reader().await?;
            let sql = concat!(full_select!(), " WHERE d.id = $1");
            let row = sqlx::query(sql).bind(id).fetch_optional(&mut *conn).await?;
            row.map(|row| {
                let (head, body, assessment) = full_from_row(&row)?;
                Ok(head.into_record(body, assessment))
            })
            .transpose()
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

    /// The record a request with this actor's idempotency key was answered with, and that
    /// request's digest.
    pub async fn idempotent_record(
        &self,
        actor: &str,
        key: &str,
    ) -> Result<Option<(String, DeclarationRecord)>> {
        self.bounded(async {
            let row = sqlx::query(
                "SELECT k.request_sha256, k.snapshot, v.body, a.document FROM idempotency_keys k \
                 JOIN declaration_versions v ON v.declaration_id = k.declaration_id \
                  AND v.version = k.version \
                 LEFT JOIN assessments a ON a.declaration_id = k.declaration_id \
                  AND a.version = k.version \
                 WHERE k.actor = $1 AND k.key = $2",
            )
            .bind(actor)
            .bind(key)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
            row.map(|row| {
                let snapshot: String = row.try_get(1)?;
                let record =
                    crate::batch::from_snapshot(&snapshot, row.try_get(2)?, row.try_get(3)?)?;
                Ok((row.try_get(0)?, record))
            })
            .transpose()
        })
        .await
    }

    /// A page of declarations, oldest first, in a stable order.
    pub async fn list(&self, query: &ListQuery) -> Result<DeclarationPage> {
        self.bounded(async {
            let (filter, binds) = query.filter();
            let limit = query.limit.clamp(1, 1000);
            let sql = format!(
                concat!(
                    "SELECT seq, ",
                    head_columns!(),
                    " FROM declarations WHERE 1 = 1{} ORDER BY seq LIMIT ${}"
                ),
                filter,
                binds.len() + 1
            );
            // Safe: the text holds only column names and placeholders from this module; every
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
                items.push(head_from_row(row, 1)?.into_summary());
            }
            let last = items.last().map(|d| d.id.clone());
            Ok(DeclarationPage {
                items,
                next_after: if more { last } else { None },
            })
        })
        .await
    }
}
