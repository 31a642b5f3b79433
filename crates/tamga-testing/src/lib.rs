//! A fresh database per test, for the store's conformance suite and the service's and the
//! command line's tests. A dev-dependency only: nothing in production uses it.
//!
//! PostgreSQL is taken from `TAMGA_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`): each test database gets a unique name and is
//! dropped at the end.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AnyConnection, Connection};
use tamga_store::{Backend, NodeKey, Store, StoreOptions};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn postgres_admin_url() -> String {
    std::env::var("TAMGA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    /// The node key the test's store is opened with.
    pub key: NodeKey,
    file: Option<PathBuf>,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique("tamga_store"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("t.db");
        TestDb {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", file.display()),
            key: NodeKey::generate(),
            file: Some(dir),
            pg_name: None,
        }
    }

    pub async fn postgres() -> TestDb {
        sqlx::any::install_default_drivers();
        let admin = postgres_admin_url();
        let name = unique("tamga_test");
        let mut conn = AnyConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} (set TAMGA_TEST_POSTGRES): {e}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        TestDb {
            backend: Backend::Postgres,
            url: format!("{base}/{name}"),
            key: NodeKey::generate(),
            file: None,
            pg_name: Some(name),
        }
    }

    pub fn options(&self) -> StoreOptions {
        StoreOptions::new(self.url.clone(), self.key.clone())
    }

    pub async fn open(&self) -> Store {
        Store::open(self.options()).await.unwrap()
    }

    /// A raw connection, to do what no user of the store can: alter rows behind its back.
    pub async fn raw(&self) -> AnyConnection {
        sqlx::any::install_default_drivers();
        AnyConnection::connect(&self.url).await.unwrap()
    }

    pub async fn drop(self) {
        if let Some(dir) = &self.file {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = &self.pg_name
            && let Ok(mut conn) = AnyConnection::connect(&postgres_admin_url()).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }

    /// PostgreSQL: the database stops accepting connections and drops the open ones, as when
    /// the server goes down; `available(true)` lets them in again.
    pub async fn set_available(&self, available: bool) {
        let name = self.pg_name.as_deref().expect("a PostgreSQL test database");
        let mut admin = AnyConnection::connect(&postgres_admin_url()).await.unwrap();
        let sql = if available {
            format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        } else {
            format!(
                "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            )
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .unwrap();
    }

    pub fn pg_name(&self) -> Option<&str> {
        self.pg_name.as_deref()
    }
}
