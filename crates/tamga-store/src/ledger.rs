//! The treasury's ledger inside a writer batch: receipts when a declaration is released, and
//! the distribution when a day is closed. Double-entry and append-only: every entry's postings
//! sum to zero (debit positive, credit negative), and each entry has a key that makes it
//! happen once: `receipt:{declaration}:{line}:release`, `close:{state}:{day}:{pool}`.
//!
//! Accounts of a state's book: `single_account` (the money), `to_distribute:{pool}` (received,
//! not yet distributed), `budget` (its own share), `due_to:{XX}` (owed to another state) and
//! `due_from:{XX}` (owed by another state: the receiving side of the same distribution, so that
//! both states' books can be reconciled).

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};
use tamga_treasury::{Normatives, split_largest_remainder};

use crate::audit::rows;
use crate::batch::Param::{self, Int, OptInt, OptText, Text};
use crate::{
    DayClosing, PoolDistribution, Result, ShareRecord, SpecialDutyRule, StoreError, TransferOrder,
};

pub const IMPORT_DUTY: &str = "import_duty";
pub const SPECIAL_DUTY: &str = "special_duty";

/// The pool a payment line's money goes to; `None` for what is not distributed (VAT, excise,
/// the customs fee stay with the state).
pub fn pool_of(kind: &str) -> Option<&'static str> {
    match kind {
        "import_duty" => Some(IMPORT_DUTY),
        "safeguard" | "antidumping" | "countervailing" => Some(SPECIAL_DUTY),
        _ => None,
    }
}

/// A payment line of a released declaration, as loaded.
#[derive(Clone, Debug)]
pub(crate) struct LoadedLine {
    pub version: i64,
    pub line: i64,
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
}

/// What the batch knows of the ledger, and the rows it will write.
#[derive(Default)]
pub(crate) struct Ledger {
    pub lines_of: HashMap<String, Vec<LoadedLine>>,
    /// The last closed day of each state involved (ISO text).
    pub last_closed: HashMap<String, Option<String>>,
    pub closings: HashMap<(String, String), DayClosing>,
    /// (state, day, pool) → (net receipts, receipt count), from the database and this batch.
    pub sums: HashMap<(String, String, String), (i64, i64)>,
    pub entries: Vec<Vec<Param>>,
    pub postings: Vec<Vec<Param>>,
    pub closing_rows: Vec<Vec<Param>>,
    pub share_rows: Vec<Vec<Param>>,
    /// Transfer orders loaded or made by this batch, and which of them changed.
    pub orders: HashMap<String, TransferOrder>,
    pub dirty_orders: Vec<String>,
    /// Receipts recorded before (loaded) or by this batch, by key.
    pub known_receipts: HashMap<String, KnownReceipt>,
    /// The audit entry the current command will write: every row it makes names it.
    pub seq: i64,
    /// The canonical texts of the rows the current command made (for its audit entry).
    pub pending: Vec<String>,
    /// The audit entry that made each order of this batch.
    pub order_seq: HashMap<String, i64>,
    /// (sender, receiver) → what the sender's closed days have made it owe the receiver, less
    /// the transfer orders already made: negative after a day of net refunds.
    pub carry: HashMap<(String, String), i64>,
}

/// A refund or penalty-interest receipt as recorded: what a replay is compared with.
#[derive(Clone, Debug)]
pub(crate) struct KnownReceipt {
    pub state: String,
    pub pool: String,
    pub day: String,
    /// The day the request named (the receipt is booked on the next open day if it was closed).
    pub requested_day: String,
    pub amount_minor: i64,
}

fn text_sum(row: &sqlx::any::AnyRow, at: usize) -> Result<i64> {
    let text: Option<String> = row.try_get(at)?;
    text.unwrap_or_else(|| "0".into())
        .parse()
        .map_err(|_| StoreError::Database("a sum is not an integer".into()))
}

const ORDER_COLUMNS: &str = "id, sender, receiver, day, currency, amount_minor, transfer_currency, \
    due_by, status, rate, transfer_amount_minor, sent_on, confirmed_on, days_late, \
    daily_interest_rate, interest_minor, interest_approved_minor, interest_approval";

fn order_from_row(row: &sqlx::any::AnyRow) -> Result<TransferOrder> {
    Ok(TransferOrder {
        id: row.try_get(0)?,
        sender: row.try_get(1)?,
        receiver: row.try_get(2)?,
        day: row.try_get(3)?,
        currency: row.try_get(4)?,
        amount_minor: row.try_get(5)?,
        transfer_currency: row.try_get(6)?,
        due_by: row.try_get(7)?,
        status: row.try_get(8)?,
        rate: row.try_get(9)?,
        transfer_amount_minor: row.try_get(10)?,
        sent_on: row.try_get(11)?,
        confirmed_on: row.try_get(12)?,
        days_late: row.try_get(13)?,
        daily_interest_rate: row.try_get(14)?,
        interest_minor: row.try_get(15)?,
        interest_approved_minor: row.try_get(16)?,
        interest_approval: row.try_get(17)?,
    })
}

