//! `union/*.csv`: the union's own tables. The member states and their currencies, VAT rates,
//! rounding rules, UTC offsets and transfer currencies; units; procedure codes; preference
//! groups and regimes; exchange rates; excise rates. The fee schedules and the normatives, whose
//! rows make up a whole, are in `schedules`.

use std::collections::HashMap;
use std::str::FromStr;

use tamga_core::{CountryCode, Decimal, Validity};

use super::cells::{
    CodeLists, commodity_code, date, decimal, member_state, unit_code, verification,
};
use super::dated::{DatedTable, InForce};
use super::table::{Issues, Table};
use crate::bundle::BundleSource;
use crate::snapshot::*;

pub(super) fn load_units(source: &dyn BundleSource, issues: &mut Issues) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let Some(table) = Table::read(source, "union/units.csv", true, issues) else {
        return units;
    };
    let unit = table.col("unit", true, issues);
    let okei = table.col("okei_code", false, issues);
    let symbol = table.col("symbol_ru", true, issues);
    let name_en = table.col("name_en", false, issues);
    let name_ru = table.col("name_ru", false, issues);
    let printed = table.col("symbols_printed", false, issues);
    for row in table.rows() {
        let Some(code) = row.parse(unit, "a unit code such as kg", unit_code, issues) else {
            continue;
        };
        if units.iter().any(|u| u.code == code) {
            issues.push(row.issue(unit, format!("unit {code} is listed twice")));
            continue;
        }
        let symbol_ru = row.get(symbol);
        if !symbol_ru.is_empty() && units.iter().any(|u| u.symbol_ru == symbol_ru) {
            issues.push(row.issue(symbol, format!("symbol {symbol_ru:?} names two units")));
        }
        let symbols_printed: Vec<String> = row
            .get(printed)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        units.push(Unit {
            code,
            okei_code: row.get(okei).to_owned(),
            symbol_ru: symbol_ru.to_owned(),
            symbols_printed,
            name_en: row.get(name_en).to_owned(),
            name_ru: row.get(name_ru).to_owned(),
        });
    }
    units
}

impl InForce for MemberState {
    type Key = CountryCode;
    fn key(&self) -> CountryCode {
        self.state
    }
    fn validity(&self) -> Validity {
        self.membership
    }
}

pub(super) fn load_member_states(
    source: &dyn BundleSource,
    codes: &CodeLists,
    issues: &mut Issues,
) -> Vec<MemberState> {
    DatedTable::new("union/member_states.csv", "membership", "state")
        .dated_by("member_from", "member_to")
        .read(
            source,
            issues,
            |table, issues| {
                (
                    table.col("state", true, issues),
                    table.col("name_en", true, issues),
                    table.col("name_ru", true, issues),
                    table.col("customs_office_code_length", true, issues),
                    table.col("customs_office_prefix", false, issues),
                    table.col("time_zone", true, issues),
                    table.col("verification", false, issues),
                )
            },
            |&(state, name_en, name_ru, length, prefix, zone, check), dated, issues| {
                let row = &dated.row;
                let code = codes.country(row, state, issues);
                let office_len = row.parse(
                    length,
                    "the customs office code length, 1..=10",
                    office_code_length,
                    issues,
                );
                let office_prefix = row.parse_optional(
                    prefix,
                    "the digits every customs office code of the state begins with (or empty)",
                    digits,
                    issues,
                );
                Some(MemberState {
                    state: code?,
                    name_en: row.get(name_en).to_owned(),
                    name_ru: row.get(name_ru).to_owned(),
                    membership: dated.validity?,
                    customs_office_code_length: office_len?,
                    customs_office_prefix: office_prefix?.unwrap_or_default(),
                    time_zone: row.get(zone).to_owned(),
                    verification: verification(row, check, issues),
                })
            },
        )
}

fn office_code_length(text: &str) -> Result<u8, String> {
    let n = text.parse::<u8>().map_err(|e| e.to_string())?;
    if (1..=10).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is outside 1..=10"))
    }
}

fn digits(text: &str) -> Result<String, String> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not digits"))
    }
}

