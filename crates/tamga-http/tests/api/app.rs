//! A running service for one test.

use std::sync::{Arc, OnceLock};

use reqwest::StatusCode;
use serde_json::Value;
use tamga_app::{BusinessDate, Tariff, TreasuryRules};
use tamga_http::{AppState, Limits};
use tamga_store::{Command, NewToken, Role, Store, StoreOptions, WriteOutcome, WriteRequest};
use tamga_testing::TestDb;
use tokio::sync::oneshot;

pub const RU_BEER: &str = include_str!("../../../../docs/examples/ru_beer_2021.json");
pub const KZ_WATER: &str = include_str!("../../../../docs/examples/kz_sweet_water_2019.json");
pub const BAD: &str = include_str!("../../../../docs/examples/bad_declaration.json");
pub const RU_TIN: &str = "7701234567";
pub const KZ_TIN: &str = "123456789012";

/// The built-in tariff, loaded and indexed once for all tests.
pub fn tariff() -> Arc<Tariff> {
    static TARIFF: OnceLock<Arc<Tariff>> = OnceLock::new();
    TARIFF
        .get_or_init(|| {
            let source = tamga_tariff::EmbeddedSource {
                name: "built-in bundle",
                files: tamga_data::FILES,
            };
            let snapshot = tamga_tariff::load(&source).expect("the built-in bundle loads");
            let indexes = tamga_app::catalogue::index_editions(&snapshot);
            Arc::new(Tariff { snapshot, indexes })
        })
        .clone()
}

pub fn business_date() -> tamga_core::Date {
    tamga_core::parse_date("2021-03-15").unwrap()
}

/// The business moment of a test day: 09:00 UTC, when the 16:00 local deadline of the day
/// before's report has not passed in any member state (UTC+6 is the furthest east).
pub fn at_nine(day: tamga_core::Date) -> time::OffsetDateTime {
    day.with_time(time::Time::from_hms(9, 0, 0).unwrap())
        .assume_utc()
}

pub struct App {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub db: TestDb,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    limits: Limits,
    treasury: TreasuryRules,
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn is_problem(&self) -> bool {
        self.content_type == "application/problem+json"
            && self.body["status"].as_u64() == Some(u64::from(self.status.as_u16()))
    }

    pub fn error_paths(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["path"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl App {
    pub async fn start(db: TestDb) -> App {
        App::start_with(db, |_| {}, Limits::default()).await
    }

    pub async fn start_with(
        db: TestDb,
        tune: impl FnOnce(&mut StoreOptions),
        limits: Limits,
    ) -> App {
        App::start_full(db, tune, limits, TreasuryRules::default()).await
    }

    pub async fn start_with_treasury(db: TestDb, treasury: TreasuryRules) -> App {
        App::start_full(db, |_| {}, Limits::default(), treasury).await
    }

    async fn start_full(
        db: TestDb,
        tune: impl FnOnce(&mut StoreOptions),
        limits: Limits,
        treasury: TreasuryRules,
    ) -> App {
        let mut options = db.options();
        tune(&mut options);
        let store = Store::open(options).await.expect("the store opens");
        let mut app = App {
            base: String::new(),
            http: reqwest::Client::new(),
            store,
            db,
            stop: None,
            server: None,
            limits,
            treasury,
        };
        app.serve_on(business_date()).await;
        app
    }

    /// (Re)starts the service on the store, on the business date `date` at 09:00 UTC.
    async fn serve_on(&mut self, date: tamga_core::Date) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        let app = tamga_app::App::new(
            self.store.clone(),
            tariff(),
            BusinessDate::At(at_nine(date)),
            self.treasury.clone(),
        );
        let state = AppState::new(Arc::new(app), self.limits.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        self.server = Some(tokio::spawn(async move {
            tamga_http::serve(listener, state, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        }));
        self.stop = Some(stop);
    }

    /// Restarts the service on the same database with another business date (a new day).
    pub async fn next_business_date(&mut self, date: &str) {
        self.serve_on(tamga_core::parse_date(date).unwrap()).await;
    }

    pub async fn token(&self, role: Role, state: Option<&str>, tin: Option<&str>) -> String {
        let secret = tamga_store::new_token_secret();
        let outcome = self
            .store
            .write(WriteRequest {
                actor: "test".into(),
                at: time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap(),
                idempotency: None,
                command: Command::CreateToken(NewToken {
                    role,
                    state: state.map(|s| tamga_core::CountryCode::parse(s).unwrap()),
                    tin: tin.map(str::to_owned),
                    name: format!("{} {}", role.as_str(), state.or(tin).unwrap_or("")),
                    secret: secret.clone(),
                }),
            })
            .await
            .unwrap();
        match outcome {
            WriteOutcome::Token(_) => secret,
            other => panic!("{other:?}"),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            body,
            text,
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(reqwest::Method::GET, path, token, None, &[])
            .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &str) -> Reply {
        self.send(reqwest::Method::POST, path, token, Some(body), &[])
            .await
    }

    /// Files a declaration and returns its id.
    pub async fn file(&self, token: &str, body: &str) -> String {
        let reply = self.post("/api/v1/declarations", Some(token), body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn act(&self, id: &str, action: &str, token: &str) -> Reply {
        self.post(
            &format!("/api/v1/declarations/{id}/{action}"),
            Some(token),
            "",
        )
        .await
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.store.close().await;
        self.db.drop().await;
    }
}

/// A declaration like `body` with one field replaced (a JSON pointer).
pub fn with(body: &str, pointer: &str, value: Value) -> String {
    let mut doc: Value = serde_json::from_str(body).unwrap();
    *doc.pointer_mut(pointer).unwrap() = value;
    doc.to_string()
}
