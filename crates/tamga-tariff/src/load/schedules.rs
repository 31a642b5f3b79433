//! `union/customs_fees.csv` and `union/normatives.csv`: dated tables whose rows make up a whole.
//! The bands of a fee schedule must cover every value exactly once; the shares of a normative
//! set must sum to 100. Their periods are checked per schedule and per set, not per row.

use std::collections::HashMap;
use std::str::FromStr;

use tamga_core::{CountryCode, Decimal, Validity};

use super::cells::{CodeLists, decimal, member_state, verification};
use super::dated::{DatedRow, DatedTable, check_overlaps};
use super::table::{Col, Issues, Place, Table};
use crate::bundle::BundleSource;
use crate::snapshot::{CustomsFeeBand, NormativeSet, Verification};

struct FeeColumns {
    state: Col,
    schedule: Col,
    over: Col,
    up_to: Col,
    amount: Col,
    currency: Col,
    legal_basis: Col,
    source: Col,
    verification: Col,
}

impl FeeColumns {
    fn of(table: &Table, issues: &mut Issues) -> Self {
        FeeColumns {
            state: table.col("state", true, issues),
            schedule: table.col("schedule", true, issues),
            over: table.col("value_over", true, issues),
            up_to: table.col("value_up_to", true, issues),
            amount: table.col("amount", true, issues),
            currency: table.col("currency", true, issues),
            legal_basis: table.col("legal_basis", true, issues),
            source: table.col("source", false, issues),
            verification: table.col("verification", false, issues),
        }
    }
}

/// A band as read, with the place of its lower bound, where a gap in its schedule is reported.
struct PlacedBand {
    band: CustomsFeeBand,
    lower_bound: Place,
}

