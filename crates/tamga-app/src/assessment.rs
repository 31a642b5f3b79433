//! A declaration as the service takes it: validated on the business date (the declared
//! registration date checked first, then replaced by that day, whose tariff, rates and fees
//! apply), assessed, and turned into what the store keeps (integer minor units, exact rate
//! strings).

use rust_decimal::Decimal;
use serde_json::{Value, json};
use tamga_assess::{Assessment, parse_declaration_for, render::assessment_json};
use tamga_core::{Date, format_date};
use tamga_store::{NewAssessment, PaymentLine};
use tamga_tariff::TariffSnapshot;

use crate::{AppError, FieldProblem};

/// The minor units of the union's national currencies (RUB, BYN, KZT, AMD, KGS): all five have
/// two decimals in ISO 4217.
pub const MINOR_UNIT_SCALE: u32 = 2;

/// An amount in minor units. The amounts of an assessment are already rounded by the state's
/// rule to at most two decimals, so this is exact; anything else is refused, never truncated.
pub fn to_minor_units(amount: Decimal) -> Option<i64> {
    let scaled = amount.checked_mul(Decimal::from(10i64.pow(MINOR_UNIT_SCALE)))?;
    if scaled.fract() != Decimal::ZERO {
        return None;
    }
    i64::try_from(scaled.trunc()).ok()
}

/// An amount of money in a request: a plain positive decimal with at most the national
/// currency's places (`1500.00`), in minor units. `+9000`, `1.` or `9000.001` are refused.
pub fn money_amount(text: Option<&str>) -> Result<i64, String> {
    let expected = "expected a positive amount with at most two decimals, such as \"1500.00\"";
    let text = text.ok_or_else(|| format!("{expected}; it is missing"))?;
    let amount = tamga_core::plain_decimal(text, MINOR_UNIT_SCALE)
        .map_err(|e| format!("{expected}: {e}"))?;
    if amount <= Decimal::ZERO {
        return Err(format!("{expected}: {text} is not greater than zero"));
    }
    tamga_treasury::to_minor(amount, MINOR_UNIT_SCALE).map_err(|e| format!("{expected}: {e}"))
}

/// A request body as text: a declaration must be UTF-8 JSON.
pub fn body_text(body: &[u8]) -> Result<&str, AppError> {
    std::str::from_utf8(body).map_err(|e| {
        AppError::invalid_at(
            "$",
            format!(
                "expected UTF-8 JSON: the byte at offset {} is not UTF-8",
                e.valid_up_to()
            ),
        )
    })
}

/// A declaration validated as it would be registered on `date`: its `registration_date` is
/// replaced by that day, whose tariff, rates and fees apply. Returns the declaration's JSON as
/// filed (re-serialised, compact; numbers keep their exact text) and the parsed declaration.
pub fn validate_on(
    snapshot: &TariffSnapshot,
    text: &str,
    date: Date,
) -> Result<(Value, tamga_assess::Declaration), AppError> {
    let filed: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        // Malformed JSON: the reader reports it with its line and column.
        Err(_) => {
            return Err(parse_declaration_for(snapshot, text).err().map_or_else(
                || AppError::invalid_at("$", "expected a JSON object"),
                AppError::from,
            ));
        }
    };
    let mut dated = filed.clone();
    let declared = match &mut dated {
        Value::Object(map) => map.insert("registration_date".into(), json!(format_date(date))),
        _ => {
            return Err(AppError::invalid_at(
                "$",
                "expected a JSON object (a declaration)",
            ));
        }
    };
    // The declared date is checked before it is replaced: junk is refused, not overwritten.
    let date_problem = match declared.as_ref() {
        Some(Value::String(text)) if tamga_core::parse_date(text).is_ok() => None,
        Some(other) => Some(FieldProblem {
            path: "registration_date".into(),
            message: format!(
                "expected a date YYYY-MM-DD, got {other}; the service registers on its business \
                 date, but the declaration must give a real one"
            ),
        }),
        None => Some(FieldProblem {
            path: "registration_date".into(),
            message: "missing; expected a date YYYY-MM-DD".into(),
        }),
    };
    let declaration = match parse_declaration_for(snapshot, &dated.to_string()) {
        Ok(declaration) => declaration,
        Err(errors) => {
            let mut problems: Vec<FieldProblem> = errors
                .0
                .into_iter()
                .map(|e| FieldProblem {
                    path: e.path,
                    message: e.message,
                })
                .collect();
            problems.extend(date_problem);
            return Err(AppError::Invalid(problems));
        }
    };
    if let Some(problem) = date_problem {
        return Err(AppError::Invalid(vec![problem]));
    }
    Ok((filed, declaration))
}