/// Every transfer order, for verification.
pub(crate) async fn all_orders(conn: &mut AnyConnection) -> Result<Vec<TransferOrder>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM transfer_orders ORDER BY id");
    // Safe: column names only.
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(order_from_row).collect()
}

fn days_between(from: &str, to: &str) -> Option<i64> {
    let (a, b) = (
        tamga_core::parse_date(from).ok()?,
        tamga_core::parse_date(to).ok()?,
    );
    Some((b - a).whole_days())
}

fn next_day(day: &str) -> Option<String> {
    let date = tamga_core::parse_date(day).ok()?;
    date.next_day().map(tamga_core::format_date)
}

impl Ledger {
    pub async fn load_lines(&mut self, conn: &mut AnyConnection, ids: &[&str]) -> Result<()> {
        let select = "SELECT declaration_id, version, line, kind, amount_minor, currency \
                      FROM payment_lines";
        for row in crate::batch::fetch_in(conn, select, "declaration_id", ids).await? {
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

    pub async fn load_orders(&mut self, conn: &mut AnyConnection, ids: &[&str]) -> Result<()> {
        let select = format!("SELECT {ORDER_COLUMNS} FROM transfer_orders");
        for row in crate::batch::fetch_in(conn, &select, "id", ids).await? {
            let order = order_from_row(&row)?;
            self.orders.insert(order.id.clone(), order);
        }
        Ok(())
    }

    fn touch_order(&mut self, order: TransferOrder) {
        if !self.dirty_orders.contains(&order.id) {
            self.dirty_orders.push(order.id.clone());
        }
        self.orders.insert(order.id.clone(), order);
    }

    /// The order, if it is in `status` (what `doing` needs).
    fn order_in(&self, id: &str, status: &str, doing: &str) -> Result<TransferOrder, StoreError> {
        let order = self
            .orders
            .get(id)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        if order.status != status {
            return Err(StoreError::Conflict(format!(
                "transfer {id} is {}; only a {status} transfer can be {doing}",
                order.status
            )));
        }
        Ok(order)
    }

    /// Sends a due order: the money leaves the sender's single account.
    pub fn send(
        &mut self,
        id: &str,
        on: &str,
        rate: Option<rust_decimal::Decimal>,
        now: &str,
    ) -> Result<TransferOrder, StoreError> {
        let mut order = self.order_in(id, "due", "sent")?;
        let (rate, converted) = if order.transfer_currency == order.currency {
            (rust_decimal::Decimal::ONE, order.amount_minor)
        } else {
            let Some(rate) = rate else {
                return Err(StoreError::Conflict(format!(
                    "transfer {id} is in {}: the rate of {} per {} on {on} is needed",
                    order.transfer_currency, order.currency, order.transfer_currency
                )));
            };
            match tamga_treasury::convert_transfer(order.amount_minor, rate) {
                Some(converted) => (rate, converted),
                None => {
                    return Err(StoreError::Conflict(format!(
                        "the rate {rate} is not a positive number"
                    )));
                }
            }
        };
        order.status = "sent".into();
        order.rate = Some(rate.to_string());
        order.transfer_amount_minor = Some(converted);
        order.sent_on = Some(on.to_owned());
        let key = format!("transfer:{id}:sent");
        self.push_entry(&rows::LedgerEntry {
            key: &key,
            kind: "transfer_sent",
            state: &order.sender,
            day: on,
            pool: "transfer",
            currency: &order.currency,
            amount_minor: order.amount_minor,
            declaration: None,
            line: None,
            requested_day: None,
            created_at: now,
        });
        self.post(
            &key,
            &order.sender,
            &format!("due_to:{}", order.receiver),
            order.amount_minor,
            1,
        );
        self.post(
            &key,
            &order.sender,
            "single_account",
            -order.amount_minor,
            2,
        );
        self.touch_order(order.clone());
        Ok(order)
    }

    /// Confirms a sent order; after its deadline, interest on the whole debt for each day late.
    /// Interest above `interest_cap_minor` (and above any amount approved for the order) is
    /// refused: it needs a separate approval first.
    pub fn confirm(
        &mut self,
        id: &str,
        on: &str,
        daily_rate: rust_decimal::Decimal,
        interest_cap_minor: i64,
        now: &str,
    ) -> Result<TransferOrder, StoreError> {
        let mut order = self.order_in(id, "sent", "confirmed")?;
        if order.sent_on.as_deref().is_some_and(|sent| on < sent) {
            return Err(StoreError::Conflict(format!(
                "transfer {id} was sent on {}; it cannot be confirmed on {on}, before that",
                order.sent_on.as_deref().unwrap_or_default()
            )));
        }
        let days_late = days_between(&order.due_by, on).unwrap_or(0).max(0);
        let interest = tamga_treasury::late_interest(order.amount_minor, daily_rate, days_late)
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "the interest on transfer {id} for {days_late} days is beyond any amount"
                ))
            })?;
        let allowed = interest_cap_minor.max(order.interest_approved_minor.unwrap_or(0));
        if interest > allowed {
            return Err(StoreError::InterestOverCap {
                id: id.to_owned(),
                interest_minor: interest,
                cap_minor: allowed,
                days_late,
            });
        }
        order.status = "confirmed".into();
        order.confirmed_on = Some(on.to_owned());
        order.days_late = Some(days_late);
        order.daily_interest_rate = Some(daily_rate.to_string());
        order.interest_minor = Some(interest);
        let (sender, receiver) = (order.sender.clone(), order.receiver.clone());
        let key = format!("transfer:{id}:confirmed");
        self.push_entry(&rows::LedgerEntry {
            key: &key,
            kind: "transfer_confirmed",
            state: &receiver,
            day: on,
            pool: "transfer",
            currency: &order.currency,
            amount_minor: order.amount_minor,
            declaration: None,
            line: None,
            requested_day: None,
            created_at: now,
        });
        self.post(
            &key,
            &receiver,
            &format!("received_from:{sender}"),
            order.amount_minor,
            1,
        );
        self.post(
            &key,
            &receiver,
            &format!("due_from:{sender}"),
            -order.amount_minor,
            2,
        );
        if interest != 0 {
            let key = format!("transfer:{id}:interest");
            self.push_entry(&rows::LedgerEntry {
                key: &key,
                kind: "late_interest",
                state: &sender,
                day: on,
                pool: "transfer",
                currency: &order.currency,
                amount_minor: interest,
                declaration: None,
                line: None,
                requested_day: None,
                created_at: now,
            });
            self.post(&key, &sender, "interest_expense", interest, 1);
            self.post(&key, &sender, &format!("due_to:{receiver}"), -interest, 2);
            self.post(&key, &receiver, &format!("due_from:{sender}"), interest, 3);
            self.post(&key, &receiver, "interest_income", -interest, 4);
        }
        self.touch_order(order.clone());
        Ok(order)
    }

    /// Approves interest above the cap on an order not yet confirmed, up to `amount_minor`:
    /// who approves and why is kept on the order and in the audit log.
    pub fn approve_interest(
        &mut self,
        id: &str,
        amount_minor: i64,
        approval: &str,
    ) -> Result<TransferOrder, StoreError> {
        let mut order = self
            .orders
            .get(id)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        if order.status == "confirmed" {
            return Err(StoreError::Conflict(format!(
                "transfer {id} is confirmed already; its interest is booked"
            )));
        }
        order.interest_approved_minor = Some(amount_minor);
        order.interest_approval = Some(approval.to_owned());
        self.touch_order(order.clone());
        Ok(order)
    }

    /// Loads the refund and penalty-interest receipts these requests name: by their key, and
    /// by the key written before receipts were scoped by state (`{event}:{reference}`), which
    /// counts only for the state that wrote it.
    pub async fn load_receipt_keys(
        &mut self,
        conn: &mut AnyConnection,
        keys: &[(String, String, String)],
    ) -> Result<()> {
        let mut wanted: Vec<&str> = Vec::with_capacity(2 * keys.len());
        for (key, legacy, _) in keys {
            wanted.push(key);
            wanted.push(legacy);
        }
        let select = "SELECT entry_key, state, pool, day, requested_day, amount_minor \
                      FROM ledger_entries";
        let mut found: HashMap<String, KnownReceipt> = HashMap::new();
        for row in crate::batch::fetch_in(conn, select, "entry_key", &wanted).await? {
            let day: String = row.try_get(3)?;
            let requested: Option<String> = row.try_get(4)?;
            found.insert(
                row.try_get(0)?,
                KnownReceipt {
                    state: row.try_get(1)?,
                    pool: row.try_get(2)?,
                    requested_day: requested.unwrap_or_else(|| day.clone()),
                    day,
                    amount_minor: row.try_get(5)?,
                },
            );
        }
        for (key, legacy, state) in keys {
            let known = found
                .get(key)
                .or_else(|| found.get(legacy).filter(|k| k.state == *state));
            if let Some(known) = known {
                self.known_receipts.insert(key.clone(), known.clone());
            }
        }
        Ok(())
    }

    /// The first day of `state` not yet closed, from `day` on. A receipt is never booked on a
    /// closed day: when no later day exists (the last day of the calendar was closed), there
    /// is nowhere to book it, and it is refused.
    fn open_day(&self, state: &str, day: &str) -> Result<String, StoreError> {
        match self.last_closed.get(state).cloned().flatten() {
            Some(last) if last.as_str() >= day => next_day(&last).ok_or_else(|| {
                StoreError::Conflict(format!(
                    "{state} has closed {last}, and no later day is open to book a receipt on"
                ))
            }),
            _ => Ok(day.to_owned()),
        }
    }

    /// A refund or penalty interest: one receipt entry, once per key. A replay with the same
    /// amount, pool and day answers the entry recorded; one that differs is refused.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        key: &str,
        state: &str,
        day: &str,
        currency: &str,
        pool: &str,
        amount_minor: i64,
        now: &str,
    ) -> Result<(String, i64, bool), StoreError> {
        if let Some(known) = self.known_receipts.get(key) {
            if known.amount_minor != amount_minor
                || known.pool != pool
                || known.requested_day != day
            {
                return Err(StoreError::Conflict(format!(
                    "receipt {key} was recorded with {} minor units of {} for {}; this request \
                     says {amount_minor} of {pool} for {day}: a reference is used once",
                    known.amount_minor, known.pool, known.requested_day
                )));
            }
            return Ok((known.day.clone(), known.amount_minor, true));
        }
        let booked = self.open_day(state, day)?;
        self.credit(&rows::LedgerEntry {
            key,
            kind: "receipt",
            state,
            day: &booked,
            pool,
            currency,
            amount_minor,
            declaration: None,
            line: None,
            requested_day: Some(day),
            created_at: now,
        });
        self.known_receipts.insert(
            key.to_owned(),
            KnownReceipt {
                state: state.to_owned(),
                pool: pool.to_owned(),
                day: booked.clone(),
                requested_day: day.to_owned(),
                amount_minor,
            },
        );
        Ok((booked, amount_minor, false))
    }

    pub async fn load_last_closed(&mut self, conn: &mut AnyConnection, state: &str) -> Result<()> {
        if self.last_closed.contains_key(state) {
            return Ok(());
        }
        let row = sqlx::query("SELECT MAX(day) FROM day_closings WHERE state = $1")
            .bind(state)
            .fetch_one(&mut *conn)
            .await?;
        self.last_closed
            .insert(state.to_owned(), row.try_get::<Option<String>, _>(0)?);
        Ok(())
    }

    pub async fn load_for_close(
        &mut self,
        conn: &mut AnyConnection,
        state: &str,
        day: &str,
        currency: &str,
    ) -> Result<()> {
        // What earlier days left owed or overpaid, per receiver, in this currency.
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
        for row in &shares {
            let receiver: String = row.try_get(0)?;
            self.carry
                .insert((state.to_owned(), receiver), text_sum(row, 1)?);
        }
        for row in &orders {
            let receiver: String = row.try_get(0)?;
            *self.carry.entry((state.to_owned(), receiver)).or_default() -= text_sum(row, 1)?;
        }
        let key = (state.to_owned(), day.to_owned());
        if let Some(closing) = load_closing(&mut *conn, state, day).await? {
            self.closings.insert(key, closing);
            return Ok(());
        }
        let rows = sqlx::query(
            "SELECT pool, CAST(SUM(amount_minor) AS TEXT), COUNT(*) FROM ledger_entries \
             WHERE state = $1 AND day = $2 AND kind = 'receipt' GROUP BY pool",
        )
        .bind(state)
        .bind(day)
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let pool: String = row.try_get(0)?;
            // SUM of BIGINT is NUMERIC on PostgreSQL, which `Any` cannot carry: as text, exactly.
            let sum: i64 = row
                .try_get::<String, _>(1)?
                .parse()
                .map_err(|_| StoreError::Database("a receipt sum is not an integer".into()))?;
            self.sums.insert(
                (state.to_owned(), day.to_owned(), pool),
                (sum, row.try_get(2)?),
            );
        }
        Ok(())
    }

    /// The receipts of a released declaration: one entry per distributed payment line, on the
    /// first day of the state that is not yet closed.
    pub fn receive(
        &mut self,
        id: &str,
        version: i64,
        state: &str,
        day: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let day = self.open_day(state, day)?;
        let lines: Vec<LoadedLine> = self
            .lines_of
            .get(id)
            .map(|l| l.iter().filter(|l| l.version == version).cloned().collect())
            .unwrap_or_default();
        for line in lines {
            let Some(pool) = pool_of(&line.kind) else {
                continue;
            };
            let key = format!("receipt:{id}:{}:release", line.line);
            self.credit(&rows::LedgerEntry {
                key: &key,
                kind: "receipt",
                state,
                day: &day,
                pool,
                currency: &line.currency,
                amount_minor: line.amount_minor,
                declaration: Some(id),
                line: Some(line.line),
                requested_day: None,
                created_at: now,
            });
        }
        Ok(())
    }

    /// A receipt on a state's single account: the money in, to be distributed with its day.
    fn credit(&mut self, entry: &rows::LedgerEntry<'_>) {
        debug_assert_eq!(entry.kind, "receipt");
        self.push_entry(entry);
        let (key, state, pool, amount_minor) =
            (entry.key, entry.state, entry.pool, entry.amount_minor);
        self.post(key, state, "single_account", amount_minor, 1);
        self.post(
            key,
            state,
            &format!("to_distribute:{pool}"),
            -amount_minor,
            2,
        );
        let sum = self
            .sums
            .entry((state.to_owned(), entry.day.to_owned(), pool.to_owned()))
            .or_insert((0, 0));
        sum.0 += amount_minor;
        sum.1 += 1;
    }

    /// A `ledger_entries` row of the current command.
    fn push_entry(&mut self, e: &rows::LedgerEntry<'_>) {
        self.pending.push(rows::ledger_entry(e));
        self.entries.push(vec![
            Text(e.key.to_owned()),
            Text(e.kind.to_owned()),
            Text(e.state.to_owned()),
            Text(e.day.to_owned()),
            Text(e.pool.to_owned()),
            Text(e.currency.to_owned()),
            Int(e.amount_minor),
            OptText(e.declaration.map(str::to_owned)),
            OptInt(e.line),
            Text(e.created_at.to_owned()),
            OptText(e.requested_day.map(str::to_owned)),
            Int(self.seq),
        ]);
    }

    fn post(&mut self, key: &str, book: &str, account: &str, amount_minor: i64, n: i64) {
        self.pending
            .push(rows::posting(key, n, book, account, amount_minor));
        self.postings.push(vec![
            Text(key.to_owned()),
            Int(n),
            Text(book.to_owned()),
            Text(account.to_owned()),
            Int(amount_minor),
        ]);
    }

    /// Closes a day: each pool's net receipts split by the normatives (or, for special duties
    /// under `CollectingState`, kept whole), posted to the closing state's book and to the
    /// books of the states it owes. Returns the closing and whether it existed already.
    #[allow(clippy::too_many_arguments)]
    pub fn close(
        &mut self,
        actor: &str,
        now: &str,
        state: &str,
        day: &str,
        currency: &str,
        normatives: &Normatives,
        rule: SpecialDutyRule,
        transfer_currencies: &[(String, String)],
        due_by: &str,
        report: (&str, &str, bool),
    ) -> Result<(DayClosing, bool)> {
        let key = (state.to_owned(), day.to_owned());
        if let Some(existing) = self.closings.get(&key) {
            return Ok((existing.clone(), true));
        }
        let mut pools = Vec::new();
        let mut receipts = 0;
        for pool in [IMPORT_DUTY, SPECIAL_DUTY] {
            let (total, count) = self
                .sums
                .get(&(state.to_owned(), day.to_owned(), pool.to_owned()))
                .copied()
                .unwrap_or((0, 0));
            receipts += count;
            let mut shares: Vec<ShareRecord> =
                if pool == SPECIAL_DUTY && rule == SpecialDutyRule::CollectingState {
                    vec![ShareRecord {
                        state: state.to_owned(),
                        percent: "100".into(),
                        amount_minor: total,
                    }]
                } else {
                    let mut out = vec![0i64; normatives.len()];
                    split_largest_remainder(total, normatives, &mut out)
                        .map_err(|e| StoreError::Conflict(e.to_string()))?;
                    normatives
                        .states
                        .iter()
                        .zip(&normatives.percents)
                        .zip(out)
                        .map(|((s, p), amount_minor)| ShareRecord {
                            state: s.to_string(),
                            percent: p.to_string(),
                            amount_minor,
                        })
                        .collect()
                };
            // In ISO code order, as a stored closing is read back.
            shares.sort_by(|a, b| a.state.cmp(&b.state));
            self.distribute(state, day, pool, currency, total, &shares, now);
            for share in &shares {
                self.pending.push(rows::share(
                    state,
                    day,
                    pool,
                    &share.state,
                    &share.percent,
                    share.amount_minor,
                ));
                self.share_rows.push(vec![
                    Text(state.to_owned()),
                    Text(day.to_owned()),
                    Text(pool.to_owned()),
                    Text(share.state.clone()),
                    Text(share.percent.clone()),
                    Int(share.amount_minor),
                ]);
            }
            pools.push(PoolDistribution {
                pool: pool.to_owned(),
                total_minor: total,
                shares,
            });
        }
        let closing = DayClosing {
            state: state.to_owned(),
            day: day.to_owned(),
            currency: currency.to_owned(),
            normative_set: normatives.set.clone(),
            special_rule: rule.as_str().to_owned(),
            receipts,
            closed_at: now.to_owned(),
            reported_at: report.0.to_owned(),
            report_deadline: report.1.to_owned(),
            late: report.2,
            pools,
        };
        self.pending.push(rows::closing(&rows::Closing {
            state,
            day,
            currency,
            normative_set: &closing.normative_set,
            special_rule: &closing.special_rule,
            receipts,
            closed_at: now,
            reported_at: report.0,
            report_deadline: report.1,
            late: report.2,
            actor,
        }));
        self.closing_rows.push(vec![
            Text(state.to_owned()),
            Text(day.to_owned()),
            Text(currency.to_owned()),
            Text(closing.normative_set.clone()),
            Text(closing.special_rule.clone()),
            Int(receipts),
            Text(now.to_owned()),
            Text(report.0.to_owned()),
            Text(report.1.to_owned()),
            Int(i64::from(report.2)),
            Text(actor.to_owned()),
            Int(self.seq),
        ]);
        // What the state owes each other state becomes a transfer order: the day's shares plus
        // what earlier days carried (a day of net refunds leaves the receiver owing it back,
        // which the next order between them nets out).
        let mut owed: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
        for pool in &closing.pools {
            for share in pool.shares.iter().filter(|s| s.state != state) {
                *owed.entry(share.state.clone()).or_default() += share.amount_minor;
            }
        }
        for (receiver, amount) in owed.iter_mut() {
            let carried = self
                .carry
                .entry((state.to_owned(), receiver.clone()))
                .or_default();
            *amount += *carried;
            *carried = if *amount > 0 { 0 } else { *amount };
        }
        for (receiver, amount) in owed.into_iter().filter(|(_, a)| *a > 0) {
            let receiver = receiver.as_str();
            let transfer_currency = transfer_currencies
                .iter()
                .find(|(r, _)| r == receiver)
                .map(|(_, c)| c.clone())
                .unwrap_or_else(|| currency.to_owned());
            let id = format!("tr:{state}:{receiver}:{day}");
            self.pending.push(rows::order_made(
                &id,
                state,
                receiver,
                day,
                currency,
                amount,
                &transfer_currency,
                due_by,
            ));
            self.order_seq.insert(id.clone(), self.seq);
            self.touch_order(TransferOrder {
                id,
                sender: state.to_owned(),
                receiver: receiver.to_owned(),
                day: day.to_owned(),
                currency: currency.to_owned(),
                amount_minor: amount,
                transfer_currency,
                due_by: due_by.to_owned(),
                status: "due".into(),
                rate: None,
                transfer_amount_minor: None,
                sent_on: None,
                confirmed_on: None,
                days_late: None,
                daily_interest_rate: None,
                interest_minor: None,
                interest_approved_minor: None,
                interest_approval: None,
            });
        }
        self.closings.insert(key, closing.clone());
        let last = self.last_closed.entry(state.to_owned()).or_insert(None);
        if last.as_deref().is_none_or(|l| l < day) {
            *last = Some(day.to_owned());
        }
        Ok((closing, false))
    }

    /// The entries of one pool's distribution.
    #[allow(clippy::too_many_arguments)]
    fn distribute(
        &mut self,
        state: &str,
        day: &str,
        pool: &str,
        currency: &str,
        total: i64,
        shares: &[ShareRecord],
        now: &str,
    ) {
        if total == 0 {
            return;
        }
        // The entries' common fields; each sets its key, kind and amount.
        let common = rows::LedgerEntry {
            key: "",
            kind: "distribution",
            state,
            day,
            pool,
            currency,
            amount_minor: 0,
            declaration: None,
            line: None,
            requested_day: None,
            created_at: now,
        };
        let key = format!("close:{state}:{day}:{pool}");
        self.push_entry(&rows::LedgerEntry {
            key: &key,
            amount_minor: total,
            ..common
        });
        self.post(&key, state, &format!("to_distribute:{pool}"), total, 1);
        for (i, share) in shares.iter().enumerate() {
            let account = if share.state == state {
                "budget".to_owned()
            } else {
                format!("due_to:{}", share.state)
            };
            self.post(&key, state, &account, -share.amount_minor, i as i64 + 2);
        }
        for share in shares
            .iter()
            .filter(|s| s.state != state && s.amount_minor != 0)
        {
            let due_key = format!("{key}:{}", share.state);
            self.push_entry(&rows::LedgerEntry {
                key: &due_key,
                kind: "distribution_due",
                amount_minor: share.amount_minor,
                ..common
            });
            self.post(
                &due_key,
                &share.state,
                &format!("due_from:{state}"),
                share.amount_minor,
                1,
            );
            self.post(&due_key, &share.state, "budget", -share.amount_minor, 2);
        }
    }
}

