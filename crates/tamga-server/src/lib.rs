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
pub mod input;
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
pub use listener::ConnectionLimits;
pub use problem::{ApiError, FieldProblem, Problem};

/// The limits of the service (docs/api.md).
#[derive(Clone, Debug)]
pub struct Limits {
    /// The largest request body; a declaration of 999 items fits several times over.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Open connections at once; at the limit the connection idle the longest is closed to
    /// serve a new client.
    pub max_connections: usize,
    /// How long a client has to send a request's headers.
    pub header_timeout: Duration,
    /// How long a keep-alive connection may stay open with no request.
    pub idle_timeout: Duration,
    /// The largest page of a list.
    pub max_page: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_page: 1000,
        }
    }
}

/// The default daily interest on a late transfer: 0.01 % a day, a placeholder until the legal
/// rate is read (the 2010 agreement on the distribution of import duties, Art. 7, names
/// interest for the delay but its rate was not read).
pub const DEFAULT_LATE_INTEREST: rust_decimal::Decimal =
    rust_decimal::Decimal::from_parts(1, 0, 0, false, 4);

/// The treasury's configurable rules: how special duties are distributed, the interest on a
/// late transfer, how far back a money date may be set, and the cap on interest booked without
/// a separate approval (docs/treasury.md).
#[derive(Clone, Debug)]
pub struct TreasuryRules {
    pub special_duty_rule: tamga_store::SpecialDutyRule,
    /// Interest per calendar day on a transfer confirmed after its deadline (a fraction; the
    /// legal rate is unverified: docs/treasury.md).
    pub late_interest_daily_rate: rust_decimal::Decimal,
    /// How many days before the business date a receipt, a transfer's sending or confirmation,
    /// or a closed day may be dated.
    pub money_date_window_days: u16,
    /// The most interest a confirmation books without an approval, in percent of the debt.
    pub interest_cap_percent: rust_decimal::Decimal,
}

impl Default for TreasuryRules {
    fn default() -> TreasuryRules {
        TreasuryRules {
            special_duty_rule: tamga_store::SpecialDutyRule::Normatives,
            late_interest_daily_rate: DEFAULT_LATE_INTEREST,
            money_date_window_days: tamga_treasury::bounds::DEFAULT_WINDOW_DAYS,
            interest_cap_percent: tamga_treasury::bounds::DEFAULT_INTEREST_CAP_PERCENT,
        }
    }
}

/// The tariff the service answers from: the bundle and a search index per edition.
pub struct Tariff {
    pub snapshot: TariffSnapshot,
    pub indexes: Vec<SearchIndex>,
}

/// The service's business date: fixed (`--today`, for demos, tests and replaying history) or
/// the system date.
#[derive(Clone, Copy, Debug)]
pub enum BusinessDate {
    /// A fixed day at the present time of day.
    Fixed(Date),
    /// A fixed moment (tests that depend on the time of day, such as a report's deadline).
    At(time::OffsetDateTime),
    System,
}

impl BusinessDate {
    pub fn today(self) -> Date {
        self.now().date()
    }

    /// The business moment: the business date at the present time of day (UTC).
    pub fn now(self) -> time::OffsetDateTime {
        match self {
            BusinessDate::Fixed(date) => service::business_now(date),
            BusinessDate::At(moment) => moment.to_offset(time::UtcOffset::UTC),
            BusinessDate::System => time::OffsetDateTime::now_utc(),
        }
    }
}

pub struct Inner {
    pub store: Store,
    pub treasury: TreasuryRules,
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
        AppState::with_treasury(
            store,
            tariff,
            business_date,
            limits,
            TreasuryRules::default(),
        )
    }

    pub fn with_treasury(
        store: Store,
        tariff: Arc<Tariff>,
        business_date: BusinessDate,
        limits: Limits,
        treasury: TreasuryRules,
    ) -> AppState {
        AppState(Arc::new(Inner {
            store,
            treasury,
            tokens: auth::TokenCache::default(),
            tariff,
            business_date,
            limits,
        }))
    }

    pub fn today(&self) -> Date {
        self.business_date.today()
    }

    /// The bounds of money dates on the business date.
    pub fn money_dates(&self) -> tamga_treasury::MoneyDates {
        tamga_treasury::MoneyDates::new(self.today(), self.treasury.money_date_window_days)
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
    let limits = ConnectionLimits {
        max_connections: state.limits.max_connections,
        header_timeout: state.limits.header_timeout,
        idle_timeout: state.limits.idle_timeout,
    };
    let (router, _) = app(state);
    listener::serve(listener, router, limits, shutdown).await
}
