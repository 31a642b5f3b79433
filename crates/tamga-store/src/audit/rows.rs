//! The canonical texts of what the audit chain covers: the append-only rows each entry wrote,
//! and the state of each mutable object. One function per kind of row, used both when the row
//! is written and when it is read back to be checked, so that the two cannot drift apart.

use tamga_core::format_date;

use crate::ids::sha256_hex;

/// Fields as one unambiguous text: each is length-prefixed, so that no value (a reason with a
/// newline) can pass for two.
pub(crate) fn canonical(kind: &str, fields: &[&str]) -> String {
    let mut text =
        String::with_capacity(kind.len() + fields.iter().map(|f| f.len() + 6).sum::<usize>());
    text.push_str(kind);
    for field in fields {
        text.push('\u{1f}');
        text.push_str(&field.len().to_string());
        text.push(':');
        text.push_str(field);
    }
    text
}

/// The fields of a text made by [`canonical`] for `kind`; `None` when it is not one.
pub(crate) fn decode_canonical(kind: &str, text: &str) -> Option<Vec<String>> {
    let mut rest = text.strip_prefix(kind)?;
    let mut fields = Vec::new();
    while !rest.is_empty() {
        rest = rest.strip_prefix('\u{1f}')?;
        let (length, after) = rest.split_once(':')?;
        let length: usize = length.parse().ok()?;
        let field = after.get(..length)?;
        fields.push(field.to_owned());
        rest = &after[length..];
    }
    Some(fields)
}

pub(crate) fn opt(value: Option<&str>) -> &str {
    value.unwrap_or("\u{0}none")
}

pub(crate) fn version(
    id: &str,
    version: i64,
    body_sha256: &str,
    created_at: &str,
    actor: &str,
) -> String {
    canonical(
        "version",
        &[id, &version.to_string(), body_sha256, created_at, actor],
    )
}

/// An `assessments` row.
pub(crate) struct Assessment<'a> {
    pub id: &'a str,
    pub version: i64,
    pub registration_date: &'a str,
    pub tariff_edition: &'a str,
    pub rounding_rule: &'a str,
    pub currency: &'a str,
    pub exchange_rates: &'a str,
    pub total_minor: i64,
    pub document_sha256: &'a str,
    pub created_at: &'a str,
}

pub(crate) fn assessment(a: &Assessment<'_>) -> String {
    canonical(
        "assessment",
        &[
            a.id,
            &a.version.to_string(),
            a.registration_date,
            a.tariff_edition,
            a.rounding_rule,
            a.currency,
            a.exchange_rates,
            &a.total_minor.to_string(),
            a.document_sha256,
            a.created_at,
        ],
    )
}

/// A `payment_lines` row.
pub(crate) struct PaymentLineRow<'a> {
    pub id: &'a str,
    pub version: i64,
    pub line: i64,
    pub item: Option<i64>,
    pub payment_code: &'a str,
    pub kind: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

pub(crate) fn payment_line(l: &PaymentLineRow<'_>) -> String {
    let item = l.item.map(|i| i.to_string());
    canonical(
        "payment_line",
        &[
            l.id,
            &l.version.to_string(),
            &l.line.to_string(),
            opt(item.as_deref()),
            l.payment_code,
            l.kind,
            &l.amount_minor.to_string(),
            l.currency,
        ],
    )
}

/// A `ledger_entries` row.
pub(crate) struct LedgerEntry<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    pub state: &'a str,
    pub day: &'a str,
    pub pool: &'a str,
    pub currency: &'a str,
    pub amount_minor: i64,
    pub declaration: Option<&'a str>,
    pub line: Option<i64>,
    pub requested_day: Option<&'a str>,
    pub created_at: &'a str,
}

pub(crate) fn ledger_entry(e: &LedgerEntry<'_>) -> String {
    let line = e.line.map(|l| l.to_string());
    canonical(
        "ledger_entry",
        &[
            e.key,
            e.kind,
            e.state,
            e.day,
            e.pool,
            e.currency,
            &e.amount_minor.to_string(),
            opt(e.declaration),
            opt(line.as_deref()),
            opt(e.requested_day),
            e.created_at,
        ],
    )
}

/// What a refund's or penalty interest's entry records: its key, day and amount.
pub(crate) fn receipt_state(key: &str, day: tamga_core::Date, amount_minor: i64) -> String {
    sha256_hex(
        canonical(
            "receipt",
            &[key, &format_date(day), &amount_minor.to_string()],
        )
        .as_bytes(),
    )
}

pub(crate) fn posting(key: &str, n: i64, book: &str, account: &str, amount_minor: i64) -> String {
    canonical(
        "posting",
        &[
            key,
            &n.to_string(),
            book,
            account,
            &amount_minor.to_string(),
        ],
    )
}

