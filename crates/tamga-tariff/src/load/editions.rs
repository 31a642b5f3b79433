//! `editions.csv` and the files each edition names: its nomenclature lines, its sections and
//! chapters, its base rates and its temporary-rate notes. The editions are independent until
//! their measures are merged, so each is read on a thread of its own.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use tamga_core::{CommodityCode, UnitCode, Validity};

use super::cells::{CodeLists, commodity_code};
use super::dated::{DatedRow, DatedTable, InForce};
use super::measures::PlacedMeasures;
use super::notes::load_notes;
use super::rates::load_base_rates;
use super::table::{Col, Issues, Place, Row, Table};
use crate::bundle::BundleSource;
use crate::snapshot::{Chapter, CodeMap, Edition, LineKind, NomenclatureLine, Section};

/// An edition as listed in `editions.csv`, before its files are read.
struct EditionSpec {
    edition: Edition,
    lines_path: String,
    sections_path: Option<String>,
    rates_path: Option<String>,
    temporary_path: String,
    /// Its row in `editions.csv`, where a failure to read its files is reported.
    place: Place,
}

impl InForce for EditionSpec {
    // Editions replace one another: no two may be in force on the same day.
    type Key = ();
    fn key(&self) {}
    fn validity(&self) -> Validity {
        self.edition.validity
    }
}

/// What one edition's files gave: the edition, its measures, its problems.
struct EditionLoad {
    edition: Edition,
    measures: PlacedMeasures,
    issues: Issues,
}

struct EditionColumns {
    id: Col,
    title: Col,
    legal_basis: Col,
    rates: Col,
    lines_file: Col,
    sections_file: Col,
    rates_file: Col,
    temporary_file: Col,
    note: Col,
}

impl EditionColumns {
    fn of(table: &Table, issues: &mut Issues) -> Self {
        EditionColumns {
            id: table.col("edition", true, issues),
            title: table.col("title", true, issues),
            legal_basis: table.col("legal_basis", true, issues),
            rates: table.col("rates", true, issues),
            lines_file: table.col("lines_file", true, issues),
            sections_file: table.col("sections_file", true, issues),
            rates_file: table.col("rates_file", true, issues),
            temporary_file: table.col("temporary_rates_file", true, issues),
            note: table.col("note", false, issues),
        }
    }
}

/// The editions in order of their periods; the measures of their rates files go to `measures`.
pub(super) fn load_editions(
    source: &dyn BundleSource,
    codes: &CodeLists,
    hs_english: &HashMap<String, String>,
    measures: &mut PlacedMeasures,
    issues: &mut Issues,
) -> Vec<Edition> {
    let specs = DatedTable::new("editions.csv", "tariff edition", "valid_from")
        .required()
        .read(source, issues, EditionColumns::of, edition_spec);
    let mut editions = Vec::with_capacity(specs.len());
    for load in load_in_parallel(source, codes, hs_english, specs, issues) {
        editions.push(load.edition);
        for (measure, place) in load.measures.measures.into_iter().zip(load.measures.places) {
            measures.push(measure, place);
        }
        for issue in load.issues.list {
            issues.push(issue);
        }
    }
    editions.sort_by_key(|e| e.validity.from);
    editions
}

