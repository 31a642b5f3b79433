//! The import duty that applies to a code on a date, for an origin and a member state, and why.
//!
//! Layers, in the order they are considered:
//! 1. the base rate of the Common Customs Tariff;
//! 2. a temporary rate of the tariff, which replaces it for its period;
//! 3. a tariff quota: the in-quota rate replaces it when the importer holds an allocation;
//! 4. a preference by origin (Decision of the CU Commission No. 130 of 27.11.2009): developing
//!    countries pay 75 % of the rate, least developed 0 %;
//! 5. a member state's exemption, which replaces the common rate in that state;
//! 6. trade remedies by origin (safeguard 2040, anti-dumping 2050, countervailing 2060), charged on
//!    top of the import duty (Annex 8 to the EAEU Treaty).
//!
//! Each layer takes the most specific measure: the one attached at the longest code prefix.

use std::borrow::Cow;

use tamga_core::{CommodityCode, CountryCode, Date, Decimal, Validity, format_date};

use crate::rate::RateExpr;
use crate::snapshot::{
    CountryGroupMembership, Edition, LineKind, Measure, MeasureKind, NomenclatureLine,
    PreferenceRegime, TariffQuota, TariffSnapshot,
};

/// What is asked: a declarable code, the day, and optionally the origin and the member state.
#[derive(Clone, Copy, Debug)]
pub struct LookupQuery {
    pub code: CommodityCode,
    pub date: Date,
    pub origin: Option<CountryCode>,
    pub state: Option<CountryCode>,
    /// The importer holds an allocation of a tariff quota (in-quota rate claimed).
    pub in_quota: bool,
    /// A preference by origin is claimed (box 36, with proof of origin). Without the claim the
    /// preference layer is reported as available but not applied.
    pub claim_preference: bool,
}

/// Why a lookup has no answer. The fields carry the vocabulary's types; messages print dates
/// as ISO `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("no tariff in force for {code} on {}: the bundle's editions cover {covered}", format_date(*.date))]
    NoTariffInForce {
        code: CommodityCode,
        date: Date,
        covered: String,
    },
    #[error("{code} is not a code of the tariff in force on {} (edition {edition}){hint}", format_date(*.date))]
    UnknownCode {
        code: CommodityCode,
        date: Date,
        edition: String,
        hint: String,
    },
    #[error(
        "{code} is a {kind} line, not a declarable 10-digit code: duties are set on the codes under it"
    )]
    NotDeclarable { code: CommodityCode, kind: String },
    #[error("{code} was deleted from the tariff (edition {edition}) and is not in force")]
    Excluded {
        code: CommodityCode,
        edition: String,
    },
    #[error(
        "the import duty for {code} on {} is unknown: the {edition} edition's codes are in the bundle, its rates are not", format_date(*.date)
    )]
    RatesUnknown {
        code: CommodityCode,
        date: Date,
        edition: String,
    },
    #[error(
        "the import duty for {code} on {} is unknown: the tariff prints it as «{text}» ({basis}), a form tamga does not compute", format_date(*.date)
    )]
    RateNotRead {
        code: CommodityCode,
        date: Date,
        text: String,
        basis: String,
    },
    #[error("no import duty rate for {code} on {} in the {edition} edition", format_date(*.date))]
    NoRate {
        code: CommodityCode,
        date: Date,
        edition: String,
    },
    #[error("{state} is not a member state of the union on {}", format_date(*.date))]
    NotMemberState { state: CountryCode, date: Date },
    #[error("unknown country of origin {0}: not an ISO 3166-1 alpha-2 code in the bundle")]
    UnknownOrigin(CountryCode),
}

/// A layer of the duty computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Base,
    Temporary,
    TariffQuota,
    Preference,
    Exemption,
    Safeguard,
    Antidumping,
    Countervailing,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Base => "base",
            Layer::Temporary => "temporary",
            Layer::TariffQuota => "tariff_quota",
            Layer::Preference => "preference",
            Layer::Exemption => "exemption",
            Layer::Safeguard => "safeguard",
            Layer::Antidumping => "antidumping",
            Layer::Countervailing => "countervailing",
        }
    }
}

/// What became of a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerStatus {
    /// It set (or shaped) the duty.
    Applied,
    /// It was in force but a later layer replaced it.
    Superseded,
    /// Nothing of this layer is in force for this code, date, origin and state.
    NotApplicable,
}

