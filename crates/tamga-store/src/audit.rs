//! The audit log: every change is an entry naming the actor, the time, the action, the object,
//! the hash of the object's state before and after, and the digest of every append-only row the
//! change wrote (`rows_sha256`). Each entry's hash covers the previous entry's hash and is keyed
//! by the node key (HMAC-SHA-256), which is not in the database: whoever can write the database
//! but lacks the key can neither alter an entry nor recompute the chain after an edit.
//!
//! Verification ([`Store::verify_audit`]) walks the chain, recomputes the digest of the rows each
//! entry wrote from the rows as stored, recomputes each object's state (a declaration, a token, a
//! transfer order) from its stored row and compares it with the last entry about it, and checks
//! the signed checkpoints an operator kept: a chain cut short and re-headed, which the keyed
//! chain alone cannot show, no longer contains a checkpoint it once had. docs/api.md says what is
//! and is not detected.
//!
//! Entries written before the chain was keyed (`scheme` 1, plain SHA-256) are still checked as a
//! chain, and reported as unkeyed; the rows and objects they covered are not re-checked.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::ids::sha256_hex;
use crate::keys::{NodeKey, signature_is_valid};
use crate::{Backend, Result, Store, StoreError};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The scheme of entries written before the chain was keyed: plain SHA-256.
pub const SCHEME_PLAIN: i64 = 1;
/// The keyed scheme: HMAC-SHA-256 under the node key, with the digest of the rows written.
pub const SCHEME_KEYED: i64 = 2;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChainHead {
    pub last_seq: i64,
    pub last_hash: String,
}

/// Fields as one unambiguous text: each is length-prefixed, so that no value (a reason with a
/// newline) can pass for two.
pub(crate) fn canonical(kind: &str, fields: &[&str]) -> String {
    let mut text =
        String::with_capacity(kind.len() + fields.iter().map(|f| f.len() + 6).sum::<usize>());
    text.push_str(kind);
    for field in fields {
        text.push('\u{1f}');
        text.push_str(&field.len().to_string());
        text.push(':');
        text.push_str(field);
    }
    text
}

