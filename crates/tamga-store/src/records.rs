//! What the store keeps and what it is asked to do.

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// The life of a declaration: `submitted → registered → released | refused`, and `withdrawn`
/// by the declarant at any point before release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Submitted,
    Registered,
    Released,
    Refused,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Submitted,
        Status::Registered,
        Status::Released,
        Status::Refused,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Registered => "registered",
            Status::Released => "released",
            Status::Refused => "refused",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Before release: the declaration may still be amended or withdrawn.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Submitted | Status::Registered)
    }
}

/// The roles of API tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Files declarations and sees and withdraws its own; bound to a TIN.
    Declarant,
    /// Registers, releases and refuses declarations lodged in its state.
    Officer,
    /// Reads its state's payments.
    Treasury,
    /// Reads everything, writes nothing.
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Principal {
    pub token_id: String,
    pub role: Role,
    /// The member state of an officer or a treasury.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The taxpayer number of a declarant.
    #[serde(skip_serializing_if = "Option::is_none")]
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
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenRecord {
    #[serde(flatten)]
    pub principal: Principal,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// A declaration as the API shows it: its current head, its current body and, once registered,
/// its assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclarationRecord {
    pub id: String,
    /// `OFFICE/DDMMYY/NNNNNNN`, from registration on.
    pub number: Option<String>,
    pub status: Status,
    pub state: String,
    pub customs_office: String,
    pub declarant_tin: String,
    pub version: i64,
    /// The business day of registration, whose tariff, rates and fees the assessment used.
    pub registration_date: Option<String>,
    /// The reason of a refusal, release or withdrawal, as given.
    pub reason: Option<String>,
    pub submitted_at: String,
    pub updated_at: String,
    /// The current version of the declaration, as filed (docs/declaration.md).
    #[schema(value_type = Object)]
    pub declaration: Box<RawValue>,
    /// The assessment stored at registration (or at the latest amendment after it), with the
    /// tariff edition, exchange rates and rounding rule it used.
    #[schema(value_type = Option<Object>)]
    pub assessment: Option<Box<RawValue>>,
}

/// A list entry: the head without the body.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclarationSummary {
    pub id: String,
    pub number: Option<String>,
    pub status: Status,
    pub state: String,
    pub customs_office: String,
    pub declarant_tin: String,
    pub version: i64,
    pub registration_date: Option<String>,
    pub submitted_at: String,
    pub updated_at: String,
}

/// One stored version of a declaration's body.
#[derive(Debug)]
pub struct VersionRecord {
    pub version: i64,
    pub body: String,
    pub created_at: String,
    pub actor: String,
}

/// An assessment to store with the declaration version it assessed.
#[derive(Clone, Debug)]
pub struct NewAssessment {
    pub registration_date: String,
    pub tariff_edition: String,
    pub rounding_rule: String,
    /// The national currency of the amounts.
    pub currency: String,
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
    pub kind: String,
    pub amount_minor: i64,
}

/// A new declaration, validated by the caller.
#[derive(Clone, Debug)]
pub struct NewDeclaration {
    pub id: String,
    pub state: String,
    pub customs_office: String,
    pub declarant_tin: String,
    /// The submission day (business date).
    pub submitted_on: String,
    /// The body as received, re-serialised (compact JSON).
    pub body: String,
}

/// The end of a declaration's life, or its withdrawal.
#[derive(Clone, Debug)]
pub enum Decision {
    /// `day`: the business day of the release, when its duties are credited to the state's
    /// single account.
    Release {
        reason: Option<String>,
        day: String,
    },
    Refuse {
        reason: String,
    },
    Withdraw {
        reason: Option<String>,
    },
}

impl Decision {
    pub fn action(&self) -> &'static str {
        match self {
            Decision::Release { .. } => "release",
            Decision::Refuse { .. } => "refuse",
            Decision::Withdraw { .. } => "withdraw",
        }
    }
}

