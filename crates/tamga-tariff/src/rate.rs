//! Import-duty rate expressions of the Common Customs Tariff (ЕТТ ЕАЭС): parse, print, evaluate.
//!
//! The CCT states each rate in the column "% of customs value, or in euro, or in US dollars"
//! (Annex to Decision No. 54 of the EEC Council of 16.07.2012). A rate is ad valorem,
//! specific, or combined; a combined rate is either "X, but not less than Y" (the larger part
//! is charged), "X, but not more than Y" (the smaller part), or "X plus Y" (both parts).
//!
//! Two spellings are accepted: the official Russian text as printed in the tariff
//! (`15, но не менее 0,07 евро за 1 л`) and a canonical English text (`15% min 0.07 EUR/l`),
//! which is what [`RateExpr`]'s `Display` prints. All amounts are exact decimals.

use std::fmt;
use std::str::FromStr;

use tamga_core::{CurrencyCode, Decimal, UnitCode};

/// The highest ad valorem percent accepted; anything above is taken as a typo.
pub const MAX_PERCENT: Decimal = Decimal::ONE_THOUSAND;

/// The specific part of a rate: `amount` of `currency` per `per_quantity` of `unit`.
///
/// Invariants kept by [`RateExpr::parse`]: `amount >= 0`, `per_quantity > 0`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SpecificRate {
    pub amount: Decimal,
    pub currency: CurrencyCode,
    /// How many units the amount is for: `1` almost always, `1000` for `250 USD/1000kg`.
    pub per_quantity: Decimal,
    pub unit: UnitCode,
}

/// An import-duty rate of the CCT.
///
/// Invariants kept by [`RateExpr::parse`]: `0 <= percent <= 1000`, see also [`SpecificRate`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RateExpr {
    /// Percent of the customs value: `15` / `15%`.
    AdValorem { percent: Decimal },
    /// An amount per unit of goods: `0,1 евро за 1 л` / `0.1 EUR/l`.
    Specific(SpecificRate),
    /// "X, но не менее Y" ("but not less than"): the specific part is a floor, the larger
    /// part is charged. Canonical: `15% min 0.07 EUR/l`. The data files call it `combined_max`.
    CombinedMin {
        percent: Decimal,
        specific: SpecificRate,
    },
    /// "X, но не более Y" ("but not more than"): the specific part is a ceiling, the smaller
    /// part is charged. Canonical: `15% max 0.07 EUR/l`.
    CombinedMax {
        percent: Decimal,
        specific: SpecificRate,
    },
    /// "X плюс Y": both parts are charged. Canonical: `4.5% + 0.02 EUR/kg`.
    Sum {
        percent: Decimal,
        specific: SpecificRate,
    },
}

/// The kind of a rate, without its numbers.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RateKind {
    AdValorem,
    Specific,
    /// "but not less than" (the larger part is charged).
    CombinedMin,
    /// "but not more than" (the smaller part is charged).
    CombinedMax,
    /// "plus" (both parts are charged).
    Sum,
}

impl RateKind {
    pub const ALL: [RateKind; 5] = [
        RateKind::AdValorem,
        RateKind::Specific,
        RateKind::CombinedMin,
        RateKind::CombinedMax,
        RateKind::Sum,
    ];

    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::AdValorem => "ad_valorem",
            RateKind::Specific => "specific",
            RateKind::CombinedMin => "combined_min",
            RateKind::CombinedMax => "combined_max",
            RateKind::Sum => "sum",
        }
    }
}

impl fmt::Display for RateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RateKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RateKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("expected a rate kind (ad_valorem, specific, combined_min, combined_max, sum), got {s:?}"))
    }
}

/// Why a rate text was rejected. Columns are 1-based and count characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateParseError {
    #[error(
        "column 1: expected a rate such as 15%, 0.1 EUR/l or \"15, но не менее 0,07 евро за 1 л\", found empty text"
    )]
    Empty,
    #[error("column {column}: expected {expected}, found {found}")]
    Expected {
        column: usize,
        expected: &'static str,
        found: String,
    },
    #[error("column {column}: a rate has no negative numbers")]
    Negative { column: usize },
    #[error("column {column}: {percent}% is above the {MAX_PERCENT}% ceiling")]
    PercentTooLarge { column: usize, percent: Decimal },
    #[error(
        "column {column}: the number {text} cannot be held exactly (at most 28 decimal places)"
    )]
    NumberOutOfRange { column: usize, text: String },
    #[error(
        "column {column}: a tariff note marker is not part of the rate; strip it with split_note_refs"
    )]
    NoteMarker { column: usize },
}

impl RateParseError {
    /// The 1-based character column at which parsing failed.
    pub fn column(&self) -> usize {
        match self {
            RateParseError::Empty => 1,
            RateParseError::Expected { column, .. }
            | RateParseError::Negative { column }
            | RateParseError::PercentTooLarge { column, .. }
            | RateParseError::NumberOutOfRange { column, .. }
            | RateParseError::NoteMarker { column } => *column,
        }
    }
}

