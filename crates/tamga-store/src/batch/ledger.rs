//! The treasury's ledger in a batch: it loads what the treasury's decisions need (payment
//! lines, closed days, transfer orders, earlier receipts and sums), asks `tamga-treasury` for
//! the entries, and writes them. It decides nothing itself but where a receipt is booked: on the
//! first day of its state that is not yet closed.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use sqlx::{AnyConnection, Row};
use tamga_core::{CountryCode, Date, format_date};
use tamga_treasury::closing::{DayToClose, PoolDistribution, PoolShare};
use tamga_treasury::ledger::{Entry, EntryHead, Pool, Source, receipt, release_key};
use tamga_treasury::transfer::{self, TransferOrder, TransferStatus};

use super::{Audited, Change, Step};
use crate::audit::{order_state, rows};
use crate::ids::sha256_hex;
use crate::read::DeclarationHead;
use crate::sql::{
    Param, day, fetch_in, insert_rows, parse_currency, parse_day, parse_decimal, parse_state,
    text_sum,
};
use crate::{
    CloseDay, Command, DayClosing, NewReceipt, Object, ReceiptRecord, Result, StoreError,
    WriteOutcome, WriteRequest,
};

/// A payment line of a released declaration, as loaded.
#[derive(Clone, Debug)]
struct LoadedLine {
    version: i64,
    line: i64,
    kind: String,
    amount_minor: i64,
    currency: String,
}

/// A refund or penalty-interest receipt as recorded: what a replay is compared with.
#[derive(Clone, Debug)]
struct KnownReceipt {
    state: CountryCode,
    pool: Pool,
    day: Date,
    /// The day the request named (the receipt is booked on the next open day if it was closed).
    requested_day: Date,
    amount_minor: i64,
}

/// What the batch knows of the ledger, and the rows it will write.
#[derive(Default)]
pub(crate) struct Ledger {
    lines_of: HashMap<String, Vec<LoadedLine>>,
    /// The last closed day of each state involved.
    last_closed: HashMap<CountryCode, Option<Date>>,
    closings: HashMap<(CountryCode, Date), DayClosing>,
    /// (state, day, pool) → (net receipts, receipt count), from the database and this batch.
    sums: HashMap<(CountryCode, Date, Pool), (i64, i64)>,
    /// (sender, receiver) → what the sender's closed days made it owe the receiver, less the
    /// transfer orders already made.
    carried: HashMap<CountryCode, BTreeMap<CountryCode, i64>>,
    orders: HashMap<String, TransferOrder>,
    dirty_orders: Vec<String>,
    /// The audit entry that made each order of this batch.
    order_seq: HashMap<String, i64>,
    known_receipts: HashMap<String, KnownReceipt>,
    entries: Vec<Vec<Param>>,
    postings: Vec<Vec<Param>>,
    closing_rows: Vec<Vec<Param>>,
    share_rows: Vec<Vec<Param>>,
}

pub(crate) const ORDER_COLUMNS: &str = "id, sender, receiver, day, currency, amount_minor, \
    transfer_currency, due_by, status, rate, transfer_amount_minor, sent_on, confirmed_on, \
    days_late, daily_interest_rate, interest_minor, interest_approved_minor, interest_approval";

pub(crate) fn order_from_row(row: &sqlx::any::AnyRow) -> Result<TransferOrder> {
    let text = |at: usize| -> Result<String> { Ok(row.try_get(at)?) };
    let opt_day = |at: usize| -> Result<Option<Date>> {
        row.try_get::<Option<String>, _>(at)?
            .map(|d| parse_day(&d))
            .transpose()
    };
    let opt_decimal = |at: usize| -> Result<Option<Decimal>> {
        row.try_get::<Option<String>, _>(at)?
            .map(|d| parse_decimal(&d))
            .transpose()
    };
    let status = text(8)?;
    Ok(TransferOrder {
        id: text(0)?,
        sender: parse_state(&text(1)?)?,
        receiver: parse_state(&text(2)?)?,
        day: parse_day(&text(3)?)?,
        currency: parse_currency(&text(4)?)?,
        amount_minor: row.try_get(5)?,
        transfer_currency: parse_currency(&text(6)?)?,
        due_by: parse_day(&text(7)?)?,
        status: TransferStatus::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown transfer status {status:?}")))?,
        rate: opt_decimal(9)?,
        transfer_amount_minor: row.try_get(10)?,
        sent_on: opt_day(11)?,
        confirmed_on: opt_day(12)?,
        days_late: row.try_get(13)?,
        daily_interest_rate: opt_decimal(14)?,
        interest_minor: row.try_get(15)?,
        interest_approved_minor: row.try_get(16)?,
        interest_approval: row.try_get(17)?,
    })
}

