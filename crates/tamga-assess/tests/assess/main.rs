//! Integration tests of the customs-payments engine: declarations assessed against the real
//! built-in bundle (the 2017 tariff, Russian VAT and fee schedules) and against a small test
//! bundle (`tests/bundles/payments`: trade remedies, excise, bundle exchange rates, a half-even
//! state). Every expected figure was computed by hand from the legal rules; the arithmetic is in
//! a comment next to it.

mod directory;
mod examples;
mod exchange_rates;
mod fees;
mod hostile;
mod preferences;
mod properties;
mod rate_kinds;
mod remedies_excise;
mod rounding;
mod validation;
mod vat;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Value, json};
use tamga_assess::{
    Assessment, ValidationError, assess, parse_declaration, parse_declaration_for, render,
};
use tamga_tariff::{EmbeddedSource, TariffSnapshot};

use directory::DirectorySource;

/// The built-in bundle (`data/`), loaded once for the whole test binary.
pub fn builtin() -> &'static TariffSnapshot {
    static SNAPSHOT: OnceLock<TariffSnapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        tamga_tariff::load(&EmbeddedSource {
            name: "built-in bundle",
            files: tamga_data::FILES,
        })
        .unwrap_or_else(|errors| panic!("the built-in bundle must load: {errors}"))
    })
}

/// The test bundle `tests/bundles/payments`, loaded once.
pub fn payments_bundle() -> &'static TariffSnapshot {
    static SNAPSHOT: OnceLock<TariffSnapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bundles/payments");
        tamga_tariff::load(&DirectorySource { root })
            .unwrap_or_else(|errors| panic!("the payments test bundle must load: {errors}"))
    })
}

/// The payments test bundle with some files replaced (`union/rounding_rules.csv` → its text).
pub fn payments_bundle_with(files: Vec<(&'static str, String)>) -> TariffSnapshot {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bundles/payments");
    let source = directory::Overlay {
        base: DirectorySource { root },
        files,
    };
    tamga_tariff::load(&source)
        .unwrap_or_else(|errors| panic!("the changed payments bundle must load: {errors}"))
}

/// A goods item with the required fields; add more with [`with`].
pub fn item(code: &str, origin: &str, customs_value: &str) -> Value {
    json!({
        "code": code,
        "description": "test goods",
        "origin": origin,
        "customs_value": customs_value,
    })
}

/// `value` with `key` set to `field` (for items and declarations).
pub fn with(mut value: Value, key: &str, field: Value) -> Value {
    value
        .as_object_mut()
        .expect("an object")
        .insert(key.to_owned(), field);
    value
}

/// A declaration lodged in `state` on `date`, customs values in `currency`, box 23 `rates`.
pub fn declaration(
    state: &str,
    date: &str,
    currency: &str,
    rates: Value,
    items: Vec<Value>,
) -> Value {
    let office = match state {
        "RU" => "10702070",
        _ => "55201",
    };
    json!({
        "state": state,
        "procedure": "IM40",
        "customs_office": office,
        "registration_date": date,
        "currency": currency,
        "exchange_rates": rates,
        "declarant": {"name": "OOO Test", "tin": "7701234567"},
        "items": items,
    })
}

/// Parses and assesses a declaration; panics with every problem if it is refused. Both readers
/// (`parse_declaration`, and `parse_declaration_for`, which the CLI uses) must read it alike.
pub fn assessment(snapshot: &TariffSnapshot, declaration: &Value) -> Assessment {
    let text = declaration.to_string();
    let parsed = parse_declaration(&text)
        .unwrap_or_else(|e| panic!("the declaration must parse: {e}\n{declaration:#}"));
    let checked = parse_declaration_for(snapshot, &text)
        .unwrap_or_else(|e| panic!("the declaration must parse: {e}\n{declaration:#}"));
    assert_eq!(parsed, checked, "both readers read the same declaration");
    assess(snapshot, &parsed)
        .unwrap_or_else(|e| panic!("the declaration must be assessed: {e}\n{declaration:#}"))
}

/// The contract JSON of the assessment of a declaration.
pub fn assessed(snapshot: &TariffSnapshot, declaration: &Value) -> Value {
    render::assessment_json(&assessment(snapshot, declaration))
}

/// The problems of a declaration that must be refused, as the CLI finds them: read with
/// `parse_declaration_for`, then assessed. The library's `parse_declaration` must refuse it too.
pub fn refused(snapshot: &TariffSnapshot, text: &str) -> Vec<ValidationError> {
    let plain = refused_by_library(snapshot, text);
    let result = parse_declaration_for(snapshot, text).and_then(|d| assess(snapshot, &d));
    match result {
        Ok(a) => panic!(
            "the CLI reader must refuse the declaration (the library reports {plain:#?}), got {:#}",
            render::assessment_json(&a)
        ),
        Err(errors) => errors.0,
    }
}

/// The problems of a declaration read with `parse_declaration`, then assessed.
pub fn refused_by_library(snapshot: &TariffSnapshot, text: &str) -> Vec<ValidationError> {
    let result = parse_declaration(text).and_then(|d| assess(snapshot, &d));
    match result {
        Ok(a) => panic!(
            "the declaration must be refused, got {:#}",
            render::assessment_json(&a)
        ),
        Err(errors) => errors.0,
    }
}

/// The one error at `path`; panics (listing them all) if there is none or several.
pub fn error_at<'a>(errors: &'a [ValidationError], path: &str) -> &'a ValidationError {
    let found: Vec<_> = errors.iter().filter(|e| e.path == path).collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!("expected exactly one error at {path}, got {errors:#?}"),
    }
}

