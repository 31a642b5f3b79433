//! The assessment of a goods declaration: every customs payment, to the kopeck, with its reason.
//!
//! Order of computation: customs value in national currency at the central bank's rate of the
//! registration day (box 23); import duty (2010) with the trade remedies (2040, 2050, 2060) on top
//! (Treaty on the EAEU, Annex 8); excise; VAT (5010) on the customs value plus the duties and the
//! excise (for Russia, Tax Code of the Russian Federation, Article 160(1); that the trade-remedy
//! duties are in the base: legal basis not verified); the customs fee (1010) once per declaration
//! on the total customs value (for Russia, Government Decree No. 863 of 28 Dec 2004). Every line
//! is rounded by the state's rounding rule before it is used.

use rust_decimal::RoundingStrategy;
use std::borrow::Cow;
use tamga_core::{CountryCode, CurrencyCode, Date, Decimal, UnitCode, format_date};
use tamga_tariff::rate::{RateBasis, RateEvalError};

use tamga_core::CommodityCode;
use tamga_tariff::snapshot::{
    CustomsFeeBand, Edition, ExciseRate, MeasureKind, RoundingMode, RoundingRule, VatRate,
};
use tamga_tariff::{DutyLookup, Layer, LookupError, LookupQuery, RateExpr, TariffSnapshot};

use crate::declaration::{
    Declaration, GoodsItem, PreferenceClaim, ValidationError, ValidationErrors, VatRateKind,
};

/// What a payment line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentKind {
    CustomsFee,
    ImportDuty,
    Safeguard,
    Antidumping,
    Countervailing,
    Excise,
    Vat,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::CustomsFee => "customs_fee",
            PaymentKind::ImportDuty => "import_duty",
            PaymentKind::Safeguard => "safeguard",
            PaymentKind::Antidumping => "antidumping",
            PaymentKind::Countervailing => "countervailing",
            PaymentKind::Excise => "excise",
            PaymentKind::Vat => "vat",
        }
    }
}

/// One line of box 47 (or of the declaration's own payments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The payment type code: 1010, 2010, 2040, 2050, 2060, 5010, or the excise code of the bundle.
    pub code: String,
    pub kind: PaymentKind,
    /// The base: customs value, quantity, or the VAT base, in national currency or units.
    pub base: Decimal,
    /// The rate as text (`0.1 EUR/l`, `20%`, a fee band).
    pub rate: String,
    /// The amount, rounded; `None` when it could not be computed (see `explanation`).
    pub amount: Option<Decimal>,
    pub legal_basis: String,
    /// Which measure applied, the rate, the exchange rate and its date, the formula.
    pub explanation: String,
}

/// An item's assessment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemAssessment {
    /// 1-based item number (box 32).
    pub number: usize,
    /// Box 33.
    pub code: CommodityCode,
    /// In national currency, rounded.
    pub customs_value: Decimal,
    pub payments: Vec<Payment>,
}

/// The sums of the declaration, in national currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub customs_value: Decimal,
    pub import_duty: Decimal,
    pub antidumping: Decimal,
    pub countervailing: Decimal,
    pub safeguard: Decimal,
    pub excise: Decimal,
    pub vat: Decimal,
    /// `None` when the fee was not computed.
    pub customs_fee: Option<Decimal>,
    /// Every payment due.
    pub total: Decimal,
}

/// An exchange rate the assessment used, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeRateUsed {
    pub currency: CurrencyCode,
    pub rate: Decimal,
    pub date: Date,
    /// `declaration` (box 23) or `bundle`.
    pub source: &'static str,
}

/// The assessment of a declaration, with what it used so that re-running it gives the same figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub state: CountryCode,
    pub currency: CurrencyCode,
    pub registration_date: Date,
    pub tariff_edition: String,
    pub bundle: String,
    pub rounding: RoundingUsed,
    pub exchange_rates: Vec<ExchangeRateUsed>,
    pub items: Vec<ItemAssessment>,
    pub declaration_payments: Vec<Payment>,
    pub totals: Totals,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundingUsed {
    pub mode: RoundingMode,
    pub scale: u32,
    pub source: String,
}