impl InForce for StateCurrency {
    type Key = CountryCode;
    fn key(&self) -> CountryCode {
        self.state
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_state_currencies(
    source: &dyn BundleSource,
    codes: &CodeLists,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<StateCurrency> {
    DatedTable::new("union/state_currencies.csv", "national currency", "state").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("state", true, issues),
                table.col("currency", true, issues),
                table.col("redenomination_factor", false, issues),
                table.col("verification", false, issues),
            )
        },
        |&(state, currency, factor, check), dated, issues| {
            let row = &dated.row;
            let code = member_state(row, state, members, issues).flatten();
            if code.is_none() && row.get(state).is_empty() {
                issues.push(row.issue(state, "expected a member state, the cell is empty"));
            }
            let money = codes.currency(row, currency, issues);
            let redenomination =
                row.parse_optional(factor, "a decimal factor", Decimal::from_str, issues);
            Some(StateCurrency {
                state: code?,
                currency: money?,
                validity: dated.validity?,
                redenomination_factor: redenomination?,
                verification: verification(row, check, issues),
            })
        },
    )
}

impl InForce for VatRate {
    type Key = (CountryCode, String);
    fn key(&self) -> Self::Key {
        (self.state, self.rate_kind.clone())
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_vat_rates(
    source: &dyn BundleSource,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<VatRate> {
    DatedTable::new("union/vat_rates.csv", "VAT rate", "state").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("state", true, issues),
                table.col("rate_kind", true, issues),
                table.col("percent", true, issues),
                table.col("legal_basis", true, issues),
                table.col("source", false, issues),
                table.col("verification", false, issues),
            )
        },
        |&(state, kind, percent, basis, src, check), dated, issues| {
            let row = &dated.row;
            let code = member_state(row, state, members, issues).flatten();
            let rate_kind = row.required(kind, "standard or reduced", issues);
            let rate = decimal(row, percent, "a percentage", issues);
            let (code, rate_kind, rate, validity) = (code?, rate_kind?, rate?, dated.validity?);
            if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
                issues.push(row.issue(percent, "expected a percentage between 0 and 100"));
                return None;
            }
            Some(VatRate {
                state: code,
                rate_kind: rate_kind.to_owned(),
                percent: rate,
                validity,
                legal_basis: row.get(basis).to_owned(),
                source: row.get(src).to_owned(),
                verification: verification(row, check, issues),
            })
        },
    )
}

impl InForce for RoundingRule {
    type Key = CountryCode;
    fn key(&self) -> CountryCode {
        self.state
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_rounding_rules(
    source: &dyn BundleSource,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<RoundingRule> {
    DatedTable::new("union/rounding_rules.csv", "rounding rule", "state").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("state", true, issues),
                table.col("rule", true, issues),
                table.col("scale", true, issues),
                table.col("source", false, issues),
                table.col("verification", false, issues),
            )
        },
        |&(state, rule, scale, src, check), dated, issues| {
            let row = &dated.row;
            let code = member_state(row, state, members, issues).flatten();
            let mode = row.parse(rule, "half_up or half_even", rounding_mode, issues);
            let places_kept = row.parse(
                scale,
                "a number of decimal places, 0 to 4",
                decimal_places,
                issues,
            );
            Some(RoundingRule {
                state: code?,
                validity: dated.validity?,
                mode: mode?,
                scale: places_kept?,
                source: row.get(src).to_owned(),
                verification: verification(row, check, issues),
            })
        },
    )
}

fn rounding_mode(text: &str) -> Result<RoundingMode, String> {
    match text {
        "half_up" => Ok(RoundingMode::HalfUp),
        "half_even" => Ok(RoundingMode::HalfEven),
        other => Err(format!("got {other:?}")),
    }
}

fn decimal_places(text: &str) -> Result<u32, String> {
    let n = text.parse::<u32>().map_err(|e| e.to_string())?;
    if n <= 4 {
        Ok(n)
    } else {
        Err(format!("{n} is above 4"))
    }
}

