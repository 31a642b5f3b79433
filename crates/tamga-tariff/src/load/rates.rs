//! An edition's base rates, and the measures of the notes they cite.
//!
//! A rates file has `code, rate_raw` and optionally `tariff_note_refs`. The 2022 edition's is
//! dated by consolidated chapter text: `valid_from, valid_to` (each row's period: from its
//! text's date, or the edition's start for a chapter's earliest text, to the day before the
//! chapter's next text), `text_date`, `source_text` (`chapter 87, text of 22.01.2026`) and
//! `earlier_unknown` (the earliest text is dated after the edition's start). Without them, a
//! rate is in force for the whole edition.

use std::collections::HashMap;
use std::sync::Arc;

use tamga_core::{CommodityCode, Date, Validity, format_date};

use super::cells::{CodeLists, commodity_code, date};
use super::measures::PlacedMeasures;
use super::notes::{NoteEffect, Notes};
use super::table::{Col, Issues, Place, Row, Table};
use crate::rate::split_note_refs;
use crate::snapshot::{ConsolidatedText, Edition, Measure, MeasureKind, UnreadRate};

struct RateColumns {
    code: Col,
    rate: Col,
    note_refs: Col,
    from: Col,
    to: Col,
    text_date: Col,
    source_text: Col,
    earlier_unknown: Col,
}

impl RateColumns {
    fn of(table: &Table, issues: &mut Issues) -> RateColumns {
        RateColumns {
            code: table.col("code", true, issues),
            rate: table.col("rate_raw", true, issues),
            note_refs: table.col("tariff_note_refs", false, issues),
            from: table.col("valid_from", false, issues),
            to: table.col("valid_to", false, issues),
            text_date: table.col("text_date", false, issues),
            source_text: table.col("source_text", false, issues),
            earlier_unknown: table.col("earlier_unknown", false, issues),
        }
    }
}

/// What the base rates of an edition give besides measures: the rates tamga does not compute
/// and the remarks of notes that set no rate, by code.
#[derive(Default)]
pub(super) struct RateRemarks {
    pub(super) unread: HashMap<CommodityCode, Vec<UnreadRate>>,
    pub(super) notes: HashMap<CommodityCode, Vec<Arc<str>>>,
}

/// The notes each code cites, with where it first cites each.
type Citations = HashMap<(CommodityCode, String), Place>;

/// The first day each code has a rate in the data.
type FirstSeen = HashMap<CommodityCode, Date>;

/// The base rates of an edition (its rates table, already read), each in force for its row's period (the whole edition when the
/// file is not dated), with the measures and remarks of the notes they cite.
pub(super) fn load_base_rates(
    table: Option<Table>,
    codes: &CodeLists,
    edition: &Edition,
    notes: &Notes,
    issues: &mut Issues,
) -> (PlacedMeasures, RateRemarks) {
    let mut measures = PlacedMeasures::default();
    let mut remarks = RateRemarks::default();
    let Some(table) = table else {
        return (measures, remarks);
    };
    let cols = RateColumns::of(&table, issues);
    let base_id: Arc<str> = Arc::from(format!("{}:base", edition.id));
    let mut texts = TextCache::default();
    let mut cited = Citations::new();
    let mut first_seen = FirstSeen::new();
    measures.reserve(table.len());
    for row in table.rows() {
        let Some(code) = row.parse(cols.code, "a commodity code", commodity_code, issues) else {
            continue;
        };
        if edition.line(&code).is_none() {
            let message = format!(
                "a rate on an unknown code {code}: the edition {} has no such line",
                edition.id
            );
            issues.push(row.issue(cols.code, message));
            continue;
        }
        let Some(validity) = row_validity(&row, &cols, edition, issues) else {
            continue;
        };
        let text = texts.of(&row, &cols, edition, issues);
        let Some(raw) = row.required(cols.rate, "a rate", issues) else {
            continue;
        };
        let (rate_text, row_notes) = rate_and_notes(raw, row.get(cols.note_refs));
        first_seen
            .entry(code)
            .and_modify(|from| *from = (*from).min(validity.from))
            .or_insert(validity.from);
        for note in row_notes {
            cited
                .entry((code, note))
                .or_insert_with(|| row.place(cols.rate));
        }
        if crate::rate::is_alternative(rate_text) {
            remarks.unread.entry(code).or_default().push(UnreadRate {
                text: Arc::from(rate_text),
                validity,
                source: text.as_ref().map(|t| t.label.clone()),
            });
            continue;
        }
        let Some(rate) = codes.rate(&row, cols.rate, rate_text, issues) else {
            continue;
        };
        let legal_basis = text
            .as_ref()
            .map_or_else(|| edition.legal_basis.clone(), |t| t.basis.clone());
        let base = Measure {
            id: base_id.clone(),
            kind: MeasureKind::Base,
            code,
            origin: None,
            state: None,
            rate,
            validity,
            legal_basis,
            text,
        };
        measures.push(base, row.place(cols.code));
    }
    apply_notes(
        cited,
        &first_seen,
        notes,
        edition,
        &mut measures,
        &mut remarks,
    );
    (measures, remarks)
}

