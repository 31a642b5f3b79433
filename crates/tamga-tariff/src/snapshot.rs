//! The loaded tariff: editions of the nomenclature, dated measures and the union's reference tables.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use tamga_core::{CommodityCode, CountryCode, CurrencyCode, Date, Decimal, UnitCode, Validity};

use crate::rate::RateExpr;

/// How sure the bundle is of a reference fact: its `verification` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Read in the legal text.
    Verified,
    /// Read only in a secondary source (news, broker tables).
    Secondary,
    /// Not verified: a placeholder to check before relying on it.
    Unverified,
}

impl Verification {
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Secondary => "secondary",
            Verification::Unverified => "unverified",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match text {
            "verified" => Ok(Verification::Verified),
            "secondary" => Ok(Verification::Secondary),
            "unverified" => Ok(Verification::Unverified),
            other => Err(format!(
                "one of verified, secondary, unverified; got {other:?}"
            )),
        }
    }
}

/// One edition of the nomenclature and its rates, in force for a period.
#[derive(Debug)]
pub struct Edition {
    pub id: String,
    pub title: String,
    pub validity: Validity,
    pub legal_basis: Arc<str>,
    /// False for an edition whose codes are known but whose rates are not in the bundle.
    pub rates_known: bool,
    pub note: String,
    /// Every line of the table in order: headings, subheadings, uncoded dash lines, codes.
    pub lines: Vec<NomenclatureLine>,
    pub sections: Vec<Section>,
    pub chapters: Vec<Chapter>,
    pub(crate) line_by_code: CodeMap<u32>,
    /// For each declarable line, the measures attached at its code or any prefix of it, the
    /// longest code first (filled once the whole bundle is loaded).
    pub(crate) line_measures: Vec<Box<[u32]>>,
    /// The codes of the lines in force, sorted, for prefix questions.
    pub(crate) sorted_codes: Vec<CommodityCode>,
    /// What the data says of a code's tariff notes that put no rate on it: a note repealed
    /// without its earlier wording, a note whose wording tamga does not read, a marker whose
    /// note is not in the data. Shown with the code; never turned into a rate.
    pub note_remarks: HashMap<CommodityCode, Vec<Arc<str>>>,
    /// Rates printed in a form tamga does not compute, by code, with their period: the duty on
    /// those days is unknown, and the answer shows the text.
    pub unread_rates: HashMap<CommodityCode, Vec<UnreadRate>>,
}

/// A rate as printed that tamga does not compute (e.g. the alternative rates of chapter 87,
/// "15, либо 12,5, но не менее …, в зависимости от того, какая … ниже").
#[derive(Debug, Clone)]
pub struct UnreadRate {
    pub text: Arc<str>,
    pub validity: Validity,
    pub source: Option<Arc<str>>,
}

impl Edition {
    pub fn line(&self, code: &CommodityCode) -> Option<&NomenclatureLine> {
        self.line_by_code
            .get(&code.key())
            .and_then(|&i| self.lines.get(i as usize))
    }

    pub fn line_index(&self, code: &CommodityCode) -> Option<u32> {
        self.line_by_code.get(&code.key()).copied()
    }

    pub fn chapter(&self, chapter: &str) -> Option<&Chapter> {
        self.chapters.iter().find(|c| c.chapter == chapter)
    }

    pub fn section(&self, section: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.section == section)
    }

    /// The line and its ancestors, from the heading down to the line itself.
    pub fn ancestry(&self, index: u32) -> Vec<&NomenclatureLine> {
        let mut chain = Vec::new();
        let mut next = Some(index);
        while let Some(i) = next {
            let Some(line) = self.lines.get(i as usize) else {
                break;
            };
            chain.push(line);
            next = line.parent;
        }
        chain.reverse();
        chain
    }

    /// Whether any coded line of this edition starts with `prefix`.
    pub fn has_code_prefix(&self, prefix: &CommodityCode) -> bool {
        if self.line_by_code.contains_key(&prefix.key()) {
            return true;
        }
        if prefix.len() == 2 {
            return self.chapter(prefix.as_str()).is_some();
        }
        // Codes sort like their digit strings, so the codes under a prefix start at the first
        // code not below it.
        let first = self.sorted_codes.partition_point(|c| c < prefix);
        self.sorted_codes
            .get(first)
            .is_some_and(|c| c.starts_with(prefix))
    }
}