fn edition_spec(
    cols: &EditionColumns,
    dated: &DatedRow<'_>,
    issues: &mut Issues,
) -> Option<EditionSpec> {
    let row = &dated.row;
    let edition_id = row.required(cols.id, "an edition id", issues)?;
    let validity = dated.validity?;
    let rates_known = match row.get(cols.rates) {
        "known" => true,
        "unknown" => false,
        other => {
            let message = format!("expected known or unknown, got {other:?}");
            issues.push(row.issue(cols.rates, message));
            return None;
        }
    };
    let what = "the path of the nomenclature lines file";
    let lines_path = row.required(cols.lines_file, what, issues)?;
    let what = "the path of the sections file";
    let sections_path = row.required(cols.sections_file, what, issues);
    let rates_path = if rates_known {
        let what = "the path of the rates file (rates are known)";
        row.required(cols.rates_file, what, issues)
    } else {
        if !row.get(cols.rates_file).is_empty() {
            let message = "expected no rates file for an edition whose rates are unknown";
            issues.push(row.issue(cols.rates_file, message));
        }
        None
    };
    Some(EditionSpec {
        edition: Edition {
            id: edition_id.to_owned(),
            title: row.get(cols.title).to_owned(),
            validity,
            legal_basis: Arc::from(row.get(cols.legal_basis)),
            rates_known,
            note: row.get(cols.note).to_owned(),
            lines: Vec::new(),
            sections: Vec::new(),
            chapters: Vec::new(),
            line_by_code: CodeMap::default(),
            line_measures: Vec::new(),
            sorted_codes: Vec::new(),
            note_remarks: HashMap::new(),
            unread_rates: HashMap::new(),
        },
        lines_path: lines_path.to_owned(),
        sections_path: sections_path.map(str::to_owned),
        rates_path: rates_path.map(str::to_owned),
        temporary_path: row.get(cols.temporary_file).to_owned(),
        place: row.place(cols.id),
    })
}

/// Reads the editions' files, one thread each. A thread that stops (a panic: a bug of the
/// loader, or a source that panics) fails the load at the edition's row: the bundle must never
/// load without one of its editions.
fn load_in_parallel(
    source: &dyn BundleSource,
    codes: &CodeLists,
    hs_english: &HashMap<String, String>,
    specs: Vec<EditionSpec>,
    issues: &mut Issues,
) -> Vec<EditionLoad> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .into_iter()
            .map(|spec| {
                let (id, place) = (spec.edition.id.clone(), spec.place.clone());
                let handle = scope.spawn(move || load_edition(source, codes, hs_english, spec));
                (id, place, handle)
            })
            .collect();
        // Joining every handle here is what keeps a panic from escaping the scope.
        handles
            .into_iter()
            .filter_map(|(id, place, handle)| match handle.join() {
                Ok(load) => Some(load),
                Err(panic) => {
                    issues.push(place.issue(format!(
                        "the files of edition {id} could not be read: their loader stopped ({})",
                        panic_message(panic.as_ref())
                    )));
                    None
                }
            })
            .collect()
    })
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    match panic.downcast_ref::<&str>() {
        Some(message) => message,
        None => panic
            .downcast_ref::<String>()
            .map_or("no message", String::as_str),
    }
}

fn load_edition(
    source: &dyn BundleSource,
    codes: &CodeLists,
    hs_english: &HashMap<String, String>,
    spec: EditionSpec,
) -> EditionLoad {
    let mut issues = Issues::default();
    let mut edition = spec.edition;
    // The rates file is the largest of an edition (8 MB for 2017): its CSV is parsed on a
    // thread of its own while the lines load, and read once the lines are known.
    std::thread::scope(|scope| {
        let rates_table = spec.rates_path.as_deref().map(|path| {
            scope.spawn(move || {
                let mut own = Issues::default();
                (Table::read(source, path, true, &mut own), own)
            })
        });
        load_lines(source, &spec.lines_path, codes, &mut edition, &mut issues);
        edition.sorted_codes = edition
            .lines
            .iter()
            .filter(|l| l.kind != LineKind::Excluded)
            .filter_map(|l| l.code)
            .collect();
        edition.sorted_codes.sort_unstable();
        if let Some(path) = &spec.sections_path {
            load_sections(source, path, hs_english, &mut edition, &mut issues);
        }
        let measures = match rates_table {
            Some(handle) => {
                let (table, read_issues) = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                issues.list.extend(read_issues.list);
                let notes_path = &spec.temporary_path;
                let notes = load_notes(source, notes_path, codes, &edition, &mut issues);
                let (measures, remarks) =
                    load_base_rates(table, codes, &edition, &notes, &mut issues);
                edition.note_remarks = remarks.notes;
                edition.unread_rates = remarks.unread;
                measures
            }
            None => PlacedMeasures::default(),
        };
        EditionLoad {
            edition,
            measures,
            issues,
        }
    })
}