/// Puts each cited note's measures on its code, or its remark.
///
/// A note gives its own period: it applies from its start even where its marker first appears
/// in a later chapter text (the marker names the codes, the note the days), but never before
/// the code has a rate in the data.
fn apply_notes(
    cited: Citations,
    first_seen: &FirstSeen,
    notes: &Notes,
    edition: &Edition,
    measures: &mut PlacedMeasures,
    remarks: &mut RateRemarks,
) {
    let mut cited: Vec<_> = cited.into_iter().collect();
    // In the file's order, so that measures and remarks come out the same on every load.
    cited.sort_by_key(|(_, place)| place.line);
    for ((code, note), place) in cited {
        let from = first_seen
            .get(&code)
            .copied()
            .unwrap_or(edition.validity.from);
        let span = Validity::new(from, None);
        match notes.effect(&note, code, &span, &edition.validity) {
            Some(NoteEffect::Measures(list)) => {
                for measure in list {
                    measures.push(measure, place.clone());
                }
            }
            Some(NoteEffect::Remark(remark)) => {
                let list = remarks.notes.entry(code).or_default();
                if !list.contains(&remark) {
                    list.push(remark);
                }
            }
            None => {}
        }
    }
}

/// A row's period: its `valid_from`/`valid_to` within the edition, or the whole edition.
fn row_validity(
    row: &Row,
    cols: &RateColumns,
    edition: &Edition,
    issues: &mut Issues,
) -> Option<Validity> {
    if !cols.from.present() {
        return Some(edition.validity);
    }
    let from = row.parse(cols.from, "a date YYYY-MM-DD", date, issues)?;
    let what = "a date YYYY-MM-DD or empty (open-ended)";
    let to = row.parse_optional(cols.to, what, date, issues)?;
    if to.is_some_and(|to| to < from) {
        issues.push(row.issue(cols.to, "expected a date on or after valid_from"));
        return None;
    }
    let Some(validity) = Validity::new(from, to).clamp_to(&edition.validity) else {
        let message = format!("expected a period within the edition {}", edition.validity);
        issues.push(row.issue(cols.from, message));
        return None;
    };
    Some(validity)
}

/// The consolidated texts of a rates file, one shared value per text.
#[derive(Default)]
struct TextCache(HashMap<String, Arc<ConsolidatedText>>);

impl TextCache {
    /// The text a row cites, if the file names texts.
    fn of(
        &mut self,
        row: &Row,
        cols: &RateColumns,
        edition: &Edition,
        issues: &mut Issues,
    ) -> Option<Arc<ConsolidatedText>> {
        let label = row.get(cols.source_text);
        if label.is_empty() {
            return None;
        }
        if let Some(text) = self.0.get(label) {
            return Some(text.clone());
        }
        let as_of = row.parse(cols.text_date, "the text's date YYYY-MM-DD", date, issues)?;
        let earlier_unknown = match row.get(cols.earlier_unknown) {
            "true" => true,
            "" | "false" => false,
            other => {
                let message = format!("expected true or false, got {other:?}");
                issues.push(row.issue(cols.earlier_unknown, message));
                return None;
            }
        };
        let newest = row.get(cols.to).is_empty();
        let text = Arc::new(consolidated_text(
            edition,
            label,
            as_of,
            earlier_unknown,
            newest,
        ));
        self.0.insert(label.to_owned(), text.clone());
        Some(text)
    }
}

/// A text with the legal basis its rates read on days before and after its date.
fn consolidated_text(
    edition: &Edition,
    label: &str,
    as_of: Date,
    earlier_unknown: bool,
    newest: bool,
) -> ConsolidatedText {
    let basis = format!("{}, {label}", edition.legal_basis);
    ConsolidatedText {
        label: Arc::from(label),
        basis: Arc::from(basis.as_str()),
        as_of,
        before: earlier_unknown.then(|| {
            Arc::from(format!(
                "{basis}; applied from {}: amendments before this text are not in the data",
                format_date(edition.validity.from)
            ))
        }),
        after: newest.then(|| {
            Arc::from(format!(
                "{basis}; amendments after this text are not in the data"
            ))
        }),
    }
}

/// The rate of a rates-file cell and the notes that apply to it: the cell's own markers, then
/// those of `tariff_note_refs` (`;`-separated, a Latin C read as the tariff's Cyrillic С).
fn rate_and_notes<'r>(raw: &'r str, note_refs: &str) -> (&'r str, Vec<String>) {
    let (rate_text, mut notes) = split_note_refs(raw);
    for extra in note_refs
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let extra = extra.replace('C', "С");
        if !notes.contains(&extra) {
            notes.push(extra);
        }
    }
    (rate_text, notes)
}
