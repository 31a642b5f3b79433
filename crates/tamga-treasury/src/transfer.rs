//! Transfer orders between treasuries: what a state owes another for a closed day, sent at the
//! sending bank's rate and confirmed by the receiver, with interest when confirmed late.

use rust_decimal::Decimal;
use tamga_core::{CountryCode, CurrencyCode, Date, format_date};

use crate::ledger::{Account, Entry, EntryHead, EntryKind, Pool, Posting};

/// Where a transfer order is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferStatus {
    Due,
    Sent,
    Confirmed,
}

impl TransferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Due => "due",
            TransferStatus::Sent => "sent",
            TransferStatus::Confirmed => "confirmed",
        }
    }

    pub fn parse(text: &str) -> Option<TransferStatus> {
        [
            TransferStatus::Due,
            TransferStatus::Sent,
            TransferStatus::Confirmed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// What one state owes another for a closed day, and how it was paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferOrder {
    /// `tr:{sender}:{receiver}:{day}`.
    pub id: String,
    pub sender: CountryCode,
    pub receiver: CountryCode,
    /// The closed day it comes from.
    pub day: Date,
    /// The sender's national currency, in which the debt arose.
    pub currency: CurrencyCode,
    pub amount_minor: i64,
    pub transfer_currency: CurrencyCode,
    /// The last day to confirm it without interest.
    pub due_by: Date,
    pub status: TransferStatus,
    /// National units per unit of the transfer currency, exact, as sent.
    pub rate: Option<Decimal>,
    pub transfer_amount_minor: Option<i64>,
    pub sent_on: Option<Date>,
    pub confirmed_on: Option<Date>,
    pub days_late: Option<i64>,
    pub daily_interest_rate: Option<Decimal>,
    /// Interest for the delay, in the sender's national currency.
    pub interest_minor: Option<i64>,
    /// Interest above the cap approved for this order (a separate, audited action).
    pub interest_approved_minor: Option<i64>,
    /// Who approved it and why.
    pub interest_approval: Option<String>,
}

impl TransferOrder {
    pub fn id_of(sender: CountryCode, receiver: CountryCode, day: Date) -> String {
        format!("tr:{sender}:{receiver}:{}", format_date(day))
    }

    /// Whether it is still as the closing made it: due, and nothing done to it.
    pub fn is_as_made(&self) -> bool {
        self.status == TransferStatus::Due
            && self.rate.is_none()
            && self.transfer_amount_minor.is_none()
            && self.sent_on.is_none()
            && self.confirmed_on.is_none()
            && self.days_late.is_none()
            && self.daily_interest_rate.is_none()
            && self.interest_minor.is_none()
            && self.interest_approved_minor.is_none()
            && self.interest_approval.is_none()
    }

    fn entry_head(
        &self,
        key: String,
        state: CountryCode,
        day: Date,
        amount_minor: i64,
    ) -> EntryHead {
        EntryHead {
            key,
            state,
            day,
            pool: Pool::Transfer,
            currency: self.currency,
            amount_minor,
            source: None,
            requested_day: None,
        }
    }
}

/// Why a transfer action does not apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("transfer {id} is {status}; only a {needed} transfer can be {doing}")]
    WrongStatus {
        id: String,
        status: &'static str,
        needed: &'static str,
        doing: &'static str,
    },
    #[error(
        "transfer {id} is in {transfer}: the rate of {currency} per {transfer} on {on} is needed"
    )]
    RateNeeded {
        id: String,
        transfer: CurrencyCode,
        currency: CurrencyCode,
        on: String,
    },
    #[error("the rate {0} is not a positive number")]
    BadRate(Decimal),
    #[error("transfer {id} was sent on {sent}; it cannot be confirmed on {on}, before that")]
    ConfirmedBeforeSent {
        id: String,
        sent: String,
        on: String,
    },
    #[error("the interest on transfer {id} for {days_late} days is beyond any amount")]
    InterestOverflow { id: String, days_late: i64 },
    #[error(
        "confirming transfer {id} now books {interest_minor} minor units of interest for \
         {days_late} day(s) late, above the {cap_minor} allowed without an approval"
    )]
    InterestOverCap {
        id: String,
        interest_minor: i64,
        cap_minor: i64,
        days_late: i64,
    },
    #[error("transfer {0} is confirmed already; its interest is booked")]
    AlreadyConfirmed(String),
}

fn require(
    order: &TransferOrder,
    needed: TransferStatus,
    doing: &'static str,
) -> Result<(), TransferError> {
    if order.status == needed {
        return Ok(());
    }
    Err(TransferError::WrongStatus {
        id: order.id.clone(),
        status: order.status.as_str(),
        needed: needed.as_str(),
        doing,
    })
}