/// Rounds one payment line by the state's rule, which the bundle's `union/rounding_rules.csv`
/// sets: each line to 0.01, half-up, in the built-in data (legal basis not verified: the legal
/// rounding rule was not found). It is the only rounding of money.
pub fn round_payment(amount: Decimal, rule: &RoundingUsed) -> Decimal {
    let strategy = match rule.mode {
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
    };
    let mut rounded = amount.round_dp_with_strategy(rule.scale, strategy);
    rounded.rescale(rule.scale);
    rounded
}

/// Assesses a declaration against the tariff of its registration date. Every problem that stops
/// the assessment is reported at once, each with its JSON path.
pub fn assess(
    snapshot: &TariffSnapshot,
    declaration: &Declaration,
) -> Result<Assessment, ValidationErrors> {
    compute(snapshot, declaration)
        .map(|computed| crate::explain::explain(snapshot, declaration, &computed))
}

/// Like [`crate::parse_declaration`], and also checks every country and currency against the bundle's
/// code lists, so that those problems are reported together with the structural ones.
pub fn parse_declaration_for(
    snapshot: &TariffSnapshot,
    text: &str,
) -> Result<Declaration, ValidationErrors> {
    let (declaration, mut errors) = crate::declaration::read_partial(text, Some(snapshot));
    match declaration {
        Some(declaration) if errors.is_empty() => Ok(declaration),
        Some(readable) => {
            // Check the items that could be read against the tariff too, so that every problem
            // of the declaration is reported at once.
            if !readable.items.is_empty()
                && let Err(more) = compute(snapshot, &readable)
            {
                errors.extend(more.0);
            }
            Err(ValidationErrors(errors))
        }
        None => Err(ValidationErrors(errors)),
    }
}

/// A payment line as computed: numbers and references, no text.
#[derive(Clone, Debug)]
pub struct ComputedLine<'s> {
    pub kind: PaymentKind,
    pub code: &'s str,
    /// The rate applied; `None` for VAT, whose percent is in `vat_percent`.
    pub rate: Option<Cow<'s, RateExpr>>,
    pub vat_percent: Decimal,
    pub base: Decimal,
    pub amount: Decimal,
    pub legal_basis: Cow<'s, str>,
    /// What set the rate: the tariff layer, the remedy measure or the excise code.
    pub source: LineSource<'s>,
}

#[derive(Clone, Debug)]
pub enum LineSource<'s> {
    Duty { edition: &'s str, layer: Layer },
    Remedy { measure: &'s str },
    Excise { code: CommodityCode },
    Vat { kind: VatRateKind },
}

#[derive(Clone, Debug)]
pub struct ComputedItem<'s> {
    pub customs_value: Decimal,
    pub lines: Vec<ComputedLine<'s>>,
}

/// An assessment as computed, before any text is written: what the batch writes and what the
/// speed target is measured on.
#[derive(Clone, Debug)]
pub struct Computed<'s> {
    pub national: CurrencyCode,
    pub edition: &'s str,
    pub rounding: &'s RoundingRule,
    pub exchange_rates: Vec<ExchangeRateUsed>,
    pub items: Vec<ComputedItem<'s>>,
    pub fee: Option<&'s CustomsFeeBand>,
    pub totals: Totals,
}

/// Computes every payment of a declaration, without explanations.
pub fn compute<'s>(
    snapshot: &'s TariffSnapshot,
    declaration: &Declaration,
) -> Result<Computed<'s>, ValidationErrors> {
    let mut errors = Vec::new();
    let terms = state_terms(snapshot, declaration, &mut errors);
    check_currencies(snapshot, declaration, &mut errors);
    check_procedure(snapshot, declaration, &mut errors);
    let Some((national, rounding)) = terms else {
        return Err(ValidationErrors(errors));
    };
    let rates = Rates {
        snapshot,
        declaration,
        national,
    };
    let rule = rounding_used(rounding);
    let mut used: Vec<ExchangeRateUsed> = Vec::new();
    let mut items = Vec::with_capacity(declaration.items.len());
    let mut edition = "";
    for item in &declaration.items {
        match compute_item(snapshot, declaration, item, &rates, &rule, &mut used) {
            Ok((computed, item_edition)) => {
                edition = item_edition;
                items.push(computed);
            }
            Err(item_errors) => errors.extend(item_errors),
        }
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors));
    }
    let customs_value: Decimal = items.iter().map(|i| i.customs_value).sum();
    let fee = fee_band(snapshot, declaration, national, customs_value);
    let totals = totals(
        &items,
        fee.map(|b| round_payment(b.amount, &rule)),
        customs_value,
    );
    used.sort_by_key(|a| a.currency);
    Ok(Computed {
        national,
        edition,
        rounding,
        exchange_rates: used,
        items,
        fee,
        totals,
    })
}

