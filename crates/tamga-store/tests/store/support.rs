//! Fixtures shared by the suite's modules: declarations, assessments and requests to write, the
//! usual commands (submit, register, decide, release, close a day), and reads of the ledger.

use std::collections::BTreeMap;

use sqlx::Row;
use tamga_core::{CountryCode, CurrencyCode, Date};
use tamga_store::{
    CloseDay, Command, Decision, DeclarationRecord, NewAssessment, NewDeclaration, PaymentLine,
    Status, Store, StoreError, WriteOutcome, WriteRequest, new_declaration_id,
};
use tamga_treasury::closing::SpecialDutyRule;

use tamga_testing::TestDb;

/// A customs officer of Russia.
pub const OFFICER_RU: &str = "officer:tok_ru";
/// The declarant who submits the suite's declarations.
pub const DECLARANT: &str = "declarant:tok_a";

/// A declaration's document for declarant `tin`, its item described as `marker`.
pub fn body(tin: &str, marker: &str) -> String {
    format!(
        r#"{{"state":"RU","customs_office":"10702070","declarant":{{"tin":"{tin}"}},"items":[{{"description":"{marker}"}}]}}"#
    )
}

/// The country `code`.
pub fn cc(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap()
}

/// The currency `code`.
pub fn cur(code: &str) -> CurrencyCode {
    CurrencyCode::parse(code).unwrap()
}

/// The date `text` (ISO 8601).
pub fn date(text: &str) -> Date {
    tamga_core::parse_date(text).unwrap()
}

/// The present moment, UTC, RFC 3339: the time a request's change records.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A new declaration, with a fresh id, lodged in `state` at `office` by `tin` on `day`.
pub fn new_declaration(state: &str, office: &str, tin: &str, day: &str) -> NewDeclaration {
    NewDeclaration {
        id: new_declaration_id(1_700_000_000_000),
        state: cc(state),
        customs_office: office.into(),
        declarant_tin: tin.into(),
        submitted_on: date(day),
        body: body(tin, "first"),
    }
}

/// An assessment in RUB of `duty_minor` import duty and as much VAT, registered on `day`.
pub fn assessment(day: &str, duty_minor: i64) -> NewAssessment {
    NewAssessment {
        registration_date: date(day),
        tariff_edition: "ett2017".into(),
        rounding_rule: "half_up 2".into(),
        currency: cur("RUB"),
        exchange_rates: r#"[{"currency":"EUR","rate":"88.1234"}]"#.into(),
        total_minor: duty_minor * 2,
        document: format!(
            r#"{{"totals":{{"import_duty":"{}.{:02}"}}}}"#,
            duty_minor / 100,
            duty_minor % 100
        ),
        lines: vec![
            PaymentLine {
                item: Some(1),
                payment_code: "2010".into(),
                kind: "import_duty".into(),
                amount_minor: duty_minor,
            },
            PaymentLine {
                item: Some(1),
                payment_code: "5010".into(),
                kind: "vat".into(),
                amount_minor: duty_minor,
            },
        ],
    }
}

/// `actor`'s request, now and without an idempotency key, to make `command`.
pub fn request(actor: &str, command: Command) -> WriteRequest {
    WriteRequest {
        actor: actor.into(),
        at: now(),
        idempotency: None,
        command,
    }
}

/// The declaration a write made or changed (not a replay of an earlier one).
pub fn record(outcome: WriteOutcome) -> DeclarationRecord {
    match outcome {
        WriteOutcome::Declaration {
            record,
            replayed: false,
        } => record,
        other => panic!("expected a declaration, got {other:?}"),
    }
}

/// The declarant submits `new`.
pub async fn submit(store: &Store, new: NewDeclaration) -> DeclarationRecord {
    record(
        store
            .write(request(DECLARANT, Command::Submit(new)))
            .await
            .unwrap(),
    )
}

