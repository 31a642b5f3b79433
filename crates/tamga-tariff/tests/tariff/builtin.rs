//! The real built-in bundle (`data/`, embedded by `tamga-data`): what a broker looks up.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use tamga_core::{Date, Validity};
use tamga_tariff::rate::{RateExpr, RateKind, split_note_refs};
use tamga_tariff::snapshot::{LineKind, MeasureKind};
use tamga_tariff::{EmbeddedSource, Layer, LayerStatus, LookupError, LookupQuery, TariffSnapshot};

use crate::{country, date, dec, layer, query, status};

/// The built-in bundle, loaded once per test binary.
pub(crate) fn builtin() -> &'static TariffSnapshot {
    static SNAPSHOT: OnceLock<TariffSnapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        tamga_tariff::load(&EmbeddedSource {
            name: "built-in bundle",
            files: tamga_data::FILES,
        })
        .unwrap_or_else(|errors| panic!("the built-in bundle must load: {errors}"))
    })
}

/// A file of the embedded bundle, parsed as CSV rows keyed by column name.
pub(crate) fn embedded_csv(path: &str) -> Vec<HashMap<String, String>> {
    let (_, bytes) = tamga_data::FILES
        .iter()
        .find(|(name, _)| *name == path)
        .unwrap_or_else(|| panic!("{path} is not embedded"));
    let mut reader = csv::Reader::from_reader(*bytes);
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            header
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn rate(text: &str) -> RateExpr {
    RateExpr::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn lookup_rate(q: &LookupQuery) -> String {
    let found = builtin()
        .lookup(q)
        .unwrap_or_else(|e| panic!("{} on {}: {e}", q.code, q.date));
    found.import_duty.rate.to_string()
}

fn next_day(day: Date) -> Date {
    day.next_day().unwrap()
}

// --- The bundle and its editions ---------------------------------------------------------------

#[test]
fn builtin_bundle_loads_without_issues() {
    // Loaded separately from the shared snapshot, so that a failure lists every issue.
    let result = tamga_tariff::load(&EmbeddedSource {
        name: "built-in bundle",
        files: tamga_data::FILES,
    });
    match result {
        Ok(snapshot) => assert_eq!(snapshot.bundle, "built-in bundle"),
        Err(errors) => panic!("{} issue(s):\n{errors}", errors.issues.len()),
    }
}

#[test]
fn edition_2017_has_12176_declarable_codes_each_with_a_base_rate() {
    let snapshot = builtin();
    let edition = snapshot.edition("ett2017").expect("edition ett2017");
    assert!(edition.rates_known);
    assert_eq!(
        edition.validity,
        Validity::new(date("2017-01-22"), Some(date("2021-12-31")))
    );
    let declarable: Vec<_> = edition
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Code10)
        .map(|l| l.code.expect("a code10 line has a code"))
        .collect();
    assert_eq!(declarable.len(), 12_176);
    assert_eq!(
        declarable.iter().collect::<HashSet<_>>().len(),
        12_176,
        "a code appears twice"
    );

    let based: HashSet<_> = snapshot
        .measures
        .iter()
        .filter(|m| m.kind == MeasureKind::Base && m.validity == edition.validity)
        .map(|m| m.code)
        .collect();
    let missing: Vec<_> = declarable.iter().filter(|c| !based.contains(c)).collect();
    assert!(missing.is_empty(), "codes without a base rate: {missing:?}");

    // And the lookup finds that base rate for every one of them.
    for c in &declarable {
        let q = LookupQuery {
            code: *c,
            ..query("2202910000", "2017-06-01")
        };
        let found = snapshot.lookup(&q).unwrap_or_else(|e| panic!("{c}: {e}"));
        let base = layer(&found.layers, Layer::Base);
        assert_ne!(base.status, LayerStatus::NotApplicable, "{c}");
        assert_eq!(
            base.attached_at,
            Some(*c),
            "{c}: base rate attached elsewhere"
        );
    }
}

#[test]
fn non_alcoholic_beer_is_a_specific_rate_per_litre() {
    let found = builtin()
        .lookup(&query("2202910000", "2018-06-01"))
        .unwrap();
    assert_eq!(found.import_duty.rate.to_string(), "0.1 EUR/l");
    assert_eq!(found.import_duty.rate.kind(), RateKind::Specific);
    assert_eq!(found.import_duty.layer, Layer::Base);
    assert!(
        found
            .import_duty
            .legal_basis
            .contains("Решение Совета ЕЭК от 16.07.2012 № 54"),
        "{}",
        found.import_duty.legal_basis
    );
    assert_eq!(found.edition.id, "ett2017");
    assert_eq!(found.line.text_ru, "безалкогольное пиво");
    assert_eq!(
        found.line.supplementary_unit.as_ref().map(|u| u.as_str()),
        Some("l")
    );
    assert_eq!(
        status(&found.layers, Layer::Temporary),
        LayerStatus::NotApplicable
    );
    assert!(found.trade_remedies.is_empty());
    assert!(found.quota.is_none());
}

#[test]
fn mineral_water_is_ad_valorem_but_not_less_than_a_specific_amount() {
    let found = builtin()
        .lookup(&query("2201101100", "2018-06-01"))
        .unwrap();
    assert_eq!(found.import_duty.rate.to_string(), "15% min 0.07 EUR/l");
    assert_eq!(found.import_duty.rate.kind(), RateKind::CombinedMin);
    assert_eq!(
        found.import_duty.rate.to_official_ru(),
        "15, но не менее 0,07 евро за 1 л"
    );
}

#[test]
fn a_plus_rate_charges_both_parts() {
    // The rates file marks "X плюс Y" rows as compound_sum; toilet soap is one of them.
    let rows = embedded_csv("eaeu/ett2017_import_duty_rates.csv");
    let soap = rows
        .iter()
        .find(|r| r["code"] == "3401110001")
        .expect("3401110001 in the rates file");
    assert_eq!(soap["rate_type"], "compound_sum");

    let found = builtin()
        .lookup(&query("3401110001", "2018-06-01"))
        .unwrap();
    assert_eq!(found.import_duty.rate.kind(), RateKind::Sum);
    assert_eq!(found.import_duty.rate.to_string(), "4.5% + 0.02 EUR/kg");

    // Every compound_sum row of the file is a Sum rate in the lookup.
    let sums: Vec<_> = rows
        .iter()
        .filter(|r| r["rate_type"] == "compound_sum")
        .collect();
    assert_eq!(sums.len(), 14);
    for row in sums {
        let q = query(&row["code"], "2018-06-01");
        let found = builtin().lookup(&q).unwrap();
        assert_eq!(
            found.import_duty.rate.kind(),
            RateKind::Sum,
            "{}",
            row["code"]
        );
    }
}

#[test]
fn cars_are_charged_per_cubic_centimetre_of_engine() {
    let found = builtin()
        .lookup(&query("8703219093", "2018-06-01"))
        .unwrap();
    assert_eq!(found.import_duty.rate.to_string(), "1.4 EUR/cm3_engine");
    assert_eq!(
        found.import_duty.rate.specific_units().map(|u| u.as_str()),
        Some("cm3_engine")
    );
    assert_eq!(
        lookup_rate(&query("8703211099", "2018-06-01")),
        "23% min 0.67 EUR/cm3_engine"
    );
}

#[test]
fn cane_sugar_is_in_usd_per_1000_kg() {
    let found = builtin()
        .lookup(&query("1701149031", "2018-06-01"))
        .unwrap();
    assert_eq!(found.import_duty.rate.to_string(), "250 USD/1000kg");
    let specific = found.import_duty.rate.specific().unwrap();
    assert_eq!(specific.currency.as_str(), "USD");
    assert_eq!(specific.per_quantity, dec("1000"));
    assert_eq!(specific.unit.as_str(), "kg");
    assert_eq!(specific.amount, dec("250"));
}

// --- Edges of the editions ---------------------------------------------------------------------

#[test]
fn the_day_before_the_2017_edition_has_no_tariff() {
    let err = builtin()
        .lookup(&query("2202910000", "2017-01-21"))
        .unwrap_err();
    assert!(
        matches!(err, LookupError::NoTariffInForce { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("no tariff in force for 2202910000 on 2017-01-21"),
        "{message}"
    );
    // The message says which periods the bundle does cover.
    assert!(message.contains("2017-01-22 .. 2021-12-31"), "{message}");
}

#[test]
fn first_and_last_day_of_the_2017_edition_have_rates() {
    for day in ["2017-01-22", "2021-12-31"] {
        assert_eq!(lookup_rate(&query("2202910000", day)), "0.1 EUR/l", "{day}");
    }
}

#[test]
fn long_before_the_data_there_is_no_tariff() {
    let err = builtin()
        .lookup(&query("2202910000", "2005-01-01"))
        .unwrap_err();
    assert!(
        matches!(err, LookupError::NoTariffInForce { .. }),
        "{err:?}"
    );
}

// --- Temporary rates (notes <NС>) --------------------------------------------------------------

#[test]
fn cabbage_pays_the_temporary_rate_of_note_3c_until_its_last_day() {
    // 0704 20 000 0 (Brussels sprouts): base 13, note <3С>: 5 from 2017-01-01 to 2019-05-31.
    let rates = embedded_csv("eaeu/ett2017_import_duty_rates.csv");
    let row = rates.iter().find(|r| r["code"] == "0704200000").unwrap();
    assert_eq!(row["tariff_note_refs"], "3С");
    let notes = embedded_csv("eaeu/ett2017_tariff_notes.csv");
    let note = notes.iter().find(|n| n["note_id"] == "3С").unwrap();
    assert_eq!(
        (
            note["temp_rate_text"].as_str(),
            note["valid_from"].as_str(),
            note["valid_to"].as_str()
        ),
        ("5", "2017-01-01", "2019-05-31")
    );

    // The note starts before the edition: it applies from the edition's first day.
    for day in ["2017-01-22", "2018-06-01", "2019-05-31"] {
        let found = builtin().lookup(&query("0704200000", day)).unwrap();
        assert_eq!(found.import_duty.layer, Layer::Temporary, "{day}");
        assert_eq!(found.import_duty.rate.to_string(), "5%", "{day}");
        assert_eq!(
            found.import_duty.validity,
            Validity::new(date("2017-01-22"), Some(date("2019-05-31")))
        );
        assert!(found.import_duty.legal_basis.contains("<3С>"), "{day}");
        assert_eq!(
            status(&found.layers, Layer::Base),
            LayerStatus::Superseded,
            "{day}"
        );
        assert_eq!(
            layer(&found.layers, Layer::Base)
                .rate
                .as_deref()
                .map(ToString::to_string),
            Some("13%".to_owned())
        );
        assert_eq!(
            status(&found.layers, Layer::Temporary),
            LayerStatus::Applied
        );
    }

    // The day after the note ends, the base rate is back.
    let found = builtin()
        .lookup(&query("0704200000", "2019-06-01"))
        .unwrap();
    assert_eq!(found.import_duty.layer, Layer::Base);
    assert_eq!(found.import_duty.rate.to_string(), "13%");
    assert_eq!(status(&found.layers, Layer::Base), LayerStatus::Applied);
    assert_eq!(
        status(&found.layers, Layer::Temporary),
        LayerStatus::NotApplicable
    );
}

/// Every note reference of the rates file, checked at the edges of the note's period.
#[test]
fn every_temporary_rate_applies_exactly_within_its_note_period() {
    let snapshot = builtin();
    let edition = snapshot.edition("ett2017").unwrap();
    let notes: HashMap<String, HashMap<String, String>> =
        embedded_csv("eaeu/ett2017_tariff_notes.csv")
            .into_iter()
            .map(|n| (n["note_id"].clone(), n))
            .collect();
    let mut checked = 0;
    for row in embedded_csv("eaeu/ett2017_import_duty_rates.csv") {
        if row["tariff_note_refs"].is_empty() {
            continue;
        }
        let note_id = &row["tariff_note_refs"];
        let note = &notes[note_id];
        let (base_text, _) = split_note_refs(&row["rate_raw"]);
        let base = rate(base_text);
        let temp = rate(&note["temp_rate_text"]);
        // An empty start is "from the deciding act", taken as the edition start.
        let start = match note["valid_from"].as_str() {
            "" => edition.validity.from,
            text => date(text).max(edition.validity.from),
        };
        let end = date(&note["valid_to"]);
        let c = &row["code"];
        for day in [start, end] {
            let found = snapshot
                .lookup(&LookupQuery {
                    date: day,
                    ..query(c, "2018-01-01")
                })
                .unwrap_or_else(|e| panic!("{c} on {day}: {e}"));
            assert_eq!(
                found.import_duty.layer,
                Layer::Temporary,
                "{c} <{note_id}> on {day}"
            );
            assert_eq!(*found.import_duty.rate, temp, "{c} <{note_id}> on {day}");
            assert_eq!(
                status(&found.layers, Layer::Base),
                LayerStatus::Superseded,
                "{c} on {day}"
            );
        }
        if edition.validity.contains(next_day(end)) {
            let day = next_day(end);
            let found = snapshot
                .lookup(&LookupQuery {
                    date: day,
                    ..query(c, "2018-01-01")
                })
                .unwrap_or_else(|e| panic!("{c} on {day}: {e}"));
            assert_eq!(
                found.import_duty.layer,
                Layer::Base,
                "{c} <{note_id}> on {day}"
            );
            assert_eq!(*found.import_duty.rate, base, "{c} <{note_id}> on {day}");
        }
        checked += 1;
    }
    assert_eq!(checked, 112, "the source has 112 note references");
}

// --- Origin and member state -------------------------------------------------------------------

/// Live fish 0301 91 100 0: 10 %, no temporary rate.
const TEN_PERCENT: &str = "0301911000";

#[test]
fn least_developed_origin_pays_nothing() {
    let snapshot = builtin();
    assert!(
        snapshot
            .groups_of(country("AF"), date("2018-06-01"))
            .any(|g| g.group == "least_developed")
    );
    for (c, base) in [
        (TEN_PERCENT, "10%"),
        ("2201101100", "15% min 0.07 EUR/l"),
        ("2202910000", "0.1 EUR/l"),
    ] {
        let found = snapshot
            .lookup(&LookupQuery {
                origin: Some(country("AF")),
                ..query(c, "2018-06-01")
            })
            .unwrap();
        assert_eq!(found.import_duty.layer, Layer::Preference, "{c}");
        assert_eq!(*found.import_duty.rate, rate(base).scaled(dec("0")), "{c}");
        // The preference scales the base rate: both shape the duty.
        assert_eq!(
            status(&found.layers, Layer::Base),
            LayerStatus::Applied,
            "{c}"
        );
        assert_eq!(
            status(&found.layers, Layer::Preference),
            LayerStatus::Applied,
            "{c}"
        );
    }
    let found = snapshot
        .lookup(&LookupQuery {
            origin: Some(country("AF")),
            ..query(TEN_PERCENT, "2018-06-01")
        })
        .unwrap();
    assert_eq!(found.import_duty.rate.to_string(), "0%");
    assert!(
        found.import_duty.legal_basis.contains("least_developed"),
        "{}",
        found.import_duty.legal_basis
    );
}

#[test]
fn developing_origin_pays_three_quarters_until_2021_10_11() {
    let jordan = |c: &str, day: &str| {
        builtin()
            .lookup(&LookupQuery {
                origin: Some(country("JO")),
                ..query(c, day)
            })
            .unwrap()
    };
    let found = jordan(TEN_PERCENT, "2018-06-01");
    assert_eq!(found.import_duty.layer, Layer::Preference);
    assert_eq!(found.import_duty.rate.to_string(), "7.5%");
    assert_eq!(
        jordan("2201101100", "2021-10-11")
            .import_duty
            .rate
            .to_string(),
        "11.25% min 0.0525 EUR/l"
    );
    assert_eq!(
        jordan("2202910000", "2021-10-11")
            .import_duty
            .rate
            .to_string(),
        "0.075 EUR/l"
    );

    // From 2021-10-12 Jordan is off the (shortened) developing list in the data.
    let found = jordan(TEN_PERCENT, "2021-10-12");
    assert_eq!(found.import_duty.layer, Layer::Base);
    assert_eq!(found.import_duty.rate.to_string(), "10%");
    assert_eq!(
        status(&found.layers, Layer::Preference),
        LayerStatus::NotApplicable
    );
}

#[test]
fn origin_without_preference_pays_the_base_rate() {
    let found = builtin()
        .lookup(&LookupQuery {
            origin: Some(country("DE")),
            ..query(TEN_PERCENT, "2018-06-01")
        })
        .unwrap();
    assert_eq!(found.import_duty.layer, Layer::Base);
    assert_eq!(found.import_duty.rate.to_string(), "10%");
    assert_eq!(
        status(&found.layers, Layer::Preference),
        LayerStatus::NotApplicable
    );
    assert!(found.trade_remedies.is_empty());
}

#[test]
fn unknown_origin_is_refused() {
    let err = builtin()
        .lookup(&LookupQuery {
            origin: Some(country("XX")),
            ..query(TEN_PERCENT, "2018-06-01")
        })
        .unwrap_err();
    assert_eq!(err, LookupError::UnknownOrigin(country("XX")));
}

#[test]
fn a_state_outside_the_union_is_refused() {
    let err = builtin()
        .lookup(&LookupQuery {
            state: Some(country("DE")),
            ..query(TEN_PERCENT, "2018-06-01")
        })
        .unwrap_err();
    assert!(
        matches!(err, LookupError::NotMemberState { ref state, .. } if state.as_str() == "DE"),
        "{err:?}"
    );
    // Every member state is accepted.
    for state in ["AM", "BY", "KZ", "KG", "RU"] {
        let found = builtin()
            .lookup(&LookupQuery {
                state: Some(country(state)),
                ..query(TEN_PERCENT, "2018-06-01")
            })
            .unwrap_or_else(|e| panic!("{state}: {e}"));
        assert_eq!(found.import_duty.rate.to_string(), "10%");
    }
}

#[test]
fn armenia_is_a_member_from_2015_01_02() {
    let snapshot = builtin();
    assert!(
        snapshot
            .member_state_on(country("AM"), date("2015-01-01"))
            .is_none()
    );
    let armenia = snapshot
        .member_state_on(country("AM"), date("2015-01-02"))
        .expect("Armenia on 2015-01-02");
    assert_eq!(armenia.customs_office_code_length, 2);
    assert!(
        snapshot
            .member_state_on(country("KG"), date("2015-08-11"))
            .is_none()
    );
    assert!(
        snapshot
            .member_state_on(country("KG"), date("2015-08-12"))
            .is_some()
    );
}

// --- Codes that are not declarable --------------------------------------------------------------

#[test]
fn a_heading_is_not_declarable() {
    let err = builtin().lookup(&query("2202", "2018-06-01")).unwrap_err();
    assert!(
        matches!(err, LookupError::NotDeclarable { ref kind, .. } if kind == "heading"),
        "{err:?}"
    );
    let err = builtin()
        .lookup(&query("220299", "2018-06-01"))
        .unwrap_err();
    assert!(matches!(err, LookupError::NotDeclarable { .. }), "{err:?}");
}

#[test]
fn a_code_not_in_the_tariff_is_unknown() {
    let err = builtin()
        .lookup(&query("9999999999", "2018-06-01"))
        .unwrap_err();
    assert!(
        matches!(err, LookupError::UnknownCode { ref edition, .. } if edition == "ett2017"),
        "{err:?}"
    );
}

#[test]
fn a_deleted_code_is_reported_as_excluded() {
    let err = builtin()
        .lookup(&query("2007995002", "2018-06-01"))
        .unwrap_err();
    assert!(matches!(err, LookupError::Excluded { .. }), "{err:?}");
}

// --- Reference tables --------------------------------------------------------------------------

fn shares(day: &str) -> Vec<(String, tamga_core::Decimal)> {
    let set = builtin()
        .normatives_on(date(day))
        .unwrap_or_else(|| panic!("no normatives on {day}"));
    let mut shares: Vec<_> = set
        .shares
        .iter()
        .map(|(c, p)| (c.to_string(), *p))
        .collect();
    shares.sort();
    shares
}

#[test]
fn normatives_of_2020_and_2010() {
    let expected_2020 = [
        ("AM", "1.220"),
        ("BY", "4.860"),
        ("KG", "1.900"),
        ("KZ", "6.955"),
        ("RU", "85.065"),
    ];
    let expected_2010 = [("BY", "4.70"), ("KZ", "7.33"), ("RU", "87.97")];
    for (day, expected) in [
        ("2020-05-01", &expected_2020[..]),
        ("2010-10-01", &expected_2010[..]),
    ] {
        let got = shares(day);
        let want: Vec<_> = expected
            .iter()
            .map(|(c, p)| ((*c).to_owned(), dec(p)))
            .collect();
        assert_eq!(got, want, "{day}");
        let total: tamga_core::Decimal = got.iter().map(|(_, p)| *p).sum();
        assert_eq!(total, dec("100"), "{day}");
    }
    // Duty collected before pooling began has no normatives.
    assert!(builtin().normatives_on(date("2010-08-31")).is_none());
}

#[test]
fn russian_vat_went_from_18_to_20_on_2019_01_01() {
    let snapshot = builtin();
    let vat = |day: &str| {
        snapshot
            .vat_rate_on(country("RU"), "standard", date(day))
            .unwrap_or_else(|| panic!("RU VAT on {day}"))
            .percent
    };
    assert_eq!(vat("2018-12-31"), dec("18"));
    assert_eq!(vat("2019-01-01"), dec("20"));
}

#[test]
fn russian_customs_fee_for_a_declaration_of_2021() {
    let bands = builtin().customs_fee_schedule_on(country("RU"), date("2021-03-15"));
    assert!(!bands.is_empty());
    assert!(bands.iter().all(|b| b.schedule == bands[0].schedule));
    let band = bands
        .iter()
        .find(|b| b.value_over == dec("450000") && b.value_up_to == Some(dec("1200000")))
        .expect("the band (450000, 1200000]");
    assert_eq!(band.amount, dec("3100"));
    assert_eq!(band.currency.as_str(), "RUB");

    // The lower bound is exclusive, the upper inclusive.
    let fee = |value: &str| {
        let value = dec(value);
        bands
            .iter()
            .find(|b| value > b.value_over && b.value_up_to.is_none_or(|up| value <= up))
            .map(|b| b.amount)
            .unwrap()
    };
    assert_eq!(fee("450000"), dec("1550"));
    assert_eq!(fee("450000.01"), dec("3100"));
    assert_eq!(fee("1200000"), dec("3100"));
    assert_eq!(fee("1200000.01"), dec("8530"));
}

#[test]
fn belarus_redenominated_on_2016_07_01() {
    let snapshot = builtin();
    let before = snapshot
        .state_currency_on(country("BY"), date("2016-06-30"))
        .unwrap();
    assert_eq!(before.currency.as_str(), "BYR");
    let after = snapshot
        .state_currency_on(country("BY"), date("2016-07-01"))
        .unwrap();
    assert_eq!(after.currency.as_str(), "BYN");
    assert_eq!(after.redenomination_factor, Some(dec("10000")));
}

// --- Descriptions ------------------------------------------------------------------------------

#[test]
fn description_of_non_alcoholic_beer_keeps_the_uncoded_dash_line() {
    let snapshot = builtin();
    let found = snapshot.lookup(&query("2202910000", "2018-06-01")).unwrap();
    let path = snapshot.description_path(found.edition, found.line_index);
    let kinds: Vec<_> = path.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, ["chapter", "heading", "intermediate", "code10"]);
    let codes: Vec<_> = path.iter().map(|s| s.code.map(|c| c.to_string())).collect();
    assert_eq!(
        codes,
        [
            Some("22".to_owned()),
            Some("2202".to_owned()),
            None,
            Some("2202910000".to_owned())
        ]
    );
    assert!(
        path[1].text_ru.starts_with("Воды, включая минеральные"),
        "{}",
        path[1].text_ru
    );
    // The dash line "прочие:" is printed without its colon.
    assert_eq!(path[2].text_ru, "прочие");
    assert_eq!(path[3].text_ru, "безалкогольное пиво");
}

#[test]
fn the_developing_preference_is_reported_valid_only_while_the_origin_is_developing() {
    // Jordan is developing until 2021-10-11 in the data; the 7.5 % cannot be valid after that.
    let found = builtin()
        .lookup(&LookupQuery {
            origin: Some(country("JO")),
            ..query(TEN_PERCENT, "2018-06-01")
        })
        .unwrap();
    assert_eq!(found.import_duty.rate.to_string(), "7.5%");
    assert_eq!(
        found.import_duty.validity,
        Validity::new(date("2017-01-22"), Some(date("2021-10-11")))
    );
    assert_eq!(
        layer(&found.layers, Layer::Preference).validity,
        Some(found.import_duty.validity)
    );
}

#[test]
fn transfers_go_in_the_currency_of_their_period_and_pair() {
    let snapshot = builtin();
    let on = |sender: &str, receiver: &str, date: &str| {
        snapshot
            .transfer_currency_on(
                tamga_core::CountryCode::parse(sender).unwrap(),
                tamga_core::CountryCode::parse(receiver).unwrap(),
                tamga_core::parse_date(date).unwrap(),
            )
            .map(|(c, _)| c.to_string())
    };
    // 2010–2014: the currency of the sending party.
    assert_eq!(on("RU", "KZ", "2012-05-02").as_deref(), Some("RUB"));
    assert_eq!(on("KZ", "RU", "2012-05-02").as_deref(), Some("KZT"));
    // From 2015: US dollars; from 2022 Russian rubles between Russia and Belarus only.
    assert_eq!(on("RU", "BY", "2016-03-01").as_deref(), Some("USD"));
    assert_eq!(on("RU", "BY", "2022-03-01").as_deref(), Some("RUB"));
    assert_eq!(on("BY", "RU", "2022-03-01").as_deref(), Some("RUB"));
    assert_eq!(on("BY", "KZ", "2022-03-01").as_deref(), Some("USD"));
    assert_eq!(
        on("RU", "KZ", "2009-05-02"),
        None,
        "before the pooling began"
    );
}
