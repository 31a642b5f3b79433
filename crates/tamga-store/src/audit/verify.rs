//! Verification of what the audit chain covers: the append-only rows each entry wrote, and the
//! current state of each mutable object (a declaration's head, a token, a transfer order).
//!
//! Rows are read back table by table for a range of entries at a time, turned into their
//! canonical texts (with every body and document hashed anew, not the stored digests trusted),
//! and their digest compared with the one the entry recorded. Rows that no entry wrote, or an
//! entry whose rows are gone, are reported.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::rows;
use super::{
    Findings, ProblemKind, Recorded, declaration_state, order_state, rows_digest, token_state,
};
use crate::ids::sha256_hex;
use crate::{Result, StoreError};

/// Entries per query when reading rows back.
const SEQ_RANGE: i64 = 5_000;

/// The tables of append-only rows and the query that reads each back as `(audit_seq, text…)`,
/// for entries `$1..=$2`.
const ROW_QUERIES: &[(&str, &str)] = &[
    (
        "declaration_versions",
        "SELECT audit_seq, declaration_id, version, body, created_at, actor \
         FROM declaration_versions WHERE audit_seq BETWEEN $1 AND $2",
    ),
    (
        "assessments",
        "SELECT audit_seq, declaration_id, version, registration_date, tariff_edition, \
         rounding_rule, currency, exchange_rates, total_minor, document, created_at \
         FROM assessments WHERE audit_seq BETWEEN $1 AND $2",
    ),
    (
        "payment_lines",
        "SELECT a.audit_seq, l.declaration_id, l.version, l.line, l.item, l.payment_code, l.kind, \
         l.amount_minor, l.currency FROM payment_lines l JOIN assessments a \
         ON a.declaration_id = l.declaration_id AND a.version = l.version \
         WHERE a.audit_seq BETWEEN $1 AND $2",
    ),
    (
        "ledger_entries",
        "SELECT audit_seq, entry_key, kind, state, day, pool, currency, amount_minor, \
         declaration_id, line, requested_day, created_at FROM ledger_entries \
         WHERE audit_seq BETWEEN $1 AND $2",
    ),
    (
        "ledger_postings",
        "SELECT e.audit_seq, p.entry_key, p.n, p.book, p.account, p.amount_minor \
         FROM ledger_postings p JOIN ledger_entries e ON e.entry_key = p.entry_key \
         WHERE e.audit_seq BETWEEN $1 AND $2",
    ),
    (
        "day_closings",
        "SELECT audit_seq, state, day, currency, normative_set, special_rule, receipts, \
         closed_at, reported_at, report_deadline, late, actor FROM day_closings \
         WHERE audit_seq BETWEEN $1 AND $2",
    ),
    (
        "distribution_shares",
        "SELECT c.audit_seq, s.state, s.day, s.pool, s.to_state, s.percent, s.amount_minor \
         FROM distribution_shares s JOIN day_closings c ON c.state = s.state AND c.day = s.day \
         WHERE c.audit_seq BETWEEN $1 AND $2",
    ),
    (
        "transfer_orders",
        "SELECT audit_seq, id, sender, receiver, day, currency, amount_minor, \
         transfer_currency, due_by FROM transfer_orders WHERE audit_seq BETWEEN $1 AND $2",
    ),
];

/// Rows that no entry wrote: inserted behind the store's back (`audit_seq` is set on every row
/// the store writes, and 0 on rows written before the chain was keyed).
const UNCOVERED_QUERIES: &[(&str, &str)] = &[
    (
        "declaration_versions",
        "SELECT COUNT(*) FROM declaration_versions WHERE audit_seq IS NULL",
    ),
    (
        "assessments",
        "SELECT COUNT(*) FROM assessments WHERE audit_seq IS NULL",
    ),
    (
        "payment_lines",
        "SELECT COUNT(*) FROM payment_lines l LEFT JOIN assessments a \
         ON a.declaration_id = l.declaration_id AND a.version = l.version \
         WHERE a.audit_seq IS NULL",
    ),
    (
        "ledger_entries",
        "SELECT COUNT(*) FROM ledger_entries WHERE audit_seq IS NULL",
    ),
    (
        "ledger_postings",
        "SELECT COUNT(*) FROM ledger_postings p LEFT JOIN ledger_entries e \
         ON e.entry_key = p.entry_key WHERE e.audit_seq IS NULL",
    ),
    (
        "day_closings",
        "SELECT COUNT(*) FROM day_closings WHERE audit_seq IS NULL",
    ),
    (
        "distribution_shares",
        "SELECT COUNT(*) FROM distribution_shares s LEFT JOIN day_closings c \
         ON c.state = s.state AND c.day = s.day WHERE c.audit_seq IS NULL",
    ),
    (
        "transfer_orders",
        "SELECT COUNT(*) FROM transfer_orders WHERE audit_seq IS NULL",
    ),
];