/// One layer as considered, with its measure when there is one.
#[derive(Clone, Debug)]
pub struct LayerOutcome<'s> {
    pub layer: Layer,
    pub status: LayerStatus,
    pub rate: Option<Cow<'s, RateExpr>>,
    pub legal_basis: Option<Cow<'s, str>>,
    pub validity: Option<Validity>,
    /// The code at which the measure is attached (inherited by the codes under it).
    pub attached_at: Option<CommodityCode>,
    pub reason: Cow<'static, str>,
}

/// The rate that applies, with where it comes from.
#[derive(Clone, Debug)]
pub struct AppliedRate<'s> {
    pub rate: Cow<'s, RateExpr>,
    pub layer: Layer,
    pub legal_basis: Cow<'s, str>,
    /// The legal basis of the measure whose rate this is (before a preference scaled it).
    pub measure_basis: &'s str,
    pub validity: Validity,
}

/// The answer to a lookup.
#[derive(Clone, Debug)]
pub struct DutyLookup<'s> {
    pub code: CommodityCode,
    pub date: Date,
    pub edition: &'s Edition,
    pub line: &'s NomenclatureLine,
    pub line_index: u32,
    pub import_duty: AppliedRate<'s>,
    /// Anti-dumping, countervailing and safeguard duties charged on top of the import duty.
    pub trade_remedies: Vec<&'s Measure>,
    /// A tariff quota open for this code, whether or not its rate was claimed.
    pub quota: Option<&'s TariffQuota>,
    pub layers: Vec<LayerOutcome<'s>>,
}

impl TariffSnapshot {
    /// The line of a code in the edition in force on `date`, or why there is none.
    pub fn line_on(&self, code: CommodityCode, date: Date) -> Result<(&Edition, u32), LookupError> {
        let Some(edition) = self.edition_on(date) else {
            return Err(LookupError::NoTariffInForce {
                code,
                date,
                covered: self.coverage(),
            });
        };
        match edition.line_index(&code) {
            Some(index) => Ok((edition, index)),
            None => {
                let excluded = edition
                    .lines
                    .iter()
                    .any(|l| l.kind == LineKind::Excluded && l.code == Some(code));
                if excluded {
                    return Err(LookupError::Excluded {
                        code,
                        edition: edition.id.clone(),
                    });
                }
                let elsewhere: Vec<String> = self
                    .editions
                    .iter()
                    .filter(|e| e.id != edition.id && e.line_index(&code).is_some())
                    .map(|e| format!("{} ({})", e.id, e.validity))
                    .collect();
                let hint = if elsewhere.is_empty() {
                    String::new()
                } else {
                    format!("; it is a code of {}", elsewhere.join(", "))
                };
                Err(LookupError::UnknownCode {
                    code,
                    date,
                    edition: edition.id.clone(),
                    hint,
                })
            }
        }
    }

    /// The periods the bundle's editions cover, for messages.
    pub fn coverage(&self) -> String {
        if self.editions.is_empty() {
            return "no period: the bundle has no edition".into();
        }
        self.editions
            .iter()
            .map(|e| format!("{} ({})", e.validity, e.id))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The import duty that applies, and every layer considered.
    pub fn lookup(&self, query: &LookupQuery) -> Result<DutyLookup<'_>, LookupError> {
        self.lookup_layers(query, true)
    }