/// Why a rate could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateEvalError {
    #[error("no quantity declared in {unit}, which the specific rate needs")]
    MissingQuantity { unit: UnitCode },
    #[error("no exchange rate for {currency}, which the specific rate needs")]
    MissingExchangeRate { currency: CurrencyCode },
    #[error("{what} must not be negative, got {value}")]
    NegativeInput { what: &'static str, value: Decimal },
    #[error("the exchange rate for {currency} must be positive, got {value}")]
    NonPositiveExchangeRate {
        currency: CurrencyCode,
        value: Decimal,
    },
    #[error("the rate itself is malformed: {0}")]
    InvalidRate(&'static str),
    #[error("the amount is too large to compute exactly")]
    Overflow,
}

/// What a rate is applied to.
pub struct RateBasis<'a> {
    /// Customs value in national currency.
    pub customs_value: Decimal,
    /// The quantity declared in a unit, if any.
    pub quantity: &'a dyn Fn(&UnitCode) -> Option<Decimal>,
    /// National currency per 1 unit of a currency, on the day the declaration is registered.
    pub exchange_rate: &'a dyn Fn(CurrencyCode) -> Option<Decimal>,
}

/// The duty a rate yields, unrounded (rounding is a separate legal rule).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RateEvaluation {
    pub amount: Decimal,
    pub ad_valorem_part: Option<Decimal>,
    pub specific_part: Option<Decimal>,
    /// The computation with its numbers, e.g.
    /// `max(480000.00 × 15% = 72000.00; 20000 l × 0.07 EUR × 80 = 112000.00) = 112000.00`.
    pub formula: String,
}

/// Whether a rate is printed as an alternative ("15, либо 12,5, но не менее 0,6 евро за 1 см3
/// объема двигателя, в зависимости от того, какая из исчисленных сумм таможенной пошлины
/// ниже": the lower of two rates), a form [`RateExpr`] does not hold. Such a rate is kept as
/// text and its duty answered as unknown, never computed as one of its parts.
pub fn is_alternative(text: &str) -> bool {
    text.contains("либо")
}

/// Splits trailing tariff note markers (`10 <42С>`) off a rate cell.
///
/// Returns the rate text (trailing whitespace removed) and the note ids in order, with a
/// Latin `C` normalised to the Cyrillic `С` the tariff uses (`42С`). Other `<…>` text is left
/// in place, so that [`RateExpr::parse`] rejects it.
pub fn split_note_refs(raw: &str) -> (&str, Vec<String>) {
    let mut rest = raw.trim_end();
    let mut notes = Vec::new();
    while let Some(body) = rest.strip_suffix('>') {
        let Some(open) = body.rfind('<') else { break };
        let (Some(before), Some(inner)) = (body.get(..open), body.get(open + 1..)) else {
            break;
        };
        let Some(id) = note_id(inner) else { break };
        notes.push(id);
        rest = before.trim_end();
    }
    notes.reverse();
    (rest, notes)
}

fn note_id(inner: &str) -> Option<String> {
    let digits = inner.trim().strip_suffix(['С', 'C'])?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{digits}С"))
}

impl RateExpr {
    /// Parses the official Russian text or the canonical English text of a rate.
    ///
    /// Note markers must be removed first with [`split_note_refs`].
    pub fn parse(text: &str) -> Result<RateExpr, RateParseError> {
        Parser::new(text).rate()
    }

    pub fn kind(&self) -> RateKind {
        match self {
            RateExpr::AdValorem { .. } => RateKind::AdValorem,
            RateExpr::Specific(_) => RateKind::Specific,
            RateExpr::CombinedMin { .. } => RateKind::CombinedMin,
            RateExpr::CombinedMax { .. } => RateKind::CombinedMax,
            RateExpr::Sum { .. } => RateKind::Sum,
        }
    }

    /// The ad valorem percent, if the rate has one.
    pub fn percent(&self) -> Option<Decimal> {
        match self {
            RateExpr::AdValorem { percent }
            | RateExpr::CombinedMin { percent, .. }
            | RateExpr::CombinedMax { percent, .. }
            | RateExpr::Sum { percent, .. } => Some(*percent),
            RateExpr::Specific(_) => None,
        }
    }

    /// The specific part, if the rate has one.
    pub fn specific(&self) -> Option<&SpecificRate> {
        match self {
            RateExpr::AdValorem { .. } => None,
            RateExpr::Specific(specific)
            | RateExpr::CombinedMin { specific, .. }
            | RateExpr::CombinedMax { specific, .. }
            | RateExpr::Sum { specific, .. } => Some(specific),
        }
    }

    /// The unit in which a quantity must be declared for this rate, if any.
    pub fn specific_units(&self) -> Option<&UnitCode> {
        self.specific().map(|s| &s.unit)
    }

    /// The currency whose exchange rate this rate needs, if any.
    pub fn currency(&self) -> Option<CurrencyCode> {
        self.specific().map(|s| s.currency)
    }

    /// The rate with every part (percent and specific amount) multiplied by `factor`.
    ///
    /// Used for tariff preferences: 0.75 for goods of developing countries, 0 for least
    /// developed ones. A preference never raises a rate, so `factor` is clamped to `[0, 1]`;
    /// use [`RateExpr::checked_scaled`] for other factors.
    pub fn scaled(&self, factor: Decimal) -> RateExpr {
        let factor = factor.clamp(Decimal::ZERO, Decimal::ONE);
        // With 0 <= factor <= 1 no part can overflow or leave the valid range.
        self.checked_scaled(factor).unwrap_or_else(|| self.clone())
    }

