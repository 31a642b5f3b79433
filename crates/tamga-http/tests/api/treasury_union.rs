//! The treasury across the union: three states over two days, every transfer order sent and
//! confirmed, one late, and the books of all five states reconciled.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tamga_store::Role;
use tamga_testing::TestDb;

use crate::app::{App, KZ_TIN, KZ_WATER, RU_BEER, RU_TIN, with};

/// The treasury end to end: declarations released in three states over two days; each state
/// closes its days; transfer orders are issued, sent and confirmed, one of them late; the books
/// reconcile and the late one's interest is right.
pub async fn three_states_two_days_transfers_and_a_late_one(db: TestDb) {
    let mut app = App::start(db).await;
    let union = Union::issue(&app).await;
    release_in_three_states_over_two_days(&mut app, &union).await;
    // Every state closes both days, once they have ended, and sends and confirms by the 20th.
    app.next_business_date("2021-03-20").await;
    every_state_closes_both_days(&app, &union).await;
    let late = send_every_order_and_confirm_all_but_one_on_time(&app, &union).await;
    let interest = the_late_order_owes_four_days_of_interest(&late);
    the_books_reconcile_but_for_the_interest(&app, &union, interest).await;
    app.stop().await;
}

/// A declarant of one state and the declaration it files there.
struct Declarant {
    state: &'static str,
    token: String,
    body: String,
}

/// The tokens of three declaring states, the treasuries of all five, and the commission.
struct Union {
    declarants: [Declarant; 3],
    officers: std::collections::HashMap<&'static str, String>,
    treasuries: std::collections::HashMap<&'static str, String>,
    commission: String,
}

impl Union {
    /// Issues the tokens: declarants of RU, KZ and BY, their officers, the five treasuries and
    /// the commission, in that order.
    async fn issue(app: &App) -> Union {
        let declarants = [
            Declarant {
                state: "RU",
                token: app.token(Role::Declarant, None, Some(RU_TIN)).await,
                body: RU_BEER.to_owned(),
            },
            Declarant {
                state: "KZ",
                token: app.token(Role::Declarant, None, Some(KZ_TIN)).await,
                body: KZ_WATER.to_owned(),
            },
            Declarant {
                state: "BY",
                token: app.token(Role::Declarant, None, Some("190000001")).await,
                body: belarusian_beer(),
            },
        ];
        let mut officers = std::collections::HashMap::new();
        let mut treasuries = std::collections::HashMap::new();
        for state in ["RU", "KZ", "BY"] {
            officers.insert(state, app.token(Role::Officer, Some(state), None).await);
        }
        for state in ["RU", "KZ", "BY", "AM", "KG"] {
            treasuries.insert(state, app.token(Role::Treasury, Some(state), None).await);
        }
        let commission = app.token(Role::Commission, None, None).await;
        Union {
            declarants,
            officers,
            treasuries,
            commission,
        }
    }
}

/// The RU example declared in Belarus: a Belarusian office, declarant and exchange rates.
fn belarusian_beer() -> String {
    with(
        &with(
            &with(
                &with(RU_BEER, "/state", json!("BY")),
                "/customs_office",
                json!("06611"),
            ),
            "/declarant/tin",
            json!("190000001"),
        ),
        "/exchange_rates",
        json!({"USD": "2.6000", "EUR": "3.1000"}),
    )
}

