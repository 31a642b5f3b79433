//! The declaration store: one interface over an embedded SQLite file and PostgreSQL.
//!
//! - **One code path.** Both backends run the same SQL (`$N` placeholders, `RETURNING`,
//!   `ON CONFLICT`) through sqlx's `Any` driver; only the migrations ([`migrate`]) and the
//!   connection setup ([`Backend`]) differ. Every column is an integer or text, which `Any`
//!   carries on both: money in integer minor units, rates as exact decimal strings, dates as ISO
//!   text.
//! - **One writer.** Every change goes through a single writer task ([`writer`]) that takes the
//!   waiting commands, applies them in order in one transaction and answers each only after the
//!   commit (group commit). Commands are therefore serial: two officers releasing the same
//!   declaration cannot both succeed, registration numbers have no gaps and no duplicates, and the
//!   audit chain is one line. Reads go through a pool of their own.
//! - **Nothing legal is updated in place.** A declaration's versions, its assessments and the
//!   audit log are append-only; the `declarations` row is the current head, and every change to it
//!   is an audit entry carrying the hash of the state before and after ([`audit`]).

pub mod audit;
mod batch;
pub mod bulk;
mod commands;
mod ids;
pub mod keys;
pub mod migrate;
mod read;
mod records;
mod sql;
mod writer;

use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

pub use audit::{AuditProblem, AuditReport, Checkpoint, ProblemKind};
pub use commands::*;
pub use ids::{new_declaration_id, new_token_secret, sha256_hex, token_digest};
pub use keys::NodeKey;
pub use read::{DeclarationPage, ListQuery};
pub use records::*;
pub use tamga_treasury::reconcile::PairBalance;
pub use tamga_treasury::transfer::{TransferError, TransferOrder, TransferStatus};

/// What a store object is, for the errors that name one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    Declaration,
    Token,
    Transfer,
}

impl Object {
    pub fn as_str(self) -> &'static str {
        match self {
            Object::Declaration => "declaration",
            Object::Token => "token",
            Object::Transfer => "transfer",
        }
    }
}

/// What went wrong in the store. `Unavailable` is the database being down, locked beyond the
/// timeout or out of connections: nothing was written. The rest but `Database` are refusals of
/// one command, which changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("no {} {id}", what.as_str())]
    NotFound { what: Object, id: String },
    #[error("declaration {0} exists")]
    Exists(String),
    /// The change does not apply to the declaration as it is now.
    #[error("declaration {id}: {refusal}")]
    Transition {
        id: String,
        refusal: tamga_declaration::Refusal,
    },
    #[error(transparent)]
    Number(#[from] tamga_declaration::NumberError),
    #[error(transparent)]
    Transfer(#[from] TransferError),
    #[error("token {0} is already revoked")]
    AlreadyRevoked(String),
    /// A refund or penalty interest replayed with another amount, pool or day.
    #[error(
        "receipt {key} was recorded with {recorded_minor} minor units of {recorded_pool} for \
         {recorded_day}; this request says {asked_minor} of {asked_pool} for {asked_day}: a \
         reference is used once"
    )]
    ReceiptDiffers {
        key: String,
        recorded_minor: i64,
        recorded_pool: &'static str,
        recorded_day: String,
        asked_minor: i64,
        asked_pool: &'static str,
        asked_day: String,
    },
    /// Every day up to the last of the calendar is closed: a receipt has nowhere to go.
    #[error("{state} has closed {last}, and no later day is open to book a receipt on")]
    NoOpenDay { state: String, last: String },
    #[error(
        "this database's audit chain is keyed by node key {database}, not by the key given \
         ({given}): use the node's own key file"
    )]
    KeyMismatch { database: String, given: String },
    /// The declaration changed since the caller read it (an optimistic check failed).
    #[error("declaration {id} is at version {current}, not {expected}")]
    StaleVersion {
        id: String,
        current: i64,
        expected: i64,
    },
    #[error("the idempotency key {0:?} was used before with a different request")]
    IdempotencyMismatch(String),
    #[error("invalid database URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("migration {version} ({name}) differs from the one applied to this database")]
    MigrationChanged { version: i64, name: String },
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Database(e.to_string())
        }
    }
}

