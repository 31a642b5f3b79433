//! The assessment as JSON (a contract: other tools read it) and as the table a broker reads.

use std::fmt::Write as _;

use serde_json::{Value, json};
use tamga_core::{Decimal, format_date};

use crate::assess::{Assessment, ItemAssessment, Payment};

/// An amount as the contract writes it: the figure as computed, never rounded again (rounding
/// is a legal rule, applied once, by `round_payment`), with at least two decimals. Padding to
/// two decimals is exact; an amount rounded to more places by the state's rule keeps them.
pub fn amount_text(amount: Decimal) -> String {
    with_two_decimals_at_least(amount).to_string()
}

fn with_two_decimals_at_least(mut amount: Decimal) -> Decimal {
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount
}

fn payment_json(payment: &Payment) -> Value {
    json!({
        "code": payment.code,
        "kind": payment.kind.as_str(),
        "base": payment.base.normalize().to_string(),
        "rate": payment.rate,
        "amount": payment.amount.map(amount_text),
        "legal_basis": payment.legal_basis,
        "explanation": payment.explanation,
    })
}

/// The assessment as the JSON document of the contract (`docs/declaration.md`).
pub fn assessment_json(assessment: &Assessment) -> Value {
    let totals = &assessment.totals;
    json!({
        "state": assessment.state.to_string(),
        "currency": assessment.currency.to_string(),
        "registration_date": format_date(assessment.registration_date),
        "tariff_edition": assessment.tariff_edition,
        "bundle": assessment.bundle,
        "rounding": {
            "rule": assessment.rounding.mode.as_str(),
            "scale": assessment.rounding.scale,
            "applies_to": "each payment line and each item's customs value",
            "source": assessment.rounding.source,
        },
        "exchange_rates": assessment.exchange_rates.iter().map(|r| json!({
            "currency": r.currency.to_string(),
            "rate": r.rate.normalize().to_string(),
            "date": format_date(r.date),
            "source": r.source,
        })).collect::<Vec<_>>(),
        "items": assessment.items.iter().map(|item| json!({
            "number": item.number,
            "code": item.code.as_str(),
            "customs_value": amount_text(item.customs_value),
            "payments": item.payments.iter().map(payment_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "declaration_payments": assessment.declaration_payments.iter().map(payment_json).collect::<Vec<_>>(),
        "totals": {
            "customs_value": amount_text(totals.customs_value),
            "import_duty": amount_text(totals.import_duty),
            "antidumping": amount_text(totals.antidumping),
            "countervailing": amount_text(totals.countervailing),
            "safeguard": amount_text(totals.safeguard),
            "excise": amount_text(totals.excise),
            "vat": amount_text(totals.vat),
            "customs_fee": totals.customs_fee.map(amount_text),
            "total": amount_text(totals.total),
        },
    })
}

/// Box 47 per item, then the totals: what a broker checks before filing.
pub fn assessment_table(assessment: &Assessment) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Assessment: {} {} on {} (tariff edition {}, rounding {} to {} places)",
        assessment.state,
        assessment.currency,
        format_date(assessment.registration_date),
        assessment.tariff_edition,
        assessment.rounding.mode.as_str(),
        assessment.rounding.scale
    );
    for rate in &assessment.exchange_rates {
        let _ = writeln!(
            out,
            "Exchange rate (box 23): 1 {} = {} {} ({})",
            rate.currency, rate.rate, assessment.currency, rate.source
        );
    }
    for item in &assessment.items {
        item_table(&mut out, assessment, item);
    }
    totals_table(&mut out, assessment);
    out
}

/// One item's box 47; the declaration's own payments (the fee) go with the first item.
fn item_table(out: &mut String, assessment: &Assessment, item: &ItemAssessment) {
    let _ = writeln!(
        out,
        "\nItem {}  code {}  customs value {} {}",
        item.number,
        item.code,
        amount_text(item.customs_value),
        assessment.currency
    );
    let _ = writeln!(
        out,
        "  {:<6} {:>18} {:<28} {:>16}",
        "type", "base", "rate", "amount"
    );
    let lines = item.payments.iter().chain(if item.number == 1 {
        assessment.declaration_payments.iter()
    } else {
        [].iter()
    });
    for p in lines {
        let amount = p.amount.map_or("not computed".to_owned(), amount_text);
        let _ = writeln!(
            out,
            "  {:<6} {:>18}  {:<44} {:>16}",
            p.code,
            p.base.normalize().to_string(),
            truncate(&p.rate, 44),
            amount
        );
    }
}

fn totals_table(out: &mut String, assessment: &Assessment) {
    let t = &assessment.totals;
    let _ = writeln!(out, "\nTotals ({})", assessment.currency);
    for (label, value) in [
        ("customs value", Some(t.customs_value)),
        ("import duty (2010)", Some(t.import_duty)),
        ("safeguard (2040)", Some(t.safeguard)),
        ("anti-dumping (2050)", Some(t.antidumping)),
        ("countervailing (2060)", Some(t.countervailing)),
        ("excise", Some(t.excise)),
        ("VAT (5010)", Some(t.vat)),
        ("customs fee (1010)", t.customs_fee),
        ("total payable", Some(t.total)),
    ] {
        let _ = writeln!(
            out,
            "  {label:<24} {:>18}",
            value.map_or("not computed".to_owned(), amount_text)
        );
    }
    for p in &assessment.declaration_payments {
        if p.amount.is_none() {
            let _ = writeln!(out, "  note: customs fee {}", p.explanation);
        }
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

/// Appends an amount as [`amount_text`] writes it, without going through the formatter: the
/// batch writes millions of them.
fn push_amount(out: &mut String, amount: Decimal) {
    let amount = with_two_decimals_at_least(amount);
    if amount.scale() != 2 {
        let _ = write!(out, "{amount}");
        return;
    }
    let mantissa = amount.mantissa();
    if mantissa < 0 {
        out.push('-');
    }
    let cents = mantissa.unsigned_abs();
    // Amounts are bounded far below u64::MAX cents; 64-bit division is much cheaper.
    let Ok(cents) = u64::try_from(cents) else {
        let _ = write!(out, "{}", amount.abs());
        return;
    };
    push_u64(out, cents / 100);
    out.push('.');
    let fraction = (cents % 100) as u8;
    out.push(char::from(b'0' + fraction / 10));
    out.push(char::from(b'0' + fraction % 10));
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or("0"));
}

/// Appends an ISO date without the formatter.
fn push_date(out: &mut String, date: tamga_core::Date) {
    let year = date.year();
    if (0..=9999).contains(&year) {
        let (y, m, d) = (
            year as u64,
            u64::from(u8::from(date.month())),
            u64::from(date.day()),
        );
        for (value, width) in [(y, 4), (m, 2), (d, 2)] {
            if width != 4 {
                out.push('-');
            }
            let mut digits = [b'0'; 4];
            let mut rest = value;
            for slot in digits[..width].iter_mut().rev() {
                *slot = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            out.push_str(std::str::from_utf8(&digits[..width]).unwrap_or("0000"));
        }
    } else {
        out.push_str(&format_date(date));
    }
}

/// One line of `assess --batch` output for a computed assessment: the figures of the contract
/// JSON (items with their payment lines, the declaration's fee, the totals), without the
/// explanation texts, written straight into `out`. Every value written here is ASCII that needs
/// no JSON escaping (codes, dates, canonical rates, amounts).
pub fn computed_json_line(
    out: &mut String,
    line: u64,
    declaration: &crate::Declaration,
    computed: &crate::assess::Computed<'_>,
) {
    use crate::assess::PaymentKind;
    // Plain pushes, not `write!`: the batch writes millions of these lines.
    out.push_str(r#"{"line":"#);
    push_u64(out, line);
    out.push_str(r#","assessment":{"state":""#);
    out.push_str(declaration.state.as_str());
    out.push_str(r#"","currency":""#);
    out.push_str(computed.national.as_str());
    out.push_str(r#"","registration_date":""#);
    push_date(out, declaration.registration_date);
    out.push_str(r#"","tariff_edition":""#);
    out.push_str(computed.edition);
    out.push_str(r#"","rounding":""#);
    out.push_str(computed.rounding.mode.as_str());
    out.push_str(r#"","exchange_rates":["#);
    for (i, rate) in computed.exchange_rates.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"currency":""#);
        out.push_str(rate.currency.as_str());
        let _ = write!(out, r#"","rate":"{}","source":""#, rate.rate);
        out.push_str(rate.source);
        out.push_str(r#""}"#);
    }
    out.push_str(r#"],"items":["#);
    for (i, (item, declared)) in computed.items.iter().zip(&declaration.items).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"number":"#);
        push_u64(out, declared.index as u64 + 1);
        out.push_str(r#","code":""#);
        out.push_str(declared.code.as_str());
        out.push_str(r#"","customs_value":""#);
        push_amount(out, item.customs_value);
        out.push_str(r#"","payments":["#);
        for (j, payment) in item.lines.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(r#"{"code":""#);
            out.push_str(payment.code);
            out.push_str(r#"","kind":""#);
            out.push_str(payment.kind.as_str());
            out.push_str(r#"","base":""#);
            let _ = write!(out, "{}", payment.base.normalize());
            out.push_str(r#"","rate":""#);
            match (&payment.rate, payment.kind) {
                (Some(rate), _) => {
                    let _ = write!(out, "{rate}");
                }
                (None, PaymentKind::Vat) => match payment.source {
                    crate::assess::LineSource::Vat {
                        kind: crate::declaration::VatRateKind::Exempt,
                    } => out.push_str("exempt"),
                    _ => {
                        let _ = write!(out, "{}%", payment.vat_percent.normalize());
                    }
                },
                (None, _) => {}
            }
            out.push_str(r#"","amount":""#);
            push_amount(out, payment.amount);
            out.push_str(r#""}"#);
        }
        out.push_str("]}");
    }
    let t = &computed.totals;
    out.push_str(r#"],"declaration_payments":[{"code":"1010","kind":"customs_fee","amount":"#);
    push_optional_amount(out, t.customs_fee);
    out.push_str(r#"}],"totals":{"#);
    for (name, value) in [
        ("customs_value", t.customs_value),
        ("import_duty", t.import_duty),
        ("antidumping", t.antidumping),
        ("countervailing", t.countervailing),
        ("safeguard", t.safeguard),
        ("excise", t.excise),
        ("vat", t.vat),
    ] {
        out.push('"');
        out.push_str(name);
        out.push_str(r#"":""#);
        push_amount(out, value);
        out.push_str(r#"","#);
    }
    out.push_str(r#""customs_fee":"#);
    push_optional_amount(out, t.customs_fee);
    out.push_str(r#","total":""#);
    push_amount(out, t.total);
    out.push_str(r#""}}}"#);
}

fn push_optional_amount(out: &mut String, amount: Option<Decimal>) {
    match amount {
        Some(amount) => {
            out.push('"');
            push_amount(out, amount);
            out.push('"');
        }
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn amounts_have_exactly_two_decimals() {
        for (input, expected) in [
            ("0", "0.00"),
            ("0.5", "0.50"),
            ("0.05", "0.05"),
            ("7", "7.00"),
            ("123456789.1", "123456789.10"),
            ("-12.3", "-12.30"),
            ("99999999999999999.99", "99999999999999999.99"),
            // Already rounded by the state's rule: printed as it is, never rounded again.
            ("5.005", "5.005"),
            ("12", "12.00"),
        ] {
            let mut out = String::new();
            push_amount(&mut out, Decimal::from_str(input).unwrap());
            assert_eq!(out, expected, "{input}");
            assert_eq!(amount_text(Decimal::from_str(input).unwrap()), expected);
        }
    }
}