    /// Like [`RateExpr::scaled`] for any factor; `None` if the factor is negative, a part
    /// overflows, or the percent ends above [`MAX_PERCENT`].
    pub fn checked_scaled(&self, factor: Decimal) -> Option<RateExpr> {
        if factor.is_sign_negative() && !factor.is_zero() {
            return None;
        }
        let mul = |x: Decimal| x.checked_mul(factor).map(|v| v.normalize());
        let pct = |p: Decimal| mul(p).filter(|p| *p <= MAX_PERCENT);
        let spec = |s: &SpecificRate| {
            Some(SpecificRate {
                amount: mul(s.amount)?,
                ..s.clone()
            })
        };
        Some(match self {
            RateExpr::AdValorem { percent } => RateExpr::AdValorem {
                percent: pct(*percent)?,
            },
            RateExpr::Specific(s) => RateExpr::Specific(spec(s)?),
            RateExpr::CombinedMin { percent, specific } => RateExpr::CombinedMin {
                percent: pct(*percent)?,
                specific: spec(specific)?,
            },
            RateExpr::CombinedMax { percent, specific } => RateExpr::CombinedMax {
                percent: pct(*percent)?,
                specific: spec(specific)?,
            },
            RateExpr::Sum { percent, specific } => RateExpr::Sum {
                percent: pct(*percent)?,
                specific: spec(specific)?,
            },
        })
    }

    /// The official Russian wording, as printed in the tariff (decimal comma).
    pub fn to_official_ru(&self) -> String {
        match self {
            RateExpr::AdValorem { percent } => ru_number(*percent),
            RateExpr::Specific(s) => s.to_official_ru(),
            RateExpr::CombinedMin { percent, specific } => {
                format!(
                    "{}, но не менее {}",
                    ru_number(*percent),
                    specific.to_official_ru()
                )
            }
            RateExpr::CombinedMax { percent, specific } => {
                format!(
                    "{}, но не более {}",
                    ru_number(*percent),
                    specific.to_official_ru()
                )
            }
            RateExpr::Sum { percent, specific } => {
                format!("{} плюс {}", ru_number(*percent), specific.to_official_ru())
            }
        }
    }

    /// The amount due under this rate, exactly as [`RateExpr::evaluate`] computes it, without
    /// writing the formula: the fast path of the assessment engine.
    pub fn compute(&self, basis: &RateBasis<'_>) -> Result<Decimal, RateEvalError> {
        match self {
            RateExpr::AdValorem { percent } => ad_valorem_amount(*percent, basis),
            RateExpr::Specific(specific) => specific.amount(basis).map(|(part, _, _)| part),
            RateExpr::CombinedMin { percent, specific } => {
                let av = ad_valorem_amount(*percent, basis)?;
                Ok(av.max(specific.amount(basis)?.0))
            }
            RateExpr::CombinedMax { percent, specific } => {
                let av = ad_valorem_amount(*percent, basis)?;
                Ok(av.min(specific.amount(basis)?.0))
            }
            RateExpr::Sum { percent, specific } => {
                let av = ad_valorem_amount(*percent, basis)?;
                av.checked_add(specific.amount(basis)?.0)
                    .map(|x| x.normalize())
                    .ok_or(RateEvalError::Overflow)
            }
        }
    }

    /// Computes the duty. No rounding is applied.
    pub fn evaluate(&self, basis: &RateBasis<'_>) -> Result<RateEvaluation, RateEvalError> {
        match self {
            RateExpr::AdValorem { percent } => {
                let (part, formula) = ad_valorem_part(*percent, basis)?;
                Ok(RateEvaluation {
                    amount: part,
                    ad_valorem_part: Some(part),
                    specific_part: None,
                    formula,
                })
            }
            RateExpr::Specific(specific) => {
                let (part, formula) = specific.part(basis)?;
                Ok(RateEvaluation {
                    amount: part,
                    ad_valorem_part: None,
                    specific_part: Some(part),
                    formula,
                })
            }
            RateExpr::CombinedMin { percent, specific }
            | RateExpr::CombinedMax { percent, specific }
            | RateExpr::Sum { percent, specific } => {
                let (av, av_formula) = ad_valorem_part(*percent, basis)?;
                let (sp, sp_formula) = specific.part(basis)?;
                let (amount, formula) = match self {
                    RateExpr::CombinedMin { .. } => {
                        let amount = av.max(sp);
                        let formula = format!("max({av_formula}; {sp_formula})");
                        (amount, formula)
                    }
                    RateExpr::CombinedMax { .. } => {
                        let amount = av.min(sp);
                        let formula = format!("min({av_formula}; {sp_formula})");
                        (amount, formula)
                    }
                    _ => {
                        let amount = av
                            .checked_add(sp)
                            .ok_or(RateEvalError::Overflow)?
                            .normalize();
                        let formula = format!("({av_formula}) + ({sp_formula})");
                        (amount, formula)
                    }
                };
                let formula = format!("{formula} = {}", shown(amount));
                Ok(RateEvaluation {
                    amount,
                    ad_valorem_part: Some(av),
                    specific_part: Some(sp),
                    formula,
                })
            }
        }
    }
}

/// A computed amount as the formula shows it: exact, but with at least 2 decimal places.
fn shown(amount: Decimal) -> String {
    let mut amount = amount.normalize();
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount.to_string()
}

