//! One batch of the writer, in three steps, so that a batch costs a handful of statements
//! whatever its size:
//!
//! 1. **Load** (a few queries per area): what the commands name — their declarations,
//!    idempotency keys, registration sequences, tokens, ledger state.
//! 2. **Apply** (no I/O): each command in order, against that state in memory, exactly as if
//!    the commands ran one after another; each one checks everything before it changes
//!    anything, so a refused command changes nothing. Later commands see earlier ones' effects.
//!    The decisions are the pure crates': the declaration's life (`tamga-declaration`), the
//!    ledger's postings (`tamga-treasury`).
//! 3. **Flush** (one multi-row statement per table): the rows the commands produced.
//!
//! One module per area: declarations, tokens, idempotency, ledger.

mod declarations;
mod idempotency;
mod ledger;
mod tokens;

use sqlx::AnyConnection;

use crate::audit::{ChainHead, EntryFields, SCHEME_KEYED, keyed_entry_hash, rows_digest};
use crate::keys::NodeKey;
use crate::sql::{Param, insert_rows};
use crate::{Command, Result, StoreError, WriteOutcome, WriteRequest};

pub(crate) use idempotency::from_snapshot;
pub(crate) use ledger::{ORDER_COLUMNS, load_closing, order_from_row};

/// What one command did, for its audit entry: the action, the object, and the hashes of the
/// object's state before and after.
pub(super) struct Audited {
    pub action: String,
    pub object: String,
    pub before: Option<String>,
    pub after: String,
}

/// What an area's step may touch: the audit entry the command will write (every row it makes
/// names it), its time and actor, and the canonical texts of the rows it writes.
pub(super) struct Step<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub written: &'a mut Vec<String>,
}

/// A command applied, or refused before it changed anything.
pub(crate) enum Applied {
    Done(WriteOutcome),
    Refused(StoreError),
}

/// What an area makes of a command: the change made (with its audit note; none when nothing
/// changed, as for a day closed before), or a refusal. One lives for one command, on the
/// stack: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub(super) enum Change {
    Made {
        outcome: WriteOutcome,
        audited: Option<Audited>,
    },
    Refused(StoreError),
}

impl Change {
    pub(super) fn made(outcome: WriteOutcome, audited: Audited) -> Change {
        Change::Made {
            outcome,
            audited: Some(audited),
        }
    }
}

impl From<StoreError> for Change {
    fn from(refusal: StoreError) -> Change {
        Change::Refused(refusal)
    }
}

pub(crate) struct Batch {
    chain: ChainHead,
    key: NodeKey,
    audit: Vec<Vec<Param>>,
    declarations: declarations::Declarations,
    tokens: tokens::Tokens,
    claims: idempotency::Claims,
    ledger: ledger::Ledger,
}

impl Batch {
    /// Step 1: everything the commands will look at.
    pub(crate) async fn load(
        conn: &mut AnyConnection,
        requests: &[&WriteRequest],
        chain: ChainHead,
        key: NodeKey,
    ) -> Result<Batch> {
        Ok(Batch {
            declarations: declarations::Declarations::load(conn, requests).await?,
            claims: idempotency::Claims::load(conn, requests).await?,
            tokens: tokens::Tokens::load(conn, requests).await?,
            ledger: ledger::Ledger::load(conn, requests).await?,
            chain,
            key,
            audit: Vec::new(),
        })
    }

    pub(crate) fn chain(&self) -> &ChainHead {
        &self.chain
    }

    /// Step 2: one command, in memory.
    pub(crate) fn apply(&mut self, request: &WriteRequest) -> Result<Applied> {
        if let Some(replayed) = self.claims.replay(request) {
            return Ok(replayed);
        }
        let mut written = Vec::new();
        let mut step = Step {
            seq: self.chain.last_seq + 1,
            at: &request.at,
            actor: &request.actor,
            written: &mut written,
        };
        let (outcome, audited) = match self.dispatch(&mut step, &request.command) {
            Change::Made { outcome, audited } => (outcome, audited),
            Change::Refused(refusal) => {
                debug_assert!(written.is_empty(), "a refused command wrote nothing");
                return Ok(Applied::Refused(refusal));
            }
        };
        if let Some(audited) = audited {
            self.audit(request, audited, written);
        }
        if let WriteOutcome::Declaration { record, .. } = &outcome {
            self.claims.record(request, record);
        }
        Ok(Applied::Done(outcome))
    }

    fn dispatch(&mut self, step: &mut Step<'_>, command: &Command) -> Change {
        match command {
            Command::Submit(new) => self.declarations.submit(step, new),
            Command::Amend {
                id,
                expected_version,
                body,
                assessment,
            } => self
                .declarations
                .amend(step, id, *expected_version, body, assessment.as_ref()),
            Command::Register {
                id,
                expected_version,
                registration_date,
                assessment,
            } => self.declarations.register(
                step,
                id,
                *expected_version,
                *registration_date,
                assessment,
            ),
            Command::Decide { id, decision } => {
                self.declarations
                    .decide(step, id, decision, &mut self.ledger)
            }
            Command::CreateToken(new) => self.tokens.create(step, new),
            Command::RevokeToken { id } => self.tokens.revoke(step, id),
            Command::CloseDay(close) => self.ledger.close_day(step, close),
            Command::RecordReceipt(receipt) => self.ledger.record(step, receipt),
            Command::SendTransfer { id, on, rate } => self.ledger.send(step, id, *on, *rate),
            Command::ConfirmTransfer {
                id,
                on,
                daily_interest_rate,
                interest_cap_minor,
            } => self
                .ledger
                .confirm(step, id, *on, *daily_interest_rate, *interest_cap_minor),
            Command::ApproveInterest {
                id,
                amount_minor,
                reason,
            } => self.ledger.approve(step, id, *amount_minor, reason),
        }
    }

    /// The command's audit entry: keyed, chained to the last one, and covering every row the
    /// command wrote.
    fn audit(&mut self, request: &WriteRequest, audited: Audited, written: Vec<String>) {
        let seq = self.chain.last_seq + 1;
        let rows_sha256 = rows_digest(written);
        let hash = keyed_entry_hash(
            &self.key,
            &EntryFields {
                seq,
                prev_hash: &self.chain.last_hash,
                at: &request.at,
                actor: &request.actor,
                action: &audited.action,
                object_id: &audited.object,
                before_hash: audited.before.as_deref(),
                after_hash: &audited.after,
                rows_sha256: rows_sha256.as_deref(),
            },
        );
        self.audit.push(vec![
            Param::Int(seq),
            Param::Text(request.at.clone()),
            Param::Text(request.actor.clone()),
            Param::Text(audited.action),
            Param::Text(audited.object),
            Param::OptText(audited.before),
            Param::Text(audited.after),
            Param::Text(self.chain.last_hash.clone()),
            Param::Text(hash.clone()),
            Param::Int(SCHEME_KEYED),
            Param::OptText(rows_sha256),
        ]);
        self.chain.last_seq = seq;
        self.chain.last_hash = hash;
    }

    /// Step 3: the rows, area by area, parents before children.
    pub(crate) async fn flush(self, conn: &mut AnyConnection) -> Result<()> {
        self.declarations.flush(conn).await?;
        self.tokens.flush(conn).await?;
        insert_rows(
            conn,
            "audit_log (seq, at, actor, action, object_id, before_hash, after_hash, prev_hash, \
             entry_hash, scheme, rows_sha256)",
            &self.audit,
            "",
        )
        .await?;
        self.claims.flush(conn).await?;
        self.ledger.flush(conn).await
    }
}
