//! Loading and validating a bundle. Every problem is collected with its `file:line:column`;
//! a bundle with any problem is refused as a whole.
//!
//! The format is documented in `docs/tariff-bundle.md`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use tamga_core::{
    CommodityCode, CountryCode, CurrencyCode, Decimal, UnitCode, Validity, parse_date,
};

use crate::bundle::{BundleErrors, BundleSource, Col, Issues, Place, Row, Table};
use crate::rate::{RateExpr, split_note_refs};
use crate::snapshot::*;

/// Loads and validates a whole bundle.
pub fn load(source: &dyn BundleSource) -> Result<TariffSnapshot, BundleErrors> {
    let mut issues = Issues::default();
    let snapshot = load_into(source, &mut issues);
    if issues.list.is_empty() {
        Ok(snapshot)
    } else {
        Err(BundleErrors {
            bundle: source.describe(),
            issues: issues.list,
        })
    }
}

fn load_into(source: &dyn BundleSource, issues: &mut Issues) -> TariffSnapshot {
    let countries = load_countries(source, issues);
    let currencies = load_currencies(source, issues);
    let units = load_units(source, issues);
    let hs_english = load_hs_english(source, issues);
    let refs = References {
        countries: &countries,
        currencies: &currencies,
        units: &units,
    };
    let member_states = load_member_states(source, &refs, issues);
    let members: Vec<CountryCode> = member_states.iter().map(|m| m.state).collect();
    let mut snapshot = TariffSnapshot {
        bundle: source.describe(),
        editions: Vec::new(),
        measures: Vec::new(),
        quotas: Vec::new(),
        state_currencies: load_state_currencies(source, &refs, &members, issues),
        vat_rates: load_vat_rates(source, &members, issues),
        customs_fees: load_customs_fees(source, &refs, &members, issues),
        normatives: load_normatives(source, &members, issues),
        country_groups: load_country_groups(source, &refs, issues),
        preference_regimes: load_preference_regimes(source, issues),
        procedure_codes: load_procedure_codes(source, issues),
        exchange_rates: load_exchange_rates(source, &refs, &members, issues),
        rounding_rules: load_rounding_rules(source, &members, issues),
        transfer_currencies: load_transfer_currencies(source, &refs, &members, issues),
        utc_offsets: load_utc_offsets(source, &members, issues),
        excise_rates: Vec::new(),
        member_states,
        countries: HashMap::new(),
        currencies: HashMap::new(),
        units: Vec::new(),
        hs_english: HashMap::new(),
        measures_by_code: CodeMap::default(),
    };

    let mut measure_places = Vec::new();
    load_editions(
        source,
        &refs,
        &hs_english,
        &mut snapshot,
        &mut measure_places,
        issues,
    );
    load_measures(
        source,
        &refs,
        &members,
        &mut snapshot,
        &mut measure_places,
        issues,
    );
    load_quotas(source, &refs, &mut snapshot, issues);
    load_excise_rates(source, &refs, &members, &mut snapshot, issues);
    check_measure_overlaps(&snapshot.measures, &measure_places, issues);

    for (i, measure) in snapshot.measures.iter().enumerate() {
        snapshot
            .measures_by_code
            .entry(measure.code.key())
            .or_default()
            .push(i as u32);
    }
    index_line_measures(&mut snapshot);
    snapshot.countries = countries;
    snapshot.currencies = currencies;
    snapshot.units = units;
    snapshot.hs_english = hs_english;
    snapshot
}

/// Gives every declarable line the measures on its code and its prefixes, longest first, so
/// that a lookup reads one short list instead of probing six prefixes.
fn index_line_measures(snapshot: &mut TariffSnapshot) {
    let by_code = &snapshot.measures_by_code;
    for edition in &mut snapshot.editions {
        edition.line_measures = edition
            .lines
            .iter()
            .map(|line| match line.code {
                Some(code) if line.kind == LineKind::Code10 => [10, 9, 8, 6, 4, 2]
                    .into_iter()
                    .filter_map(|len| code.truncate(len))
                    .filter_map(|prefix| by_code.get(&prefix.key()))
                    .flatten()
                    .copied()
                    .collect(),
                _ => Box::default(),
            })
            .collect();
    }
}

/// The code lists that other tables refer to.
struct References<'a> {
    countries: &'a HashMap<CountryCode, Country>,
    currencies: &'a HashMap<CurrencyCode, Currency>,
    units: &'a [Unit],
}

impl References<'_> {
    fn country(&self, row: &Row, col: Col, issues: &mut Issues) -> Option<CountryCode> {
        let code = row.parse(
            col,
            "an ISO 3166-1 alpha-2 country code",
            CountryCode::parse,
            issues,
        )?;
        if !self.countries.contains_key(&code) {
            issues.push(row.issue(
                col,
                format!("unknown country {code}: not in reference/country_codes.csv"),
            ));
            return None;
        }
        Some(code)
    }

    fn optional_country(
        &self,
        row: &Row,
        col: Col,
        issues: &mut Issues,
    ) -> Option<Option<CountryCode>> {
        if row.get(col).is_empty() {
            return Some(None);
        }
        self.country(row, col, issues).map(Some)
    }

    fn currency(&self, row: &Row, col: Col, issues: &mut Issues) -> Option<CurrencyCode> {
        let code = row.parse(
            col,
            "an ISO 4217 currency code",
            CurrencyCode::parse,
            issues,
        )?;
        if !self.currencies.contains_key(&code) {
            issues.push(row.issue(
                col,
                format!("unknown currency {code}: not in reference/currency_codes_iso4217.csv"),
            ));
            return None;
        }
        Some(code)
    }

    fn unit(&self, row: &Row, col: Col, issues: &mut Issues) -> Option<UnitCode> {
        let code = row.parse(col, "a unit code", UnitCode::parse, issues)?;
        if !self.units.iter().any(|u| u.code == code) {
            issues.push(row.issue(col, format!("unknown unit {code}: not in union/units.csv")));
            return None;
        }
        Some(code)
    }

    /// A rate expression whose units and currencies are all known.
    fn rate(&self, row: &Row, col: Col, text: &str, issues: &mut Issues) -> Option<RateExpr> {
        let rate = match RateExpr::parse(text) {
            Ok(rate) => rate,
            Err(err) => {
                issues.push(row.issue(
                    col,
                    format!("expected a rate such as 15% or 15% min 0.07 EUR/l: {err}"),
                ));
                return None;
            }
        };
        let mut ok = true;
        if let Some(specific) = rate.specific() {
            if !self.units.iter().any(|u| u.code == specific.unit) {
                issues.push(row.issue(
                    col,
                    format!(
                        "unknown unit {} in rate {text:?}: not in union/units.csv",
                        specific.unit
                    ),
                ));
                ok = false;
            }
            if !self.currencies.contains_key(&specific.currency) {
                issues.push(row.issue(
                    col,
                    format!("unknown currency {} in rate {text:?}", specific.currency),
                ));
                ok = false;
            }
        }
        ok.then_some(rate)
    }
}

