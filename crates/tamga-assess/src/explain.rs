//! The text of an assessment: for each line, which measure applied, its legal basis, the rate,
//! the exchange rate and its date, and the formula with its numbers. [`crate::compute`] writes no
//! text (what makes a million items a second possible); this writes it from what it found.

use tamga_core::{CurrencyCode, Decimal, UnitCode, format_date};
use tamga_tariff::TariffSnapshot;
use tamga_tariff::rate::{RateBasis, RateExpr};

use crate::assess::{
    Assessment, Computed, ComputedItem, ComputedLine, ItemAssessment, LineSource, Payment,
    PaymentKind, rounding_used,
};
use crate::declaration::{Declaration, GoodsItem, VatRateKind};

/// Writes the explanations: which measure applied, its legal basis, the rate, the exchange rate
/// and its date, and the formula with its numbers.
pub fn explain(
    snapshot: &TariffSnapshot,
    declaration: &Declaration,
    computed: &Computed<'_>,
) -> Assessment {
    let items = computed
        .items
        .iter()
        .zip(&declaration.items)
        .map(|(item, declared)| {
            let explained = ExplainedItem {
                item,
                declared,
                declaration,
                computed,
            };
            ItemAssessment {
                number: declared.index + 1,
                code: declared.code,
                customs_value: item.customs_value,
                payments: item
                    .lines
                    .iter()
                    .map(|line| explained.payment(line))
                    .collect(),
            }
        })
        .collect();
    Assessment {
        state: declaration.state,
        currency: computed.national,
        registration_date: declaration.registration_date,
        tariff_edition: computed.edition.to_owned(),
        bundle: snapshot.bundle.clone(),
        rounding: rounding_used(computed.rounding),
        exchange_rates: computed.exchange_rates.clone(),
        items,
        declaration_payments: vec![fee_payment(computed, declaration)],
        totals: computed.totals.clone(),
    }
}

/// An item as computed and as declared: what the text of its lines is written from.
struct ExplainedItem<'a, 's> {
    item: &'a ComputedItem<'s>,
    declared: &'a GoodsItem,
    declaration: &'a Declaration,
    computed: &'a Computed<'s>,
}

impl ExplainedItem<'_, '_> {
    fn payment(&self, line: &ComputedLine<'_>) -> Payment {
        let (rate_text, explanation) = match (&line.rate, &line.source) {
            (Some(rate), source) => (rate.to_string(), self.rate_explanation(line, rate, source)),
            (None, LineSource::Vat { kind: VatRateKind::Exempt }) => (
                "exempt".to_owned(),
                "VAT exemption claimed for this item (vat_rate: exempt); the ground must be among its documents".to_owned(),
            ),
            (None, LineSource::Vat { kind }) => (
                format!("{}%", line.vat_percent.normalize()),
                self.vat_explanation(line, *kind),
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

    /// A duty or excise line: the measure, the rate in both forms, the formula with its
    /// numbers (the rate evaluated again), the customs value and the exchange rate it used.
    fn rate_explanation(
        &self,
        line: &ComputedLine<'_>,
        rate: &RateExpr,
        source: &LineSource<'_>,
    ) -> String {
        let declared = self.declared;
        let quantity = |unit: &UnitCode| declared.quantity(unit);
        let exchange_rate = |currency: CurrencyCode| self.rate_of(currency);
        let basis = RateBasis {
            customs_value: self.item.customs_value,
            quantity: &quantity,
            exchange_rate: &exchange_rate,
        };
        let formula = rate.evaluate(&basis).map(|e| e.formula).unwrap_or_default();
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
                format!("excise of {} on {code}", self.declaration.state)
            }
            LineSource::Vat { .. } => String::new(),
        };
        let mut text = format!(
            "{measure}; rate {rate} ({}); {formula}; {}",
            rate.to_official_ru(),
            self.customs_value_note()
        );
        if let Some(specific) = rate.specific()
            && let Some(r) = self.exchange_rate_used(specific.currency)
        {
            text.push_str(&format!(
                "; {} rate {} on {} ({})",
                r.currency,
                r.rate,
                format_date(r.date),
                r.source
            ));
        }
        text
    }

    fn vat_explanation(&self, line: &ComputedLine<'_>, kind: VatRateKind) -> String {
        let customs_value = self.item.customs_value;
        format!(
            "VAT, {} rate of {} on {}: (customs value {customs_value} + duties and excise {}) × {}% = {}; {}",
            kind.as_str(),
            self.declaration.state,
            format_date(self.declaration.registration_date),
            line.base - customs_value,
            line.vat_percent.normalize(),
            line.amount,
            self.customs_value_note()
        )
    }

    /// How the item's customs value in national currency was obtained (box 45 × box 23).
    fn customs_value_note(&self) -> String {
        let (computed, declaration) = (self.computed, self.declaration);
        match self.exchange_rate_used(declaration.currency) {
            Some(r) => format!(
                "customs value {} {} = {} {} × {} ({} rate on {}, {})",
                self.item.customs_value,
                computed.national,
                self.declared.customs_value,
                declaration.currency,
                r.rate,
                r.currency,
                format_date(r.date),
                r.source
            ),
            None => format!(
                "customs value {} {} as declared",
                self.item.customs_value, computed.national
            ),
        }
    }

    fn exchange_rate_used(
        &self,
        currency: CurrencyCode,
    ) -> Option<&crate::assess::ExchangeRateUsed> {
        self.computed
            .exchange_rates
            .iter()
            .find(|r| r.currency == currency)
    }

    /// National currency per unit, as the assessment used it.
    fn rate_of(&self, currency: CurrencyCode) -> Option<Decimal> {
        self.exchange_rate_used(currency)
            .map(|r| r.rate)
            .or_else(|| (currency == self.computed.national).then_some(Decimal::ONE))
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
