//! `reference/*.csv`, the published ISO code lists, and `hs/*.csv`, the English texts of the
//! Harmonized System. They are read as published: extra columns are ignored.

use std::collections::HashMap;

use tamga_core::{CountryCode, CurrencyCode};

use super::cells::{country_code, currency_code};
use super::table::{Issues, Table};
use crate::bundle::BundleSource;
use crate::snapshot::{Country, Currency};

pub(super) fn load_countries(
    source: &dyn BundleSource,
    issues: &mut Issues,
) -> HashMap<CountryCode, Country> {
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
        let Some(code) = row.parse(alpha2, "an ISO 3166-1 alpha-2 code", country_code, issues)
        else {
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

pub(super) fn load_currencies(
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
        let Some(code) = row.parse(code_col, "an ISO 4217 code", currency_code, issues) else {
            continue;
        };
        // The published list repeats a currency for every country that uses it.
        currencies.entry(code).or_insert_with(|| Currency {
            code,
            name: row.get(name).to_owned(),
            minor_unit: row.get(minor).parse().ok(),
        });
    }
    currencies
}

/// English texts by HS code (2, 4 or 6 digits) and by `section:N`.
pub(super) fn load_hs_english(
    source: &dyn BundleSource,
    issues: &mut Issues,
) -> HashMap<String, String> {
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
