//! `tamga serve`, `tamga db migrate`, `tamga token …` and `tamga audit verify`: the service and
//! the commands that work on its database directly.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tamga_core::format_date;
use tamga_server::api::{TokenRequest, token_command};
use tamga_server::{AppState, BusinessDate, Limits, Tariff};
use tamga_store::{Command, Store, StoreOptions, WriteOutcome, WriteRequest, redact};

use crate::cli::{DbArg, Format, ServeArgs, TokenCommand, TokenCreateArgs};

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub(crate) async fn open_store(db: &DbArg) -> anyhow::Result<Store> {
    Store::open(StoreOptions::new(db.db.clone()))
        .await
        .with_context(|| format!("cannot open the database {}", redact(&db.db)))
}

/// Resolves when the process is asked to stop: Ctrl-C or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("tamga: stopping; finishing the requests in flight");
}

pub fn serve(tariff_dir: Option<&Path>, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .init();
    let started = Instant::now();
    let (snapshot, indexes) = crate::catalogue::load_and_index(tariff_dir)?;
    let business_date = match args.today {
        Some(date) => BusinessDate::Fixed(date),
        None => BusinessDate::System,
    };
    let today = business_date.today();
    let source = if args.today.is_some() {
        "--today"
    } else {
        "the system date"
    };
    match snapshot.edition_on(today) {
        Some(edition) if edition.rates_known => eprintln!(
            "tamga: business date {} ({source}), tariff edition {}",
            format_date(today),
            edition.id
        ),
        in_force => eprintln!(
            "tamga: warning: {} on the business date {} ({source}): registrations will fail. \
             The bundle covers {}. To use the built-in data, start with --today (or \
             TAMGA_TODAY), e.g. --today 2021-06-01.",
            match in_force {
                Some(edition) => format!(
                    "the tariff edition in force ({}) has no rates in the bundle",
                    edition.id
                ),
                None => "no tariff edition is in force".to_owned(),
            },
            format_date(today),
            snapshot.coverage()
        ),
    }
    let limits = Limits {
        max_connections: args.max_connections,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        ..Limits::default()
    };
    let tariff = Arc::new(Tariff { snapshot, indexes });
    runtime()?.block_on(async move {
        let store = open_store(&args.db).await?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        eprintln!(
            "tamga: serving the API on http://{address}/api/v1 (OpenAPI: \
             http://{address}/api/v1/openapi.json), database {} ({}), ready in {:.1} s",
            redact(&args.db.db),
            store.backend().as_str(),
            started.elapsed().as_secs_f64()
        );
        let state = AppState::with_rule(
            store.clone(),
            tariff,
            business_date,
            limits,
            args.special_duties.rule(),
        )
        .with_late_interest(args.late_interest_daily_rate);
        tamga_server::serve(listener, state, stop_signal())
            .await
            .context("the server failed")?;
        store.close().await;
        eprintln!("tamga: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

pub fn migrate(db: &DbArg) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let applied = tamga_store::migrate::migrate_only(&StoreOptions::new(db.db.clone()))
            .await
            .with_context(|| format!("cannot migrate {}", redact(&db.db)))?;
        if applied.is_empty() {
            println!("{}: up to date", redact(&db.db));
        } else {
            for name in applied {
                println!("{}: applied {name}", redact(&db.db));
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn token(tariff_dir: Option<&Path>, command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create(args) => token_create(tariff_dir, &args),
        TokenCommand::List(db) => runtime()?.block_on(async {
            let store = open_store(&db).await?;
            for token in store.tokens().await? {
                let p = &token.principal;
                println!(
                    "{}  {:<10} {:<3} {:<12} {:<24} created {}{}",
                    p.token_id,
                    p.role.as_str(),
                    p.state.as_deref().unwrap_or("-"),
                    p.tin.as_deref().unwrap_or("-"),
                    p.name,
                    token.created_at,
                    token
                        .revoked_at
                        .map(|r| format!(", revoked {r}"))
                        .unwrap_or_default()
                );
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }),
        TokenCommand::Revoke { id, db } => runtime()?.block_on(async {
            let store = open_store(&db).await?;
            store
                .write(WriteRequest {
                    actor: "cli".into(),
                    idempotency: None,
                    command: Command::RevokeToken { id: id.clone() },
                })
                .await
                .with_context(|| format!("cannot revoke {id}"))?;
            store.close().await;
            println!("revoked {id}");
            Ok(ExitCode::SUCCESS)
        }),
    }
}

fn token_create(tariff_dir: Option<&Path>, args: &TokenCreateArgs) -> anyhow::Result<ExitCode> {
    let snapshot = crate::catalogue::load_snapshot(tariff_dir)?;
    let request = TokenRequest {
        role: Some(args.role.clone()),
        state: args.state.clone().map(|s| s.to_ascii_uppercase()),
        tin: args.tin.clone(),
        name: args.name.clone(),
    };
    let command = token_command(&snapshot, &request).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("  --{}: {}", p.path, p.message))
            .collect();
        anyhow::anyhow!("cannot create the token:\n{}", lines.join("\n"))
    })?;
    runtime()?.block_on(async {
        let store = open_store(&args.db).await?;
        let outcome = store
            .write(WriteRequest {
                actor: "cli".into(),
                idempotency: None,
                command,
            })
            .await?;
        store.close().await;
        let WriteOutcome::Token { record, secret } = outcome else {
            anyhow::bail!("the store did not create a token");
        };
        match args.format {
            Format::Json => println!(
                "{}",
                serde_json::json!({"token": secret, "id": record.principal.token_id,
                    "role": record.principal.role, "state": record.principal.state,
                    "tin": record.principal.tin, "name": record.principal.name})
            ),
            Format::Text => {
                println!("{secret}");
                eprintln!(
                    "created {} ({} {}); the token is shown this once",
                    record.principal.token_id,
                    record.principal.role.as_str(),
                    record
                        .principal
                        .state
                        .as_deref()
                        .or(record.principal.tin.as_deref())
                        .unwrap_or("")
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Exit 0 when the chain is intact, 3 when it is not.
pub fn audit_verify(db: &DbArg, format: Format) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open_store(db).await?;
        let report = store.verify_audit().await?;
        store.close().await;
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            Format::Text => match &report.first_problem {
                None => println!(
                    "the audit chain is intact: {} entries, head {}",
                    report.entries, report.head_hash
                ),
                Some(problem) => println!(
                    "the audit chain is broken at entry {} ({}): {}",
                    problem.seq, problem.kind, problem.detail
                ),
            },
        }
        Ok(if report.intact {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        })
    })
}