fn text(row: &sqlx::any::AnyRow, at: usize) -> Result<String> {
    Ok(row.try_get(at)?)
}

fn opt_text(row: &sqlx::any::AnyRow, at: usize) -> Result<Option<String>> {
    Ok(row.try_get(at)?)
}

fn int(row: &sqlx::any::AnyRow, at: usize) -> Result<i64> {
    Ok(row.try_get(at)?)
}

/// A row's canonical text, from a row of `ROW_QUERIES` (column 0 is the entry).
fn row_text(table: &str, r: &sqlx::any::AnyRow) -> Result<String> {
    Ok(match table {
        "declaration_versions" => rows::version(
            &text(r, 1)?,
            int(r, 2)?,
            &sha256_hex(text(r, 3)?.as_bytes()),
            &text(r, 4)?,
            &text(r, 5)?,
        ),
        "assessments" => rows::assessment(&rows::Assessment {
            id: &text(r, 1)?,
            version: int(r, 2)?,
            registration_date: &text(r, 3)?,
            tariff_edition: &text(r, 4)?,
            rounding_rule: &text(r, 5)?,
            currency: &text(r, 6)?,
            exchange_rates: &text(r, 7)?,
            total_minor: int(r, 8)?,
            document_sha256: &sha256_hex(text(r, 9)?.as_bytes()),
            created_at: &text(r, 10)?,
        }),
        "payment_lines" => rows::payment_line(&rows::PaymentLineRow {
            id: &text(r, 1)?,
            version: int(r, 2)?,
            line: int(r, 3)?,
            item: r.try_get(4)?,
            payment_code: &text(r, 5)?,
            kind: &text(r, 6)?,
            amount_minor: int(r, 7)?,
            currency: &text(r, 8)?,
        }),
        "ledger_entries" => {
            let declaration = opt_text(r, 8)?;
            let requested = opt_text(r, 10)?;
            rows::ledger_entry(&rows::LedgerEntry {
                key: &text(r, 1)?,
                kind: &text(r, 2)?,
                state: &text(r, 3)?,
                day: &text(r, 4)?,
                pool: &text(r, 5)?,
                currency: &text(r, 6)?,
                amount_minor: int(r, 7)?,
                declaration: declaration.as_deref(),
                line: r.try_get(9)?,
                requested_day: requested.as_deref(),
                created_at: &text(r, 11)?,
            })
        }
        "ledger_postings" => rows::posting(
            &text(r, 1)?,
            int(r, 2)?,
            &text(r, 3)?,
            &text(r, 4)?,
            int(r, 5)?,
        ),
        "day_closings" => rows::closing(&rows::Closing {
            state: &text(r, 1)?,
            day: &text(r, 2)?,
            currency: &text(r, 3)?,
            normative_set: &text(r, 4)?,
            special_rule: &text(r, 5)?,
            receipts: int(r, 6)?,
            closed_at: &text(r, 7)?,
            reported_at: &text(r, 8)?,
            report_deadline: &text(r, 9)?,
            late: int(r, 10)? != 0,
            actor: &text(r, 11)?,
        }),
        "distribution_shares" => rows::share(
            &text(r, 1)?,
            &text(r, 2)?,
            &text(r, 3)?,
            &text(r, 4)?,
            &text(r, 5)?,
            int(r, 6)?,
        ),
        "transfer_orders" => rows::order_made(&rows::OrderMade {
            id: &text(r, 1)?,
            sender: &text(r, 2)?,
            receiver: &text(r, 3)?,
            day: &text(r, 4)?,
            currency: &text(r, 5)?,
            amount_minor: int(r, 6)?,
            transfer_currency: &text(r, 7)?,
            due_by: &text(r, 8)?,
        }),
        other => return Err(StoreError::Database(format!("no row text for {other}"))),
    })
}

