//! The treasury's pure core: the normatives in force on a day, and the split of an amount among
//! the member states to the minor unit.
//!
//! Import duties paid into a state's single account are distributed every day among all member
//! states by the normatives in force (Agreement of 20 May 2010; EAEU Treaty, Annex 5). The
//! legal texts read so far give no rule for the residue that rounding leaves (123.45 by the
//! 2020 normatives rounds to 123.46), so tamga uses the
//! largest-remainder method, [`split_largest_remainder`], with a fixed tie order, and says so.

pub mod bounds;
pub mod closing;
pub mod ledger;
pub mod reconcile;
pub mod transfer;

use rust_decimal::Decimal;
use tamga_core::{CountryCode, Date, format_date};

pub use bounds::{MoneyDateError, MoneyDates, interest_cap};
use tamga_tariff::TariffSnapshot;
use tamga_tariff::snapshot::NormativeSet;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreasuryError {
    #[error("no distribution normatives in force on {date}: the bundle's sets cover {covered}")]
    NoNormatives { date: String, covered: String },
    #[error(
        "the normatives {set} sum to {sum} %, not 100 %, or have more than {max_scale} decimals"
    )]
    BadNormatives {
        set: String,
        sum: String,
        max_scale: u32,
    },
    #[error("the amount {0} is beyond what tamga splits (±10^15)")]
    AmountTooLarge(String),
    #[error("the amount {amount} has more decimals than the currency's {scale}")]
    NotMinorUnits { amount: String, scale: u32 },
}

/// A normative set as the split uses it: integer weights that sum to `total`, and the order in
/// which the residue is handed out among equal remainders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normatives {
    pub set: String,
    pub legal_basis: String,
    pub states: Vec<CountryCode>,
    /// Each state's percentage as given (`4.860`).
    pub percents: Vec<Decimal>,
    /// The percentages scaled to integers: `4.860 %` → 4860 with `total` 100,000.
    weights: Vec<u64>,
    total: u64,
    /// Indices of `states` in tie order: larger normative first, then ISO code.
    tie_order: Vec<usize>,
}

/// The most decimals a normative may have (the sets of 2017 on have three).
const MAX_SCALE: u32 = 6;
/// The most states a set may have (the union has had five).
const MAX_STATES: usize = 16;

impl Normatives {
    pub fn from_set(set: &NormativeSet) -> Result<Normatives, TreasuryError> {
        let bad = || TreasuryError::BadNormatives {
            set: set.id.clone(),
            sum: set
                .shares
                .iter()
                .map(|(_, p)| *p)
                .sum::<Decimal>()
                .normalize()
                .to_string(),
            max_scale: MAX_SCALE,
        };
        let scale = set
            .shares
            .iter()
            .map(|(_, p)| p.normalize().scale())
            .max()
            .unwrap_or(0);
        if scale > MAX_SCALE || set.shares.is_empty() || set.shares.len() > MAX_STATES {
            return Err(bad());
        }
        let factor = Decimal::from(10u64.pow(scale));
        let mut weights = Vec::with_capacity(set.shares.len());
        for (_, percent) in &set.shares {
            let scaled = percent * factor;
            if scaled.is_sign_negative() || scaled.fract() != Decimal::ZERO {
                return Err(bad());
            }
            weights.push(u64::try_from(scaled.trunc()).map_err(|_| bad())?);
        }
        let total = 100 * 10u64.pow(scale);
        if weights.iter().sum::<u64>() != total {
            return Err(bad());
        }
        let states: Vec<CountryCode> = set.shares.iter().map(|(s, _)| *s).collect();
        let mut tie_order: Vec<usize> = (0..states.len()).collect();
        tie_order.sort_by(|&a, &b| {
            weights[b]
                .cmp(&weights[a])
                .then_with(|| states[a].as_str().cmp(states[b].as_str()))
        });
        Ok(Normatives {
            set: set.id.clone(),
            legal_basis: set.legal_basis.clone(),
            states,
            percents: set.shares.iter().map(|(_, p)| *p).collect(),
            weights,
            total,
            tie_order,
        })
    }