/// A `day_closings` row.
pub(crate) struct Closing<'a> {
    pub state: &'a str,
    pub day: &'a str,
    pub currency: &'a str,
    pub normative_set: &'a str,
    pub special_rule: &'a str,
    pub receipts: i64,
    pub closed_at: &'a str,
    pub reported_at: &'a str,
    pub report_deadline: &'a str,
    pub late: bool,
    pub actor: &'a str,
}

pub(crate) fn closing(c: &Closing<'_>) -> String {
    canonical(
        "closing",
        &[
            c.state,
            c.day,
            c.currency,
            c.normative_set,
            c.special_rule,
            &c.receipts.to_string(),
            c.closed_at,
            c.reported_at,
            c.report_deadline,
            if c.late { "late" } else { "on time" },
            c.actor,
        ],
    )
}

pub(crate) fn share(
    state: &str,
    day: &str,
    pool: &str,
    to_state: &str,
    percent: &str,
    amount_minor: i64,
) -> String {
    canonical(
        "share",
        &[
            state,
            day,
            pool,
            to_state,
            percent,
            &amount_minor.to_string(),
        ],
    )
}

/// What a transfer order is when the closing makes it (the rest changes as it is sent and
/// confirmed, and is checked against the order's own entries).
pub(crate) struct OrderMade<'a> {
    pub id: &'a str,
    pub sender: &'a str,
    pub receiver: &'a str,
    pub day: &'a str,
    pub currency: &'a str,
    pub amount_minor: i64,
    pub transfer_currency: &'a str,
    pub due_by: &'a str,
}

pub(crate) fn order_made(o: &OrderMade<'_>) -> String {
    canonical(
        "order",
        &[
            o.id,
            o.sender,
            o.receiver,
            o.day,
            o.currency,
            &o.amount_minor.to_string(),
            o.transfer_currency,
            o.due_by,
        ],
    )
}

/// The state of a declaration's head, as its audit entries record it before and after a change:
/// every column of the `declarations` row but its list position and this hash itself.
pub(crate) fn declaration_state(head: &crate::read::DeclarationHead) -> String {
    let version = head.version.to_string();
    let registration_date = head.registration_date.map(format_date);
    sha256_hex(
        canonical(
            "declaration v2",
            &[
                &head.id,
                head.state.as_str(),
                &head.customs_office,
                &head.declarant_tin,
                head.status.as_str(),
                &version,
                opt(head.number.as_deref()),
                opt(registration_date.as_deref()),
                opt(head.reason.as_deref()),
                &format_date(head.submitted_on),
                &head.submitted_at,
                &head.updated_at,
                &head.body_sha256,
                opt(head.assessment_sha256.as_deref()),
            ],
        )
        .as_bytes(),
    )
}

/// The state of a token: who holds it, its digest, and whether it is revoked.
pub(crate) fn token_state(record: &crate::TokenRecord, digest: &str) -> String {
    let p = &record.principal;
    let state = p.state.map(|s| s.to_string());
    sha256_hex(
        canonical(
            "token v2",
            &[
                &p.token_id,
                digest,
                p.role.as_str(),
                opt(state.as_deref()),
                opt(p.tin.as_deref()),
                &p.name,
                &record.created_at,
                opt(record.revoked_at.as_deref()),
            ],
        )
        .as_bytes(),
    )
}

/// The state of a transfer order: every field.
pub(crate) fn order_state(o: &crate::TransferOrder) -> String {
    let int = |v: Option<i64>| v.map(|v| v.to_string());
    let text = |v: Option<String>| v;
    let fields = [
        Some(o.id.clone()),
        Some(o.sender.to_string()),
        Some(o.receiver.to_string()),
        Some(format_date(o.day)),
        Some(o.currency.to_string()),
        Some(o.amount_minor.to_string()),
        Some(o.transfer_currency.to_string()),
        Some(format_date(o.due_by)),
        Some(o.status.as_str().to_owned()),
        text(o.rate.map(|r| r.to_string())),
        int(o.transfer_amount_minor),
        text(o.sent_on.map(format_date)),
        text(o.confirmed_on.map(format_date)),
        int(o.days_late),
        text(o.daily_interest_rate.map(|r| r.to_string())),
        int(o.interest_minor),
        int(o.interest_approved_minor),
        o.interest_approval.clone(),
    ];
    let refs: Vec<&str> = fields.iter().map(|f| opt(f.as_deref())).collect();
    sha256_hex(canonical("order v2", &refs).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canonical_text_reads_back_whatever_its_fields_hold() {
        let fields = ["a", "", "with\u{1f}separator", "3:colon", "многобайтный"];
        let text = canonical("kind", &fields);
        assert_eq!(decode_canonical("kind", &text).unwrap(), fields);
        assert_eq!(decode_canonical("other", &text), None);
        assert_eq!(decode_canonical("kind", "kind\u{1f}9:short"), None);
    }
}
