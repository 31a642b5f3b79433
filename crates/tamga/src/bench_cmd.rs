//! `tamga bench load`: a load generator in its own process, so that the service is measured
//! over real HTTP on loopback (docs/benchmarks.md).
//!
//! - `file`: each declaration is submitted, then registered (which assesses and stores it), by
//!   `--concurrency` clients in a closed loop; reports declarations per second and the latency
//!   of the pair.
//! - `submit`: submissions only; `--ids-out` writes each acknowledged id (the crash test reads
//!   it after killing the server).
//! - `health`: `GET /healthz` in a closed loop, the baseline of the same run (HTTP and the
//!   generator's own cost, no declaration work).
//! - `get`: GET by id at a fixed rate (open loop: latency counts from the moment a request was
//!   due, so a stalled server cannot hide its stall by slowing the client down).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde_json::json;

use crate::cli::Format;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Submit and register each declaration.
    File,
    /// Submit only.
    Submit,
    /// GET declarations by id at a fixed rate.
    Get,
    /// GET /healthz in a closed loop: the HTTP round trip with no work, the baseline.
    Health,
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// The service's address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    #[arg(long, value_enum, default_value_t = Scenario::File)]
    pub scenario: Scenario,
    /// A declarant token whose TIN is the declaration's.
    #[arg(long, env = "TAMGA_DECLARANT_TOKEN")]
    pub declarant_token: String,
    /// An officer token of the declaration's state (scenario `file`).
    #[arg(long, env = "TAMGA_OFFICER_TOKEN")]
    pub officer_token: Option<String>,
    /// How many declarations to file (`file`, `submit`), or to file first and then read (`get`).
    #[arg(long, default_value_t = 5000)]
    pub declarations: usize,
    /// Clients at once (closed loop), or the most requests in flight (`get`).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// `get`: requests per second.
    #[arg(long, default_value_t = 5000)]
    pub rate: u64,
    /// `get`: for how long.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// The declaration to file (JSON); default docs/examples/ru_beer_2021.json, built in.
    #[arg(long)]
    pub declaration: Option<PathBuf>,
    /// Append the id of every acknowledged submission to this file, one per line, as it comes.
    #[arg(long)]
    pub ids_out: Option<PathBuf>,
    /// Worker threads of the generator.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Stop after this many failed requests (0: never), e.g. once the server is gone.
    #[arg(long, default_value_t = 0)]
    pub stop_after_errors: usize,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

const EXAMPLE: &str = include_str!("../../../docs/examples/ru_beer_2021.json");

struct Recorder {
    latencies_us: Mutex<Vec<u64>>,
    ok: AtomicUsize,
    failed: AtomicUsize,
    first_error: Mutex<Option<String>>,
}

impl Recorder {
    fn new(capacity: usize) -> Recorder {
        Recorder {
            latencies_us: Mutex::new(Vec::with_capacity(capacity)),
            ok: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            first_error: Mutex::new(None),
        }
    }

    fn success(&self, latency: Duration) {
        self.ok.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut l) = self.latencies_us.lock() {
            l.push(latency.as_micros() as u64);
        }
    }

    fn failure(&self, error: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first_error.lock()
            && first.is_none()
        {
            *first = Some(error);
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &str,
    key: &str,
) -> Result<serde_json::Value, String> {
    let response = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "POST {url}: {status}: {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    serde_json::from_str(&text).map_err(|e| format!("POST {url}: {e}"))
}

async fn health(client: &reqwest::Client, url: &str) -> Result<(), String> {
    let url = format!("{}/healthz", url.trim_end_matches('/'));
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    response
        .bytes()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("GET {url}: {status}"))
    }
}

/// Files one declaration (and registers it); returns its id.
async fn file_one(
    client: &reqwest::Client,
    args: &LoadArgs,
    body: &str,
    n: u64,
    register: bool,
) -> Result<String, String> {
    let base = args.url.trim_end_matches('/');
    let key = format!("load-{}-{n}", std::process::id());
    let made = post(
        client,
        &format!("{base}/api/v1/declarations"),
        &args.declarant_token,
        body,
        &key,
    )
    .await?;
    let id = made["id"]
        .as_str()
        .ok_or("no id in the response")?
        .to_owned();
    if register {
        let officer = args
            .officer_token
            .as_deref()
            .ok_or("--officer-token is needed")?;
        post(
            client,
            &format!("{base}/api/v1/declarations/{id}/register"),
            officer,
            "",
            &format!("{key}-r"),
        )
        .await?;
    }
    Ok(id)
}

