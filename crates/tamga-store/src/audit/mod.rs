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

use sqlx::{AnyConnection, Row};

pub(crate) mod rows;
mod verify;

use crate::ids::sha256_hex;
use crate::keys::{NodeKey, signature_is_valid};
use crate::{Backend, Result, Store, StoreError};

pub(crate) use rows::{
    canonical, declaration_state, decode_canonical, opt, order_state, token_state,
};

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
/// previous entry's hash, one per line (that scheme had no digest of rows).
fn plain_entry_hash(e: &EntryFields<'_>) -> String {
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        e.seq,
        e.prev_hash,
        e.at,
        e.actor,
        e.action,
        e.object_id,
        e.before_hash.unwrap_or("-"),
        e.after_hash
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

/// What kind of problem verification found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// An entry of the chain was altered (or the chain's binding to the key).
    Altered,
    /// An entry of the chain was removed.
    Removed,
    /// An object's stored state differs from its last entry.
    Object,
    /// The rows an entry wrote were altered, added or removed.
    Rows,
    /// Rows no entry wrote.
    Uncovered,
    /// A kept checkpoint is not in the chain.
    Checkpoint,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Altered => "altered",
            ProblemKind::Removed => "removed",
            ProblemKind::Object => "object",
            ProblemKind::Rows => "rows",
            ProblemKind::Uncovered => "uncovered",
            ProblemKind::Checkpoint => "checkpoint",
        }
    }
}

/// The first place the chain breaks, or an object or row that differs from what it recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditProblem {
    /// The number of the entry concerned (the first one altered or removed; the entry that
    /// recorded an object or rows that differ; 0 when no entry is).
    pub seq: i64,
    pub kind: ProblemKind,
    pub detail: String,
}

/// The result of checking the whole chain, the rows and the objects.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Every problem found (at most 100), the first one first.
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    pub fn first_problem(&self) -> Option<&AuditProblem> {
        self.problems.first()
    }
}

/// A signed statement of the chain's head at one moment: an operator (or another node) keeps
/// it, and a later verification checks that the chain still holds this entry with this hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The public id of the node key that signed it.
    pub node: String,
    pub seq: i64,
    pub entry_hash: String,
    /// When it was taken (UTC, RFC 3339).
    pub at: String,
    /// Ed25519, hex, over the other fields.
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
    pub(crate) fn add(&mut self, seq: i64, kind: ProblemKind, detail: String) {
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
                    ProblemKind::Altered,
                    "the chain's binding to the node key is missing or altered, or the key given \
                     is not the node's"
                        .to_owned(),
                );
                1
            }
        };
        let stored_head = StoredHead {
            seq: head_seq,
            hash: &head_hash,
            keyed_from,
        };
        let walk = self
            .verify_chain(&mut conn, &stored_head, &mut findings)
            .await?;
        let (entries, recorded, unkeyed) = (walk.entries, walk.recorded, walk.unkeyed);
        let chain_intact = findings.problems.is_empty();
        let mut rows_checked = 0;
        let mut objects_checked = 0;
        if chain_intact {
            rows_checked = verify::verify_rows(&mut conn, &recorded, &mut findings).await?;
            objects_checked = verify::verify_objects(&mut conn, &recorded, &mut findings).await?;
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
            problems,
        })
    }

    /// Walks the chain in order: each entry's hash, its link to the one before, the head.
    async fn verify_chain(
        &self,
        conn: &mut AnyConnection,
        head: &StoredHead<'_>,
        findings: &mut Findings,
    ) -> Result<ChainWalk> {
        let mut walk = ChainWalk {
            expected_seq: 1,
            prev: GENESIS_HASH.to_owned(),
            entries: 0,
            unkeyed: 0,
            recorded: HashMap::new(),
        };
        'pages: loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, object_id, before_hash, after_hash, prev_hash, \
                 entry_hash, scheme, rows_sha256 FROM audit_log \
                 WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
            )
            .bind(walk.expected_seq)
            .bind(head.seq)
            .bind(PAGE)
            .fetch_all(&mut *conn)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                walk.entries += 1;
                let entry = StoredEntry::from_row(row)?;
                if let Some((seq, kind, detail)) = self.check_entry(&entry, &walk, head.keyed_from)
                {
                    findings.add(seq, kind, detail);
                    break 'pages;
                }
                if entry.scheme == SCHEME_PLAIN {
                    walk.unkeyed += 1;
                }
                walk.prev = entry.entry_hash.clone();
                walk.expected_seq += 1;
                walk.recorded.insert(entry.seq, entry.into_recorded());
            }
        }
        if findings.problems.is_empty() {
            check_head(conn, head, &walk, findings).await?;
        }
        Ok(walk)
    }

    /// The first thing wrong with one entry of the walk, if any: missing, claiming the unkeyed
    /// scheme inside the keyed chain, not matching its hash, or not following the one before.
    fn check_entry(
        &self,
        entry: &StoredEntry,
        walk: &ChainWalk,
        keyed_from: i64,
    ) -> Option<(i64, ProblemKind, String)> {
        let seq = entry.seq;
        if seq != walk.expected_seq {
            let expected = walk.expected_seq;
            return Some((
                expected,
                ProblemKind::Removed,
                format!("entry {expected} is missing; the next is {seq}"),
            ));
        }
        let fields = entry.fields();
        let computed = match entry.scheme {
            SCHEME_PLAIN => plain_entry_hash(&fields),
            _ => keyed_entry_hash(&self.key, &fields),
        };
        if entry.scheme == SCHEME_PLAIN && seq >= keyed_from {
            return Some((
                seq,
                ProblemKind::Altered,
                format!(
                    "entry {seq} claims the unkeyed scheme, but the chain is keyed from entry \
                     {keyed_from}"
                ),
            ));
        }
        if computed != entry.entry_hash {
            return Some((
                seq,
                ProblemKind::Altered,
                format!("entry {seq} does not match its hash"),
            ));
        }
        if entry.prev_hash != walk.prev {
            return Some((
                seq,
                ProblemKind::Altered,
                format!(
                    "entry {seq} does not follow entry {}: the chain was rewritten here",
                    seq - 1
                ),
            ));
        }
        None
    }
}