    /// The normatives in force on `date`, from the bundle's `union/normatives.csv` (each set
    /// names its agreement or protocol).
    pub fn on(snapshot: &TariffSnapshot, date: Date) -> Result<Normatives, TreasuryError> {
        let set = snapshot
            .normatives_on(date)
            .ok_or_else(|| TreasuryError::NoNormatives {
                date: format_date(date),
                covered: snapshot
                    .normatives
                    .iter()
                    .map(|n| {
                        format!(
                            "{}..{}",
                            format_date(n.validity.from),
                            n.validity.to.map(format_date).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        Normatives::from_set(set)
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

/// The largest amount split, in minor units: 10^15 (a thousand trillion kopecks).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// **The residue rule of the distribution: largest remainder (Hamilton's method), to the minor
/// unit.** Each state first gets the floor of `amount × its normative / 100 %`; the minor units
/// left over (fewer than the number of states) go one each to the states with the largest
/// remainders; equal remainders go first to the larger normative, then in ISO code order. The
/// shares sum exactly to the amount. A negative amount (a day of net refunds) is split as its
/// absolute value and negated, so the rule is symmetric and no share has the wrong sign. No
/// legal text on the residue was found (unverified): this is tamga's documented choice. `out` receives one share per state, in the order of `normatives.states`.
pub fn split_largest_remainder(
    amount_minor: i64,
    normatives: &Normatives,
    out: &mut [i64],
) -> Result<(), TreasuryError> {
    if !(-MAX_AMOUNT..=MAX_AMOUNT).contains(&amount_minor) {
        return Err(TreasuryError::AmountTooLarge(amount_minor.to_string()));
    }
    let n = normatives.states.len();
    let out = &mut out[..n];
    let magnitude = amount_minor.unsigned_abs();
    let total = normatives.total;
    // Remainders are below `total` ≤ 10^8: they fit beside the index in one u64 key.
    let mut remainders = [0u64; MAX_STATES];
    let mut floor_sum = 0u64;
    for (i, &weight) in normatives.weights.iter().enumerate() {
        // |amount| ≤ 10^15 and weight ≤ 10^8: the product always fits in u128, and for
        // everyday amounts in u64, whose division is several times cheaper.
        let (share, remainder) = match magnitude.checked_mul(weight) {
            Some(product) => (product / total, product % total),
            None => {
                let product = u128::from(magnitude) * u128::from(weight);
                (
                    (product / u128::from(total)) as u64,
                    (product % u128::from(total)) as u64,
                )
            }
        };
        out[i] = share as i64;
        floor_sum += share;
        remainders[i] = remainder;
    }
    let mut residue = magnitude - floor_sum;
    if residue > 0 {
        // Hand out the residue: largest remainder first, ties in the fixed order.
        let mut order = [0usize; MAX_STATES];
        let order = &mut order[..n];
        order.copy_from_slice(&normatives.tie_order[..n]);
        // A stable sort keeps the tie order among equal remainders.
        order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]));
        for &i in order.iter() {
            if residue == 0 {
                break;
            }
            out[i] += 1;
            residue -= 1;
        }
    }
    if amount_minor < 0 {
        for share in out.iter_mut() {
            *share = -*share;
        }
    }
    Ok(())
}

/// An amount as a count of minor units of a currency with `scale` decimals; refuses an amount
/// that is not a whole number of them (a share is never taken of a fraction of a kopeck).
pub fn to_minor(amount: Decimal, scale: u32) -> Result<i64, TreasuryError> {
    let scaled = amount * Decimal::from(10i64.pow(scale));
    if scaled.fract() != Decimal::ZERO {
        return Err(TreasuryError::NotMinorUnits {
            amount: amount.to_string(),
            scale,
        });
    }
    let minor = i64::try_from(scaled.trunc())
        .map_err(|_| TreasuryError::AmountTooLarge(amount.to_string()))?;
    if !(-MAX_AMOUNT..=MAX_AMOUNT).contains(&minor) {
        return Err(TreasuryError::AmountTooLarge(amount.to_string()));
    }
    Ok(minor)
}

/// Minor units back to an amount with `scale` decimals.
pub fn from_minor(minor: i64, scale: u32) -> Decimal {
    Decimal::new(minor, scale)
}

/// One state's share of a split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub state: CountryCode,
    pub percent: Decimal,
    pub amount_minor: i64,
}

/// The split of one amount on one day: the normatives in force and each state's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub date: Date,
    pub amount_minor: i64,
    pub normatives: Normatives,
    pub shares: Vec<Share>,
}

/// Splits `amount_minor` by the normatives in force on `date`.
pub fn split_on(
    snapshot: &TariffSnapshot,
    date: Date,
    amount_minor: i64,
) -> Result<Split, TreasuryError> {
    let normatives = Normatives::on(snapshot, date)?;
    let mut out = vec![0i64; normatives.len()];
    split_largest_remainder(amount_minor, &normatives, &mut out)?;
    let shares = normatives
        .states
        .iter()
        .zip(&normatives.percents)
        .zip(&out)
        .map(|((state, percent), amount)| Share {
            state: *state,
            percent: *percent,
            amount_minor: *amount,
        })
        .collect();
    Ok(Split {
        date,
        amount_minor,
        normatives,
        shares,
    })
}

/// **Conversion of a transfer into its transfer currency:** the amount owed in the sender's
/// national currency divided by the sending central bank's rate (national units per unit of the
/// transfer currency), rounded half-up to the minor unit. No legal text on this rounding was
/// read (the acts on transfer currencies name the currencies, not the rounding); `None` when the rate
/// is not positive.
pub fn convert_transfer(amount_minor: i64, rate: Decimal) -> Option<i64> {
    if rate <= Decimal::ZERO {
        return None;
    }
    let converted = Decimal::from(amount_minor).checked_div(rate)?;
    let rounded =
        converted.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(rounded).ok()
}

/// **Interest on a late transfer:** simple interest per calendar day on the whole debt, at
/// `daily_rate` (a fraction: 0.0001 is 0.01 % a day), rounded half-up to the minor unit. The
/// 2010 agreement (Art. 7) says the defaulting state pays interest for the delay on the whole
/// debt; **the legal rate and its formula were not read**, so the
/// rate is configuration and this formula is tamga's assumption. `None` when the interest is
/// beyond what an amount can hold: never a silently saturated figure.
pub fn late_interest(amount_minor: i64, daily_rate: Decimal, days_late: i64) -> Option<i64> {
    if days_late <= 0 || daily_rate <= Decimal::ZERO {
        return Some(0);
    }
    let interest = Decimal::from(amount_minor)
        .checked_mul(daily_rate)?
        .checked_mul(Decimal::from(days_late))?;
    i64::try_from(
        interest.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
    )
    .ok()
}

/// **The deadline of the daily report** of reporting day `day`: 16:00 local time of the sending
/// state's authorized body (2010 agreement, Annex 2; EAEU Treaty, Annex 5, para. 40; domain
/// brief §2.1 item 4), on the day after the reporting day. Which day the 16:00 falls on is read
/// as "the next day" from "every day … for the reporting day"; unverified. `utc_offset_minutes`
/// is the state's offset from UTC on that day. The deadline is returned in UTC.
pub fn report_deadline(day: Date, utc_offset_minutes: i32) -> time::OffsetDateTime {
    let next = day.next_day().unwrap_or(day);
    let local = time::PrimitiveDateTime::new(
        next,
        time::Time::from_hms(16, 0, 0).unwrap_or(time::Time::MIDNIGHT),
    );
    let offset = time::UtcOffset::from_whole_seconds(utc_offset_minutes * 60)
        .unwrap_or(time::UtcOffset::UTC);
    local.assume_offset(offset).to_offset(time::UtcOffset::UTC)
}