/// What a line of the nomenclature table is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Heading,
    Subheading6,
    Subheading8,
    Subheading9,
    /// A declarable 10-digit line.
    Code10,
    /// An uncoded dash line that groups the lines below it.
    Intermediate,
    /// A code deleted from the table; it is not in force.
    Excluded,
}

impl LineKind {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "heading" => LineKind::Heading,
            "subheading6" => LineKind::Subheading6,
            "subheading8" => LineKind::Subheading8,
            "subheading9" => LineKind::Subheading9,
            "code10" => LineKind::Code10,
            "intermediate" => LineKind::Intermediate,
            "excluded" => LineKind::Excluded,
            other => {
                return Err(format!(
                    "one of heading, subheading6, subheading8, subheading9, code10, intermediate, excluded; got {other:?}"
                ));
            }
        })
    }

    pub(crate) fn code_len(self) -> Option<&'static [usize]> {
        match self {
            LineKind::Heading => Some(&[4, 10]),
            LineKind::Subheading6 => Some(&[6]),
            LineKind::Subheading8 => Some(&[8]),
            LineKind::Subheading9 => Some(&[9]),
            LineKind::Code10 | LineKind::Excluded => Some(&[10]),
            LineKind::Intermediate => None,
        }
    }
}

/// One line of the nomenclature table.
#[derive(Debug, Clone)]
pub struct NomenclatureLine {
    pub seq: u32,
    pub kind: LineKind,
    pub code: Option<CommodityCode>,
    /// Dash depth under the heading; 0 is the heading itself.
    pub level: u8,
    pub section: String,
    pub chapter: String,
    /// The line's own Russian text, without dashes and note markers.
    pub text_ru: String,
    /// The supplementary unit, when the line has one.
    pub supplementary_unit: Option<UnitCode>,
    /// The index of the parent line, `None` for a heading.
    pub parent: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub section: String,
    pub title_ru: String,
    pub title_en: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Chapter {
    pub chapter: String,
    pub section: String,
    pub title_ru: String,
    pub title_en: Option<String>,
}

/// The kinds of measure that attach to the nomenclature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// The Common Customs Tariff rate.
    Base,
    /// A temporary rate of the tariff (the notes `<1С>`… of the 2017 edition).
    Temporary,
    /// A member state's own rate for a code and period (transition lists, WTO exemptions).
    Exemption,
    /// Anti-dumping duty, payment code 2050.
    Antidumping,
    /// Countervailing duty, payment code 2060.
    Countervailing,
    /// Special (safeguard) duty, payment code 2040.
    Safeguard,
}

impl MeasureKind {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "base" => MeasureKind::Base,
            "temporary" => MeasureKind::Temporary,
            "exemption" => MeasureKind::Exemption,
            "antidumping" => MeasureKind::Antidumping,
            "countervailing" => MeasureKind::Countervailing,
            "safeguard" => MeasureKind::Safeguard,
            other => {
                return Err(format!(
                    "one of base, temporary, exemption, antidumping, countervailing, safeguard; got {other:?}"
                ));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::Base => "base",
            MeasureKind::Temporary => "temporary",
            MeasureKind::Exemption => "exemption",
            MeasureKind::Antidumping => "antidumping",
            MeasureKind::Countervailing => "countervailing",
            MeasureKind::Safeguard => "safeguard",
        }
    }

    /// Trade-remedy duties are charged on top of the import duty.
    pub fn is_trade_remedy(self) -> bool {
        matches!(
            self,
            MeasureKind::Antidumping | MeasureKind::Countervailing | MeasureKind::Safeguard
        )
    }

    /// The payment type code of box 47 of the declaration.
    pub fn payment_code(self) -> &'static str {
        match self {
            MeasureKind::Safeguard => "2040",
            MeasureKind::Antidumping => "2050",
            MeasureKind::Countervailing => "2060",
            _ => "2010",
        }
    }
}

/// A dated measure on a code (at any level: it covers every code below it).
#[derive(Debug, Clone)]
pub struct Measure {
    pub id: Arc<str>,
    pub kind: MeasureKind,
    pub code: CommodityCode,
    /// Only goods of this origin; `None` is every origin.
    pub origin: Option<CountryCode>,
    /// Only in this member state; `None` is the whole union.
    pub state: Option<CountryCode>,
    pub rate: RateExpr,
    pub validity: Validity,
    pub legal_basis: Arc<str>,
    /// The consolidated text the rate was read from, when the edition's rates are dated by
    /// text (the 2022 edition's chapter texts).
    pub text: Option<Arc<ConsolidatedText>>,
}

