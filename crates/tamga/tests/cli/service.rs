//! `tamga serve` and the commands on its database, as an operator runs them: the real binary,
//! a real SQLite file or PostgreSQL database, a load generator in another process, kill -9.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tamga_testing::TestDb;

/// The binary, run in a directory of this test process: a node key that defaults to the
/// working directory (PostgreSQL's) lands there, never in the source tree.
fn tamga() -> Command {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tamga_cli_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    });
    let mut command = Command::new(env!("CARGO_BIN_EXE_tamga"));
    command
        .current_dir(dir)
        .env_remove("TAMGA_TARIFF")
        .env_remove("TAMGA_DB")
        .env_remove("TAMGA_KEY")
        .env_remove("TAMGA_TODAY");
    command
}

/// The directory of a SQLite test database.
fn db_dir(db: &TestDb) -> std::path::PathBuf {
    let file = db
        .url
        .strip_prefix("sqlite://")
        .expect("a SQLite test database");
    std::path::Path::new(file).parent().unwrap().to_owned()
}

fn run(args: &[&str]) -> Output {
    tamga().args(args).output().expect("the tamga binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "tamga failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `tamga serve` process.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str, today: Option<&str>) -> Server {
        let port = free_port();
        let mut args = vec![
            "serve".to_owned(),
            "--db".into(),
            db.into(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
        ];
        if let Some(today) = today {
            args.extend(["--today".into(), today.into()]);
        }
        let child = tamga()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tamga serve starts");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if http(&server.base, "GET", "/healthz", None, None).0 == 200 {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("tamga serve did not answer /healthz in 30 s");
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client over a std socket: status and body.
fn http(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let Ok(mut stream) = std::net::TcpStream::connect(address) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let body = body.unwrap_or("");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut response = String::new();
    if stream.read_to_string(&mut response).is_err() {
        return (0, String::new());
    }
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn token(db: &str, args: &[&str]) -> String {
    let mut all = vec!["token", "create", "--db", db];
    all.extend_from_slice(args);
    stdout(&run(&all))
}

/// Every declaration the declarant can list, paging by cursor.
fn list_ids(base: &str, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, body) = http(
            base,
            "GET",
            &format!("/api/v1/declarations?limit=1000{cursor}"),
            Some(token),
            None,
        );
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        for item in page["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return ids,
        }
    }
}

/// kill -9 the server while a load generator (another process) files declarations; after a
/// restart every declaration that got a 2xx is there exactly once and the audit chain verifies.
fn crash_loses_nothing_acknowledged(db: TestDb) {
    let url = db.url.clone();
    let declarant = token(&url, &["--role", "declarant", "--tin", "7701234567"]);
    let officer = token(&url, &["--role", "officer", "--state", "RU"]);
    let server = Server::start(&url, Some("2021-03-15"));
    let acknowledged = file_under_load_then_kill_9(server, &declarant);

    let server = Server::start(&url, Some("2021-03-15"));
    every_acknowledged_declaration_stored_once(&server.base, &declarant, &acknowledged);
    the_service_goes_on(&server.base, &declarant, &officer, &acknowledged[0]);
    drop(server);
    let verify = run(&["audit", "verify", "--db", &url]);
    assert!(
        stdout(&verify).contains("intact"),
        "the audit chain verifies after the crash"
    );
    db_drop(db);
}

/// Starts `tamga bench load` filing declarations at `base`, writing acknowledged ids to `ids_file`.
fn spawn_load(base: &str, declarant: &str, ids_file: &std::path::Path) -> Child {
    tamga()
        .args([
            "bench",
            "load",
            "--url",
            base,
            "--scenario",
            "submit",
            "--declarations",
            "1000000",
            "--concurrency",
            "16",
            "--stop-after-errors",
            "50",
            "--format",
            "json",
            "--declarant-token",
            declarant,
        ])
        .arg("--ids-out")
        .arg(ids_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Files under load, kills the server with -9 after a few hundred, and returns the acknowledged ids.
fn file_under_load_then_kill_9(server: Server, declarant: &str) -> Vec<String> {
    let ids_file = std::env::temp_dir().join(format!(
        "tamga_crash_{}_{}.txt",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_file(&ids_file);
    let load = spawn_load(&server.base, declarant, &ids_file);
    // Let it file a few hundred, then pull the plug.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let lines = std::fs::read_to_string(&ids_file)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 500 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-9", &server.pid()])
        .status()
        .unwrap();
    assert!(status.success());
    let report = load.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert!(
        report["failed"].as_u64().unwrap() >= 1,
        "the load saw the crash: {report}"
    );
    drop(server);

    let acknowledged: Vec<String> = std::fs::read_to_string(&ids_file)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let _ = std::fs::remove_file(&ids_file);
    assert!(
        acknowledged.len() >= 500,
        "{} acknowledged",
        acknowledged.len()
    );
    acknowledged
}

/// Every acknowledged declaration is stored exactly once, and few more than those were stored.
fn every_acknowledged_declaration_stored_once(
    base: &str,
    declarant: &str,
    acknowledged: &[String],
) {
    let stored = list_ids(base, declarant);
    let mut counts = std::collections::HashMap::new();
    for id in &stored {
        *counts.entry(id.as_str()).or_insert(0) += 1;
    }
    for id in acknowledged {
        assert_eq!(
            counts.get(id.as_str()),
            Some(&1),
            "{id} was acknowledged: stored exactly once"
        );
    }
    assert!(counts.values().all(|c| *c == 1));
    // At most the requests in flight at the crash were stored without their answer.
    assert!(
        stored.len() - acknowledged.len() <= 16,
        "{} stored, {} acknowledged",
        stored.len(),
        acknowledged.len()
    );
}

/// After the restart an acknowledged declaration reads back and registers as the day's first.
fn the_service_goes_on(base: &str, declarant: &str, officer: &str, id: &str) {
    let (status, body) = http(
        base,
        "GET",
        &format!("/api/v1/declarations/{id}"),
        Some(declarant),
        None,
    );
    assert_eq!(status, 200, "{body}");
    // The service goes on: the next registration of the day is number 1.
    let (status, body) = http(
        base,
        "POST",
        &format!("/api/v1/declarations/{id}/register"),
        Some(officer),
        None,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("10702070/150321/0000001"), "{body}");
}

fn db_drop(db: TestDb) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(db.drop());
}

#[test]
fn a_crash_on_sqlite_loses_nothing_acknowledged() {
    crash_loses_nothing_acknowledged(TestDb::sqlite());
}

#[test]
fn a_crash_on_postgres_loses_nothing_acknowledged() {
    let db = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(TestDb::postgres());
    crash_loses_nothing_acknowledged(db);
}

#[test]
fn migrate_tokens_and_the_audit_chain_from_the_command_line() {
    let db = TestDb::sqlite();
    let url = db.url.clone();
    migrations_from_the_command_line(&url);
    tokens_from_the_command_line(&url);
    the_audit_chain_and_its_checkpoints(&db);
    the_node_key_is_private_and_needed(&db);
    an_altered_entry_breaks_the_chain(&db);
    db_drop(db);
}

/// `db migrate` applies the migrations once, then says the database is up to date.
fn migrations_from_the_command_line(url: &str) {
    assert!(stdout(&run(&["db", "migrate", "--db", url])).contains("applied 0001_declarations"));
    assert!(stdout(&run(&["db", "migrate", "--db", url])).contains("up to date"));
}

/// Tokens are created, listed and revoked from the command line; bad bindings are refused.
fn tokens_from_the_command_line(url: &str) {
    // A token bound to the wrong thing is refused, naming the option.
    let bad = run(&[
        "token", "create", "--db", url, "--role", "officer", "--tin", "1",
    ]);
    assert!(!bad.status.success());
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(
        message.contains("--state") && message.contains("--tin"),
        "{message}"
    );
    let made = run(&[
        "token",
        "create",
        "--db",
        url,
        "--role",
        "commission",
        "--name",
        "EEC",
        "--format",
        "json",
    ]);
    let made: Value = serde_json::from_str(&stdout(&made)).unwrap();
    let id = made["id"].as_str().unwrap().to_owned();
    assert!(made["token"].as_str().unwrap().starts_with("tamga_"));
    let listed = stdout(&run(&["token", "list", "--db", url]));
    assert!(listed.contains(&id) && !listed.contains(made["token"].as_str().unwrap()));
    assert!(stdout(&run(&["token", "revoke", &id, "--db", url])).contains("revoked"));
    // An unknown token is named as one, not as a declaration.
    let unknown = run(&["token", "revoke", "tok_x", "--db", url]);
    assert!(!unknown.status.success());
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        message.contains("no such token") && !message.contains("declaration"),
        "{message}"
    );
    // A declarant's TIN is digits: no declaration could name "12ab".
    let letters = run(&[
        "token",
        "create",
        "--db",
        url,
        "--role",
        "declarant",
        "--tin",
        "12ab",
    ]);
    assert!(!letters.status.success());
    let message = String::from_utf8_lossy(&letters.stderr);
    assert!(
        message.contains("--tin: expected a taxpayer number"),
        "{message}"
    );
}

/// The audit log verifies intact against a checkpoint kept outside the database.
fn the_audit_chain_and_its_checkpoints(db: &TestDb) {
    let url = db.url.as_str();
    // The audit log: intact, with a checkpoint kept outside the database, then altered behind
    // the service's back.
    let kept = db_dir(db).join("checkpoints.jsonl");
    let kept = kept.to_str().unwrap();
    stdout(&run(&[
        "audit",
        "checkpoint",
        "--db",
        url,
        "--append",
        kept,
    ]));
    let intact = run(&[
        "audit",
        "verify",
        "--db",
        url,
        "--checkpoints",
        kept,
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&stdout(&intact)).unwrap();
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["entries"], 2);
    assert_eq!(report["checkpoints_checked"], 1);
}

/// The node key lives beside the database, private to its owner; without it `audit verify` fails.
fn the_node_key_is_private_and_needed(db: &TestDb) {
    // The key lives beside the database, readable by its owner only; without it, no check.
    let key = db_dir(db).join("t.key");
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the node key is private: {mode:o}");
    }
    let keyless = run(&[
        "audit",
        "verify",
        "--db",
        &db.url,
        "--key",
        "/nonexistent/tamga.key",
    ]);
    assert!(!keyless.status.success());
    assert!(String::from_utf8_lossy(&keyless.stderr).contains("node key"));
}

/// An audit entry altered behind the service's back is found and named by `audit verify`.
fn an_altered_entry_breaks_the_chain(db: &TestDb) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut raw = db.raw().await;
            sqlx::query("UPDATE audit_log SET actor = 'someone' WHERE seq = 1")
                .execute(&mut raw)
                .await
                .unwrap();
        });
    let broken = run(&["audit", "verify", "--db", &db.url]);
    assert_eq!(broken.status.code(), Some(3));
    let text = String::from_utf8_lossy(&broken.stdout);
    assert!(text.contains("problem at entry 1 (altered)"), "{text}");
}