/// A closed day with its shares.
pub(crate) async fn load_closing(
    conn: &mut AnyConnection,
    state: &str,
    day: &str,
) -> Result<Option<DayClosing>> {
    let Some(row) = sqlx::query(
        "SELECT currency, normative_set, special_rule, receipts, closed_at, reported_at, \
         report_deadline, late FROM day_closings \
         WHERE state = $1 AND day = $2",
    )
    .bind(state)
    .bind(day)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let shares = sqlx::query(
        "SELECT pool, to_state, percent, amount_minor FROM distribution_shares \
         WHERE state = $1 AND day = $2 ORDER BY pool, to_state",
    )
    .bind(state)
    .bind(day)
    .fetch_all(&mut *conn)
    .await?;
    let mut pools: Vec<PoolDistribution> = Vec::new();
    for share in shares {
        let pool: String = share.try_get(0)?;
        if pools.last().is_none_or(|p| p.pool != pool) {
            pools.push(PoolDistribution {
                pool: pool.clone(),
                total_minor: 0,
                shares: Vec::new(),
            });
        }
        let current = pools.last_mut().expect("pushed above");
        let amount_minor: i64 = share.try_get(3)?;
        current.total_minor += amount_minor;
        current.shares.push(ShareRecord {
            state: share.try_get(1)?,
            percent: share.try_get(2)?,
            amount_minor,
        });
    }
    Ok(Some(DayClosing {
        state: state.to_owned(),
        day: day.to_owned(),
        currency: row.try_get(0)?,
        normative_set: row.try_get(1)?,
        special_rule: row.try_get(2)?,
        receipts: row.try_get(3)?,
        closed_at: row.try_get(4)?,
        reported_at: row.try_get(5)?,
        report_deadline: row.try_get(6)?,
        late: row.try_get::<i64, _>(7)? != 0,
        pools,
    }))
}