/// The payment line with `code` of item `index` (0-based) in the contract JSON.
pub fn payment<'a>(out: &'a Value, index: usize, code: &str) -> &'a Value {
    let payments = out["items"][index]["payments"]
        .as_array()
        .unwrap_or_else(|| panic!("no item {index} in {out:#}"));
    let found: Vec<_> = payments.iter().filter(|p| p["code"] == code).collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!("expected one payment {code} in item {index}, got {payments:#?}"),
    }
}

/// The codes of an item's payment lines, in order.
pub fn payment_codes(out: &Value, index: usize) -> Vec<String> {
    out["items"][index]["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .map(|p| p["code"].as_str().expect("code").to_owned())
        .collect()
}

/// The declaration's customs fee line (1010), which must be the only declaration payment.
pub fn fee(out: &Value) -> &Value {
    let lines = out["declaration_payments"].as_array().expect("payments");
    assert_eq!(lines.len(), 1, "one declaration payment: {lines:#?}");
    assert_eq!(lines[0]["code"], "1010");
    assert_eq!(lines[0]["kind"], "customs_fee");
    &lines[0]
}

/// The amount text of a payment line.
pub fn amount(payment: &Value) -> &str {
    payment["amount"]
        .as_str()
        .unwrap_or_else(|| panic!("no amount in {payment:#}"))
}

/// Checks the totals named in `expected`; the others are checked to be `0.00`, except
/// `customs_value`, `customs_fee` and `total`, which must always be given. `"null"` stands for
/// JSON null (a fee not computed).
pub fn assert_totals(out: &Value, expected: &[(&str, &str)]) {
    let totals = &out["totals"];
    for key in [
        "customs_value",
        "import_duty",
        "antidumping",
        "countervailing",
        "safeguard",
        "excise",
        "vat",
        "customs_fee",
        "total",
    ] {
        let want = expected.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        match (key, want) {
            (_, Some("null")) => assert!(totals[key].is_null(), "totals.{key} in {totals:#}"),
            (_, Some(want)) => assert_eq!(totals[key], want, "totals.{key} in {totals:#}"),
            ("customs_value" | "customs_fee" | "total", None) => {
                panic!("the test must state totals.{key}")
            }
            (_, None) => assert_eq!(totals[key], "0.00", "totals.{key} in {totals:#}"),
        }
    }
}

/// The text of a file of `docs/examples/`.
pub fn example(name: &str) -> String {
    let path =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