/// Stops a server with SIGTERM, which is a clean stop, and answers what it wrote to stderr.
fn stop_and_read_log(mut server: Server) -> String {
    let term = Command::new("kill")
        .args(["-TERM", &server.pid()])
        .status()
        .unwrap();
    assert!(term.success());
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "SIGTERM is a clean stop: {exit:?}");
    let mut log = String::new();
    for line in BufReader::new(server.child.stderr.take().unwrap()).lines() {
        log.push_str(&line.unwrap());
        log.push('\n');
    }
    log
}

#[test]
fn serve_runs_on_todays_tariff_without_today_and_stops_gracefully() {
    let db = TestDb::sqlite();
    // No --today: the system date, on the 2022 edition, and no warning.
    let server = Server::start(&db.url, None);
    let (status, body) = http(&server.base, "GET", "/healthz", None, None);
    assert_eq!(status, 200);
    assert!(body.contains("\"tariff_rates_known\":true"), "{body}");
    assert!(body.contains("\"tariff_edition\":\"ett2022\""), "{body}");
    let log = stop_and_read_log(server);
    assert!(!log.contains("registrations will fail"), "{log}");
    assert!(log.contains("tariff edition ett2022"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    // A day no edition covers: it says so at start, and how to set --today.
    let server = Server::start(&db.url, Some("2016-06-01"));
    let (_, body) = http(&server.base, "GET", "/healthz", None, None);
    assert!(body.contains("\"tariff_rates_known\":false"), "{body}");
    let log = stop_and_read_log(server);
    assert!(log.contains("registrations will fail"), "{log}");
    assert!(log.contains("--today"), "{log}");
    db_drop(db);
}

#[test]
fn a_treasury_closes_a_day_and_reports_it_from_the_command_line() {
    let db = TestDb::sqlite();
    let url = db.url.clone();
    stdout(&run(&["db", "migrate", "--db", &url]));
    a_day_is_not_closed_before_it_ends(&url);
    a_day_without_receipts_closes_once_and_is_reported(&url);
    days_without_normatives_or_long_past_are_refused(&url);
    a_reversed_period_is_refused(&url);
    db_drop(db);
}

/// `treasury close-day` refuses a day that has not ended yet.
fn a_day_is_not_closed_before_it_ends(url: &str) {
    // Not before the day has ended.
    let too_soon = run(&[
        "treasury",
        "close-day",
        "--state",
        "RU",
        "--date",
        "2020-05-01",
        "--today",
        "2020-05-01",
        "--db",
        url,
    ]);
    assert!(!too_soon.status.success());
    assert!(
        String::from_utf8_lossy(&too_soon.stderr).contains("has not ended"),
        "{}",
        String::from_utf8_lossy(&too_soon.stderr)
    );
}

/// A day without receipts closes with nothing to distribute, once, and shows in the report.
fn a_day_without_receipts_closes_once_and_is_reported(url: &str) {
    let close = |format: &str| {
        run(&[
            "treasury",
            "close-day",
            "--state",
            "ru",
            "--date",
            "2020-05-01",
            "--today",
            "2020-05-02",
            "--db",
            url,
            "--format",
            format,
        ])
    };
    // A day without receipts closes with nothing to distribute.
    let first: Value = serde_json::from_str(&stdout(&close("json"))).unwrap();
    assert_eq!(first["already_closed"], false);
    assert_eq!(first["normative_set"], "2020");
    assert_eq!(first["receipts"], 0);
    let again = stdout(&close("text"));
    assert!(again.contains("closed before: nothing changed"), "{again}");
    let report = stdout(&run(&[
        "treasury",
        "report",
        "--state",
        "RU",
        "--from",
        "2020-05-01",
        "--to",
        "2020-05-31",
        "--db",
        url,
        "--format",
        "json",
    ]));
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["days"].as_array().unwrap().len(), 1);
}

/// A day before any normatives, or long past the window of money dates, is refused with why.
fn days_without_normatives_or_long_past_are_refused(url: &str) {
    let early = run(&[
        "treasury",
        "close-day",
        "--state",
        "RU",
        "--date",
        "2010-06-01",
        "--today",
        "2010-06-02",
        "--db",
        url,
    ]);
    assert!(!early.status.success());
    assert!(String::from_utf8_lossy(&early.stderr).contains("no distribution normatives"));
    // A day long past the window of money dates is refused with the reason.
    let stale = run(&[
        "treasury",
        "close-day",
        "--state",
        "RU",
        "--date",
        "2020-05-03",
        "--today",
        "2022-05-02",
        "--db",
        url,
    ]);
    assert!(!stale.status.success());
    assert!(String::from_utf8_lossy(&stale.stderr).contains("days before the business date"));
}

/// `treasury report` and `treasury reconcile` refuse a period whose start is after its end.
fn a_reversed_period_is_refused(url: &str) {
    // A reversed period is refused, not answered with nothing.
    for command in [
        vec!["treasury", "report", "--state", "RU"],
        vec!["treasury", "reconcile"],
    ] {
        let mut args = command.clone();
        args.extend(["--from", "2020-05-31", "--to", "2020-05-01", "--db", url]);
        let reversed = run(&args);
        assert!(!reversed.status.success(), "{command:?}");
        let message = String::from_utf8_lossy(&reversed.stderr);
        assert!(
            message.contains("2020-05-31 is after to 2020-05-01"),
            "{command:?}: {message}"
        );
    }
}

#[test]
fn serve_on_a_day_outside_the_bundle_does_not_suggest_the_option_it_was_given() {
    let db = TestDb::sqlite();
    let mut server = Server::start(&db.url, Some("2016-01-01"));
    let (status, body) = http(&server.base, "GET", "/healthz", None, None);
    assert_eq!(status, 200);
    assert!(body.contains("\"business_date\":\"2016-01-01\""), "{body}");
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut log = String::new();
    for line in BufReader::new(server.child.stderr.take().unwrap()).lines() {
        log.push_str(&line.unwrap());
        log.push('\n');
    }
    assert!(log.contains("registrations will fail"), "{log}");
    assert!(log.contains("(--today)"), "{log}");
    assert!(!log.contains("start with --today"), "{log}");
    assert!(log.contains("Choose a --today the bundle covers"), "{log}");
    db_drop(db);
}