/// A Russian officer registers declaration `id`, expected at `version`, on `day`.
pub async fn register(
    store: &Store,
    id: &str,
    version: i64,
    day: &str,
) -> Result<DeclarationRecord, StoreError> {
    store
        .write(request(
            OFFICER_RU,
            Command::Register {
                id: id.into(),
                expected_version: version,
                registration_date: date(day),
                assessment: assessment(day, 880_000),
            },
        ))
        .await
        .map(record)
}

/// `actor` decides on declaration `id`: its status after.
pub async fn decide(
    store: &Store,
    actor: &str,
    id: &str,
    decision: Decision,
) -> Result<Status, StoreError> {
    store
        .write(request(
            actor,
            Command::Decide {
                id: id.into(),
                decision,
            },
        ))
        .await
        .map(|o| record(o).status)
}

/// The distribution normatives in force from 2020.
pub fn normatives_2020() -> tamga_treasury::Normatives {
    use std::str::FromStr;
    let share = |s: &str, p: &str| {
        (
            tamga_core::CountryCode::parse(s).unwrap(),
            rust_decimal::Decimal::from_str(p).unwrap(),
        )
    };
    tamga_treasury::Normatives::from_set(&tamga_tariff::snapshot::NormativeSet {
        id: "2020".into(),
        validity: tamga_core::Validity::new(tamga_core::parse_date("2020-01-01").unwrap(), None),
        shares: vec![
            share("AM", "1.220"),
            share("BY", "4.860"),
            share("KZ", "6.955"),
            share("KG", "1.900"),
            share("RU", "85.065"),
        ],
        legal_basis: "Protocol of 1 Oct 2019".into(),
        verification: tamga_tariff::snapshot::Verification::Verified,
    })
    .unwrap()
}

/// A declaration submitted, registered and released on `day` with `duty_minor` of import
/// duty: its id.
pub async fn released(store: &Store, duty_minor: i64, day: &str) -> String {
    let new = new_declaration("RU", "10702070", "1", day);
    submit(store, new.clone()).await;
    store
        .write(request(
            OFFICER_RU,
            Command::Register {
                id: new.id.clone(),
                expected_version: 1,
                registration_date: date(day),
                assessment: assessment(day, duty_minor),
            },
        ))
        .await
        .unwrap();
    let release = Decision::Release {
        reason: None,
        day: date(day),
    };
    decide(store, OFFICER_RU, &new.id, release).await.unwrap();
    new.id
}

/// Russia's treasury closes `day`: the closing, and whether it was closed already.
pub async fn close(store: &Store, day: &str) -> (tamga_store::DayClosing, bool) {
    let outcome = store
        .write(request(
            "treasury:tok_ru",
            Command::CloseDay(Box::new(CloseDay {
                state: cc("RU"),
                day: date(day),
                currency: cur("RUB"),
                normatives: normatives_2020(),
                special_rule: SpecialDutyRule::Normatives,
                transfer_currencies: BTreeMap::from([(cc("KZ"), cur("USD"))]),
                due_by: date(day),
                reported_at: format!("{day}T10:00:00Z"),
                report_deadline: format!("{day}T13:00:00Z"),
                late: false,
            })),
        ))
        .await
        .unwrap();
    match outcome {
        WriteOutcome::DayClosed { closing, already } => (closing, already),
        other => panic!("{other:?}"),
    }
}

/// How many ledger entries have postings that do not sum to 0 (all must).
pub async fn unbalanced_entries(db: &TestDb) -> i64 {
    let mut raw = db.raw().await;
    let rows = sqlx::query(
        "SELECT entry_key FROM ledger_postings GROUP BY entry_key HAVING SUM(amount_minor) <> 0",
    )
    .fetch_all(&mut raw)
    .await
    .unwrap();
    rows.len() as i64
}

/// The balance of `account` in `book`'s ledger.
pub async fn balance(db: &TestDb, book: &str, account: &str) -> i64 {
    let mut raw = db.raw().await;
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS TEXT) FROM ledger_postings \
         WHERE book = $1 AND account = $2",
    )
    .bind(book)
    .bind(account)
    .fetch_one(&mut raw)
    .await
    .unwrap();
    row.get::<String, _>(0).parse().unwrap()
}
