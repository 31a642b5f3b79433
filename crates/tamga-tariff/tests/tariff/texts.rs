//! An edition dated by consolidated chapter text, with notes of every kind (`tests/bundles/texts`):
//! which text a rate comes from and what the data does not hold on the day, temporary and
//! member-state notes, repealed and unread notes, a marker without its note, and a rate printed
//! in a form tamga does not compute.

use std::path::PathBuf;

use tamga_tariff::{Layer, LookupError, LookupQuery, TariffSnapshot};

use crate::directory::DirectorySource;
use crate::{code, country, layer, query};

fn load_texts() -> TariffSnapshot {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bundles/texts");
    tamga_tariff::load(&DirectorySource { root }).unwrap_or_else(|e| panic!("{e}"))
}

fn in_state(code_text: &str, day: &str, state: &str) -> LookupQuery {
    LookupQuery {
        state: Some(country(state)),
        ..query(code_text, day)
    }
}

#[test]
fn a_rate_names_its_text_and_what_the_data_does_not_hold() {
    let snapshot = load_texts();
    // Before the chapter's earliest text: that text applies from the edition's start, and says
    // that earlier amendments are not in the data.
    let early = snapshot.lookup(&query("2202100000", "2022-03-01")).unwrap();
    assert_eq!(early.import_duty.rate.to_string(), "8% min 0.02 EUR/l");
    assert_eq!(
        early.import_duty.legal_basis,
        "Test decision No. 3 of 2021-12-01, chapter 22, text of 01.06.2022; applied from \
         2022-01-01: amendments before this text are not in the data"
    );
    // On the days the text covers by its own date: no caveat.
    let covered = snapshot.lookup(&query("2202100000", "2022-07-01")).unwrap();
    assert_eq!(
        covered.import_duty.legal_basis,
        "Test decision No. 3 of 2021-12-01, chapter 22, text of 01.06.2022"
    );
    assert_eq!(
        layer(&covered.layers, Layer::Base).legal_basis.as_deref(),
        Some("Test decision No. 3 of 2021-12-01, chapter 22, text of 01.06.2022")
    );
    // The newer text changes the rate from its own date; after the newest text, the answer
    // says later amendments are not in the data.
    let last_old = snapshot.lookup(&query("2202100000", "2023-02-28")).unwrap();
    assert_eq!(last_old.import_duty.rate.to_string(), "8% min 0.02 EUR/l");
    let newer = snapshot.lookup(&query("2202100000", "2023-03-01")).unwrap();
    assert_eq!(newer.import_duty.rate.to_string(), "5% min 0.02 EUR/l");
    assert!(
        !newer.import_duty.legal_basis.contains("not in the data"),
        "{}",
        newer.import_duty.legal_basis
    );
    let today = snapshot.lookup(&query("2202100000", "2026-12-01")).unwrap();
    assert_eq!(
        today.import_duty.legal_basis,
        "Test decision No. 3 of 2021-12-01, chapter 22, text of 01.03.2023; amendments after \
         this text are not in the data"
    );
}

#[test]
fn temporary_and_member_state_notes_apply_in_their_periods() {
    let snapshot = load_texts();
    let temporary = snapshot.lookup(&query("2202991100", "2022-05-01")).unwrap();
    assert_eq!(temporary.import_duty.layer, Layer::Temporary);
    assert_eq!(temporary.import_duty.rate.to_string(), "0%");
    // The RU note applies to goods imported into Russia, and only there.
    let russia = snapshot
        .lookup(&in_state("2202991100", "2023-06-01", "RU"))
        .unwrap();
    assert_eq!(russia.import_duty.rate.to_string(), "3%");
    assert!(
        russia
            .import_duty
            .legal_basis
            .starts_with("Test decision No. 7 of 2022-12-01, note <2С>"),
        "{}",
        russia.import_duty.legal_basis
    );
    let kazakhstan = snapshot
        .lookup(&in_state("2202991100", "2023-06-01", "KZ"))
        .unwrap();
    assert_eq!(kazakhstan.import_duty.rate.to_string(), "10%");
    let union = snapshot.lookup(&query("2202991100", "2023-06-01")).unwrap();
    assert_eq!(union.import_duty.layer, Layer::Base);
    // A repealed note with its earlier wording applies until the repeal; its second part after.
    let repealed = snapshot.lookup(&query("7306402000", "2022-02-01")).unwrap();
    assert_eq!(repealed.import_duty.rate.to_string(), "0%");
    assert!(
        repealed
            .import_duty
            .legal_basis
            .contains("repealed by Test decision No. 6")
    );
    let second = snapshot.lookup(&query("7306402000", "2022-05-01")).unwrap();
    assert_eq!(second.import_duty.rate.to_string(), "1%");
    let after = snapshot.lookup(&query("7306402000", "2022-07-01")).unwrap();
    assert_eq!(after.import_duty.rate.to_string(), "5%");
}

#[test]
fn notes_that_set_no_rate_are_remarks_never_rates() {
    let snapshot = load_texts();
    let edition = snapshot.edition("texts2022").unwrap();
    let remarks = |c: &str| -> Vec<String> {
        edition
            .note_remarks
            .get(&code(c))
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        remarks("2202991900"),
        vec![
            "note 3С: repealed by Test decision No. 9 of 2023-05-01; its wording before the \
             repeal is not in the data",
            "note 9С): text not in the data",
        ]
    );
    let unread = remarks("2202910000");
    assert_eq!(unread.len(), 1);
    assert!(unread[0].starts_with("note 4С: «Ставка"), "{unread:?}");
    assert!(
        unread[0].contains("a wording tamga does not read"),
        "{unread:?}"
    );
    // The base rate stands: a remark changes no duty.
    let found = snapshot.lookup(&query("2202991900", "2023-06-01")).unwrap();
    assert_eq!(found.import_duty.rate.to_string(), "12%");
    assert_eq!(found.import_duty.layer, Layer::Base);
}

#[test]
fn an_alternative_rate_is_an_unknown_duty_with_its_text() {
    let snapshot = load_texts();
    let err = snapshot
        .lookup(&query("7306301100", "2024-01-01"))
        .unwrap_err();
    match &err {
        LookupError::RateNotRead { text, basis, .. } => {
            assert!(text.starts_with("15, либо 12,5"), "{text}");
            assert_eq!(basis, "chapter 73, original text of 01.01.2022");
        }
        other => panic!("expected RateNotRead, got {other:?}"),
    }
    assert!(
        err.to_string().contains("a form tamga does not compute"),
        "{err}"
    );
}