fn ad_valorem_amount(percent: Decimal, basis: &RateBasis<'_>) -> Result<Decimal, RateEvalError> {
    if percent.is_sign_negative() && !percent.is_zero() {
        return Err(RateEvalError::InvalidRate("negative percent"));
    }
    let cv = basis.customs_value;
    if cv.is_sign_negative() && !cv.is_zero() {
        return Err(RateEvalError::NegativeInput {
            what: "customs value",
            value: cv,
        });
    }
    cv.checked_mul(percent)
        .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
        .map(|x| x.normalize())
        .ok_or(RateEvalError::Overflow)
}

fn ad_valorem_part(
    percent: Decimal,
    basis: &RateBasis<'_>,
) -> Result<(Decimal, String), RateEvalError> {
    let part = ad_valorem_amount(percent, basis)?;
    Ok((
        part,
        format!(
            "{} × {}% = {}",
            basis.customs_value,
            percent.normalize(),
            shown(part)
        ),
    ))
}

impl SpecificRate {
    /// `quantity / per_quantity × amount × exchange rate`, in national currency.
    /// The specific part with the quantity and exchange rate it used.
    fn amount(&self, basis: &RateBasis<'_>) -> Result<(Decimal, Decimal, Decimal), RateEvalError> {
        if self.amount.is_sign_negative() && !self.amount.is_zero() {
            return Err(RateEvalError::InvalidRate("negative specific amount"));
        }
        if self.per_quantity.is_sign_negative() || self.per_quantity.is_zero() {
            return Err(RateEvalError::InvalidRate("per-quantity must be positive"));
        }
        let quantity =
            (basis.quantity)(&self.unit).ok_or_else(|| RateEvalError::MissingQuantity {
                unit: self.unit.clone(),
            })?;
        if quantity.is_sign_negative() && !quantity.is_zero() {
            return Err(RateEvalError::NegativeInput {
                what: "quantity",
                value: quantity,
            });
        }
        let rate =
            (basis.exchange_rate)(self.currency).ok_or(RateEvalError::MissingExchangeRate {
                currency: self.currency,
            })?;
        if rate.is_sign_negative() || rate.is_zero() {
            return Err(RateEvalError::NonPositiveExchangeRate {
                currency: self.currency,
                value: rate,
            });
        }
        // Divide last: exact whenever the result is representable.
        let part = quantity
            .checked_mul(self.amount)
            .and_then(|x| x.checked_mul(rate))
            .and_then(|x| x.checked_div(self.per_quantity))
            .ok_or(RateEvalError::Overflow)?
            .normalize();
        Ok((part, quantity, rate))
    }

    fn part(&self, basis: &RateBasis<'_>) -> Result<(Decimal, String), RateEvalError> {
        let (part, quantity, rate) = self.amount(basis)?;
        let per = self.per_quantity.normalize();
        let per_text = if per == Decimal::ONE {
            String::new()
        } else {
            format!(" / {per}")
        };
        let formula = format!(
            "{quantity} {}{per_text} × {} {} × {rate} = {}",
            self.unit,
            self.amount.normalize(),
            self.currency,
            shown(part)
        );
        Ok((part, formula))
    }

    /// The official Russian wording: `250 долларов США за 1000 кг`.
    pub fn to_official_ru(&self) -> String {
        format!(
            "{} {} за {} {}",
            ru_number(self.amount),
            ru_currency(self.currency, self.amount),
            ru_number(self.per_quantity),
            ru_unit(&self.unit, self.per_quantity)
        )
    }
}

impl fmt::Display for SpecificRate {
    /// Canonical text: `0.07 EUR/l`, `250 USD/1000kg`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = self.per_quantity.normalize();
        let unit = self.unit.as_str();
        // A unit code may start with a digit; then the per-quantity is always printed,
        // with a space, so that the digits are not read as a per-quantity.
        let digit_unit = unit.starts_with(|c: char| c.is_ascii_digit());
        write!(f, "{} {}/", self.amount.normalize(), self.currency)?;
        if digit_unit {
            write!(f, "{per} ")?;
        } else if per != Decimal::ONE {
            write!(f, "{per}")?;
        }
        f.write_str(unit)
    }
}

impl fmt::Display for RateExpr {
    /// Canonical English text: `15%`, `0.1 EUR/l`, `15% min 0.07 EUR/l`, `15% max …`, `4.5% + …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateExpr::AdValorem { percent } => write!(f, "{}%", percent.normalize()),
            RateExpr::Specific(s) => write!(f, "{s}"),
            RateExpr::CombinedMin { percent, specific } => {
                write!(f, "{}% min {specific}", percent.normalize())
            }
            RateExpr::CombinedMax { percent, specific } => {
                write!(f, "{}% max {specific}", percent.normalize())
            }
            RateExpr::Sum { percent, specific } => {
                write!(f, "{}% + {specific}", percent.normalize())
            }
        }
    }
}

