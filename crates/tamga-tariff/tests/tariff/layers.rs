//! The layers of the duty lookup, on the mini bundle (`tests/bundles/mini`): measures attached
//! above the declarable code, exemptions by state, trade remedies and preferences by origin,
//! tariff quotas, temporary rates, and the edges of every period.

use tamga_tariff::snapshot::MeasureKind;
use tamga_tariff::{DutyLookup, Layer, LayerStatus, LookupError, LookupQuery, TariffSnapshot};

use crate::{code, country, layer, load_mini, query, status};

fn look<'s>(snapshot: &'s TariffSnapshot, q: &LookupQuery) -> DutyLookup<'s> {
    snapshot
        .lookup(q)
        .unwrap_or_else(|e| panic!("{} on {}: {e}", q.code, q.date))
}

fn rate_of(snapshot: &TariffSnapshot, q: &LookupQuery) -> String {
    look(snapshot, q).import_duty.rate.to_string()
}

fn from(origin: &str, q: LookupQuery) -> LookupQuery {
    LookupQuery {
        origin: Some(country(origin)),
        ..q
    }
}

fn in_state(state: &str, q: LookupQuery) -> LookupQuery {
    LookupQuery {
        state: Some(country(state)),
        ..q
    }
}

#[test]
fn mini_bundle_loads() {
    let snapshot = load_mini();
    let ids: Vec<_> = snapshot.editions.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["mini2020", "mini2021"]);
    assert!(snapshot.editions[0].rates_known);
    assert!(!snapshot.editions[1].rates_known);
    assert_eq!(snapshot.quotas.len(), 1);
    // 4 base rates of the rates file, 1 temporary, 7 rows of measures.csv.
    assert_eq!(snapshot.measures.len(), 12);
}

#[test]
fn rates_file_rates_and_the_edition_legal_basis() {
    let snapshot = load_mini();
    let found = look(&snapshot, &query("2202100000", "2020-01-15"));
    assert_eq!(found.import_duty.rate.to_string(), "8% min 0.02 EUR/l");
    assert_eq!(found.import_duty.layer, Layer::Base);
    assert_eq!(
        &*found.import_duty.legal_basis,
        "Test decision No. 1 of 2019-12-01"
    );
    assert_eq!(
        rate_of(&snapshot, &query("2202910000", "2020-01-15")),
        "0.1 EUR/l"
    );
    assert_eq!(
        rate_of(&snapshot, &query("2202991900", "2020-01-15")),
        "12%"
    );
}

#[test]
fn later_edition_without_rates_gives_rates_unknown() {
    let snapshot = load_mini();
    let err = snapshot
        .lookup(&query("2202910000", "2021-01-01"))
        .unwrap_err();
    assert!(
        matches!(err, LookupError::RatesUnknown { ref edition, .. } if edition == "mini2021"),
        "{err:?}"
    );
    // A code of 2020 only is unknown in 2021, and the message says where it is.
    let err = snapshot
        .lookup(&query("7306301100", "2021-01-01"))
        .unwrap_err();
    match err {
        LookupError::UnknownCode { hint, .. } => assert!(hint.contains("mini2020"), "{hint}"),
        other => panic!("expected UnknownCode, got {other:?}"),
    }
    let err = snapshot
        .lookup(&query("2202910000", "2019-12-31"))
        .unwrap_err();
    assert!(
        matches!(err, LookupError::NoTariffInForce { .. }),
        "{err:?}"
    );
}

// --- Measures attached above the code ------------------------------------------------------------

#[test]
fn heading_level_rate_is_inherited_by_every_code_under_it() {
    let snapshot = load_mini();
    // Before 2020-04-01 only the heading-level rate (and the 10-digit one) are in force.
    for c in ["7306301100", "7306307700", "7306402000"] {
        let found = look(&snapshot, &query(c, "2020-03-31"));
        assert_eq!(found.import_duty.rate.to_string(), "5%", "{c}");
        assert_eq!(found.import_duty.layer, Layer::Base, "{c}");
        let base = layer(&found.layers, Layer::Base);
        assert_eq!(base.attached_at, Some(code("7306")), "{c}");
        assert!(
            found.import_duty.legal_basis.contains("whole heading 7306"),
            "{c}: {}",
            found.import_duty.legal_basis
        );
    }
}

