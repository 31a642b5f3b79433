//! The API's shapes: every response and request body, serialised here and nowhere else, with
//! the conversions from and to the application's types. The OpenAPI document is generated from
//! these.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tamga_core::{Date, format_date};
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

impl From<tamga_store::Status> for Status {
    fn from(status: tamga_store::Status) -> Status {
        match status {
            tamga_store::Status::Submitted => Status::Submitted,
            tamga_store::Status::Registered => Status::Registered,
            tamga_store::Status::Released => Status::Released,
            tamga_store::Status::Refused => Status::Refused,
            tamga_store::Status::Withdrawn => Status::Withdrawn,
        }
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
    /// Its state's single account: closes days, records refunds, sends and confirms transfers.
    Treasury,
    /// Reads everything; approves interest above the cap.
    Commission,
    /// Manages tokens.
    Admin,
}

impl From<tamga_store::Role> for Role {
    fn from(role: tamga_store::Role) -> Role {
        match role {
            tamga_store::Role::Declarant => Role::Declarant,
            tamga_store::Role::Officer => Role::Officer,
            tamga_store::Role::Treasury => Role::Treasury,
            tamga_store::Role::Commission => Role::Commission,
            tamga_store::Role::Admin => Role::Admin,
        }
    }
}

fn raw(text: String) -> Box<RawValue> {
    // The store keeps only JSON the service itself re-serialised.
    RawValue::from_string(text).unwrap_or_else(|e| {
        tracing::error!("stored JSON does not parse: {e}");
        RawValue::from_string("null".to_owned()).expect("null is JSON")
    })
}

fn day(date: Option<Date>) -> Option<String> {
    date.map(format_date)
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

impl From<tamga_store::DeclarationRecord> for DeclarationRecord {
    fn from(r: tamga_store::DeclarationRecord) -> DeclarationRecord {
        DeclarationRecord {
            id: r.id,
            number: r.number,
            status: r.status.into(),
            state: r.state.to_string(),
            customs_office: r.customs_office,
            declarant_tin: r.declarant_tin,
            version: r.version,
            registration_date: day(r.registration_date),
            reason: r.reason,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
            declaration: raw(r.declaration),
            assessment: r.assessment.map(raw),
        }
    }
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

impl From<tamga_store::DeclarationSummary> for DeclarationSummary {
    fn from(s: tamga_store::DeclarationSummary) -> DeclarationSummary {
        DeclarationSummary {
            id: s.id,
            number: s.number,
            status: s.status.into(),
            state: s.state.to_string(),
            customs_office: s.customs_office,
            declarant_tin: s.declarant_tin,
            version: s.version,
            registration_date: day(s.registration_date),
            submitted_at: s.submitted_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeclarationList {
    pub items: Vec<DeclarationSummary>,
    /// Pass as `cursor` for the next page; null on the last. Good only for the token it was
    /// given to.
    pub next_cursor: Option<String>,
}

/// What a version changed: one leaf by its JSON path.
#[derive(Serialize, ToSchema)]
pub struct Change {
    /// The JSON path of the value, as validation errors name them (`items[0].customs_value`).
    pub path: String,
    /// The value before; absent when it was added.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The value after; absent when it was removed.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub version: i64,
    pub created_at: String,
    /// The token that made it (`role:tok_…`).
    pub actor: String,
    /// What this version changed from the one before (empty for the first).
    pub changes: Vec<Change>,
    #[schema(value_type = Object)]
    pub declaration: serde_json::Value,
}

impl From<tamga_app::VersionView> for VersionView {
    fn from(v: tamga_app::VersionView) -> VersionView {
        VersionView {
            version: v.version,
            created_at: v.created_at,
            actor: v.actor,
            changes: v
                .changes
                .into_iter()
                .map(|c| Change {
                    path: c.path,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
            declaration: v.declaration,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    pub id: String,
    pub versions: Vec<VersionView>,
}

/// The body of release, refuse and withdraw.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Why (optional).
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    pub reason: Option<String>,
}

/// The body of a refusal: the reason is required. (Read as a [`DecisionBody`]; this type states
/// the requirement in the document.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RefusalBody {
    /// Why the declaration is refused.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    pub reason: String,
}

/// One state's share of a distributed pool.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ShareRecord {
    pub state: String,
    /// The normative, exact (`4.860`).
    pub percent: String,
    pub amount_minor: i64,
}

/// A pool of a closed day: its net receipts and how they were split.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PoolDistribution {
    /// `import_duty` or `special_duty`.
    pub pool: String,
    pub total_minor: i64,
    pub shares: Vec<ShareRecord>,
}

/// A closed day of a state's single account.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DayClosing {
    pub state: String,
    pub day: String,
    pub currency: String,
    pub normative_set: String,
    /// `normatives` or `collecting_state`.
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

impl From<tamga_store::DayClosing> for DayClosing {
    fn from(c: tamga_store::DayClosing) -> DayClosing {
        DayClosing {
            state: c.state.to_string(),
            day: format_date(c.day),
            currency: c.currency.to_string(),
            normative_set: c.normative_set,
            special_rule: c.special_rule.as_str().to_owned(),
            receipts: c.receipts,
            closed_at: c.closed_at,
            reported_at: c.reported_at,
            report_deadline: c.report_deadline,
            late: c.late,
            pools: c
                .pools
                .into_iter()
                .map(|p| PoolDistribution {
                    pool: p.pool.as_str().to_owned(),
                    total_minor: p.total_minor,
                    shares: p
                        .shares
                        .into_iter()
                        .map(|s| ShareRecord {
                            state: s.state.to_string(),
                            percent: s.percent.to_string(),
                            amount_minor: s.amount_minor,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClosedDay {
    /// True when the day was closed before: closing twice changes nothing.
    pub already_closed: bool,
    #[serde(flatten)]
    pub closing: DayClosing,
}

#[derive(Serialize, ToSchema)]
pub struct DaysReport {
    pub state: String,
    pub from: String,
    pub to: String,
    /// The closed days, oldest first, each with its distribution.
    pub days: Vec<DayClosing>,
}

/// What one state owes another for a closed day, and how it was paid.
#[derive(Clone, Debug, Serialize, ToSchema)]
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

impl From<tamga_store::TransferOrder> for TransferOrder {
    fn from(o: tamga_store::TransferOrder) -> TransferOrder {
        TransferOrder {
            id: o.id,
            sender: o.sender.to_string(),
            receiver: o.receiver.to_string(),
            day: format_date(o.day),
            currency: o.currency.to_string(),
            amount_minor: o.amount_minor,
            transfer_currency: o.transfer_currency.to_string(),
            due_by: format_date(o.due_by),
            status: o.status.as_str().to_owned(),
            rate: o.rate.map(|r| r.to_string()),
            transfer_amount_minor: o.transfer_amount_minor,
            sent_on: day(o.sent_on),
            confirmed_on: day(o.confirmed_on),
            days_late: o.days_late,
            daily_interest_rate: o.daily_interest_rate.map(|r| r.to_string()),
            interest_minor: o.interest_minor,
            interest_approved_minor: o.interest_approved_minor,
            interest_approval: o.interest_approval,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TransferList {
    pub state: String,
    pub transfers: Vec<TransferOrder>,
}

/// A receipt that is not a release.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    /// `refund` (credited as a negative receipt) or `penalty_interest`.
    #[schema(value_type = String, pattern = "^(refund|penalty_interest)$")]
    pub event: Option<String>,
    /// `import_duty` (default) or `special_duty`.
    #[schema(pattern = "^(import_duty|special_duty)$")]
    pub pool: Option<String>,
    /// The amount, positive, in the state's national currency (`1500.00`).
    #[schema(value_type = String, pattern = "^[0-9]{1,15}(\\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
    /// What it concerns, unique per event and state (a refund decision's number, a payment
    /// order's).
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub reference: Option<String>,
    /// The day (YYYY-MM-DD); default the business date.
    #[schema(format = Date)]
    pub date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordedReceipt {
    pub entry_key: String,
    /// The day it was credited: the next open day if its own is closed.
    pub day: String,
    /// Signed: a refund is negative.
    pub amount_minor: i64,
    pub already_recorded: bool,
}

impl From<tamga_store::ReceiptRecord> for RecordedReceipt {
    fn from(r: tamga_store::ReceiptRecord) -> RecordedReceipt {
        RecordedReceipt {
            entry_key: r.entry_key,
            day: format_date(r.day),
            amount_minor: r.amount_minor,
            already_recorded: r.already,
        }
    }
}

/// The body of send and confirm.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferAction {
    /// The day (YYYY-MM-DD); default the business date.
    #[schema(format = Date)]
    pub date: Option<String>,
    /// Send only: national units per unit of the transfer currency, the sending central bank's
    /// rate of the day; default the bundle's rate, when it has one.
    #[schema(pattern = "^[0-9]{1,7}(\\.[0-9]{1,8})?$")]
    pub rate: Option<String>,
}

/// The body of an interest approval.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestApproval {
    /// The most interest approved, in the sender's national currency (`1783603.30`).
    #[schema(value_type = String, pattern = "^[0-9]{1,15}(\\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
    /// Why: kept on the order and in the audit log.
    #[schema(value_type = String, min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$")]
    pub reason: Option<String>,
}

/// What two states' books say about one debt over a period: what the debtor's book says it owes
/// (`due_to:{creditor}`) and what the creditor's book says it is owed (`due_from:{debtor}`).
#[derive(Serialize, ToSchema)]
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
#[derive(Serialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
pub struct Reconciliation {
    pub from: String,
    pub to: String,
    /// True when every pair of books agrees and nothing received in the period is left
    /// undistributed.
    pub clean: bool,
    /// True when every pair of books agrees.
    pub books_agree: bool,
    pub pairs: Vec<PairBalance>,
    /// Receipts of the period not yet distributed, by state, day and pool: days not closed
    /// yet, or (`day_closed`) money stranded on a closed day.
    pub undistributed: Vec<Undistributed>,
}

impl From<tamga_app::Reconciliation> for Reconciliation {
    fn from(r: tamga_app::Reconciliation) -> Reconciliation {
        Reconciliation {
            from: format_date(r.from),
            to: format_date(r.to),
            clean: r.clean,
            books_agree: r.books_agree,
            pairs: r
                .pairs
                .into_iter()
                .map(|p| PairBalance {
                    debtor: p.debtor.to_string(),
                    creditor: p.creditor.to_string(),
                    currency: p.currency.to_string(),
                    debtor_says_minor: p.debtor_says_minor,
                    creditor_says_minor: p.creditor_says_minor,
                    difference_minor: p.difference_minor,
                    unmatched_entries: p.unmatched_entries,
                })
                .collect(),
            undistributed: r
                .undistributed
                .into_iter()
                .map(|u| Undistributed {
                    state: u.state.to_string(),
                    day: format_date(u.day),
                    pool: u.pool.as_str().to_owned(),
                    currency: u.currency.to_string(),
                    amount_minor: u.amount_minor,
                    day_closed: u.day_closed,
                })
                .collect(),
        }
    }
}

/// The first place the chain breaks, or an object or row that differs from what it recorded.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditProblem {
    /// The number of the entry concerned (the first one altered or removed; the entry that
    /// recorded an object or rows that differ).
    pub seq: i64,
    /// `altered` or `removed` (the chain), `object` (an object's stored state differs from its
    /// last entry), `rows` (the rows an entry wrote were altered, added or removed),
    /// `uncovered` (rows no entry wrote) or `checkpoint` (a kept checkpoint is not in the chain).
    pub kind: String,
    pub detail: String,
}

/// The result of checking the whole chain, the rows and the objects.
#[derive(Serialize, ToSchema)]
pub struct AuditReport {
    pub intact: bool,
    /// Entries read.
    pub entries: i64,
    /// Entries written before the chain was keyed: checked as a chain, without the key.
    pub unkeyed_entries: i64,
    /// The number and hash of the last entry, as the head row records them.
    pub head_seq: i64,
    pub head_hash: String,
    /// The node key's public id the chain is keyed with.
    pub key_id: Option<String>,
    /// Rows recomputed against their entries, and objects against their last entry.
    pub rows_checked: i64,
    pub objects_checked: i64,
    /// Checkpoints given and found in the chain.
    pub checkpoints_checked: i64,
    pub first_problem: Option<AuditProblem>,
    /// Every problem found (at most 100).
    pub problems: Vec<AuditProblem>,
}

impl From<tamga_store::AuditReport> for AuditReport {
    fn from(r: tamga_store::AuditReport) -> AuditReport {
        let problems: Vec<AuditProblem> = r
            .problems
            .iter()
            .map(|p| AuditProblem {
                seq: p.seq,
                kind: p.kind.as_str().to_owned(),
                detail: p.detail.clone(),
            })
            .collect();
        AuditReport {
            intact: r.intact,
            entries: r.entries,
            unkeyed_entries: r.unkeyed_entries,
            head_seq: r.head_seq,
            head_hash: r.head_hash,
            key_id: r.key_id,
            rows_checked: r.rows_checked,
            objects_checked: r.objects_checked,
            checkpoints_checked: r.checkpoints_checked,
            first_problem: problems.first().cloned(),
            problems,
        }
    }
}

/// A signed statement of the chain's head at one moment: an operator (or another node) keeps
/// it, and a later verification checks that the chain still holds this entry with this hash.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The public id of the node key that signed it.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub node: String,
    #[schema(minimum = 0)]
    pub seq: i64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub entry_hash: String,
    /// When it was taken (UTC, RFC 3339).
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")]
    pub at: String,
    /// Ed25519, hex, over the other fields.
    #[schema(pattern = "^[0-9a-f]{128}$")]
    pub signature: String,
}

impl From<tamga_store::Checkpoint> for Checkpoint {
    fn from(c: tamga_store::Checkpoint) -> Checkpoint {
        Checkpoint {
            node: c.node,
            seq: c.seq,
            entry_hash: c.entry_hash,
            at: c.at,
            signature: c.signature,
        }
    }
}

impl From<Checkpoint> for tamga_store::Checkpoint {
    fn from(c: Checkpoint) -> tamga_store::Checkpoint {
        tamga_store::Checkpoint {
            node: c.node,
            seq: c.seq,
            entry_hash: c.entry_hash,
            at: c.at,
            signature: c.signature,
        }
    }
}

/// Checkpoints kept by an operator, to check against the chain.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckpointList {
    pub checkpoints: Vec<Checkpoint>,
}

/// Who holds a token: its role and what the role is bound to.
#[derive(Clone, Debug, Serialize, ToSchema)]
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

/// A token as listed (never its secret).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenRecord {
    #[serde(flatten)]
    pub principal: Principal,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

impl From<tamga_store::TokenRecord> for TokenRecord {
    fn from(t: tamga_store::TokenRecord) -> TokenRecord {
        TokenRecord {
            principal: Principal {
                token_id: t.principal.token_id,
                role: t.principal.role.into(),
                state: t.principal.state.map(|s| s.to_string()),
                tin: t.principal.tin,
                name: t.principal.name,
            },
            created_at: t.created_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A request for a new token.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `declarant`, `officer`, `treasury`, `commission` or `admin`.
    #[schema(value_type = String, pattern = "^(declarant|officer|treasury|commission|admin)$")]
    pub role: Option<String>,
    /// The member state of an officer or treasury.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub state: Option<String>,
    /// The TIN of a declarant: 5 to 20 digits, as a declaration names it.
    #[schema(pattern = "^[0-9]{5,20}$")]
    pub tin: Option<String>,
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub name: Option<String>,
}

impl From<TokenRequest> for tamga_app::TokenRequest {
    fn from(t: TokenRequest) -> tamga_app::TokenRequest {
        tamga_app::TokenRequest {
            role: t.role,
            state: t.state,
            tin: t.tin,
            name: t.name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NewToken {
    /// The secret, shown this once: the service keeps only its SHA-256.
    pub token: String,
    #[serde(flatten)]
    pub record: TokenRecord,
}
