//! The declarations of a batch: their heads, versions, assessments, payment lines and
//! registration sequences. Which change may follow which status is `tamga_declaration::next`;
//! this applies what it allows.

use std::collections::{BTreeSet, HashMap};

use sqlx::{AnyConnection, Row};
use tamga_core::Date;
use tamga_declaration::{Change as Life, Status};

use super::ledger::Ledger;
use super::{Audited, Change, Step};
use crate::audit::{declaration_state, rows};
use crate::ids::sha256_hex;
use crate::read::{DeclarationHead, FullDeclaration, load_many};
use crate::sql::{Param, day, insert_rows, placeholders};
use crate::{
    Command, Decision, NewAssessment, NewDeclaration, Object, Result, StoreError, WriteOutcome,
    WriteRequest,
};

/// A declaration as this batch sees it.
struct Slot {
    current: FullDeclaration,
    /// Changed by this batch: its head is written at the flush.
    dirty: bool,
}

#[derive(Default)]
pub(super) struct Declarations {
    slots: HashMap<String, Slot>,
    /// The order in which declarations were first changed: new ones get their list position in
    /// this order.
    touched: Vec<String>,
    sequences: HashMap<(String, Date), u32>,
    dirty_sequences: BTreeSet<(String, Date)>,
    versions: Vec<Vec<Param>>,
    assessments: Vec<Vec<Param>>,
    payment_lines: Vec<Vec<Param>>,
}

fn declaration_id(command: &Command) -> Option<&str> {
    match command {
        Command::Submit(new) => Some(&new.id),
        Command::Amend { id, .. } | Command::Register { id, .. } | Command::Decide { id, .. } => {
            Some(id)
        }
        _ => None,
    }
}

impl Declarations {
    /// The declarations the commands name, and the registration sequences they will draw from.
    pub(super) async fn load(
        conn: &mut AnyConnection,
        requests: &[&WriteRequest],
    ) -> Result<Declarations> {
        let ids: Vec<&str> = requests
            .iter()
            .filter_map(|r| declaration_id(&r.command))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut declarations = Declarations::default();
        for full in load_many(&mut *conn, &ids).await? {
            let current = Slot {
                current: full,
                dirty: false,
            };
            declarations
                .slots
                .insert(current.current.0.id.clone(), current);
        }
        declarations.load_sequences(conn, requests).await?;
        Ok(declarations)
    }

