//! `tamga treasury split`: the distribution of one amount, a pure calculation.

use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use rust_decimal::Decimal;
use serde_json::json;
use tamga_core::{CurrencyCode, format_date};
use tamga_tariff::TariffSnapshot;
use tamga_treasury::{from_minor, split_on, to_minor};

use crate::cli::{CloseDayArgs, Format, ReconcileArgs, ReportArgs, SplitArgs, TransfersArgs};
use crate::service_cmd::{open_store, runtime};

/// How the residue is handed out, as the output states it.
const RULE: &str = "largest remainder to the minor unit: each state gets the floor of its \
                    share, the units left over go to the largest remainders (ties: larger \
                    normative, then ISO code); no legal rounding rule was found (domain brief \
                    §2.1 item 9)";

pub fn split(snapshot: &TariffSnapshot, args: &SplitArgs) -> anyhow::Result<ExitCode> {
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
    let minor = to_minor(amount, scale).map_err(|e| anyhow::anyhow!("--amount: {e}"))?;
    let split = split_on(snapshot, args.date, minor)?;
    let amount_text = |minor: i64| from_minor(minor, scale).to_string();
    match args.format {
        Format::Json => {
            let value = json!({
                "date": format_date(args.date),
                "amount": amount_text(minor),
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
                "{} {currency} received on {}, split by the normatives {} ({})",
                amount_text(minor),
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
    let scale = 2;
    println!(
        "{} {}: {} receipt line(s), normatives {}, special duties by {}, closed {}",
        closing.state,
        closing.day,
        closing.receipts,
        closing.normative_set,
        closing.special_rule,
        closing.closed_at
    );
    for pool in &closing.pools {
        println!(
            "  {:<13} {:>20} {}",
            pool.pool,
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
                share.percent,
                from_minor(share.amount_minor, scale).to_string()
            );
        }
    }
}

pub fn close_day(snapshot: &TariffSnapshot, args: &CloseDayArgs) -> anyhow::Result<ExitCode> {
    let state = args.state.to_ascii_uppercase();
    let today = args
        .today
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let command = tamga_server::service::close_day_command(
        snapshot,
        &state,
        args.date,
        args.special_duties.rule(),
        tamga_server::service::business_now(today),
        tamga_treasury::MoneyDates::new(today, args.money_date_window_days),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot close {state} {}: {}",
            format_date(args.date),
            e.describe()
        )
    })?;
    runtime()?.block_on(async {
        let store = open_store(&args.db).await?;
        let outcome = store
            .write(tamga_store::WriteRequest {
                actor: "cli".into(),
                idempotency: None,
                command,
            })
            .await?;
        store.close().await;
        let tamga_store::WriteOutcome::DayClosed { closing, already } = outcome else {
            anyhow::bail!("the store did not close the day");
        };
        match args.format {
            Format::Json => {
                let mut value = serde_json::to_value(&closing)?;
                value["already_closed"] = json!(already);
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
    })
}

pub fn report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let state = args.state.to_ascii_uppercase();
    runtime()?.block_on(async {
        let store = open_store(&args.db).await?;
        let days = store
            .day_closings(&state, &format_date(args.from), &format_date(args.to))
            .await?;
        store.close().await;
        match args.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "state": state, "from": format_date(args.from), "to": format_date(args.to),
                    "days": days,
                }))?
            ),
            Format::Text => {
                if days.is_empty() {
                    println!(
                        "{state}: no closed day from {} to {}",
                        format_date(args.from),
                        format_date(args.to)
                    );
                }
                for closing in &days {
                    print_closing(closing);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Exit 0 when every pair of books agrees, 3 when some differ.
pub fn reconcile(args: &ReconcileArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open_store(&args.db).await?;
        if args.from > args.to {
            anyhow::bail!(
                "--from {} is after --to {}: the period is empty",
                format_date(args.from),
                format_date(args.to)
            );
        }
        let (from, to) = (format_date(args.from), format_date(args.to));
        let pairs = store.reconcile(&from, &to).await?;
        let undistributed = store.undistributed(&from, &to).await?;
        store.close().await;
        let books_agree = pairs.iter().all(|p| p.difference_minor == 0);
        let clean = books_agree && undistributed.is_empty();
        match args.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "from": from, "to": to, "clean": clean, "books_agree": books_agree,
                    "pairs": pairs, "undistributed": undistributed,
                }))?
            ),
            Format::Text => {
                for p in &pairs {
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
                for u in &undistributed {
                    println!(
                        "{} {} {}: {} {} received and not distributed{}",
                        u.state,
                        u.day,
                        u.pool,
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
                    match (books_agree, undistributed.is_empty()) {
                        (true, true) => "the books agree, and everything received is distributed",
                        (true, false) => "the books agree; some receipts are not distributed",
                        (false, _) => "the books differ",
                    }
                );
            }
        }
        Ok(if clean {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        })
    })
}

pub fn transfers(args: &TransfersArgs) -> anyhow::Result<ExitCode> {
    let state = args.state.to_ascii_uppercase();
    runtime()?.block_on(async {
        let store = open_store(&args.db).await?;
        let orders = store.transfers(&state).await?;
        store.close().await;
        match args.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&json!({"state": state, "transfers": orders}))?
            ),
            Format::Text => {
                if orders.is_empty() {
                    println!("{state}: no transfer orders");
                }
                for o in &orders {
                    println!(
                        "{}  {} → {}  {} {}  in {}  due by {}  {}{}{}",
                        o.id,
                        o.sender,
                        o.receiver,
                        from_minor(o.amount_minor, 2),
                        o.currency,
                        o.transfer_currency,
                        o.due_by,
                        o.status,
                        o.transfer_amount_minor
                            .map(|a| format!(
                                " ({} {} at {})",
                                from_minor(a, 2),
                                o.transfer_currency,
                                o.rate.as_deref().unwrap_or("")
                            ))
                            .unwrap_or_default(),
                        match o.interest_minor {
                            Some(i) if i != 0 => format!(
                                ", {} day(s) late: interest {} {}",
                                o.days_late.unwrap_or(0),
                                from_minor(i, 2),
                                o.currency
                            ),
                            _ => String::new(),
                        }
                    );
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
