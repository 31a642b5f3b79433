//! Everyday words mapped to nomenclature wording (`synonyms.csv`, embedded at compile time).
//!
//! Brokers type `ноутбук` or `sneakers`; the tariff says `машины вычислительные портативные`
//! and `обувь с верхом из текстильных материалов`. Each row of the table is one alternative
//! wording for one everyday term; a term may have several rows. The last column names the
//! codes of the 2022 edition the row aims at; the tests check that they exist and that the
//! term finds them.

use crate::analyze::Analyzer;

const TABLE: &str = include_str!("../synonyms.csv");

/// One row of the table, analysed into index terms.
pub(crate) struct Synonym {
    /// The everyday term as stems, e.g. `["мобильн", "телефон"]`.
    pub(crate) term: Vec<String>,
    /// The nomenclature wording as stems.
    pub(crate) expansion: Vec<String>,
}

/// Parses and analyses the embedded table. Malformed rows are skipped (the unit test
/// `every_row_is_well_formed` keeps the table clean).
pub(crate) fn load(analyzer: &Analyzer) -> Vec<Synonym> {
    let mut res = Vec::new();
    for row in rows() {
        let term = stems(analyzer, row.term);
        let expansion = stems(analyzer, row.expansion);
        if !term.is_empty() && !expansion.is_empty() {
            res.push(Synonym { term, expansion });
        }
    }
    res
}

/// A raw row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynonymRow<'a> {
    pub term: &'a str,
    pub expansion: &'a str,
    pub lang: &'a str,
    /// The codes the row aims at in the 2022 edition, separated by spaces: headings, longer
    /// prefixes where the goods have a subheading of their own (`851713` for smartphones), or
    /// a chapter for wording used across one (`39` for `пластиковый`). Not used by the
    /// search, only by the tests.
    pub headings: &'a str,
}

/// The rows of the embedded synonym table, header and comment lines (`#`) skipped.
///
/// The file is plain comma-separated text without quoting: no field contains a comma.
pub fn rows() -> impl Iterator<Item = SynonymRow<'static>> {
    TABLE.lines().skip(1).filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut fields = line.split(',');
        let term = fields.next()?.trim();
        let expansion = fields.next()?.trim();
        let lang = fields.next()?.trim();
        let headings = fields.next()?.trim();
        if fields.next().is_some() || !matches!(lang, "ru" | "en") {
            return None;
        }
        let well_formed = |code: &str| {
            matches!(code.len(), 2 | 4 | 6 | 8 | 9 | 10) && code.bytes().all(|b| b.is_ascii_digit())
        };
        if headings.is_empty() || !headings.split_whitespace().all(well_formed) {
            return None;
        }
        Some(SynonymRow {
            term,
            expansion,
            lang,
            headings,
        })
    })
}

fn stems(analyzer: &Analyzer, text: &str) -> Vec<String> {
    let mut res = Vec::new();
    analyzer.terms(text, |term| res.push(term));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_well_formed() {
        assert_eq!(TABLE.lines().next(), Some("term,expansion,lang,headings"));
        let data_lines = TABLE
            .lines()
            .skip(1)
            .filter(|line| !line.trim().is_empty() && !line.trim().starts_with('#'))
            .count();
        assert_eq!(
            rows().count(),
            data_lines,
            "a row has the wrong number of fields, lang or headings"
        );
        let analyzer = Analyzer::new();
        assert_eq!(
            load(&analyzer).len(),
            data_lines,
            "a row analyses to no terms"
        );
    }
}