/// The declared registration date, when it differs from the day the service used.
fn replaced_date_note(filed: &Value, used: Date) -> Option<Value> {
    let used = format_date(used);
    let declared = filed
        .get("registration_date")
        .cloned()
        .unwrap_or(Value::Null);
    (declared.as_str() != Some(used.as_str())).then(|| {
        json!({
            "declared": declared,
            "used": used,
            "reason": "the service registers on its business date: the tariff, VAT, fees and \
                       exchange rates are those of that day",
        })
    })
}

/// The assessment of a filed declaration on `date`, as the store keeps it.
pub fn assess_on(
    snapshot: &TariffSnapshot,
    filed_text: &str,
    date: Date,
) -> Result<NewAssessment, AppError> {
    let (filed, declaration) = validate_on(snapshot, filed_text, date)?;
    let assessment = tamga_assess::assess(snapshot, &declaration)?;
    let mut document = assessment_json(&assessment);
    if let (Value::Object(map), Some(note)) = (&mut document, replaced_date_note(&filed, date)) {
        map.insert("registration_date_replaced".into(), note);
    }
    stored_assessment(&assessment, &document)
}

fn minor(amount: Decimal, what: &str) -> Result<i64, AppError> {
    to_minor_units(amount).ok_or_else(|| {
        AppError::Internal(format!(
            "{what} {amount} is not a whole number of minor units"
        ))
    })
}

fn stored_assessment(assessment: &Assessment, document: &Value) -> Result<NewAssessment, AppError> {
    let mut lines = Vec::new();
    let item_payments = assessment.items.iter().flat_map(|item| {
        item.payments
            .iter()
            .map(move |p| (Some(item.number as i64), p))
    });
    let declaration_payments = assessment.declaration_payments.iter().map(|p| (None, p));
    for (item, payment) in item_payments.chain(declaration_payments) {
        // A payment that could not be computed (the fee of a state without a schedule) is
        // not a line of money.
        if let Some(amount) = payment.amount {
            lines.push(PaymentLine {
                item,
                payment_code: payment.code.clone(),
                kind: payment.kind.as_str().to_owned(),
                amount_minor: minor(amount, "a payment")?,
            });
        }
    }
    Ok(NewAssessment {
        registration_date: assessment.registration_date,
        tariff_edition: assessment.tariff_edition.clone(),
        rounding_rule: format!(
            "{} to {} decimals ({})",
            assessment.rounding.mode.as_str(),
            assessment.rounding.scale,
            assessment.rounding.source
        ),
        currency: assessment.currency,
        exchange_rates: document["exchange_rates"].to_string(),
        total_minor: minor(assessment.totals.total, "the total")?,
        document: document.to_string(),
        lines,
    })
}

/// A UTC instant as RFC 3339 to the second (`2021-03-16T13:00:00Z`).
pub fn utc_seconds(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(at.date()),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn minor_units_are_exact_or_refused() {
        assert_eq!(
            to_minor_units(Decimal::from_str("88000.00").unwrap()),
            Some(8_800_000)
        );
        assert_eq!(
            to_minor_units(Decimal::from_str("-0.01").unwrap()),
            Some(-1)
        );
        assert_eq!(to_minor_units(Decimal::from_str("0.005").unwrap()), None);
        assert_eq!(
            to_minor_units(Decimal::from_str("92233720368547758.08").unwrap()),
            None,
            "beyond i64"
        );
    }

    #[test]
    fn money_amounts_are_plain_positive_decimals() {
        assert_eq!(money_amount(Some("1500.00")), Ok(150_000));
        for bad in ["+9000", "9000.001", "1.", "0.00", "-5"] {
            assert!(money_amount(Some(bad)).is_err(), "{bad}");
        }
        assert!(money_amount(None).is_err());
    }
}