pub fn load(args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let body = match &args.declaration {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
        None => EXAMPLE.to_owned(),
    };
    // Compact, as a client would send it.
    let body = serde_json::from_str::<serde_json::Value>(&body)
        .context("the declaration is not JSON")?
        .to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(args, Arc::new(body)))?;
    match args.format {
        Format::Json => println!("{report}"),
        Format::Text => {
            let l = &report["latency_ms"];
            println!(
                "{}: {} ok, {} failed in {} s: {} per second; latency ms p50 {} p90 {} p99 {} max {}",
                report["scenario"].as_str().unwrap_or(""),
                report["ok"],
                report["failed"],
                report["seconds"],
                report["per_second"],
                l["p50"],
                l["p90"],
                l["p99"],
                l["max"]
            );
            if let Some(e) = report["first_error"].as_str() {
                println!("first error: {e}");
            }
        }
    }
    Ok(if report["failed"] == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

async fn run(args: &LoadArgs, body: Arc<String>) -> anyhow::Result<serde_json::Value> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency.max(1) * 2)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let args = Arc::new(LoadArgs {
        url: args.url.clone(),
        scenario: args.scenario,
        declarant_token: args.declarant_token.clone(),
        officer_token: args.officer_token.clone(),
        declarations: args.declarations,
        concurrency: args.concurrency,
        rate: args.rate,
        seconds: args.seconds,
        declaration: None,
        ids_out: args.ids_out.clone(),
        threads: args.threads,
        stop_after_errors: args.stop_after_errors,
        format: args.format,
    });
    match args.scenario {
        Scenario::File | Scenario::Submit | Scenario::Health => {
            closed_loop(client, args, body).await
        }
        Scenario::Get => open_loop_get(client, args, body).await,
    }
}

fn summary(
    scenario: &str,
    recorder: &Recorder,
    elapsed: Duration,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut latencies = recorder
        .latencies_us
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    latencies.sort_unstable();
    let ok = recorder.ok.load(Ordering::Relaxed);
    let seconds = elapsed.as_secs_f64();
    let mut report = json!({
        "scenario": scenario,
        "ok": ok,
        "failed": recorder.failed.load(Ordering::Relaxed),
        "seconds": format!("{seconds:.2}"),
        "per_second": format!("{:.0}", ok as f64 / seconds.max(1e-9)),
        "latency_ms": {
            "p50": format!("{:.2}", percentile(&latencies, 50.0)),
            "p90": format!("{:.2}", percentile(&latencies, 90.0)),
            "p99": format!("{:.2}", percentile(&latencies, 99.0)),
            "max": format!("{:.2}", percentile(&latencies, 100.0)),
        },
        "first_error": recorder.first_error.lock().ok().and_then(|e| e.clone()),
    });
    if let (serde_json::Value::Object(map), serde_json::Value::Object(more)) = (&mut report, extra)
    {
        map.extend(more);
    }
    report
}

async fn closed_loop(
    client: reqwest::Client,
    args: Arc<LoadArgs>,
    body: Arc<String>,
) -> anyhow::Result<serde_json::Value> {
    let register = args.scenario == Scenario::File;
    let recorder = Arc::new(Recorder::new(args.declarations));
    let next = Arc::new(AtomicU64::new(0));
    let ids_out = match &args.ids_out {
        Some(path) => Some(Arc::new(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?,
        ))),
        None => None,
    };
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (client, args, body, recorder, next, ids_out) = (
            client.clone(),
            Arc::clone(&args),
            Arc::clone(&body),
            Arc::clone(&recorder),
            Arc::clone(&next),
            ids_out.clone(),
        );
        clients.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let failed = recorder.failed.load(Ordering::Relaxed);
                if n >= args.declarations as u64
                    || (args.stop_after_errors > 0 && failed >= args.stop_after_errors)
                {
                    break;
                }
                let t = Instant::now();
                let result = if args.scenario == Scenario::Health {
                    health(&client, &args.url).await.map(|()| String::new())
                } else {
                    file_one(&client, &args, &body, n, register).await
                };
                match result {
                    Ok(id) => {
                        recorder.success(t.elapsed());
                        if let Some(out) = &ids_out
                            && !id.is_empty()
                            && let Ok(mut f) = out.lock()
                        {
                            let _ = writeln!(f, "{id}");
                        }
                    }
                    Err(e) => recorder.failure(e),
                }
            }
        }));
    }
    for c in clients {
        c.await?;
    }
    let scenario = match args.scenario {
        Scenario::File => "file (submit + register)",
        Scenario::Submit => "submit",
        _ => "health (baseline)",
    };
    Ok(summary(
        scenario,
        &recorder,
        started.elapsed(),
        json!({"concurrency": args.concurrency}),
    ))
}

