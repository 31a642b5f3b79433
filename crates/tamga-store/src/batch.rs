//! One batch of the writer, in three steps, so that a batch costs a handful of statements
//! whatever its size:
//!
//! 1. **Load** (2–3 queries): the declarations the commands name, their idempotency keys and the
//!    registration sequences they will draw from.
//! 2. **Apply** (no I/O): each command in order, against that state in memory, exactly as if
//!    the commands ran one after another; each one checks everything before it changes
//!    anything, so a refused command changes nothing. Later commands see earlier ones' effects.
//! 3. **Flush** (one multi-row statement per table): the rows the commands produced.

use std::collections::{BTreeSet, HashMap};

use sqlx::{AnyConnection, Row};

use crate::audit::{
    ChainHead, EntryFields, SCHEME_KEYED, declaration_state, keyed_entry_hash, order_state, rows,
    rows_digest, token_state,
};
use crate::ids::{new_token_secret, sha256_hex, token_digest};
use crate::keys::NodeKey;
use crate::read::{DeclarationHead, FullDeclaration, load_many, load_token};
use crate::writer::now_rfc3339;
use crate::{
    Command, Decision, NewAssessment, NewDeclaration, Principal, Result, Role, Status, StoreError,
    TokenRecord, WriteOutcome, WriteRequest,
};

/// A value to bind.
#[derive(Clone, Debug)]
#[doc(hidden)]
pub enum Param {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

use Param::{Int, OptInt, OptText, Text};

use crate::ledger::Ledger;

/// A declaration as this batch sees it.
struct Slot {
    current: Option<FullDeclaration>,
    /// Changed by this batch: its head is written at the flush.
    dirty: bool,
}

pub(crate) struct Batch {
    chain: ChainHead,
    key: NodeKey,
    /// The canonical texts of the rows the current command wrote outside the ledger.
    pending: Vec<String>,
    declarations: HashMap<String, Slot>,
    /// The order in which declarations were first changed: new ones get their list position
    /// (`seq`) in this order.
    touched: Vec<String>,
    idempotency: HashMap<(String, String), (String, u16, String)>,
    sequences: HashMap<(String, String), i64>,
    dirty_sequences: BTreeSet<(String, String)>,
    /// Tokens this batch revokes, with their digests.
    tokens: HashMap<String, (TokenRecord, String)>,
    versions: Vec<Vec<Param>>,
    assessments: Vec<Vec<Param>>,
    payment_lines: Vec<Vec<Param>>,
    audit: Vec<Vec<Param>>,
    idempotency_rows: Vec<Vec<Param>>,
    new_tokens: Vec<Vec<Param>>,
    revoked_tokens: Vec<(String, String)>,
    ledger: Ledger,
}

fn declaration_id(command: &Command) -> Option<&str> {
    match command {
        Command::Submit(new) => Some(&new.id),
        Command::Amend { id, .. } | Command::Register { id, .. } | Command::Decide { id, .. } => {
            Some(id)
        }
        Command::CreateToken { .. }
        | Command::RevokeToken { .. }
        | Command::CloseDay { .. }
        | Command::SendTransfer { .. }
        | Command::ConfirmTransfer { .. }
        | Command::ApproveInterest { .. }
        | Command::RecordReceipt { .. } => None,
    }
}

fn claim_of(request: &WriteRequest) -> Option<&crate::IdempotencyClaim> {
    match request.command {
        Command::CreateToken { .. }
        | Command::RevokeToken { .. }
        | Command::CloseDay { .. }
        | Command::SendTransfer { .. }
        | Command::ConfirmTransfer { .. }
        | Command::ApproveInterest { .. }
        | Command::RecordReceipt { .. } => None,
        _ => request.idempotency.as_ref(),
    }
}

/// The rows of `select` (a `SELECT … FROM …` without a `WHERE`) whose `column` is one of
/// `values`, in one query.
pub(crate) async fn fetch_in(
    conn: &mut AnyConnection,
    select: &str,
    column: &str,
    values: &[&str],
) -> Result<Vec<sqlx::any::AnyRow>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{select} WHERE {column} IN ({})",
        placeholders(1, values.len())
    );
    // Safe: the text is this crate's SQL and placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for value in values {
        query = query.bind(*value);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

