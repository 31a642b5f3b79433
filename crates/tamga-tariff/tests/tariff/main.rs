//! Integration tests of the tariff: the real built-in bundle, the layers of the duty lookup on a
//! small hand-written bundle (`tests/bundles/mini`), the loader's refusals of broken bundles, and
//! rate expressions against the whole 2017 schedule.

mod bad_bundles;
mod builtin;
mod directory;
mod ett2022;
mod fuzz_bundle;
mod layers;
mod rates;
mod texts;

use std::path::PathBuf;
use std::str::FromStr;

use tamga_core::{CommodityCode, CountryCode, Date, Decimal, parse_date};
use tamga_tariff::{Layer, LayerOutcome, LayerStatus, LookupQuery, TariffSnapshot};

use directory::DirectorySource;

pub fn date(text: &str) -> Date {
    parse_date(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

pub fn code(text: &str) -> CommodityCode {
    CommodityCode::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

pub fn country(text: &str) -> CountryCode {
    CountryCode::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// A query for a code on a day, with no origin, no state and no quota claimed.
pub fn query(code_text: &str, day: &str) -> LookupQuery {
    LookupQuery {
        code: code(code_text),
        date: date(day),
        origin: None,
        state: None,
        in_quota: false,
        claim_preference: true,
    }
}

/// The outcome of one layer of a lookup; panics if the lookup did not consider it.
pub fn layer<'a, 's>(layers: &'a [LayerOutcome<'s>], which: Layer) -> &'a LayerOutcome<'s> {
    layers
        .iter()
        .find(|l| l.layer == which)
        .unwrap_or_else(|| panic!("no {which:?} layer in {layers:#?}"))
}

pub fn status(layers: &[LayerOutcome<'_>], which: Layer) -> LayerStatus {
    layer(layers, which).status
}

/// The directory of the mini test bundle.
pub fn mini_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bundles/mini")
}

/// Loads the mini bundle; it must load without issues.
pub fn load_mini() -> TariffSnapshot {
    tamga_tariff::load(&DirectorySource { root: mini_dir() }).unwrap_or_else(|e| panic!("{e}"))
}
