// Hostile declarations: whatever text arrives, reading and assessing it gives figures or a list
// of problems with paths, never a panic.

use proptest::prelude::*;
use tamga_assess::{assess, compute, parse_declaration_for};

use crate::builtin;

const VALID: &str = r#"{"state":"RU","procedure":"IM40","customs_office":"10702070","registration_date":"2019-06-03","currency":"EUR","exchange_rates":{"EUR":"72.0000","USD":"64.5000"},"declarant":{"name":"OOO Vostok","tin":"7701234567"},"items":[{"code":"2202910000","description":"beer","origin":"DE","customs_value":"4000.00","net_mass_kg":"5200","quantities":{"l":"5000"}},{"code":"8703231940","description":"car","origin":"JP","customs_value":"15000","quantities":{"cm3_engine":"1998","pcs":"1"},"preference":"origin","in_quota":true,"vat_rate":"reduced","documents":[{"code":"02011","number":"INV-1","date":"2019-05-01"}]}]}"#;

fn read_and_assess(text: &str) {
    let snapshot = builtin();
    match parse_declaration_for(snapshot, text) {
        Ok(declaration) => {
            let _ = compute(snapshot, &declaration);
            let _ = assess(snapshot, &declaration);
        }
        Err(errors) => assert!(!errors.0.is_empty(), "a refusal names at least one problem"),
    }
}

/// The valid declaration with a few bytes overwritten, inserted or cut: close to valid, so the
/// deeper checks run too.
fn mutated() -> impl Strategy<Value = String> {
    (
        any::<u64>(),
        proptest::collection::vec(any::<char>(), 0..6),
        0u8..3,
    )
        .prop_map(|(pos, noise, how)| {
            let mut chars: Vec<char> = VALID.chars().collect();
            let at = (pos as usize) % chars.len();
            match how {
                0 => {
                    for (i, c) in noise.into_iter().enumerate() {
                        if let Some(slot) = chars.get_mut(at + i) {
                            *slot = c;
                        }
                    }
                }
                1 => {
                    chars.splice(at..at, noise);
                }
                _ => chars.truncate(at),
            }
            chars.into_iter().collect()
        })
}

/// Valid JSON of the right shape with hostile values in the places that hold numbers and codes.
fn hostile_values() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("\"79228162514264337593543950335\"".to_owned()),
        Just("\"-0\"".to_owned()),
        Just("\"0.0000000000000000000000000001\"".to_owned()),
        Just("1e400".to_owned()),
        Just("null".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        "\"[0-9.,-]{0,40}\"".prop_map(|s| s),
        "\"\\\\PC{0,12}\"".prop_map(|s| s),
    ];
    (value.clone(), value.clone(), value).prop_map(|(a, b, c)| {
        VALID
            .replacen("\"4000.00\"", &a, 1)
            .replacen("\"5000\"", &b, 1)
            .replacen("\"72.0000\"", &c, 1)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_text_is_refused_or_assessed_never_a_panic(text in "\\PC{0,300}") {
        read_and_assess(&text);
    }

    #[test]
    fn damaged_declarations_never_panic(text in mutated()) {
        read_and_assess(&text);
    }

    #[test]
    fn hostile_values_never_panic(text in hostile_values()) {
        read_and_assess(&text);
    }
}

/// Found by the fuzzer (`fuzz/`, target `declaration`): a two-byte character in the procedure
/// split a string slice.
#[test]
fn a_multibyte_procedure_is_refused_not_a_panic() {
    // "0€" is 4 bytes with a character boundary after the first: byte 2 is inside "€".
    let text = VALID.replace("\"IM40\"", "\"0€\"");
    let errors = parse_declaration_for(builtin(), &text).expect_err("refused");
    assert!(errors.0.iter().any(|e| e.path == "procedure"), "{errors}");
}

#[test]
fn the_hostile_suite_starts_from_a_declaration_that_assesses() {
    let snapshot = builtin();
    let declaration = parse_declaration_for(snapshot, VALID).expect("valid");
    assert!(assess(snapshot, &declaration).is_ok());
}