fn order_id(command: &Command) -> Option<&str> {
    match command {
        Command::SendTransfer { id, .. }
        | Command::ConfirmTransfer { id, .. }
        | Command::ApproveInterest { id, .. } => Some(id),
        _ => None,
    }
}

impl Ledger {
    pub(super) async fn load(
        conn: &mut AnyConnection,
        requests: &[&WriteRequest],
    ) -> Result<Ledger> {
        let mut ledger = Ledger::default();
        let released: Vec<&str> = requests
            .iter()
            .filter_map(|r| match &r.command {
                Command::Decide {
                    id,
                    decision: crate::Decision::Release { .. },
                } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        ledger.load_lines(conn, &released).await?;
        let orders: Vec<&str> = requests
            .iter()
            .filter_map(|r| order_id(&r.command))
            .collect();
        ledger.load_orders(conn, &orders).await?;
        ledger.load_receipts(conn, requests).await?;
        for request in requests {
            if let Command::CloseDay(close) = &request.command {
                ledger.load_for_close(conn, close).await?;
            }
        }
        // The states whose days a command books on or closes: their last closed day.
        let mut states: Vec<CountryCode> = Vec::new();
        for request in requests {
            match &request.command {
                Command::RecordReceipt(r) => states.push(r.state),
                Command::CloseDay(c) => states.push(c.state),
                _ => {}
            }
        }
        if !released.is_empty() {
            let select = "SELECT state FROM declarations";
            for row in fetch_in(conn, select, "id", &released).await? {
                states.push(parse_state(&row.try_get::<String, _>(0)?)?);
            }
        }
        for state in states {
            ledger.load_last_closed(conn, state).await?;
        }
        Ok(ledger)
    }

    async fn load_lines(&mut self, conn: &mut AnyConnection, ids: &[&str]) -> Result<()> {
        let select = "SELECT declaration_id, version, line, kind, amount_minor, currency \
                      FROM payment_lines";
        for row in fetch_in(conn, select, "declaration_id", ids).await? {
            self.lines_of
                .entry(row.try_get(0)?)
                .or_default()
                .push(LoadedLine {
                    version: row.try_get(1)?,
                    line: row.try_get(2)?,
                    kind: row.try_get(3)?,
                    amount_minor: row.try_get(4)?,
                    currency: row.try_get(5)?,
                });
        }
        Ok(())
    }

    async fn load_orders(&mut self, conn: &mut AnyConnection, ids: &[&str]) -> Result<()> {
        let select = format!("SELECT {ORDER_COLUMNS} FROM transfer_orders");
        for row in fetch_in(conn, &select, "id", ids).await? {
            let order = order_from_row(&row)?;
            self.orders.insert(order.id.clone(), order);
        }
        Ok(())
    }

    /// The refund and penalty-interest receipts the requests name: by their key, and by the
    /// key written before receipts were scoped by state, which counts only for its own state.
    async fn load_receipts(
        &mut self,
        conn: &mut AnyConnection,
        requests: &[&WriteRequest],
    ) -> Result<()> {
        let asked: Vec<(String, String, CountryCode)> = requests
            .iter()
            .filter_map(|r| match &r.command {
                Command::RecordReceipt(r) => Some((
                    r.event.key(r.state, &r.reference),
                    r.event.legacy_key(&r.reference),
                    r.state,
                )),
                _ => None,
            })
            .collect();
        let wanted: Vec<&str> = asked
            .iter()
            .flat_map(|(key, legacy, _)| [key.as_str(), legacy.as_str()])
            .collect();
        let select = "SELECT entry_key, state, pool, day, requested_day, amount_minor \
                      FROM ledger_entries";
        let mut found: HashMap<String, KnownReceipt> = HashMap::new();
        for row in fetch_in(conn, select, "entry_key", &wanted).await? {
            let booked = parse_day(&row.try_get::<String, _>(3)?)?;
            let requested: Option<String> = row.try_get(4)?;
            let pool: String = row.try_get(2)?;
            found.insert(
                row.try_get(0)?,
                KnownReceipt {
                    state: parse_state(&row.try_get::<String, _>(1)?)?,
                    pool: Pool::parse(&pool)
                        .ok_or_else(|| StoreError::Database(format!("unknown pool {pool:?}")))?,
                    day: booked,
                    requested_day: requested
                        .map(|d| parse_day(&d))
                        .transpose()?
                        .unwrap_or(booked),
                    amount_minor: row.try_get(5)?,
                },
            );
        }
        for (key, legacy, state) in asked {
            let known = found
                .get(&key)
                .or_else(|| found.get(&legacy).filter(|k| k.state == state));
            if let Some(known) = known {
                self.known_receipts.insert(key, known.clone());
            }
        }
        Ok(())
    }

    async fn load_last_closed(
        &mut self,
        conn: &mut AnyConnection,
        state: CountryCode,
    ) -> Result<()> {
        if self.last_closed.contains_key(&state) {
            return Ok(());
        }
        let row = sqlx::query("SELECT MAX(day) FROM day_closings WHERE state = $1")
            .bind(state.as_str())
            .fetch_one(&mut *conn)
            .await?;
        let last = row
            .try_get::<Option<String>, _>(0)?
            .map(|d| parse_day(&d))
            .transpose()?;
        self.last_closed.insert(state, last);
        Ok(())
    }

    async fn load_for_close(&mut self, conn: &mut AnyConnection, close: &CloseDay) -> Result<()> {
        self.load_carried(conn, close).await?;
        if let Some(closing) = load_closing(&mut *conn, close.state, close.day).await? {
            self.closings.insert((close.state, close.day), closing);
            return Ok(());
        }
        let rows = sqlx::query(
            "SELECT pool, CAST(SUM(amount_minor) AS TEXT), COUNT(*) FROM ledger_entries \
             WHERE state = $1 AND day = $2 AND kind = 'receipt' GROUP BY pool",
        )
        .bind(close.state.as_str())
        .bind(format_date(close.day))
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let pool: String = row.try_get(0)?;
            let pool = Pool::parse(&pool)
                .ok_or_else(|| StoreError::Database(format!("unknown pool {pool:?}")))?;
            self.sums.insert(
                (close.state, close.day, pool),
                (text_sum(&row, 1)?, row.try_get(2)?),
            );
        }
        Ok(())
    }

    /// What earlier days left owed or overpaid between the state and each receiver, in the
    /// day's currency: the shares of its closed days less the orders made.
    async fn load_carried(&mut self, conn: &mut AnyConnection, close: &CloseDay) -> Result<()> {
        if self.carried.contains_key(&close.state) {
            return Ok(());
        }
        let (state, currency) = (close.state.as_str(), close.currency.as_str());
        let shares = sqlx::query(
            "SELECT s.to_state, CAST(SUM(s.amount_minor) AS TEXT) FROM distribution_shares s \
             JOIN day_closings c ON c.state = s.state AND c.day = s.day \
             WHERE s.state = $1 AND c.currency = $2 AND s.to_state <> $1 GROUP BY s.to_state",
        )
        .bind(state)
        .bind(currency)
        .fetch_all(&mut *conn)
        .await?;
        let orders = sqlx::query(
            "SELECT receiver, CAST(SUM(amount_minor) AS TEXT) FROM transfer_orders \
             WHERE sender = $1 AND currency = $2 GROUP BY receiver",
        )
        .bind(state)
        .bind(currency)
        .fetch_all(&mut *conn)
        .await?;
        let carried = self.carried.entry(close.state).or_default();
        for row in &shares {
            let receiver = parse_state(&row.try_get::<String, _>(0)?)?;
            *carried.entry(receiver).or_default() += text_sum(row, 1)?;
        }
        for row in &orders {
            let receiver = parse_state(&row.try_get::<String, _>(0)?)?;
            *carried.entry(receiver).or_default() -= text_sum(row, 1)?;
        }
        Ok(())
    }

    /// The first day of `state` not yet closed, from `day` on. A receipt is never booked on a
    /// closed day: when no later day exists, it is refused.
    fn open_day(&self, state: CountryCode, day: Date) -> Result<Date, StoreError> {
        match self.last_closed.get(&state).copied().flatten() {
            Some(last) if last >= day => last.next_day().ok_or_else(|| StoreError::NoOpenDay {
                state: state.to_string(),
                last: format_date(last),
            }),
            _ => Ok(day),
        }
    }

    /// Writes an entry and its postings, as rows and as the texts its audit entry covers.
    fn push_entry(&mut self, step: &mut Step<'_>, entry: &Entry) {
        let source = entry.source.as_ref();
        let requested = entry.requested_day.map(format_date);
        step.written.push(rows::ledger_entry(&rows::LedgerEntry {
            key: &entry.key,
            kind: entry.kind.as_str(),
            state: entry.state.as_str(),
            day: &format_date(entry.day),
            pool: entry.pool.as_str(),
            currency: entry.currency.as_str(),
            amount_minor: entry.amount_minor,
            declaration: source.map(|s| s.declaration.as_str()),
            line: source.map(|s| s.line),
            requested_day: requested.as_deref(),
            created_at: step.at,
        }));
        self.entries.push(vec![
            Param::Text(entry.key.clone()),
            Param::Text(entry.kind.as_str().to_owned()),
            Param::Text(entry.state.to_string()),
            day(entry.day),
            Param::Text(entry.pool.as_str().to_owned()),
            Param::Text(entry.currency.to_string()),
            Param::Int(entry.amount_minor),
            Param::OptText(source.map(|s| s.declaration.clone())),
            Param::OptInt(source.map(|s| s.line)),
            Param::Text(step.at.to_owned()),
            Param::OptText(requested),
            Param::Int(step.seq),
        ]);
        for (n, posting) in entry.postings.iter().enumerate() {
            let n = n as i64 + 1;
            let account = posting.account.name();
            step.written.push(rows::posting(
                &entry.key,
                n,
                posting.book.as_str(),
                &account,
                posting.amount_minor,
            ));
            self.postings.push(vec![
                Param::Text(entry.key.clone()),
                Param::Int(n),
                Param::Text(posting.book.to_string()),
                Param::Text(account),
                Param::Int(posting.amount_minor),
            ]);
        }
    }

    fn credit(&mut self, step: &mut Step<'_>, entry: &Entry) {
        let sum = self
            .sums
            .entry((entry.state, entry.day, entry.pool))
            .or_insert((0, 0));
        sum.0 += entry.amount_minor;
        sum.1 += 1;
        self.push_entry(step, entry);
    }

    /// The receipts of a released declaration: one entry per distributed payment line of its
    /// current version, on the first day of its state that is not yet closed.
    pub(super) fn receive(
        &mut self,
        step: &mut Step<'_>,
        head: &DeclarationHead,
        day: Date,
    ) -> Result<(), StoreError> {
        let day = self.open_day(head.state, day)?;
        let lines: Vec<LoadedLine> = self
            .lines_of
            .get(&head.id)
            .map(|l| {
                l.iter()
                    .filter(|l| l.version == head.version)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for line in lines {
            let Some(pool) = Pool::of_payment(&line.kind) else {
                continue;
            };
            let entry = receipt(EntryHead {
                key: release_key(&head.id, line.line),
                state: head.state,
                day,
                pool,
                currency: parse_currency(&line.currency)
                    .map_err(|e| StoreError::Database(e.to_string()))?,
                amount_minor: line.amount_minor,
                source: Some(Source {
                    declaration: head.id.clone(),
                    line: line.line,
                }),
                requested_day: None,
            });
            self.credit(step, &entry);
        }
        Ok(())
    }

    /// A refund or penalty interest: one receipt, once per key. A replay with the same amount,
    /// pool and day answers the receipt recorded; one that differs is refused.
    pub(super) fn record(&mut self, step: &mut Step<'_>, asked: &NewReceipt) -> Change {
        let key = asked.event.key(asked.state, &asked.reference);
        if let Some(known) = self.known_receipts.get(&key) {
            if known.amount_minor != asked.amount_minor
                || known.pool != asked.pool
                || known.requested_day != asked.day
            {
                return StoreError::ReceiptDiffers {
                    key,
                    recorded_minor: known.amount_minor,
                    recorded_pool: known.pool.as_str(),
                    recorded_day: format_date(known.requested_day),
                    asked_minor: asked.amount_minor,
                    asked_pool: asked.pool.as_str(),
                    asked_day: format_date(asked.day),
                }
                .into();
            }
            return Change::Made {
                outcome: WriteOutcome::Receipt(ReceiptRecord {
                    entry_key: key,
                    day: known.day,
                    amount_minor: known.amount_minor,
                    already: true,
                }),
                audited: None,
            };
        }
        let booked = match self.open_day(asked.state, asked.day) {
            Ok(day) => day,
            Err(e) => return e.into(),
        };
        let entry = receipt(EntryHead {
            key: key.clone(),
            state: asked.state,
            day: booked,
            pool: asked.pool,
            currency: asked.currency,
            amount_minor: asked.amount_minor,
            source: None,
            requested_day: Some(asked.day),
        });
        self.credit(step, &entry);
        self.known_receipts.insert(
            key.clone(),
            KnownReceipt {
                state: asked.state,
                pool: asked.pool,
                day: booked,
                requested_day: asked.day,
                amount_minor: asked.amount_minor,
            },
        );
        let after = rows::receipt_state(&key, booked, asked.amount_minor);
        Change::made(
            WriteOutcome::Receipt(ReceiptRecord {
                entry_key: key.clone(),
                day: booked,
                amount_minor: asked.amount_minor,
                already: false,
            }),
            Audited {
                action: format!("treasury.{}", asked.event.as_str()),
                object: key,
                before: None,
                after,
            },
        )
    }

    /// Closes a day (once: closing it again answers the closing made).
    pub(super) fn close_day(&mut self, step: &mut Step<'_>, close: &CloseDay) -> Change {
        if let Some(existing) = self.closings.get(&(close.state, close.day)) {
            return Change::Made {
                outcome: WriteOutcome::DayClosed {
                    closing: existing.clone(),
                    already: true,
                },
                audited: None,
            };
        }
        let receipts: BTreeMap<Pool, (i64, i64)> = [Pool::ImportDuty, Pool::SpecialDuty]
            .into_iter()
            .filter_map(|pool| {
                self.sums
                    .get(&(close.state, close.day, pool))
                    .map(|sum| (pool, *sum))
            })
            .collect();
        let day = DayToClose {
            state: close.state,
            day: close.day,
            currency: close.currency,
            normatives: &close.normatives,
            special_rule: close.special_rule,
            receipts,
            carried: self.carried.get(&close.state).cloned().unwrap_or_default(),
            transfer_currencies: close.transfer_currencies.clone(),
            due_by: close.due_by,
        };
        let closed = match tamga_treasury::closing::close_day(&day) {
            Ok(closed) => closed,
            Err(e) => return StoreError::Database(format!("the split failed: {e}")).into(),
        };
        for entry in &closed.entries {
            self.push_entry(step, entry);
        }
        let closing = DayClosing {
            state: close.state,
            day: close.day,
            currency: close.currency,
            normative_set: close.normatives.set.clone(),
            special_rule: close.special_rule,
            receipts: closed.receipts,
            closed_at: step.at.to_owned(),
            reported_at: close.reported_at.clone(),
            report_deadline: close.report_deadline.clone(),
            late: close.late,
            pools: closed.pools,
        };
        let after = self.closing_rows(step, &closing);
        for order in closed.orders {
            step.written.push(order_made_text(&order));
            self.order_seq.insert(order.id.clone(), step.seq);
            self.touch_order(order);
        }
        self.carried.insert(close.state, closed.carried);
        self.closings
            .insert((close.state, close.day), closing.clone());
        let last = self.last_closed.entry(close.state).or_insert(None);
        if last.is_none_or(|l| l < close.day) {
            *last = Some(close.day);
        }
        Change::made(
            WriteOutcome::DayClosed {
                closing,
                already: false,
            },
            Audited {
                action: "treasury.close".into(),
                object: format!("{}/{}", close.state, format_date(close.day)),
                before: None,
                after,
            },
        )
    }

    /// The closing's rows and their texts; returns the hash of the closing's own row.
    fn closing_rows(&mut self, step: &mut Step<'_>, closing: &DayClosing) -> String {
        let (state, day_text) = (closing.state.as_str(), format_date(closing.day));
        let text = rows::closing(&rows::Closing {
            state,
            day: &day_text,
            currency: closing.currency.as_str(),
            normative_set: &closing.normative_set,
            special_rule: closing.special_rule.as_str(),
            receipts: closing.receipts,
            closed_at: step.at,
            reported_at: &closing.reported_at,
            report_deadline: &closing.report_deadline,
            late: closing.late,
            actor: step.actor,
        });
        let after = sha256_hex(text.as_bytes());
        step.written.push(text);
        self.closing_rows.push(vec![
            Param::Text(state.to_owned()),
            day(closing.day),
            Param::Text(closing.currency.to_string()),
            Param::Text(closing.normative_set.clone()),
            Param::Text(closing.special_rule.as_str().to_owned()),
            Param::Int(closing.receipts),
            Param::Text(step.at.to_owned()),
            Param::Text(closing.reported_at.clone()),
            Param::Text(closing.report_deadline.clone()),
            Param::Int(i64::from(closing.late)),
            Param::Text(step.actor.to_owned()),
            Param::Int(step.seq),
        ]);
        for pool in &closing.pools {
            for share in &pool.shares {
                let percent = share.percent.to_string();
                step.written.push(rows::share(
                    state,
                    &day_text,
                    pool.pool.as_str(),
                    share.state.as_str(),
                    &percent,
                    share.amount_minor,
                ));
                self.share_rows.push(vec![
                    Param::Text(state.to_owned()),
                    day(closing.day),
                    Param::Text(pool.pool.as_str().to_owned()),
                    Param::Text(share.state.to_string()),
                    Param::Text(percent),
                    Param::Int(share.amount_minor),
                ]);
            }
        }
        after
    }

    fn touch_order(&mut self, order: TransferOrder) {
        if !self.dirty_orders.contains(&order.id) {
            self.dirty_orders.push(order.id.clone());
        }
        self.orders.insert(order.id.clone(), order);
    }

    fn order(&self, id: &str) -> Result<&TransferOrder, StoreError> {
        self.orders.get(id).ok_or_else(|| StoreError::NotFound {
            what: Object::Transfer,
            id: id.to_owned(),
        })
    }

    /// A transfer action's result: the order as changed and its entries, written and audited.
    fn acted(
        &mut self,
        step: &mut Step<'_>,
        action: &str,
        done: Result<(TransferOrder, Vec<Entry>), StoreError>,
    ) -> Change {
        let (order, entries) = match done {
            Ok(done) => done,
            Err(e) => return e.into(),
        };
        for entry in &entries {
            self.push_entry(step, entry);
        }
        let after = order_state(&order);
        let id = order.id.clone();
        self.touch_order(order.clone());
        Change::made(
            WriteOutcome::Transfer(order),
            Audited {
                action: action.to_owned(),
                object: id,
                before: None,
                after,
            },
        )
    }

    pub(super) fn send(
        &mut self,
        step: &mut Step<'_>,
        id: &str,
        on: Date,
        rate: Option<Decimal>,
    ) -> Change {
        let done = self.order(id).and_then(|order| {
            transfer::send(order, on, rate)
                .map(|(order, entry)| (order, vec![entry]))
                .map_err(StoreError::from)
        });
        self.acted(step, "treasury.send", done)
    }

    pub(super) fn confirm(
        &mut self,
        step: &mut Step<'_>,
        id: &str,
        on: Date,
        daily_rate: Decimal,
        cap_minor: i64,
    ) -> Change {
        let done = self.order(id).and_then(|order| {
            transfer::confirm(order, on, daily_rate, cap_minor).map_err(StoreError::from)
        });
        self.acted(step, "treasury.confirm", done)
    }

    pub(super) fn approve(
        &mut self,
        step: &mut Step<'_>,
        id: &str,
        amount_minor: i64,
        reason: &str,
    ) -> Change {
        let approval = format!("{}: {reason}", step.actor);
        let done = self.order(id).and_then(|order| {
            transfer::approve_interest(order, amount_minor, approval)
                .map(|order| (order, Vec::new()))
                .map_err(StoreError::from)
        });
        self.acted(step, "treasury.approve_interest", done)
    }

    /// The ledger's rows, in the order the foreign keys need.
    pub(super) async fn flush(self, conn: &mut AnyConnection) -> Result<()> {
        insert_rows(
            conn,
            "ledger_entries (entry_key, kind, state, day, pool, currency, amount_minor, \
             declaration_id, line, created_at, requested_day, audit_seq)",
            &self.entries,
            "",
        )
        .await?;
        insert_rows(
            conn,
            "ledger_postings (entry_key, n, book, account, amount_minor)",
            &self.postings,
            "",
        )
        .await?;
        insert_rows(
            conn,
            "day_closings (state, day, currency, normative_set, special_rule, receipts, closed_at, \
             reported_at, report_deadline, late, actor, audit_seq)",
            &self.closing_rows,
            "",
        )
        .await?;
        insert_rows(
            conn,
            "distribution_shares (state, day, pool, to_state, percent, amount_minor)",
            &self.share_rows,
            "",
        )
        .await?;
        self.flush_orders(conn).await
    }

    async fn flush_orders(&self, conn: &mut AnyConnection) -> Result<()> {
        let now = crate::now_rfc3339()?;
        let orders: Vec<Vec<Param>> = self
            .dirty_orders
            .iter()
            .filter_map(|id| self.orders.get(id))
            .map(|o| order_row(o, &now, self.order_seq.get(&o.id).copied().unwrap_or(0)))
            .collect();
        insert_rows(
            conn,
            "transfer_orders (id, sender, receiver, day, currency, amount_minor, transfer_currency, \
             due_by, status, rate, transfer_amount_minor, sent_on, confirmed_on, days_late, \
             daily_interest_rate, interest_minor, interest_approved_minor, interest_approval, \
             created_at, updated_at, audit_seq)",
            &orders,
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status, rate = excluded.rate, \
             transfer_amount_minor = excluded.transfer_amount_minor, sent_on = excluded.sent_on, \
             confirmed_on = excluded.confirmed_on, days_late = excluded.days_late, \
             daily_interest_rate = excluded.daily_interest_rate, \
             interest_minor = excluded.interest_minor, \
             interest_approved_minor = excluded.interest_approved_minor, \
             interest_approval = excluded.interest_approval, updated_at = excluded.updated_at",
        )
        .await
    }
}

/// An order's row. `made_by` is the audit entry of the closing that made it; an update keeps
/// the one it was made by.
fn order_row(o: &TransferOrder, now: &str, made_by: i64) -> Vec<Param> {
    vec![
        Param::Text(o.id.clone()),
        Param::Text(o.sender.to_string()),
        Param::Text(o.receiver.to_string()),
        day(o.day),
        Param::Text(o.currency.to_string()),
        Param::Int(o.amount_minor),
        Param::Text(o.transfer_currency.to_string()),
        day(o.due_by),
        Param::Text(o.status.as_str().to_owned()),
        Param::OptText(o.rate.map(|r| r.to_string())),
        Param::OptInt(o.transfer_amount_minor),
        Param::OptText(o.sent_on.map(format_date)),
        Param::OptText(o.confirmed_on.map(format_date)),
        Param::OptInt(o.days_late),
        Param::OptText(o.daily_interest_rate.map(|r| r.to_string())),
        Param::OptInt(o.interest_minor),
        Param::OptInt(o.interest_approved_minor),
        Param::OptText(o.interest_approval.clone()),
        Param::Text(now.to_owned()),
        Param::Text(now.to_owned()),
        Param::Int(made_by),
    ]
}

/// The text of an order as its closing made it.
fn order_made_text(o: &TransferOrder) -> String {
    rows::order_made(&rows::OrderMade {
        id: &o.id,
        sender: o.sender.as_str(),
        receiver: o.receiver.as_str(),
        day: &format_date(o.day),
        currency: o.currency.as_str(),
        amount_minor: o.amount_minor,
        transfer_currency: o.transfer_currency.as_str(),
        due_by: &format_date(o.due_by),
    })
}

/// A closed day with its shares.
pub(crate) async fn load_closing(
    conn: &mut AnyConnection,
    state: CountryCode,
    day: Date,
) -> Result<Option<DayClosing>> {
    let Some(row) = sqlx::query(
        "SELECT currency, normative_set, special_rule, receipts, closed_at, reported_at, \
         report_deadline, late FROM day_closings WHERE state = $1 AND day = $2",
    )
    .bind(state.as_str())
    .bind(format_date(day))
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let shares = sqlx::query(
        "SELECT pool, to_state, percent, amount_minor FROM distribution_shares \
         WHERE state = $1 AND day = $2 ORDER BY pool, to_state",
    )
    .bind(state.as_str())
    .bind(format_date(day))
    .fetch_all(&mut *conn)
    .await?;
    let mut pools: Vec<PoolDistribution> = Vec::new();
    for share in shares {
        let pool: String = share.try_get(0)?;
        let pool = Pool::parse(&pool)
            .ok_or_else(|| StoreError::Database(format!("unknown pool {pool:?}")))?;
        if pools.last().is_none_or(|p| p.pool != pool) {
            pools.push(PoolDistribution {
                pool,
                total_minor: 0,
                shares: Vec::new(),
            });
        }
        let Some(current) = pools.last_mut() else {
            continue;
        };
        let amount_minor: i64 = share.try_get(3)?;
        current.total_minor += amount_minor;
        current.shares.push(PoolShare {
            state: parse_state(&share.try_get::<String, _>(1)?)?,
            percent: parse_decimal(&share.try_get::<String, _>(2)?)?,
            amount_minor,
        });
    }
    let rule: String = row.try_get(2)?;
    Ok(Some(DayClosing {
        state,
        day,
        currency: parse_currency(&row.try_get::<String, _>(0)?)?,
        normative_set: row.try_get(1)?,
        special_rule: tamga_treasury::closing::SpecialDutyRule::parse(&rule)
            .ok_or_else(|| StoreError::Database(format!("unknown special-duty rule {rule:?}")))?,
        receipts: row.try_get(3)?,
        closed_at: row.try_get(4)?,
        reported_at: row.try_get(5)?,
        report_deadline: row.try_get(6)?,
        late: row.try_get::<i64, _>(7)? != 0,
        pools,
    }))
}