fn opt(value: Option<&str>) -> &str {
    value.unwrap_or("\u{0}none")
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

/// Binds the database to the node key when the chain becomes keyed (a new database, or one
/// migrated to the keyed chain now), and refuses another key afterwards: a chain continued under
/// a second key could not be verified by either. A binding that went missing later is not
/// renewed: verification reports it.
pub(crate) async fn bind_key(
    conn: &mut AnyConnection,
    key: &NodeKey,
    keyed_now: bool,
) -> Result<()> {
    let row = sqlx::query("SELECT key_id, last_seq FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let stored: Option<String> = row.try_get(0)?;
    let last_seq: i64 = row.try_get(1)?;
    match stored {
        Some(id) if id == key.id() => Ok(()),
        Some(id) => Err(StoreError::KeyMismatch {
            database: id,
            given: key.id(),
        }),
        None if keyed_now => {
            let keyed_from = last_seq + 1;
            sqlx::query(
                "UPDATE audit_head SET key_id = $1, keyed_from = $2, key_binding = $3 \
                 WHERE id = 1 AND key_id IS NULL",
            )
            .bind(key.id())
            .bind(keyed_from)
            .bind(binding_mac(key, keyed_from))
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
        None => Ok(()),
    }
}

fn binding_mac(key: &NodeKey, keyed_from: i64) -> String {
    key.chain_mac(canonical("key binding v1", &[&key.id(), &keyed_from.to_string()]).as_bytes())
}

/// The hash of an entry written before the chain was keyed: SHA-256 over its fields and the
/// previous entry's hash, one per line.
#[allow(clippy::too_many_arguments)]
fn plain_entry_hash(
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

/// An audit entry's fields.
#[derive(Clone, Debug)]
pub(crate) struct EntryFields<'a> {
    pub seq: i64,
    pub prev_hash: &'a str,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub object_id: &'a str,
    pub before_hash: Option<&'a str>,
    pub after_hash: &'a str,
    pub rows_sha256: Option<&'a str>,
}

/// The keyed hash of an entry.
pub(crate) fn keyed_entry_hash(key: &NodeKey, e: &EntryFields<'_>) -> String {
    let seq = e.seq.to_string();
    let text = canonical(
        "audit entry v2",
        &[
            &seq,
            e.prev_hash,
            e.at,
            e.actor,
            e.action,
            e.object_id,
            opt(e.before_hash),
            e.after_hash,
            opt(e.rows_sha256),
        ],
    );
    key.chain_mac(text.as_bytes())
}

/// The digest of the rows one change wrote: SHA-256 over their canonical texts in byte order
/// (the order the rows were written in does not matter, and both databases agree on it).
pub(crate) fn rows_digest(mut rows: Vec<String>) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    rows.sort_unstable();
    let mut text = String::with_capacity(rows.iter().map(|r| r.len() + 1).sum());
    for row in &rows {
        text.push_str(row);
        text.push('\u{1e}');
    }
    Some(sha256_hex(text.as_bytes()))
}

/// The canonical texts of the append-only rows, as written and as read back.
pub(crate) mod rows {
    use super::{canonical, opt};

    pub fn version(
        id: &str,
        version: i64,
        body_sha256: &str,
        created_at: &str,
        actor: &str,
    ) -> String {
        canonical(
            "version",
            &[id, &version.to_string(), body_sha256, created_at, actor],
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub fn assessment(
        id: &str,
        version: i64,
        registration_date: &str,
        tariff_edition: &str,
        rounding_rule: &str,
        currency: &str,
        exchange_rates: &str,
        total_minor: i64,
        document_sha256: &str,
        created_at: &str,
    ) -> String {
        canonical(
            "assessment",
            &[
                id,
                &version.to_string(),
                registration_date,
                tariff_edition,
                rounding_rule,
                currency,
                exchange_rates,
                &total_minor.to_string(),
                document_sha256,
                created_at,
            ],
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub fn payment_line(
        id: &str,
        version: i64,
        line: i64,
        item: Option<i64>,
        payment_code: &str,
        kind: &str,
        amount_minor: i64,
        currency: &str,
    ) -> String {
        let item = item.map(|i| i.to_string());
        canonical(
            "payment_line",
            &[
                id,
                &version.to_string(),
                &line.to_string(),
                opt(item.as_deref()),
                payment_code,
                kind,
                &amount_minor.to_string(),
                currency,
            ],
        )
    }

    /// A `ledger_entries` row.
    pub struct LedgerEntry<'a> {
        pub key: &'a str,
        pub kind: &'a str,
        pub state: &'a str,
        pub day: &'a str,
        pub pool: &'a str,
        pub currency: &'a str,
        pub amount_minor: i64,
        pub declaration: Option<&'a str>,
        pub line: Option<i64>,
        pub requested_day: Option<&'a str>,
        pub created_at: &'a str,
    }

    pub fn ledger_entry(e: &LedgerEntry<'_>) -> String {
        let line = e.line.map(|l| l.to_string());
        canonical(
            "ledger_entry",
            &[
                e.key,
                e.kind,
                e.state,
                e.day,
                e.pool,
                e.currency,
                &e.amount_minor.to_string(),
                opt(e.declaration),
                opt(line.as_deref()),
                opt(e.requested_day),
                e.created_at,
            ],
        )
    }

    pub fn posting(key: &str, n: i64, book: &str, account: &str, amount_minor: i64) -> String {
        canonical(
            "posting",
            &[
                key,
                &n.to_string(),
                book,
                account,
                &amount_minor.to_string(),
            ],
        )
    }

    /// A `day_closings` row.
    pub struct Closing<'a> {
        pub state: &'a str,
        pub day: &'a str,
        pub currency: &'a str,
        pub normative_set: &'a str,
        pub special_rule: &'a str,
        pub receipts: i64,
        pub closed_at: &'a str,
        pub reported_at: &'a str,
        pub report_deadline: &'a str,
        pub late: bool,
        pub actor: &'a str,
    }

    pub fn closing(c: &Closing<'_>) -> String {
        canonical(
            "closing",
            &[
                c.state,
                c.day,
                c.currency,
                c.normative_set,
                c.special_rule,
                &c.receipts.to_string(),
                c.closed_at,
                c.reported_at,
                c.report_deadline,
                if c.late { "late" } else { "on time" },
                c.actor,
            ],
        )
    }

    pub fn share(
        state: &str,
        day: &str,
        pool: &str,
        to_state: &str,
        percent: &str,
        amount_minor: i64,
    ) -> String {
        canonical(
            "share",
            &[
                state,
                day,
                pool,
                to_state,
                percent,
                &amount_minor.to_string(),
            ],
        )
    }

    /// What a transfer order is when the closing makes it (the rest changes as it is sent and
    /// confirmed, and is checked against the order's own entries).
    #[allow(clippy::too_many_arguments)]
    pub fn order_made(
        id: &str,
        sender: &str,
        receiver: &str,
        day: &str,
        currency: &str,
        amount_minor: i64,
        transfer_currency: &str,
        due_by: &str,
    ) -> String {
        canonical(
            "order",
            &[
                id,
                sender,
                receiver,
                day,
                currency,
                &amount_minor.to_string(),
                transfer_currency,
                due_by,
            ],
        )
    }
}

/// The state of a declaration's head, as its audit entries record it before and after a change:
/// every column of the `declarations` row but its list position and this hash itself.
pub(crate) fn declaration_state(head: &crate::read::DeclarationHead) -> String {
    let version = head.version.to_string();
    sha256_hex(
        canonical(
            "declaration v2",
            &[
                &head.id,
                &head.state,
                &head.customs_office,
                &head.declarant_tin,
                head.status.as_str(),
                &version,
                opt(head.number.as_deref()),
                opt(head.registration_date.as_deref()),
                opt(head.reason.as_deref()),
                &head.submitted_on,
                &head.submitted_at,
                &head.updated_at,
                &head.body_sha256,
                opt(head.assessment_sha256.as_deref()),
            ],
        )
        .as_bytes(),
    )
}

/// The state of a token: who holds it, its digest, and whether it is revoked.
pub(crate) fn token_state(record: &crate::TokenRecord, digest: &str) -> String {
    let p = &record.principal;
    sha256_hex(
        canonical(
            "token v2",
            &[
                &p.token_id,
                digest,
                p.role.as_str(),
                opt(p.state.as_deref()),
                opt(p.tin.as_deref()),
                &p.name,
                &record.created_at,
                opt(record.revoked_at.as_deref()),
            ],
        )
        .as_bytes(),
    )
}

/// The state of a transfer order: every field.
pub(crate) fn order_state(o: &crate::TransferOrder) -> String {
    let int = |v: Option<i64>| v.map(|v| v.to_string());
    let transfer_amount = int(o.transfer_amount_minor);
    let days_late = int(o.days_late);
    let interest = int(o.interest_minor);
    let approved = int(o.interest_approved_minor);
    sha256_hex(
        canonical(
            "order v2",
            &[
                &o.id,
                &o.sender,
                &o.receiver,
                &o.day,
                &o.currency,
                &o.amount_minor.to_string(),
                &o.transfer_currency,
                &o.due_by,
                &o.status,
                opt(o.rate.as_deref()),
                opt(transfer_amount.as_deref()),
                opt(o.sent_on.as_deref()),
                opt(o.confirmed_on.as_deref()),
                opt(days_late.as_deref()),
                opt(o.daily_interest_rate.as_deref()),
                opt(interest.as_deref()),
                opt(approved.as_deref()),
                opt(o.interest_approval.as_deref()),
            ],
        )
        .as_bytes(),
    )
}

/// The first place the chain breaks, or an object or row that differs from what it recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditProblem {
    /// The number of the entry concerned (the first one altered or removed; the entry that
    /// recorded an object or rows that differ).
    pub seq: i64,
    /// `altered` or `removed` (the chain), `object` (an object's stored state differs from its
    /// last entry), `rows` (the rows an entry wrote were altered, added or removed),
    /// `uncovered` (rows no entry wrote) or `checkpoint` (a kept checkpoint is not in the chain).
    pub kind: &'static str,
    pub detail: String,
}

/// The result of checking the whole chain, the rows and the objects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditReport {
    pub intact: bool,
    /// Entries read.
    pub entries: i64,
    /// Entries written before the chain was keyed: checked as a chain, without the key.
    pub unkeyed_entries: i64,
    /// The number and hash of the last entry, as the head row records them.
    pub head_seq: i64,
    pub head_hash: String,
    /// The node key's public id the chain is keyed with.
    pub key_id: Option<String>,
    /// Rows recomputed against their entries, and objects against their last entry.
    pub rows_checked: i64,
    pub objects_checked: i64,
    /// Checkpoints given and found in the chain.
    pub checkpoints_checked: i64,
    pub first_problem: Option<AuditProblem>,
    /// Every problem found (at most 100).
    pub problems: Vec<AuditProblem>,
}

/// A signed statement of the chain's head at one moment: an operator (or another node) keeps
/// it, and a later verification checks that the chain still holds this entry with this hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct Checkpoint {
    /// The public id of the node key that signed it.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub node: String,
    #[schema(minimum = 0)]
    pub seq: i64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub entry_hash: String,
    /// When it was taken (UTC, RFC 3339).
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")]
    pub at: String,
    /// Ed25519, hex, over the other fields.
    #[schema(pattern = "^[0-9a-f]{128}$")]
    pub signature: String,
}

impl Checkpoint {
    fn message(node: &str, seq: i64, entry_hash: &str, at: &str) -> String {
        canonical(
            "tamga audit checkpoint v1",
            &[node, &seq.to_string(), entry_hash, at],
        )
    }

    pub fn is_signed_by(&self, key_id: &str) -> bool {
        self.node == key_id
            && signature_is_valid(
                key_id,
                Checkpoint::message(&self.node, self.seq, &self.entry_hash, &self.at).as_bytes(),
                &self.signature,
            )
    }
}

const PAGE: i64 = 5_000;
const MAX_PROBLEMS: usize = 100;

/// What a verification collects.
pub(crate) struct Findings {
    problems: Vec<AuditProblem>,
}

impl Findings {
    pub(crate) fn add(&mut self, seq: i64, kind: &'static str, detail: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(AuditProblem { seq, kind, detail });
        }
    }
}