/// A consolidated chapter text of the tariff, as a base rate cites it: which text, as of which
/// day, and how the legal basis reads on a day the text does not cover by its own date.
#[derive(Debug)]
pub struct ConsolidatedText {
    /// `chapter 87, text of 22.01.2026`.
    pub label: Arc<str>,
    /// The legal basis of its rates on the days it covers: the edition's act and the text.
    pub basis: Arc<str>,
    /// The text's date ("as of").
    pub as_of: Date,
    /// The legal basis on a day before `as_of`: the chapter's earliest text in the data is
    /// applied from the edition's start, and amendments before it are not in the data.
    pub before: Option<Arc<str>>,
    /// The legal basis on a day after `as_of`, when this is the chapter's newest text in the
    /// data: amendments after it are not in the data.
    pub after: Option<Arc<str>>,
}

impl Measure {
    /// The legal basis as it reads on `date`: the text's caveat when the date is before its
    /// earliest text or after its newest one.
    pub fn legal_basis_on(&self, date: Date) -> &Arc<str> {
        match &self.text {
            Some(text) if date < text.as_of => text.before.as_ref().unwrap_or(&self.legal_basis),
            Some(text) if date > text.as_of => text.after.as_ref().unwrap_or(&self.legal_basis),
            _ => &self.legal_basis,
        }
    }

    pub(crate) fn applies(
        &self,
        date: Date,
        origin: Option<CountryCode>,
        state: Option<CountryCode>,
    ) -> bool {
        self.validity.contains(date)
            && self.origin.is_none_or(|o| Some(o) == origin)
            && self.state.is_none_or(|s| Some(s) == state)
    }
}

/// A tariff quota: a volume of goods that may enter at the in-quota rate during a period.
///
/// The above-quota rate is the ordinary rate of the code. Allocation of the volume per state and
/// importer is not modelled: how it works was not verified.
#[derive(Debug, Clone)]
pub struct TariffQuota {
    pub id: Arc<str>,
    pub code: CommodityCode,
    pub origin: Option<CountryCode>,
    pub validity: Validity,
    pub volume: Decimal,
    pub unit: UnitCode,
    pub in_quota_rate: RateExpr,
    pub legal_basis: Arc<str>,
}

#[derive(Debug, Clone)]
pub struct Country {
    pub code: CountryCode,
    pub name_en: String,
    pub name_ru: String,
}

#[derive(Debug, Clone)]
pub struct Currency {
    pub code: CurrencyCode,
    pub name: String,
    pub minor_unit: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub code: UnitCode,
    pub okei_code: String,
    pub symbol_ru: String,
    /// Other forms the tariff's texts print the symbol in (`1000 кВт·ч`, `кг 90% с/в`).
    pub symbols_printed: Vec<String>,
    pub name_en: String,
    pub name_ru: String,
}

impl Unit {
    /// Whether a text's unit cell names this unit: its symbol or a printed variant of it.
    pub fn is_printed_as(&self, symbol: &str) -> bool {
        self.symbol_ru == symbol || self.symbols_printed.iter().any(|s| s == symbol)
    }
}

#[derive(Debug, Clone)]
pub struct MemberState {
    pub state: CountryCode,
    pub name_en: String,
    pub name_ru: String,
    pub membership: Validity,
    pub customs_office_code_length: u8,
    /// The digits every customs office code of the state begins with; empty when the bundle
    /// does not say.
    pub customs_office_prefix: String,
    pub time_zone: String,
    pub verification: Verification,
}

#[derive(Debug, Clone)]
pub struct StateCurrency {
    pub state: CountryCode,
    pub currency: CurrencyCode,
    pub validity: Validity,
    /// Old units per new unit on a redenomination (10,000 BYR = 1 BYN).
    pub redenomination_factor: Option<Decimal>,
    pub verification: Verification,
}

#[derive(Debug, Clone)]
pub struct VatRate {
    pub state: CountryCode,
    pub rate_kind: String,
    pub percent: Decimal,
    pub validity: Validity,
    /// The act that sets the rate (the state's tax code); empty when the bundle does not know it.
    pub legal_basis: String,
    pub source: String,
    pub verification: Verification,
}

