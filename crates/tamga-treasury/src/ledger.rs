//! The treasury's ledger decisions, as pure functions: what a receipt, the close of a day, the
//! sending and confirming of a transfer post, and how two states' books are set side by side.
//! They take plain data and return entries with their postings; the store only persists them.
//!
//! Every entry's postings sum to zero (debit positive, credit negative), which each function
//! asserts where it writes them. Accounts of a state's book: its single account (the money),
//! `to_distribute` per pool (received, not yet distributed), its budget (its own share), what
//! it owes another state (`due_to`) and what another owes it (`due_from`: the receiving side of
//! the same distribution, so that both books can be reconciled).

use tamga_core::{CountryCode, CurrencyCode, Date};

/// What a receipt is distributed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pool {
    /// Import duties.
    ImportDuty,
    /// Special (safeguard), anti-dumping and countervailing duties.
    SpecialDuty,
    /// The movements of a transfer between treasuries (not distributed).
    Transfer,
}

impl Pool {
    pub fn as_str(self) -> &'static str {
        match self {
            Pool::ImportDuty => "import_duty",
            Pool::SpecialDuty => "special_duty",
            Pool::Transfer => "transfer",
        }
    }

    pub fn parse(text: &str) -> Option<Pool> {
        [Pool::ImportDuty, Pool::SpecialDuty, Pool::Transfer]
            .into_iter()
            .find(|p| p.as_str() == text)
    }

    /// The pool a payment of this kind goes to; `None` for what is not distributed (VAT,
    /// excise, the customs fee stay with the state: EAEU Treaty, Annex 5, distributes import
    /// duties only).
    pub fn of_payment(kind: &str) -> Option<Pool> {
        match kind {
            "import_duty" => Some(Pool::ImportDuty),
            "safeguard" | "antidumping" | "countervailing" => Some(Pool::SpecialDuty),
            _ => None,
        }
    }
}

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Receipt,
    Distribution,
    DistributionDue,
    TransferSent,
    TransferConfirmed,
    LateInterest,
}

impl EntryKind {
    pub const ALL: [EntryKind; 6] = [
        EntryKind::Receipt,
        EntryKind::Distribution,
        EntryKind::DistributionDue,
        EntryKind::TransferSent,
        EntryKind::TransferConfirmed,
        EntryKind::LateInterest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Receipt => "receipt",
            EntryKind::Distribution => "distribution",
            EntryKind::DistributionDue => "distribution_due",
            EntryKind::TransferSent => "transfer_sent",
            EntryKind::TransferConfirmed => "transfer_confirmed",
            EntryKind::LateInterest => "late_interest",
        }
    }

    pub fn parse(text: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// An account of a state's book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    SingleAccount,
    ToDistribute(Pool),
    Budget,
    DueTo(CountryCode),
    DueFrom(CountryCode),
    ReceivedFrom(CountryCode),
    InterestExpense,
    InterestIncome,
}

impl Account {
    /// How the store names it.
    pub fn name(self) -> String {
        match self {
            Account::SingleAccount => "single_account".into(),
            Account::ToDistribute(pool) => format!("to_distribute:{}", pool.as_str()),
            Account::Budget => "budget".into(),
            Account::DueTo(state) => format!("due_to:{state}"),
            Account::DueFrom(state) => format!("due_from:{state}"),
            Account::ReceivedFrom(state) => format!("received_from:{state}"),
            Account::InterestExpense => "interest_expense".into(),
            Account::InterestIncome => "interest_income".into(),
        }
    }

    pub fn parse(text: &str) -> Option<Account> {
        let state = |code: &str| CountryCode::parse(code).ok();
        Some(match text.split_once(':') {
            Some(("to_distribute", pool)) => Account::ToDistribute(Pool::parse(pool)?),
            Some(("due_to", code)) => Account::DueTo(state(code)?),
            Some(("due_from", code)) => Account::DueFrom(state(code)?),
            Some(("received_from", code)) => Account::ReceivedFrom(state(code)?),
            Some(_) => return None,
            None => match text {
                "single_account" => Account::SingleAccount,
                "budget" => Account::Budget,
                "interest_expense" => Account::InterestExpense,
                "interest_income" => Account::InterestIncome,
                _ => return None,
            },
        })
    }
}

/// One posting: an amount on an account of a state's book (debit positive, credit negative).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Posting {
    pub book: CountryCode,
    pub account: Account,
    pub amount_minor: i64,
}

/// The declaration and payment line a receipt comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub declaration: String,
    pub line: i64,
}

/// One event of the ledger with its postings. Its key makes it happen once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub kind: EntryKind,
    pub state: CountryCode,
    pub day: Date,
    pub pool: Pool,
    pub currency: CurrencyCode,
    pub amount_minor: i64,
    pub source: Option<Source>,
    /// For a refund or penalty interest: the day the request named (it is booked on the next
    /// open day when that one is closed).
    pub requested_day: Option<Date>,
    pub postings: Vec<Posting>,
}

impl Entry {
    /// Whether its postings sum to zero.
    pub fn balances(&self) -> bool {
        self.postings
            .iter()
            .map(|p| i128::from(p.amount_minor))
            .sum::<i128>()
            == 0
    }
}

/// A refund (negative) or penalty interest on import duties: a receipt that is not a release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptEvent {
    Refund,
    PenaltyInterest,
}

impl ReceiptEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptEvent::Refund => "refund",
            ReceiptEvent::PenaltyInterest => "penalty_interest",
        }
    }

    pub fn parse(text: &str) -> Option<ReceiptEvent> {
        [ReceiptEvent::Refund, ReceiptEvent::PenaltyInterest]
            .into_iter()
            .find(|e| e.as_str() == text)
    }

    /// The key of such a receipt: scoped by the state that records it, so that two states'
    /// references never meet.
    pub fn key(self, state: CountryCode, reference: &str) -> String {
        format!("{}:{state}:{reference}", self.as_str())
    }

    /// The key receipts had before they were scoped by state: it counts only for the state
    /// that wrote it.
    pub fn legacy_key(self, reference: &str) -> String {
        format!("{}:{reference}", self.as_str())
    }
}

/// The key of a release's receipt of one payment line.
pub fn release_key(declaration: &str, line: i64) -> String {
    format!("receipt:{declaration}:{line}:release")
}

/// What an entry is about, before its kind and postings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryHead {
    pub key: String,
    pub state: CountryCode,
    pub day: Date,
    pub pool: Pool,
    pub currency: CurrencyCode,
    pub amount_minor: i64,
    pub source: Option<Source>,
    pub requested_day: Option<Date>,
}

impl EntryHead {
    pub(crate) fn entry(self, kind: EntryKind, postings: Vec<Posting>) -> Entry {
        let entry = Entry {
            key: self.key,
            kind,
            state: self.state,
            day: self.day,
            pool: self.pool,
            currency: self.currency,
            amount_minor: self.amount_minor,
            source: self.source,
            requested_day: self.requested_day,
            postings,
        };
        assert!(entry.balances(), "entry {} does not balance", entry.key);
        entry
    }
}

/// A receipt on a state's single account: the money in (debit the single account), to be
/// distributed with its day (credit `to_distribute` of its pool).
pub fn receipt(head: EntryHead) -> Entry {
    let (state, pool, amount) = (head.state, head.pool, head.amount_minor);
    head.entry(
        EntryKind::Receipt,
        vec![
            Posting {
                book: state,
                account: Account::SingleAccount,
                amount_minor: amount,
            },
            Posting {
                book: state,
                account: Account::ToDistribute(pool),
                amount_minor: -amount,
            },
        ],
    )
}
