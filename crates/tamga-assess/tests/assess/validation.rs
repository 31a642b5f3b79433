//! Validation: every problem at its JSON path with what was expected, all at once.

use serde_json::{Value, json};

use crate::{builtin, declaration, error_at, item, refused, refused_by_library, with};

/// A Russian declaration of 2019-06-10 in EUR (72.0000) with these items.
fn ru(items: Vec<Value>) -> Value {
    declaration("RU", "2019-06-10", "EUR", json!({"EUR": "72.0000"}), items)
}

fn refused_value(declared: &Value) -> Vec<tamga_assess::ValidationError> {
    refused(builtin(), &declared.to_string())
}

fn beer(quantities: Value) -> Value {
    with(item("2202910000", "DE", "500.00"), "quantities", quantities)
}

#[test]
fn a_heading_is_not_a_declarable_code() {
    let errors = refused_value(&ru(vec![item("2202", "DE", "500.00")]));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = error_at(&errors, "items[0].code");
    assert!(
        error.message.contains("10-digit") && error.message.contains("2202 has 4 digits"),
        "{error}"
    );
}

#[test]
fn an_eight_digit_code_is_not_a_declarable_code() {
    let errors = refused_value(&ru(vec![item("22029100", "DE", "500.00")]));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = error_at(&errors, "items[0].code");
    assert!(error.message.contains("22029100 has 8 digits"), "{error}");
}

#[test]
fn a_code_that_is_not_a_number_is_refused() {
    let errors = refused_value(&ru(vec![item("2202-91", "DE", "500.00")]));
    let error = error_at(&errors, "items[0].code");
    assert!(
        error.message.contains("expected a 10-digit commodity code"),
        "{error}"
    );
}

#[test]
fn a_ten_digit_code_the_edition_does_not_have() {
    let errors = refused_value(&ru(vec![item("2202999999", "DE", "500.00")]));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = error_at(&errors, "items[0].code");
    assert!(
        error.message.contains(
            "2202999999 is not a code of the tariff in force on 2019-06-10 (edition ett2017)"
        ),
        "{error}"
    );
}

#[test]
fn a_code_of_a_later_edition_names_that_edition() {
    // 0306 19 900 1 exists in the 2022 edition only.
    let errors = refused_value(&ru(vec![item("0306199001", "NO", "500.00")]));
    let error = error_at(&errors, "items[0].code");
    assert!(
        error
            .message
            .contains("not a code of the tariff in force on 2019-06-10")
            && error.message.contains("ett2022"),
        "{error}"
    );
}

#[test]
fn a_deleted_code_is_not_declarable() {
    // 2007 99 500 2 is marked "Исключен" (deleted) in ett2017.
    let errors = refused_value(&ru(vec![item("2007995002", "DE", "500.00")]));
    let error = error_at(&errors, "items[0].code");
    assert!(
        error
            .message
            .contains("expected a declarable 10-digit line")
            && error.message.contains("2007995002 was deleted"),
        "{error}"
    );
}

#[test]
fn a_code_on_a_date_with_no_tariff_in_force() {
    // ett2017 starts on 2017-01-22; Russia is a member, but the bundle has no tariff that day.
    let declared = declaration(
        "RU",
        "2017-01-21",
        "RUB",
        json!({}),
        vec![item("0302511000", "NO", "500.00")],
    );
    let errors = refused_value(&declared);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = error_at(&errors, "items[0].code");
    assert!(
        error
            .message
            .contains("no tariff in force for 0302511000 on 2017-01-21"),
        "{error}"
    );
}

#[test]
fn a_code_whose_rate_tamga_does_not_compute_is_refused_with_its_text() {
    // 8703 23 110 0 (motor homes): the 2022 edition prints "15, либо 12,5, но не менее …", the
    // lower of two rates, which tamga does not compute.
    let declared = declaration(
        "RU",
        "2026-03-01",
        "RUB",
        json!({}),
        vec![item("8703231100", "DE", "500.00")],
    );
    let errors = refused_value(&declared);
    let error = error_at(&errors, "items[0].code");
    assert!(
        error
            .message
            .contains("the import duty for 8703231100 on 2026-03-01 is unknown")
            && error.message.contains("chapter 87, text of 22.01.2026"),
        "{error}"
    );
}

#[test]
fn a_date_before_the_union() {
    // 2005: Russia is not yet a member of the customs union (the CCT applies from 2010).
    let declared = declaration(
        "RU",
        "2005-06-01",
        "RUB",
        json!({}),
        vec![item("0302511000", "NO", "500.00")],
    );
    let errors = refused_value(&declared);
    assert!(
        errors.iter().any(|e| e.path == "state"
            && e.message
                .contains("not a member state of the union on 2005-06-01")),
        "{errors:#?}"
    );
}