    /// The import duty that applies, without the record of the layers (`layers` is empty): the
    /// fast path of the assessment engine, which explains a payment from its applied rate.
    pub fn lookup_duty(&self, query: &LookupQuery) -> Result<DutyLookup<'_>, LookupError> {
        self.lookup_layers(query, false)
    }

    fn lookup_layers(
        &self,
        query: &LookupQuery,
        record: bool,
    ) -> Result<DutyLookup<'_>, LookupError> {
        let (edition, line_index) = self.declarable_line(query)?;
        let line = &edition.lines[line_index as usize];
        let code = line.code.unwrap_or(query.code);
        let found = self.most_specific(edition, line_index, query);
        let Some(base) = found.base else {
            return Err(no_base_rate(edition, code, query.date));
        };
        let mut layers = LayerLog {
            record,
            list: Vec::with_capacity(if record { 8 } else { 0 }),
        };
        // The base rate's basis names the consolidated text it was read from, with what the
        // data does not hold on this day.
        let base_basis = base.legal_basis_on(query.date);
        let mut base_layer =
            measure_layer(Layer::Base, base, "the rate of the Common Customs Tariff");
        base_layer.legal_basis = Some(Cow::Borrowed(base_basis));
        layers.push(base_layer);
        let mut current = AppliedRate::of(Layer::Base, base);
        current.legal_basis = Cow::Borrowed(base_basis);
        current.measure_basis = base_basis;
        apply_temporary(found.temporary, &mut current, &mut layers);
        let quota = self.quota_for(code, query);
        apply_quota(quota, query.in_quota, &mut current, &mut layers);
        self.apply_preference(query, &mut current, &mut layers);
        apply_exemption(found.exemption, query.state, &mut current, &mut layers);
        let trade_remedies = trade_remedies(&found, query.origin, &mut layers);
        Ok(DutyLookup {
            code,
            date: query.date,
            edition,
            line,
            line_index,
            import_duty: current,
            trade_remedies,
            quota,
            layers: layers.list,
        })
    }

    /// The line of the query's code in force on its date, if duties are set on it and known,
    /// and the state and origin are ones the bundle knows.
    fn declarable_line(&self, query: &LookupQuery) -> Result<(&Edition, u32), LookupError> {
        let (edition, line_index) = self.line_on(query.code, query.date)?;
        let line = &edition.lines[line_index as usize];
        if line.kind != LineKind::Code10 {
            return Err(LookupError::NotDeclarable {
                code: query.code,
                kind: format!("{:?}", line.kind).to_lowercase(),
            });
        }
        if !edition.rates_known {
            return Err(LookupError::RatesUnknown {
                code: line.code.unwrap_or(query.code),
                date: query.date,
                edition: edition.id.clone(),
            });
        }
        if let Some(state) = query.state
            && self.member_state_on(state, query.date).is_none()
        {
            return Err(LookupError::NotMemberState {
                state,
                date: query.date,
            });
        }
        if let Some(origin) = query.origin
            && !self.countries.contains_key(&origin)
        {
            return Err(LookupError::UnknownOrigin(origin));
        }
        Ok((edition, line_index))
    }

    fn apply_preference<'s>(
        &'s self,
        query: &LookupQuery,
        current: &mut AppliedRate<'s>,
        layers: &mut LayerLog<'s>,
    ) {
        let Some(origin) = query.origin else {
            layers.push(not_applicable(
                Layer::Preference,
                "no origin given: preferences not considered",
            ));
            return;
        };
        let Some((group, regime)) = self.preference_of(origin, query.date) else {
            layers.push(not_applicable(
                Layer::Preference,
                "the origin is in no preference group on this date",
            ));
            return;
        };
        if !query.claim_preference {
            layers.push(not_applicable(
                Layer::Preference,
                "the origin qualifies for a preference, but none was claimed",
            ));
            return;
        }
        let factor = regime.percent_of_rate / Decimal::ONE_HUNDRED;
        // The preferential rate holds while the rate, the regime and the origin's membership do.
        let validity = current
            .validity
            .clamp_to(&regime.validity)
            .and_then(|v| v.clamp_to(&group.validity))
            .unwrap_or(current.validity);
        let rate = current.rate.scaled(factor);
        let legal_basis = format!(
            "{}; origin {origin} in group {} (membership {}); on the rate of {}",
            regime.legal_basis,
            group.group,
            group.verification.as_str(),
            current.legal_basis
        );
        layers.push(LayerOutcome {
            layer: Layer::Preference,
            status: LayerStatus::Applied,
            rate: Some(Cow::Owned(rate.clone())),
            legal_basis: Some(Cow::Owned(legal_basis.clone())),
            validity: Some(validity),
            attached_at: None,
            reason: Cow::Owned(format!(
                "goods from a country of the {} group pay {}% of the rate, given proof of origin and goods on the preference list",
                group.group,
                regime.percent_of_rate.normalize()
            )),
        });
        *current = AppliedRate {
            rate: Cow::Owned(rate),
            layer: Layer::Preference,
            legal_basis: Cow::Owned(legal_basis),
            measure_basis: current.measure_basis,
            validity,
        };
    }

    /// The preference an origin qualifies for on a date: of its groups, the one whose regime
    /// charges the least share of the rate (least developed beats developing).
    fn preference_of(
        &self,
        origin: CountryCode,
        date: Date,
    ) -> Option<(&CountryGroupMembership, &PreferenceRegime)> {
        self.groups_of(origin, date)
            .filter_map(|g| self.preference_regime_on(&g.group, date).map(|r| (g, r)))
            .min_by(|a, b| a.1.percent_of_rate.cmp(&b.1.percent_of_rate))
    }

    fn quota_for(&self, code: CommodityCode, query: &LookupQuery) -> Option<&TariffQuota> {
        self.quotas
            .iter()
            .filter(|q| {
                code.starts_with(&q.code)
                    && q.validity.contains(query.date)
                    && q.origin.is_none_or(|o| Some(o) == query.origin)
            })
            .max_by_key(|q| (q.code.len(), q.origin.is_some()))
    }

    /// The most specific measure of each kind in force for the query.
    fn most_specific<'s>(
        &'s self,
        edition: &'s crate::snapshot::Edition,
        line_index: u32,
        query: &LookupQuery,
    ) -> Found<'s> {
        let mut found = Found::default();
        // The measures on the line's code and on every prefix of it, most specific first,
        // gathered once at load time.
        let indices = edition
            .line_measures
            .get(line_index as usize)
            .map_or(&[][..], |m| &m[..]);
        for measure in indices
            .iter()
            .filter_map(|&i| self.measures.get(i as usize))
        {
            if !measure.applies(query.date, query.origin, query.state) {
                continue;
            }
            let slot = match measure.kind {
                MeasureKind::Base => &mut found.base,
                MeasureKind::Temporary => &mut found.temporary,
                MeasureKind::Exemption => &mut found.exemption,
                MeasureKind::Antidumping => &mut found.antidumping,
                MeasureKind::Countervailing => &mut found.countervailing,
                MeasureKind::Safeguard => &mut found.safeguard,
            };
            // At the same code, a measure for the named origin or state beats a general one.
            let better = match slot {
                None => true,
                Some(existing) => {
                    existing.code.len() == measure.code.len()
                        && specificity(measure) > specificity(existing)
                }
            };
            if better {
                *slot = Some(measure);
            }
        }
        found
    }
}