pub(crate) fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The registration number of a goods declaration, box A: `OFFICE/DDMMYY/NNNNNNN`, the
/// customs office code, the registration day and a 7-digit sequence of that office and day
/// (domain brief §7.1). `None` when the date is not ISO or the sequence has run out.
pub fn registration_number(office: &str, date: &str, sequence: i64) -> Option<String> {
    let (y, m, d) = (date.get(2..4)?, date.get(5..7)?, date.get(8..10)?);
    if !(1..=9_999_999).contains(&sequence) {
        return None;
    }
    Some(format!("{office}/{d}{m}{y}/{sequence:07}"))
}

/// The key of a refund or penalty-interest receipt: scoped by the state that records it, so that
/// two states' references never meet.
pub(crate) fn receipt_key(event: &str, state: &str, reference: &str) -> String {
    format!("{event}:{state}:{reference}")
}

/// A command refused before it changed anything.
type Applied = Result<Result<WriteOutcome>>;

fn refused(e: StoreError) -> Applied {
    Ok(Err(e))
}

impl Batch {
    /// Step 1: everything the commands will look at.
    pub(crate) async fn load(
        conn: &mut AnyConnection,
        requests: &[&WriteRequest],
        chain: ChainHead,
        key: NodeKey,
    ) -> Result<Batch> {
        let ids: Vec<&str> = requests
            .iter()
            .filter_map(|r| declaration_id(&r.command))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut declarations: HashMap<String, Slot> = HashMap::new();
        for full in load_many(&mut *conn, &ids).await? {
            declarations.insert(
                full.0.id.clone(),
                Slot {
                    current: Some(full),
                    dirty: false,
                },
            );
        }

        let keys: BTreeSet<&str> = requests
            .iter()
            .filter_map(|r| claim_of(r).map(|c| c.key.as_str()))
            .collect();
        let actors: BTreeSet<&str> = requests
            .iter()
            .filter(|r| claim_of(r).is_some())
            .map(|r| r.actor.as_str())
            .collect();
        let mut idempotency = HashMap::new();
        if !keys.is_empty() {
            // Both lists, so that the primary key (actor, key) serves the lookup.
            let sql = format!(
                "SELECT actor, key, request_sha256, status, response FROM idempotency_keys \
                 WHERE actor IN ({}) AND key IN ({})",
                placeholders(1, actors.len()),
                placeholders(actors.len() + 1, keys.len())
            );
            // Safe: placeholders only.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in actors.iter().chain(&keys) {
                query = query.bind(*value);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let status: i64 = row.try_get(3)?;
                idempotency.insert(
                    (row.try_get(0)?, row.try_get(1)?),
                    (
                        row.try_get(2)?,
                        u16::try_from(status).unwrap_or(200),
                        row.try_get(4)?,
                    ),
                );
            }
        }