/// A change to make.
#[derive(Clone, Debug)]
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
        registration_date: String,
        assessment: NewAssessment,
    },
    Decide {
        id: String,
        decision: Decision,
    },
    CreateToken {
        role: Role,
        state: Option<String>,
        tin: Option<String>,
        name: String,
    },
    RevokeToken {
        id: String,
    },
    /// Distribute a state's net receipts of a day by the normatives in force that day.
    CloseDay {
        state: String,
        day: String,
        /// The state's national currency on the day.
        currency: String,
        normatives: tamga_treasury::Normatives,
        special_rule: SpecialDutyRule,
        /// The transfer currency to each other state on the day.
        transfer_currencies: Vec<(String, String)>,
        /// The day by which the transfers must be confirmed.
        due_by: String,
        /// When the report is made (UTC, RFC 3339), its deadline, and whether it is late.
        reported_at: String,
        report_deadline: String,
        late: bool,
    },
    /// A receipt that is not a release: a duty refund (negative) or penalty interest on import
    /// duties, credited to the state's single account and distributed like any receipt. The
    /// key `{event}:{state}:{reference}` makes it happen once per state.
    RecordReceipt {
        state: String,
        day: String,
        currency: String,
        /// `import_duty` or `special_duty`.
        pool: String,
        /// `refund` or `penalty_interest`.
        event: String,
        /// The declaration or payment document it concerns.
        reference: String,
        /// Signed: a refund is negative.
        amount_minor: i64,
    },
    /// The sender's treasury sends a transfer order; `rate` (national units per unit of the
    /// transfer currency) when the two currencies differ.
    SendTransfer {
        id: String,
        on: String,
        rate: Option<rust_decimal::Decimal>,
    },
    /// The receiver's treasury confirms a transfer; one confirmed after its deadline accrues
    /// interest at `daily_interest_rate`.
    ConfirmTransfer {
        id: String,
        on: String,
        daily_interest_rate: rust_decimal::Decimal,
        /// The most interest booked without a separate approval (minor units).
        interest_cap_minor: i64,
    },
    /// Interest above the cap is approved for an order, up to `amount_minor`: by the sender's
    /// treasury (the debtor accepts it) or the commission.
    ApproveInterest {
        id: String,
        amount_minor: i64,
        reason: String,
    },
}

/// What one state owes another for a closed day, and how it was paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct TransferOrder {
    /// `tr:{sender}:{receiver}:{day}`.
    pub id: String,
    pub sender: String,
    pub receiver: String,
    /// The closed day it comes from.
    pub day: String,
    /// The sender's national currency, in which the debt arose.
    pub currency: String,
    pub amount_minor: i64,
    pub transfer_currency: String,
    /// The last day to confirm it without interest.
    pub due_by: String,
    /// `due`, `sent` or `confirmed`.
    pub status: String,
    /// National units per unit of the transfer currency, exact, as sent.
    pub rate: Option<String>,
    pub transfer_amount_minor: Option<i64>,
    pub sent_on: Option<String>,
    pub confirmed_on: Option<String>,
    pub days_late: Option<i64>,
    pub daily_interest_rate: Option<String>,
    /// Interest for the delay, in the sender's national currency.
    pub interest_minor: Option<i64>,
    /// Interest above the cap that was approved for this order (a separate, audited action),
    /// in minor units of the sender's currency.
    pub interest_approved_minor: Option<i64>,
    /// Who approved it and why.
    pub interest_approval: Option<String>,
}

/// How special (safeguard), anti-dumping and countervailing duties are distributed. The EAEU
/// Treaty puts them under a separate regulation (Annex 8, appendix; domain brief §2.1 item 3,
/// secondary source, text not read), so the rule is configuration, not code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpecialDutyRule {
    /// By the same normatives as import duties (the default).
    Normatives,
    /// Kept whole by the state that collected them.
    CollectingState,
}

impl SpecialDutyRule {
    pub fn as_str(self) -> &'static str {
        match self {
            SpecialDutyRule::Normatives => "normatives",
            SpecialDutyRule::CollectingState => "collecting_state",
        }
    }

    pub fn parse(text: &str) -> Option<SpecialDutyRule> {
        [
            SpecialDutyRule::Normatives,
            SpecialDutyRule::CollectingState,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// One state's share of a distributed pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShareRecord {
    pub state: String,
    /// The normative, exact (`4.860`).
    pub percent: String,
    pub amount_minor: i64,
}

/// A pool of a closed day: its net receipts and how they were split.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PoolDistribution {
    /// `import_duty` or `special_duty`.
    pub pool: String,
    pub total_minor: i64,
    pub shares: Vec<ShareRecord>,
}

/// A closed day of a state's single account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DayClosing {
    pub state: String,
    pub day: String,
    pub currency: String,
    pub normative_set: String,
    pub special_rule: String,
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

/// The idempotency claim of a request: the same key with the same request gets the stored
/// response, with a different request a conflict.
#[derive(Clone, Debug)]
pub struct IdempotencyClaim {
    pub key: String,
    pub request_sha256: String,
    /// The HTTP status the response is given with.
    pub status: u16,
}

#[derive(Clone, Debug)]
pub struct WriteRequest {
    pub actor: String,
    pub idempotency: Option<IdempotencyClaim>,
    pub command: Command,
}

/// What a write did.
#[derive(Debug)]
pub enum WriteOutcome {
    Declaration(DeclarationRecord),
    /// A new token and its secret, which is shown this once and stored only as a digest.
    Token {
        record: TokenRecord,
        secret: String,
    },
    Revoked(TokenRecord),
    /// A day closed now, or (`already`) closed before: closing twice changes nothing.
    DayClosed {
        closing: DayClosing,
        already: bool,
    },
    Transfer(TransferOrder),
    /// A receipt recorded now, or (`already`) before under the same key.
    Receipt {
        entry_key: String,
        day: String,
        amount_minor: i64,
        already: bool,
    },
    /// The request was made before with this idempotency key: its response, verbatim.
    Replayed {
        status: u16,
        response: String,
    },
}
