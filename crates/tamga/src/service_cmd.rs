//! `tamga serve`, `tamga db migrate`, `tamga token …` and `tamga audit verify`: the service and
//! the commands that work on its database directly.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tamga_core::format_date;
use tamga_server::api::{TokenRequest, token_command};
use tamga_server::{AppState, BusinessDate, Limits, Tariff, TreasuryRules};
use tamga_store::{Command, NodeKey, Store, StoreOptions, WriteOutcome, WriteRequest, redact};

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
        let state = AppState::with_treasury(store.clone(), tariff, business_date, limits, treasury);
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
pub fn audit_verify(
    db: &DbArg,
    checkpoints: Option<&Path>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let kept = match checkpoints {
        Some(path) => read_checkpoints(path)?,
        None => Vec::new(),
    };
    node_key(db, false)?;
    runtime()?.block_on(async {
        let store = open_store(db).await?;
        let report = store.verify_audit(&kept).await?;
        store.close().await;
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            Format::Text => {
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
                        problem.seq, problem.kind, problem.detail
                    );
                }
            }
        }
        Ok(if report.intact {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        })
    })
}

/// Checkpoints from a file of JSON lines; each problem names its line.
fn read_checkpoints(path: &Path) -> anyhow::Result<Vec<tamga_store::Checkpoint>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the checkpoints {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
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
pub fn audit_checkpoint(db: &DbArg, append: Option<&Path>) -> anyhow::Result<ExitCode> {
    node_key(db, false)?;
    runtime()?.block_on(async {
        let store = open_store(db).await?;
        let at = tamga_server::service::utc_seconds(time::OffsetDateTime::now_utc());
        let checkpoint = store.checkpoint(&at).await?;
        store.close().await;
        let line = serde_json::to_string(&checkpoint)?;
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