fn validity(row: &Row, from: Col, to: Col, issues: &mut Issues) -> Option<Validity> {
    let start = row.parse(from, "a date YYYY-MM-DD", parse_date, issues);
    let end = row.parse_optional(
        to,
        "a date YYYY-MM-DD or empty (open-ended)",
        parse_date,
        issues,
    );
    let (start, end) = (start?, end?);
    if end.is_some_and(|end| end < start) {
        issues.push(row.issue(to, "expected a date on or after valid_from"));
        return None;
    }
    Some(Validity::new(start, end))
}

fn decimal(row: &Row, col: Col, what: &str, issues: &mut Issues) -> Option<Decimal> {
    row.parse(col, what, Decimal::from_str, issues)
}

fn verification(row: &Row, col: Col, issues: &mut Issues) -> Verification {
    if row.get(col).is_empty() {
        return Verification::Unverified;
    }
    row.parse(col, "a verification tag", Verification::parse, issues)
        .unwrap_or(Verification::Unverified)
}

/// Reports every pair of overlapping periods among items with the same key.
fn check_overlaps<K: Eq + std::hash::Hash>(
    items: impl IntoIterator<Item = (K, Validity, Place)>,
    what: &str,
    issues: &mut Issues,
) {
    let mut by_key: HashMap<K, Vec<(Validity, Place)>> = HashMap::new();
    for (key, validity, place) in items {
        let seen = by_key.entry(key).or_default();
        if let Some((other, other_place)) = seen.iter().find(|(v, _)| v.overlaps(&validity)) {
            issues.push(place.issue(format!(
                "{what} in force {validity} overlaps the same {what} in force {other} at line {}",
                other_place.line
            )));
        }
        seen.push((validity, place));
    }
}

fn load_countries(source: &dyn BundleSource, issues: &mut Issues) -> HashMap<CountryCode, Country> {
    let mut countries = HashMap::new();
    let Some(table) = Table::read(source, "reference/country_codes.csv", true, issues) else {
        return countries;
    };
    let alpha2 = table.col("ISO3166-1-Alpha-2", true, issues);
    let name_en = table.col("official_name_en", true, issues);
    let name_ru = table.col("official_name_ru", true, issues);
    let short_en = table.col("CLDR display name", false, issues);
    for row in table.rows() {
        // The source lists a few entities without an ISO code; they cannot be origins.
        if row.get(alpha2).is_empty() {
            continue;
        }
        let Some(code) = row.parse(
            alpha2,
            "an ISO 3166-1 alpha-2 code",
            CountryCode::parse,
            issues,
        ) else {
            continue;
        };
        let en = [row.get(name_en), row.get(short_en)]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        countries.insert(
            code,
            Country {
                code,
                name_en: en.to_owned(),
                name_ru: row.get(name_ru).to_owned(),
            },
        );
    }
    countries
}

fn load_currencies(
    source: &dyn BundleSource,
    issues: &mut Issues,
) -> HashMap<CurrencyCode, Currency> {
    let mut currencies = HashMap::new();
    let Some(table) = Table::read(source, "reference/currency_codes_iso4217.csv", true, issues)
    else {
        return currencies;
    };
    let code_col = table.col("AlphabeticCode", true, issues);
    let name = table.col("Currency", true, issues);
    let minor = table.col("MinorUnit", false, issues);
    for row in table.rows() {
        if row.get(code_col).is_empty() {
            continue;
        }
        let Some(code) = row.parse(code_col, "an ISO 4217 code", CurrencyCode::parse, issues)
        else {
            continue;
        };
        currencies.entry(code).or_insert_with(|| Currency {
            code,
            name: row.get(name).to_owned(),
            minor_unit: row.get(minor).parse().ok(),
        });
    }
    currencies
}

fn load_units(source: &dyn BundleSource, issues: &mut Issues) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let Some(table) = Table::read(source, "union/units.csv", true, issues) else {
        return units;
    };
    let unit = table.col("unit", true, issues);
    let okei = table.col("okei_code", false, issues);
    let symbol = table.col("symbol_ru", true, issues);
    let name_en = table.col("name_en", false, issues);
    let name_ru = table.col("name_ru", false, issues);
    for row in table.rows() {
        let Some(code) = row.parse(unit, "a unit code such as kg", UnitCode::parse, issues) else {
            continue;
        };
        if units.iter().any(|u| u.code == code) {
            issues.push(row.issue(unit, format!("unit {code} is listed twice")));
            continue;
        }
        let symbol_ru = row.get(symbol);
        if !symbol_ru.is_empty() && units.iter().any(|u| u.symbol_ru == symbol_ru) {
            issues.push(row.issue(symbol, format!("symbol {symbol_ru:?} names two units")));
        }
        units.push(Unit {
            code,
            okei_code: row.get(okei).to_owned(),
            symbol_ru: symbol_ru.to_owned(),
            name_en: row.get(name_en).to_owned(),
            name_ru: row.get(name_ru).to_owned(),
        });
    }
    units
}

fn load_hs_english(source: &dyn BundleSource, issues: &mut Issues) -> HashMap<String, String> {
    let mut english = HashMap::new();
    if let Some(table) = Table::read(source, "hs/hs2022_nomenclature.csv", false, issues) {
        let code = table.col("hscode", true, issues);
        let text = table.col("description", true, issues);
        for row in table.rows() {
            let hs = row.get(code);
            if matches!(hs.len(), 2 | 4 | 6) && hs.bytes().all(|b| b.is_ascii_digit()) {
                english.insert(hs.to_owned(), row.get(text).to_owned());
            }
        }
    }
    if let Some(table) = Table::read(source, "hs/hs2022_sections.csv", false, issues) {
        let section = table.col("section", true, issues);
        let name = table.col("name", true, issues);
        for row in table.rows() {
            english.insert(
                format!("section:{}", row.get(section)),
                row.get(name).to_owned(),
            );
        }
    }
    english
}

/// An edition as listed in `editions.csv`, before its files are read.
struct EditionSpec<'t> {
    edition: Edition,
    lines_path: &'t str,
    sections_path: Option<&'t str>,
    rates_path: Option<&'t str>,
    temporary_path: &'t str,
}

