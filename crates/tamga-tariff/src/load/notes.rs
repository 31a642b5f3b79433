//! An edition's tariff notes (`<NС>` markers on its rates): temporary rates for a period, rates
//! for goods imported into one member state, notes repealed by a later decision, and notes whose
//! wording tamga does not read. A note puts a measure on each code whose rate cites it; a note
//! that sets no rate leaves a remark on the code instead, and never a guessed rate.
//!
//! Two layouts are read. The 2017 notes file has `note_id, temp_rate_text, valid_from, valid_to,
//! text`: every note a temporary rate for the whole union. The 2022 one adds `part` (a note with
//! several rates for successive periods or states), `kind` (`temporary`, `state`, `repealed`,
//! `unresolved`), `state` and `legal_basis`, and names the rate column `rate_text`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tamga_core::{CommodityCode, CountryCode, Validity};

use super::cells::CodeLists;
use super::dated::{DatedRow, DatedTable};
use super::table::{Col, Issues, Table};
use crate::bundle::BundleSource;
use crate::rate::RateExpr;
use crate::snapshot::{Edition, Measure, MeasureKind};

/// One rate a note sets: its period, the member state it is limited to, its basis.
struct NoteRate {
    rate: RateExpr,
    validity: Validity,
    state: Option<CountryCode>,
    legal_basis: Arc<str>,
}

/// What a note says, as far as tamga reads it.
enum Note {
    /// One or more rates (one per part).
    Rates(Vec<NoteRate>),
    /// No rate: shown with the codes that cite it.
    Remark(Arc<str>),
    /// Listed but broken: its problem is reported where it is listed.
    Broken,
}

/// What a note does to a code that cites it.
pub(super) enum NoteEffect {
    Measures(Vec<Measure>),
    Remark(Arc<str>),
}

/// The notes of an edition, by note id.
#[derive(Default)]
pub(super) struct Notes(HashMap<String, Note>);

impl Notes {
    /// What note `id` does to `code`, which has rates over `cited`: its rates within that span
    /// and the edition, or its remark. A
    /// note the notes file does not have is a remark saying so.
    pub(super) fn effect(
        &self,
        id: &str,
        code: CommodityCode,
        cited: &Validity,
        edition: &Validity,
    ) -> Option<NoteEffect> {
        match self.0.get(id) {
            None => Some(NoteEffect::Remark(Arc::from(format!(
                "note {id}): text not in the data"
            )))),
            Some(Note::Broken) => None,
            Some(Note::Remark(remark)) => Some(NoteEffect::Remark(remark.clone())),
            Some(Note::Rates(rates)) => Some(NoteEffect::Measures(
                rates
                    .iter()
                    .filter_map(|r| {
                        let validity = r.validity.clamp_to(cited)?.clamp_to(edition)?;
                        Some(Measure {
                            id: Arc::from(id),
                            kind: MeasureKind::Temporary,
                            code,
                            origin: None,
                            state: r.state,
                            rate: r.rate.clone(),
                            validity,
                            legal_basis: r.legal_basis.clone(),
                            text: None,
                        })
                    })
                    .collect(),
            )),
        }
    }
}

struct NoteColumns {
    id: Col,
    part: Col,
    kind: Col,
    rate: Col,
    state: Col,
    legal_basis: Col,
    text: Col,
}

impl NoteColumns {
    fn of(table: &Table, issues: &mut Issues) -> NoteColumns {
        // The 2022 layout names the rate `rate_text`; the 2017 one `temp_rate_text`.
        let rate = match table.col("rate_text", false, issues) {
            col if col.present() => col,
            _ => table.col("temp_rate_text", true, issues),
        };
        NoteColumns {
            id: table.col("note_id", true, issues),
            part: table.col("part", false, issues),
            kind: table.col("kind", false, issues),
            rate,
            state: table.col("state", false, issues),
            legal_basis: table.col("legal_basis", false, issues),
            text: table.col("text", true, issues),
        }
    }
}

