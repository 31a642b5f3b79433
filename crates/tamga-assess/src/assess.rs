//! The assessment of a goods declaration: every customs payment, to the kopeck, with its reason.
//!
//! Order of computation (domain brief §4.1): customs value in national currency at the rate of
//! the registration day; import duty (2010) with trade remedies (2040, 2050, 2060) on top; excise;
//! VAT (5010) on customs value + duties + excise; the customs fee (1010) once per declaration on
//! the total customs value. Every line is rounded by the state's rounding rule before it is used.

use rust_decimal::RoundingStrategy;
use tamga_core::{CountryCode, CurrencyCode, Date, Decimal, UnitCode, format_date};
use tamga_tariff::rate::{RateBasis, RateEvalError};
use tamga_tariff::snapshot::{MeasureKind, RoundingMode, RoundingRule};
use tamga_tariff::{LookupError, LookupQuery, RateExpr, TariffSnapshot};

use crate::declaration::{
    Declaration, PreferenceClaim, ValidationError, ValidationErrors, VatRateKind,
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
    pub code: String,
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

/// Rounds one payment line by the state's rule (domain brief §4.4: each payment line to 0.01,
/// half-up, until the legal rule is verified; the bundle's `union/rounding_rules.csv` sets it).
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
    let mut errors = Vec::new();
    let date = declaration.registration_date;
    let date_text = format_date(date);
    let state = declaration.state;
    let national = match (
        snapshot.member_state_on(state, date),
        snapshot.state_currency_on(state, date),
    ) {
        (Some(_), Some(currency)) => Some(currency.currency),
        (None, _) => {
            errors.push(err(
                "state",
                format!("{state} is not a member state of the union on {date_text}"),
            ));
            None
        }
        (Some(_), None) => {
            errors.push(err(
                "state",
                format!("the bundle has no national currency of {state} on {date_text}"),
            ));
            None
        }
    };
    let rounding = match snapshot.rounding_on(state, date) {
        Some(rule) => Some(rounding_used(rule)),
        None => {
            errors.push(err(
                "state",
                format!("the bundle has no rounding rule for {state} on {date_text}"),
            ));
            None
        }
    };
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
    if snapshot
        .procedure_on(&declaration.procedure[2..], date)
        .is_none()
    {
        errors.push(err(
            "procedure",
            format!(
                "no customs procedure {} in force on {date_text}",
                &declaration.procedure[2..]
            ),
        ));
    }
    let (Some(national), Some(rounding)) = (national, rounding) else {
        return Err(ValidationErrors(errors));
    };
    let rates = Rates {
        snapshot,
        declaration,
        national,
    };
    let mut used: Vec<ExchangeRateUsed> = Vec::new();
    let mut items = Vec::with_capacity(declaration.items.len());
    let mut edition = String::new();
    for index in 0..declaration.items.len() {
        match assess_item(snapshot, declaration, index, &rates, &rounding, &mut used) {
            Ok((assessed, item_edition)) => {
                edition = item_edition;
                items.push(assessed);
            }
            Err(item_errors) => errors.extend(item_errors),
        }
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors));
    }
    let customs_value: Decimal = items.iter().map(|i| i.customs_value).sum();
    let fee = customs_fee(snapshot, declaration, national, customs_value);
    let totals = totals(&items, &fee, customs_value);
    used.sort_by_key(|a| a.currency);
    Ok(Assessment {
        state,
        currency: national,
        registration_date: date,
        tariff_edition: edition,
        bundle: snapshot.bundle.clone(),
        rounding,
        exchange_rates: used,
        items,
        declaration_payments: vec![fee],
        totals,
    })
}

fn err(path: impl Into<String>, message: impl Into<String>) -> ValidationError {
    ValidationError {
        path: path.into(),
        message: message.into(),
    }
}

