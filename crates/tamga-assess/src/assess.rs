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
use tamga_tariff::snapshot::{CustomsFeeBand, MeasureKind, RoundingMode, RoundingRule};
use tamga_tariff::{Layer, LookupError, LookupQuery, RateExpr, TariffSnapshot};

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
    compute(snapshot, declaration).map(|computed| explain(snapshot, declaration, &computed))
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
    let date = declaration.registration_date;
    let state = declaration.state;
    let national = match (
        snapshot.member_state_on(state, date),
        snapshot.state_currency_on(state, date),
    ) {
        (Some(_), Some(currency)) => Some(currency.currency),
        (None, _) => {
            errors.push(err(
                "state",
                format!(
                    "{state} is not a member state of the union on {}",
                    format_date(date)
                ),
            ));
            None
        }
        (Some(_), None) => {
            errors.push(err(
                "state",
                format!(
                    "the bundle has no national currency of {state} on {}",
                    format_date(date)
                ),
            ));
            None
        }
    };
    let rounding = snapshot.rounding_on(state, date);
    if rounding.is_none() {
        errors.push(err(
            "state",
            format!(
                "the bundle has no rounding rule for {state} on {}",
                format_date(date)
            ),
        ));
    }
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
    } else if snapshot.procedure_on(procedure, date).is_none() {
        errors.push(err(
            "procedure",
            format!(
                "no customs procedure {procedure} in force on {}",
                format_date(date)
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
    let mut edition = "";
    let rule = rounding_used(rounding);
    for index in 0..declaration.items.len() {
        match compute_item(snapshot, declaration, index, &rates, &rule, &mut used) {
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

fn compute_item<'s>(
    snapshot: &'s TariffSnapshot,
    declaration: &Declaration,
    index: usize,
    rates: &Rates<'_>,
    rule: &RoundingUsed,
    used: &mut Vec<ExchangeRateUsed>,
) -> Result<(ComputedItem<'s>, &'s str), Vec<ValidationError>> {
    let item = &declaration.items[index];
    // Paths name the item's place in the declaration as sent.
    let index = item.index;
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
    let found = match snapshot.lookup_duty(&query) {
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
    let excise = snapshot.excise_on(declaration.state, &item.code, date);
    // Every unit and currency the rates of this item need must be declared.
    let needs = std::iter::once((&*found.import_duty.rate, "import duty"))
        .chain(
            found
                .trade_remedies
                .iter()
                .map(|m| (&m.rate, m.kind.as_str())),
        )
        .chain(excise.map(|e| (&e.rate, "excise")));
    for (rate, what) in needs {
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

    let customs_value = round_payment(item.customs_value * cv_rate.rate, rule);
    let quantity = |unit: &UnitCode| item.quantity(unit);
    let exchange = |currency: CurrencyCode| rates.get(currency).map(|r| r.rate);
    let basis = RateBasis {
        customs_value,
        quantity: &quantity,
        exchange_rate: &exchange,
    };
    let mut lines = Vec::with_capacity(4);
    let mut vat_base = customs_value;
    let mut rate_line = |rate: Cow<'s, RateExpr>,
                         code: &'s str,
                         kind: PaymentKind,
                         legal_basis: Cow<'s, str>,
                         source: LineSource<'s>,
                         used: &mut Vec<ExchangeRateUsed>|
     -> Result<Decimal, Vec<ValidationError>> {
        let amount = rate
            .compute(&basis)
            .map_err(|e| vec![eval_error(index, &e)])?;
        let amount = round_payment(amount, rule);
        if let Some(specific) = rate.specific()
            && let Some(r) = rates.get(specific.currency)
        {
            note_rate(used, &r);
        }
        let base = match rate.specific() {
            Some(s) if rate.percent().is_none() => item.quantity(&s.unit).unwrap_or_default(),
            _ => customs_value,
        };
        lines.push(ComputedLine {
            kind,
            code,
            rate: Some(rate),
            vat_percent: Decimal::ZERO,
            base,
            amount,
            legal_basis,
            source,
        });
        Ok(amount)
    };
    vat_base += rate_line(
        found.import_duty.rate.clone(),
        "2010",
        PaymentKind::ImportDuty,
        found.import_duty.legal_basis.clone(),
        LineSource::Duty {
            edition: &found.edition.id,
            layer: found.import_duty.layer,
        },
        used,
    )?;
    for remedy in &found.trade_remedies {
        let kind = match remedy.kind {
            MeasureKind::Safeguard => PaymentKind::Safeguard,
            MeasureKind::Antidumping => PaymentKind::Antidumping,
            _ => PaymentKind::Countervailing,
        };
        vat_base += rate_line(
            Cow::Borrowed(&remedy.rate),
            remedy.kind.payment_code(),
            kind,
            Cow::Borrowed(&remedy.legal_basis),
            LineSource::Remedy {
                measure: &remedy.id,
            },
            used,
        )?;
    }
    if let Some(excise) = excise {
        vat_base += rate_line(
            Cow::Borrowed(&excise.rate),
            &excise.payment_code,
            PaymentKind::Excise,
            Cow::Borrowed(&excise.legal_basis),
            LineSource::Excise { code: excise.code },
            used,
        )?;
    }
    let (vat_percent, vat_basis) = match vat {
        Some(v) => (v.percent, v.legal_basis.as_str()),
        None => (Decimal::ZERO, ""),
    };
    let vat_amount = round_payment(vat_base * vat_percent / Decimal::ONE_HUNDRED, rule);
    lines.push(ComputedLine {
        kind: PaymentKind::Vat,
        code: "5010",
        rate: None,
        vat_percent,
        base: vat_base,
        amount: vat_amount,
        legal_basis: Cow::Borrowed(vat_basis),
        source: LineSource::Vat {
            kind: item.vat_rate,
        },
    });
    Ok((
        ComputedItem {
            customs_value,
            lines,
        },
        &found.edition.id,
    ))
}

/// Writes the explanations: which measure applied, its legal basis, the rate, the exchange rate
/// and its date, and the formula with its numbers.
pub fn explain(
    snapshot: &TariffSnapshot,
    declaration: &Declaration,
    computed: &Computed<'_>,
) -> Assessment {
    let rounding = rounding_used(computed.rounding);
    let rate_of = |currency: CurrencyCode| {
        computed
            .exchange_rates
            .iter()
            .find(|r| r.currency == currency)
            .map(|r| r.rate)
            .or_else(|| (currency == computed.national).then_some(Decimal::ONE))
    };
    let items = computed
        .items
        .iter()
        .zip(&declaration.items)
        .map(|(item, declared)| {
            let payments = item
                .lines
                .iter()
                .map(|line| explain_line(line, item, declared, declaration, &rate_of, computed))
                .collect();
            ItemAssessment {
                number: declared.index + 1,
                code: declared.code.to_string(),
                customs_value: item.customs_value,
                payments,
            }
        })
        .collect();
    let fee = fee_payment(computed, declaration);
    Assessment {
        state: declaration.state,
        currency: computed.national,
        registration_date: declaration.registration_date,
        tariff_edition: computed.edition.to_owned(),
        bundle: snapshot.bundle.clone(),
        rounding,
        exchange_rates: computed.exchange_rates.clone(),
        items,
        declaration_payments: vec![fee],
        totals: computed.totals.clone(),
    }
}

fn explain_line(
    line: &ComputedLine<'_>,
    item: &ComputedItem<'_>,
    declared: &crate::declaration::GoodsItem,
    declaration: &Declaration,
    rate_of: &dyn Fn(CurrencyCode) -> Option<Decimal>,
    computed: &Computed<'_>,
) -> Payment {
    let date = format_date(declaration.registration_date);
    let (rate_text, explanation) = match (&line.rate, &line.source) {
        (Some(rate), source) => {
            let quantity = |unit: &UnitCode| declared.quantity(unit);
            let basis = RateBasis {
                customs_value: item.customs_value,
                quantity: &quantity,
                exchange_rate: rate_of,
            };
            let formula = rate
                .evaluate(&basis)
                .map(|e| e.formula)
                .unwrap_or_default();
            let measure = match source {
                LineSource::Duty { edition, layer } => format!(
                    "import duty of {} (edition {edition}), layer {}",
                    declared.code,
                    layer.as_str()
                ),
                LineSource::Remedy { measure } => format!(
                    "{} duty, measure {measure} on origin {}",
                    line.kind.as_str(),
                    declared.origin
                ),
                LineSource::Excise { code } => {
                    format!("excise of {} on {code}", declaration.state)
                }
                LineSource::Vat { .. } => String::new(),
            };
            let mut text = format!(
                "{measure}; rate {rate} ({}); {formula}; {}",
                rate.to_official_ru(),
                customs_value_note(declared, declaration, item, computed)
            );
            if let Some(specific) = rate.specific()
                && let Some(r) = computed
                    .exchange_rates
                    .iter()
                    .find(|r| r.currency == specific.currency)
            {
                text.push_str(&format!(
                    "; {} rate {} on {} ({})",
                    r.currency,
                    r.rate,
                    format_date(r.date),
                    r.source
                ));
            }
            (rate.to_string(), text)
        }
        (None, LineSource::Vat { kind: VatRateKind::Exempt }) => (
            "exempt".to_owned(),
            "VAT exemption claimed for this item (vat_rate: exempt); the ground must be among its documents".to_owned(),
        ),
        (None, LineSource::Vat { kind }) => (
            format!("{}%", line.vat_percent.normalize()),
            format!(
                "VAT, {} rate of {} on {date}: (customs value {} + duties and excise {}) × {}% = {}; {}",
                kind.as_str(),
                declaration.state,
                item.customs_value,
                line.base - item.customs_value,
                line.vat_percent.normalize(),
                line.amount,
                customs_value_note(declared, declaration, item, computed)
            ),
        ),
        (None, _) => (String::new(), String::new()),
    };
    Payment {
        code: line.code.to_owned(),
        kind: line.kind,
        base: line.base,
        rate: rate_text,
        amount: Some(line.amount),
        legal_basis: act_or_unverified(&line.legal_basis).to_owned(),
        explanation,
    }
}

/// How the item's customs value in national currency was obtained (box 45 × box 23).
fn customs_value_note(
    declared: &crate::declaration::GoodsItem,
    declaration: &Declaration,
    item: &ComputedItem<'_>,
    computed: &Computed<'_>,
) -> String {
    match computed
        .exchange_rates
        .iter()
        .find(|r| r.currency == declaration.currency)
    {
        Some(r) => format!(
            "customs value {} {} = {} {} × {} ({} rate on {}, {})",
            item.customs_value,
            computed.national,
            declared.customs_value,
            declaration.currency,
            r.rate,
            r.currency,
            format_date(r.date),
            r.source
        ),
        None => format!(
            "customs value {} {} as declared",
            item.customs_value, computed.national
        ),
    }
}

/// A legal basis as the output names it: the act, or that it is not known. Never empty, and
/// never a pointer to notes the user does not have.
fn act_or_unverified(legal_basis: &str) -> &str {
    if legal_basis.trim().is_empty() {
        "(legal basis not verified)"
    } else {
        legal_basis
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

/// The customs fee line, once per declaration, or why it was not computed. Its amount is the
/// one the totals hold, rounded by the state's rule like every other line.
fn fee_payment(computed: &Computed<'_>, declaration: &Declaration) -> Payment {
    let national = computed.national;
    let total_value = computed.totals.customs_value;
    match (computed.fee, computed.totals.customs_fee) {
        (Some(band), Some(amount)) => Payment {
            code: "1010".into(),
            kind: PaymentKind::CustomsFee,
            base: total_value,
            rate: match band.value_up_to {
                Some(up) => format!(
                    "{} {}, band ({}; {}]",
                    band.amount, band.currency, band.value_over, up
                ),
                None => format!(
                    "{} {}, band over {}",
                    band.amount, band.currency, band.value_over
                ),
            },
            amount: Some(amount),
            legal_basis: act_or_unverified(&band.legal_basis).to_owned(),
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
                format_date(declaration.registration_date)
            ),
        },
    }
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
