//! Embedded migrations, one folder per backend because the DDL differs. Each is applied once,
//! in a transaction, and recorded with its SHA-256; an applied migration that was later edited
//! stops the start, since the schema would no longer be what the code expects.

use sqlx::{AnyConnection, Connection, Row};

use crate::{Backend, Result, StoreError, sha256_hex};

/// A migration: its number, name and SQL for each backend.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }
}

/// The migration with which the audit chain becomes keyed by the node key.
pub const KEYED_CHAIN: &str = "0004_integrity";

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "declarations",
        sqlite: include_str!("../migrations/sqlite/0001_declarations.sql"),
        postgres: include_str!("../migrations/postgres/0001_declarations.sql"),
    },
    Migration {
        version: 2,
        name: "treasury",
        sqlite: include_str!("../migrations/sqlite/0002_treasury.sql"),
        postgres: include_str!("../migrations/postgres/0002_treasury.sql"),
    },
    Migration {
        version: 3,
        name: "transfers",
        sqlite: include_str!("../migrations/sqlite/0003_transfers.sql"),
        postgres: include_str!("../migrations/postgres/0003_transfers.sql"),
    },
    Migration {
        version: 4,
        name: "integrity",
        sqlite: include_str!("../migrations/sqlite/0004_integrity.sql"),
        postgres: include_str!("../migrations/postgres/0004_integrity.sql"),
    },
    Migration {
        version: 5,
        name: "idempotency",
        sqlite: include_str!("../migrations/sqlite/0005_idempotency.sql"),
        postgres: include_str!("../migrations/postgres/0005_idempotency.sql"),
    },
];

/// Whether these migrations, applied now, made the audit chain keyed.
pub(crate) fn keyed_now(applied: &[String]) -> bool {
    applied.iter().any(|name| name == KEYED_CHAIN)
}

/// Applies the migrations the database lacks. Returns the names of those applied now.
pub async fn run(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<String>> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS tamga_migrations (version BIGINT PRIMARY KEY, \
         name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let mut applied_now = Vec::new();
    for migration in MIGRATIONS {
        let sql = migration.sql(backend);
        let digest = sha256_hex(sql.as_bytes());
        let mut tx = conn.begin().await?;
        // On PostgreSQL two processes starting at once must not both apply a migration.
        if backend == Backend::Postgres {
            sqlx::raw_sql("LOCK TABLE tamga_migrations IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        let existing = sqlx::query("SELECT sha256 FROM tamga_migrations WHERE version = $1")
            .bind(migration.version)
            .fetch_optional(&mut *tx)
            .await?;
        match existing {
            Some(row) => {
                let stored: String = row.try_get(0)?;
                if stored != digest {
                    return Err(StoreError::MigrationChanged {
                        version: migration.version,
                        name: migration.name.to_owned(),
                    });
                }
                tx.commit().await?;
            }
            None => {
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO tamga_migrations (version, name, sha256, applied_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(migration.version)
                .bind(migration.name)
                .bind(&digest)
                .bind(crate::now_rfc3339()?)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                applied_now.push(format!("{:04}_{}", migration.version, migration.name));
            }
        }
    }
    Ok(applied_now)
}

/// Opens the database and applies the missing migrations, without starting the writer:
/// `tamga db migrate`.
pub async fn migrate_only(options: &crate::StoreOptions) -> Result<Vec<String>> {
    crate::install_drivers();
    let backend = Backend::of_url(&options.url)?;
    let mut conn = crate::open_connection(options, backend).await?;
    let applied = run(&mut conn, backend).await?;
    crate::audit::bind_key(&mut conn, &options.key, keyed_now(&applied)).await?;
    conn.close().await?;
    Ok(applied)
}