#[test]
fn a_negative_or_zero_customs_value() {
    for (value, shown) in [
        (json!("-5"), "-5 is not greater than zero"),
        (json!("0"), "0 is not greater than zero"),
        (json!("0.00"), "0.00 is not greater than zero"),
        (json!(-100.5), "-100.5 is not greater than zero"),
        (
            json!("abc"),
            "\"abc\" is not a decimal number as amounts are written",
        ),
    ] {
        let goods = with(
            item("0302511000", "NO", "1"),
            "customs_value",
            value.clone(),
        );
        let errors = refused_value(&ru(vec![goods]));
        assert_eq!(errors.len(), 1, "{value}: {errors:#?}");
        let error = error_at(&errors, "items[0].customs_value");
        assert!(
            error.message.contains("expected a positive amount") && error.message.contains(shown),
            "{value}: {error}"
        );
    }
}

#[test]
fn a_missing_customs_value() {
    let mut goods = item("0302511000", "NO", "1");
    goods
        .as_object_mut()
        .expect("object")
        .remove("customs_value");
    let errors = refused_value(&ru(vec![goods]));
    let error = error_at(&errors, "items[0].customs_value");
    assert!(error.message.starts_with("missing"), "{error}");
}

#[test]
fn a_negative_quantity_or_mass() {
    let goods = with(
        with(beer(json!({"l": "-1000"})), "net_mass_kg", json!("0")),
        "gross_mass_kg",
        json!("-1"),
    );
    let errors = refused_value(&ru(vec![goods]));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    error_at(&errors, "items[0].quantities.l");
    error_at(&errors, "items[0].net_mass_kg");
    error_at(&errors, "items[0].gross_mass_kg");
}

#[test]
fn an_unknown_country_of_origin() {
    let errors = refused_value(&declared_xx());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = error_at(&errors, "items[0].origin");
    assert!(error.message.contains("unknown country XX"), "{error}");
    // The library's reader finds it on assessment, at the same path.
    let errors = refused_by_library(builtin(), &declared_xx().to_string());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        error_at(&errors, "items[0].origin").message,
        "unknown country XX"
    );
}

fn declared_xx() -> Value {
    ru(vec![item("0302511000", "XX", "500.00")])
}

#[test]
fn a_country_code_not_in_iso_form() {
    let errors = refused_value(&ru(vec![item("0302511000", "de", "500.00")]));
    let error = error_at(&errors, "items[0].origin");
    assert!(error.message.contains("ISO 3166-1 alpha-2"), "{error}");
}

#[test]
fn an_unknown_currency() {
    // The customs value's currency XYZ: unknown, and so without an exchange rate.
    let declared = declaration(
        "RU",
        "2019-06-10",
        "XYZ",
        json!({}),
        vec![item("0302511000", "NO", "500.00")],
    );
    let errors = refused_value(&declared);
    let error = error_at(&errors, "currency");
    assert!(error.message.contains("unknown currency XYZ"), "{error}");
    // A box-23 rate of an unknown currency is named at its own path.
    let declared = declaration(
        "RU",
        "2019-06-10",
        "EUR",
        json!({"EUR": "72.0000", "XYZ": "10.0000"}),
        vec![item("0302511000", "NO", "500.00")],
    );
    let errors = refused_value(&declared);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = error_at(&errors, "exchange_rates.XYZ");
    assert!(error.message.contains("unknown currency XYZ"), "{error}");
}

#[test]
fn a_malformed_exchange_rate() {
    let declared = declaration(
        "RU",
        "2019-06-10",
        "EUR",
        json!({"EUR": "-72", "usd": "64"}),
        vec![item("0302511000", "NO", "500.00")],
    );
    let errors = refused_value(&declared);
    let eur = error_at(&errors, "exchange_rates.EUR");
    assert!(
        eur.message.contains("-72 is not greater than zero"),
        "{eur}"
    );
    let usd = error_at(&errors, "exchange_rates.usd");
    assert!(usd.message.contains("ISO 4217"), "{usd}");
}

#[test]
fn a_missing_quantity_that_a_specific_rate_needs() {
    let errors = refused_value(&ru(vec![beer(json!({"kg": "1050"}))]));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = error_at(&errors, "items[0].quantities.l");
    assert!(
        error.message.contains("missing")
            && error.message.contains("0.1 EUR/l")
            && error.message.contains("the quantity in l"),
        "{error}"
    );
}