/// Recomputes the rows of every keyed entry and compares their digest with the one recorded.
/// Returns the number of rows read.
pub(crate) async fn verify_rows(
    conn: &mut AnyConnection,
    recorded: &HashMap<i64, Recorded>,
    findings: &mut Findings,
) -> Result<i64> {
    let last = recorded.keys().copied().max().unwrap_or(0);
    let mut checked = 0i64;
    let mut from = 1i64;
    while from <= last {
        let to = from + SEQ_RANGE - 1;
        let mut texts: HashMap<i64, Vec<String>> = HashMap::new();
        for (table, sql) in ROW_QUERIES {
            for r in sqlx::query(*sql)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await?
            {
                let seq = int(&r, 0)?;
                texts.entry(seq).or_default().push(row_text(table, &r)?);
                checked += 1;
            }
        }
        for seq in from..=to.min(last) {
            let Some(entry) = recorded.get(&seq) else {
                continue;
            };
            if !entry.is_keyed() {
                continue;
            }
            let found = rows_digest(texts.remove(&seq).unwrap_or_default());
            if found != entry.rows_sha256 {
                findings.add(
                    seq,
                    ProblemKind::Rows,
                    format!(
                        "the rows entry {seq} wrote for {} were altered, added or removed",
                        entry.object_id
                    ),
                );
            }
        }
        for (seq, _) in texts {
            findings.add(
                seq,
                ProblemKind::Rows,
                format!("rows name entry {seq}, which wrote none"),
            );
        }
        from = to + 1;
    }
    for (table, sql) in UNCOVERED_QUERIES {
        let count: i64 = sqlx::query(*sql).fetch_one(&mut *conn).await?.try_get(0)?;
        if count > 0 {
            findings.add(
                0,
                ProblemKind::Uncovered,
                format!("{count} row(s) of {table} were written by no audit entry"),
            );
        }
    }
    Ok(checked)
}

/// The last entry about each object.
fn last_entries(recorded: &HashMap<i64, Recorded>) -> HashMap<&str, (i64, &Recorded)> {
    let mut last: HashMap<&str, (i64, &Recorded)> = HashMap::new();
    for (seq, entry) in recorded {
        let slot = last
            .entry(entry.object_id.as_str())
            .or_insert((*seq, entry));
        if *seq > slot.0 {
            *slot = (*seq, entry);
        }
    }
    last
}

/// One object's stored state against the last entry about it.
fn compare(
    last: &HashMap<&str, (i64, &Recorded)>,
    what: &str,
    id: &str,
    state: &str,
    findings: &mut Findings,
) {
    match last.get(id) {
        None => findings.add(
            0,
            ProblemKind::Object,
            format!("{what} {id} has no audit entry: it was written behind the store's back"),
        ),
        Some((_, entry)) if !entry.is_keyed() => {}
        Some((seq, entry)) if entry.after_hash != state => findings.add(
            *seq,
            ProblemKind::Object,
            format!("{what} {id} differs from what audit entry {seq} recorded"),
        ),
        Some(_) => {}
    }
}

/// Compares each object's stored state with the last entry about it. Returns the number of
/// objects checked.
pub(crate) async fn verify_objects(
    conn: &mut AnyConnection,
    recorded: &HashMap<i64, Recorded>,
    findings: &mut Findings,
) -> Result<i64> {
    let last = last_entries(recorded);
    let mut checked = 0;
    let mut after = 0i64;
    loop {
        let page = crate::read::heads_after(&mut *conn, after, 1000).await?;
        let Some((last_seq, _)) = page.last() else {
            break;
        };
        after = *last_seq;
        for (_, (head, body, assessment)) in page {
            checked += 1;
            let id = head.id.clone();
            if sha256_hex(body.as_bytes()) != head.body_sha256 {
                findings.add(
                    0,
                    ProblemKind::Object,
                    format!("the current body of {id} is not the one recorded"),
                );
            }
            if assessment.as_deref().map(|a| sha256_hex(a.as_bytes())) != head.assessment_sha256 {
                findings.add(
                    0,
                    ProblemKind::Object,
                    format!("the current assessment of {id} is not the one recorded"),
                );
            }
            compare(
                &last,
                "declaration",
                &id,
                &declaration_state(&head),
                findings,
            );
        }
    }
    for (record, digest) in crate::read::all_tokens(&mut *conn).await? {
        checked += 1;
        let id = record.principal.token_id.clone();
        compare(
            &last,
            "token",
            &id,
            &token_state(&record, &digest),
            findings,
        );
    }
    for order in crate::read::all_orders(&mut *conn).await? {
        checked += 1;
        if last.contains_key(order.id.as_str()) {
            compare(
                &last,
                "transfer order",
                &order.id,
                &order_state(&order),
                findings,
            );
        } else {
            // Made by its closing (whose rows cover what it was made with) and not acted on
            // since: it must still be as made.
            let untouched = order.is_as_made();
            if !untouched {
                findings.add(
                    0,
                    ProblemKind::Object,
                    format!("transfer order {} changed with no audit entry", order.id),
                );
            }
        }
    }
    Ok(checked)
}