impl FromStr for RateExpr {
    type Err = RateParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RateExpr::parse(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Russian wording

/// Russian unit phrases and their codes. Parsing takes the longest phrase that matches.
const RU_UNITS: &[(&str, &str)] = &[
    ("кг", "kg"),
    ("л", "l"),
    ("пару", "pair"),
    ("пары", "pair"),
    ("пара", "pair"),
    ("пар", "pair"),
    ("шт", "pcs"),
    // The temporary-rate notes abbreviate with a full stop: "за 1 шт.".
    ("шт.", "pcs"),
    ("м2", "m2"),
    ("м3", "m3"),
    ("м³", "m3"),
    ("см3 объема двигателя", "cm3_engine"),
    // The 2022 chapter texts print the cubic centimetre with a superscript.
    ("см³ объема двигателя", "cm3_engine"),
    ("т полной массы", "t_gross_vehicle_weight"),
    ("м3 внутреннего объема кузова", "m3_body_volume"),
];

const RU_CURRENCIES: &[(&str, &str)] = &[
    ("евро", "EUR"),
    ("доллар США", "USD"),
    ("доллара США", "USD"),
    ("долларов США", "USD"),
];

fn ru_number(d: Decimal) -> String {
    d.normalize().to_string().replace('.', ",")
}

/// Russian plural class of a number: 0 = "one" (1, 21), 1 = "few" (2–4, 22), 2 = "many".
/// Fractions take the "few" (genitive singular) form: "0,5 доллара".
fn ru_plural_class(n: Decimal) -> usize {
    if !n.is_integer() {
        return 1;
    }
    let last2 = n
        .abs()
        .checked_rem(Decimal::ONE_HUNDRED)
        .unwrap_or(Decimal::ZERO);
    let last = last2.checked_rem(Decimal::TEN).unwrap_or(Decimal::ZERO);
    let teen = last2 >= Decimal::TEN && last2 < Decimal::from(20);
    if teen {
        2
    } else if last == Decimal::ONE {
        0
    } else if last >= Decimal::TWO && last <= Decimal::from(4) {
        1
    } else {
        2
    }
}

fn ru_currency(currency: CurrencyCode, amount: Decimal) -> String {
    match currency.as_str() {
        "EUR" => "евро".to_owned(),
        "USD" => ["доллар США", "доллара США", "долларов США"]
            .get(ru_plural_class(amount))
            .copied()
            .unwrap_or("долларов США")
            .to_owned(),
        other => other.to_owned(),
    }
}

fn ru_unit(unit: &UnitCode, per_quantity: Decimal) -> String {
    match unit.as_str() {
        // "за 1 пару", "за 2 пары", "за 1000 пар".
        "pair" => ["пару", "пары", "пар"]
            .get(ru_plural_class(per_quantity))
            .copied()
            .unwrap_or("пар")
            .to_owned(),
        code => RU_UNITS
            .iter()
            .find(|(_, c)| *c == code)
            .map_or(code, |(ru, _)| ru)
            .to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

const EXPECT_START: &str = "a number (a percent such as 15, or an amount such as 0.1 EUR/l)";
const EXPECT_CURRENCY: &str = "a currency (EUR, USD, евро, долларов США)";
const EXPECT_UNIT: &str = "a unit (kg, l, pcs, cm3_engine, кг, л, шт, …)";
const EXPECT_PER: &str = "\"/\" and a unit (EUR/kg) or \"за\" and a quantity (евро за 1 кг)";
const EXPECT_END: &str = "end of text";

/// A number as read: its value, its column, and its decimal separator with that one's column.
struct Num {
    value: Decimal,
    column: usize,
    separator: Option<(char, usize)>,
}

/// Which text a part is written in: canonical (`12.5%`) or official Russian (`12,5`).
#[derive(Clone, Copy)]
enum Spelling {
    Canonical,
    Russian,
}

impl Spelling {
    fn separator(self) -> char {
        match self {
            Spelling::Canonical => '.',
            Spelling::Russian => ',',
        }
    }

    fn expected_separator(self) -> &'static str {
        match self {
            Spelling::Canonical => "a decimal point \".\" as in 12.5% or 0.07 EUR/l",
            Spelling::Russian => "a decimal comma \",\" as in \"0,07 евро за 1 л\"",
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn new(text: &str) -> Self {
        Parser {
            chars: text.chars().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn skip_ws(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn eat_char(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Where `phrase` would end if it starts here; a space in `phrase` matches any run of
    /// whitespace.
    fn match_phrase(&self, phrase: &str) -> Option<usize> {
        let mut at = self.pos;
        for pc in phrase.chars() {
            if pc == ' ' {
                let start = at;
                while self.chars.get(at).is_some_and(|c| c.is_whitespace()) {
                    at += 1;
                }
                if at == start {
                    return None;
                }
            } else if self.chars.get(at) == Some(&pc) {
                at += 1;
            } else {
                return None;
            }
        }
        Some(at)
    }

    fn eat_phrase(&mut self, phrase: &str) -> bool {
        match self.match_phrase(phrase) {
            Some(end) => {
                self.pos = end;
                true
            }
            None => false,
        }
    }

    /// Eats the longest of `table`'s phrases that matches here, returning its value.
    fn eat_longest<'t>(&mut self, table: &[(&str, &'t str)]) -> Option<&'t str> {
        let (end, value) = table
            .iter()
            .filter_map(|(phrase, value)| self.match_phrase(phrase).map(|end| (end, *value)))
            .max_by_key(|(end, _)| *end)?;
        self.pos = end;
        Some(value)
    }

    fn found(&self) -> String {
        if self.at_end() {
            return "end of text".to_owned();
        }
        let snippet: String = self.chars.iter().skip(self.pos).take(12).collect();
        format!("{snippet:?}")
    }

    fn expected(&self, expected: &'static str) -> RateParseError {
        RateParseError::Expected {
            column: self.pos + 1,
            expected,
            found: self.found(),
        }
    }

    /// An unsigned decimal: digits, optionally a `.` or `,` and more digits.
    fn number(&mut self, expected: &'static str) -> Result<Num, RateParseError> {
        let column = self.pos + 1;
        match self.peek() {
            Some('-' | '−') if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                return Err(RateParseError::Negative { column });
            }
            Some(c) if c.is_ascii_digit() => {}
            _ => return Err(self.expected(expected)),
        }
        let mut text = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            text.push(c);
            self.pos += 1;
        }
        let mut separator = None;
        if let Some(sep @ ('.' | ',')) = self.peek()
            && self.peek_at(1).is_some_and(|c| c.is_ascii_digit())
        {
            separator = Some((sep, self.pos + 1));
            text.push('.');
            self.pos += 1;
            while let Some(c) = self.peek().filter(char::is_ascii_digit) {
                text.push(c);
                self.pos += 1;
            }
        }
        match Decimal::from_str_exact(&text) {
            Ok(d) => Ok(Num {
                value: d.normalize(),
                column,
                separator,
            }),
            Err(_) => {
                let mut shown: String = text.chars().take(40).collect();
                if shown.len() < text.len() {
                    shown.push('…');
                }
                Err(RateParseError::NumberOutOfRange {
                    column,
                    text: shown,
                })
            }
        }
    }

    fn positive(&mut self, expected: &'static str) -> Result<Num, RateParseError> {
        let start = self.pos;
        let n = self.number(expected)?;
        if n.value.is_zero() {
            self.pos = start;
            return Err(self.expected("a quantity greater than zero"));
        }
        Ok(n)
    }

    /// The decimal separator must match the spelling, so that `1,000%` is not read as 1%.
    fn check_separator(num: &Num, spelling: Spelling) -> Result<(), RateParseError> {
        match num.separator {
            Some((sep, column)) if sep != spelling.separator() => Err(RateParseError::Expected {
                column,
                expected: spelling.expected_separator(),
                found: format!("{:?}", sep.to_string()),
            }),
            _ => Ok(()),
        }
    }

    fn end(&mut self) -> Result<(), RateParseError> {
        self.skip_ws();
        if self.at_end() {
            Ok(())
        } else {
            Err(self.expected(EXPECT_END))
        }
    }

    fn rate(&mut self) -> Result<RateExpr, RateParseError> {
        if let Some(i) = self.chars.iter().position(|&c| c == '<') {
            return Err(RateParseError::NoteMarker { column: i + 1 });
        }
        self.skip_ws();
        if self.at_end() {
            return Err(RateParseError::Empty);
        }
        let first = self.number(EXPECT_START)?;
        self.skip_ws();
        if self.eat_char('%') {
            let percent = Self::percent(first, Some(Spelling::Canonical))?;
            return self.canonical_after_percent(percent);
        }
        // Russian ad valorem: a bare number.
        if self.at_end() {
            return Ok(RateExpr::AdValorem {
                percent: Self::percent(first, None)?,
            });
        }
        if let Some((kind, expect_amount)) = self.russian_combination()? {
            let percent = Self::percent(first, Some(Spelling::Russian))?;
            self.skip_ws();
            let specific = self.specific(expect_amount)?;
            self.end()?;
            return Ok(combined(kind, percent, specific));
        }
        // Specific: `0.1 EUR/l`, `0,1 евро за 1 л`.
        let Some(currency) = self.currency() else {
            return Err(self.expected(
                "\"%\", a currency, \", но не менее\", \", но не более\", \"плюс\" or end of text",
            ));
        };
        let specific = self.specific_tail(first, currency)?;
        self.end()?;
        Ok(RateExpr::Specific(specific))
    }

    /// A percentage, written with the spelling's decimal separator (any, for a bare number)
    /// and at most [`MAX_PERCENT`].
    fn percent(num: Num, spelling: Option<Spelling>) -> Result<Decimal, RateParseError> {
        if let Some(spelling) = spelling {
            Self::check_separator(&num, spelling)?;
        }
        if num.value > MAX_PERCENT {
            Err(RateParseError::PercentTooLarge {
                column: num.column,
                percent: num.value,
            })
        } else {
            Ok(num.value)
        }
    }

    /// Canonical, after `15%`: the end, or `min …`, `max …`, `+ …`.
    fn canonical_after_percent(&mut self, percent: Decimal) -> Result<RateExpr, RateParseError> {
        self.skip_ws();
        if self.at_end() {
            return Ok(RateExpr::AdValorem { percent });
        }
        let (kind, expect_amount) = if self.eat_phrase("min") {
            (RateKind::CombinedMin, "a number after \"min\"")
        } else if self.eat_phrase("max") {
            (RateKind::CombinedMax, "a number after \"max\"")
        } else if self.eat_char('+') {
            (RateKind::Sum, "a number after \"+\"")
        } else {
            return Err(self.expected("end of text, \"min\", \"max\" or \"+\""));
        };
        if kind != RateKind::Sum && self.skip_ws() == 0 {
            return Err(self.expected("a space"));
        }
        self.skip_ws();
        let specific = self.specific(expect_amount)?;
        self.end()?;
        Ok(combined(kind, percent, specific))
    }

    /// Russian combined, after the percentage: `, но не менее …`, `, но не более …`, `плюс …`;
    /// `None` when the text goes on otherwise.
    fn russian_combination(&mut self) -> Result<Option<(RateKind, &'static str)>, RateParseError> {
        if self.eat_char(',') {
            self.skip_ws();
            if self.eat_phrase("но не менее") {
                Ok(Some((
                    RateKind::CombinedMin,
                    "a number after \"но не менее\"",
                )))
            } else if self.eat_phrase("но не более") {
                Ok(Some((
                    RateKind::CombinedMax,
                    "a number after \"но не более\"",
                )))
            } else {
                Err(self.expected("\"но не менее\" or \"но не более\""))
            }
        } else if self.eat_phrase("плюс") {
            Ok(Some((RateKind::Sum, "a number after \"плюс\"")))
        } else {
            Ok(None)
        }
    }

    fn currency(&mut self) -> Option<CurrencyCode> {
        if let Some(code) = self.eat_longest(RU_CURRENCIES) {
            return CurrencyCode::parse(code).ok();
        }
        let code: String = self.chars.iter().skip(self.pos).take(3).collect();
        let next_is_letter = self.peek_at(3).is_some_and(char::is_alphabetic);
        if next_is_letter {
            return None;
        }
        let currency = CurrencyCode::parse(&code).ok()?;
        self.pos += 3;
        Some(currency)
    }

    fn specific(&mut self, expect_amount: &'static str) -> Result<SpecificRate, RateParseError> {
        let amount = self.number(expect_amount)?;
        self.skip_ws();
        let currency = self
            .currency()
            .ok_or_else(|| self.expected(EXPECT_CURRENCY))?;
        self.specific_tail(amount, currency)
    }

    /// After the currency: `/1000kg` or ` за 1000 кг`.
    fn specific_tail(
        &mut self,
        amount: Num,
        currency: CurrencyCode,
    ) -> Result<SpecificRate, RateParseError> {
        let per_quantity = if self.eat_char('/') {
            Self::check_separator(&amount, Spelling::Canonical)?;
            self.skip_ws();
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                let per = self.positive("a quantity")?;
                Self::check_separator(&per, Spelling::Canonical)?;
                self.skip_ws();
                per.value
            } else {
                Decimal::ONE
            }
        } else {
            let ws = self.skip_ws();
            if ws == 0 || !self.eat_phrase("за ") {
                return Err(self.expected(EXPECT_PER));
            }
            Self::check_separator(&amount, Spelling::Russian)?;
            let per = self.positive("a quantity after \"за\"")?;
            Self::check_separator(&per, Spelling::Russian)?;
            self.skip_ws();
            per.value
        };
        let unit = self.unit()?;
        Ok(SpecificRate {
            amount: amount.value,
            currency,
            per_quantity,
            unit,
        })
    }

    fn unit(&mut self) -> Result<UnitCode, RateParseError> {
        if let Some(code) = self.eat_longest(RU_UNITS) {
            return UnitCode::parse(code).map_err(|_| self.expected(EXPECT_UNIT));
        }
        let start = self.pos;
        let mut code = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
        {
            code.push(c);
            self.pos += 1;
        }
        UnitCode::parse(&code).map_err(|_| {
            self.pos = start;
            self.expected(EXPECT_UNIT)
        })
    }
}

fn combined(kind: RateKind, percent: Decimal, specific: SpecificRate) -> RateExpr {
    match kind {
        RateKind::CombinedMax => RateExpr::CombinedMax { percent, specific },
        RateKind::Sum => RateExpr::Sum { percent, specific },
        _ => RateExpr::CombinedMin { percent, specific },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> RateParseError {
        match RateExpr::parse(text) {
            Ok(rate) => panic!("{text:?} should not parse, got {rate}"),
            Err(e) => e,
        }
    }

    #[test]
    fn error_names_column_and_what_was_expected() {
        let e = err("15, но не менее abc");
        assert_eq!(e.column(), 17);
        assert_eq!(
            e.to_string(),
            "column 17: expected a number after \"но не менее\", found \"abc\""
        );
        let e = err("0.1 EUR/l xyz");
        assert_eq!(e.column(), 11);
        assert!(e.to_string().contains("expected end of text"), "{e}");
        // Columns count characters, not bytes.
        let e = err("1,75 евро за 1 кгх");
        assert_eq!(e.column(), 18, "{e}");
    }

    #[test]
    fn rejects_empty_negative_huge_and_garbage() {
        assert_eq!(err(""), RateParseError::Empty);
        assert_eq!(err("   "), RateParseError::Empty);
        assert_eq!(err("-5"), RateParseError::Negative { column: 1 });
        assert_eq!(
            err("15% min -0.07 EUR/l"),
            RateParseError::Negative { column: 9 }
        );
        assert!(matches!(
            err("1000.01%"),
            RateParseError::PercentTooLarge { column: 1, .. }
        ));
        assert!(RateExpr::parse("1000").is_ok());
        assert!(matches!(
            err("1,5 евро за 0 кг"),
            RateParseError::Expected { column: 13, .. }
        ));
        assert!(matches!(
            err("0.1 EUR/0l"),
            RateParseError::Expected { column: 9, .. }
        ));
        assert!(matches!(
            err("99999999999999999999999999999999"),
            RateParseError::NumberOutOfRange { .. }
        ));
        assert!(matches!(
            err("15 %%"),
            RateParseError::Expected { column: 5, .. }
        ));
        assert!(matches!(
            err("15 евро"),
            RateParseError::Expected { column: 8, .. }
        ));
        assert!(matches!(
            err("15, но"),
            RateParseError::Expected { column: 5, .. }
        ));
        assert!(matches!(
            err("0.1 EURO/l"),
            RateParseError::Expected { column: 5, .. }
        ));
        assert!(matches!(
            err("0.1 EUR/"),
            RateParseError::Expected { column: 9, .. }
        ));
        assert!(matches!(
            err("15.%"),
            RateParseError::Expected { column: 3, .. }
        ));
    }

    #[test]
    fn decimal_separator_must_match_the_spelling() {
        // "1,000%" must not silently become 1%.
        let e = err("1,000%");
        assert_eq!(e.column(), 2);
        assert!(e.to_string().contains("a decimal point"), "{e}");
        assert_eq!(err("1,5 EUR/kg").column(), 2);
        assert_eq!(err("2 EUR/1,5kg").column(), 8);
        assert_eq!(err("0.07 евро за 1 л").column(), 2);
        assert_eq!(err("12.5 плюс 0,02 евро за 1 кг").column(), 3);
        assert_eq!(err("15, но не менее 0,07 евро за 1.5 л").column(), 31);
        // A bare number may be either; each part may be spelled its own way.
        assert_eq!(RateExpr::parse("12.5"), RateExpr::parse("12,5"));
        assert_eq!(
            RateExpr::parse("15% min 0,07 евро за 1 л"),
            RateExpr::parse("15% min 0.07 EUR/l")
        );
    }

    #[test]
    fn note_markers_are_split_and_rejected_by_parse() {
        assert_eq!(split_note_refs("10 <42С>"), ("10", vec!["42С".to_owned()]));
        assert_eq!(split_note_refs("8 <1C>"), ("8", vec!["1С".to_owned()]));
        assert_eq!(
            split_note_refs("5, но не менее 0,017 евро за 1 кг <39С> <40С>"),
            (
                "5, но не менее 0,017 евро за 1 кг",
                vec!["39С".to_owned(), "40С".to_owned()]
            )
        );
        assert_eq!(split_note_refs("15"), ("15", vec![]));
        // Not a tariff note: left for parse to reject.
        assert_eq!(split_note_refs("15 <5>"), ("15 <5>", vec![]));
        assert_eq!(err("10 <42С>"), RateParseError::NoteMarker { column: 4 });
    }

    #[test]
    fn russian_plurals_follow_the_tariff() {
        let usd = |amount: &str| {
            let rate = RateExpr::parse(&format!("{amount} USD/1000kg")).unwrap();
            rate.to_official_ru()
        };
        assert_eq!(usd("171"), "171 доллар США за 1000 кг");
        assert_eq!(usd("203"), "203 доллара США за 1000 кг");
        assert_eq!(usd("250"), "250 долларов США за 1000 кг");
        assert_eq!(usd("211"), "211 долларов США за 1000 кг");
        assert_eq!(usd("0.5"), "0,5 доллара США за 1000 кг");
        let pairs = |per: &str| {
            RateExpr::parse(&format!("1.25 EUR/{per}pair"))
                .unwrap()
                .to_official_ru()
        };
        assert_eq!(pairs(""), "1,25 евро за 1 пару");
        assert_eq!(pairs("2"), "1,25 евро за 2 пары");
        assert_eq!(pairs("1000"), "1,25 евро за 1000 пар");
    }

    #[test]
    fn digit_leading_unit_codes_round_trip() {
        let rate = RateExpr::Specific(SpecificRate {
            amount: Decimal::ONE,
            currency: CurrencyCode::parse("EUR").unwrap(),
            per_quantity: Decimal::ONE,
            unit: UnitCode::parse("3d").unwrap(),
        });
        assert_eq!(rate.to_string(), "1 EUR/1 3d");
        assert_eq!(RateExpr::parse(&rate.to_string()).unwrap(), rate);
        assert_eq!(RateExpr::parse(&rate.to_official_ru()).unwrap(), rate);
        // Without the space the digits are a per-quantity.
        let per3 = RateExpr::parse("1 EUR/3d").unwrap();
        assert_eq!(per3.specific().unwrap().per_quantity, Decimal::from(3));
        assert_eq!(per3.specific_units().unwrap().as_str(), "d");
    }

    #[test]
    fn scaling_is_clamped_to_a_reduction() {
        let rate = RateExpr::parse("15% min 0.07 EUR/l").unwrap();
        assert_eq!(
            rate.scaled(Decimal::new(75, 2)).to_string(),
            "11.25% min 0.0525 EUR/l"
        );
        assert_eq!(rate.scaled(Decimal::ZERO).to_string(), "0% min 0 EUR/l");
        assert_eq!(rate.scaled(Decimal::TWO), rate);
        assert_eq!(rate.scaled(-Decimal::ONE).to_string(), "0% min 0 EUR/l");
        assert_eq!(
            rate.checked_scaled(Decimal::TWO).unwrap().to_string(),
            "30% min 0.14 EUR/l"
        );
        assert_eq!(rate.checked_scaled(Decimal::from(100)), None);
        assert_eq!(rate.checked_scaled(-Decimal::ONE), None);
    }

    #[test]
    fn kind_names_are_snake_case() {
        for kind in RateKind::ALL {
            assert_eq!(kind.as_str().parse::<RateKind>(), Ok(kind));
        }
        assert_eq!(RateKind::CombinedMin.to_string(), "combined_min");
    }
}