    async fn load_sequences(
        &mut self,
        conn: &mut AnyConnection,
        requests: &[&WriteRequest],
    ) -> Result<()> {
        let mut offices = BTreeSet::new();
        let mut days = BTreeSet::new();
        for request in requests {
            if let Command::Register {
                id,
                registration_date,
                ..
            } = &request.command
                && let Some(slot) = self.slots.get(id)
            {
                offices.insert(slot.current.0.customs_office.clone());
                days.insert(tamga_core::format_date(*registration_date));
            }
        }
        if offices.is_empty() {
            return Ok(());
        }
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
            let day = crate::sql::parse_day(&row.try_get::<String, _>(1)?)?;
            let last: i64 = row.try_get(2)?;
            let last = u32::try_from(last).map_err(|_| {
                StoreError::Database("a registration sequence is out of range".into())
            })?;
            self.sequences.insert((row.try_get(0)?, day), last);
        }
        Ok(())
    }

    /// A declaration of this batch, as it is now.
    pub(super) fn get(&self, id: &str) -> Option<&FullDeclaration> {
        self.slots.get(id).map(|s| &s.current)
    }

    /// The declaration to change, if it exists and is still at the version the caller read.
    fn current(
        &self,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<FullDeclaration, StoreError> {
        let Some(full) = self.get(id).cloned() else {
            return Err(StoreError::NotFound {
                what: Object::Declaration,
                id: id.to_owned(),
            });
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

    /// Records a declaration's new state and the outcome of the change.
    fn put(
        &mut self,
        action: &str,
        before: Option<String>,
        (head, body, assessment): FullDeclaration,
    ) -> Change {
        let id = head.id.clone();
        let after = declaration_state(&head);
        let record = head.clone().into_record(body.clone(), assessment.clone());
        let slot = self.slots.entry(id.clone()).or_insert(Slot {
            current: (head.clone(), body.clone(), assessment.clone()),
            dirty: false,
        });
        if !slot.dirty {
            slot.dirty = true;
            self.touched.push(id.clone());
        }
        slot.current = (head, body, assessment);
        Change::made(
            WriteOutcome::Declaration {
                record,
                replayed: false,
            },
            Audited {
                action: action.to_owned(),
                object: id,
                before,
                after,
            },
        )
    }

    pub(super) fn submit(&mut self, step: &mut Step<'_>, new: &NewDeclaration) -> Change {
        if self.slots.contains_key(&new.id) {
            return StoreError::Exists(new.id.clone()).into();
        }
        let head = DeclarationHead {
            id: new.id.clone(),
            state: new.state,
            customs_office: new.customs_office.clone(),
            declarant_tin: new.declarant_tin.clone(),
            status: Status::Submitted,
            version: 1,
            number: None,
            registration_date: None,
            reason: None,
            submitted_at: step.at.to_owned(),
            updated_at: step.at.to_owned(),
            body_sha256: sha256_hex(new.body.as_bytes()),
            assessment_sha256: None,
            submitted_on: new.submitted_on,
        };
        self.version_row(step, &head, &new.body);
        self.put("submit", None, (head, new.body.clone(), None))
    }

    pub(super) fn amend(
        &mut self,
        step: &mut Step<'_>,
        id: &str,
        expected_version: i64,
        body: &str,
        assessment: Option<&NewAssessment>,
    ) -> Change {
        let (mut head, _, _) = match self.current(id, Some(expected_version)) {
            Ok(found) => found,
            Err(e) => return e.into(),
        };
        let life = Life::Amend {
            reassessed: assessment.is_some(),
        };
        if let Err(refusal) = tamga_declaration::next(head.status, life) {
            return transition(id, refusal);
        }
        let before = declaration_state(&head);
        head.version += 1;
        head.body_sha256 = sha256_hex(body.as_bytes());
        head.updated_at = step.at.to_owned();
        self.version_row(step, &head, body);
        let document = assessment.map(|a| {
            self.assessment_rows(step, &head, a);
            head.assessment_sha256 = Some(sha256_hex(a.document.as_bytes()));
            a.document.clone()
        });
        self.put("amend", Some(before), (head, body.to_owned(), document))
    }

    pub(super) fn register(
        &mut self,
        step: &mut Step<'_>,
        id: &str,
        expected_version: i64,
        registration_date: Date,
        assessment: &NewAssessment,
    ) -> Change {
        let (mut head, body, _) = match self.current(id, Some(expected_version)) {
            Ok(found) => found,
            Err(e) => return e.into(),
        };
        if let Err(refusal) = tamga_declaration::next(head.status, Life::Register) {
            return transition(id, refusal);
        }
        // The next number of the office and day. The writer applies commands one at a time and
        // its transaction holds the write lock (SQLite) or the audit head's row lock
        // (PostgreSQL), so the sequence has no gaps and no duplicates.
        let key = (head.customs_office.clone(), registration_date);
        let sequence = self.sequences.get(&key).copied().unwrap_or(0) + 1;
        let number = match tamga_declaration::registration_number(
            &head.customs_office,
            registration_date,
            sequence,
        ) {
            Ok(number) => number,
            Err(e) => return StoreError::Number(e).into(),
        };
        self.sequences.insert(key.clone(), sequence);
        self.dirty_sequences.insert(key);
        let before = declaration_state(&head);
        self.assessment_rows(step, &head, assessment);
        head.status = Status::Registered;
        head.number = Some(number);
        head.registration_date = Some(registration_date);
        head.assessment_sha256 = Some(sha256_hex(assessment.document.as_bytes()));
        head.updated_at = step.at.to_owned();
        let document = Some(assessment.document.clone());
        self.put("register", Some(before), (head, body, document))
    }

    /// Release, refusal or withdrawal. A release credits the declaration's duties to its
    /// state's single account in the same transaction.
    pub(super) fn decide(
        &mut self,
        step: &mut Step<'_>,
        id: &str,
        decision: &Decision,
        ledger: &mut Ledger,
    ) -> Change {
        let (mut head, body, assessment) = match self.current(id, None) {
            Ok(found) => found,
            Err(e) => return e.into(),
        };
        let change = decision.change();
        let next = match tamga_declaration::next(head.status, change) {
            Ok(next) => next,
            Err(refusal) => return transition(id, refusal),
        };
        if let Decision::Release { day, .. } = decision
            && let Err(e) = ledger.receive(step, &head, *day)
        {
            return e.into();
        }
        let before = declaration_state(&head);
        head.status = next;
        head.reason = decision.reason().map(str::to_owned);
        head.updated_at = step.at.to_owned();
        self.put(change.action(), Some(before), (head, body, assessment))
    }

    fn version_row(&mut self, step: &mut Step<'_>, head: &DeclarationHead, body: &str) {
        step.written.push(rows::version(
            &head.id,
            head.version,
            &head.body_sha256,
            step.at,
            step.actor,
        ));
        self.versions.push(vec![
            Param::Text(head.id.clone()),
            Param::Int(head.version),
            Param::Text(body.to_owned()),
            Param::Text(head.body_sha256.clone()),
            Param::Text(step.at.to_owned()),
            Param::Text(step.actor.to_owned()),
            Param::Int(step.seq),
        ]);
    }

    fn assessment_rows(&mut self, step: &mut Step<'_>, head: &DeclarationHead, a: &NewAssessment) {
        let (id, version) = (head.id.as_str(), head.version);
        step.written.push(rows::assessment(&rows::Assessment {
            id,
            version,
            registration_date: &tamga_core::format_date(a.registration_date),
            tariff_edition: &a.tariff_edition,
            rounding_rule: &a.rounding_rule,
            currency: a.currency.as_str(),
            exchange_rates: &a.exchange_rates,
            total_minor: a.total_minor,
            document_sha256: &sha256_hex(a.document.as_bytes()),
            created_at: step.at,
        }));
        self.assessments.push(vec![
            Param::Text(id.to_owned()),
            Param::Int(version),
            day(a.registration_date),
            Param::Text(a.tariff_edition.clone()),
            Param::Text(a.rounding_rule.clone()),
            Param::Text(a.currency.to_string()),
            Param::Text(a.exchange_rates.clone()),
            Param::Int(a.total_minor),
            Param::Text(a.document.clone()),
            Param::Text(step.at.to_owned()),
            Param::Int(step.seq),
        ]);
        for (line, payment) in a.lines.iter().enumerate() {
            let line = line as i64 + 1;
            step.written.push(rows::payment_line(&rows::PaymentLineRow {
                id,
                version,
                line,
                item: payment.item,
                payment_code: &payment.payment_code,
                kind: &payment.kind,
                amount_minor: payment.amount_minor,
                currency: a.currency.as_str(),
            }));
            self.payment_lines.push(vec![
                Param::Text(id.to_owned()),
                Param::Int(version),
                Param::Int(line),
                Param::OptInt(payment.item),
                Param::Text(payment.payment_code.clone()),
                Param::Text(payment.kind.clone()),
                Param::Int(payment.amount_minor),
                Param::Text(a.currency.to_string()),
            ]);
        }
    }

    /// The head rows of the declarations this batch changed.
    fn head_rows(&mut self) -> Vec<Vec<Param>> {
        let mut heads = Vec::with_capacity(self.touched.len());
        for id in std::mem::take(&mut self.touched) {
            let Some(Slot {
                current: (head, _, _),
                ..
            }) = self.slots.get(&id)
            else {
                continue;
            };
            heads.push(vec![
                Param::Text(head.id.clone()),
                Param::Text(head.state.to_string()),
                Param::Text(head.customs_office.clone()),
                Param::Text(head.declarant_tin.clone()),
                Param::Text(head.status.as_str().to_owned()),
                Param::Int(head.version),
                Param::OptText(head.number.clone()),
                Param::OptText(head.registration_date.map(tamga_core::format_date)),
                Param::OptText(head.reason.clone()),
                day(head.submitted_on),
                Param::Text(head.submitted_at.clone()),
                Param::Text(head.updated_at.clone()),
                Param::Text(head.body_sha256.clone()),
                Param::OptText(head.assessment_sha256.clone()),
                Param::Text(declaration_state(head)),
            ]);
        }
        heads
    }

    pub(super) async fn flush(mut self, conn: &mut AnyConnection) -> Result<()> {
        // New declarations are inserted, changed ones updated, by one upsert.
        insert_rows(
            conn,
            "declarations (id, state, customs_office, declarant_tin, status, version, \
             registration_number, registration_date, reason, submitted_on, submitted_at, \
             updated_at, body_sha256, assessment_sha256, state_sha256)",
            &self.head_rows(),
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
                    Param::Text(key.0.clone()),
                    day(key.1),
                    Param::Int(i64::from(self.sequences[key])),
                ]
            })
            .collect();
        insert_rows(
            conn,
            "registration_sequences (customs_office, day, last_number)",
            &sequences,
            " ON CONFLICT (customs_office, day) DO UPDATE SET last_number = excluded.last_number",
        )
        .await
    }
}

fn transition(id: &str, refusal: tamga_declaration::Refusal) -> Change {
    StoreError::Transition {
        id: id.to_owned(),
        refusal,
    }
    .into()
}