/// The head of the chain as recorded, and where it became keyed.
pub(crate) struct StoredHead<'a> {
    pub seq: i64,
    pub hash: &'a str,
    pub keyed_from: i64,
}

/// How far a walk of the chain got: the next entry it expects, the hash it follows, what it
/// counted and what each entry recorded.
pub(crate) struct ChainWalk {
    expected_seq: i64,
    prev: String,
    pub entries: i64,
    pub unkeyed: i64,
    pub recorded: HashMap<i64, Recorded>,
}

/// The chain ends where its head says: no entry missing at the end, the last one's hash the
/// head's, nothing beyond it.
async fn check_head(
    conn: &mut AnyConnection,
    head: &StoredHead<'_>,
    walk: &ChainWalk,
    findings: &mut Findings,
) -> Result<()> {
    let head_seq = head.seq;
    if walk.expected_seq <= head_seq {
        findings.add(
            walk.expected_seq,
            ProblemKind::Removed,
            format!(
                "the log ends at entry {}, but {head_seq} were written",
                walk.expected_seq - 1
            ),
        );
    } else if walk.prev != head.hash {
        findings.add(
            head_seq,
            ProblemKind::Altered,
            format!("entry {head_seq} does not match the recorded head of the chain"),
        );
    } else if let Some(beyond) = sqlx::query("SELECT MIN(seq) FROM audit_log WHERE seq > $1")
        .bind(head_seq)
        .fetch_one(&mut *conn)
        .await?
        .try_get::<Option<i64>, _>(0)?
    {
        findings.add(
            beyond,
            ProblemKind::Altered,
            format!("entry {beyond} lies beyond the head of the chain ({head_seq})"),
        );
    }
    Ok(())
}

/// An audit entry as stored.
struct StoredEntry {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    object_id: String,
    before_hash: Option<String>,
    after_hash: String,
    prev_hash: String,
    entry_hash: String,
    scheme: i64,
    rows_sha256: Option<String>,
}

impl StoredEntry {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredEntry> {
        Ok(StoredEntry {
            seq: row.try_get(0)?,
            at: row.try_get(1)?,
            actor: row.try_get(2)?,
            action: row.try_get(3)?,
            object_id: row.try_get(4)?,
            before_hash: row.try_get(5)?,
            after_hash: row.try_get(6)?,
            prev_hash: row.try_get(7)?,
            entry_hash: row.try_get(8)?,
            scheme: row.try_get(9)?,
            rows_sha256: row.try_get(10)?,
        })
    }

    fn fields(&self) -> EntryFields<'_> {
        EntryFields {
            seq: self.seq,
            prev_hash: &self.prev_hash,
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            object_id: &self.object_id,
            before_hash: self.before_hash.as_deref(),
            after_hash: &self.after_hash,
            rows_sha256: self.rows_sha256.as_deref(),
        }
    }

    fn into_recorded(self) -> Recorded {
        Recorded {
            scheme: self.scheme,
            object_id: self.object_id,
            after_hash: self.after_hash,
            rows_sha256: self.rows_sha256,
        }
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
                ProblemKind::Checkpoint,
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
                ProblemKind::Checkpoint,
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
                ProblemKind::Checkpoint,
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