impl<'s> AppliedRate<'s> {
    /// The rate of a measure, as it applies before any later layer.
    fn of(layer: Layer, measure: &'s Measure) -> Self {
        AppliedRate {
            rate: Cow::Borrowed(&measure.rate),
            layer,
            legal_basis: Cow::Borrowed(&measure.legal_basis),
            measure_basis: &measure.legal_basis,
            validity: measure.validity,
        }
    }
}

/// A temporary rate of the tariff replaces the base rate for its period.
fn apply_temporary<'s>(
    temporary: Option<&'s Measure>,
    current: &mut AppliedRate<'s>,
    layers: &mut LayerLog<'s>,
) {
    match temporary {
        Some(temp) => {
            layers.supersede();
            layers.push(measure_layer(
                Layer::Temporary,
                temp,
                "a temporary rate of the tariff replaces the base rate for its period",
            ));
            *current = AppliedRate::of(Layer::Temporary, temp);
        }
        None => layers.push(not_applicable(
            Layer::Temporary,
            "no temporary rate in force on this date",
        )),
    }
}

/// The in-quota rate replaces the rate when an allocation of an open quota is claimed.
fn apply_quota<'s>(
    quota: Option<&'s TariffQuota>,
    in_quota: bool,
    current: &mut AppliedRate<'s>,
    layers: &mut LayerLog<'s>,
) {
    let Some(q) = quota else {
        layers.push(not_applicable(
            Layer::TariffQuota,
            "no tariff quota in force for this code",
        ));
        return;
    };
    let (status, reason) = if in_quota {
        layers.supersede();
        (
            LayerStatus::Applied,
            "in-quota rate claimed under an allocation of the tariff quota",
        )
    } else {
        (
            LayerStatus::NotApplicable,
            "a tariff quota is open, but no allocation was claimed: the above-quota rate applies",
        )
    };
    layers.push(LayerOutcome {
        layer: Layer::TariffQuota,
        status,
        rate: Some(Cow::Borrowed(&q.in_quota_rate)),
        legal_basis: Some(Cow::Borrowed(&q.legal_basis)),
        validity: Some(q.validity),
        attached_at: Some(q.code),
        reason: Cow::Borrowed(reason),
    });
    if in_quota {
        *current = AppliedRate {
            rate: Cow::Borrowed(&q.in_quota_rate),
            layer: Layer::TariffQuota,
            legal_basis: Cow::Borrowed(&q.legal_basis),
            measure_basis: &q.legal_basis,
            validity: q.validity,
        };
    }
}