/// Sends a due order on `on`: converted into its transfer currency at `rate` (national units
/// per unit of it) when the currencies differ; the money leaves the sender's single account
/// (debit `due_to` the receiver, credit the single account).
pub fn send(
    order: &TransferOrder,
    on: Date,
    rate: Option<Decimal>,
) -> Result<(TransferOrder, Entry), TransferError> {
    require(order, TransferStatus::Due, "sent")?;
    let (rate, converted) = if order.transfer_currency == order.currency {
        (Decimal::ONE, order.amount_minor)
    } else {
        let rate = rate.ok_or_else(|| TransferError::RateNeeded {
            id: order.id.clone(),
            transfer: order.transfer_currency,
            currency: order.currency,
            on: format_date(on),
        })?;
        let converted = crate::convert_transfer(order.amount_minor, rate)
            .ok_or(TransferError::BadRate(rate))?;
        (rate, converted)
    };
    let mut sent = order.clone();
    sent.status = TransferStatus::Sent;
    sent.rate = Some(rate);
    sent.transfer_amount_minor = Some(converted);
    sent.sent_on = Some(on);
    let amount = order.amount_minor;
    let entry = order
        .entry_head(
            format!("transfer:{}:sent", order.id),
            order.sender,
            on,
            amount,
        )
        .entry(
            EntryKind::TransferSent,
            vec![
                Posting {
                    book: order.sender,
                    account: Account::DueTo(order.receiver),
                    amount_minor: amount,
                },
                Posting {
                    book: order.sender,
                    account: Account::SingleAccount,
                    amount_minor: -amount,
                },
            ],
        );
    Ok((sent, entry))
}

/// Confirms a sent order on `on`: the receiver books the money (debit `received_from`, credit
/// `due_from`). After its deadline, interest on the whole debt for each calendar day late
/// ([`crate::late_interest`]), owed on top of the debt and posted to both books; above
/// `cap_minor` (and above any amount approved for the order) it is refused until approved.
pub fn confirm(
    order: &TransferOrder,
    on: Date,
    daily_rate: Decimal,
    cap_minor: i64,
) -> Result<(TransferOrder, Vec<Entry>), TransferError> {
    require(order, TransferStatus::Sent, "confirmed")?;
    if let Some(sent) = order.sent_on
        && on < sent
    {
        return Err(TransferError::ConfirmedBeforeSent {
            id: order.id.clone(),
            sent: format_date(sent),
            on: format_date(on),
        });
    }
    let days_late = (on - order.due_by).whole_days().max(0);
    let interest =
        crate::late_interest(order.amount_minor, daily_rate, days_late).ok_or_else(|| {
            TransferError::InterestOverflow {
                id: order.id.clone(),
                days_late,
            }
        })?;
    let allowed = cap_minor.max(order.interest_approved_minor.unwrap_or(0));
    if interest > allowed {
        return Err(TransferError::InterestOverCap {
            id: order.id.clone(),
            interest_minor: interest,
            cap_minor: allowed,
            days_late,
        });
    }
    let mut confirmed = order.clone();
    confirmed.status = TransferStatus::Confirmed;
    confirmed.confirmed_on = Some(on);
    confirmed.days_late = Some(days_late);
    confirmed.daily_interest_rate = Some(daily_rate);
    confirmed.interest_minor = Some(interest);
    let (sender, receiver, amount) = (order.sender, order.receiver, order.amount_minor);
    let mut entries = vec![
        order
            .entry_head(
                format!("transfer:{}:confirmed", order.id),
                receiver,
                on,
                amount,
            )
            .entry(
                EntryKind::TransferConfirmed,
                vec![
                    Posting {
                        book: receiver,
                        account: Account::ReceivedFrom(sender),
                        amount_minor: amount,
                    },
                    Posting {
                        book: receiver,
                        account: Account::DueFrom(sender),
                        amount_minor: -amount,
                    },
                ],
            ),
    ];
    if interest != 0 {
        entries.push(interest_entry(order, on, interest));
    }
    Ok((confirmed, entries))
}

/// Interest for the delay: an expense of the sender it owes the receiver, an income the
/// receiver is owed.
fn interest_entry(order: &TransferOrder, on: Date, interest: i64) -> Entry {
    let (sender, receiver) = (order.sender, order.receiver);
    order
        .entry_head(
            format!("transfer:{}:interest", order.id),
            sender,
            on,
            interest,
        )
        .entry(
            EntryKind::LateInterest,
            vec![
                Posting {
                    book: sender,
                    account: Account::InterestExpense,
                    amount_minor: interest,
                },
                Posting {
                    book: sender,
                    account: Account::DueTo(receiver),
                    amount_minor: -interest,
                },
                Posting {
                    book: receiver,
                    account: Account::DueFrom(sender),
                    amount_minor: interest,
                },
                Posting {
                    book: receiver,
                    account: Account::InterestIncome,
                    amount_minor: -interest,
                },
            ],
        )
}

/// Approves interest above the cap on an order not yet confirmed, up to `amount_minor`; who
/// approves and why is kept on the order.
pub fn approve_interest(
    order: &TransferOrder,
    amount_minor: i64,
    approval: String,
) -> Result<TransferOrder, TransferError> {
    if order.status == TransferStatus::Confirmed {
        return Err(TransferError::AlreadyConfirmed(order.id.clone()));
    }
    let mut approved = order.clone();
    approved.interest_approved_minor = Some(amount_minor);
    approved.interest_approval = Some(approval);
    Ok(approved)
}
