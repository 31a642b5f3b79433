//! The treasury's use cases: closing a day of a state's single account, refunds and penalty
//! interest, transfer orders and their interest, and reconciliation of the books.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use tamga_core::{CountryCode, CurrencyCode, Date, format_date};
use tamga_store::{
    CloseDay, Command, DayClosing, NewReceipt, PairBalance, ReceiptRecord, Role, TransferOrder,
    Undistributed, WriteOutcome, WriteRequest,
};
use tamga_treasury::closing::SpecialDutyRule;
use tamga_treasury::ledger::{Pool, ReceiptEvent};

use crate::assessment::{money_amount, utc_seconds};
use crate::{Actor, App, AppError, FieldProblem, Result};

/// The default daily interest on a late transfer: 0.01 % a day, a placeholder until the legal
/// rate is read (the 2010 agreement on the distribution of import duties, Art. 7, names
/// interest for the delay but its rate was not read).
pub const DEFAULT_LATE_INTEREST: Decimal = Decimal::from_parts(1, 0, 0, false, 4);

/// The treasury's configurable rules (docs/treasury.md).
#[derive(Clone, Debug)]
pub struct TreasuryRules {
    pub special_duty_rule: SpecialDutyRule,
    /// Interest per calendar day on a transfer confirmed after its deadline (a fraction; the
    /// legal rate is unverified).
    pub late_interest_daily_rate: Decimal,
    /// How many days before the business date a receipt, a transfer's sending or confirmation,
    /// or a closed day may be dated.
    pub money_date_window_days: u16,
    /// The most interest a confirmation books without an approval, in percent of the debt.
    pub interest_cap_percent: Decimal,
}

impl Default for TreasuryRules {
    fn default() -> TreasuryRules {
        TreasuryRules {
            special_duty_rule: SpecialDutyRule::Normatives,
            late_interest_daily_rate: DEFAULT_LATE_INTEREST,
            money_date_window_days: tamga_treasury::bounds::DEFAULT_WINDOW_DAYS,
            interest_cap_percent: tamga_treasury::bounds::DEFAULT_INTEREST_CAP_PERCENT,
        }
    }
}

/// A refund or penalty interest as asked for: each field is checked, and every problem named.
#[derive(Clone, Debug, Default)]
pub struct ReceiptRequest {
    /// `refund` or `penalty_interest`.
    pub event: Option<String>,
    /// `import_duty` (default) or `special_duty`.
    pub pool: Option<String>,
    /// Positive, in the state's national currency (`1500.00`).
    pub amount: Option<String>,
    pub reference: Option<String>,
    /// Default the business date.
    pub date: Option<Date>,
}

/// A transfer's sending or confirmation: the day (default the business date) and, to send,
/// the rate.
#[derive(Clone, Debug, Default)]
pub struct TransferAction {
    pub date: Option<Date>,
    pub rate: Option<String>,
}

/// An approval of interest above the cap.
#[derive(Clone, Debug, Default)]
pub struct InterestApproval {
    pub amount: Option<String>,
    pub reason: Option<String>,
}

/// Every pair of books side by side, and what is received and not distributed.
#[derive(Clone, Debug)]
pub struct Reconciliation {
    pub from: Date,
    pub to: Date,
    pub books_agree: bool,
    /// The books agree and nothing received in the period is left undistributed.
    pub clean: bool,
    pub pairs: Vec<PairBalance>,
    pub undistributed: Vec<Undistributed>,
}

const MAX_REASON: usize = 2000;

/// The last day to confirm the transfers of a reporting day: the next day. The deadline is
/// believed to be "the working day after the reporting day" (EAEU Treaty, Annex 5; the wording
/// was not read: unverified); tamga has no calendar of working days, so it takes the next
/// calendar day.
pub fn transfer_deadline(day: Date) -> Date {
    day.next_day().unwrap_or(day)
}

fn member_state(text: &str) -> Result<CountryCode> {
    CountryCode::parse(text).map_err(|_| AppError::not_found("such single account"))
}