/// What one edition's files gave: the edition, its measures with their places, its problems.
struct EditionLoad {
    edition: Edition,
    measures: Vec<Measure>,
    places: Vec<Place>,
    issues: Issues,
}

fn load_editions(
    source: &dyn BundleSource,
    refs: &References,
    hs_english: &HashMap<String, String>,
    snapshot: &mut TariffSnapshot,
    measure_places: &mut Vec<Place>,
    issues: &mut Issues,
) {
    let Some(table) = Table::read(source, "editions.csv", true, issues) else {
        return;
    };
    let id = table.col("edition", true, issues);
    let title = table.col("title", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let basis = table.col("legal_basis", true, issues);
    let rates = table.col("rates", true, issues);
    let lines_file = table.col("lines_file", true, issues);
    let sections_file = table.col("sections_file", true, issues);
    let rates_file = table.col("rates_file", true, issues);
    let temporary_file = table.col("temporary_rates_file", true, issues);
    let note = table.col("note", false, issues);
    let mut specs = Vec::new();
    let mut places = Vec::new();
    for row in table.rows() {
        let Some(edition_id) = row.required(id, "an edition id", issues) else {
            continue;
        };
        let Some(validity) = validity(&row, from, to, issues) else {
            continue;
        };
        let rates_known = match row.get(rates) {
            "known" => true,
            "unknown" => false,
            other => {
                issues.push(row.issue(rates, format!("expected known or unknown, got {other:?}")));
                continue;
            }
        };
        let Some(lines_path) = row.required(
            lines_file,
            "the path of the nomenclature lines file",
            issues,
        ) else {
            continue;
        };
        let sections_path = row.required(sections_file, "the path of the sections file", issues);
        let rates_path = if rates_known {
            row.required(
                rates_file,
                "the path of the rates file (rates are known)",
                issues,
            )
        } else {
            if !row.get(rates_file).is_empty() {
                issues.push(row.issue(
                    rates_file,
                    "expected no rates file for an edition whose rates are unknown",
                ));
            }
            None
        };
        places.push((0u8, validity, row.place(from)));
        specs.push(EditionSpec {
            edition: Edition {
                id: edition_id.to_owned(),
                title: row.get(title).to_owned(),
                validity,
                legal_basis: Arc::from(row.get(basis)),
                rates_known,
                note: row.get(note).to_owned(),
                lines: Vec::new(),
                sections: Vec::new(),
                chapters: Vec::new(),
                line_by_code: CodeMap::default(),
                line_measures: Vec::new(),
                sorted_codes: Vec::new(),
            },
            lines_path,
            sections_path,
            rates_path,
            temporary_path: row.get(temporary_file),
        });
    }
    check_overlaps(places, "tariff edition", issues);
    // Editions are independent until their measures are merged: read them in parallel.
    let loads: Vec<EditionLoad> = std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .into_iter()
            .map(|spec| scope.spawn(move || load_edition(source, refs, hs_english, spec)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    for load in loads {
        snapshot.editions.push(load.edition);
        snapshot.measures.extend(load.measures);
        measure_places.extend(load.places);
        for issue in load.issues.list {
            issues.push(issue);
        }
    }
    snapshot.editions.sort_by_key(|e| e.validity.from);
}

fn load_edition(
    source: &dyn BundleSource,
    refs: &References,
    hs_english: &HashMap<String, String>,
    spec: EditionSpec<'_>,
) -> EditionLoad {
    let mut issues = Issues::default();
    let mut edition = spec.edition;
    let mut measures = Vec::new();
    let mut places = Vec::new();
    load_lines(source, spec.lines_path, refs, &mut edition, &mut issues);
    edition.sorted_codes = edition
        .lines
        .iter()
        .filter(|l| l.kind != LineKind::Excluded)
        .filter_map(|l| l.code)
        .collect();
    edition.sorted_codes.sort_unstable();
    if let Some(path) = spec.sections_path {
        load_sections(source, path, hs_english, &mut edition, &mut issues);
    }
    if let Some(path) = spec.rates_path {
        let temporary =
            load_temporary_rates(source, spec.temporary_path, refs, &edition, &mut issues);
        load_base_rates(
            source,
            path,
            refs,
            &edition,
            &temporary,
            &mut measures,
            &mut places,
            &mut issues,
        );
    }
    EditionLoad {
        edition,
        measures,
        places,
        issues,
    }
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

fn load_lines(
    source: &dyn BundleSource,
    path: &str,
    refs: &References,
    edition: &mut Edition,
    issues: &mut Issues,
) {
    let Some(table) = Table::read(source, path, true, issues) else {
        return;
    };
    let seq = table.col("seq", true, issues);
    let section = table.col("section", true, issues);
    let chapter = table.col("chapter", true, issues);
    let kind = table.col("kind", true, issues);
    let code = table.col("code", true, issues);
    let level = table.col("level", true, issues);
    let text = table.col("text", true, issues);
    let unit = table.col("supplementary_unit", true, issues);
    // The open ancestors: line index per level, reset at each heading.
    let mut open: Vec<(u8, u32)> = Vec::new();
    edition.lines.reserve(table.records.len());
    for row in table.rows() {
        let Some(line_kind) = row.parse(kind, "a line kind", LineKind::parse, issues) else {
            continue;
        };
        let line_code = match line_kind.code_len() {
            None => {
                if !row.get(code).is_empty() {
                    issues.push(
                        row.issue(code, "expected no code on an uncoded (intermediate) line"),
                    );
                }
                None
            }
            Some(lengths) => {
                let Some(parsed) =
                    row.parse(code, "a commodity code", CommodityCode::parse, issues)
                else {
                    continue;
                };
                if !lengths.contains(&parsed.len()) {
                    issues.push(row.issue(code, format!("expected a code of {lengths:?} digits for a {line_kind:?} line, got {parsed}")));
                    continue;
                }
                Some(parsed)
            }
        };
        // A deleted code keeps its place in the table but has no dash level: it hangs under the
        // line above it.
        let deleted_without_level = line_kind == LineKind::Excluded && row.get(level).is_empty();
        let Some(line_level) = (if deleted_without_level {
            Some(open.last().map_or(1, |&(l, _)| l.saturating_add(1)))
        } else {
            row.parse(
                level,
                "a dash level 0..20",
                |s| {
                    s.parse::<u8>().map_err(|e| e.to_string()).and_then(|l| {
                        if l <= 20 {
                            Ok(l)
                        } else {
                            Err("more than 20 dashes".into())
                        }
                    })
                },
                issues,
            )
        }) else {
            continue;
        };
        let supplementary_unit = match row.get(unit) {
            "" | "-" => None,
            symbol => {
                match refs.units.iter().find(|u| u.symbol_ru == symbol) {
                    Some(u) => Some(u.code.clone()),
                    None => {
                        issues.push(row.issue(unit, format!("unknown unit {symbol:?}: no unit in union/units.csv has this symbol_ru")));
                        None
                    }
                }
            }
        };
        let index = edition.lines.len() as u32;
        if line_level == 0 {
            open.clear();
        } else {
            while open.last().is_some_and(|&(l, _)| l >= line_level) {
                open.pop();
            }
            if open.is_empty() {
                issues.push(row.issue(level, "expected a heading (level 0) before this line"));
            }
        }
        let parent = open.last().map(|&(_, i)| i);
        open.push((line_level, index));
        if let Some(c) = line_code
            && line_kind != LineKind::Excluded
        {
            if edition.line_by_code.insert(c.key(), index).is_some() {
                issues.push(row.issue(code, format!("code {c} appears twice in the edition")));
            }
            // A heading without subdivisions is printed as its 10-digit code at level 0.
            if line_level == 0
                && c.len() == 10
                && let Some(heading) = c.truncate(4)
            {
                edition.line_by_code.entry(heading.key()).or_insert(index);
            }
        }
        edition.lines.push(NomenclatureLine {
            seq: row.get(seq).parse().unwrap_or(index + 1),
            kind: line_kind,
            code: line_code,
            level: line_level,
            section: row.get(section).to_owned(),
            chapter: row.get(chapter).to_owned(),
            text_ru: clean_line_text(row.get(text)),
            supplementary_unit,
            parent,
        });
    }
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
                    issues.push(row.issue(
                        chapter,
                        format!("expected a 2-digit chapter, got {number:?}"),
                    ));
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

/// A temporary rate of the tariff (a note `<NС>`): its rate and period.
struct TemporaryRate {
    rate: RateExpr,
    validity: Validity,
    legal_basis: Arc<str>,
}

/// The temporary rates of an edition by note id. A note that is listed but broken maps to
/// `None`: its problem is reported once, not again at every rate that refers to it.
fn load_temporary_rates(
    source: &dyn BundleSource,
    path: &str,
    refs: &References,
    edition: &Edition,
    issues: &mut Issues,
) -> HashMap<String, Option<TemporaryRate>> {
    let mut notes = HashMap::new();
    if path.is_empty() {
        return notes;
    }
    let Some(table) = Table::read(source, path, true, issues) else {
        return notes;
    };
    let id = table.col("note_id", true, issues);
    let rate = table.col("temp_rate_text", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let text = table.col("text", true, issues);
    for row in table.rows() {
        let Some(note_id) = row.required(id, "a note id such as 1С", issues) else {
            continue;
        };
        if notes.contains_key(note_id) {
            issues.push(row.issue(id, format!("note {note_id} is listed twice")));
            continue;
        }
        let note = (|| {
            let rate_text = row.required(rate, "the temporary rate", issues)?;
            let parsed = refs.rate(&row, rate, rate_text, issues)?;
            // An empty start means "from the day the deciding act entered into force", which
            // the source does not date: the edition's own start is the earliest the data supports.
            let start = match row.get(from) {
                "" => Some(edition.validity.from),
                _ => row.parse(from, "a date YYYY-MM-DD", parse_date, issues),
            };
            let end = row.parse_optional(to, "a date YYYY-MM-DD or empty", parse_date, issues);
            let (start, end) = (start?, end?);
            if end.is_some_and(|end| end < start) {
                issues.push(row.issue(to, "expected a date on or after valid_from"));
                return None;
            }
            let note_text = row
                .get(text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let legal_basis = if row.get(from).is_empty() {
                format!(
                    "{}, note <{note_id}>: {note_text} (start date not given in the source; taken as the edition start)",
                    edition.legal_basis
                )
            } else {
                format!("{}, note <{note_id}>: {note_text}", edition.legal_basis)
            };
            Some(TemporaryRate {
                rate: parsed,
                validity: Validity::new(start, end),
                legal_basis: Arc::from(legal_basis),
            })
        })();
        notes.insert(note_id.to_owned(), note);
    }
    notes
}

#[allow(clippy::too_many_arguments)]
fn load_base_rates(
    source: &dyn BundleSource,
    path: &str,
    refs: &References,
    edition: &Edition,
    temporary: &HashMap<String, Option<TemporaryRate>>,
    measures: &mut Vec<Measure>,
    measure_places: &mut Vec<Place>,
    issues: &mut Issues,
) {
    let Some(table) = Table::read(source, path, true, issues) else {
        return;
    };
    let code = table.col("code", true, issues);
    let rate = table.col("rate_raw", true, issues);
    let note_refs = table.col("tariff_note_refs", false, issues);
    let edition_id: Arc<str> = Arc::from(format!("{}:base", edition.id));
    measures.reserve(table.records.len());
    for row in table.rows() {
        let Some(parsed_code) = row.parse(code, "a commodity code", CommodityCode::parse, issues)
        else {
            continue;
        };
        if edition.line(&parsed_code).is_none() {
            issues.push(row.issue(
                code,
                format!(
                    "a rate on an unknown code {parsed_code}: the edition {} has no such line",
                    edition.id
                ),
            ));
            continue;
        }
        let Some(raw) = row.required(rate, "a rate", issues) else {
            continue;
        };
        let (rate_text, mut notes) = split_note_refs(raw);
        for extra in row
            .get(note_refs)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let extra = extra.replace('C', "С");
            if !notes.contains(&extra) {
                notes.push(extra);
            }
        }
        let Some(parsed) = refs.rate(&row, rate, rate_text, issues) else {
            continue;
        };
        measures.push(Measure {
            id: edition_id.clone(),
            kind: MeasureKind::Base,
            code: parsed_code,
            origin: None,
            state: None,
            rate: parsed,
            validity: edition.validity,
            legal_basis: edition.legal_basis.clone(),
        });
        measure_places.push(row.place(code));
        for note in notes {
            let temp = match temporary.get(&note) {
                Some(Some(temp)) => temp,
                // Listed but broken: already reported where it is listed.
                Some(None) => continue,
                None => {
                    issues.push(row.issue(
                        rate,
                        format!(
                            "refers to the temporary-rate note <{note}>, which the notes file does not have"
                        ),
                    ));
                    continue;
                }
            };
            // A temporary period outside the edition never applies within this snapshot.
            let Some(validity) = temp.validity.clamp_to(&edition.validity) else {
                continue;
            };
            measures.push(Measure {
                id: Arc::from(note.as_str()),
                kind: MeasureKind::Temporary,
                code: parsed_code,
                origin: None,
                state: None,
                rate: temp.rate.clone(),
                validity,
                legal_basis: temp.legal_basis.clone(),
            });
            measure_places.push(row.place(rate));
        }
    }
}

fn load_measures(
    source: &dyn BundleSource,
    refs: &References,
    members: &[CountryCode],
    snapshot: &mut TariffSnapshot,
    measure_places: &mut Vec<Place>,
    issues: &mut Issues,
) {
    let Some(table) = Table::read(source, "measures.csv", false, issues) else {
        return;
    };
    let id = table.col("measure", true, issues);
    let kind = table.col("kind", true, issues);
    let code = table.col("code", true, issues);
    let origin = table.col("origin", true, issues);
    let state = table.col("state", true, issues);
    let rate = table.col("rate", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let basis = table.col("legal_basis", true, issues);
    for row in table.rows() {
        let measure_id = row.required(id, "a measure id", issues);
        let measure_kind = row.parse(kind, "a measure kind", MeasureKind::parse, issues);
        let measure_code = row.parse(
            code,
            "a commodity code (2 to 10 digits)",
            CommodityCode::parse,
            issues,
        );
        let measure_origin = refs.optional_country(&row, origin, issues);
        let measure_state = member_state(&row, state, members, issues);
        let measure_validity = validity(&row, from, to, issues);
        let measure_rate = row
            .required(rate, "a rate", issues)
            .and_then(|text| refs.rate(&row, rate, text, issues));
        let legal_basis = row.required(basis, "the legal basis", issues);
        let (
            Some(measure_id),
            Some(measure_kind),
            Some(measure_code),
            Some(measure_origin),
            Some(measure_state),
            Some(measure_validity),
            Some(measure_rate),
            Some(legal_basis),
        ) = (
            measure_id,
            measure_kind,
            measure_code,
            measure_origin,
            measure_state,
            measure_validity,
            measure_rate,
            legal_basis,
        )
        else {
            continue;
        };
        if !code_known(snapshot, &measure_code, &measure_validity) {
            issues.push(row.issue(code, format!("a measure on an unknown code {measure_code}: no edition in force during {measure_validity} has it")));
            continue;
        }
        if measure_kind == MeasureKind::Exemption && measure_state.is_none() {
            issues.push(row.issue(state, "expected the member state whose exemption this is"));
            continue;
        }
        snapshot.measures.push(Measure {
            id: Arc::from(measure_id),
            kind: measure_kind,
            code: measure_code,
            origin: measure_origin,
            state: measure_state,
            rate: measure_rate,
            validity: measure_validity,
            legal_basis: Arc::from(legal_basis),
        });
        measure_places.push(row.place(id));
    }
}

fn member_state(
    row: &Row,
    col: Col,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Option<Option<CountryCode>> {
    let state = row.parse_optional(col, "a member state (alpha-2)", CountryCode::parse, issues)?;
    if let Some(s) = state
        && !members.contains(&s)
    {
        issues.push(row.issue(
            col,
            format!("{s} is not a member state in union/member_states.csv"),
        ));
        return None;
    }
    Some(state)
}

/// Whether an edition in force at some time during `validity` has `code` (at any level).
fn code_known(snapshot: &TariffSnapshot, code: &CommodityCode, validity: &Validity) -> bool {
    snapshot
        .editions
        .iter()
        .filter(|e| e.validity.overlaps(validity))
        .any(|e| e.has_code_prefix(code))
}

fn load_quotas(
    source: &dyn BundleSource,
    refs: &References,
    snapshot: &mut TariffSnapshot,
    issues: &mut Issues,
) {
    let Some(table) = Table::read(source, "tariff_quotas.csv", false, issues) else {
        return;
    };
    let id = table.col("quota", true, issues);
    let code = table.col("code", true, issues);
    let origin = table.col("origin", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let volume = table.col("volume", true, issues);
    let unit = table.col("unit", true, issues);
    let rate = table.col("in_quota_rate", true, issues);
    let basis = table.col("legal_basis", true, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let quota_id = row.required(id, "a quota id", issues);
        let quota_code = row.parse(code, "a commodity code", CommodityCode::parse, issues);
        let quota_origin = refs.optional_country(&row, origin, issues);
        let quota_validity = validity(&row, from, to, issues);
        let quota_volume = decimal(&row, volume, "the quota volume, a decimal", issues);
        let quota_unit = refs.unit(&row, unit, issues);
        let quota_rate = row
            .required(rate, "the in-quota rate", issues)
            .and_then(|text| refs.rate(&row, rate, text, issues));
        let legal_basis = row.required(basis, "the legal basis", issues);
        let (
            Some(quota_id),
            Some(quota_code),
            Some(quota_origin),
            Some(quota_validity),
            Some(quota_volume),
            Some(quota_unit),
            Some(quota_rate),
            Some(legal_basis),
        ) = (
            quota_id,
            quota_code,
            quota_origin,
            quota_validity,
            quota_volume,
            quota_unit,
            quota_rate,
            legal_basis,
        )
        else {
            continue;
        };
        if !code_known(snapshot, &quota_code, &quota_validity) {
            issues.push(row.issue(code, format!("a quota on an unknown code {quota_code}")));
            continue;
        }
        if quota_volume <= Decimal::ZERO {
            issues.push(row.issue(volume, "expected a positive volume"));
            continue;
        }
        places.push(((quota_code, quota_origin), quota_validity, row.place(id)));
        snapshot.quotas.push(TariffQuota {
            id: Arc::from(quota_id),
            code: quota_code,
            origin: quota_origin,
            validity: quota_validity,
            volume: quota_volume,
            unit: quota_unit,
            in_quota_rate: quota_rate,
            legal_basis: Arc::from(legal_basis),
        });
    }
    check_overlaps(places, "tariff quota", issues);
}

fn check_measure_overlaps(measures: &[Measure], places: &[Place], issues: &mut Issues) {
    check_overlaps(
        measures.iter().zip(places).map(|(m, place)| {
            (
                (m.kind, m.code, m.origin, m.state),
                m.validity,
                place.clone(),
            )
        }),
        "measure",
        issues,
    );
}

fn load_member_states(
    source: &dyn BundleSource,
    refs: &References,
    issues: &mut Issues,
) -> Vec<MemberState> {
    let mut states = Vec::new();
    let Some(table) = Table::read(source, "union/member_states.csv", false, issues) else {
        return states;
    };
    let state = table.col("state", true, issues);
    let name_en = table.col("name_en", true, issues);
    let name_ru = table.col("name_ru", true, issues);
    let from = table.col("member_from", true, issues);
    let to = table.col("member_to", true, issues);
    let length = table.col("customs_office_code_length", true, issues);
    let prefix = table.col("customs_office_prefix", false, issues);
    let zone = table.col("time_zone", true, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let code = refs.country(&row, state, issues);
        let membership = validity(&row, from, to, issues);
        let office_len = row.parse(
            length,
            "the customs office code length, 1..=10",
            |s| {
                s.parse::<u8>().map_err(|e| e.to_string()).and_then(|n| {
                    if (1..=10).contains(&n) {
                        Ok(n)
                    } else {
                        Err(format!("{n} is outside 1..=10"))
                    }
                })
            },
            issues,
        );
        let office_prefix = row.parse_optional(
            prefix,
            "the digits every customs office code of the state begins with (or empty)",
            |s| {
                if s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(s.to_owned())
                } else {
                    Err(format!("{s:?} is not digits"))
                }
            },
            issues,
        );
        let (Some(code), Some(membership), Some(office_len), Some(office_prefix)) =
            (code, membership, office_len, office_prefix)
        else {
            continue;
        };
        let office_prefix = office_prefix.unwrap_or_default();
        places.push((code, membership, row.place(state)));
        states.push(MemberState {
            state: code,
            name_en: row.get(name_en).to_owned(),
            name_ru: row.get(name_ru).to_owned(),
            membership,
            customs_office_code_length: office_len,
            customs_office_prefix: office_prefix,
            time_zone: row.get(zone).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "membership", issues);
    states
}

fn load_state_currencies(
    source: &dyn BundleSource,
    refs: &References,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<StateCurrency> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/state_currencies.csv", false, issues) else {
        return list;
    };
    let state = table.col("state", true, issues);
    let currency = table.col("currency", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let factor = table.col("redenomination_factor", false, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let code = member_state(&row, state, members, issues).flatten();
        if code.is_none() && row.get(state).is_empty() {
            issues.push(row.issue(state, "expected a member state, the cell is empty"));
        }
        let money = refs.currency(&row, currency, issues);
        let period = validity(&row, from, to, issues);
        let redenomination =
            row.parse_optional(factor, "a decimal factor", Decimal::from_str, issues);
        let (Some(code), Some(money), Some(period), Some(redenomination)) =
            (code, money, period, redenomination)
        else {
            continue;
        };
        places.push((code, period, row.place(state)));
        list.push(StateCurrency {
            state: code,
            currency: money,
            validity: period,
            redenomination_factor: redenomination,
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "national currency", issues);
    list
}

fn load_vat_rates(
    source: &dyn BundleSource,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<VatRate> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/vat_rates.csv", false, issues) else {
        return list;
    };
    let state = table.col("state", true, issues);
    let kind = table.col("rate_kind", true, issues);
    let percent = table.col("percent", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let src = table.col("source", false, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let code = member_state(&row, state, members, issues).flatten();
        let rate_kind = row.required(kind, "standard or reduced", issues);
        let rate = decimal(&row, percent, "a percentage", issues);
        let period = validity(&row, from, to, issues);
        let (Some(code), Some(rate_kind), Some(rate), Some(period)) =
            (code, rate_kind, rate, period)
        else {
            continue;
        };
        if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
            issues.push(row.issue(percent, "expected a percentage between 0 and 100"));
            continue;
        }
        places.push(((code, rate_kind.to_owned()), period, row.place(state)));
        list.push(VatRate {
            state: code,
            rate_kind: rate_kind.to_owned(),
            percent: rate,
            validity: period,
            source: row.get(src).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "VAT rate", issues);
    list
}

fn load_customs_fees(
    source: &dyn BundleSource,
    refs: &References,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<CustomsFeeBand> {
    let mut bands: Vec<CustomsFeeBand> = Vec::new();
    let Some(table) = Table::read(source, "union/customs_fees.csv", false, issues) else {
        return bands;
    };
    let state = table.col("state", true, issues);
    let schedule = table.col("schedule", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let over = table.col("value_over", true, issues);
    let up_to = table.col("value_up_to", true, issues);
    let amount = table.col("amount", true, issues);
    let currency = table.col("currency", true, issues);
    let src = table.col("source", false, issues);
    let check = table.col("verification", false, issues);
    let mut first_rows: HashMap<String, (CountryCode, Validity, Place)> = HashMap::new();
    let mut band_rows: HashMap<String, Vec<(Decimal, Option<Decimal>, Place)>> = HashMap::new();
    for row in table.rows() {
        let code = member_state(&row, state, members, issues).flatten();
        let schedule_id = row.required(schedule, "a schedule id", issues);
        let period = validity(&row, from, to, issues);
        let low = decimal(&row, over, "the lower bound (exclusive), a decimal", issues);
        let high = row.parse_optional(
            up_to,
            "the upper bound (inclusive) or empty",
            Decimal::from_str,
            issues,
        );
        let fee = decimal(&row, amount, "the fee amount, a decimal", issues);
        let money = refs.currency(&row, currency, issues);
        let (
            Some(code),
            Some(schedule_id),
            Some(period),
            Some(low),
            Some(high),
            Some(fee),
            Some(money),
        ) = (code, schedule_id, period, low, high, fee, money)
        else {
            continue;
        };
        if fee < Decimal::ZERO {
            issues.push(row.issue(amount, "expected a fee of 0 or more"));
            continue;
        }
        match first_rows.get(schedule_id) {
            Some((s, v, _)) if *s != code || *v != period => {
                issues.push(row.issue(schedule, format!("every band of schedule {schedule_id} must have the same state and period as its first band")));
                continue;
            }
            Some(_) => {}
            None => {
                first_rows.insert(schedule_id.to_owned(), (code, period, row.place(schedule)));
            }
        }
        band_rows
            .entry(schedule_id.to_owned())
            .or_default()
            .push((low, high, row.place(over)));
        bands.push(CustomsFeeBand {
            state: code,
            schedule: schedule_id.to_owned(),
            validity: period,
            value_over: low,
            value_up_to: high,
            amount: fee,
            currency: money,
            source: row.get(src).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    // The bands of a schedule must cover every value exactly once.
    for (schedule_id, mut rows) in band_rows {
        rows.sort_by_key(|a| a.0);
        let mut expected_low = Decimal::ZERO;
        let count = rows.len();
        for (i, (low, high, place)) in rows.into_iter().enumerate() {
            if low != expected_low {
                issues.push(place.issue(format!(
                    "schedule {schedule_id}: expected the next band to start above {expected_low}, it starts above {low}"
                )));
            }
            match high {
                Some(h) if h > low => expected_low = h,
                Some(_) => {
                    issues.push(place.issue(format!(
                        "schedule {schedule_id}: a band must end above where it starts"
                    )));
                }
                None if i + 1 != count => {
                    issues.push(place.issue(format!(
                        "schedule {schedule_id}: only the top band may be open-ended"
                    )));
                }
                None => {}
            }
        }
    }
    check_overlaps(first_rows.into_values(), "customs fee schedule", issues);
    bands
}

fn load_normatives(
    source: &dyn BundleSource,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<NormativeSet> {
    let mut sets: Vec<(NormativeSet, Place)> = Vec::new();
    let Some(table) = Table::read(source, "union/normatives.csv", false, issues) else {
        return Vec::new();
    };
    let set = table.col("set", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let state = table.col("state", true, issues);
    let percent = table.col("percent", true, issues);
    let basis = table.col("legal_basis", true, issues);
    let check = table.col("verification", false, issues);
    for row in table.rows() {
        let set_id = row.required(set, "a normative set id", issues);
        let period = validity(&row, from, to, issues);
        let code = member_state(&row, state, members, issues).flatten();
        let share = decimal(&row, percent, "a percentage with up to 3 decimals", issues);
        let (Some(set_id), Some(period), Some(code), Some(share)) = (set_id, period, code, share)
        else {
            continue;
        };
        if share < Decimal::ZERO {
            issues.push(row.issue(percent, "expected a share of 0 or more"));
            continue;
        }
        let row_check = verification(&row, check, issues);
        match sets.iter_mut().find(|(s, _)| s.id == set_id) {
            Some((existing, _)) => {
                if existing.validity != period {
                    issues.push(row.issue(
                        from,
                        format!("every row of normative set {set_id} must have the same period"),
                    ));
                }
                if existing.shares.iter().any(|(s, _)| *s == code) {
                    issues.push(row.issue(
                        state,
                        format!("{code} appears twice in normative set {set_id}"),
                    ));
                }
                existing.shares.push((code, share));
                // A set is only as sure as its least sure share.
                if row_check == Verification::Unverified
                    || existing.verification == Verification::Verified
                {
                    existing.verification = row_check;
                }
            }
            None => sets.push((
                NormativeSet {
                    id: set_id.to_owned(),
                    validity: period,
                    shares: vec![(code, share)],
                    legal_basis: row.get(basis).to_owned(),
                    verification: row_check,
                },
                row.place(percent),
            )),
        }
    }
    for (normative_set, place) in &sets {
        let total: Decimal = normative_set.shares.iter().map(|(_, p)| *p).sum();
        if total != Decimal::ONE_HUNDRED {
            issues.push(place.issue(format!(
                "the shares of normative set {} sum to {total}, expected exactly 100",
                normative_set.id
            )));
        }
    }
    check_overlaps(
        sets.iter()
            .map(|(s, place)| (0u8, s.validity, place.clone())),
        "set of normatives",
        issues,
    );
    sets.into_iter().map(|(s, _)| s).collect()
}

fn load_country_groups(
    source: &dyn BundleSource,
    refs: &References,
    issues: &mut Issues,
) -> Vec<CountryGroupMembership> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/country_groups.csv", false, issues) else {
        return list;
    };
    let group = table.col("group", true, issues);
    let country = table.col("country", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let src = table.col("source", false, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let group_id = row.required(group, "a group id such as developing", issues);
        let code = refs.country(&row, country, issues);
        let period = validity(&row, from, to, issues);
        let (Some(group_id), Some(code), Some(period)) = (group_id, code, period) else {
            continue;
        };
        places.push(((group_id.to_owned(), code), period, row.place(country)));
        list.push(CountryGroupMembership {
            group: group_id.to_owned(),
            country: code,
            validity: period,
            source: row.get(src).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "group membership", issues);
    list
}

fn load_preference_regimes(
    source: &dyn BundleSource,
    issues: &mut Issues,
) -> Vec<PreferenceRegime> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/preference_regimes.csv", false, issues) else {
        return list;
    };
    let group = table.col("group", true, issues);
    let percent = table.col("percent_of_rate", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let basis = table.col("legal_basis", true, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let group_id = row.required(group, "a group id", issues);
        let share = decimal(&row, percent, "a percentage of the rate", issues);
        let period = validity(&row, from, to, issues);
        let (Some(group_id), Some(share), Some(period)) = (group_id, share, period) else {
            continue;
        };
        if share < Decimal::ZERO || share > Decimal::ONE_HUNDRED {
            issues.push(row.issue(percent, "expected a percentage between 0 and 100"));
            continue;
        }
        places.push((group_id.to_owned(), period, row.place(group)));
        list.push(PreferenceRegime {
            group: group_id.to_owned(),
            percent_of_rate: share,
            validity: period,
            legal_basis: row.get(basis).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "preference regime", issues);
    list
}

fn load_procedure_codes(source: &dyn BundleSource, issues: &mut Issues) -> Vec<ProcedureCode> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/procedure_codes.csv", false, issues) else {
        return list;
    };
    let code = table.col("code", true, issues);
    let name_en = table.col("name_en", true, issues);
    let name_ru = table.col("name_ru", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let basis = table.col("legal_basis", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let procedure = row.required(code, "a 2-digit procedure code", issues);
        let period = validity(&row, from, to, issues);
        let (Some(procedure), Some(period)) = (procedure, period) else {
            continue;
        };
        if procedure.len() != 2 || !procedure.bytes().all(|b| b.is_ascii_digit()) {
            issues.push(row.issue(
                code,
                format!("expected a 2-digit procedure code, got {procedure:?}"),
            ));
            continue;
        }
        places.push((procedure.to_owned(), period, row.place(code)));
        list.push(ProcedureCode {
            code: procedure.to_owned(),
            name_en: row.get(name_en).to_owned(),
            name_ru: row.get(name_ru).to_owned(),
            validity: period,
            legal_basis: row.get(basis).to_owned(),
        });
    }
    check_overlaps(places, "procedure code", issues);
    list
}

fn load_exchange_rates(
    source: &dyn BundleSource,
    refs: &References,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<ExchangeRate> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/exchange_rates.csv", false, issues) else {
        return list;
    };
    let state = table.col("state", true, issues);
    let currency = table.col("currency", true, issues);
    let date = table.col("date", true, issues);
    let rate = table.col("rate", true, issues);
    let src = table.col("source", true, issues);
    let mut seen = HashMap::new();
    for row in table.rows() {
        let code = member_state(&row, state, members, issues).flatten();
        let money = refs.currency(&row, currency, issues);
        let day = row.parse(date, "a date YYYY-MM-DD", parse_date, issues);
        let value = decimal(
            &row,
            rate,
            "a positive rate, national currency per 1 unit",
            issues,
        );
        let (Some(code), Some(money), Some(day), Some(value)) = (code, money, day, value) else {
            continue;
        };
        if value <= Decimal::ZERO {
            issues.push(row.issue(rate, "expected a positive rate"));
            continue;
        }
        if let Some(line) = seen.insert((code, money, day), row.line) {
            issues.push(row.issue(
                date,
                format!("a second rate of {money} in {code} on this day (first at line {line})"),
            ));
            continue;
        }
        list.push(ExchangeRate {
            state: code,
            currency: money,
            date: day,
            rate: value,
            source: row.get(src).to_owned(),
        });
    }
    list
}

fn load_transfer_currencies(
    source: &dyn BundleSource,
    refs: &References,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<TransferCurrencyRule> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/transfer_currencies.csv", false, issues) else {
        return list;
    };
    let sender = table.col("sender", true, issues);
    let receiver = table.col("receiver", true, issues);
    let currency = table.col("currency", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let basis = table.col("legal_basis", true, issues);
    let src = table.col("source", false, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let from_state = member_state(&row, sender, members, issues);
        let to_state = member_state(&row, receiver, members, issues);
        let code = if row.get(currency).is_empty() {
            Some(None)
        } else {
            refs.currency(&row, currency, issues).map(Some)
        };
        let period = validity(&row, from, to, issues);
        let (Some(from_state), Some(to_state), Some(code), Some(period)) =
            (from_state, to_state, code, period)
        else {
            continue;
        };
        places.push(((from_state, to_state), period, row.place(sender)));
        list.push(TransferCurrencyRule {
            sender: from_state,
            receiver: to_state,
            currency: code,
            validity: period,
            legal_basis: row.get(basis).to_owned(),
            source: row.get(src).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "transfer currency rule", issues);
    list
}

/// `+03:00` → 180 minutes.
fn parse_utc_offset(text: &str) -> Result<i32, String> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 6
        && (bytes[0] == b'+' || bytes[0] == b'-')
        && bytes[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| bytes[i].is_ascii_digit());
    if !well_formed {
        return Err(format!("got {text:?}"));
    }
    let hours: i32 = text[1..3].parse().map_err(|_| format!("got {text:?}"))?;
    let minutes: i32 = text[4..6].parse().map_err(|_| format!("got {text:?}"))?;
    if hours > 14 || minutes > 59 {
        return Err(format!("{text} is out of range"));
    }
    let total = hours * 60 + minutes;
    Ok(if bytes[0] == b'-' { -total } else { total })
}

fn load_utc_offsets(
    source: &dyn BundleSource,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<UtcOffset> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/utc_offsets.csv", false, issues) else {
        return list;
    };
    let state = table.col("state", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let offset = table.col("utc_offset", true, issues);
    let src = table.col("source", false, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let code = member_state(&row, state, members, issues).flatten();
        let period = validity(&row, from, to, issues);
        let minutes = row.parse(
            offset,
            "a UTC offset such as +03:00",
            parse_utc_offset,
            issues,
        );
        let (Some(code), Some(period), Some(minutes)) = (code, period, minutes) else {
            continue;
        };
        places.push((code, period, row.place(state)));
        list.push(UtcOffset {
            state: code,
            validity: period,
            minutes,
            source: row.get(src).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "UTC offset", issues);
    list
}

fn load_rounding_rules(
    source: &dyn BundleSource,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<RoundingRule> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/rounding_rules.csv", false, issues) else {
        return list;
    };
    let state = table.col("state", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let rule = table.col("rule", true, issues);
    let scale = table.col("scale", true, issues);
    let src = table.col("source", false, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let code = member_state(&row, state, members, issues).flatten();
        let period = validity(&row, from, to, issues);
        let mode = row.parse(
            rule,
            "half_up or half_even",
            |s| match s {
                "half_up" => Ok(RoundingMode::HalfUp),
                "half_even" => Ok(RoundingMode::HalfEven),
                other => Err(format!("got {other:?}")),
            },
            issues,
        );
        let places_kept = row.parse(
            scale,
            "a number of decimal places, 0 to 4",
            |s| {
                s.parse::<u32>().map_err(|e| e.to_string()).and_then(|n| {
                    if n <= 4 {
                        Ok(n)
                    } else {
                        Err(format!("{n} is above 4"))
                    }
                })
            },
            issues,
        );
        let (Some(code), Some(period), Some(mode), Some(places_kept)) =
            (code, period, mode, places_kept)
        else {
            continue;
        };
        places.push((code, period, row.place(state)));
        list.push(RoundingRule {
            state: code,
            validity: period,
            mode,
            scale: places_kept,
            source: row.get(src).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "rounding rule", issues);
    list
}

fn load_excise_rates(
    source: &dyn BundleSource,
    refs: &References,
    members: &[CountryCode],
    snapshot: &mut TariffSnapshot,
    issues: &mut Issues,
) {
    let Some(table) = Table::read(source, "union/excise_rates.csv", false, issues) else {
        return;
    };
    let state = table.col("state", true, issues);
    let code = table.col("code", true, issues);
    let from = table.col("valid_from", true, issues);
    let to = table.col("valid_to", true, issues);
    let rate = table.col("rate", true, issues);
    let payment = table.col("payment_code", true, issues);
    let basis = table.col("legal_basis", true, issues);
    let check = table.col("verification", false, issues);
    let mut places = Vec::new();
    for row in table.rows() {
        let state_code = member_state(&row, state, members, issues).flatten();
        let excise_code = row.parse(
            code,
            "a commodity code (2 to 10 digits)",
            CommodityCode::parse,
            issues,
        );
        let period = validity(&row, from, to, issues);
        let excise_rate = row
            .required(rate, "an excise rate such as 22 RUB/l or 10%", issues)
            .and_then(|text| refs.rate(&row, rate, text, issues));
        let payment_code = row.required(payment, "the payment type code", issues);
        let (
            Some(state_code),
            Some(excise_code),
            Some(period),
            Some(excise_rate),
            Some(payment_code),
        ) = (state_code, excise_code, period, excise_rate, payment_code)
        else {
            continue;
        };
        if !code_known(snapshot, &excise_code, &period) {
            issues.push(row.issue(
                code,
                format!("an excise rate on an unknown code {excise_code}"),
            ));
            continue;
        }
        places.push(((state_code, excise_code), period, row.place(state)));
        snapshot.excise_rates.push(ExciseRate {
            state: state_code,
            code: excise_code,
            validity: period,
            rate: excise_rate,
            payment_code: payment_code.to_owned(),
            legal_basis: row.get(basis).to_owned(),
            verification: verification(&row, check, issues),
        });
    }
    check_overlaps(places, "excise rate", issues);
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