/// The state's national currency and rounding rule on the registration day, or why there are
/// none.
fn state_terms<'s>(
    snapshot: &'s TariffSnapshot,
    declaration: &Declaration,
    errors: &mut Vec<ValidationError>,
) -> Option<(CurrencyCode, &'s RoundingRule)> {
    let date = format_date(declaration.registration_date);
    let state = declaration.state;
    let national = match (
        snapshot.member_state_on(state, declaration.registration_date),
        snapshot.state_currency_on(state, declaration.registration_date),
    ) {
        (Some(_), Some(currency)) => Some(currency.currency),
        (None, _) => {
            let message = format!("{state} is not a member state of the union on {date}");
            errors.push(err("state", message));
            None
        }
        (Some(_), None) => {
            let message = format!("the bundle has no national currency of {state} on {date}");
            errors.push(err("state", message));
            None
        }
    };
    let rounding = snapshot.rounding_on(state, declaration.registration_date);
    if rounding.is_none() {
        let message = format!("the bundle has no rounding rule for {state} on {date}");
        errors.push(err("state", message));
    }
    Some((national?, rounding?))
}

/// The customs values' currency and every box-23 currency must be in the bundle's code list.
fn check_currencies(
    snapshot: &TariffSnapshot,
    declaration: &Declaration,
    errors: &mut Vec<ValidationError>,
) {
    if !snapshot.currencies.contains_key(&declaration.currency) {
        errors.push(err(
            "currency",
            format!("unknown currency {}", declaration.currency),
        ));
    }
    for (currency, _) in &declaration.exchange_rates {
        if !snapshot.currencies.contains_key(currency) {
            errors.push(err(
                format!("exchange_rates.{currency}"),
                format!("unknown currency {currency}"),
            ));
        }
    }
}

/// Only release for domestic consumption (IM40) is assessed, and its code must be in force.
fn check_procedure(
    snapshot: &TariffSnapshot,
    declaration: &Declaration,
    errors: &mut Vec<ValidationError>,
) {
    let procedure = declaration.procedure.get(2..).unwrap_or_default();
    if declaration.procedure != "IM40" {
        // Other procedures (temporary import, processing, warehouse, transit, export) owe
        // different payments; assessing them as a release would be wrong, so refuse.
        errors.push(err(
            "procedure",
            format!(
                "tamga assesses release for domestic consumption (IM40); {} is not supported",
                declaration.procedure
            ),
        ));
    } else if snapshot
        .procedure_on(procedure, declaration.registration_date)
        .is_none()
    {
        errors.push(err(
            "procedure",
            format!(
                "no customs procedure {procedure} in force on {}",
                format_date(declaration.registration_date)
            ),
        ));
    }
}

fn err(path: impl Into<String>, message: impl Into<String>) -> ValidationError {
    ValidationError {
        path: path.into(),
        message: message.into(),
    }
}

pub(crate) fn rounding_used(rule: &RoundingRule) -> RoundingUsed {
    RoundingUsed {
        mode: rule.mode,
        scale: rule.scale,
        source: rule.source.clone(),
    }
}

/// Exchange rates: national currency per unit, from box 23 or else the bundle's central-bank rates.
struct Rates<'a> {
    snapshot: &'a TariffSnapshot,
    declaration: &'a Declaration,
    national: CurrencyCode,
}

