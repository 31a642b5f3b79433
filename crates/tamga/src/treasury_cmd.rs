//! `tamga treasury …`: the split of one amount (a pure calculation), and the single account's
//! day closing, reports, transfers and reconciliation, through the application layer.

use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use rust_decimal::Decimal;
use serde_json::json;
use tamga_app::{Actor, App, BusinessDate, TreasuryRules};
use tamga_core::{CurrencyCode, format_date};
use tamga_http::views;
use tamga_tariff::TariffSnapshot;
use tamga_treasury::{from_minor, split_on, to_minor};

use crate::cli::{
    CloseDayArgs, DbArg, Format, ReconcileArgs, ReportArgs, SplitArgs, TransfersArgs,
};
use crate::service_cmd::{open_app, refused, runtime};

/// How the residue is handed out, as the output states it.
const RULE: &str = "largest remainder to the minor unit: each state gets the floor of its \
                    share, the units left over go to the largest remainders (ties: larger \
                    normative, then ISO code); neither the 2010 agreement on the distribution of \
                    import duties nor the EAEU Treaty's Annex 5 that was read names a rounding \
                    rule (unverified)";

/// The amount to split, in minor units of its currency (with the currency and its scale):
/// each refusal names its option.
fn split_amount(
    snapshot: &TariffSnapshot,
    args: &SplitArgs,
) -> anyhow::Result<(CurrencyCode, u32, i64)> {
    let currency = CurrencyCode::parse(&args.currency.to_ascii_uppercase())
        .map_err(|e| anyhow::anyhow!("--currency: {e}"))?;
    let scale = snapshot
        .currencies
        .get(&currency)
        .with_context(|| {
            format!("--currency: {currency} is not an ISO 4217 currency of the bundle")
        })?
        .minor_unit
        .map(u32::from)
        .with_context(|| format!("--currency: {currency} has no minor unit"))?;
    let amount = Decimal::from_str(args.amount.trim()).map_err(|_| {
        anyhow::anyhow!(
            "--amount: expected a decimal such as 112000.00, got {:?}",
            args.amount
        )
    })?;
    // A negative amount reverses receipts: it is split only when the caller says it is a
    // day of net refunds, so that a stray sign is not taken for one.
    match (amount.is_sign_negative() && !amount.is_zero(), args.refund) {
        _ if amount.is_zero() => anyhow::bail!("--amount: expected a non-zero amount, got 0"),
        (true, false) => anyhow::bail!(
            "--amount: {} is negative; a day of net refunds is split with --refund",
            args.amount.trim()
        ),
        (false, true) => anyhow::bail!(
            "--refund: the amount of a day of net refunds is negative, got {}",
            args.amount.trim()
        ),
        _ => {}
    }
    let minor = to_minor(amount, scale).map_err(|e| anyhow::anyhow!("--amount: {e}"))?;
    Ok((currency, scale, minor))
}