#[test]
fn more_specific_measure_wins_over_the_heading() {
    let snapshot = load_mini();
    // 10 digits beat 4 digits all year.
    for day in ["2020-01-01", "2020-03-31", "2020-04-01", "2020-12-31"] {
        let found = look(&snapshot, &query("7306408000", day));
        assert_eq!(
            found.import_duty.rate.to_string(),
            "9% + 0.02 EUR/kg",
            "{day}"
        );
        assert_eq!(
            layer(&found.layers, Layer::Base).attached_at,
            Some(code("7306408000"))
        );
    }
    // 6 digits beat 4 digits, but only while in force (from 2020-04-01).
    let found = look(&snapshot, &query("7306402000", "2020-04-01"));
    assert_eq!(found.import_duty.rate.to_string(), "7%");
    assert_eq!(
        layer(&found.layers, Layer::Base).attached_at,
        Some(code("730640"))
    );
    assert_eq!(rate_of(&snapshot, &query("7306402000", "2020-03-31")), "5%");
    // The sibling subheading 7306 30 keeps the heading rate.
    assert_eq!(rate_of(&snapshot, &query("7306307700", "2020-06-01")), "5%");
}

// --- Exemptions by member state ----------------------------------------------------------------

#[test]
fn kazakhstan_exemption_applies_in_kazakhstan_only() {
    let snapshot = load_mini();
    let q = query("2202991900", "2020-06-01");

    let found = look(&snapshot, &in_state("KZ", q));
    assert_eq!(found.import_duty.layer, Layer::Exemption);
    assert_eq!(found.import_duty.rate.to_string(), "5%");
    assert!(found.import_duty.legal_basis.contains("Kazakhstan"));
    assert_eq!(
        status(&found.layers, Layer::Exemption),
        LayerStatus::Applied
    );
    assert_eq!(status(&found.layers, Layer::Base), LayerStatus::Superseded);

    for other in ["RU", "BY", "AM", "KG"] {
        let found = look(&snapshot, &in_state(other, q));
        assert_eq!(found.import_duty.layer, Layer::Base, "{other}");
        assert_eq!(found.import_duty.rate.to_string(), "12%", "{other}");
        assert_eq!(
            status(&found.layers, Layer::Exemption),
            LayerStatus::NotApplicable
        );
    }

    let found = look(&snapshot, &q);
    assert_eq!(found.import_duty.rate.to_string(), "12%");
    let exemption = layer(&found.layers, Layer::Exemption);
    assert_eq!(exemption.status, LayerStatus::NotApplicable);
    assert!(
        exemption.reason.contains("no member state given"),
        "{}",
        exemption.reason
    );
}

#[test]
fn exemption_replaces_a_preference_and_supersedes_every_earlier_layer() {
    let snapshot = load_mini();
    let found = look(
        &snapshot,
        &from("JO", in_state("KZ", query("2202991900", "2020-06-01"))),
    );
    assert_eq!(found.import_duty.layer, Layer::Exemption);
    assert_eq!(found.import_duty.rate.to_string(), "5%");
    assert_eq!(status(&found.layers, Layer::Base), LayerStatus::Superseded);
    assert_eq!(
        status(&found.layers, Layer::Preference),
        LayerStatus::Superseded
    );
    let applied: Vec<_> = found
        .layers
        .iter()
        .filter(|l| l.status == LayerStatus::Applied)
        .map(|l| l.layer)
        .collect();
    assert_eq!(applied, [Layer::Exemption]);
}

// --- Trade remedies by origin ------------------------------------------------------------------