impl App {
    /// The command that closes a state's day: the normatives in force that day, the state's
    /// currency then, the transfer currencies and the report's deadline. Errors name what is
    /// missing: a state not a member on the day, a day not ended, a day before the first
    /// normatives.
    pub fn close_day_command(&self, state: CountryCode, day: Date) -> Result<CloseDay> {
        let snapshot = self.snapshot();
        let currency = snapshot
            .state_currency_on(state, day)
            .filter(|_| {
                snapshot
                    .member_states
                    .iter()
                    .any(|m| m.state == state && m.membership.contains(day))
            })
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "single account of {state} on {}: not a member state that day",
                    format_date(day)
                ))
            })?;
        // A day is closed once it has ended; a later one would strand every receipt before it.
        self.money_dates()
            .check_closing(day)
            .map_err(|e| AppError::invalid_at("date", e.to_string()))?;
        let normatives = tamga_treasury::Normatives::on(snapshot, day)
            .map_err(|e| AppError::invalid_at("date", e.to_string()))?;
        let transfer_currencies: BTreeMap<CountryCode, CurrencyCode> = normatives
            .states
            .iter()
            .filter(|receiver| **receiver != state)
            .filter_map(|receiver| {
                snapshot
                    .transfer_currency_on(state, *receiver, day)
                    .map(|(currency, _)| (*receiver, currency))
            })
            .collect();
        let offset = snapshot.utc_offset_on(state, day).ok_or_else(|| {
            AppError::invalid_at(
                "state",
                format!(
                    "the bundle has no UTC offset for {state} on {}: the report's deadline is \
                     unknown",
                    format_date(day)
                ),
            )
        })?;
        let deadline = tamga_treasury::report_deadline(day, offset);
        let reported_at = self.clock.now();
        Ok(CloseDay {
            state,
            day,
            currency: currency.currency,
            normatives,
            special_rule: self.treasury.special_duty_rule,
            transfer_currencies,
            due_by: transfer_deadline(day),
            reported_at: utc_seconds(reported_at),
            report_deadline: utc_seconds(deadline),
            late: reported_at > deadline,
        })
    }

    async fn write(&self, actor: &Actor, command: Command) -> Result<WriteOutcome> {
        Ok(self
            .store
            .write(WriteRequest {
                actor: actor.name(),
                at: self.stamp()?,
                idempotency: None,
                command,
            })
            .await?)
    }

    /// Closes a day of a state's single account: its own treasury only. Returns the closing
    /// and whether it was closed before.
    pub async fn close_day(
        &self,
        actor: &Actor,
        state: &str,
        day: Date,
    ) -> Result<(DayClosing, bool)> {
        let state = member_state(state)?;
        actor.treasury_scope(state, "close a day")?;
        actor.require(Role::Treasury, "close a day")?;
        let command = self.close_day_command(state, day)?;
        match self
            .write(actor, Command::CloseDay(Box::new(command)))
            .await?
        {
            WriteOutcome::DayClosed { closing, already } => Ok((closing, already)),
            other => Err(unexpected(&other)),
        }
    }

    /// The closed days of a state's single account: its own treasury, or the commission.
    pub async fn closed_days(
        &self,
        actor: &Actor,
        state: &str,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<(CountryCode, Date, Date, Vec<DayClosing>)> {
        let state = member_state(state)?;
        actor.treasury_scope(state, "read a single account")?;
        let from = from.unwrap_or_else(|| self.today());
        let to = to.unwrap_or(from);
        if from > to {
            return Err(AppError::BadRequest(format!(
                "from {} is after to {}: the period is empty",
                format_date(from),
                format_date(to)
            )));
        }
        let days = self.store.day_closings(state, from, to).await?;
        Ok((state, from, to, days))
    }

    /// The transfer orders a state sends or receives: its own treasury, or the commission.
    pub async fn transfers(
        &self,
        actor: &Actor,
        state: &str,
    ) -> Result<(CountryCode, Vec<TransferOrder>)> {
        let state = member_state(state)?;
        actor.treasury_scope(state, "read transfers")?;
        Ok((state, self.store.transfers(state).await?))
    }

    /// A refund (a negative receipt) or penalty interest on the state's single account: its
    /// own treasury. Every problem of the request is named.
    pub async fn record_receipt(
        &self,
        actor: &Actor,
        state: &str,
        request: &ReceiptRequest,
    ) -> Result<ReceiptRecord> {
        let state = member_state(state)?;
        actor.treasury_scope(state, "record receipts")?;
        actor.require(Role::Treasury, "record receipts")?;
        let receipt = self.receipt_of(state, request)?;
        match self.write(actor, Command::RecordReceipt(receipt)).await? {
            WriteOutcome::Receipt(record) => Ok(record),
            other => Err(unexpected(&other)),
        }
    }

    fn receipt_of(&self, state: CountryCode, request: &ReceiptRequest) -> Result<NewReceipt> {
        let mut problems = Vec::new();
        let event = request.event.as_deref().unwrap_or_default();
        let event = ReceiptEvent::parse(event);
        if event.is_none() {
            problems.push(FieldProblem::new(
                "event",
                format!(
                    "expected refund or penalty_interest, got {:?}",
                    request.event
                ),
            ));
        }
        let pool = request.pool.as_deref().unwrap_or("import_duty");
        let pool = Pool::parse(pool).filter(|p| *p != Pool::Transfer);
        if pool.is_none() {
            problems.push(FieldProblem::new(
                "pool",
                format!(
                    "expected import_duty or special_duty, got {:?}",
                    request.pool
                ),
            ));
        }
        let amount = money_amount(request.amount.as_deref())
            .map_err(|message| problems.push(FieldProblem::new("amount", message)))
            .ok();
        let reference = request.reference.clone().unwrap_or_default();
        if reference.is_empty() || reference.chars().count() > 100 {
            problems.push(FieldProblem::new(
                "reference",
                "expected the document it concerns (1 to 100 characters)",
            ));
        }
        let day = request.date.unwrap_or_else(|| self.today());
        if let Err(e) = self.money_dates().check(day, None) {
            problems.push(FieldProblem::new("date", e.to_string()));
        }
        let currency = self.snapshot().state_currency_on(state, day);
        if currency.is_none() {
            problems.push(FieldProblem::new(
                "date",
                format!("{state} has no national currency on {}", format_date(day)),
            ));
        }
        let (Some(event), Some(pool), Some(amount), Some(currency), true) =
            (event, pool, amount, currency, problems.is_empty())
        else {
            return Err(AppError::Invalid(problems));
        };
        Ok(NewReceipt {
            state,
            day,
            currency: currency.currency,
            pool,
            amount_minor: if event == ReceiptEvent::Refund {
                -amount
            } else {
                amount
            },
            event,
            reference,
        })
    }

    /// The order, if the actor may see it: a treasury of either side, or the commission.
    async fn visible_order(&self, actor: &Actor, id: &str) -> Result<TransferOrder> {
        let order = self
            .store
            .transfer(id)
            .await?
            .ok_or_else(|| AppError::not_found("such transfer"))?;
        let visible = match actor {
            Actor::Operator => true,
            Actor::Token(p) => {
                p.role == Role::Commission
                    || (p.role == Role::Treasury
                        && (p.state == Some(order.sender) || p.state == Some(order.receiver)))
            }
        };
        if !visible {
            return Err(AppError::not_found("such transfer"));
        }
        Ok(order)
    }

    /// The order, if the actor is the treasury of `side` (the sender or the receiver).
    async fn order_for(&self, actor: &Actor, id: &str, sender: bool) -> Result<TransferOrder> {
        let order = self.visible_order(actor, id).await?;
        let acting = if sender { order.sender } else { order.receiver };
        if let Actor::Token(p) = actor
            && (p.role != Role::Treasury || p.state != Some(acting))
        {
            return Err(AppError::Forbidden(format!(
                "only the {}'s treasury may do this",
                if sender { "sender" } else { "receiver" }
            )));
        }
        Ok(order)
    }

    /// A money date of a transfer action, within the window and after `after`.
    fn transfer_date(&self, date: Option<Date>, after: Option<(Date, &str)>) -> Result<Date> {
        let day = date.unwrap_or_else(|| self.today());
        self.money_dates()
            .check(day, after)
            .map_err(|e| AppError::invalid_at("date", e.to_string()))?;
        Ok(day)
    }

    /// Sends a due order: the sender's treasury, on a day after its reporting day; converted
    /// at the rate given, or the bundle's of that day.
    pub async fn send_transfer(
        &self,
        actor: &Actor,
        id: &str,
        action: &TransferAction,
    ) -> Result<TransferOrder> {
        let order = self.order_for(actor, id, true).await?;
        let reported = order.day.next_day().unwrap_or(order.day);
        let day = self.transfer_date(
            action.date,
            Some((
                reported,
                "a transfer is sent once its reporting day has ended",
            )),
        )?;
        let rate = match &action.rate {
            Some(text) => Some(
                tamga_core::plain_decimal(text, 8)
                    .ok()
                    .filter(|r| *r > Decimal::ZERO)
                    .ok_or_else(|| {
                        AppError::invalid_at(
                            "rate",
                            format!("expected a positive plain decimal with at most 8 places, got {text:?}"),
                        )
                    })?,
            ),
            None => self
                .snapshot()
                .exchange_rate_on(order.sender, order.transfer_currency, day)
                .map(|r| r.rate),
        };
        let command = Command::SendTransfer {
            id: order.id.clone(),
            on: day,
            rate,
        };
        transfer_outcome(self.write(actor, command).await?)
    }

    /// Confirms a sent order: the receiver's treasury, on or after the day it was sent; late,
    /// with interest up to the cap unless approved.
    pub async fn confirm_transfer(
        &self,
        actor: &Actor,
        id: &str,
        action: &TransferAction,
    ) -> Result<TransferOrder> {
        if action.rate.is_some() {
            return Err(AppError::invalid_at(
                "rate",
                "a rate is given when sending, not confirming",
            ));
        }
        let order = self.order_for(actor, id, false).await?;
        let day = self.transfer_date(
            action.date,
            order.sent_on.map(|sent| {
                (
                    sent,
                    "a transfer is confirmed on or after the day it was sent",
                )
            }),
        )?;
        let cap =
            tamga_treasury::interest_cap(order.amount_minor, self.treasury.interest_cap_percent)
                .ok_or_else(|| AppError::Internal("the interest cap is out of range".into()))?;
        let command = Command::ConfirmTransfer {
            id: order.id.clone(),
            on: day,
            daily_interest_rate: self.treasury.late_interest_daily_rate,
            interest_cap_minor: cap,
        };
        let confirmed = self.write(actor, command).await.map_err(|e| match e {
            AppError::InterestOverCap(detail) => AppError::InterestOverCap(format!(
                "{detail}. The sender's treasury or the commission may approve it with POST \
                 /api/v1/treasury/transfers/{id}/approve-interest"
            )),
            other => other,
        })?;
        transfer_outcome(confirmed)
    }

    /// Approves interest above the cap on a transfer not yet confirmed: the sender's treasury
    /// (the debtor accepts it) or the commission, with a reason. The receiver cannot.
    pub async fn approve_interest(
        &self,
        actor: &Actor,
        id: &str,
        approval: &InterestApproval,
    ) -> Result<TransferOrder> {
        let order = self.visible_order(actor, id).await?;
        if let Actor::Token(p) = actor {
            let may = p.role == Role::Commission
                || (p.role == Role::Treasury && p.state == Some(order.sender));
            if !may {
                return Err(AppError::Forbidden(
                    "only the sender's treasury or the commission may approve interest above the cap"
                        .into(),
                ));
            }
        }
        let mut problems = Vec::new();
        let amount = money_amount(approval.amount.as_deref())
            .map_err(|message| problems.push(FieldProblem::new("amount", message)))
            .ok();
        let reason = approval
            .reason
            .clone()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if reason.is_empty() || reason.chars().count() > MAX_REASON {
            problems.push(FieldProblem::new(
                "reason",
                format!("expected why the interest is approved (1 to {MAX_REASON} characters)"),
            ));
        }
        let (Some(amount_minor), true) = (amount, problems.is_empty()) else {
            return Err(AppError::Invalid(problems));
        };
        let command = Command::ApproveInterest {
            id: order.id.clone(),
            amount_minor,
            reason,
        };
        transfer_outcome(self.write(actor, command).await?)
    }

    /// Every pair of books over a period: the commission sees every pair, a treasury those its
    /// state is in.
    pub async fn reconcile(&self, actor: &Actor, from: Date, to: Date) -> Result<Reconciliation> {
        actor.require_any(&[Role::Treasury, Role::Commission], "reconcile the books")?;
        if from > to {
            return Err(AppError::BadRequest(format!(
                "from {} is after to {}: the period is empty",
                format_date(from),
                format_date(to)
            )));
        }
        let mut pairs = self.store.reconcile(from, to).await?;
        let mut undistributed = self.store.undistributed(from, to).await?;
        if let Actor::Token(p) = actor
            && p.role == Role::Treasury
        {
            let own = p.state;
            pairs.retain(|pair| Some(pair.debtor) == own || Some(pair.creditor) == own);
            undistributed.retain(|u| Some(u.state) == own);
        }
        let books_agree = pairs.iter().all(|p| p.difference_minor == 0);
        Ok(Reconciliation {
            from,
            to,
            books_agree,
            clean: books_agree && undistributed.is_empty(),
            pairs,
            undistributed,
        })
    }
}

fn transfer_outcome(outcome: WriteOutcome) -> Result<TransferOrder> {
    match outcome {
        WriteOutcome::Transfer(order) => Ok(order),
        other => Err(unexpected(&other)),
    }
}

pub(crate) fn unexpected(outcome: &WriteOutcome) -> AppError {
    AppError::Internal(format!(
        "the store answered an unexpected outcome: {outcome:?}"
    ))
}