impl InForce for TransferCurrencyRule {
    type Key = (Option<CountryCode>, Option<CountryCode>);
    fn key(&self) -> Self::Key {
        (self.sender, self.receiver)
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_transfer_currencies(
    source: &dyn BundleSource,
    codes: &CodeLists,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<TransferCurrencyRule> {
    DatedTable::new(
        "union/transfer_currencies.csv",
        "transfer currency rule",
        "sender",
    )
    .read(
        source,
        issues,
        |table, issues| {
            (
                table.col("sender", true, issues),
                table.col("receiver", true, issues),
                table.col("currency", true, issues),
                table.col("legal_basis", true, issues),
                table.col("source", false, issues),
                table.col("verification", false, issues),
            )
        },
        |&(sender, receiver, currency, basis, src, check), dated, issues| {
            let row = &dated.row;
            let from_state = member_state(row, sender, members, issues);
            let to_state = member_state(row, receiver, members, issues);
            let code = codes.optional_currency(row, currency, issues);
            Some(TransferCurrencyRule {
                sender: from_state?,
                receiver: to_state?,
                currency: code?,
                validity: dated.validity?,
                legal_basis: row.get(basis).to_owned(),
                source: row.get(src).to_owned(),
                verification: verification(row, check, issues),
            })
        },
    )
}

impl InForce for UtcOffset {
    type Key = CountryCode;
    fn key(&self) -> CountryCode {
        self.state
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_utc_offsets(
    source: &dyn BundleSource,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<UtcOffset> {
    DatedTable::new("union/utc_offsets.csv", "UTC offset", "state").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("state", true, issues),
                table.col("utc_offset", true, issues),
                table.col("source", false, issues),
                table.col("verification", false, issues),
            )
        },
        |&(state, offset, src, check), dated, issues| {
            let row = &dated.row;
            let code = member_state(row, state, members, issues).flatten();
            let minutes = row.parse(
                offset,
                "a UTC offset such as +03:00",
                parse_utc_offset,
                issues,
            );
            Some(UtcOffset {
                state: code?,
                validity: dated.validity?,
                minutes: minutes?,
                source: row.get(src).to_owned(),
                verification: verification(row, check, issues),
            })
        },
    )
}

/// `+03:00` → 180 minutes.
fn parse_utc_offset(text: &str) -> Result<i32, String> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 6
        && (bytes[0] == b'+' || bytes[0] == b'-')
        && bytes[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| bytes[i].is_ascii_digit());
    if !well_formed {
        return Err(format!("got {text:?}"));
    }
    let hours: i32 = text[1..3].parse().map_err(|_| format!("got {text:?}"))?;
    let minutes: i32 = text[4..6].parse().map_err(|_| format!("got {text:?}"))?;
    if hours > 14 || minutes > 59 {
        return Err(format!("{text} is out of range"));
    }
    let total = hours * 60 + minutes;
    Ok(if bytes[0] == b'-' { -total } else { total })
}

impl InForce for ProcedureCode {
    type Key = String;
    fn key(&self) -> String {
        self.code.clone()
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_procedure_codes(
    source: &dyn BundleSource,
    issues: &mut Issues,
) -> Vec<ProcedureCode> {
    DatedTable::new("union/procedure_codes.csv", "procedure code", "code").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("code", true, issues),
                table.col("name_en", true, issues),
                table.col("name_ru", true, issues),
                table.col("legal_basis", false, issues),
            )
        },
        |&(code, name_en, name_ru, basis), dated, issues| {
            let row = &dated.row;
            let procedure = row.required(code, "a 2-digit procedure code", issues);
            let (procedure, validity) = (procedure?, dated.validity?);
            if procedure.len() != 2 || !procedure.bytes().all(|b| b.is_ascii_digit()) {
                issues.push(row.issue(
                    code,
                    format!("expected a 2-digit procedure code, got {procedure:?}"),
                ));
                return None;
            }
            Some(ProcedureCode {
                code: procedure.to_owned(),
                name_en: row.get(name_en).to_owned(),
                name_ru: row.get(name_ru).to_owned(),
                validity,
                legal_basis: row.get(basis).to_owned(),
            })
        },
    )
}

impl InForce for CountryGroupMembership {
    type Key = (String, CountryCode);
    fn key(&self) -> Self::Key {
        (self.group.clone(), self.country)
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_country_groups(
    source: &dyn BundleSource,
    codes: &CodeLists,
    issues: &mut Issues,
) -> Vec<CountryGroupMembership> {
    DatedTable::new("union/country_groups.csv", "group membership", "country").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("group", true, issues),
                table.col("country", true, issues),
                table.col("source", false, issues),
                table.col("verification", false, issues),
            )
        },
        |&(group, country, src, check), dated, issues| {
            let row = &dated.row;
            let group_id = row.required(group, "a group id such as developing", issues);
            let code = codes.country(row, country, issues);
            Some(CountryGroupMembership {
                group: group_id?.to_owned(),
                country: code?,
                validity: dated.validity?,
                source: row.get(src).to_owned(),
                verification: verification(row, check, issues),
            })
        },
    )
}