#[test]
fn anti_dumping_duty_for_chinese_origin_only() {
    let snapshot = load_mini();
    let q = query("7306301100", "2020-06-01");

    let found = look(&snapshot, &from("CN", q));
    let antidumping: Vec<_> = found
        .trade_remedies
        .iter()
        .filter(|m| m.kind == MeasureKind::Antidumping)
        .collect();
    assert_eq!(antidumping.len(), 1);
    assert_eq!(antidumping[0].kind.payment_code(), "2050");
    assert_eq!(antidumping[0].rate.to_string(), "18.6%");
    assert_eq!(antidumping[0].origin, Some(country("CN")));
    assert_eq!(
        status(&found.layers, Layer::Antidumping),
        LayerStatus::Applied
    );
    // The remedy is charged on top: the import duty stays the base rate.
    assert_eq!(found.import_duty.layer, Layer::Base);
    assert_eq!(found.import_duty.rate.to_string(), "5%");

    for other in ["DE", "US", "AF"] {
        let found = look(&snapshot, &from(other, q));
        assert!(
            found.trade_remedies.is_empty(),
            "{other}: {:?}",
            found.trade_remedies
        );
        assert_eq!(
            status(&found.layers, Layer::Antidumping),
            LayerStatus::NotApplicable
        );
    }
    let found = look(&snapshot, &q);
    assert!(found.trade_remedies.is_empty());
    let antidumping = layer(&found.layers, Layer::Antidumping);
    assert!(
        antidumping.reason.contains("no origin given"),
        "{}",
        antidumping.reason
    );
}

#[test]
fn countervailing_and_safeguard_duties_are_inherited_and_reported_with_their_codes() {
    let snapshot = load_mini();
    let found = look(&snapshot, &from("CN", query("7306301100", "2020-06-01")));
    let mut codes: Vec<_> = found
        .trade_remedies
        .iter()
        .map(|m| {
            (
                m.kind.payment_code(),
                m.code.to_string(),
                m.rate.to_string(),
            )
        })
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            ("2040", "7306".to_owned(), "0.05 EUR/kg".to_owned()),
            ("2050", "7306301100".to_owned(), "18.6%".to_owned()),
            ("2060", "730630".to_owned(), "10%".to_owned()),
        ]
    );
    for which in [Layer::Safeguard, Layer::Antidumping, Layer::Countervailing] {
        assert_eq!(
            status(&found.layers, which),
            LayerStatus::Applied,
            "{which:?}"
        );
    }
    assert_eq!(found.import_duty.rate.to_string(), "5%");

    // A code under 7306 40: the safeguard (heading) reaches it, the countervailing duty
    // (7306 30) does not, and neither changes its import duty.
    let found = look(&snapshot, &from("CN", query("7306408000", "2020-06-01")));
    let kinds: Vec<_> = found.trade_remedies.iter().map(|m| m.kind).collect();
    assert_eq!(kinds, [MeasureKind::Safeguard]);
    assert_eq!(found.import_duty.rate.to_string(), "9% + 0.02 EUR/kg");

    // Other origins pay none of them.
    let found = look(&snapshot, &from("DE", query("7306301100", "2020-06-01")));
    assert!(found.trade_remedies.is_empty());
}

// --- Tariff quotas -----------------------------------------------------------------------------

#[test]
fn quota_open_but_not_claimed_leaves_the_base_rate() {
    let snapshot = load_mini();
    let found = look(&snapshot, &query("2202100000", "2020-06-01"));
    let quota = found.quota.expect("the quota is reported");
    assert_eq!(&*quota.id, "q-sweet-waters");
    assert_eq!(quota.unit.as_str(), "l");
    let outcome = layer(&found.layers, Layer::TariffQuota);
    assert_eq!(outcome.status, LayerStatus::NotApplicable);
    assert_eq!(
        outcome.rate.as_deref().map(ToString::to_string),
        Some("5%".to_owned())
    );
    assert_eq!(found.import_duty.layer, Layer::Base);
    assert_eq!(found.import_duty.rate.to_string(), "8% min 0.02 EUR/l");
}

#[test]
fn quota_claimed_gives_the_in_quota_rate() {
    let snapshot = load_mini();
    let found = look(
        &snapshot,
        &LookupQuery {
            in_quota: true,
            claim_preference: true,
            ..query("2202100000", "2020-06-01")
        },
    );
    assert_eq!(found.import_duty.layer, Layer::TariffQuota);
    assert_eq!(found.import_duty.rate.to_string(), "5%");
    assert_eq!(
        &*found.import_duty.legal_basis,
        "Test quota decision No. 10"
    );
    assert_eq!(
        status(&found.layers, Layer::TariffQuota),
        LayerStatus::Applied
    );
    assert_eq!(status(&found.layers, Layer::Base), LayerStatus::Superseded);
}