/// One band of a customs-fee schedule: the amount due when the declaration's total customs value
/// is above `value_over` and at most `value_up_to`.
#[derive(Debug, Clone)]
pub struct CustomsFeeBand {
    pub state: CountryCode,
    pub schedule: String,
    pub validity: Validity,
    pub value_over: Decimal,
    pub value_up_to: Option<Decimal>,
    pub amount: Decimal,
    pub currency: CurrencyCode,
    /// The act that sets the schedule; empty when the bundle does not know it.
    pub legal_basis: String,
    pub source: String,
    pub verification: Verification,
}

/// A set of distribution normatives: the shares of pooled import duties, in percent.
#[derive(Debug, Clone)]
pub struct NormativeSet {
    pub id: String,
    pub validity: Validity,
    pub shares: Vec<(CountryCode, Decimal)>,
    pub legal_basis: String,
    pub verification: Verification,
}

/// A country's membership of a preference group (developing, least developed) for a period.
#[derive(Debug, Clone)]
pub struct CountryGroupMembership {
    pub group: String,
    pub country: CountryCode,
    pub validity: Validity,
    pub source: String,
    pub verification: Verification,
}

/// What a preference group pays, as a percentage of the tariff rate.
#[derive(Debug, Clone)]
pub struct PreferenceRegime {
    pub group: String,
    pub percent_of_rate: Decimal,
    pub validity: Validity,
    pub legal_basis: String,
    pub verification: Verification,
}

#[derive(Debug, Clone)]
pub struct ProcedureCode {
    pub code: String,
    pub name_en: String,
    pub name_ru: String,
    pub validity: Validity,
    pub legal_basis: String,
}

/// A central bank's exchange rate: national currency per 1 unit of `currency` on `date`.
#[derive(Debug, Clone)]
pub struct ExchangeRate {
    pub state: CountryCode,
    pub currency: CurrencyCode,
    pub date: Date,
    pub rate: Decimal,
    pub source: String,
}

/// A national excise rate on a code (at any level) for a period.
#[derive(Debug, Clone)]
pub struct ExciseRate {
    pub state: CountryCode,
    pub code: CommodityCode,
    pub validity: Validity,
    pub rate: RateExpr,
    pub payment_code: String,
    pub legal_basis: String,
    pub verification: Verification,
}

/// How payment amounts are rounded in a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundingMode {
    /// Half away from zero: 0.005 → 0.01.
    HalfUp,
    /// Half to even (banker's rounding): 0.005 → 0.00, 0.015 → 0.02.
    HalfEven,
}

impl RoundingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
        }
    }
}

/// The rounding rule of payment lines in a state for a period.
#[derive(Debug, Clone)]
pub struct RoundingRule {
    pub state: CountryCode,
    pub validity: Validity,
    pub mode: RoundingMode,
    /// Decimal places kept: 2 for kopecks.
    pub scale: u32,
    pub source: String,
    pub verification: Verification,
}

/// The currency in which one member state transfers to another the shares of import duties it
/// owes, for a period. `None` for sender or receiver matches any state; `None` for the currency
/// means the sender's national currency.
#[derive(Debug, Clone)]
pub struct TransferCurrencyRule {
    pub sender: Option<CountryCode>,
    pub receiver: Option<CountryCode>,
    pub currency: Option<CurrencyCode>,
    pub validity: Validity,
    pub legal_basis: String,
    pub source: String,
    pub verification: Verification,
}

/// A member state's offset from UTC for a period (its authorized body's local time, in which
/// the daily report's 16:00 deadline falls).
#[derive(Debug, Clone)]
pub struct UtcOffset {
    pub state: CountryCode,
    pub validity: Validity,
    /// Minutes east of UTC (+03:00 → 180).
    pub minutes: i32,
    pub source: String,
    pub verification: Verification,
}

/// The whole loaded bundle. Immutable once loaded; every query takes a date.
#[derive(Debug)]
pub struct TariffSnapshot {
    pub bundle: String,
    pub editions: Vec<Edition>,
    pub measures: Vec<Measure>,
    pub quotas: Vec<TariffQuota>,
    pub countries: HashMap<CountryCode, Country>,
    pub currencies: HashMap<CurrencyCode, Currency>,
    pub units: Vec<Unit>,
    pub member_states: Vec<MemberState>,
    pub state_currencies: Vec<StateCurrency>,
    pub vat_rates: Vec<VatRate>,
    pub customs_fees: Vec<CustomsFeeBand>,
    pub normatives: Vec<NormativeSet>,
    pub country_groups: Vec<CountryGroupMembership>,
    pub preference_regimes: Vec<PreferenceRegime>,
    pub procedure_codes: Vec<ProcedureCode>,
    pub exchange_rates: Vec<ExchangeRate>,
    pub excise_rates: Vec<ExciseRate>,
    pub rounding_rules: Vec<RoundingRule>,
    pub transfer_currencies: Vec<TransferCurrencyRule>,
    pub utc_offsets: Vec<UtcOffset>,
    /// English HS texts by 2, 4 or 6-digit code.
    pub hs_english: HashMap<String, String>,
}

