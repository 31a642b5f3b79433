//! A fresh database per test, for this crate's conformance suite and the service's tests.
//!
//! PostgreSQL is taken from `TAMGA_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`): each test database gets a unique name and is
//! dropped at the end.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Backend, NodeKey, Store, StoreOptions};
use sqlx::{AnyConnection, Connection};

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

/// Receipts for a benchmark: `count` import-duty receipt entries of `state` on `day`, each with
/// its two postings, written straight to the database in one transaction (the writer would take
/// minutes for a million). Amounts are 1 to 10,000,000 kopecks, from a fixed sequence. Returns
/// their sum.
pub async fn seed_receipts(url: &str, state: &str, day: &str, count: usize) -> crate::Result<i64> {
    use crate::batch::{Param, insert_rows};
    crate::install_drivers();
    let mut conn = AnyConnection::connect(url).await?;
    if url.starts_with("sqlite:") {
        // Seeding only: a large page cache, so that a million keys do not thrash it.
        sqlx::raw_sql("PRAGMA cache_size = -524288")
            .execute(&mut conn)
            .await?;
    }
    sqlx::raw_sql("BEGIN").execute(&mut conn).await?;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut total = 0i64;
    let chunk = 20_000;
    let mut done = 0;
    while done < count {
        let n = chunk.min(count - done);
        let mut entries = Vec::with_capacity(n);
        let mut postings = Vec::with_capacity(2 * n);
        for i in done..done + n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let amount = (x % 10_000_000) as i64 + 1;
            total += amount;
            let key = format!("receipt:seed-{day}-{i:09}:1:release");
            entries.push(vec![
                Param::Text(key.clone()),
                Param::Text("receipt".into()),
                Param::Text(state.into()),
                Param::Text(day.into()),
                Param::Text("import_duty".into()),
                Param::Text("RUB".into()),
                Param::Int(amount),
                Param::OptText(None),
                Param::OptInt(Some(1)),
                Param::Text("2020-05-01T00:00:00Z".into()),
            ]);
            postings.push(vec![
                Param::Text(key.clone()),
                Param::Int(1),
                Param::Text(state.into()),
                Param::Text("single_account".into()),
                Param::Int(amount),
            ]);
            postings.push(vec![
                Param::Text(key),
                Param::Int(2),
                Param::Text(state.into()),
                Param::Text("to_distribute:import_duty".into()),
                Param::Int(-amount),
            ]);
        }
        insert_rows(
            &mut conn,
            "ledger_entries (entry_key, kind, state, day, pool, currency, amount_minor, \
             declaration_id, line, created_at)",
            &entries,
            "",
        )
        .await?;
        insert_rows(
            &mut conn,
            "ledger_postings (entry_key, n, book, account, amount_minor)",
            &postings,
            "",
        )
        .await?;
        done += n;
    }
    sqlx::raw_sql("COMMIT").execute(&mut conn).await?;
    conn.close().await?;
    Ok(total)
}