pub fn split(snapshot: &TariffSnapshot, args: &SplitArgs) -> anyhow::Result<ExitCode> {
    let (currency, scale, minor) = split_amount(snapshot, args)?;
    let split = split_on(snapshot, args.date, minor)?;
    let amount_text = |minor: i64| from_minor(minor, scale).to_string();
    match args.format {
        Format::Json => {
            let value = json!({
                "date": format_date(args.date),
                "amount": amount_text(minor),
                "refund": args.refund,
                "currency": currency.to_string(),
                "normative_set": split.normatives.set,
                "legal_basis": split.normatives.legal_basis,
                "rule": RULE,
                "shares": split.shares.iter().map(|s| json!({
                    "state": s.state.to_string(),
                    "percent": s.percent.to_string(),
                    "amount": amount_text(s.amount_minor),
                })).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            println!(
                "{} {currency} {} on {}, split by the normatives {} ({})",
                amount_text(minor),
                if args.refund {
                    "refunded (net)"
                } else {
                    "received"
                },
                format_date(args.date),
                split.normatives.set,
                split.normatives.legal_basis
            );
            for share in &split.shares {
                println!(
                    "  {}  {:>8} %  {:>20}",
                    share.state,
                    share.percent.to_string(),
                    amount_text(share.amount_minor)
                );
            }
            println!("  total        100 %  {:>20}", amount_text(minor));
            println!("Residue rule: {RULE}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_closing(closing: &tamga_store::DayClosing) {
    let scale = tamga_app::MINOR_UNIT_SCALE;
    println!(
        "{} {}: {} receipt line(s), normatives {}, special duties by {}, closed {}",
        closing.state,
        format_date(closing.day),
        closing.receipts,
        closing.normative_set,
        closing.special_rule.as_str(),
        closing.closed_at
    );
    for pool in &closing.pools {
        println!(
            "  {:<13} {:>20} {}",
            pool.pool.as_str(),
            from_minor(pool.total_minor, scale).to_string(),
            closing.currency
        );
        for share in &pool.shares {
            let to = if share.state == closing.state {
                "own budget".to_owned()
            } else {
                format!("due to {}", share.state)
            };
            println!(
                "    {:<12} {:>8} %  {:>20}",
                to,
                share.percent.to_string(),
                from_minor(share.amount_minor, scale).to_string()
            );
        }
    }
}

/// Runs a use case of the treasury on the database `db` names, as its operator.
fn with_app<T>(
    db: &DbArg,
    snapshot: TariffSnapshot,
    clock: BusinessDate,
    treasury: TreasuryRules,
    use_case: impl AsyncFnOnce(&App) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    runtime()?.block_on(async {
        let app = open_app(db, snapshot, clock, treasury).await?;
        let done = use_case(&app).await;
        app.store.close().await;
        done
    })
}

pub fn close_day(snapshot: TariffSnapshot, args: &CloseDayArgs) -> anyhow::Result<ExitCode> {
    let state = args.state.to_ascii_uppercase();
    let clock = args.today.map_or(BusinessDate::System, BusinessDate::Fixed);
    let rules = TreasuryRules {
        special_duty_rule: args.special_duties.rule(),
        money_date_window_days: args.money_date_window_days,
        ..TreasuryRules::default()
    };
    let (closing, already) = with_app(&args.db, snapshot, clock, rules, async |app| {
        app.close_day(&Actor::Operator, &state, args.date)
            .await
            .map_err(|e| refused(&format!("close {state} {}", format_date(args.date)), &e))
    })?;
    match args.format {
        Format::Json => {
            let value = views::ClosedDay {
                already_closed: already,
                closing: closing.into(),
            };
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            if already {
                println!("(closed before: nothing changed)");
            }
            print_closing(&closing);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn report(snapshot: TariffSnapshot, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let (state, from, to) = (args.state.to_ascii_uppercase(), args.from, args.to);
    let clock = BusinessDate::System;
    let (state, days) = with_app(
        &args.db,
        snapshot,
        clock,
        TreasuryRules::default(),
        async |app| {
            let (state, _, _, days) = app
                .closed_days(&Actor::Operator, &state, Some(from), Some(to))
                .await
                .map_err(|e| refused(&format!("report {state}"), &e))?;
            Ok((state, days))
        },
    )?;
    match args.format {
        Format::Json => {
            let value = views::DaysReport {
                state: state.to_string(),
                from: format_date(from),
                to: format_date(to),
                days: days.into_iter().map(Into::into).collect(),
            };
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            if days.is_empty() {
                println!(
                    "{state}: no closed day from {} to {}",
                    format_date(from),
                    format_date(to)
                );
            }
            for closing in &days {
                print_closing(closing);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit 0 when every pair of books agrees and everything received is distributed, 3 when not.
pub fn reconcile(snapshot: TariffSnapshot, args: &ReconcileArgs) -> anyhow::Result<ExitCode> {
    let clock = BusinessDate::System;
    let books = with_app(
        &args.db,
        snapshot,
        clock,
        TreasuryRules::default(),
        async |app| {
            app.reconcile(&Actor::Operator, args.from, args.to)
                .await
                .map_err(|e| refused("reconcile", &e))
        },
    )?;
    let clean = books.clean;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&views::Reconciliation::from(books))?
        ),
        Format::Text => print_reconciliation(&books),
    }
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn print_reconciliation(books: &tamga_app::Reconciliation) {
    for p in &books.pairs {
        println!(
            "{} owes {}: {} {} by {}'s books, {} by {}'s{}",
            p.debtor,
            p.creditor,
            from_minor(p.debtor_says_minor, 2),
            p.currency,
            p.debtor,
            from_minor(p.creditor_says_minor, 2),
            p.creditor,
            if p.difference_minor == 0 {
                String::new()
            } else {
                format!(
                    "; DIFFERENCE {} in {}",
                    from_minor(p.difference_minor, 2),
                    p.unmatched_entries.join(", ")
                )
            }
        );
    }
    for u in &books.undistributed {
        println!(
            "{} {} {}: {} {} received and not distributed{}",
            u.state,
            format_date(u.day),
            u.pool.as_str(),
            from_minor(u.amount_minor, 2),
            u.currency,
            if u.day_closed {
                " on a CLOSED day"
            } else {
                " (the day is not closed)"
            }
        );
    }
    println!(
        "{}",
        match (books.books_agree, books.undistributed.is_empty()) {
            (true, true) => "the books agree, and everything received is distributed",
            (true, false) => "the books agree; some receipts are not distributed",
            (false, _) => "the books differ",
        }
    );
}

pub fn transfers(snapshot: TariffSnapshot, args: &TransfersArgs) -> anyhow::Result<ExitCode> {
    let state = args.state.to_ascii_uppercase();
    let clock = BusinessDate::System;
    let (state, orders) = with_app(
        &args.db,
        snapshot,
        clock,
        TreasuryRules::default(),
        async |app| {
            app.transfers(&Actor::Operator, &state)
                .await
                .map_err(|e| refused(&format!("list the transfers of {state}"), &e))
        },
    )?;
    match args.format {
        Format::Json => {
            let value = views::TransferList {
                state: state.to_string(),
                transfers: orders.into_iter().map(Into::into).collect(),
            };
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            if orders.is_empty() {
                println!("{state}: no transfer orders");
            }
            for order in &orders {
                println!("{}", transfer_line(order));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn transfer_line(o: &tamga_store::TransferOrder) -> String {
    let paid = o
        .transfer_amount_minor
        .map(|a| {
            format!(
                " ({} {} at {})",
                from_minor(a, 2),
                o.transfer_currency,
                o.rate.map(|r| r.to_string()).unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let late = match o.interest_minor {
        Some(i) if i != 0 => format!(
            ", {} day(s) late: interest {} {}",
            o.days_late.unwrap_or(0),
            from_minor(i, 2),
            o.currency
        ),
        _ => String::new(),
    };
    format!(
        "{}  {} → {}  {} {}  in {}  due by {}  {}{paid}{late}",
        o.id,
        o.sender,
        o.receiver,
        from_minor(o.amount_minor, 2),
        o.currency,
        o.transfer_currency,
        format_date(o.due_by),
        o.status.as_str()
    )
}