impl Rates<'_> {
    fn get(&self, currency: CurrencyCode) -> Option<ExchangeRateUsed> {
        let date = self.declaration.registration_date;
        if currency == self.national {
            return Some(ExchangeRateUsed {
                currency,
                rate: Decimal::ONE,
                date,
                source: "national currency",
            });
        }
        if let Some((_, rate)) = self
            .declaration
            .exchange_rates
            .iter()
            .find(|(c, _)| *c == currency)
        {
            return Some(ExchangeRateUsed {
                currency,
                rate: *rate,
                date,
                source: "declaration",
            });
        }
        self.snapshot
            .exchange_rate_on(self.declaration.state, currency, date)
            .map(|r| ExchangeRateUsed {
                currency,
                rate: r.rate,
                date,
                source: "bundle",
            })
    }

    fn missing(&self, currency: CurrencyCode, path: String) -> ValidationError {
        err(
            path,
            format!(
                "no exchange rate of {currency} on {}: give it in exchange_rates (box 23) or add it to the bundle's union/exchange_rates.csv",
                format_date(self.declaration.registration_date)
            ),
        )
    }
}

fn note_rate(used: &mut Vec<ExchangeRateUsed>, rate: &ExchangeRateUsed) {
    if rate.source != "national currency" && !used.iter().any(|u| u.currency == rate.currency) {
        used.push(rate.clone());
    }
}

/// The payment lines of one item, and the edition whose duty it pays; or every problem that
/// keeps them from being computed.
fn compute_item<'s>(
    snapshot: &'s TariffSnapshot,
    declaration: &Declaration,
    item: &GoodsItem,
    rates: &Rates<'_>,
    rule: &RoundingUsed,
    used: &mut Vec<ExchangeRateUsed>,
) -> Result<(ComputedItem<'s>, &'s str), Vec<ValidationError>> {
    let mut errors = Vec::new();
    let found = item_duty(snapshot, declaration, item, &mut errors);
    let cv_rate = rates.get(declaration.currency);
    if cv_rate.is_none() {
        errors.push(rates.missing(declaration.currency, "exchange_rates".into()));
    }
    let Some(found) = found else {
        return Err(errors);
    };
    let excise = snapshot.excise_on(declaration.state, &item.code, declaration.registration_date);
    check_rate_needs(item, rates, charges(&found, excise), &mut errors);
    let vat = item_vat_rate(snapshot, declaration, item, &mut errors);
    let Some(cv_rate) = cv_rate else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    note_rate(used, &cv_rate);
    let basis = ItemBasis {
        item,
        customs_value: round_payment(item.customs_value * cv_rate.rate, rule),
        rates,
        rule,
    };
    let mut lines = Vec::with_capacity(4);
    // VAT is charged on the customs value with every duty and the excise, each rounded.
    let mut vat_base = basis.customs_value;
    for charge in charges(&found, excise) {
        let line = basis.line(charge, used).map_err(|e| vec![e])?;
        vat_base += line.amount;
        lines.push(line);
    }
    lines.push(vat_line(vat, vat_base, rule, item.vat_rate));
    let computed = ComputedItem {
        customs_value: basis.customs_value,
        lines,
    };
    Ok((computed, &found.edition.id))
}

/// The import duty of an item, or why there is none. An unknown origin or a state that is not
/// a member is reported elsewhere, at its own path.
fn item_duty<'s>(
    snapshot: &'s TariffSnapshot,
    declaration: &Declaration,
    item: &GoodsItem,
    errors: &mut Vec<ValidationError>,
) -> Option<DutyLookup<'s>> {
    let path = |field: &str| format!("items[{}].{field}", item.index);
    if !snapshot.countries.contains_key(&item.origin) {
        errors.push(err(
            path("origin"),
            format!("unknown country {}", item.origin),
        ));
    }
    let query = LookupQuery {
        code: item.code,
        date: declaration.registration_date,
        origin: Some(item.origin),
        state: Some(declaration.state),
        in_quota: item.in_quota,
        claim_preference: item.preference == PreferenceClaim::Origin,
    };
    match snapshot.lookup_duty(&query) {
        Ok(found) => Some(found),
        Err(LookupError::UnknownOrigin(_) | LookupError::NotMemberState { .. }) => None,
        Err(e @ (LookupError::NotDeclarable { .. } | LookupError::Excluded { .. })) => {
            errors.push(err(
                path("code"),
                format!("expected a declarable 10-digit line: {e}"),
            ));
            None
        }
        Err(e) => {
            errors.push(err(path("code"), e.to_string()));
            None
        }
    }
}

