//! `measures.csv` (measures at any level of the nomenclature: exemptions, trade remedies, …) and
//! `tariff_quotas.csv`, and the overlap check of every measure, those of the editions' rates
//! files included.

use std::sync::Arc;

use tamga_core::{CommodityCode, CountryCode, Decimal, Validity};

use super::cells::{CodeLists, commodity_code, decimal, member_state};
use super::dated::{DatedTable, InForce, check_overlaps};
use super::table::{Issues, Place};
use crate::bundle::BundleSource;
use crate::snapshot::{Edition, Measure, MeasureKind, TariffQuota};

/// The measures read so far, each with the place of its row: the measures of all files are
/// checked for overlaps together.
#[derive(Default)]
pub(super) struct PlacedMeasures {
    pub(super) measures: Vec<Measure>,
    pub(super) places: Vec<Place>,
}

impl PlacedMeasures {
    pub(super) fn reserve(&mut self, additional: usize) {
        self.measures.reserve(additional);
        self.places.reserve(additional);
    }

    pub(super) fn push(&mut self, measure: Measure, place: Place) {
        self.measures.push(measure);
        self.places.push(place);
    }

    /// Two measures of the same kind, code, origin and state may not be in force on one day.
    pub(super) fn check_overlaps(&self, issues: &mut Issues) {
        check_overlaps(
            self.measures.iter().zip(&self.places).map(|(m, place)| {
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
}

pub(super) fn load_measures(
    source: &dyn BundleSource,
    codes: &CodeLists,
    members: &[CountryCode],
    editions: &[Edition],
    measures: &mut PlacedMeasures,
    issues: &mut Issues,
) {
    let read = DatedTable::new("measures.csv", "measure", "measure").read_placed(
        source,
        issues,
        |table, issues| {
            (
                table.col("measure", true, issues),
                table.col("kind", true, issues),
                table.col("code", true, issues),
                table.col("origin", true, issues),
                table.col("state", true, issues),
                table.col("rate", true, issues),
                table.col("legal_basis", true, issues),
            )
        },
        |&(id, kind, code, origin, state, rate, basis), dated, issues| {
            let row = &dated.row;
            let measure_id = row.required(id, "a measure id", issues);
            let measure_kind = row.parse(kind, "a measure kind", MeasureKind::parse, issues);
            let what = "a commodity code (2 to 10 digits)";
            let measure_code = row.parse(code, what, commodity_code, issues);
            let measure_origin = codes.optional_country(row, origin, issues);
            let measure_state = member_state(row, state, members, issues);
            let measure_rate = codes.required_rate(row, rate, "a rate", issues);
            let legal_basis = row.required(basis, "the legal basis", issues);
            let (measure_id, measure_kind, measure_code) = (measure_id?, measure_kind?, measure_code?);
            let (measure_origin, measure_state, validity) =
                (measure_origin?, measure_state?, dated.validity?);
            let (measure_rate, legal_basis) = (measure_rate?, legal_basis?);
            if !super::code_known(editions, &measure_code, &validity) {
                issues.push(row.issue(code, format!("a measure on an unknown code {measure_code}: no edition in force during {validity} has it")));
                return None;
            }
            if measure_kind == MeasureKind::Exemption && measure_state.is_none() {
                issues.push(row.issue(state, "expected the member state whose exemption this is"));
                return None;
            }
            Some(Measure {
                id: Arc::from(measure_id),
                kind: measure_kind,
                code: measure_code,
                origin: measure_origin,
                state: measure_state,
                rate: measure_rate,
                validity,
                legal_basis: Arc::from(legal_basis),
                text: None,
            })
        },
    );
    for (measure, place) in read {
        measures.push(measure, place);
    }
}

impl InForce for TariffQuota {
    type Key = (CommodityCode, Option<CountryCode>);
    fn key(&self) -> Self::Key {
        (self.code, self.origin)
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_quotas(
    source: &dyn BundleSource,
    codes: &CodeLists,
    editions: &[Edition],
    issues: &mut Issues,
) -> Vec<TariffQuota> {
    DatedTable::new("tariff_quotas.csv", "tariff quota", "quota").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("quota", true, issues),
                table.col("code", true, issues),
                table.col("origin", true, issues),
                table.col("volume", true, issues),
                table.col("unit", true, issues),
                table.col("in_quota_rate", true, issues),
                table.col("legal_basis", true, issues),
            )
        },
        |&(id, code, origin, volume, unit, rate, basis), dated, issues| {
            let row = &dated.row;
            let quota_id = row.required(id, "a quota id", issues);
            let quota_code = row.parse(code, "a commodity code", commodity_code, issues);
            let quota_origin = codes.optional_country(row, origin, issues);
            let quota_volume = decimal(row, volume, "the quota volume, a decimal", issues);
            let quota_unit = codes.unit(row, unit, issues);
            let quota_rate = codes.required_rate(row, rate, "the in-quota rate", issues);
            let legal_basis = row.required(basis, "the legal basis", issues);
            let (quota_id, quota_code, quota_origin) = (quota_id?, quota_code?, quota_origin?);
            let (validity, quota_volume, quota_unit) =
                (dated.validity?, quota_volume?, quota_unit?);
            let (quota_rate, legal_basis) = (quota_rate?, legal_basis?);
            if !super::code_known(editions, &quota_code, &validity) {
                issues.push(row.issue(code, format!("a quota on an unknown code {quota_code}")));
                return None;
            }
            if quota_volume <= Decimal::ZERO {
                issues.push(row.issue(volume, "expected a positive volume"));
                return None;
            }
            Some(TariffQuota {
                id: Arc::from(quota_id),
                code: quota_code,
                origin: quota_origin,
                validity,
                volume: quota_volume,
                unit: quota_unit,
                in_quota_rate: quota_rate,
                legal_basis: Arc::from(legal_basis),
            })
        },
    )
}