async fn open_loop_get(
    client: reqwest::Client,
    args: Arc<LoadArgs>,
    body: Arc<String>,
) -> anyhow::Result<serde_json::Value> {
    // The declarations to read.
    let mut ids = Vec::new();
    for n in 0..args.declarations.clamp(1, 10_000) as u64 {
        let id = file_one(&client, &args, &body, n, false)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        ids.push(id);
    }
    let ids = Arc::new(ids);
    let base = args.url.trim_end_matches('/').to_owned();
    let recorder = Arc::new(Recorder::new((args.rate * args.seconds) as usize));
    let in_flight = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let total = args.rate * args.seconds;
    let interval = Duration::from_secs_f64(1.0 / args.rate.max(1) as f64);
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        let permit = Arc::clone(&in_flight).acquire_owned().await?;
        let (client, ids, recorder, token) = (
            client.clone(),
            Arc::clone(&ids),
            Arc::clone(&recorder),
            args.declarant_token.clone(),
        );
        let url = format!(
            "{base}/api/v1/declarations/{}",
            ids[(i as usize) % ids.len()]
        );
        tasks.push(tokio::spawn(async move {
            let result = client.get(&url).bearer_auth(token).send().await;
            match result {
                Ok(r) if r.status().is_success() => match r.bytes().await {
                    Ok(_) => recorder.success(due.elapsed()),
                    Err(e) => recorder.failure(e.to_string()),
                },
                Ok(r) => recorder.failure(format!("GET {url}: {}", r.status())),
                Err(e) => recorder.failure(format!("GET {url}: {e}")),
            }
            drop(permit);
        }));
    }
    for t in tasks {
        t.await?;
    }
    Ok(summary(
        "get by id",
        &recorder,
        started.elapsed(),
        json!({"target_per_second": args.rate, "max_in_flight": args.concurrency}),
    ))
}

#[derive(Args, Debug)]
pub struct CloseDayBenchArgs {
    /// A fresh database to fill (SQLite: a file on disk).
    #[arg(long)]
    pub db: String,
    /// Receipts per day.
    #[arg(long, default_value_t = 1_000_000)]
    pub receipts: usize,
    /// Days to fill and close, one measurement each.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

/// Fills a day with receipts, then times the aggregate alone (the baseline: the query that
/// sums the day's receipts) and the whole close (sum, split, ledger entries, commit).
pub fn close_day(
    snapshot: tamga_tariff::TariffSnapshot,
    args: &CloseDayBenchArgs,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = tamga_store::Store::open(tamga_store::StoreOptions::new(
            args.db.clone(),
            tamga_store::NodeKey::generate(),
        ))
        .await?;
        let tariff = std::sync::Arc::new(tamga_app::Tariff {
            snapshot,
            indexes: Vec::new(),
        });
        let mut closes = Vec::new();
        let mut sums = Vec::new();
        for run in 0..args.runs.max(1) {
            let measured = close_one_day(&store, &tariff, args, run).await?;
            closes.push(measured.1);
            sums.push(measured.0);
        }
        store.close().await;
        let median = |v: &mut Vec<f64>| {
            v.sort_by(|a, b| a.total_cmp(b));
            v[v.len() / 2]
        };
        let (close, sum) = (median(&mut closes), median(&mut sums));
        println!(
            "{}",
            json!({"median_close_seconds": format!("{close:.3}"), "median_sum_seconds": format!("{sum:.3}"),
                   "close_to_sum_ratio": format!("{:.2}", close / sum), "receipts": args.receipts})
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// Seeds the run's day and closes it the next day through the application, as a treasury
/// does: returns the seconds of the sum alone and of the close.
async fn close_one_day(
    store: &tamga_store::Store,
    tariff: &std::sync::Arc<tamga_app::Tariff>,
    args: &CloseDayBenchArgs,
    run: usize,
) -> anyhow::Result<(f64, f64)> {
    let date = tamga_core::parse_date(&format!("2020-05-{:02}", 10 + run))?;
    let day = tamga_core::format_date(date);
    let seeded = Instant::now();
    let total = tamga_store::bulk::seed_receipts(&args.db, "RU", &day, args.receipts).await?;
    let seed_seconds = seeded.elapsed().as_secs_f64();
    let ru = tamga_core::CountryCode::parse("RU")?;
    let t = Instant::now();
    let open = store.open_receipts(ru, date).await?;
    let sum_seconds = t.elapsed().as_secs_f64();
    anyhow::ensure!(open.first().map(|o| o.1) == Some(total), "the sum is wrong");
    let clock = tamga_app::BusinessDate::Fixed(date.next_day().unwrap_or(date));
    let app = tamga_app::App::new(
        store.clone(),
        tariff.clone(),
        clock,
        tamga_app::TreasuryRules::default(),
    );
    let t = Instant::now();
    let (closing, _) = app
        .close_day(&tamga_app::Actor::Operator, "RU", date)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    let close_seconds = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        closing.receipts == args.receipts as i64,
        "not every receipt was closed"
    );
    anyhow::ensure!(
        closing.pools[0]
            .shares
            .iter()
            .map(|s| s.amount_minor)
            .sum::<i64>()
            == total,
        "the shares do not sum to the receipts"
    );
    println!(
        "{}",
        json!({"day": day, "receipts": args.receipts, "seed_seconds": format!("{seed_seconds:.2}"),
               "sum_seconds": format!("{sum_seconds:.3}"), "close_seconds": format!("{close_seconds:.3}")})
    );
    Ok((sum_seconds, close_seconds))
}