        let mut offices = BTreeSet::new();
        let mut days = BTreeSet::new();
        for request in requests {
            if let Command::Register {
                id,
                registration_date,
                ..
            } = &request.command
                && let Some(Some((head, _, _))) = declarations.get(id).map(|s| s.current.as_ref())
            {
                offices.insert(head.customs_office.clone());
                days.insert(registration_date.clone());
            }
        }
        let mut sequences = HashMap::new();
        if !offices.is_empty() {
            let sql = format!(
                "SELECT customs_office, day, last_number FROM registration_sequences \
                 WHERE customs_office IN ({}) AND day IN ({})",
                placeholders(1, offices.len()),
                placeholders(offices.len() + 1, days.len())
            );
            // Safe: placeholders only.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in offices.iter().chain(&days) {
                query = query.bind(value.as_str());
            }
            for row in query.fetch_all(&mut *conn).await? {
                sequences.insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
            }
        }

        let mut ledger = Ledger::default();
        let released: Vec<&str> = requests
            .iter()
            .filter_map(|r| match &r.command {
                Command::Decide {
                    id,
                    decision: Decision::Release { .. },
                } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        ledger.load_lines(&mut *conn, &released).await?;
        for id in &released {
            if let Some(Some((head, _, _))) = declarations.get(*id).map(|s| s.current.as_ref()) {
                ledger.load_last_closed(&mut *conn, &head.state).await?;
            }
        }
        let order_ids: Vec<&str> = requests
            .iter()
            .filter_map(|r| match &r.command {
                Command::SendTransfer { id, .. }
                | Command::ConfirmTransfer { id, .. }
                | Command::ApproveInterest { id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        ledger.load_orders(&mut *conn, &order_ids).await?;
        let receipt_keys: Vec<(String, String, String)> = requests
            .iter()
            .filter_map(|r| match &r.command {
                Command::RecordReceipt {
                    state,
                    event,
                    reference,
                    ..
                } => Some((
                    receipt_key(event, state, reference),
                    format!("{event}:{reference}"),
                    state.clone(),
                )),
                _ => None,
            })
            .collect();
        ledger.load_receipt_keys(&mut *conn, &receipt_keys).await?;
        for request in requests {
            if let Command::RecordReceipt { state, .. } = &request.command {
                ledger.load_last_closed(&mut *conn, state).await?;
            }
        }
        for request in requests {
            if let Command::CloseDay {
                state,
                day,
                currency,
                ..
            } = &request.command
            {
                ledger
                    .load_for_close(&mut *conn, state, day, currency)
                    .await?;
                ledger.load_last_closed(&mut *conn, state).await?;
            }
        }

        let mut tokens = HashMap::new();
        for request in requests {
            if let Command::RevokeToken { id } = &request.command
                && let Some(found) = load_token(&mut *conn, id).await?
            {
                tokens.insert(id.clone(), found);
            }
        }

        Ok(Batch {
            chain,
            key,
            pending: Vec::new(),
            declarations,
            touched: Vec::new(),
            idempotency,
            sequences,
            dirty_sequences: BTreeSet::new(),
            tokens,
            versions: Vec::new(),
            assessments: Vec::new(),
            payment_lines: Vec::new(),
            audit: Vec::new(),
            idempotency_rows: Vec::new(),
            new_tokens: Vec::new(),
            revoked_tokens: Vec::new(),
            ledger,
        })
    }

    pub(crate) fn chain(&self) -> &ChainHead {
        &self.chain
    }

    /// Step 2: one command, in memory.
    pub(crate) fn apply(&mut self, request: &WriteRequest) -> Applied {
        let claim = claim_of(request);
        if let Some(claim) = claim
            && let Some((digest, status, response)) = self
                .idempotency
                .get(&(request.actor.clone(), claim.key.clone()))
        {
            if *digest != claim.request_sha256 {
                return refused(StoreError::IdempotencyMismatch(claim.key.clone()));
            }
            return Ok(Ok(WriteOutcome::Replayed {
                status: *status,
                response: response.clone(),
            }));
        }
        let now = now_rfc3339();
        let actor = request.actor.as_str();
        // Every row this command writes names the audit entry it will write.
        debug_assert!(self.pending.is_empty() && self.ledger.pending.is_empty());
        self.ledger.seq = self.chain.last_seq + 1;
        let outcome = match &request.command {
            Command::Submit(new) => self.submit(actor, &now, new),
            Command::Amend {
                id,
                expected_version,
                body,
                assessment,
            } => self.amend(
                actor,
                &now,
                id,
                *expected_version,
                body,
                assessment.as_ref(),
            ),
            Command::Register {
                id,
                expected_version,
                registration_date,
                assessment,
            } => self.register(
                actor,
                &now,
                id,
                *expected_version,
                registration_date,
                assessment,
            ),
            Command::Decide { id, decision } => self.decide(actor, &now, id, decision),
            Command::CreateToken {
                role,
                state,
                tin,
                name,
            } => self.create_token(actor, &now, *role, state, tin, name),
            Command::RevokeToken { id } => self.revoke_token(actor, &now, id),
            Command::CloseDay {
                state,
                day,
                currency,
                normatives,
                special_rule,
                transfer_currencies,
                due_by,
                reported_at,
                report_deadline,
                late,
            } => self.close_day(
                actor,
                &now,
                (state, day, currency),
                normatives,
                *special_rule,
                (transfer_currencies, due_by),
                (reported_at, report_deadline, *late),
            ),
            Command::RecordReceipt {
                state,
                day,
                currency,
                pool,
                event,
                reference,
                amount_minor,
            } => {
                let key = receipt_key(event, state, reference);
                let (day, amount_minor, already) =
                    match self
                        .ledger
                        .record(&key, state, day, currency, pool, *amount_minor, &now)
                    {
                        Ok(recorded) => recorded,
                        Err(e) => return refused(e),
                    };
                if !already {
                    let after = sha256_hex(
                        crate::audit::canonical(
                            "receipt",
                            &[&key, state, &day, &amount_minor.to_string()],
                        )
                        .as_bytes(),
                    );
                    self.audit(
                        &now,
                        actor,
                        &format!("treasury.{event}"),
                        &key,
                        None,
                        &after,
                    );
                }
                Ok(Ok(WriteOutcome::Receipt {
                    entry_key: key,
                    day,
                    amount_minor,
                    already,
                }))
            }
            Command::SendTransfer { id, on, rate } => {
                let sent = self.ledger.send(id, on, *rate, &now);
                self.transfer_outcome(actor, &now, "treasury.send", sent)
            }
            Command::ConfirmTransfer {
                id,
                on,
                daily_interest_rate,
                interest_cap_minor,
            } => {
                let confirmed =
                    self.ledger
                        .confirm(id, on, *daily_interest_rate, *interest_cap_minor, &now);
                self.transfer_outcome(actor, &now, "treasury.confirm", confirmed)
            }
            Command::ApproveInterest {
                id,
                amount_minor,
                reason,
            } => {
                let approval = format!("{actor}: {reason}");
                let approved = self.ledger.approve_interest(id, *amount_minor, &approval);
                self.transfer_outcome(actor, &now, "treasury.approve_interest", approved)
            }
        }?;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) => return refused(e),
        };
        if let (Some(claim), WriteOutcome::Declaration(record)) = (claim, &outcome) {
            let response = serde_json::to_string(record)
                .map_err(|e| StoreError::Database(format!("cannot serialise a record: {e}")))?;
            self.idempotency_rows.push(vec![
                Text(request.actor.clone()),
                Text(claim.key.clone()),
                Text(claim.request_sha256.clone()),
                Int(i64::from(claim.status)),
                Text(response.clone()),
                Text(now.clone()),
            ]);
            self.idempotency.insert(
                (request.actor.clone(), claim.key.clone()),
                (claim.request_sha256.clone(), claim.status, response),
            );
        }
        Ok(Ok(outcome))
    }

    /// The command's audit entry: keyed, chained to the last one, and covering every row the
    /// command wrote.
    fn audit(
        &mut self,
        at: &str,
        actor: &str,
        action: &str,
        object_id: &str,
        before: Option<&str>,
        after: &str,
    ) {
        let seq = self.chain.last_seq + 1;
        debug_assert_eq!(seq, self.ledger.seq, "one audit entry per command");
        let mut written = std::mem::take(&mut self.pending);
        written.append(&mut self.ledger.pending);
        let rows_sha256 = rows_digest(written);
        let hash = keyed_entry_hash(
            &self.key,
            &EntryFields {
                seq,
                prev_hash: &self.chain.last_hash,
                at,
                actor,
                action,
                object_id,
                before_hash: before,
                after_hash: after,
                rows_sha256: rows_sha256.as_deref(),
            },
        );
        self.audit.push(vec![
            Int(seq),
            Text(at.to_owned()),
            Text(actor.to_owned()),
            Text(action.to_owned()),
            Text(object_id.to_owned()),
            OptText(before.map(str::to_owned)),
            Text(after.to_owned()),
            Text(self.chain.last_hash.clone()),
            Text(hash.clone()),
            Int(SCHEME_KEYED),
            OptText(rows_sha256),
        ]);
        self.chain.last_seq = seq;
        self.chain.last_hash = hash;
    }

    /// Records a declaration's new state; returns the state hash.
    fn put(&mut self, head: DeclarationHead, body: String, assessment: Option<String>) -> String {
        let hash = declaration_state(&head);
        let id = head.id.clone();
        let slot = self.declarations.entry(id.clone()).or_insert(Slot {
            current: None,
            dirty: false,
        });
        if !slot.dirty {
            slot.dirty = true;
            self.touched.push(id);
        }
        slot.current = Some((head, body, assessment));
        hash
    }

    fn version_row(
        &mut self,
        id: &str,
        version: i64,
        body: &str,
        body_sha256: &str,
        now: &str,
        actor: &str,
    ) {
        self.pending
            .push(rows::version(id, version, body_sha256, now, actor));
        self.versions.push(vec![
            Text(id.to_owned()),
            Int(version),
            Text(body.to_owned()),
            Text(body_sha256.to_owned()),
            Text(now.to_owned()),
            Text(actor.to_owned()),
            Int(self.ledger.seq),
        ]);
    }

    fn assessment_rows(&mut self, id: &str, version: i64, assessment: &NewAssessment, now: &str) {
        self.pending.push(rows::assessment(
            id,
            version,
            &assessment.registration_date,
            &assessment.tariff_edition,
            &assessment.rounding_rule,
            &assessment.currency,
            &assessment.exchange_rates,
            assessment.total_minor,
            &sha256_hex(assessment.document.as_bytes()),
            now,
        ));
        self.assessments.push(vec![
            Text(id.to_owned()),
            Int(version),
            Text(assessment.registration_date.clone()),
            Text(assessment.tariff_edition.clone()),
            Text(assessment.rounding_rule.clone()),
            Text(assessment.currency.clone()),
            Text(assessment.exchange_rates.clone()),
            Int(assessment.total_minor),
            Text(assessment.document.clone()),
            Text(now.to_owned()),
            Int(self.ledger.seq),
        ]);
        for (line, payment) in assessment.lines.iter().enumerate() {
            self.pending.push(rows::payment_line(
                id,
                version,
                line as i64 + 1,
                payment.item,
                &payment.payment_code,
                &payment.kind,
                payment.amount_minor,
                &assessment.currency,
            ));
            self.payment_lines.push(vec![
                Text(id.to_owned()),
                Int(version),
                Int(line as i64 + 1),
                OptInt(payment.item),
                Text(payment.payment_code.clone()),
                Text(payment.kind.clone()),
                Int(payment.amount_minor),
                Text(assessment.currency.clone()),
            ]);
        }
    }

    /// The declaration to change, if it exists and is still at the version the caller read.
    fn current(
        &self,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<FullDeclaration, StoreError> {
        let Some(full) = self.declarations.get(id).and_then(|s| s.current.clone()) else {
            return Err(StoreError::NotFound(id.to_owned()));
        };
        if let Some(expected) = expected_version
            && full.0.version != expected
        {
            return Err(StoreError::StaleVersion {
                id: id.to_owned(),
                current: full.0.version,
                expected,
            });
        }
        Ok(full)
    }

    fn submit(&mut self, actor: &str, now: &str, new: &NewDeclaration) -> Applied {
        if self
            .declarations
            .get(&new.id)
            .is_some_and(|s| s.current.is_some())
        {
            return refused(StoreError::Conflict(format!(
                "declaration {} exists",
                new.id
            )));
        }
        let head = DeclarationHead {
            id: new.id.clone(),
            state: new.state.clone(),
            customs_office: new.customs_office.clone(),
            declarant_tin: new.declarant_tin.clone(),
            status: Status::Submitted,
            version: 1,
            number: None,
            registration_date: None,
            reason: None,
            submitted_at: now.to_owned(),
            updated_at: now.to_owned(),
            body_sha256: sha256_hex(new.body.as_bytes()),
            assessment_sha256: None,
            submitted_on: new.submitted_on.clone(),
        };
        self.version_row(&new.id, 1, &new.body, &head.body_sha256, now, actor);
        let after = self.put(head.clone(), new.body.clone(), None);
        self.audit(now, actor, "submit", &new.id, None, &after);
        Ok(Ok(WriteOutcome::Declaration(
            head.into_record(new.body.clone(), None)?,
        )))
    }

    #[allow(clippy::too_many_arguments)]
    fn amend(
        &mut self,
        actor: &str,
        now: &str,
        id: &str,
        expected_version: i64,
        body: &str,
        assessment: Option<&NewAssessment>,
    ) -> Applied {
        let (mut head, _, _) = match self.current(id, Some(expected_version)) {
            Ok(found) => found,
            Err(e) => return refused(e),
        };
        if !head.status.is_open() {
            return refused(StoreError::Conflict(format!(
                "declaration {id} is {}; it can no longer be amended",
                head.status.as_str()
            )));
        }
        if (head.status == Status::Registered) != assessment.is_some() {
            return refused(StoreError::Conflict(format!(
                "declaration {id} is {}: an amendment must {}carry a new assessment",
                head.status.as_str(),
                if assessment.is_some() { "not " } else { "" }
            )));
        }
        let before = declaration_state(&head);
        head.version += 1;
        head.body_sha256 = sha256_hex(body.as_bytes());
        head.updated_at = now.to_owned();
        self.version_row(id, head.version, body, &head.body_sha256, now, actor);
        let document = assessment.map(|a| {
            self.assessment_rows(id, head.version, a, now);
            head.assessment_sha256 = Some(sha256_hex(a.document.as_bytes()));
            a.document.clone()
        });
        let after = self.put(head.clone(), body.to_owned(), document.clone());
        self.audit(now, actor, "amend", id, Some(&before), &after);
        Ok(Ok(WriteOutcome::Declaration(
            head.into_record(body.to_owned(), document)?,
        )))
    }

    #[allow(clippy::too_many_arguments)]
    fn register(
        &mut self,
        actor: &str,
        now: &str,
        id: &str,
        expected_version: i64,
        registration_date: &str,
        assessment: &NewAssessment,
    ) -> Applied {
        let (mut head, body, _) = match self.current(id, Some(expected_version)) {
            Ok(found) => found,
            Err(e) => return refused(e),
        };
        if head.status != Status::Submitted {
            return refused(StoreError::Conflict(format!(
                "declaration {id} is {}{}; only a submitted declaration can be registered",
                head.status.as_str(),
                head.number
                    .as_deref()
                    .map(|n| format!(" as {n}"))
                    .unwrap_or_default()
            )));
        }
        // The next number of the office and day. The writer applies commands one at a time
        // and its transaction holds the write lock (SQLite) or the audit head's row lock
        // (PostgreSQL), so the sequence has no gaps and no duplicates.
        let key = (head.customs_office.clone(), registration_date.to_owned());
        let sequence = self.sequences.get(&key).copied().unwrap_or(0) + 1;
        let Some(number) = registration_number(&head.customs_office, registration_date, sequence)
        else {
            return refused(StoreError::Conflict(format!(
                "office {} has used every registration number of {registration_date}",
                head.customs_office
            )));
        };
        self.sequences.insert(key.clone(), sequence);
        self.dirty_sequences.insert(key);
        let before = declaration_state(&head);
        self.assessment_rows(id, head.version, assessment, now);
        head.status = Status::Registered;
        head.number = Some(number);
        head.registration_date = Some(registration_date.to_owned());
        head.assessment_sha256 = Some(sha256_hex(assessment.document.as_bytes()));
        head.updated_at = now.to_owned();
        let document = Some(assessment.document.clone());
        let after = self.put(head.clone(), body.clone(), document.clone());
        self.audit(now, actor, "register", id, Some(&before), &after);
        Ok(Ok(WriteOutcome::Declaration(
            head.into_record(body, document)?,
        )))
    }

    fn decide(&mut self, actor: &str, now: &str, id: &str, decision: &Decision) -> Applied {
        let (mut head, body, assessment) = match self.current(id, None) {
            Ok(found) => found,
            Err(e) => return refused(e),
        };
        let (allowed, next, reason) = match decision {
            Decision::Release { reason, .. } => (
                head.status == Status::Registered,
                Status::Released,
                reason.clone(),
            ),
            Decision::Refuse { reason } => (
                head.status == Status::Registered,
                Status::Refused,
                Some(reason.clone()),
            ),
            Decision::Withdraw { reason } => {
                (head.status.is_open(), Status::Withdrawn, reason.clone())
            }
        };
        if !allowed {
            return refused(StoreError::Conflict(format!(
                "declaration {id} is {}; it cannot be {}",
                head.status.as_str(),
                match decision {
                    Decision::Release { .. } => "released (only a registered one can)",
                    Decision::Refuse { .. } => "refused (only a registered one can)",
                    Decision::Withdraw { .. } => "withdrawn (only before release)",
                }
            )));
        }
        if let Decision::Release { day, .. } = decision {
            // Its duties are credited to the state's single account, in the same transaction
            // as the release.
            if let Err(e) = self.ledger.receive(id, head.version, &head.state, day, now) {
                return refused(e);
            }
        }
        let before = declaration_state(&head);
        head.status = next;
        head.reason = reason;
        head.updated_at = now.to_owned();
        let after = self.put(head.clone(), body.clone(), assessment.clone());
        self.audit(now, actor, decision.action(), id, Some(&before), &after);
        Ok(Ok(WriteOutcome::Declaration(
            head.into_record(body, assessment)?,
        )))
    }

    #[allow(clippy::too_many_arguments)]
    fn create_token(
        &mut self,
        actor: &str,
        now: &str,
        role: Role,
        state: &Option<String>,
        tin: &Option<String>,
        name: &str,
    ) -> Applied {
        let secret = new_token_secret();
        let digest = token_digest(&secret);
        let principal = Principal {
            token_id: format!("tok_{}", &digest[..12]),
            role,
            state: state.clone(),
            tin: tin.clone(),
            name: name.to_owned(),
        };
        self.new_tokens.push(vec![
            Text(principal.token_id.clone()),
            Text(digest.clone()),
            Text(role.as_str().to_owned()),
            OptText(state.clone()),
            OptText(tin.clone()),
            Text(name.to_owned()),
            Text(now.to_owned()),
        ]);
        let record = TokenRecord {
            principal,
            created_at: now.to_owned(),
            revoked_at: None,
        };
        let after = token_state(&record, &digest);
        self.audit(
            now,
            actor,
            "token.create",
            &record.principal.token_id,
            None,
            &after,
        );
        self.tokens
            .insert(record.principal.token_id.clone(), (record.clone(), digest));
        Ok(Ok(WriteOutcome::Token { record, secret }))
    }

    fn transfer_outcome(
        &mut self,
        actor: &str,
        now: &str,
        action: &str,
        result: Result<crate::TransferOrder, StoreError>,
    ) -> Applied {
        let order = match result {
            Ok(order) => order,
            Err(e) => return refused(e),
        };
        let after = order_state(&order);
        self.audit(now, actor, action, &order.id, None, &after);
        Ok(Ok(WriteOutcome::Transfer(order)))
    }

    #[allow(clippy::too_many_arguments)]
    fn close_day(
        &mut self,
        actor: &str,
        now: &str,
        (state, day, currency): (&str, &str, &str),
        normatives: &tamga_treasury::Normatives,
        rule: crate::SpecialDutyRule,
        (transfer_currencies, due_by): (&[(String, String)], &str),
        report: (&str, &str, bool),
    ) -> Applied {
        let (closing, already) = self.ledger.close(
            actor,
            now,
            state,
            day,
            currency,
            normatives,
            rule,
            transfer_currencies,
            due_by,
            report,
        )?;
        if !already {
            // A closing never changes: its rows, which the entry covers, are its state.
            let after = sha256_hex(
                rows::closing(&rows::Closing {
                    state,
                    day,
                    currency,
                    normative_set: &closing.normative_set,
                    special_rule: &closing.special_rule,
                    receipts: closing.receipts,
                    closed_at: &closing.closed_at,
                    reported_at: &closing.reported_at,
                    report_deadline: &closing.report_deadline,
                    late: closing.late,
                    actor,
                })
                .as_bytes(),
            );
            let object = format!("{state}/{day}");
            self.audit(now, actor, "treasury.close", &object, None, &after);
        }
        Ok(Ok(WriteOutcome::DayClosed { closing, already }))
    }

    fn revoke_token(&mut self, actor: &str, now: &str, id: &str) -> Applied {
        let Some((record, digest)) = self.tokens.get_mut(id) else {
            return refused(StoreError::TokenNotFound(id.to_owned()));
        };
        if record.revoked_at.is_some() {
            return refused(StoreError::Conflict(format!(
                "token {id} is already revoked"
            )));
        }
        let before = token_state(record, digest);
        record.revoked_at = Some(now.to_owned());
        let after = token_state(record, digest);
        let record = record.clone();
        self.revoked_tokens.push((id.to_owned(), now.to_owned()));
        self.audit(now, actor, "token.revoke", id, Some(&before), &after);
        Ok(Ok(WriteOutcome::Revoked(record)))
    }

    /// Step 3: the rows, table by table, parents before children.
    pub(crate) async fn flush(mut self, conn: &mut AnyConnection) -> Result<()> {
        let mut heads = Vec::with_capacity(self.touched.len());
        for id in std::mem::take(&mut self.touched) {
            if let Some(Slot {
                current: Some((head, _, _)),
                ..
            }) = self.declarations.get(&id)
            {
                let hash = declaration_state(head);
                heads.push(vec![
                    Text(head.id.clone()),
                    Text(head.state.clone()),
                    Text(head.customs_office.clone()),
                    Text(head.declarant_tin.clone()),
                    Text(head.status.as_str().to_owned()),
                    Int(head.version),
                    OptText(head.number.clone()),
                    OptText(head.registration_date.clone()),
                    OptText(head.reason.clone()),
                    Text(head.submitted_on.clone()),
                    Text(head.submitted_at.clone()),
                    Text(head.updated_at.clone()),
                    Text(head.body_sha256.clone()),
                    OptText(head.assessment_sha256.clone()),
                    Text(hash),
                ]);
            }
        }
        // New declarations are inserted, changed ones updated, by one upsert.
        insert_rows(
            conn,
            "declarations (id, state, customs_office, declarant_tin, status, version, \
             registration_number, registration_date, reason, submitted_on, submitted_at, \
             updated_at, body_sha256, assessment_sha256, state_sha256)",
            &heads,
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
             version = excluded.version, registration_number = excluded.registration_number, \
             registration_date = excluded.registration_date, reason = excluded.reason, \
             updated_at = excluded.updated_at, body_sha256 = excluded.body_sha256, \
             assessment_sha256 = excluded.assessment_sha256, state_sha256 = excluded.state_sha256",
        )
        .await?;
        insert_rows(
            conn,
            "declaration_versions (declaration_id, version, body, body_sha256, created_at, actor, \
             audit_seq)",
            &self.versions,
            "",
        )
        .await?;
        insert_rows(
            conn,
            "assessments (declaration_id, version, registration_date, tariff_edition, \
             rounding_rule, currency, exchange_rates, total_minor, document, created_at, \
             audit_seq)",
            &self.assessments,
            "",
        )
        .await?;
        insert_rows(
            conn,
            "payment_lines (declaration_id, version, line, item, payment_code, kind, \
             amount_minor, currency)",
            &self.payment_lines,
            "",
        )
        .await?;
        let sequences: Vec<Vec<Param>> = self
            .dirty_sequences
            .iter()
            .map(|key| {
                vec![
                    Text(key.0.clone()),
                    Text(key.1.clone()),
                    Int(self.sequences[key]),
                ]
            })
            .collect();
        insert_rows(
            conn,
            "registration_sequences (customs_office, day, last_number)",
            &sequences,
            " ON CONFLICT (customs_office, day) DO UPDATE SET last_number = excluded.last_number",
        )
        .await?;
        insert_rows(
            conn,
            "api_tokens (id, digest, role, state, tin, name, created_at)",
            &self.new_tokens,
            "",
        )
        .await?;
        for (id, at) in &self.revoked_tokens {
            sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1")
                .bind(id)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
        insert_rows(
            conn,
            "audit_log (seq, at, actor, action, object_id, before_hash, after_hash, prev_hash, \
             entry_hash, scheme, rows_sha256)",
            &self.audit,
            "",
        )
        .await?;
        insert_rows(
            conn,
            "idempotency_keys (actor, key, request_sha256, status, response, created_at)",
            &self.idempotency_rows,
            "",
        )
        .await?;
        crate::ledger::flush(&self.ledger, conn).await
    }
}

/// Bound values per statement. SQLite looks up a `$N` parameter by its name, a linear search,
/// so a statement with n of them costs O(n²) to bind: 30,000 took seconds, 1,000 take a
/// millisecond. (SQLite's historical limit was 999.)
const MAX_PARAMS: usize = 999;

/// `INSERT INTO {target} VALUES (…), (…) {suffix}`, in as few statements as the limits allow.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    target: &str,
    rows: &[Vec<Param>],
    suffix: &str,
) -> Result<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let width = first.len();
    for chunk in rows.chunks((MAX_PARAMS / width).max(1)) {
        let mut sql = format!("INSERT INTO {target} VALUES ");
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(i * width + 1, width));
            sql.push(')');
        }
        sql.push_str(suffix);
        // Safe: the text holds table and column names from this module and placeholders;
        // every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for value in row {
                query = match value {
                    Int(v) => query.bind(*v),
                    OptInt(v) => query.bind(*v),
                    Text(v) => query.bind(v.as_str()),
                    OptText(v) => query.bind(v.as_deref()),
                };
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