/// Errors that mean "the database cannot be reached or used now", not "this request is wrong".
/// Each backend's codes are read as that backend defines them: SQLite's are numbers whose low
/// byte is the primary result code, PostgreSQL's are SQLSTATE classes. (A PostgreSQL SQLSTATE
/// such as 22021, a NUL in text, is a bad value, never SQLite's BUSY.)
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let code = db.code().unwrap_or_default();
                sqlite_unavailable(code.parse::<i64>().ok())
            } else if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                postgres_unavailable(pg.code())
            } else {
                false
            }
        }
        _ => false,
    }
}

/// SQLite: BUSY (5), LOCKED (6), READONLY (8), IOERR (10), FULL (13), CANTOPEN (14), and their
/// extended codes (the primary code is the low byte).
fn sqlite_unavailable(code: Option<i64>) -> bool {
    matches!(code.map(|c| c & 0xff), Some(5 | 6 | 8 | 10 | 13 | 14))
}

/// PostgreSQL: class 08 (connection exception), 53 (insufficient resources), 57 (operator
/// intervention: shutdown, cancelled, not accepting connections), 58 (system error: I/O), and
/// 3D000 (the database does not exist, as when it was dropped under the service).
fn postgres_unavailable(sqlstate: &str) -> bool {
    ["08", "53", "57", "58"]
        .iter()
        .any(|class| sqlstate.starts_with(class))
        || sqlstate == "3D000"
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The present moment, UTC, RFC 3339: for what the store itself stamps (an order's update).
pub(crate) fn now_rfc3339() -> Result<String> {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Database(format!("the clock cannot be formatted: {e}")))
}

/// Which database a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::BadUrl {
                url: url.to_owned(),
                reason: "expected sqlite://PATH or postgres://…".into(),
            })
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to open a store. The timeouts bound how long a request waits for the database before it
/// is answered 503.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub url: String,
    /// SQLite: how long a statement waits on a lock held by another process.
    pub busy_timeout: Duration,
    /// How long a read waits for a pooled connection, and the writer for a new one.
    pub acquire_timeout: Duration,
    pub max_readers: u32,
    /// The most commands the writer commits in one transaction.
    pub max_batch: usize,
    /// How long one statement or transaction may take before the database is taken as
    /// unavailable (a frozen link answers 503 after this, not after the OS's TCP timeout).
    pub statement_timeout: Duration,
    /// The node key: it keys the audit chain and signs its checkpoints.
    pub key: NodeKey,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>, key: NodeKey) -> StoreOptions {
        StoreOptions {
            url: url.into(),
            key,
            statement_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            max_readers: 8,
            max_batch: 256,
        }
    }
}

/// The handle the service and the CLI hold. Cloning it is cheap; all clones share the reader
/// pool and the one writer.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    key: NodeKey,
    statement_timeout: Duration,
    readers: AnyPool,
    writer: mpsc::Sender<writer::Job>,
}

static DRIVERS: Once = Once::new();

fn install_drivers() {
    DRIVERS.call_once(sqlx::any::install_default_drivers);
}

/// The URL sqlx is given: a SQLite file is created when missing.
fn connect_url(url: &str, backend: Backend) -> String {
    match backend {
        Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        }
        _ => url.to_owned(),
    }
}

/// Per-connection settings. SQLite: WAL, so that readers never block the writer; `synchronous =
/// FULL`, so that an acknowledged commit survives a power cut, not only a crash; foreign keys on
/// (SQLite's default is off); and a bounded wait on locks.
async fn prepare_connection(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    busy_timeout: Duration,
) -> std::result::Result<(), sqlx::Error> {
    if backend == Backend::Sqlite {
        // Safe: the only value is a number from the options.
        conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
             PRAGMA foreign_keys = ON;",
            busy_timeout.as_millis()
        ))))
        .await?;
    }
    Ok(())
}