/// The notes file of an edition (none when `path` is empty). An empty start means "from the
/// day the deciding act entered into force", which the source does not date: the edition's own
/// start is the earliest the data supports, and the legal basis says so.
pub(super) fn load_notes(
    source: &dyn BundleSource,
    path: &str,
    codes: &CodeLists,
    edition: &Edition,
    issues: &mut Issues,
) -> Notes {
    if path.is_empty() {
        return Notes::default();
    }
    let mut listed = HashSet::new();
    let rows = DatedTable::new(path, "tariff note", "note_id")
        .required()
        .open_start(edition.validity.from)
        .read_placed(source, issues, NoteColumns::of, |cols, dated, issues| {
            let row = &dated.row;
            let id = row.required(cols.id, "a note id such as 1С", issues)?;
            let part = row.get(cols.part);
            if !listed.insert((id.to_owned(), part.to_owned())) {
                let what = if part.is_empty() {
                    String::new()
                } else {
                    format!(" part {part}")
                };
                issues.push(row.issue(cols.id, format!("note {id}{what} is listed twice")));
                return None;
            }
            Some((
                id.to_owned(),
                read_note(cols, dated, id, codes, edition, issues),
            ))
        });
    let mut notes = Notes::default();
    for ((id, note), _) in rows {
        match (notes.0.remove(&id), note) {
            (Some(Note::Rates(mut rates)), Note::Rates(more)) => {
                rates.extend(more);
                notes.0.insert(id, Note::Rates(rates));
            }
            (Some(Note::Broken), _) | (_, Note::Broken) => {
                notes.0.insert(id, Note::Broken);
            }
            (_, note) => {
                notes.0.insert(id, note);
            }
        }
    }
    notes
}

/// One row of the notes file: a rate, or a remark when the note sets none.
fn read_note(
    cols: &NoteColumns,
    dated: &DatedRow<'_>,
    id: &str,
    codes: &CodeLists,
    edition: &Edition,
    issues: &mut Issues,
) -> Note {
    let row = &dated.row;
    let text = row
        .get(cols.text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let own_basis = row.get(cols.legal_basis);
    let kind = match row.get(cols.kind) {
        "" | "temporary" | "state" | "repealed" | "unresolved" => row.get(cols.kind),
        other => {
            let message = format!(
                "expected a note kind (temporary, state, repealed, unresolved), got {other:?}"
            );
            issues.push(row.issue(cols.kind, message));
            return Note::Broken;
        }
    };
    let rate_text = row.get(cols.rate);
    match kind {
        "unresolved" => {
            return Note::Remark(Arc::from(format!(
                "note {id}: «{text}»: a wording tamga does not read; no rate is applied from it"
            )));
        }
        "repealed" if rate_text.is_empty() => {
            let basis = if own_basis.is_empty() {
                "repealed"
            } else {
                own_basis
            };
            return Note::Remark(Arc::from(format!(
                "note {id}: {basis}; its wording before the repeal is not in the data"
            )));
        }
        _ => {}
    }
    let state = match (kind, row.get(cols.state)) {
        ("state", "") => {
            let message = "expected the member state a state note is limited to";
            issues.push(row.issue(cols.state, message));
            return Note::Broken;
        }
        (_, "") => None,
        _ => match codes.country(row, cols.state, issues) {
            Some(state) => Some(state),
            None => return Note::Broken,
        },
    };
    let Some(rate) = codes.required_rate(row, cols.rate, "the note's rate", issues) else {
        return Note::Broken;
    };
    let Some(validity) = dated.validity else {
        return Note::Broken;
    };
    Note::Rates(vec![NoteRate {
        rate,
        validity,
        state,
        legal_basis: Arc::from(note_basis(
            dated,
            cols,
            id,
            &text,
            kind == "repealed",
            edition,
        )),
    }])
}

/// A note's legal basis: the act it names (else the edition's), the note and its wording, and
/// what the data does not say of its start.
fn note_basis(
    dated: &DatedRow<'_>,
    cols: &NoteColumns,
    id: &str,
    text: &str,
    repealed: bool,
    edition: &Edition,
) -> String {
    let row = &dated.row;
    // A repealed note was in force under its own act (else the edition's) until the repeal:
    // the repeal clause of its basis is said after the wording, not as the basis of the rate.
    let own = row.get(cols.legal_basis);
    let (own_act, repeal) = match own.find("repealed by ") {
        Some(at) if repealed => (own[..at].trim_end_matches([';', ' ']), Some(&own[at..])),
        _ => (own, None),
    };
    let act = if own_act.is_empty() {
        &*edition.legal_basis
    } else {
        own_act
    };
    let mut basis = format!("{act}, note <{id}>: {text}");
    if row.get(dated.from).is_empty() {
        basis.push_str(" (start date not given in the source; taken as the edition start)");
    }
    if let Some(repeal) = repeal {
        basis.push_str(&format!(" (later {repeal})"));
    }
    basis
}
