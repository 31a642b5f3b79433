//! What the store is asked to do, and what a write did. Every input that would make a write
//! depend on the moment or on chance (the time, a token's secret) comes in with the command, so
//! that applying it is deterministic.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use tamga_core::{CountryCode, CurrencyCode, Date};
use tamga_treasury::Normatives;
use tamga_treasury::closing::SpecialDutyRule;
use tamga_treasury::ledger::{Pool, ReceiptEvent};
use tamga_treasury::transfer::TransferOrder;

use crate::records::{
    DayClosing, DeclarationRecord, NewAssessment, NewDeclaration, ReceiptRecord, Role, TokenRecord,
};

/// The end of a declaration's life, or its withdrawal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// `day`: the business day of the release, when its duties are credited to the state's
    /// single account.
    Release {
        reason: Option<String>,
        day: Date,
    },
    Refuse {
        reason: String,
    },
    Withdraw {
        reason: Option<String>,
    },
}

impl Decision {
    pub fn change(&self) -> tamga_declaration::Change {
        match self {
            Decision::Release { .. } => tamga_declaration::Change::Release,
            Decision::Refuse { .. } => tamga_declaration::Change::Refuse,
            Decision::Withdraw { .. } => tamga_declaration::Change::Withdraw,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Release { reason, .. } | Decision::Withdraw { reason } => reason.as_deref(),
            Decision::Refuse { reason } => Some(reason),
        }
    }
}

/// A new token: who holds it, and its secret (made by the caller: only its digest is kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    pub role: Role,
    pub state: Option<CountryCode>,
    pub tin: Option<String>,
    pub name: String,
    pub secret: String,
}

/// Closing a state's day: the rules of the day, taken from the bundle by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseDay {
    pub state: CountryCode,
    pub day: Date,
    /// The state's national currency on the day.
    pub currency: CurrencyCode,
    pub normatives: Normatives,
    pub special_rule: SpecialDutyRule,
    /// The transfer currency to each other state on the day.
    pub transfer_currencies: BTreeMap<CountryCode, CurrencyCode>,
    /// The day by which the transfers must be confirmed.
    pub due_by: Date,
    /// When the report is made (UTC, RFC 3339), its deadline, and whether it is late.
    pub reported_at: String,
    pub report_deadline: String,
    pub late: bool,
}

/// A receipt that is not a release: a duty refund (negative) or penalty interest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReceipt {
    pub state: CountryCode,
    pub day: Date,
    pub currency: CurrencyCode,
    pub pool: Pool,
    pub event: ReceiptEvent,
    /// The declaration or payment document it concerns.
    pub reference: String,
    /// Signed: a refund is negative.
    pub amount_minor: i64,
}

/// A change to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Submit(NewDeclaration),
    /// A new version of the body; `assessment` re-assesses a registered declaration.
    Amend {
        id: String,
        expected_version: i64,
        body: String,
        assessment: Option<NewAssessment>,
    },
    Register {
        id: String,
        expected_version: i64,
        registration_date: Date,
        assessment: NewAssessment,
    },
    Decide {
        id: String,
        decision: Decision,
    },
    CreateToken(NewToken),
    RevokeToken {
        id: String,
    },
    CloseDay(Box<CloseDay>),
    RecordReceipt(NewReceipt),
    /// The sender's treasury sends a transfer order; `rate` (national units per unit of the
    /// transfer currency) when the two currencies differ.
    SendTransfer {
        id: String,
        on: Date,
        rate: Option<Decimal>,
    },
    /// The receiver's treasury confirms a transfer; one confirmed after its deadline accrues
    /// interest at `daily_interest_rate`, up to `interest_cap_minor` unless approved.
    ConfirmTransfer {
        id: String,
        on: Date,
        daily_interest_rate: Decimal,
        interest_cap_minor: i64,
    },
    /// Interest above the cap is approved for an order, up to `amount_minor`.
    ApproveInterest {
        id: String,
        amount_minor: i64,
        reason: String,
    },
}

/// The idempotency claim of a request: the same key with the same request gets the stored
/// result, with a different request a refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub key: String,
    pub request_sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRequest {
    /// Who asks (`role:tok_…`, or `cli`), as the audit log names it.
    pub actor: String,
    /// When (UTC, RFC 3339): the time every row of the change records.
    pub at: String,
    pub idempotency: Option<IdempotencyClaim>,
    pub command: Command,
}

/// What a write did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The declaration as changed; `replayed` when the idempotency key was used before with the
    /// same request and this is the record as it was then.
    Declaration {
        record: DeclarationRecord,
        replayed: bool,
    },
    /// A new token (its secret is the caller's).
    Token(TokenRecord),
    Revoked(TokenRecord),
    /// A day closed now, or (`already`) closed before: closing twice changes nothing.
    DayClosed {
        closing: DayClosing,
        already: bool,
    },
    Transfer(TransferOrder),
    Receipt(ReceiptRecord),
}