#[test]
fn quota_period_edges() {
    let snapshot = load_mini();
    let claimed = |day: &str| {
        look(
            &snapshot,
            &LookupQuery {
                in_quota: true,
                claim_preference: true,
                ..query("2202100000", day)
            },
        )
    };
    for day in ["2020-04-01", "2020-09-30"] {
        let found = claimed(day);
        assert!(found.quota.is_some(), "{day}");
        assert_eq!(found.import_duty.rate.to_string(), "5%", "{day}");
    }
    for day in ["2020-03-31", "2020-10-01"] {
        let found = claimed(day);
        assert!(found.quota.is_none(), "{day}");
        assert_eq!(found.import_duty.layer, Layer::Base, "{day}");
        assert_eq!(
            found.import_duty.rate.to_string(),
            "8% min 0.02 EUR/l",
            "{day}"
        );
        assert_eq!(
            status(&found.layers, Layer::TariffQuota),
            LayerStatus::NotApplicable
        );
    }
    // A code without a quota never reports one, claimed or not.
    let found = look(
        &snapshot,
        &LookupQuery {
            in_quota: true,
            claim_preference: true,
            ..query("2202910000", "2020-06-01")
        },
    );
    assert!(found.quota.is_none());
    assert_eq!(found.import_duty.rate.to_string(), "0.1 EUR/l");
}

// --- Preferences by origin ---------------------------------------------------------------------

#[test]
fn developing_origin_pays_75_percent_of_every_part() {
    let snapshot = load_mini();
    for (c, expected) in [
        ("2202100000", "6% min 0.015 EUR/l"),
        ("2202910000", "0.075 EUR/l"),
        ("2202991900", "9%"),
        ("7306408000", "6.75% + 0.015 EUR/kg"),
    ] {
        let found = look(&snapshot, &from("JO", query(c, "2020-01-15")));
        assert_eq!(found.import_duty.layer, Layer::Preference, "{c}");
        assert_eq!(found.import_duty.rate.to_string(), expected, "{c}");
        // A share of the base rate: the base still shapes the duty.
        assert_eq!(
            status(&found.layers, Layer::Base),
            LayerStatus::Applied,
            "{c}"
        );
        let preference = layer(&found.layers, Layer::Preference);
        assert_eq!(preference.status, LayerStatus::Applied, "{c}");
        assert!(
            preference.reason.contains("75%"),
            "{c}: {}",
            preference.reason
        );
    }
}

#[test]
fn least_developed_origin_pays_zero_on_every_part() {
    let snapshot = load_mini();
    for (c, expected) in [
        ("2202100000", "0% min 0 EUR/l"),
        ("2202910000", "0 EUR/l"),
        ("2202991900", "0%"),
        ("7306408000", "0% + 0 EUR/kg"),
    ] {
        let found = look(&snapshot, &from("AF", query(c, "2020-01-15")));
        assert_eq!(found.import_duty.layer, Layer::Preference, "{c}");
        assert_eq!(found.import_duty.rate.to_string(), expected, "{c}");
    }
}

#[test]
fn preference_applies_to_the_temporary_and_the_in_quota_rate() {
    let snapshot = load_mini();
    // Temporary 5 % (note 1С) → 3.75 % for a developing origin.
    let found = look(&snapshot, &from("JO", query("2202991100", "2020-03-01")));
    assert_eq!(found.import_duty.rate.to_string(), "3.75%");
    assert_eq!(found.import_duty.layer, Layer::Preference);
    assert_eq!(status(&found.layers, Layer::Base), LayerStatus::Superseded);
    assert_eq!(
        status(&found.layers, Layer::Temporary),
        LayerStatus::Applied
    );
    assert!(
        found.import_duty.legal_basis.contains("note <1С>"),
        "{}",
        found.import_duty.legal_basis
    );
    // In-quota 5 % → 3.75 %.
    let found = look(
        &snapshot,
        &from(
            "JO",
            LookupQuery {
                in_quota: true,
                claim_preference: true,
                ..query("2202100000", "2020-06-01")
            },
        ),
    );
    assert_eq!(found.import_duty.rate.to_string(), "3.75%");
    assert_eq!(status(&found.layers, Layer::Base), LayerStatus::Superseded);
    assert_eq!(
        status(&found.layers, Layer::TariffQuota),
        LayerStatus::Applied
    );
}