fn rounding_used(rule: &RoundingRule) -> RoundingUsed {
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

fn assess_item(
    snapshot: &TariffSnapshot,
    declaration: &Declaration,
    index: usize,
    rates: &Rates<'_>,
    rounding: &RoundingUsed,
    used: &mut Vec<ExchangeRateUsed>,
) -> Result<(ItemAssessment, String), Vec<ValidationError>> {
    let item = &declaration.items[index];
    let path = |field: &str| format!("items[{index}].{field}");
    let date = declaration.registration_date;
    let mut errors = Vec::new();
    if !snapshot.countries.contains_key(&item.origin) {
        errors.push(err(
            path("origin"),
            format!("unknown country {}", item.origin),
        ));
    }
    let query = LookupQuery {
        code: item.code,
        date,
        origin: Some(item.origin),
        state: Some(declaration.state),
        in_quota: item.in_quota,
        claim_preference: item.preference == PreferenceClaim::Origin,
    };
    let found = match snapshot.lookup(&query) {
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
    };
    let cv_rate = rates.get(declaration.currency);
    if cv_rate.is_none() {
        errors.push(rates.missing(declaration.currency, "exchange_rates".into()));
    }
    let Some(found) = found else {
        return Err(errors);
    };
    // Every unit and currency the rates of this item need must be declared.
    let mut rate_exprs: Vec<(&RateExpr, &str)> = vec![(&found.import_duty.rate, "import duty")];
    for remedy in &found.trade_remedies {
        rate_exprs.push((&remedy.rate, remedy.kind.as_str()));
    }
    let excise = snapshot.excise_on(declaration.state, &item.code, date);
    if let Some(excise) = excise {
        rate_exprs.push((&excise.rate, "excise"));
    }
    for (rate, what) in &rate_exprs {
        if let Some(specific) = rate.specific() {
            if item.quantity(&specific.unit).is_none() {
                errors.push(err(
                    format!("items[{index}].quantities.{}", specific.unit),
                    format!(
                        "missing; the {what} rate {rate} needs the quantity in {}",
                        specific.unit
                    ),
                ));
            }
            if rates.get(specific.currency).is_none() {
                errors.push(rates.missing(
                    specific.currency,
                    format!("exchange_rates.{}", specific.currency),
                ));
            }
        }
    }
    let vat = match item.vat_rate {
        VatRateKind::Exempt => None,
        kind => match snapshot.vat_rate_on(declaration.state, kind.as_str(), date) {
            Some(v) => Some(v),
            None => {
                errors.push(err(
                    path("vat_rate"),
                    format!(
                        "the bundle has no {} VAT rate of {} on {}",
                        kind.as_str(),
                        declaration.state,
                        format_date(date)
                    ),
                ));
                None
            }
        },
    };
    let Some(cv_rate) = cv_rate else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    note_rate(used, &cv_rate);

    let customs_value = round_payment(item.customs_value * cv_rate.rate, rounding);
    let quantity = |unit: &UnitCode| item.quantity(unit);
    let exchange = |currency: CurrencyCode| rates.get(currency).map(|r| r.rate);
    let basis = RateBasis {
        customs_value,
        quantity: &quantity,
        exchange_rate: &exchange,
    };
    let mut payments = Vec::with_capacity(4);
    let mut vat_base = customs_value;
    let rate_line = |rate: &RateExpr,
                     code: String,
                     kind: PaymentKind,
                     legal_basis: &str,
                     measure: String,
                     used: &mut Vec<ExchangeRateUsed>|
     -> Result<Payment, Vec<ValidationError>> {
        let evaluation = rate
            .evaluate(&basis)
            .map_err(|e| vec![eval_error(index, &e)])?;
        let amount = round_payment(evaluation.amount, rounding);
        let mut explanation = format!(
            "{measure}; rate {rate} ({}); {}",
            rate.to_official_ru(),
            evaluation.formula
        );
        if let Some(specific) = rate.specific()
            && let Some(r) = rates.get(specific.currency)
        {
            note_rate(used, &r);
            explanation.push_str(&format!(
                "; {} rate {} on {} ({})",
                r.currency,
                r.rate,
                format_date(r.date),
                r.source
            ));
        }
        let base = match rate.specific() {
            Some(s) if rate.percent().is_none() => item.quantity(&s.unit).unwrap_or_default(),
            _ => customs_value,
        };
        Ok(Payment {
            code,
            kind,
            base,
            rate: rate.to_string(),
            amount: Some(amount),
            legal_basis: legal_basis.to_owned(),
            explanation,
        })
    };
    let duty = rate_line(
        &found.import_duty.rate,
        "2010".into(),
        PaymentKind::ImportDuty,
        &found.import_duty.legal_basis,
        format!(
            "import duty of {} (edition {}), layer {}",
            item.code,
            found.edition.id,
            found.import_duty.layer.as_str()
        ),
        used,
    )?;
    vat_base += duty.amount.unwrap_or_default();
    payments.push(duty);
    for remedy in &found.trade_remedies {
        let kind = match remedy.kind {
            MeasureKind::Safeguard => PaymentKind::Safeguard,
            MeasureKind::Antidumping => PaymentKind::Antidumping,
            _ => PaymentKind::Countervailing,
        };
        let line = rate_line(
            &remedy.rate,
            remedy.kind.payment_code().into(),
            kind,
            &remedy.legal_basis,
            format!(
                "{} duty, measure {} on origin {}",
                remedy.kind.as_str(),
                remedy.id,
                item.origin
            ),
            used,
        )?;
        vat_base += line.amount.unwrap_or_default();
        payments.push(line);
    }
    if let Some(excise) = excise {
        let line = rate_line(
            &excise.rate,
            excise.payment_code.clone(),
            PaymentKind::Excise,
            &excise.legal_basis,
            format!("excise of {} on {}", declaration.state, excise.code),
            used,
        )?;
        vat_base += line.amount.unwrap_or_default();
        payments.push(line);
    }
    let vat_line = match vat {
        Some(v) => {
            let amount = round_payment(vat_base * v.percent / Decimal::ONE_HUNDRED, rounding);
            Payment {
                code: "5010".into(),
                kind: PaymentKind::Vat,
                base: vat_base,
                rate: format!("{}%", v.percent.normalize()),
                amount: Some(amount),
                legal_basis: v.source.clone(),
                explanation: format!(
                    "VAT, {} rate of {} on {}: (customs value {customs_value} + duties and excise {}) × {}% = {amount}",
                    item.vat_rate.as_str(),
                    declaration.state,
                    format_date(date),
                    vat_base - customs_value,
                    v.percent.normalize()
                ),
            }
        }
        None => Payment {
            code: "5010".into(),
            kind: PaymentKind::Vat,
            base: vat_base,
            rate: "exempt".into(),
            amount: Some(Decimal::ZERO.round_dp(rounding.scale)),
            legal_basis: String::new(),
            explanation: "VAT exemption claimed for this item (vat_rate: exempt); the ground must be among its documents".into(),
        },
    };
    payments.push(vat_line);
    Ok((
        ItemAssessment {
            number: index + 1,
            code: item.code.to_string(),
            customs_value,
            payments,
        },
        found.edition.id.clone(),
    ))
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

/// The customs fee (1010), once per declaration, banded by the total customs value.
fn customs_fee(
    snapshot: &TariffSnapshot,
    declaration: &Declaration,
    national: CurrencyCode,
    total_value: Decimal,
) -> Payment {
    let date = declaration.registration_date;
    let bands = snapshot.customs_fee_schedule_on(declaration.state, date);
    let band = bands
        .iter()
        .find(|b| total_value > b.value_over && b.value_up_to.is_none_or(|up| total_value <= up));
    match band {
        Some(band) if band.currency == national => Payment {
            code: "1010".into(),
            kind: PaymentKind::CustomsFee,
            base: total_value,
            rate: match band.value_up_to {
                Some(up) => format!(
                    "{} {} for a total customs value over {} up to {}",
                    band.amount, band.currency, band.value_over, up
                ),
                None => format!(
                    "{} {} for a total customs value over {}",
                    band.amount, band.currency, band.value_over
                ),
            },
            amount: Some(band.amount.round_dp(2)),
            legal_basis: band.source.clone(),
            explanation: format!(
                "customs fee for the release of goods, schedule {} of {}: total customs value {total_value} {national} falls in the band ({}, {}] → {} (charged once, on the first item)",
                band.schedule,
                declaration.state,
                band.value_over,
                band.value_up_to
                    .map_or("no limit".to_owned(), |u| u.to_string()),
                band.amount
            ),
        },
        _ => Payment {
            code: "1010".into(),
            kind: PaymentKind::CustomsFee,
            base: total_value,
            rate: String::new(),
            amount: None,
            legal_basis: String::new(),
            explanation: format!(
                "not computed: the bundle has no customs-fee schedule of {} in {national} on {}",
                declaration.state,
                format_date(date)
            ),
        },
    }
}

fn totals(items: &[ItemAssessment], fee: &Payment, customs_value: Decimal) -> Totals {
    let mut totals = Totals {
        customs_value,
        customs_fee: fee.amount,
        ..Totals::default()
    };
    for payment in items.iter().flat_map(|i| &i.payments) {
        let amount = payment.amount.unwrap_or_default();
        let slot = match payment.kind {
            PaymentKind::ImportDuty => &mut totals.import_duty,
            PaymentKind::Antidumping => &mut totals.antidumping,
            PaymentKind::Countervailing => &mut totals.countervailing,
            PaymentKind::Safeguard => &mut totals.safeguard,
            PaymentKind::Excise => &mut totals.excise,
            PaymentKind::Vat => &mut totals.vat,
            PaymentKind::CustomsFee => continue,
        };
        *slot += amount;
        totals.total += amount;
    }
    totals.total += fee.amount.unwrap_or_default();
    totals
}