/// A duty or excise to charge on an item: its rate, and what its payment line will say it is.
struct Charge<'s> {
    rate: Cow<'s, RateExpr>,
    code: &'s str,
    kind: PaymentKind,
    legal_basis: Cow<'s, str>,
    source: LineSource<'s>,
}

/// What an item is charged before VAT, in the order of box 47: the import duty, the trade
/// remedies on top of it, the excise.
fn charges<'s, 'f>(
    found: &'f DutyLookup<'s>,
    excise: Option<&'s ExciseRate>,
) -> impl Iterator<Item = Charge<'s>> + 'f {
    let edition: &'s Edition = found.edition;
    let duty = Charge {
        rate: found.import_duty.rate.clone(),
        code: "2010",
        kind: PaymentKind::ImportDuty,
        legal_basis: found.import_duty.legal_basis.clone(),
        source: LineSource::Duty {
            edition: &edition.id,
            layer: found.import_duty.layer,
        },
    };
    let remedies = found.trade_remedies.iter().map(|&remedy| Charge {
        rate: Cow::Borrowed(&remedy.rate),
        code: remedy.kind.payment_code(),
        kind: match remedy.kind {
            MeasureKind::Safeguard => PaymentKind::Safeguard,
            MeasureKind::Antidumping => PaymentKind::Antidumping,
            _ => PaymentKind::Countervailing,
        },
        legal_basis: Cow::Borrowed(&remedy.legal_basis),
        source: LineSource::Remedy {
            measure: &remedy.id,
        },
    });
    let excise = excise.map(|excise| Charge {
        rate: Cow::Borrowed(&excise.rate),
        code: &excise.payment_code,
        kind: PaymentKind::Excise,
        legal_basis: Cow::Borrowed(&excise.legal_basis),
        source: LineSource::Excise { code: excise.code },
    });
    std::iter::once(duty).chain(remedies).chain(excise)
}

/// Every unit and currency the rates of an item need must be declared.
fn check_rate_needs<'s>(
    item: &GoodsItem,
    rates: &Rates<'_>,
    charges: impl Iterator<Item = Charge<'s>>,
    errors: &mut Vec<ValidationError>,
) {
    for charge in charges {
        let Some(specific) = charge.rate.specific() else {
            continue;
        };
        let what = match charge.kind {
            PaymentKind::ImportDuty => "import duty",
            kind => kind.as_str(),
        };
        if item.quantity(&specific.unit).is_none() {
            errors.push(err(
                format!("items[{}].quantities.{}", item.index, specific.unit),
                format!(
                    "missing; the {what} rate {} needs the quantity in {}",
                    charge.rate, specific.unit
                ),
            ));
        }
        if rates.get(specific.currency).is_none() {
            let path = format!("exchange_rates.{}", specific.currency);
            errors.push(rates.missing(specific.currency, path));
        }
    }
}

/// The item's VAT rate in the state on the day; `None` for an exempt item (and, with an
/// error, when the bundle has no such rate).
fn item_vat_rate<'s>(
    snapshot: &'s TariffSnapshot,
    declaration: &Declaration,
    item: &GoodsItem,
    errors: &mut Vec<ValidationError>,
) -> Option<&'s VatRate> {
    let date = declaration.registration_date;
    let kind = match item.vat_rate {
        VatRateKind::Exempt => return None,
        kind => kind,
    };
    let vat = snapshot.vat_rate_on(declaration.state, kind.as_str(), date);
    if vat.is_none() {
        errors.push(err(
            format!("items[{}].vat_rate", item.index),
            format!(
                "the bundle has no {} VAT rate of {} on {}",
                kind.as_str(),
                declaration.state,
                format_date(date)
            ),
        ));
    }
    vat
}

/// What the lines of one item are computed from: its customs value in national currency, its
/// quantities, the exchange rates and the state's rounding rule.
struct ItemBasis<'a> {
    item: &'a GoodsItem,
    customs_value: Decimal,
    rates: &'a Rates<'a>,
    rule: &'a RoundingUsed,
}

