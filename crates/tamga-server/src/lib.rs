//! The HTTP API of the declaration service (axum), its OpenAPI document (utoipa), tokens and
//! roles, and the limits that keep one client from taking the service down.
//!
//! The handlers are the imperative shell: they read the request, check the caller's role and
//! scope, call the pure core (validation and assessment in `tamga-assess`, lookups in
//! `tamga-tariff`) and the store, and render the answer. Nothing here computes money.

pub mod api;
mod auth;
pub mod catalogue;
pub mod diff;
mod listener;
pub mod problem;
pub mod service;
pub mod tariff_json;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tamga_core::Date;
use tamga_search::SearchIndex;
use tamga_store::Store;
use tamga_tariff::TariffSnapshot;

pub use auth::Caller;
pub use listener::LimitedListener;
pub use problem::{ApiError, FieldProblem, Problem};

/// The limits of the service (docs/api.md).
#[derive(Clone, Debug)]
pub struct Limits {
    /// The largest request body; a declaration of 999 items fits several times over.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Open connections at once; further clients wait in the kernel's accept queue.
    pub max_connections: usize,
    /// The largest page of a list.
    pub max_page: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_page: 1000,
        }
    }
}

/// The default daily interest on a late transfer: 0.01 % a day, a placeholder until the legal
/// rate is read (domain brief §2.1 item 7).
pub const DEFAULT_LATE_INTEREST: &str = "0.0001";

/// The tariff the service answers from: the bundle and a search index per edition.
pub struct Tariff {
    pub snapshot: TariffSnapshot,
    pub indexes: Vec<SearchIndex>,
}

/// The service's business date: fixed (`--today`, for demos, tests and replaying history) or
/// the system date.
#[derive(Clone, Copy, Debug)]
pub enum BusinessDate {
    Fixed(Date),
    System,
}

impl BusinessDate {
    pub fn today(self) -> Date {
        match self {
            BusinessDate::Fixed(date) => date,
            BusinessDate::System => time::OffsetDateTime::now_utc().date(),
        }
    }
}

pub struct Inner {
    pub store: Store,
    /// How special, anti-dumping and countervailing duties are distributed.
    pub special_duty_rule: tamga_store::SpecialDutyRule,
    /// Interest per calendar day on a transfer confirmed after its deadline (a fraction; the
    /// legal rate is unverified: docs/treasury.md).
    pub late_interest_daily_rate: rust_decimal::Decimal,
    pub tokens: auth::TokenCache,
    pub tariff: Arc<Tariff>,
    pub business_date: BusinessDate,
    pub limits: Limits,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        store: Store,
        tariff: Arc<Tariff>,
        business_date: BusinessDate,
        limits: Limits,
    ) -> AppState {
        AppState::with_rule(
            store,
            tariff,
            business_date,
            limits,
            tamga_store::SpecialDutyRule::Normatives,
        )
    }

    pub fn with_rule(
        store: Store,
        tariff: Arc<Tariff>,
        business_date: BusinessDate,
        limits: Limits,
        special_duty_rule: tamga_store::SpecialDutyRule,
    ) -> AppState {
        AppState(Arc::new(Inner {
            store,
            special_duty_rule,
            late_interest_daily_rate: DEFAULT_LATE_INTEREST.parse().unwrap_or_default(),
            tokens: auth::TokenCache::default(),
            tariff,
            business_date,
            limits,
        }))
    }

    pub fn today(&self) -> Date {
        self.business_date.today()
    }

    /// The same state with another daily interest rate on late transfers.
    pub fn with_late_interest(self, rate: rust_decimal::Decimal) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.late_interest_daily_rate = rate;
                AppState(Arc::new(inner))
            }
            Err(shared) => AppState(shared),
        }
    }
}

/// The router and the OpenAPI document, built together from the handlers.
pub fn app(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    api::router(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight (graceful
/// shutdown): every write that was acknowledged is committed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max_connections = state.limits.max_connections;
    let (router, _) = app(state);
    let listener = LimitedListener::new(listener, max_connections);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
