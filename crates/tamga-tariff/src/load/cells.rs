//! Readers of the cells many tables share: codes checked against the bundle's code lists,
//! member states, decimals, dates and verification tags.

use std::collections::HashMap;
use std::str::FromStr;

use tamga_core::{CommodityCode, CountryCode, CurrencyCode, Date, Decimal, UnitCode, parse_date};

use super::table::{Col, Issues, Row};
use crate::rate::RateExpr;
use crate::snapshot::{Country, Currency, Unit, Verification};

/// The code lists that other tables refer to: `reference/country_codes.csv`,
/// `reference/currency_codes_iso4217.csv` and `union/units.csv`.
pub(super) struct CodeLists {
    pub(super) countries: HashMap<CountryCode, Country>,
    pub(super) currencies: HashMap<CurrencyCode, Currency>,
    pub(super) units: Vec<Unit>,
}

impl CodeLists {
    pub(super) fn country(&self, row: &Row, col: Col, issues: &mut Issues) -> Option<CountryCode> {
        let code = row.parse(
            col,
            "an ISO 3166-1 alpha-2 country code",
            country_code,
            issues,
        )?;
        if !self.countries.contains_key(&code) {
            issues.push(row.issue(
                col,
                format!("unknown country {code}: not in reference/country_codes.csv"),
            ));
            return None;
        }
        Some(code)
    }

    /// A country, or none when the cell is empty.
    pub(super) fn optional_country(
        &self,
        row: &Row,
        col: Col,
        issues: &mut Issues,
    ) -> Option<Option<CountryCode>> {
        if row.get(col).is_empty() {
            return Some(None);
        }
        self.country(row, col, issues).map(Some)
    }

    pub(super) fn currency(
        &self,
        row: &Row,
        col: Col,
        issues: &mut Issues,
    ) -> Option<CurrencyCode> {
        let code = row.parse(col, "an ISO 4217 currency code", currency_code, issues)?;
        if !self.currencies.contains_key(&code) {
            issues.push(row.issue(
                col,
                format!("unknown currency {code}: not in reference/currency_codes_iso4217.csv"),
            ));
            return None;
        }
        Some(code)
    }

    /// A currency, or none when the cell is empty.
    pub(super) fn optional_currency(
        &self,
        row: &Row,
        col: Col,
        issues: &mut Issues,
    ) -> Option<Option<CurrencyCode>> {
        if row.get(col).is_empty() {
            return Some(None);
        }
        self.currency(row, col, issues).map(Some)
    }

    pub(super) fn unit(&self, row: &Row, col: Col, issues: &mut Issues) -> Option<UnitCode> {
        let code = row.parse(col, "a unit code", unit_code, issues)?;
        if !self.units.iter().any(|u| u.code == code) {
            issues.push(row.issue(col, format!("unknown unit {code}: not in union/units.csv")));
            return None;
        }
        Some(code)
    }

    /// A required rate expression whose units and currencies are all known.
    pub(super) fn required_rate(
        &self,
        row: &Row,
        col: Col,
        what: &str,
        issues: &mut Issues,
    ) -> Option<RateExpr> {
        let text = row.required(col, what, issues)?;
        self.rate(row, col, text, issues)
    }

    /// A rate expression (`text`, the cell or a part of it) whose units and currencies are all
    /// known.
    pub(super) fn rate(
        &self,
        row: &Row,
        col: Col,
        text: &str,
        issues: &mut Issues,
    ) -> Option<RateExpr> {
        let rate = match RateExpr::parse(text) {
            Ok(rate) => rate,
            Err(err) => {
                issues.push(row.issue(
                    col,
                    format!("expected a rate such as 15% or 15% min 0.07 EUR/l: {err}"),
                ));
                return None;
            }
        };
        let mut ok = true;
        if let Some(specific) = rate.specific() {
            if !self.units.iter().any(|u| u.code == specific.unit) {
                issues.push(row.issue(
                    col,
                    format!(
                        "unknown unit {} in rate {text:?}: not in union/units.csv",
                        specific.unit
                    ),
                ));
                ok = false;
            }
            if !self.currencies.contains_key(&specific.currency) {
                issues.push(row.issue(
                    col,
                    format!("unknown currency {} in rate {text:?}", specific.currency),
                ));
                ok = false;
            }
        }
        ok.then_some(rate)
    }
}

/// A member state of `union/member_states.csv`, or none when the cell is empty.
pub(super) fn member_state(
    row: &Row,
    col: Col,
    members: &[CountryCode],
    issues: &mut Issues,
) -> Option<Option<CountryCode>> {
    let state = row.parse_optional(col, "a member state (alpha-2)", country_code, issues)?;
    if let Some(s) = state
        && !members.contains(&s)
    {
        issues.push(row.issue(
            col,
            format!("{s} is not a member state in union/member_states.csv"),
        ));
        return None;
    }
    Some(state)
}

pub(super) fn decimal(row: &Row, col: Col, what: &str, issues: &mut Issues) -> Option<Decimal> {
    row.parse(col, what, Decimal::from_str, issues)
}

/// How sure the row is of its fact; an empty cell is `unverified`.
pub(super) fn verification(row: &Row, col: Col, issues: &mut Issues) -> Verification {
    if row.get(col).is_empty() {
        return Verification::Unverified;
    }
    row.parse(col, "a verification tag", Verification::parse, issues)
        .unwrap_or(Verification::Unverified)
}

// The vocabulary's parsers, with their refusals worded to follow the cell's "expected …".

pub(super) fn date(text: &str) -> Result<Date, String> {
    parse_date(text).map_err(|e| e.given())
}

pub(super) fn country_code(text: &str) -> Result<CountryCode, String> {
    CountryCode::parse(text).map_err(|e| e.given())
}

pub(super) fn currency_code(text: &str) -> Result<CurrencyCode, String> {
    CurrencyCode::parse(text).map_err(|e| e.given())
}

pub(super) fn unit_code(text: &str) -> Result<UnitCode, String> {
    UnitCode::parse(text).map_err(|e| e.given())
}

pub(super) fn commodity_code(text: &str) -> Result<CommodityCode, String> {
    CommodityCode::parse(text).map_err(|e| e.given())
}