#[test]
fn a_missing_kg_quantity_without_net_mass() {
    // 1806 31 000 0 chocolate, 0.2 EUR/kg: neither quantities.kg nor net_mass_kg.
    let errors = refused_value(&ru(vec![item("1806310000", "DE", "500.00")]));
    let error = error_at(&errors, "items[0].quantities.kg");
    assert!(error.message.contains("0.2 EUR/kg"), "{error}");
}

#[test]
fn malformed_json_is_reported_with_line_and_column() {
    // Line 3 is `  "procedure" "IM40",`: the `:` is missing before the string that starts at
    // column 15 (2 spaces, 11 characters of "procedure" with its quotes, 1 space).
    let text = "{\n  \"state\": \"RU\",\n  \"procedure\" \"IM40\",\n  \"items\": []\n}\n";
    let errors = refused(builtin(), text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = error_at(&errors, "$");
    assert!(
        error.message.contains("malformed JSON at line 3 column 15"),
        "{error}"
    );
    // A document cut short: the end of the text is line 2, column 17.
    let errors = refused(builtin(), "{\"state\": \"RU\",\n \"procedure\": \"IM");
    let error = error_at(&errors, "$");
    assert!(
        error.message.contains("malformed JSON at line 2 column 17"),
        "{error}"
    );
}

#[test]
fn a_document_that_is_not_an_object() {
    let errors = refused(builtin(), "[1, 2]");
    let error = error_at(&errors, "$");
    assert!(error.message.contains("expected a JSON object"), "{error}");
}

#[test]
fn unknown_fields_are_errors_at_their_path() {
    let goods = with(item("0302511000", "NO", "500.00"), "weight", json!("5"));
    let mut declared = with(ru(vec![goods]), "colour", json!("red"));
    declared["declarant"]["email"] = json!("a@b.c");
    declared["items"][0]["documents"] = json!([{"code": "04021", "number": "1", "page": 2}]);
    let errors = refused_value(&declared);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    for path in [
        "colour",
        "declarant.email",
        "items[0].weight",
        "items[0].documents[0].page",
    ] {
        let error = error_at(&errors, path);
        assert!(
            error.message.starts_with("unknown field; expected one of"),
            "{error}"
        );
    }
    assert!(
        error_at(&errors, "items[0].weight")
            .message
            .contains("customs_value")
    );
}

#[test]
fn missing_required_fields() {
    let declared = json!({"state": "RU"});
    let errors = refused_value(&declared);
    for path in [
        "procedure",
        "customs_office",
        "registration_date",
        "currency",
        "declarant",
        "items",
    ] {
        let error = error_at(&errors, path);
        assert!(error.message.starts_with("missing"), "{error}");
    }
    assert_eq!(errors.len(), 6, "{errors:#?}");
}

#[test]
fn an_empty_list_of_items() {
    let errors = refused_value(&ru(vec![]));
    let error = error_at(&errors, "items");
    assert_eq!(error.message, "expected at least one goods item");
}

/// A bad date or a lower-case country is reported as what it is, never as a bad commodity code
/// (the vocabulary's errors used to wrap every refusal in the commodity code's message).
#[test]
fn a_bad_date_and_a_lower_case_state_say_what_they_are() {
    let mut declared = ru(vec![item("0302511000", "no", "500.00")]);
    declared["registration_date"] = json!("2021-13-01");
    declared["state"] = json!("ru");
    let errors = refused_value(&declared);
    for error in &errors {
        assert!(!error.message.contains("commodity code"), "{error}");
    }
    assert_eq!(
        error_at(&errors, "registration_date").message,
        r#"expected a date YYYY-MM-DD: got "2021-13-01" (no such day)"#
    );
    assert_eq!(
        error_at(&errors, "state").message,
        r#"expected a member state (ISO 3166-1 alpha-2, e.g. RU): got "ru" (codes are written in capitals: RU)"#
    );
    assert_eq!(
        error_at(&errors, "items[0].origin").message,
        r#"expected a country of origin (ISO 3166-1 alpha-2): got "no" (codes are written in capitals: NO)"#
    );
}

#[test]
fn an_impossible_date_and_a_bad_procedure() {
    let mut declared = ru(vec![item("0302511000", "NO", "500.00")]);
    declared["registration_date"] = json!("2019-02-30");
    declared["procedure"] = json!("im40");
    let errors = refused_value(&declared);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let date = error_at(&errors, "registration_date");
    assert!(date.message.contains("YYYY-MM-DD"), "{date}");
    error_at(&errors, "procedure");
}

#[test]
fn a_procedure_other_than_release_for_domestic_consumption_is_refused() {
    for procedure in ["IM99", "IM53", "EX10", "TR80"] {
        let mut declared = ru(vec![item("0302511000", "NO", "500.00")]);
        declared["procedure"] = json!(procedure);
        let errors = refused_value(&declared);
        let error = error_at(&errors, "procedure");
        assert!(
            error.message.contains("IM40") && error.message.contains(procedure),
            "{error}"
        );
    }
}

#[test]
fn a_state_that_is_not_a_member() {
    let declared = declaration(
        "DE",
        "2019-06-10",
        "EUR",
        json!({"EUR": "1"}),
        vec![item("0302511000", "NO", "500.00")],
    );
    let errors = refused_value(&declared);
    assert!(
        errors
            .iter()
            .any(|e| e.path == "state" && e.message.contains("DE is not a member state")),
        "{errors:#?}"
    );
}

#[test]
fn three_independent_errors_of_reading_give_three_errors() {
    // A bad date, a heading as the code of item 1, a negative value in item 2.
    let mut declared = ru(vec![
        item("2202", "DE", "500.00"),
        item("0302511000", "NO", "-5"),
    ]);
    declared["registration_date"] = json!("2019-13-01");
    let errors = refused_value(&declared);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    error_at(&errors, "registration_date");
    error_at(&errors, "items[0].code");
    error_at(&errors, "items[1].customs_value");
}

#[test]
fn three_independent_errors_of_assessment_give_three_errors() {
    // A missing quantity (item 1), a code the edition does not have (item 2), a deleted code
    // (item 3): each found only against the tariff, all reported together.
    let declared = ru(vec![
        beer(json!({})),
        item("2202999999", "DE", "500.00"),
        item("2007995002", "DE", "500.00"),
    ]);
    let errors = refused_value(&declared);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    error_at(&errors, "items[0].quantities.l");
    error_at(&errors, "items[1].code");
    error_at(&errors, "items[2].code");
}

#[test]
fn an_unknown_origin_and_errors_of_other_items_are_reported_together_by_the_library() {
    // parse_declaration + assess: the unknown origin is found on assessment, with the others.
    let declared = ru(vec![
        item("0302511000", "XX", "500.00"),
        beer(json!({})),
        item("2202999999", "DE", "500.00"),
    ]);
    let errors = refused_by_library(builtin(), &declared.to_string());
    assert_eq!(errors.len(), 3, "{errors:#?}");
    error_at(&errors, "items[0].origin");
    error_at(&errors, "items[1].quantities.l");
    error_at(&errors, "items[2].code");
}

#[test]
fn an_unknown_origin_and_errors_of_other_items_are_reported_together_by_the_cli_reader() {
    let declared = ru(vec![
        item("0302511000", "XX", "500.00"),
        beer(json!({})),
        item("2202999999", "DE", "500.00"),
    ]);
    let errors = refused_value(&declared);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    error_at(&errors, "items[0].origin");
    error_at(&errors, "items[1].quantities.l");
    error_at(&errors, "items[2].code");
}

#[test]
fn the_validation_example_of_docs_declaration_md() {
    // docs/declaration.md, "Validation": a heading as a code (item 1), a negative value (item 2)
    // and a beer without its litres (item 3) → three problems, reported together.
    let declared = ru(vec![
        item("2202", "DE", "500.00"),
        item("2202910000", "DE", "-5"),
        item("2202910000", "DE", "500.00"),
    ]);
    let errors = refused_value(&declared);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    error_at(&errors, "items[0].code");
    error_at(&errors, "items[1].customs_value");
    error_at(&errors, "items[2].quantities.l");
}

#[test]
fn an_enormous_customs_value_is_refused_not_a_panic() {
    // 79,228,162,514,264,337,593,543,950,335 EUR (Decimal::MAX) × 72.0000 overflows.
    let declared = ru(vec![item(
        "0302511000",
        "NO",
        "79228162514264337593543950335",
    )]);
    let result = std::panic::catch_unwind(|| refused_value(&declared));
    let errors = result.expect("the engine must not panic");
    assert!(!errors.is_empty());
}

#[test]
fn errors_display_with_their_paths() {
    let errors = tamga_assess::parse_declaration(&ru(vec![item("2202", "DE", "-5")]).to_string())
        .expect_err("refused");
    let text = errors.to_string();
    assert!(
        text.starts_with("the declaration has 2 problem(s):"),
        "{text}"
    );
    assert!(text.contains("\n  items[0].code: "), "{text}");
    assert!(text.contains("\n  items[0].customs_value: "), "{text}");
}