impl InForce for PreferenceRegime {
    type Key = String;
    fn key(&self) -> String {
        self.group.clone()
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

pub(super) fn load_preference_regimes(
    source: &dyn BundleSource,
    issues: &mut Issues,
) -> Vec<PreferenceRegime> {
    DatedTable::new("union/preference_regimes.csv", "preference regime", "group").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("group", true, issues),
                table.col("percent_of_rate", true, issues),
                table.col("legal_basis", true, issues),
                table.col("verification", false, issues),
            )
        },
        |&(group, percent, basis, check), dated, issues| {
            let row = &dated.row;
            let group_id = row.required(group, "a group id", issues);
            let share = decimal(row, percent, "a percentage of the rate", issues);
            let (group_id, share, validity) = (group_id?, share?, dated.validity?);
            if share < Decimal::ZERO || share > Decimal::ONE_HUNDRED {
                issues.push(row.issue(percent, "expected a percentage between 0 and 100"));
                return None;
            }
            Some(PreferenceRegime {
                group: group_id.to_owned(),
                percent_of_rate: share,
                validity,
                legal_basis: row.get(basis).to_owned(),
                verification: verification(row, check, issues),
            })
        },
    )
}

/// A central bank's rates: not a period but a day each, one rate per state, currency and day.
pub(super) fn load_exchange_rates(
    source: &dyn BundleSource,
    codes: &CodeLists,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Vec<ExchangeRate> {
    let mut list = Vec::new();
    let Some(table) = Table::read(source, "union/exchange_rates.csv", false, issues) else {
        return list;
    };
    let state = table.col("state", true, issues);
    let currency = table.col("currency", true, issues);
    let day_col = table.col("date", true, issues);
    let rate = table.col("rate", true, issues);
    let src = table.col("source", true, issues);
    let mut seen = HashMap::new();
    for row in table.rows() {
        let code = member_state(&row, state, members, issues).flatten();
        let money = codes.currency(&row, currency, issues);
        let day = row.parse(day_col, "a date YYYY-MM-DD", date, issues);
        let value = decimal(
            &row,
            rate,
            "a positive rate, national currency per 1 unit",
            issues,
        );
        let (Some(code), Some(money), Some(day), Some(value)) = (code, money, day, value) else {
            continue;
        };
        if value <= Decimal::ZERO {
            issues.push(row.issue(rate, "expected a positive rate"));
            continue;
        }
        if let Some(line) = seen.insert((code, money, day), row.line) {
            issues.push(row.issue(
                day_col,
                format!("a second rate of {money} in {code} on this day (first at line {line})"),
            ));
            continue;
        }
        list.push(ExchangeRate {
            state: code,
            currency: money,
            date: day,
            rate: value,
            source: row.get(src).to_owned(),
        });
    }
    list
}

impl InForce for ExciseRate {
    type Key = (CountryCode, tamga_core::CommodityCode);
    fn key(&self) -> Self::Key {
        (self.state, self.code)
    }
    fn validity(&self) -> Validity {
        self.validity
    }
}

/// The excise rates, on codes some edition in force at the time has.
pub(super) fn load_excise_rates(
    source: &dyn BundleSource,
    codes: &CodeLists,
    members: &[CountryCode],
    editions: &[Edition],
    issues: &mut Issues,
) -> Vec<ExciseRate> {
    DatedTable::new("union/excise_rates.csv", "excise rate", "state").read(
        source,
        issues,
        |table, issues| {
            (
                table.col("state", true, issues),
                table.col("code", true, issues),
                table.col("rate", true, issues),
                table.col("payment_code", true, issues),
                table.col("legal_basis", true, issues),
                table.col("verification", false, issues),
            )
        },
        |&(state, code, rate, payment, basis, check), dated, issues| {
            let row = &dated.row;
            let state_code = member_state(row, state, members, issues).flatten();
            let what = "a commodity code (2 to 10 digits)";
            let excise_code = row.parse(code, what, commodity_code, issues);
            let what = "an excise rate such as 22 RUB/l or 10%";
            let excise_rate = codes.required_rate(row, rate, what, issues);
            let payment_code = row.required(payment, "the payment type code", issues);
            let (state_code, excise_code, validity) = (state_code?, excise_code?, dated.validity?);
            let (excise_rate, payment_code) = (excise_rate?, payment_code?);
            if !super::code_known(editions, &excise_code, &validity) {
                issues.push(row.issue(
                    code,
                    format!("an excise rate on an unknown code {excise_code}"),
                ));
                return None;
            }
            Some(ExciseRate {
                state: state_code,
                code: excise_code,
                validity,
                rate: excise_rate,
                payment_code: payment_code.to_owned(),
                legal_basis: row.get(basis).to_owned(),
                verification: verification(row, check, issues),
            })
        },
    )
}