/// Strips note markers (`<12>`, `<3С>`) and the trailing colon of a table line's text.
fn clean_line_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        match rest[start..].find('>') {
            Some(end) if end <= 8 => {
                out.push_str(&rest[..start]);
                rest = &rest[start + end + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    let trimmed = out.trim().trim_end_matches(':').trim_end();
    trimmed.to_owned()
}

struct LineColumns {
    seq: Col,
    section: Col,
    chapter: Col,
    kind: Col,
    code: Col,
    level: Col,
    text: Col,
    unit: Col,
}

impl LineColumns {
    fn of(table: &Table, issues: &mut Issues) -> Self {
        LineColumns {
            seq: table.col("seq", true, issues),
            section: table.col("section", true, issues),
            chapter: table.col("chapter", true, issues),
            kind: table.col("kind", true, issues),
            code: table.col("code", true, issues),
            level: table.col("level", true, issues),
            text: table.col("text", true, issues),
            unit: table.col("supplementary_unit", true, issues),
        }
    }
}

fn load_lines(
    source: &dyn BundleSource,
    path: &str,
    codes: &CodeLists,
    edition: &mut Edition,
    issues: &mut Issues,
) {
    let Some(table) = Table::read(source, path, true, issues) else {
        return;
    };
    let cols = LineColumns::of(&table, issues);
    let mut open = OpenLines::default();
    edition.lines.reserve(table.len());
    for row in table.rows() {
        let Some(kind) = row.parse(cols.kind, "a line kind", LineKind::parse, issues) else {
            continue;
        };
        let Some(code) = line_code(&row, cols.code, kind, issues) else {
            continue;
        };
        let Some(level) = line_level(&row, cols.level, kind, &open, issues) else {
            continue;
        };
        let supplementary_unit = supplementary_unit(&row, cols.unit, codes, issues);
        let index = edition.lines.len() as u32;
        let parent = open.attach(level, index);
        if level > 0 && parent.is_none() {
            let message = "expected a heading (level 0) before this line";
            issues.push(row.issue(cols.level, message));
        }
        if let Some(c) = code
            && kind != LineKind::Excluded
            && !index_code(edition, c, level, index)
        {
            let message = format!("code {c} appears twice in the edition");
            issues.push(row.issue(cols.code, message));
        }
        edition.lines.push(NomenclatureLine {
            seq: row.get(cols.seq).parse().unwrap_or(index + 1),
            kind,
            code,
            level,
            section: row.get(cols.section).to_owned(),
            chapter: row.get(cols.chapter).to_owned(),
            text_ru: clean_line_text(row.get(cols.text)),
            supplementary_unit,
            parent,
        });
    }
}

/// The lines a new line may hang under: the last line read at each dash level, reset at each
/// heading.
#[derive(Default)]
struct OpenLines(Vec<(u8, u32)>);

impl OpenLines {
    /// Opens the line `index` at `level`, and gives its parent: the nearest open line of a
    /// smaller level within its heading (none for a heading, or for a line before any).
    fn attach(&mut self, level: u8, index: u32) -> Option<u32> {
        if level == 0 {
            self.0.clear();
        }
        while self.0.last().is_some_and(|&(l, _)| l >= level) {
            self.0.pop();
        }
        let parent = self.0.last().map(|&(_, i)| i);
        self.0.push((level, index));
        parent
    }

    fn last_level(&self) -> Option<u8> {
        self.0.last().map(|&(level, _)| level)
    }
}

/// The code of a line of this kind: none for an uncoded line, else a code of the kind's
/// lengths. `None` when the row cannot be a line.
fn line_code(
    row: &Row,
    col: Col,
    kind: LineKind,
    issues: &mut Issues,
) -> Option<Option<CommodityCode>> {
    let Some(lengths) = kind.code_len() else {
        if !row.get(col).is_empty() {
            let message = "expected no code on an uncoded (intermediate) line";
            issues.push(row.issue(col, message));
        }
        return Some(None);
    };
    let code = row.parse(col, "a commodity code", commodity_code, issues)?;
    if !lengths.contains(&code.len()) {
        let message =
            format!("expected a code of {lengths:?} digits for a {kind:?} line, got {code}");
        issues.push(row.issue(col, message));
        return None;
    }
    Some(Some(code))
}

/// The dash level of a line. A deleted code keeps its place in the table but has no dash
/// level: it hangs under the line above it.
fn line_level(
    row: &Row,
    col: Col,
    kind: LineKind,
    open: &OpenLines,
    issues: &mut Issues,
) -> Option<u8> {
    if kind == LineKind::Excluded && row.get(col).is_empty() {
        return Some(open.last_level().map_or(1, |l| l.saturating_add(1)));
    }
    row.parse(col, "a dash level 0..20", dash_level, issues)
}

fn dash_level(text: &str) -> Result<u8, String> {
    let level = text.parse::<u8>().map_err(|e| e.to_string())?;
    if level <= 20 {
        Ok(level)
    } else {
        Err("more than 20 dashes".into())
    }
}

/// The unit whose Russian symbol the line prints; `-` or empty is none.
fn supplementary_unit(
    row: &Row,
    col: Col,
    codes: &CodeLists,
    issues: &mut Issues,
) -> Option<UnitCode> {
    let symbol = match row.get(col) {
        "" | "-" => return None,
        symbol => symbol,
    };
    match codes.units.iter().find(|u| u.is_printed_as(symbol)) {
        Some(u) => Some(u.code.clone()),
        None => {
            issues.push(row.issue(
                col,
                format!("unknown unit {symbol:?}: no unit in union/units.csv has this symbol_ru or printed symbol"),
            ));
            None
        }
    }
}

/// Makes the line `index` findable by its code. False when the edition already has a line
/// with the code: a code in force appears once per edition.
fn index_code(edition: &mut Edition, code: CommodityCode, level: u8, index: u32) -> bool {
    let first = edition.line_by_code.insert(code.key(), index).is_none();
    // A heading without subdivisions is printed as its 10-digit code at level 0.
    if level == 0
        && code.len() == 10
        && let Some(heading) = code.truncate(4)
    {
        edition.line_by_code.entry(heading.key()).or_insert(index);
    }
    first
}

fn load_sections(
    source: &dyn BundleSource,
    path: &str,
    hs_english: &HashMap<String, String>,
    edition: &mut Edition,
    issues: &mut Issues,
) {
    let Some(table) = Table::read(source, path, true, issues) else {
        return;
    };
    let level = table.col("level", true, issues);
    let section = table.col("section", true, issues);
    let chapter = table.col("chapter", true, issues);
    let title = table.col("title", true, issues);
    for row in table.rows() {
        match row.get(level) {
            "section" => edition.sections.push(Section {
                section: row.get(section).to_owned(),
                title_ru: row.get(title).to_owned(),
                title_en: hs_english
                    .get(&format!("section:{}", row.get(section)))
                    .cloned(),
            }),
            "chapter" => {
                let number = row.get(chapter);
                if number.len() != 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
                    let message = format!("expected a 2-digit chapter, got {number:?}");
                    issues.push(row.issue(chapter, message));
                    continue;
                }
                edition.chapters.push(Chapter {
                    chapter: number.to_owned(),
                    section: row.get(section).to_owned(),
                    title_ru: row.get(title).to_owned(),
                    title_en: hs_english.get(number).cloned(),
                });
            }
            other => {
                issues.push(row.issue(level, format!("expected section or chapter, got {other:?}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::clean_line_text;

    #[test]
    fn line_text_loses_note_markers_and_colon() {
        assert_eq!(
            clean_line_text("высококачественная говядина <12>"),
            "высококачественная говядина"
        );
        assert_eq!(clean_line_text("лошади:"), "лошади");
        assert_eq!(clean_line_text("a < b"), "a < b");
    }
}