impl TariffSnapshot {
    /// The edition in force on `date`, if any.
    pub fn edition_on(&self, date: Date) -> Option<&Edition> {
        self.editions.iter().find(|e| e.validity.contains(date))
    }

    pub fn edition(&self, id: &str) -> Option<&Edition> {
        self.editions.iter().find(|e| e.id == id)
    }

    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code.as_str() == code)
    }

    pub fn unit_by_symbol(&self, symbol_ru: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.is_printed_as(symbol_ru))
    }

    /// The member state and its membership, if `state` is a member on `date`.
    pub fn member_state_on(&self, state: CountryCode, date: Date) -> Option<&MemberState> {
        self.member_states
            .iter()
            .find(|m| m.state == state && m.membership.contains(date))
    }

    /// The national currency of a member state on `date`.
    pub fn state_currency_on(&self, state: CountryCode, date: Date) -> Option<&StateCurrency> {
        self.state_currencies
            .iter()
            .find(|c| c.state == state && c.validity.contains(date))
    }

    /// The VAT rate of a kind (`standard`, `reduced`) in a state on `date`.
    pub fn vat_rate_on(&self, state: CountryCode, rate_kind: &str, date: Date) -> Option<&VatRate> {
        self.vat_rates
            .iter()
            .find(|v| v.state == state && v.rate_kind == rate_kind && v.validity.contains(date))
    }

    /// The bands of the state's customs-fee schedule in force on `date`, lowest first.
    pub fn customs_fee_schedule_on(&self, state: CountryCode, date: Date) -> Vec<&CustomsFeeBand> {
        let mut bands: Vec<_> = self
            .customs_fees
            .iter()
            .filter(|b| b.state == state && b.validity.contains(date))
            .collect();
        bands.sort_by_key(|a| a.value_over);
        bands
    }

    /// The distribution normatives in force on `date`.
    pub fn normatives_on(&self, date: Date) -> Option<&NormativeSet> {
        self.normatives.iter().find(|n| n.validity.contains(date))
    }

    /// The preference groups a country of origin belongs to on `date`.
    pub fn groups_of(
        &self,
        country: CountryCode,
        date: Date,
    ) -> impl Iterator<Item = &CountryGroupMembership> {
        self.country_groups
            .iter()
            .filter(move |g| g.country == country && g.validity.contains(date))
    }

    pub fn preference_regime_on(&self, group: &str, date: Date) -> Option<&PreferenceRegime> {
        self.preference_regimes
            .iter()
            .find(|p| p.group == group && p.validity.contains(date))
    }

    pub fn procedure_on(&self, code: &str, date: Date) -> Option<&ProcedureCode> {
        self.procedure_codes
            .iter()
            .find(|p| p.code == code && p.validity.contains(date))
    }

    /// The central bank rate of `currency` in `state` on exactly `date`.
    pub fn exchange_rate_on(
        &self,
        state: CountryCode,
        currency: CurrencyCode,
        date: Date,
    ) -> Option<&ExchangeRate> {
        self.exchange_rates
            .iter()
            .find(|r| r.state == state && r.currency == currency && r.date == date)
    }

    /// The most specific excise rate of a state on a code and date.
    pub fn excise_on(
        &self,
        state: CountryCode,
        code: &CommodityCode,
        date: Date,
    ) -> Option<&ExciseRate> {
        self.excise_rates
            .iter()
            .filter(|e| e.state == state && code.starts_with(&e.code) && e.validity.contains(date))
            .max_by_key(|e| e.code.len())
    }

    /// The currency of transfers from `sender` to `receiver` on `date`, and the rule that sets
    /// it: the most specific rule in force (the pair, then the sender, then any state).
    pub fn transfer_currency_on(
        &self,
        sender: CountryCode,
        receiver: CountryCode,
        date: Date,
    ) -> Option<(CurrencyCode, &TransferCurrencyRule)> {
        let rule = self
            .transfer_currencies
            .iter()
            .filter(|r| {
                r.validity.contains(date)
                    && r.sender.is_none_or(|s| s == sender)
                    && r.receiver.is_none_or(|s| s == receiver)
            })
            .max_by_key(|r| (r.sender.is_some() as u8) * 2 + r.receiver.is_some() as u8)?;
        let currency = match rule.currency {
            Some(currency) => currency,
            None => self.state_currency_on(sender, date)?.currency,
        };
        Some((currency, rule))
    }

    /// A state's offset from UTC on a date, in minutes.
    pub fn utc_offset_on(&self, state: CountryCode, date: Date) -> Option<i32> {
        self.utc_offsets
            .iter()
            .find(|o| o.state == state && o.validity.contains(date))
            .map(|o| o.minutes)
    }

    /// The rounding rule of payments in a state on a date.
    pub fn rounding_on(&self, state: CountryCode, date: Date) -> Option<&RoundingRule> {
        self.rounding_rules
            .iter()
            .find(|r| r.state == state && r.validity.contains(date))
    }

    /// English HS text of a code's heading (4) or subheading (6) level, when HS has it.
    pub fn english(&self, hs_code: &str) -> Option<&str> {
        self.hs_english.get(hs_code).map(String::as_str)
    }
}