/// Day 1: one release in each state; day 2: RU and BY again. Leaves the service on day 2.
async fn release_in_three_states_over_two_days(app: &mut App, union: &Union) {
    for (day, states) in [
        ("2021-03-15", vec!["RU", "KZ", "BY"]),
        ("2021-03-16", vec!["RU", "BY"]),
    ] {
        if day != "2021-03-15" {
            app.next_business_date(day).await;
        }
        for declarant in union
            .declarants
            .iter()
            .filter(|d| states.contains(&d.state))
        {
            let officer = &union.officers[declarant.state];
            let id = app.file(&declarant.token, &declarant.body).await;
            let r = app.act(&id, "register", officer).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let r = app.act(&id, "release", officer).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
}

/// Each of the three states closes the 15th and the 16th; every split is conserved, and the
/// import duty totals show what was released where.
async fn every_state_closes_both_days(app: &App, union: &Union) {
    let mut totals = std::collections::HashMap::new();
    for state in ["RU", "KZ", "BY"] {
        for day in ["2021-03-15", "2021-03-16"] {
            let r = app
                .post(
                    &format!("/api/v1/treasury/{state}/days/{day}/close"),
                    Some(&union.treasuries[state]),
                    "",
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let import = &r.body["pools"][0];
            let shares: i64 = import["shares"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["amount_minor"].as_i64().unwrap())
                .sum();
            assert_eq!(
                shares,
                import["total_minor"].as_i64().unwrap(),
                "conserved to the kopeck"
            );
            totals.insert((state, day), import["total_minor"].as_i64().unwrap());
        }
    }
    assert_eq!(
        totals[&("KZ", "2021-03-16")],
        0,
        "nothing released in KZ on the 16th"
    );
    assert!(totals[&("BY", "2021-03-16")] > 0);
}

/// Each sender sends every order on the day it is due, at its own rate; each receiver confirms
/// on time, but for the RU→BY order of the 15th, confirmed on the 20th. Returns that one's
/// confirmation.
async fn send_every_order_and_confirm_all_but_one_on_time(app: &App, union: &Union) -> Value {
    let rates = [("RU", "74.0000"), ("KZ", "420.0000"), ("BY", "2.6000")];
    let mut late = None;
    for (state, rate) in rates {
        let list = app
            .get(
                &format!("/api/v1/treasury/{state}/transfers"),
                Some(&union.treasuries[state]),
            )
            .await;
        for order in list.body["transfers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["sender"] == state)
        {
            if let Some(confirmed) = send_and_confirm(app, union, state, rate, order).await {
                late = Some(confirmed);
            }
        }
    }
    late.expect("the RU→BY order of the 15th")
}

/// `sender` sends one `order` at `rate` and its receiver confirms it: on the day it is due (no
/// interest) or, for the RU→BY order of the 15th, on the 20th. Returns the late one's
/// confirmation.
async fn send_and_confirm(
    app: &App,
    union: &Union,
    sender: &str,
    rate: &str,
    order: &Value,
) -> Option<Value> {
    let id = order["id"].as_str().unwrap();
    let due_by = order["due_by"].as_str().unwrap();
    // Sent the day after the reporting day: the day it is due by.
    let sent = app
        .post(
            &format!("/api/v1/treasury/transfers/{id}/send"),
            Some(&union.treasuries[sender]),
            &format!(r#"{{"date": "{due_by}", "rate": "{rate}"}}"#),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let receiver = order["receiver"].as_str().unwrap();
    let is_late = id == "tr:RU:BY:2021-03-15";
    let confirm_on = if is_late {
        "2021-03-20"
    } else {
        order["due_by"].as_str().unwrap()
    };
    let receiver_token = &union.treasuries[receiver];
    let confirmed = app
        .post(
            &format!("/api/v1/treasury/transfers/{id}/confirm"),
            Some(receiver_token),
            &format!(r#"{{"date": "{confirm_on}"}}"#),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    if is_late {
        Some(confirmed.body.clone())
    } else {
        assert_eq!(confirmed.body["interest_minor"], 0);
        None
    }
}

/// The late one: due by the 16th, confirmed on the 20th, 4 days at 0.01 % a day. Returns the
/// interest it owes.
fn the_late_order_owes_four_days_of_interest(late: &Value) -> i64 {
    assert_eq!(late["days_late"], 4);
    let amount = late["amount_minor"].as_i64().unwrap();
    let expected = (amount * 4 + 5_000) / 10_000; // × 0.0001 × 4, half-up
    assert_eq!(late["interest_minor"].as_i64().unwrap(), expected, "{late}");
    expected
}

/// Every order confirmed: the books of all five states reconcile, and RU still owes BY the
/// `interest` of the late order.
async fn the_books_reconcile_but_for_the_interest(app: &App, union: &Union, interest: i64) {
    let books = app
        .get(
            "/api/v1/treasury/reconcile?from=2021-03-01&to=2021-03-31",
            Some(&union.commission),
        )
        .await;
    assert_eq!(books.body["clean"], true, "{}", books.text);
    assert!(
        books.body["pairs"].as_array().unwrap().len() >= 12,
        "{}",
        books.text
    );
    let ru_by = books.body["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["debtor"] == "RU" && p["creditor"] == "BY")
        .unwrap()
        .clone();
    // All paid but the interest, which both books show as still owed.
    assert_eq!(
        ru_by["debtor_says_minor"].as_i64().unwrap(),
        interest,
        "{ru_by}"
    );
    assert_eq!(
        ru_by["creditor_says_minor"].as_i64().unwrap(),
        interest,
        "{ru_by}"
    );
}
