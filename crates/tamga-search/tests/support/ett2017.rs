//! Builds search documents from the 2017 ETT table and the HS 2022 English texts.
//!
//! A stand-in for the tariff snapshot's own builder, following the same rules: one document
//! per coded line; `text_ru` is the texts of the heading and every ancestor down to the line
//! itself, joined by `" / "`; `text_en` is the HS text of the line's 6-digit prefix (of the
//! heading for a 4-digit line).

use std::collections::HashMap;

use tamga_search::{DocKind, SearchDoc};

pub const TABLE_LINES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eaeu/ett2017_table_lines.csv"
);
pub const HS2022: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/hs/hs2022_nomenclature.csv"
);

/// The documents of the 2017 ETT.
pub fn docs() -> Vec<SearchDoc> {
    docs_from(TABLE_LINES)
}

/// The documents of a table-lines file (columns `kind`, `code`, `level`, `text`, lines in
/// table order).
pub fn docs_from(table_lines: &str) -> Vec<SearchDoc> {
    let english = english_texts();
    let mut reader = csv::Reader::from_path(table_lines).expect("the table lines are in data/eaeu");
    let headers = reader.headers().expect("a header row").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .expect(name)
    };
    let (kind_col, code_col, level_col, text_col) = (
        column("kind"),
        column("code"),
        column("level"),
        column("text"),
    );

    let mut docs = Vec::new();
    // (level, cleaned text) of the current line's ancestors, heading first.
    let mut path: Vec<(u32, String)> = Vec::new();
    for record in reader.records() {
        let record = record.expect("a well-formed CSV row");
        let kind = &record[kind_col];
        if kind == "excluded" {
            continue;
        }
        let level: u32 = record[level_col].parse().expect("a numeric level");
        if level == 0 {
            path.clear();
        }
        while path
            .last()
            .is_some_and(|&(parent_level, _)| parent_level >= level)
        {
            path.pop();
        }
        path.push((level, clean(&record[text_col])));
        let level_kind = match kind {
            "heading" => DocKind::Heading,
            "subheading6" | "subheading8" | "subheading9" => DocKind::Subheading,
            "code10" => DocKind::Code,
            _ => continue,
        };
        let code = record[code_col].to_owned();
        let text_ru = path
            .iter()
            .map(|(_, text)| text.as_str())
            .collect::<Vec<_>>()
            .join(" / ");
        let hs_key = if code.len() == 4 {
            &code[..]
        } else {
            &code[..6]
        };
        let text_en = english.get(hs_key).cloned();
        docs.push(SearchDoc {
            code,
            level_kind,
            text_ru,
            text_en,
        });
    }
    docs
}

fn english_texts() -> HashMap<String, String> {
    let mut reader =
        csv::Reader::from_path(HS2022).expect("the HS 2022 nomenclature is in data/hs");
    let mut res = HashMap::new();
    for record in reader.records() {
        let record = record.expect("a well-formed CSV row");
        let (code, description) = (&record[1], &record[2]);
        if matches!(code.len(), 4 | 6) {
            res.insert(code.to_owned(), description.to_owned());
        }
    }
    res
}

/// Strips note markers (`<1>`, `<10С>`) and a trailing colon.
fn clean(text: &str) -> String {
    let mut res = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        res.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) => rest = &rest[open + close + 1..],
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    res.push_str(rest);
    res.trim().trim_end_matches(':').trim_end().to_owned()
}