/// An entry as verification needs it later.
pub(crate) struct Recorded {
    pub scheme: i64,
    pub object_id: String,
    pub after_hash: String,
    pub rows_sha256: Option<String>,
}

impl Store {
    /// A signed checkpoint of the chain's head now.
    pub async fn checkpoint(&self, at: &str) -> Result<Checkpoint> {
        self.bounded(async {
            let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *self.reader().await?)
                .await?;
            let seq: i64 = head.try_get(0)?;
            let entry_hash: String = head.try_get(1)?;
            let node = self.key.id();
            let signature = self
                .key
                .sign(Checkpoint::message(&node, seq, &entry_hash, at).as_bytes());
            Ok(Checkpoint {
                node,
                seq,
                entry_hash,
                at: at.to_owned(),
                signature,
            })
        })
        .await
    }

    /// Checks the chain, the rows each entry wrote, each object's state and the checkpoints
    /// given, and reports every problem (the first one first). Reads page by page.
    pub async fn verify_audit(&self, checkpoints: &[Checkpoint]) -> Result<AuditReport> {
        let mut conn = self.reader().await?;
        let head = sqlx::query(
            "SELECT last_seq, last_hash, key_id, keyed_from, key_binding FROM audit_head \
             WHERE id = 1",
        )
        .fetch_one(&mut *conn)
        .await?;
        let head_seq: i64 = head.try_get(0)?;
        let head_hash: String = head.try_get(1)?;
        let key_id: Option<String> = head.try_get(2)?;
        let keyed_from: Option<i64> = head.try_get(3)?;
        let binding: Option<String> = head.try_get(4)?;
        let mut findings = Findings {
            problems: Vec::new(),
        };
        // Entries before `keyed_from` may be unkeyed, and only those: the binding, keyed with
        // the node key, says from where. Without a valid one, no entry may be unkeyed.
        let keyed_from = match (&key_id, keyed_from, &binding) {
            (Some(id), Some(from), Some(mac))
                if *id == self.key.id() && *mac == binding_mac(&self.key, from) =>
            {
                from
            }
            _ => {
                findings.add(
                    0,
                    "altered",
                    "the chain's binding to the node key is missing or altered, or the key given \
                     is not the node's"
                        .to_owned(),
                );
                1
            }
        };
        let (entries, recorded, unkeyed) = self
            .verify_chain(&mut conn, head_seq, &head_hash, keyed_from, &mut findings)
            .await?;
        let chain_intact = findings.problems.is_empty();
        let mut rows_checked = 0;
        let mut objects_checked = 0;
        if chain_intact {
            rows_checked =
                crate::audit_rows::verify_rows(&mut conn, &recorded, &mut findings).await?;
            objects_checked =
                crate::audit_rows::verify_objects(&mut conn, &recorded, &mut findings).await?;
        }
        let checkpoints_checked = verify_checkpoints(
            &mut conn,
            checkpoints,
            &self.key.id(),
            head_seq,
            &mut findings,
        )
        .await?;
        let problems = findings.problems;
        Ok(AuditReport {
            intact: problems.is_empty(),
            entries,
            unkeyed_entries: unkeyed,
            head_seq,
            head_hash,
            key_id,
            rows_checked,
            objects_checked,
            checkpoints_checked,
            first_problem: problems.first().cloned(),
            problems,
        })
    }

    /// Walks the chain in order: each entry's hash, its link to the one before, the head.
    async fn verify_chain(
        &self,
        conn: &mut AnyConnection,
        head_seq: i64,
        head_hash: &str,
        keyed_from: i64,
        findings: &mut Findings,
    ) -> Result<(i64, HashMap<i64, Recorded>, i64)> {
        let mut expected_seq = 1i64;
        let mut prev = GENESIS_HASH.to_owned();
        let mut entries = 0i64;
        let mut unkeyed = 0i64;
        let mut recorded = HashMap::new();
        'pages: loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, object_id, before_hash, after_hash, prev_hash, \
                 entry_hash, scheme, rows_sha256 FROM audit_log \
                 WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
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
                    findings.add(
                        expected_seq,
                        "removed",
                        format!("entry {expected_seq} is missing; the next is {seq}"),
                    );
                    break 'pages;
                }
                let at: String = row.try_get(1)?;
                let actor: String = row.try_get(2)?;
                let action: String = row.try_get(3)?;
                let object_id: String = row.try_get(4)?;
                let before: Option<String> = row.try_get(5)?;
                let after: String = row.try_get(6)?;
                let stored_prev: String = row.try_get(7)?;
                let stored_hash: String = row.try_get(8)?;
                let scheme: i64 = row.try_get(9)?;
                let rows_sha256: Option<String> = row.try_get(10)?;
                let computed = match scheme {
                    SCHEME_PLAIN => {
                        unkeyed += 1;
                        plain_entry_hash(
                            seq,
                            &stored_prev,
                            &at,
                            &actor,
                            &action,
                            &object_id,
                            before.as_deref(),
                            &after,
                        )
                    }
                    _ => keyed_entry_hash(
                        &self.key,
                        &EntryFields {
                            seq,
                            prev_hash: &stored_prev,
                            at: &at,
                            actor: &actor,
                            action: &action,
                            object_id: &object_id,
                            before_hash: before.as_deref(),
                            after_hash: &after,
                            rows_sha256: rows_sha256.as_deref(),
                        },
                    ),
                };
                if scheme == SCHEME_PLAIN && seq >= keyed_from {
                    findings.add(
                        seq,
                        "altered",
                        format!(
                            "entry {seq} claims the unkeyed scheme, but the chain is keyed from \
                             entry {keyed_from}"
                        ),
                    );
                    break 'pages;
                }
                if computed != stored_hash {
                    findings.add(
                        seq,
                        "altered",
                        format!("entry {seq} does not match its hash"),
                    );
                    break 'pages;
                }
                if stored_prev != prev {
                    findings.add(
                        seq,
                        "altered",
                        format!(
                            "entry {seq} does not follow entry {}: the chain was rewritten here",
                            seq - 1
                        ),
                    );
                    break 'pages;
                }
                recorded.insert(
                    seq,
                    Recorded {
                        scheme,
                        object_id,
                        after_hash: after,
                        rows_sha256,
                    },
                );
                prev = stored_hash;
                expected_seq += 1;
            }
        }
        if findings.problems.is_empty() {
            if expected_seq <= head_seq {
                findings.add(
                    expected_seq,
                    "removed",
                    format!(
                        "the log ends at entry {}, but {head_seq} were written",
                        expected_seq - 1
                    ),
                );
            } else if prev != head_hash {
                findings.add(
                    head_seq,
                    "altered",
                    format!("entry {head_seq} does not match the recorded head of the chain"),
                );
            } else if let Some(row) = sqlx::query("SELECT MIN(seq) FROM audit_log WHERE seq > $1")
                .bind(head_seq)
                .fetch_one(&mut *conn)
                .await?
                .try_get::<Option<i64>, _>(0)?
            {
                findings.add(
                    row,
                    "altered",
                    format!("entry {row} lies beyond the head of the chain ({head_seq})"),
                );
            }
        }
        Ok((entries, recorded, unkeyed))
    }
}