/// A map keyed by [`CommodityCode::key`]. The keys are already well spread, so a cheap
/// multiplicative hash is enough and keeps a lookup well under a microsecond.
pub(crate) type CodeMap<V> = HashMap<u64, V, BuildHasherDefault<CodeHasher>>;

#[derive(Default)]
pub(crate) struct CodeHasher(u64);

impl Hasher for CodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// One step of a code's description, from the chapter down to the line itself.
#[derive(Debug, Clone, Copy)]
pub struct PathStep<'s> {
    /// `chapter`, or the [`LineKind`] of a table line in snake_case.
    pub kind: &'static str,
    pub code: Option<CommodityCode>,
    pub text_ru: &'s str,
    /// English only where HS 2022 has the same scope (chapter, heading, 6-digit subheading).
    pub text_en: Option<&'s str>,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Heading => "heading",
            LineKind::Subheading6 => "subheading6",
            LineKind::Subheading8 => "subheading8",
            LineKind::Subheading9 => "subheading9",
            LineKind::Code10 => "code10",
            LineKind::Intermediate => "intermediate",
            LineKind::Excluded => "excluded",
        }
    }
}

impl TariffSnapshot {
    /// The HS 2022 subheading (6 digits) or heading (4 digits) whose scope is exactly this line,
    /// if there is one. Deeper national subdivisions have no English text in open data.
    pub fn hs_equivalent(&self, edition: &Edition, line: &NomenclatureLine) -> Option<String> {
        let code = line.code?;
        let digits = code.as_str();
        match (line.kind, code.len()) {
            (LineKind::Heading, 4) | (LineKind::Subheading6, 6) => Some(digits.to_owned()),
            (LineKind::Code10, 10) if line.level == 0 => Some(digits[..4].to_owned()),
            (LineKind::Code10, 10) => {
                // A 10-digit line ending in 0000 under no 6-digit subheading line is the whole
                // HS subheading: the national split did not divide it.
                let hs6 = code.truncate(6)?;
                let undivided = digits.ends_with("0000") && edition.line(&hs6).is_none();
                undivided.then(|| digits[..6].to_owned())
            }
            _ => None,
        }
    }

    /// The English text of a line, where HS 2022 has the same scope.
    pub fn english_of(&self, edition: &Edition, line: &NomenclatureLine) -> Option<&str> {
        self.hs_equivalent(edition, line)
            .and_then(|hs| self.english(&hs))
    }

    /// A line's description from the chapter down to the line itself.
    pub fn description_path<'s>(&'s self, edition: &'s Edition, index: u32) -> Vec<PathStep<'s>> {
        let ancestry = edition.ancestry(index);
        let mut steps = Vec::with_capacity(ancestry.len() + 1);
        if let Some(chapter) = ancestry.first().and_then(|l| edition.chapter(&l.chapter)) {
            steps.push(PathStep {
                kind: "chapter",
                code: CommodityCode::parse(&chapter.chapter).ok(),
                text_ru: &chapter.title_ru,
                text_en: chapter.title_en.as_deref(),
            });
        }
        for line in ancestry {
            steps.push(PathStep {
                kind: line.kind.as_str(),
                code: line.code,
                text_ru: &line.text_ru,
                text_en: self.english_of(edition, line),
            });
        }
        steps
    }
}
