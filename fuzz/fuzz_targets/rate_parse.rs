//! Feeds arbitrary bytes (as lossy UTF-8) to the rate parser. On success the canonical and
//! official Russian texts must round-trip and evaluation must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tamga_core::{CurrencyCode, Decimal, UnitCode};
use tamga_tariff::rate::{RateBasis, RateEvalError, RateExpr, split_note_refs};

fn evaluate(rate: &RateExpr, customs_value: Decimal, quantity: Decimal, exchange_rate: Decimal) {
    let q = |_: &UnitCode| Some(quantity);
    let x = |_: CurrencyCode| Some(exchange_rate);
    let basis = RateBasis {
        customs_value,
        quantity: &q,
        exchange_rate: &x,
    };
    match rate.evaluate(&basis) {
        Ok(result) => assert!(!result.amount.is_sign_negative() || result.amount.is_zero()),
        Err(RateEvalError::Overflow) => {}
        Err(e) => panic!("{rate}: unexpected {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (rest, _notes) = split_note_refs(&text);
    let _ = RateExpr::parse(rest);
    match RateExpr::parse(&text) {
        Ok(rate) => {
            let canonical = rate.to_string();
            assert_eq!(
                RateExpr::parse(&canonical).as_ref(),
                Ok(&rate),
                "{canonical}"
            );
            let official = rate.to_official_ru();
            assert_eq!(RateExpr::parse(&official).as_ref(), Ok(&rate), "{official}");
            evaluate(
                &rate,
                Decimal::new(48_000_000, 2),
                Decimal::from(20_000),
                Decimal::new(800_000, 4),
            );
            evaluate(&rate, Decimal::MAX, Decimal::MAX, Decimal::MAX);
            evaluate(
                &rate.scaled(Decimal::new(75, 2)),
                Decimal::ONE,
                Decimal::new(1, 28),
                Decimal::ONE,
            );
        }
        Err(e) => assert!(
            e.column() >= 1 && e.column() <= text.chars().count() + 1,
            "{e}"
        ),
    }
});
