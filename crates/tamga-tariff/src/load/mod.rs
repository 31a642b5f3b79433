//! Loading and validating a bundle. Every problem is collected with its `file:line:column`;
//! a bundle with any problem is refused as a whole.
//!
//! The modules follow the bundle's folders: `editions` reads `editions.csv` and the files each
//! edition names (lines, sections, rates, notes); `measures` reads `measures.csv` and
//! `tariff_quotas.csv`; `reference` reads `reference/` and `hs/`; `union` and `schedules` read
//! `union/`. Every table dated by `valid_from`/`valid_to` is read through `dated`; `table` reads
//! CSV with the place of every cell, `cells` the cells many tables share.
//!
//! The format is documented in `docs/tariff-bundle.md`.

mod cells;
mod dated;
mod editions;
mod measures;
mod notes;
mod rates;
mod reference;
mod schedules;
mod table;
mod union;

use tamga_core::{CommodityCode, CountryCode, Validity};

use crate::bundle::{BundleErrors, BundleSource};
use crate::snapshot::{CodeMap, Edition, LineKind, Measure, TariffSnapshot};
use cells::CodeLists;
use measures::PlacedMeasures;
use table::Issues;

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
    let codes = CodeLists {
        countries: reference::load_countries(source, issues),
        currencies: reference::load_currencies(source, issues),
        units: union::load_units(source, issues),
    };
    let hs_english = reference::load_hs_english(source, issues);
    let member_states = union::load_member_states(source, &codes, issues);
    let members: Vec<CountryCode> = member_states.iter().map(|m| m.state).collect();
    let state_currencies = union::load_state_currencies(source, &codes, &members, issues);
    let vat_rates = union::load_vat_rates(source, &members, issues);
    let customs_fees = schedules::load_customs_fees(source, &codes, &members, issues);
    let normatives = schedules::load_normatives(source, &members, issues);
    let country_groups = union::load_country_groups(source, &codes, issues);
    let preference_regimes = union::load_preference_regimes(source, issues);
    let procedure_codes = union::load_procedure_codes(source, issues);
    let exchange_rates = union::load_exchange_rates(source, &codes, &members, issues);
    let rounding_rules = union::load_rounding_rules(source, &members, issues);
    let transfer_currencies = union::load_transfer_currencies(source, &codes, &members, issues);
    let utc_offsets = union::load_utc_offsets(source, &members, issues);

    let mut measures = PlacedMeasures::default();
    let mut editions = editions::load_editions(source, &codes, &hs_english, &mut measures, issues);
    measures::load_measures(source, &codes, &members, &editions, &mut measures, issues);
    let quotas = measures::load_quotas(source, &codes, &editions, issues);
    let excise_rates = union::load_excise_rates(source, &codes, &members, &editions, issues);
    measures.check_overlaps(issues);
    let measures_by_code = index_measures(&measures.measures);
    index_line_measures(&mut editions, &measures_by_code);
    TariffSnapshot {
        bundle: source.describe(),
        editions,
        measures: measures.measures,
        quotas,
        countries: codes.countries,
        currencies: codes.currencies,
        units: codes.units,
        member_states,
        state_currencies,
        vat_rates,
        customs_fees,
        normatives,
        country_groups,
        preference_regimes,
        procedure_codes,
        exchange_rates,
        excise_rates,
        rounding_rules,
        transfer_currencies,
        utc_offsets,
        hs_english,
    }
}

/// The measures attached at each code, by position in the snapshot's list.
fn index_measures(measures: &[Measure]) -> CodeMap<Vec<u32>> {
    let mut by_code = CodeMap::<Vec<u32>>::default();
    for (i, measure) in measures.iter().enumerate() {
        by_code
            .entry(measure.code.key())
            .or_default()
            .push(i as u32);
    }
    by_code
}

/// Gives every declarable line the measures on its code and its prefixes, longest first, so
/// that a lookup reads one short list instead of probing six prefixes.
fn index_line_measures(editions: &mut [Edition], by_code: &CodeMap<Vec<u32>>) {
    for edition in editions {
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

/// Whether an edition in force at some time during `validity` has `code` (at any level).
fn code_known(editions: &[Edition], code: &CommodityCode, validity: &Validity) -> bool {
    editions
        .iter()
        .filter(|e| e.validity.overlaps(validity))
        .any(|e| e.has_code_prefix(code))
}