#[test]
fn origin_in_no_group_and_unknown_origin() {
    let snapshot = load_mini();
    let found = look(&snapshot, &from("US", query("2202991900", "2020-01-15")));
    assert_eq!(found.import_duty.layer, Layer::Base);
    assert_eq!(found.import_duty.rate.to_string(), "12%");
    assert_eq!(
        status(&found.layers, Layer::Preference),
        LayerStatus::NotApplicable
    );
    // GB is a valid ISO code, but not in this bundle's country list.
    let err = snapshot
        .lookup(&from("GB", query("2202991900", "2020-01-15")))
        .unwrap_err();
    assert_eq!(err, LookupError::UnknownOrigin(country("GB")));
}

// --- Edges of periods --------------------------------------------------------------------------

#[test]
fn anti_dumping_period_edges() {
    let snapshot = load_mini();
    // In force 2020-03-01 .. 2020-08-31 (2020 is a leap year: the day before is 02-29).
    for (day, in_force) in [
        ("2020-02-29", false),
        ("2020-03-01", true),
        ("2020-08-31", true),
        ("2020-09-01", false),
    ] {
        let found = look(&snapshot, &from("CN", query("7306301100", day)));
        let has = found
            .trade_remedies
            .iter()
            .any(|m| m.kind == MeasureKind::Antidumping);
        assert_eq!(has, in_force, "{day}");
        let expected = if in_force {
            LayerStatus::Applied
        } else {
            LayerStatus::NotApplicable
        };
        assert_eq!(status(&found.layers, Layer::Antidumping), expected, "{day}");
    }
}

#[test]
fn six_digit_rate_period_edges() {
    let snapshot = load_mini();
    // 7306 40 at 7 % from 2020-04-01; before that the heading's 5 %.
    assert_eq!(rate_of(&snapshot, &query("7306402000", "2020-03-31")), "5%");
    assert_eq!(rate_of(&snapshot, &query("7306402000", "2020-04-01")), "7%");
    assert_eq!(rate_of(&snapshot, &query("7306402000", "2020-12-31")), "7%");
    let err = snapshot
        .lookup(&query("7306402000", "2021-01-01"))
        .unwrap_err();
    assert!(matches!(err, LookupError::UnknownCode { .. }), "{err:?}");
}

#[test]
fn temporary_rate_period_edges() {
    let snapshot = load_mini();
    // Note 1С: 5 % from 2020-02-01 to 2020-06-30 on a base of 10 %.
    for (day, layer_expected, rate) in [
        ("2020-01-31", Layer::Base, "10%"),
        ("2020-02-01", Layer::Temporary, "5%"),
        ("2020-06-30", Layer::Temporary, "5%"),
        ("2020-07-01", Layer::Base, "10%"),
    ] {
        let found = look(&snapshot, &query("2202991100", day));
        assert_eq!(found.import_duty.layer, layer_expected, "{day}");
        assert_eq!(found.import_duty.rate.to_string(), rate, "{day}");
    }
    let found = look(&snapshot, &query("2202991100", "2020-02-01"));
    assert!(
        found.import_duty.legal_basis.contains("note <1С>"),
        "{}",
        found.import_duty.legal_basis
    );
    assert_eq!(status(&found.layers, Layer::Base), LayerStatus::Superseded);
}

#[test]
fn exemption_period_edges() {
    let snapshot = load_mini();
    // The exemption runs with the whole edition: 2020-01-01 .. 2020-12-31.
    for day in ["2020-01-01", "2020-12-31"] {
        let found = look(&snapshot, &in_state("KZ", query("2202991900", day)));
        assert_eq!(found.import_duty.layer, Layer::Exemption, "{day}");
    }
}