/// The ledger's rows, in the order the foreign keys need.
pub(crate) async fn flush(ledger: &Ledger, conn: &mut AnyConnection) -> Result<()> {
    use crate::batch::insert_rows;
    insert_rows(
        conn,
        "ledger_entries (entry_key, kind, state, day, pool, currency, amount_minor, \
         declaration_id, line, created_at, requested_day, audit_seq)",
        &ledger.entries,
        "",
    )
    .await?;
    insert_rows(
        conn,
        "ledger_postings (entry_key, n, book, account, amount_minor)",
        &ledger.postings,
        "",
    )
    .await?;
    insert_rows(
        conn,
        "day_closings (state, day, currency, normative_set, special_rule, receipts, closed_at, \
         reported_at, report_deadline, late, actor, audit_seq)",
        &ledger.closing_rows,
        "",
    )
    .await?;
    insert_rows(
        conn,
        "distribution_shares (state, day, pool, to_state, percent, amount_minor)",
        &ledger.share_rows,
        "",
    )
    .await?;
    let now = crate::writer::now_rfc3339();
    let orders: Vec<Vec<Param>> = ledger
        .dirty_orders
        .iter()
        .filter_map(|id| ledger.orders.get(id))
        .map(|o| {
            vec![
                Text(o.id.clone()),
                Text(o.sender.clone()),
                Text(o.receiver.clone()),
                Text(o.day.clone()),
                Text(o.currency.clone()),
                Int(o.amount_minor),
                Text(o.transfer_currency.clone()),
                Text(o.due_by.clone()),
                Text(o.status.clone()),
                OptText(o.rate.clone()),
                OptInt(o.transfer_amount_minor),
                OptText(o.sent_on.clone()),
                OptText(o.confirmed_on.clone()),
                OptInt(o.days_late),
                OptText(o.daily_interest_rate.clone()),
                OptInt(o.interest_minor),
                OptInt(o.interest_approved_minor),
                OptText(o.interest_approval.clone()),
                Text(now.clone()),
                Text(now.clone()),
                // Set when the order is made; an update keeps the one it was made by.
                Int(ledger.order_seq.get(&o.id).copied().unwrap_or(0)),
            ]
        })
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

impl crate::Store {
    /// A state's closed day, with its distribution.
    pub async fn day_closing(&self, state: &str, day: &str) -> Result<Option<DayClosing>> {
        self.bounded(async { load_closing(&mut *self.reader().await?, state, day).await })
            .await
    }

    /// A state's closed days from `from` to `to` (inclusive, ISO days), oldest first.
    pub async fn day_closings(&self, state: &str, from: &str, to: &str) -> Result<Vec<DayClosing>> {
        self.bounded(async {
            let mut conn = self.reader().await?;
            let days = sqlx::query(
                "SELECT day FROM day_closings WHERE state = $1 AND day >= $2 AND day <= $3 ORDER BY day",
            )
            .bind(state)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *conn)
            .await?;
            let mut closings = Vec::with_capacity(days.len());
            for row in days {
                let day: String = row.try_get(0)?;
                if let Some(closing) = load_closing(&mut conn, state, &day).await? {
                    closings.push(closing);
                }
            }
            Ok(closings)
        })
        .await
    }

    /// The receipts of a state's day not yet distributed: (pool, net amount, count).
    pub async fn open_receipts(&self, state: &str, day: &str) -> Result<Vec<(String, i64, i64)>> {
        self.bounded(async {
            let rows = sqlx::query(
                "SELECT pool, CAST(SUM(amount_minor) AS TEXT), COUNT(*) FROM ledger_entries \
                 WHERE state = $1 AND day = $2 AND kind = 'receipt' GROUP BY pool ORDER BY pool",
            )
            .bind(state)
            .bind(day)
            .fetch_all(&mut *self.reader().await?)
            .await?;
            rows.iter()
                .map(|r| {
                    let sum: String = r.try_get(1)?;
                    Ok((
                        r.try_get(0)?,
                        sum.parse().map_err(|_| {
                            StoreError::Database("a receipt sum is not an integer".into())
                        })?,
                        r.try_get(2)?,
                    ))
                })
                .collect()
        })
        .await
    }
}

