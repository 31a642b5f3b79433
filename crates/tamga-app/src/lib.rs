//! The application layer: one function per use case, which every door calls — the HTTP API,
//! the command line, and later the web interface and the network's inbox.
//!
//! A use case checks who may do it (scope before role: an object outside the caller's scope is
//! "not found", and only then is the role checked, so that existence does not leak), takes the
//! rules from the pure crates (the tariff and assessment, the declaration's life, the ledger's
//! decisions), and asks the store to persist what they decided. The business clock and the id
//! generator come in from outside. Its errors are typed and carry no HTTP status.

pub mod assessment;
mod audit;
pub mod auth;
pub mod catalogue;
mod cursor;
mod declarations;
pub mod diff;
pub mod documents;
mod tariff;
mod tokens;
mod treasury;

use std::sync::Arc;

use tamga_core::Date;
use tamga_search::SearchIndex;
use tamga_store::{Principal, Store, StoreError};
use tamga_tariff::TariffSnapshot;

pub use assessment::MINOR_UNIT_SCALE;
pub use audit::Checkpoints;
pub use auth::TokenCache;
pub use declarations::{DecisionKind, Idempotency, ListFilter, ListPage, VersionView};
pub use tokens::TokenRequest;
pub use treasury::{
    DEFAULT_LATE_INTEREST, InterestApproval, ReceiptRequest, Reconciliation, TransferAction,
    TreasuryRules,
};

