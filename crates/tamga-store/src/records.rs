//! What the store keeps, as typed records. None of them is serialised here: the HTTP crate owns
//! the API's shapes and converts these to them.

use tamga_core::{CountryCode, CurrencyCode, Date};
pub use tamga_declaration::Status;
use tamga_treasury::closing::{PoolDistribution, SpecialDutyRule};

/// The roles of API tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Files declarations and sees and withdraws its own; bound to a TIN.
    Declarant,
    /// Registers, releases and refuses declarations lodged in its state.
    Officer,
    /// Its state's single account: closes days, records refunds, sends and confirms transfers.
    Treasury,
    /// Reads everything; approves interest above the cap.
    Commission,
    /// Manages tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Declarant,
        Role::Officer,
        Role::Treasury,
        Role::Commission,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Declarant => "declarant",
            Role::Officer => "officer",
            Role::Treasury => "treasury",
            Role::Commission => "commission",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Who holds a token: its role and what the role is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub role: Role,
    /// The member state of an officer or a treasury.
    pub state: Option<CountryCode>,
    /// The taxpayer number of a declarant.
    pub tin: Option<String>,
    pub name: String,
}

impl Principal {
    /// How the audit log names the actor.
    pub fn actor(&self) -> String {
        format!("{}:{}", self.role.as_str(), self.token_id)
    }
}

/// A token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    pub principal: Principal,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A declaration: its current head, its current body and, once registered, its assessment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclarationRecord {
    pub id: String,
    /// `OFFICE/DDMMYY/NNNNNNN`, from registration on.
    pub number: Option<String>,
    pub status: Status,
    pub state: CountryCode,
    pub customs_office: String,
    pub declarant_tin: String,
    pub version: i64,
    /// The business day of registration, whose tariff, rates and fees the assessment used.
    pub registration_date: Option<Date>,
    /// The reason of a refusal, release or withdrawal, as given.
    pub reason: Option<String>,
    pub submitted_at: String,
    pub updated_at: String,
    /// The current version of the declaration, as filed: JSON text.
    pub declaration: String,
    /// The assessment document of the current version: JSON text.
    pub assessment: Option<String>,
}

/// A list entry: the head without the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclarationSummary {
    pub id: String,
    pub number: Option<String>,
    pub status: Status,
    pub state: CountryCode,
    pub customs_office: String,
    pub declarant_tin: String,
    pub version: i64,
    pub registration_date: Option<Date>,
    pub submitted_at: String,
    pub updated_at: String,
}

/// One stored version of a declaration's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRecord {
    pub version: i64,
    /// JSON text.
    pub body: String,
    pub created_at: String,
    pub actor: String,
}

/// An assessment to store with the declaration version it assessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAssessment {
    pub registration_date: Date,
    pub tariff_edition: String,
    pub rounding_rule: String,
    /// The national currency of the amounts.
    pub currency: CurrencyCode,
    /// The exchange rates used, as JSON with exact decimal strings.
    pub exchange_rates: String,
    pub total_minor: i64,
    /// The assessment document (the payments JSON contract).
    pub document: String,
    pub lines: Vec<PaymentLine>,
}

/// One payment of an assessment, in minor units of the national currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentLine {
    /// The goods item number (1-based); `None` for a declaration-level payment (the fee).
    pub item: Option<i64>,
    pub payment_code: String,
    /// What it is (`import_duty`, `vat`, …): its pool, if any, is decided by the treasury.
    pub kind: String,
    pub amount_minor: i64,
}

/// A new declaration, validated by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDeclaration {
    pub id: String,
    pub state: CountryCode,
    pub customs_office: String,
    pub declarant_tin: String,
    /// The submission day (business date).
    pub submitted_on: Date,
    /// The body as received, re-serialised (compact JSON).
    pub body: String,
}

/// A closed day of a state's single account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayClosing {
    pub state: CountryCode,
    pub day: Date,
    pub currency: CurrencyCode,
    pub normative_set: String,
    pub special_rule: SpecialDutyRule,
    /// Receipt lines credited that day.
    pub receipts: i64,
    pub closed_at: String,
    /// When the daily report was made (the business date at the time of day it was closed).
    pub reported_at: String,
    /// 16:00 local time of the state on the next day, in UTC.
    pub report_deadline: String,
    /// Reported after its deadline.
    pub late: bool,
    pub pools: Vec<PoolDistribution>,
}

/// A refund or penalty interest as recorded (or found recorded before).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptRecord {
    pub entry_key: String,
    /// The day it was booked on: the next open day when its own was closed.
    pub day: Date,
    /// Signed: a refund is negative.
    pub amount_minor: i64,
    /// Recorded before, under the same key, with the same amount, pool and day.
    pub already: bool,
}

/// Receipts of a state's day that were credited and not distributed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undistributed {
    pub state: CountryCode,
    pub day: Date,
    pub pool: tamga_treasury::ledger::Pool,
    pub currency: CurrencyCode,
    pub amount_minor: i64,
    /// True when the day was closed: money stranded on a closed day, which the store never
    /// books and which only an edit behind its back can leave.
    pub day_closed: bool,
}