/// A member state's own rate replaces the common rate in that state.
fn apply_exemption<'s>(
    exemption: Option<&'s Measure>,
    state: Option<CountryCode>,
    current: &mut AppliedRate<'s>,
    layers: &mut LayerLog<'s>,
) {
    match exemption {
        Some(exemption) => {
            layers.supersede();
            layers.push(measure_layer(
                Layer::Exemption,
                exemption,
                "the member state's own rate replaces the common rate in that state",
            ));
            *current = AppliedRate::of(Layer::Exemption, exemption);
        }
        None if state.is_none() => layers.push(not_applicable(
            Layer::Exemption,
            "no member state given: national exemptions not considered",
        )),
        None => layers.push(not_applicable(
            Layer::Exemption,
            "no exemption of this member state for this code",
        )),
    }
}

/// The trade remedies in force for the origin, charged on top of the import duty.
fn trade_remedies<'s>(
    found: &Found<'s>,
    origin: Option<CountryCode>,
    layers: &mut LayerLog<'s>,
) -> Vec<&'s Measure> {
    let mut remedies = Vec::new();
    for (layer, measure) in [
        (Layer::Safeguard, found.safeguard),
        (Layer::Antidumping, found.antidumping),
        (Layer::Countervailing, found.countervailing),
    ] {
        match measure {
            Some(m) => {
                layers.push(measure_layer(
                    layer,
                    m,
                    "a trade-remedy duty charged on top of the import duty",
                ));
                remedies.push(m);
            }
            None if origin.is_none() => layers.push(not_applicable(
                layer,
                "no origin given: duties by origin not considered",
            )),
            None => layers.push(not_applicable(
                layer,
                "none in force for this code and origin",
            )),
        }
    }
    remedies
}

fn specificity(measure: &Measure) -> u8 {
    u8::from(measure.origin.is_some()) + u8::from(measure.state.is_some())
}

/// Why a declarable line has no base rate on a day: its rate is printed in a form tamga does
/// not compute, or the edition gives it none then.
fn no_base_rate(edition: &Edition, code: CommodityCode, date: Date) -> LookupError {
    let unread = edition
        .unread_rates
        .get(&code)
        .and_then(|rates| rates.iter().find(|r| r.validity.contains(date)));
    match unread {
        Some(rate) => LookupError::RateNotRead {
            code,
            date,
            text: rate.text.to_string(),
            basis: rate
                .source
                .as_deref()
                .unwrap_or(&edition.legal_basis)
                .to_owned(),
        },
        None => LookupError::NoRate {
            code,
            date,
            edition: edition.id.clone(),
        },
    }
}

#[derive(Default)]
struct Found<'s> {
    base: Option<&'s Measure>,
    temporary: Option<&'s Measure>,
    exemption: Option<&'s Measure>,
    antidumping: Option<&'s Measure>,
    countervailing: Option<&'s Measure>,
    safeguard: Option<&'s Measure>,
}

fn measure_layer<'s>(layer: Layer, measure: &'s Measure, reason: &'static str) -> LayerOutcome<'s> {
    LayerOutcome {
        layer,
        status: LayerStatus::Applied,
        rate: Some(Cow::Borrowed(&measure.rate)),
        legal_basis: Some(Cow::Borrowed(&measure.legal_basis)),
        validity: Some(measure.validity),
        attached_at: Some(measure.code),
        reason: Cow::Borrowed(reason),
    }
}

fn not_applicable(layer: Layer, reason: &'static str) -> LayerOutcome<'static> {
    LayerOutcome {
        layer,
        status: LayerStatus::NotApplicable,
        rate: None,
        legal_basis: None,
        validity: None,
        attached_at: None,
        reason: Cow::Borrowed(reason),
    }
}

/// The layers as considered. Recording is skipped when only the duty is wanted.
struct LayerLog<'s> {
    record: bool,
    list: Vec<LayerOutcome<'s>>,
}

impl<'s> LayerLog<'s> {
    fn push(&mut self, outcome: LayerOutcome<'s>) {
        if self.record {
            self.list.push(outcome);
        }
    }

    /// Marks the rate-setting layers applied so far as replaced by a later one.
    fn supersede(&mut self) {
        supersede(&mut self.list);
    }
}

fn supersede(layers: &mut [LayerOutcome<'_>]) {
    for layer in layers.iter_mut() {
        if layer.status == LayerStatus::Applied {
            layer.status = LayerStatus::Superseded;
        }
    }
}