/// One problem of a request, where it is and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The JSON path (`items[0].code`), `path.{name}` for a path parameter, or `$` for the
    /// whole document.
    pub path: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(path: &str, message: impl Into<String>) -> FieldProblem {
        FieldProblem {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid token.
    #[error("this needs a valid API token")]
    Unauthorized,
    /// The caller's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such object, or not the caller's to see (`what`: "such declaration").
    #[error("no {0}")]
    NotFound(String),
    /// The object's state does not allow it.
    #[error("{0}")]
    Conflict(String),
    /// The declaration is not at the version the caller based its change on.
    #[error("declaration {id} is at version {current}")]
    VersionMoved { id: String, current: i64 },
    /// Interest above the cap, not approved.
    #[error("{0}")]
    InterestOverCap(String),
    /// An idempotency key used before with another request.
    #[error("{0}")]
    IdempotencyMismatch(String),
    /// A parameter that cannot be read, named in the message.
    #[error("{0}")]
    BadRequest(String),
    /// The request is invalid: every problem with its place.
    #[error("the request has {} problem(s)", .0.len())]
    Invalid(Vec<FieldProblem>),
    /// The database is unavailable; nothing was changed.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The service failed; the failure is logged.
    #[error("internal failure: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid_at(path: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldProblem::new(path, message)])
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound(what.to_owned())
    }

    /// The detail and every field problem, for a command line.
    pub fn describe(&self) -> String {
        match self {
            AppError::Invalid(problems) => problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }
}

impl From<tamga_assess::ValidationErrors> for AppError {
    fn from(errors: tamga_assess::ValidationErrors) -> AppError {
        AppError::Invalid(
            errors
                .0
                .into_iter()
                .map(|e| FieldProblem {
                    path: e.path,
                    message: e.message,
                })
                .collect(),
        )
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::Unavailable(detail) => AppError::Unavailable(detail),
            StoreError::NotFound { what, .. } => {
                AppError::NotFound(format!("such {}", what.as_str()))
            }
            e @ StoreError::Transfer(tamga_store::TransferError::InterestOverCap { .. }) => {
                AppError::InterestOverCap(e.to_string())
            }
            e @ (StoreError::Exists(_)
            | StoreError::Transition { .. }
            | StoreError::Number(_)
            | StoreError::Transfer(_)
            | StoreError::AlreadyRevoked(_)
            | StoreError::ReceiptDiffers { .. }
            | StoreError::NoOpenDay { .. }
            | StoreError::StaleVersion { .. }) => AppError::Conflict(e.to_string()),
            e @ StoreError::IdempotencyMismatch(_) => AppError::IdempotencyMismatch(e.to_string()),
            other => {
                tracing::error!("store: {other}");
                AppError::Internal(other.to_string())
            }
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Who acts: the holder of a token, or the operator of this node at its command line (who
/// holds the database and its key, and acts as the node itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Token(Principal),
    Operator,
}

impl Actor {
    /// How the audit log names it.
    pub fn name(&self) -> String {
        match self {
            Actor::Token(principal) => principal.actor(),
            Actor::Operator => "cli".to_owned(),
        }
    }
}

/// The tariff the service answers from: the bundle and a search index per edition.
pub struct Tariff {
    pub snapshot: TariffSnapshot,
    pub indexes: Vec<SearchIndex>,
}

/// The business clock: the day registrations, closings and money dates are taken on, and the
/// time of day they are stamped at.
#[derive(Clone, Copy, Debug)]
pub enum BusinessDate {
    /// A fixed day at the present time of day (`--today`: demos, tests, replaying history).
    Fixed(Date),
    /// A fixed moment (tests that depend on the time of day, such as a report's deadline).
    At(time::OffsetDateTime),
    /// The system clock.
    System,
}

impl BusinessDate {
    pub fn today(self) -> Date {
        self.now().date()
    }

    /// The business moment (UTC).
    pub fn now(self) -> time::OffsetDateTime {
        match self {
            BusinessDate::Fixed(date) => time::OffsetDateTime::now_utc().replace_date(date),
            BusinessDate::At(moment) => moment.to_offset(time::UtcOffset::UTC),
            BusinessDate::System => time::OffsetDateTime::now_utc(),
        }
    }
}

/// Where new identifiers and secrets come from.
pub trait Ids: Send + Sync {
    /// A declaration id, sortable by `now_millis`.
    fn declaration_id(&self, now_millis: u64) -> String;
    /// A token's secret: 256 random bits.
    fn token_secret(&self) -> String;
}

/// Ids from the operating system's random generator.
pub struct RandomIds;

impl Ids for RandomIds {
    fn declaration_id(&self, now_millis: u64) -> String {
        tamga_store::new_declaration_id(now_millis)
    }

    fn token_secret(&self) -> String {
        tamga_store::new_token_secret()
    }
}

/// The application: the store, the tariff, the treasury's rules, the clock and the id source.
pub struct App {
    pub store: Store,
    pub tariff: Arc<Tariff>,
    pub treasury: TreasuryRules,
    pub clock: BusinessDate,
    ids: Arc<dyn Ids>,
    tokens: TokenCache,
}

impl App {
    pub fn new(
        store: Store,
        tariff: Arc<Tariff>,
        clock: BusinessDate,
        treasury: TreasuryRules,
    ) -> App {
        App::with_ids(store, tariff, clock, treasury, Arc::new(RandomIds))
    }

    pub fn with_ids(
        store: Store,
        tariff: Arc<Tariff>,
        clock: BusinessDate,
        treasury: TreasuryRules,
        ids: Arc<dyn Ids>,
    ) -> App {
        App {
            store,
            tariff,
            treasury,
            clock,
            ids,
            tokens: TokenCache::default(),
        }
    }

    pub fn today(&self) -> Date {
        self.clock.today()
    }

    pub fn snapshot(&self) -> &TariffSnapshot {
        &self.tariff.snapshot
    }

    /// The time a change records: now, UTC, RFC 3339.
    fn stamp(&self) -> Result<String> {
        time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| AppError::Internal(format!("the clock cannot be formatted: {e}")))
    }

    /// The bounds of money dates on the business date.
    pub fn money_dates(&self) -> tamga_treasury::MoneyDates {
        tamga_treasury::MoneyDates::new(self.today(), self.treasury.money_date_window_days)
    }

    /// Whether the service and its database answer: the business date, the edition in force
    /// then and whether its rates are known.
    pub async fn health(&self) -> Result<Health> {
        self.store.ping().await?;
        let today = self.today();
        let edition = self.snapshot().edition_on(today);
        Ok(Health {
            database: self.store.backend().as_str(),
            business_date: today,
            tariff_edition: edition.map(|e| e.id.clone()),
            tariff_rates_known: edition.is_some_and(|e| e.rates_known),
        })
    }
}

/// The answer of [`App::health`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub database: &'static str,
    pub business_date: Date,
    pub tariff_edition: Option<String>,
    pub tariff_rates_known: bool,
}