pub(super) fn load_customs_fees(
    source: &dyn BundleSource,
    codes: &CodeLists,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<CustomsFeeBand> {
    // The state and period of each schedule, as its first band gives them.
    let mut schedules: HashMap<String, (CountryCode, Validity)> = HashMap::new();
    let bands = DatedTable::new("union/customs_fees.csv", "customs fee schedule", "schedule")
        .read_placed(source, issues, FeeColumns::of, |cols, dated, issues| {
            let band = fee_band(cols, dated, codes, members, issues)?;
            match schedules.get(&band.schedule) {
                Some(&(state, validity)) if state != band.state || validity != band.validity => {
                    issues.push(dated.row.issue(cols.schedule, format!("every band of schedule {} must have the same state and period as its first band", band.schedule)));
                    return None;
                }
                Some(_) => {}
                None => {
                    schedules.insert(band.schedule.clone(), (band.state, band.validity));
                }
            }
            let lower_bound = dated.row.place(cols.over);
            Some(PlacedBand { band, lower_bound })
        });
    check_band_coverage(&bands, issues);
    let mut first_bands = std::collections::HashSet::new();
    check_overlaps(
        bands
            .iter()
            .filter(|(b, _)| first_bands.insert(b.band.schedule.as_str()))
            .map(|(b, place)| (b.band.state, b.band.validity, place.clone())),
        "customs fee schedule",
        issues,
    );
    bands.into_iter().map(|(b, _)| b.band).collect()
}

fn fee_band(
    cols: &FeeColumns,
    dated: &DatedRow<'_>,
    codes: &CodeLists,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Option<CustomsFeeBand> {
    let row = &dated.row;
    let code = member_state(row, cols.state, members, issues).flatten();
    let schedule_id = row.required(cols.schedule, "a schedule id", issues);
    let what = "the lower bound (exclusive), a decimal";
    let low = decimal(row, cols.over, what, issues);
    let what = "the upper bound (inclusive) or empty";
    let high = row.parse_optional(cols.up_to, what, Decimal::from_str, issues);
    let fee = decimal(row, cols.amount, "the fee amount, a decimal", issues);
    let money = codes.currency(row, cols.currency, issues);
    let (code, schedule_id, validity) = (code?, schedule_id?, dated.validity?);
    let (low, high, fee, money) = (low?, high?, fee?, money?);
    if fee < Decimal::ZERO {
        issues.push(row.issue(cols.amount, "expected a fee of 0 or more"));
        return None;
    }
    Some(CustomsFeeBand {
        state: code,
        schedule: schedule_id.to_owned(),
        validity,
        value_over: low,
        value_up_to: high,
        amount: fee,
        currency: money,
        legal_basis: row.get(cols.legal_basis).to_owned(),
        source: row.get(cols.source).to_owned(),
        verification: verification(row, cols.verification, issues),
    })
}

/// The bands of a schedule must cover every value exactly once: each starts where the one
/// below it ends, and only the top one is open-ended.
fn check_band_coverage(bands: &[(PlacedBand, Place)], issues: &mut Issues) {
    let mut schedules: Vec<(&str, Vec<&PlacedBand>)> = Vec::new();
    for (placed, _) in bands {
        let schedule = placed.band.schedule.as_str();
        match schedules.iter_mut().find(|(id, _)| *id == schedule) {
            Some((_, list)) => list.push(placed),
            None => schedules.push((schedule, vec![placed])),
        }
    }
    for (schedule_id, mut list) in schedules {
        list.sort_by_key(|p| p.band.value_over);
        let mut expected_low = Decimal::ZERO;
        let count = list.len();
        for (i, placed) in list.into_iter().enumerate() {
            let (low, high, place) = (
                placed.band.value_over,
                placed.band.value_up_to,
                &placed.lower_bound,
            );
            if low != expected_low {
                issues.push(place.issue(format!(
                    "schedule {schedule_id}: expected the next band to start above {expected_low}, it starts above {low}"
                )));
            }
            match high {
                Some(h) if h > low => expected_low = h,
                Some(_) => issues.push(place.issue(format!(
                    "schedule {schedule_id}: a band must end above where it starts"
                ))),
                None if i + 1 != count => issues.push(place.issue(format!(
                    "schedule {schedule_id}: only the top band may be open-ended"
                ))),
                None => {}
            }
        }
    }
}

/// One row of `union/normatives.csv`: a state's share in a set.
struct NormativeRow {
    set: String,
    validity: Validity,
    state: CountryCode,
    share: Decimal,
    legal_basis: String,
    verification: Verification,
    /// Where a period that differs from the set's is reported.
    period_place: Place,
    /// Where a state listed twice in the set is reported.
    state_place: Place,
}

pub(super) fn load_normatives(
    source: &dyn BundleSource,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<NormativeSet> {
    let rows = DatedTable::new("union/normatives.csv", "set of normatives", "percent").read_placed(
        source,
        issues,
        |table, issues| {
            (
                table.col("set", true, issues),
                table.col("state", true, issues),
                table.col("percent", true, issues),
                table.col("legal_basis", true, issues),
                table.col("verification", false, issues),
            )
        },
        |&(set, state, percent, basis, check), dated, issues| {
            let row = &dated.row;
            let set_id = row.required(set, "a normative set id", issues);
            let code = member_state(row, state, members, issues).flatten();
            let what = "a percentage with up to 3 decimals";
            let share = decimal(row, percent, what, issues);
            let (set_id, validity, code, share) = (set_id?, dated.validity?, code?, share?);
            if share < Decimal::ZERO {
                issues.push(row.issue(percent, "expected a share of 0 or more"));
                return None;
            }
            Some(NormativeRow {
                set: set_id.to_owned(),
                validity,
                state: code,
                share,
                legal_basis: row.get(basis).to_owned(),
                verification: verification(row, check, issues),
                period_place: row.place(dated.from),
                state_place: row.place(state),
            })
        },
    );
    let sets = normative_sets(rows, issues);
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
            .map(|(s, place)| ((), s.validity, place.clone())),
        "set of normatives",
        issues,
    );
    sets.into_iter().map(|(s, _)| s).collect()
}

/// Gathers the rows into their sets, each with the place of its first row. A set takes the
/// period and legal basis of its first row.
fn normative_sets(
    rows: Vec<(NormativeRow, Place)>,
    issues: &mut Issues,
) -> Vec<(NormativeSet, Place)> {
    let mut sets: Vec<(NormativeSet, Place)> = Vec::new();
    for (row, place) in rows {
        let Some((existing, _)) = sets.iter_mut().find(|(s, _)| s.id == row.set) else {
            sets.push((
                NormativeSet {
                    id: row.set,
                    validity: row.validity,
                    shares: vec![(row.state, row.share)],
                    legal_basis: row.legal_basis,
                    verification: row.verification,
                },
                place,
            ));
            continue;
        };
        if existing.validity != row.validity {
            issues.push(row.period_place.issue(format!(
                "every row of normative set {} must have the same period",
                row.set
            )));
        }
        if existing.shares.iter().any(|(s, _)| *s == row.state) {
            issues.push(row.state_place.issue(format!(
                "{} appears twice in normative set {}",
                row.state, row.set
            )));
        }
        existing.shares.push((row.state, row.share));
        // A set is only as sure as its least sure share.
        if row.verification == Verification::Unverified
            || existing.verification == Verification::Verified
        {
            existing.verification = row.verification;
        }
    }
    sets
}
