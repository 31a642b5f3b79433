//! `tamga serve`, `tamga db migrate`, `tamga token …` and `tamga audit verify`: the service and
//! the commands that work on its database directly.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tamga_app::{Actor, App, BusinessDate, Tariff, TokenRequest, TreasuryRules};
use tamga_core::format_date;
use tamga_http::{AppState, Limits};
use tamga_store::{NodeKey, Store, StoreOptions, redact};
use tamga_tariff::TariffSnapshot;

use crate::cli::{DbArg, Format, ServeArgs, TokenCommand, TokenCreateArgs};

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The node key of the database `db` names: read from its file, or made and written there
/// (readable by its owner only) when there is none yet and `create` allows it.
pub(crate) fn node_key(db: &DbArg, create: bool) -> anyhow::Result<NodeKey> {
    let path = db.key_path();
    match std::fs::read_to_string(&path) {
        Ok(text) => NodeKey::from_file_text(&text)
            .map_err(|e| anyhow::anyhow!("the node key file {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let key = NodeKey::generate();
            write_private(&path, &key.to_file_text())
                .with_context(|| format!("cannot write the node key file {}", path.display()))?;
            eprintln!(
                "tamga: created the node key {} (id {}): it keys the audit chain; keep it, \
                 and back it up apart from the database",
                path.display(),
                &key.id()[..16]
            );
            Ok(key)
        }
        Err(e) => Err(anyhow::anyhow!(
            "cannot read the node key file {}: {e} (set --key or TAMGA_KEY)",
            path.display()
        )),
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

pub(crate) async fn open_store(db: &DbArg) -> anyhow::Result<Store> {
    let key = node_key(db, true)?;
    Store::open(StoreOptions::new(db.db.clone(), key))
        .await
        .with_context(|| format!("cannot open the database {}", redact(&db.db)))
}

/// The application as the node's operator uses it at the command line: the database, the
/// tariff (without search indexes, which no such command needs) and the business clock.
pub(crate) async fn open_app(
    db: &DbArg,
    snapshot: TariffSnapshot,
    clock: BusinessDate,
    treasury: TreasuryRules,
) -> anyhow::Result<App> {
    let store = open_store(db).await?;
    let tariff = Arc::new(Tariff {
        snapshot,
        indexes: Vec::new(),
    });
    Ok(App::new(store, tariff, clock, treasury))
}

/// A use case's refusal as the command line reports it: what was asked, and why not.
pub(crate) fn refused(doing: &str, error: &tamga_app::AppError) -> anyhow::Error {
    anyhow::anyhow!("cannot {doing}: {}", error.describe())
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

/// Says on which business date the service runs, and warns when no tariff with rates is in
/// force then (registrations would fail).
fn announce_business_date(snapshot: &TariffSnapshot, business_date: BusinessDate, fixed: bool) {
    let today = business_date.today();
    let source = if fixed { "--today" } else { "the system date" };
    match snapshot.edition_on(today) {
        Some(edition) if edition.rates_known => eprintln!(
            "tamga: business date {} ({source}), tariff edition {}",
            format_date(today),
            edition.id
        ),
        in_force => eprintln!(
            "tamga: warning: {} on the business date {} ({source}): registrations will fail. \
             The bundle covers {}. {}",
            match in_force {
                Some(edition) => format!(
                    "the tariff edition in force ({}) has no rates in the bundle",
                    edition.id
                ),
                None => "no tariff edition is in force".to_owned(),
            },
            format_date(today),
            snapshot.coverage(),
            if fixed {
                "Choose a --today the bundle covers."
            } else {
                "To use the built-in data, start with --today (or TAMGA_TODAY), e.g. \
                 --today 2021-06-01."
            }
        ),
    }
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
    announce_business_date(&snapshot, business_date, args.today.is_some());
    let limits = Limits {
        max_connections: args.max_connections,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
        ..Limits::default()
    };
    let treasury = TreasuryRules {
        special_duty_rule: args.special_duties.rule(),
        late_interest_daily_rate: args.late_interest_daily_rate,
        money_date_window_days: args.money_date_window_days,
        interest_cap_percent: args.interest_cap_percent,
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
        let app = Arc::new(App::new(store.clone(), tariff, business_date, treasury));
        tamga_http::serve(listener, AppState::new(app, limits), stop_signal())
            .await
            .context("the server failed")?;
        store.close().await;
        eprintln!("tamga: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

pub fn migrate(db: &DbArg) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let key = node_key(db, true)?;
        let applied = tamga_store::migrate::migrate_only(&StoreOptions::new(db.db.clone(), key))
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
    let snapshot = crate::catalogue::load_snapshot(tariff_dir)?;
    let db = match &command {
        TokenCommand::Create(args) => &args.db,
        TokenCommand::List(db) | TokenCommand::Revoke { db, .. } => db,
    };
    runtime()?.block_on(async {
        let app = open_app(db, snapshot, BusinessDate::System, TreasuryRules::default()).await?;
        let done = match &command {
            TokenCommand::Create(args) => token_create(&app, args).await,
            TokenCommand::List(_) => token_list(&app).await,
            TokenCommand::Revoke { id, .. } => match app.revoke_token(&Actor::Operator, id).await {
                Ok(record) => {
                    println!("revoked {}", record.principal.token_id);
                    Ok(())
                }
                Err(e) => Err(refused(&format!("revoke {id}"), &e)),
            },
        };
        app.store.close().await;
        done.map(|()| ExitCode::SUCCESS)
    })
}

async fn token_list(app: &App) -> anyhow::Result<()> {
    let tokens = app
        .tokens(&Actor::Operator)
        .await
        .map_err(|e| refused("list the tokens", &e))?;
    for token in tokens {
        let p = &token.principal;
        println!(
            "{}  {:<10} {:<3} {:<12} {:<24} created {}{}",
            p.token_id,
            p.role.as_str(),
            p.state.map(|s| s.to_string()).as_deref().unwrap_or("-"),
            p.tin.as_deref().unwrap_or("-"),
            p.name,
            token.created_at,
            token
                .revoked_at
                .map(|r| format!(", revoked {r}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

async fn token_create(app: &App, args: &TokenCreateArgs) -> anyhow::Result<()> {
    let request = TokenRequest {
        role: Some(args.role.clone()),
        state: args.state.clone().map(|s| s.to_ascii_uppercase()),
        tin: args.tin.clone(),
        name: args.name.clone(),
    };
    let (record, secret) =
        app.create_token(&Actor::Operator, &request)
            .await
            .map_err(|e| match e {
                tamga_app::AppError::Invalid(problems) => {
                    let lines: Vec<String> = problems
                        .iter()
                        .map(|p| format!("  --{}: {}", p.path, p.message))
                        .collect();
                    anyhow::anyhow!("cannot create the token:\n{}", lines.join("\n"))
                }
                other => refused("create the token", &other),
            })?;
    let p = &record.principal;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({"token": secret, "id": p.token_id, "role": p.role.as_str(),
                "state": p.state.map(|s| s.to_string()), "tin": p.tin, "name": p.name})
        ),
        Format::Text => {
            println!("{secret}");
            eprintln!(
                "created {} ({} {}); the token is shown this once",
                p.token_id,
                p.role.as_str(),
                p.state
                    .map(|s| s.to_string())
                    .or_else(|| p.tin.clone())
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// Exit 0 when the chain is intact, 3 when it is not.
pub fn audit_verify(
    tariff_dir: Option<&Path>,
    db: &DbArg,
    checkpoints: Option<&Path>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let kept = match checkpoints {
        Some(path) => read_checkpoints(path)?,
        None => Vec::new(),
    };
    node_key(db, false)?;
    let snapshot = crate::catalogue::load_snapshot(tariff_dir)?;
    runtime()?.block_on(async {
        let app = open_app(db, snapshot, BusinessDate::System, TreasuryRules::default()).await?;
        let report = app.verify_audit(&Actor::Operator, &kept).await;
        app.store.close().await;
        let report = report.map_err(|e| refused("verify the audit chain", &e))?;
        let intact = report.intact;
        match format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&tamga_http::views::AuditReport::from(report))?
            ),
            Format::Text => print_audit_report(&report),
        }
        Ok(if intact {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        })
    })
}

fn print_audit_report(report: &tamga_store::AuditReport) {
    if report.problems.is_empty() {
        println!(
            "the audit chain is intact: {} entries ({} written before it was keyed), \
             {} rows and {} objects as recorded, {} checkpoint(s) found; head {}",
            report.entries,
            report.unkeyed_entries,
            report.rows_checked,
            report.objects_checked,
            report.checkpoints_checked,
            report.head_hash
        );
    }
    for problem in &report.problems {
        println!(
            "problem at entry {} ({}): {}",
            problem.seq,
            problem.kind.as_str(),
            problem.detail
        );
    }
}

/// Checkpoints from a file of JSON lines; each problem names its line.
fn read_checkpoints(path: &Path) -> anyhow::Result<Vec<tamga_store::Checkpoint>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the checkpoints {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str::<tamga_http::views::Checkpoint>(line)
                .map(tamga_store::Checkpoint::from)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{}:{}:{}: expected a checkpoint of `tamga audit checkpoint`: {e}",
                        path.display(),
                        i + 1,
                        e.column()
                    )
                })
        })
        .collect()
}

/// Prints a signed checkpoint of the chain's head, and appends it to `append` when given.
pub fn audit_checkpoint(
    tariff_dir: Option<&Path>,
    db: &DbArg,
    append: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    node_key(db, false)?;
    let snapshot = crate::catalogue::load_snapshot(tariff_dir)?;
    runtime()?.block_on(async {
        let app = open_app(db, snapshot, BusinessDate::System, TreasuryRules::default()).await?;
        let checkpoint = app.audit_checkpoint(&Actor::Operator).await;
        app.store.close().await;
        let checkpoint = checkpoint.map_err(|e| refused("take a checkpoint", &e))?;
        let line = serde_json::to_string(&tamga_http::views::Checkpoint::from(checkpoint))?;
        if let Some(path) = append {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            writeln!(file, "{line}")?;
            file.sync_all()?;
        }
        println!("{line}");
        Ok(ExitCode::SUCCESS)
    })
}
