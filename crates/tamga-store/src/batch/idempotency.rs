//! Idempotency keys: a request that names a key used before by the same actor gets the record
//! as the first request left it (the same request) or a refusal (another request). The claim
//! is stored in the same transaction as the change, so a client that lost the answer can retry
//! and learn whether the change was made.
//!
//! What is kept is the declaration's head as it was then, and which version; the body and
//! assessment of that version are read back from their own (append-only) rows.

use std::collections::{BTreeSet, HashMap};

use sqlx::{AnyConnection, Row};

use super::Applied;
use crate::audit::{canonical, decode_canonical};
use crate::sql::{Param, insert_rows, parse_day, parse_state, placeholders};
use crate::{Command, DeclarationRecord, Result, Status, StoreError, WriteOutcome, WriteRequest};

const SNAPSHOT: &str = "declaration head v1";

/// A claim found or made: the request's digest and the record it answered with.
struct Claimed {
    request_sha256: String,
    record: DeclarationRecord,
}

#[derive(Default)]
pub(super) struct Claims {
    known: HashMap<(String, String), Claimed>,
    rows: Vec<Vec<Param>>,
}

/// The commands whose requests may carry a key: the changes of a declaration.
fn claims(request: &WriteRequest) -> Option<&crate::IdempotencyClaim> {
    match request.command {
        Command::Submit(_)
        | Command::Amend { .. }
        | Command::Register { .. }
        | Command::Decide { .. } => request.idempotency.as_ref(),
        _ => None,
    }
}

fn snapshot(record: &DeclarationRecord) -> String {
    let version = record.version.to_string();
    let none = "";
    canonical(
        SNAPSHOT,
        &[
            &record.id,
            &version,
            record.status.as_str(),
            record.number.as_deref().unwrap_or(none),
            &record
                .registration_date
                .map(tamga_core::format_date)
                .unwrap_or_default(),
            if record.reason.is_some() { "1" } else { "0" },
            record.reason.as_deref().unwrap_or(none),
            record.state.as_str(),
            &record.customs_office,
            &record.declarant_tin,
            &record.submitted_at,
            &record.updated_at,
        ],
    )
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// The record a snapshot and its version's body and assessment make.
pub(crate) fn from_snapshot(
    text: &str,
    body: String,
    assessment: Option<String>,
) -> Result<DeclarationRecord> {
    let bad = || StoreError::Database("a stored idempotency record is malformed".into());
    let f = decode_canonical(SNAPSHOT, text).ok_or_else(bad)?;
    let [
        id,
        version,
        status,
        number,
        day,
        has_reason,
        reason,
        state,
        office,
        tin,
        submitted,
        updated,
    ] = <[String; 12]>::try_from(f).map_err(|_| bad())?;
    Ok(DeclarationRecord {
        id,
        version: version.parse().map_err(|_| bad())?,
        status: Status::parse(&status).ok_or_else(bad)?,
        number: optional(&number),
        registration_date: optional(&day).map(|d| parse_day(&d)).transpose()?,
        reason: (has_reason == "1").then_some(reason),
        state: parse_state(&state)?,
        customs_office: office,
        declarant_tin: tin,
        submitted_at: submitted,
        updated_at: updated,
        declaration: body,
        assessment,
    })
}

impl Claims {
    pub(super) async fn load(
        conn: &mut AnyConnection,
        requests: &[&WriteRequest],
    ) -> Result<Claims> {
        let keys: BTreeSet<&str> = requests
            .iter()
            .filter_map(|r| claims(r).map(|c| c.key.as_str()))
            .collect();
        let actors: BTreeSet<&str> = requests
            .iter()
            .filter(|r| claims(r).is_some())
            .map(|r| r.actor.as_str())
            .collect();
        let mut found = Claims::default();
        if keys.is_empty() {
            return Ok(found);
        }
        // Both lists, so that the primary key (actor, key) serves the lookup. The version's
        // body and assessment come with it.
        let sql = format!(
            "SELECT k.actor, k.key, k.request_sha256, k.snapshot, v.body, a.document \
             FROM idempotency_keys k \
             JOIN declaration_versions v ON v.declaration_id = k.declaration_id \
              AND v.version = k.version \
             LEFT JOIN assessments a ON a.declaration_id = k.declaration_id \
              AND a.version = k.version \
             WHERE k.actor IN ({}) AND k.key IN ({})",
            placeholders(1, actors.len()),
            placeholders(actors.len() + 1, keys.len())
        );
        // Safe: placeholders only.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in actors.iter().chain(&keys) {
            query = query.bind(*value);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let snapshot: String = row.try_get(3)?;
            let record = from_snapshot(&snapshot, row.try_get(4)?, row.try_get(5)?)?;
            found.known.insert(
                (row.try_get(0)?, row.try_get(1)?),
                Claimed {
                    request_sha256: row.try_get(2)?,
                    record,
                },
            );
        }
        Ok(found)
    }

    /// The answer to a request whose key was used before: the record it was given, for the
    /// same request; a refusal for another.
    pub(super) fn replay(&self, request: &WriteRequest) -> Option<Applied> {
        let claim = claims(request)?;
        let claimed = self
            .known
            .get(&(request.actor.clone(), claim.key.clone()))?;
        if claimed.request_sha256 != claim.request_sha256 {
            return Some(Applied::Refused(StoreError::IdempotencyMismatch(
                claim.key.clone(),
            )));
        }
        Some(Applied::Done(WriteOutcome::Declaration {
            record: claimed.record.clone(),
            replayed: true,
        }))
    }

    /// Keeps the claim of a request that changed a declaration.
    pub(super) fn record(&mut self, request: &WriteRequest, record: &DeclarationRecord) {
        let Some(claim) = claims(request) else {
            return;
        };
        self.rows.push(vec![
            Param::Text(request.actor.clone()),
            Param::Text(claim.key.clone()),
            Param::Text(claim.request_sha256.clone()),
            Param::Text(record.id.clone()),
            Param::Int(record.version),
            Param::Text(snapshot(record)),
            Param::Text(request.at.clone()),
        ]);
        self.known.insert(
            (request.actor.clone(), claim.key.clone()),
            Claimed {
                request_sha256: claim.request_sha256.clone(),
                record: record.clone(),
            },
        );
    }

    pub(super) async fn flush(self, conn: &mut AnyConnection) -> Result<()> {
        insert_rows(
            conn,
            "idempotency_keys (actor, key, request_sha256, declaration_id, version, snapshot, \
             created_at)",
            &self.rows,
            "",
        )
        .await
    }
}