async fn open_connection(options: &StoreOptions, backend: Backend) -> Result<sqlx::AnyConnection> {
    use sqlx::ConnectOptions;
    let connect: AnyConnectOptions =
        connect_url(&options.url, backend)
            .parse()
            .map_err(|e: sqlx::Error| StoreError::BadUrl {
                url: redact(&options.url),
                reason: e.to_string(),
            })?;
    // Any failure to connect is the database being unavailable, whatever the driver's error.
    let mut conn = tokio::time::timeout(options.acquire_timeout, connect.connect())
        .await
        .map_err(|_| StoreError::Unavailable("connecting timed out".into()))?
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    prepare_connection(&mut conn, backend, options.busy_timeout).await?;
    Ok(conn)
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}://{}:***{}",
                    &url[..scheme],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Opens the database, runs the embedded migrations and starts the writer.
    pub async fn open(options: StoreOptions) -> Result<Store> {
        install_drivers();
        let backend = Backend::of_url(&options.url)?;
        let mut conn = open_connection(&options, backend).await?;
        let applied = migrate::run(&mut conn, backend).await?;
        // The chain becomes keyed with the migration that introduced the key.
        audit::bind_key(&mut conn, &options.key, migrate::keyed_now(&applied)).await?;
        let key = options.key.clone();

        let busy = options.busy_timeout;
        let readers = AnyPoolOptions::new()
            .max_connections(options.max_readers)
            .min_connections(0)
            .test_before_acquire(false)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _| Box::pin(prepare_connection(conn, backend, busy)))
            .connect_lazy(&connect_url(&options.url, backend))
            .map_err(|e| StoreError::BadUrl {
                url: redact(&options.url),
                reason: e.to_string(),
            })?;
        let statement_timeout = options.statement_timeout;
        let writer = writer::start(conn, backend, options);
        Ok(Store {
            backend,
            key,
            statement_timeout,
            readers,
            writer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies one command through the writer and waits for its commit.
    pub async fn write(&self, request: WriteRequest) -> Result<WriteOutcome> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(writer::Job { request, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the writer has stopped".into()))?
    }

    /// Waits until every command sent so far is committed, then closes the connections.
    pub async fn close(self) {
        let Store {
            readers, writer, ..
        } = self;
        drop(writer);
        readers.close().await;
    }

    /// A read, bounded by the statement timeout: a database that does not answer in time (a
    /// frozen link, a stopped server) is unavailable, not a request that hangs.
    pub(crate) async fn bounded<T>(
        &self,
        read: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        tokio::time::timeout(self.statement_timeout, read)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::Unavailable(format!(
                    "the database did not answer within {} s",
                    self.statement_timeout.as_secs_f32()
                )))
            })
    }

    /// Whether the database answers now.
    pub async fn ping(&self) -> Result<()> {
        self.bounded(async {
            sqlx::query("SELECT 1")
                .execute(&mut *self.reader().await?)
                .await?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_reads_its_own_codes() {
        // 22021 (a NUL in text) & 0xff = 5, SQLite's BUSY: a bad value on PostgreSQL.
        assert!(!postgres_unavailable("22021"));
        assert!(!postgres_unavailable("23505"));
        assert!(postgres_unavailable("08006"));
        assert!(postgres_unavailable("57P01"));
        assert!(postgres_unavailable("53300"));
        assert!(sqlite_unavailable(Some(5)));
        assert!(sqlite_unavailable(Some(517)), "SQLITE_BUSY_SNAPSHOT");
        assert!(
            !sqlite_unavailable(Some(19)),
            "a constraint is not unavailability"
        );
        assert!(!sqlite_unavailable(None));
    }
}