/// What two states' books say about one debt over a period: what the debtor's book says it owes
/// (`due_to:{creditor}`) and what the creditor's book says it is owed (`due_from:{debtor}`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PairBalance {
    pub debtor: String,
    pub creditor: String,
    pub currency: String,
    /// In the debtor's book, as an amount owed (positive).
    pub debtor_says_minor: i64,
    /// In the creditor's book, as an amount due to it (positive).
    pub creditor_says_minor: i64,
    pub difference_minor: i64,
    /// The entries behind a difference (empty when the books agree).
    pub unmatched_entries: Vec<String>,
}

/// Receipts of a state's day that were credited and not distributed: the balance of its
/// `to_distribute` account for that day and pool.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Undistributed {
    pub state: String,
    pub day: String,
    pub pool: String,
    pub currency: String,
    pub amount_minor: i64,
    /// True when the day was closed: money stranded on a closed day, which the store never
    /// books and which only an edit behind its back can leave.
    pub day_closed: bool,
}

impl crate::Store {
    /// Every receipt balance left undistributed on the days `from`..=`to`, by state, day and
    /// pool.
    pub async fn undistributed(&self, from: &str, to: &str) -> Result<Vec<Undistributed>> {
        self.bounded(async {
            let rows = sqlx::query(
                "SELECT e.state, e.day, e.pool, e.currency, CAST(SUM(p.amount_minor) AS TEXT), \
                 COUNT(c.day) \
                 FROM ledger_postings p JOIN ledger_entries e ON e.entry_key = p.entry_key \
                 LEFT JOIN day_closings c ON c.state = e.state AND c.day = e.day \
                 WHERE e.day >= $1 AND e.day <= $2 AND p.account LIKE 'to_distribute:%' \
                 GROUP BY e.state, e.day, e.pool, e.currency ORDER BY e.state, e.day, e.pool",
            )
            .bind(from)
            .bind(to)
            .fetch_all(&mut *self.reader().await?)
            .await?;
            let mut out = Vec::new();
            for row in rows {
                // Credits are negative on `to_distribute`: what is left is owed to the pool.
                let balance = -text_sum(&row, 4)?;
                if balance == 0 {
                    continue;
                }
                out.push(Undistributed {
                    state: row.try_get(0)?,
                    day: row.try_get(1)?,
                    pool: row.try_get(2)?,
                    currency: row.try_get(3)?,
                    amount_minor: balance,
                    day_closed: row.try_get::<i64, _>(5)? != 0,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Reconciles every pair of books over the days `from`..=`to`: for each debt, what the
    /// debtor's book says against what the creditor's says, and the entries that appear on one
    /// side only or with different amounts.
    pub async fn reconcile(&self, from: &str, to: &str) -> Result<Vec<PairBalance>> {
        self.bounded(async {
            let rows = sqlx::query(
                "SELECT p.book, p.account, e.currency, p.entry_key, p.amount_minor, e.state \
                 FROM ledger_postings p JOIN ledger_entries e ON e.entry_key = p.entry_key \
                 WHERE e.day >= $1 AND e.day <= $2 AND e.kind <> 'receipt' \
                 AND (p.account LIKE 'due_to:%' OR p.account LIKE 'due_from:%') \
                 ORDER BY p.entry_key",
            )
            .bind(from)
            .bind(to)
            .fetch_all(&mut *self.reader().await?)
            .await?;
            // (debtor, creditor, currency) → entry group → (debtor side, creditor side)
            type Sides = (i64, i64);
            let mut pairs: std::collections::BTreeMap<
                (String, String, String),
                std::collections::BTreeMap<String, Sides>,
            > = std::collections::BTreeMap::new();
            for row in rows {
                let book: String = row.try_get(0)?;
                let account: String = row.try_get(1)?;
                let currency: String = row.try_get(2)?;
                let key: String = row.try_get(3)?;
                let amount: i64 = row.try_get(4)?;
                // A distribution `close:S:D:P` and its receiving side `close:S:D:P:T` are one debt;
                // a transfer's events `transfer:{order}:{event}` are one movement of it.
                let transfer_group = key
                    .starts_with("transfer:")
                    .then(|| key.rsplit_once(':').map(|(g, _)| g.to_owned()))
                    .flatten();
                if let Some(creditor) = account.strip_prefix("due_to:") {
                    let group = transfer_group
                        .clone()
                        .unwrap_or_else(|| format!("{key}:{creditor}"));
                    let sides = pairs
                        .entry((book.clone(), creditor.to_owned(), currency))
                        .or_default()
                        .entry(group)
                        .or_default();
                    sides.0 += -amount;
                } else if let Some(debtor) = account.strip_prefix("due_from:") {
                    let sides = pairs
                        .entry((debtor.to_owned(), book.clone(), currency))
                        .or_default()
                        .entry(transfer_group.unwrap_or(key))
                        .or_default();
                    sides.1 += amount;
                }
            }
            Ok(pairs
                .into_iter()
                .map(|((debtor, creditor, currency), groups)| {
                    let debtor_says: i64 = groups.values().map(|s| s.0).sum();
                    let creditor_says: i64 = groups.values().map(|s| s.1).sum();
                    PairBalance {
                        debtor,
                        creditor,
                        currency,
                        debtor_says_minor: debtor_says,
                        creditor_says_minor: creditor_says,
                        difference_minor: debtor_says - creditor_says,
                        unmatched_entries: groups
                            .into_iter()
                            .filter(|(_, s)| s.0 != s.1)
                            .map(|(k, _)| k)
                            .collect(),
                    }
                })
                .collect())
        })
        .await
    }
}

impl crate::Store {
    /// The transfer orders a state sends or receives, oldest day first.
    pub async fn transfers(&self, state: &str) -> Result<Vec<TransferOrder>> {
        self.bounded(async {
            let sql = format!(
                "SELECT {ORDER_COLUMNS} FROM transfer_orders WHERE sender = $1 OR receiver = $1 \
                 ORDER BY day, id"
            );
            // Safe: column names only; the state is bound.
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(state)
                .fetch_all(&mut *self.reader().await?)
                .await?;
            rows.iter().map(order_from_row).collect()
        })
        .await
    }

    pub async fn transfer(&self, id: &str) -> Result<Option<TransferOrder>> {
        self.bounded(async {
            let sql = format!("SELECT {ORDER_COLUMNS} FROM transfer_orders WHERE id = $1");
            // Safe: column names only; the id is bound.
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
            row.as_ref().map(order_from_row).transpose()
        })
        .await
    }
}
