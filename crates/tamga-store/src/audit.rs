//! The audit log: every change is an entry naming the actor, the time, the action, the object
//! and the hash of the object's state before and after. Each entry's hash covers the previous
//! entry's hash, so altering or removing any entry breaks the chain from there on; the head
//! (last number and hash) is kept in its own row, so removing the last entries shows too.

use serde::Serialize;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::ids::sha256_hex;
use crate::{Backend, Result, Store};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChainHead {
    pub last_seq: i64,
    pub last_hash: String,
}

/// The head row, locked for the rest of the transaction on PostgreSQL (on SQLite the
/// transaction already holds the database's write lock).
pub(crate) async fn load_head_for_update(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<ChainHead> {
    let sql = match backend {
        Backend::Sqlite => "SELECT last_seq, last_hash FROM audit_head WHERE id = 1",
        Backend::Postgres => "SELECT last_seq, last_hash FROM audit_head WHERE id = 1 FOR UPDATE",
    };
    let row = sqlx::query(sql).fetch_one(&mut *conn).await?;
    Ok(ChainHead {
        last_seq: row.try_get(0)?,
        last_hash: row.try_get(1)?,
    })
}

pub(crate) async fn store_head(conn: &mut AnyConnection, head: &ChainHead) -> Result<()> {
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(head.last_seq)
        .bind(&head.last_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The hash of an entry: SHA-256 over its fields and the previous entry's hash, one per line.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    seq: i64,
    prev_hash: &str,
    at: &str,
    actor: &str,
    action: &str,
    object_id: &str,
    before_hash: Option<&str>,
    after_hash: &str,
) -> String {
    let text = format!(
        "{seq}\n{prev_hash}\n{at}\n{actor}\n{action}\n{object_id}\n{}\n{after_hash}",
        before_hash.unwrap_or("-")
    );
    sha256_hex(text.as_bytes())
}

/// The first place the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditProblem {
    /// The number of the first entry that was altered or removed.
    pub seq: i64,
    /// `altered` or `removed`.
    pub kind: &'static str,
    pub detail: String,
}

/// The result of checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditReport {
    pub intact: bool,
    /// Entries read.
    pub entries: i64,
    /// The number and hash of the last entry, as the head row records them.
    pub head_seq: i64,
    pub head_hash: String,
    pub first_problem: Option<AuditProblem>,
}

const PAGE: i64 = 5_000;

impl Store {
    /// Recomputes every entry's hash in order and reports the first entry that was altered or
    /// removed. Reads page by page, so the log's size does not matter.
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        let mut conn = self.reader().await?;
        let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        let head_seq: i64 = head.try_get(0)?;
        let head_hash: String = head.try_get(1)?;
        let mut expected_seq = 1i64;
        let mut prev = GENESIS_HASH.to_owned();
        let mut entries = 0i64;
        let mut problem = None;
        'pages: loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, object_id, before_hash, after_hash, prev_hash, \
                 entry_hash FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
            )
            .bind(expected_seq)
            .bind(head_seq)
            .bind(PAGE)
            .fetch_all(&mut *conn)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                entries += 1;
                let seq: i64 = row.try_get(0)?;
                if seq != expected_seq {
                    problem = Some(AuditProblem {
                        seq: expected_seq,
                        kind: "removed",
                        detail: format!("entry {expected_seq} is missing; the next is {seq}"),
                    });
                    break 'pages;
                }
                let before: Option<String> = row.try_get(5)?;
                let stored_prev: String = row.try_get(7)?;
                let stored_hash: String = row.try_get(8)?;
                let computed = entry_hash(
                    seq,
                    &stored_prev,
                    &row.try_get::<String, _>(1)?,
                    &row.try_get::<String, _>(2)?,
                    &row.try_get::<String, _>(3)?,
                    &row.try_get::<String, _>(4)?,
                    before.as_deref(),
                    &row.try_get::<String, _>(6)?,
                );
                if computed != stored_hash {
                    problem = Some(AuditProblem {
                        seq,
                        kind: "altered",
                        detail: format!("entry {seq} does not match its hash"),
                    });
                    break 'pages;
                }
                if stored_prev != prev {
                    problem = Some(AuditProblem {
                        seq,
                        kind: "altered",
                        detail: format!(
                            "entry {seq} does not follow entry {}: the chain was rewritten here",
                            seq - 1
                        ),
                    });
                    break 'pages;
                }
                prev = stored_hash;
                expected_seq += 1;
            }
        }
        if problem.is_none() {
            if expected_seq <= head_seq {
                problem = Some(AuditProblem {
                    seq: expected_seq,
                    kind: "removed",
                    detail: format!(
                        "the log ends at entry {}, but {head_seq} were written",
                        expected_seq - 1
                    ),
                });
            } else if prev != head_hash {
                problem = Some(AuditProblem {
                    seq: head_seq,
                    kind: "altered",
                    detail: format!(
                        "entry {head_seq} does not match the recorded head of the chain"
                    ),
                });
            }
        }
        Ok(AuditReport {
            intact: problem.is_none(),
            entries,
            head_seq,
            head_hash,
            first_problem: problem,
        })
    }
}