impl ItemBasis<'_> {
    /// The payment line of a charge, its amount rounded; the exchange rate it used is noted.
    fn line<'s>(
        &self,
        charge: Charge<'s>,
        used: &mut Vec<ExchangeRateUsed>,
    ) -> Result<ComputedLine<'s>, ValidationError> {
        let quantity = |unit: &UnitCode| self.item.quantity(unit);
        let exchange = |currency: CurrencyCode| self.rates.get(currency).map(|r| r.rate);
        let basis = RateBasis {
            customs_value: self.customs_value,
            quantity: &quantity,
            exchange_rate: &exchange,
        };
        let amount = charge
            .rate
            .compute(&basis)
            .map_err(|e| eval_error(self.item.index, &e))?;
        let specific = charge.rate.specific();
        if let Some(r) = specific.and_then(|s| self.rates.get(s.currency)) {
            note_rate(used, &r);
        }
        // A purely specific rate is charged on a quantity; any other on the customs value.
        let base = match specific {
            Some(s) if charge.rate.percent().is_none() => {
                self.item.quantity(&s.unit).unwrap_or_default()
            }
            _ => self.customs_value,
        };
        Ok(ComputedLine {
            kind: charge.kind,
            code: charge.code,
            rate: Some(charge.rate),
            vat_percent: Decimal::ZERO,
            base,
            amount: round_payment(amount, self.rule),
            legal_basis: charge.legal_basis,
            source: charge.source,
        })
    }
}

/// The VAT line: the rate's percent of the base (0 for an exempt item), rounded.
fn vat_line<'s>(
    vat: Option<&'s VatRate>,
    base: Decimal,
    rule: &RoundingUsed,
    kind: VatRateKind,
) -> ComputedLine<'s> {
    let (percent, legal_basis) = match vat {
        Some(v) => (v.percent, v.legal_basis.as_str()),
        None => (Decimal::ZERO, ""),
    };
    ComputedLine {
        kind: PaymentKind::Vat,
        code: "5010",
        rate: None,
        vat_percent: percent,
        base,
        amount: round_payment(base * percent / Decimal::ONE_HUNDRED, rule),
        legal_basis: Cow::Borrowed(legal_basis),
        source: LineSource::Vat { kind },
    }
}

fn eval_error(index: usize, e: &RateEvalError) -> ValidationError {
    match e {
        RateEvalError::MissingQuantity { unit } => err(
            format!("items[{index}].quantities.{unit}"),
            format!("missing; the rate needs the quantity in {unit}"),
        ),
        RateEvalError::MissingExchangeRate { currency } => err(
            format!("exchange_rates.{currency}"),
            format!("missing; the rate needs the exchange rate of {currency}"),
        ),
        other => err(
            format!("items[{index}]"),
            format!("the payment cannot be computed: {other}"),
        ),
    }
}

/// The band of the state's customs-fee schedule (1010) for the declaration's total customs
/// value, if the bundle has a schedule in the national currency.
fn fee_band<'s>(
    snapshot: &'s TariffSnapshot,
    declaration: &Declaration,
    national: CurrencyCode,
    total_value: Decimal,
) -> Option<&'s CustomsFeeBand> {
    // The bands of a schedule cover every value exactly once (the loader checks it).
    snapshot.customs_fees.iter().find(|b| {
        b.state == declaration.state
            && b.validity.contains(declaration.registration_date)
            && total_value > b.value_over
            && b.value_up_to.is_none_or(|up| total_value <= up)
            && b.currency == national
    })
}

fn totals(items: &[ComputedItem<'_>], fee: Option<Decimal>, customs_value: Decimal) -> Totals {
    let mut totals = Totals {
        customs_value,
        customs_fee: fee,
        ..Totals::default()
    };
    for line in items.iter().flat_map(|i| &i.lines) {
        let slot = match line.kind {
            PaymentKind::ImportDuty => &mut totals.import_duty,
            PaymentKind::Antidumping => &mut totals.antidumping,
            PaymentKind::Countervailing => &mut totals.countervailing,
            PaymentKind::Safeguard => &mut totals.safeguard,
            PaymentKind::Excise => &mut totals.excise,
            PaymentKind::Vat => &mut totals.vat,
            PaymentKind::CustomsFee => continue,
        };
        *slot += line.amount;
        totals.total += line.amount;
    }
    totals.total += fee.unwrap_or_default();
    totals
}