impl Recorded {
    pub(crate) fn is_keyed(&self) -> bool {
        self.scheme != SCHEME_PLAIN
    }
}

/// Each checkpoint must be signed by this node's key and name an entry the chain still holds,
/// with the same hash.
async fn verify_checkpoints(
    conn: &mut AnyConnection,
    checkpoints: &[Checkpoint],
    key_id: &str,
    head_seq: i64,
    findings: &mut Findings,
) -> Result<i64> {
    let mut checked = 0;
    for checkpoint in checkpoints {
        checked += 1;
        if !checkpoint.is_signed_by(key_id) {
            findings.add(
                checkpoint.seq,
                "checkpoint",
                format!(
                    "the checkpoint of entry {} taken {} is not signed by this node's key",
                    checkpoint.seq, checkpoint.at
                ),
            );
            continue;
        }
        if checkpoint.seq > head_seq {
            findings.add(
                checkpoint.seq,
                "checkpoint",
                format!(
                    "the checkpoint taken {} records entry {}, but the chain now ends at {head_seq}: \
                     entries were removed and the head rewritten",
                    checkpoint.at, checkpoint.seq
                ),
            );
            continue;
        }
        if checkpoint.seq == 0 {
            continue;
        }
        let stored: Option<String> = sqlx::query("SELECT entry_hash FROM audit_log WHERE seq = $1")
            .bind(checkpoint.seq)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        if stored.as_deref() != Some(checkpoint.entry_hash.as_str()) {
            findings.add(
                checkpoint.seq,
                "checkpoint",
                format!(
                    "entry {} is not the one the checkpoint taken {} recorded: the chain was \
                     rewritten from there",
                    checkpoint.seq, checkpoint.at
                ),
            );
        }
    }
    Ok(checked)
}
