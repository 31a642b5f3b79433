//! The treasury's ledger: closed days, what is received and not distributed, transfer orders,
//! and the postings reconciliation sets side by side.

use sqlx::Row;
use tamga_core::{CountryCode, Date, format_date};
use tamga_treasury::ledger::{Account, EntryKind, Pool};
use tamga_treasury::reconcile::{DebtPosting, PairBalance, reconcile};
use tamga_treasury::transfer::TransferOrder;

use crate::batch::{ORDER_COLUMNS, load_closing, order_from_row};
use crate::sql::{parse_currency, parse_day, parse_state, text_sum};
use crate::{DayClosing, Result, Store, StoreError, Undistributed};

/// Every transfer order, for verification.
pub(crate) async fn all_orders(conn: &mut sqlx::AnyConnection) -> Result<Vec<TransferOrder>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM transfer_orders ORDER BY id");
    // Safe: column names only.
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(order_from_row).collect()
}

impl Store {
    /// A state's closed day, with its distribution.
    pub async fn day_closing(&self, state: CountryCode, day: Date) -> Result<Option<DayClosing>> {
        self.bounded(async { load_closing(&mut *self.reader().await?, state, day).await })
            .await
    }

    /// A state's closed days from `from` to `to` (inclusive), oldest first.
    pub async fn day_closings(
        &self,
        state: CountryCode,
        from: Date,
        to: Date,
    ) -> Result<Vec<DayClosing>> {
        self.bounded(async {
            let mut conn = self.reader().await?;
            let days = sqlx::query(
                "SELECT day FROM day_closings WHERE state = $1 AND day >= $2 AND day <= $3 \
                 ORDER BY day",
            )
            .bind(state.as_str())
            .bind(format_date(from))
            .bind(format_date(to))
            .fetch_all(&mut *conn)
            .await?;
            let mut closings = Vec::with_capacity(days.len());
            for row in days {
                let day = parse_day(&row.try_get::<String, _>(0)?)?;
                if let Some(closing) = load_closing(&mut conn, state, day).await? {
                    closings.push(closing);
                }
            }
            Ok(closings)
        })
        .await
    }

    /// The receipts of a state's day not yet distributed: (pool, net amount, count).
    pub async fn open_receipts(
        &self,
        state: CountryCode,
        day: Date,
    ) -> Result<Vec<(Pool, i64, i64)>> {
        self.bounded(async {
            let rows = sqlx::query(
                "SELECT pool, CAST(SUM(amount_minor) AS TEXT), COUNT(*) FROM ledger_entries \
                 WHERE state = $1 AND day = $2 AND kind = 'receipt' GROUP BY pool ORDER BY pool",
            )
            .bind(state.as_str())
            .bind(format_date(day))
            .fetch_all(&mut *self.reader().await?)
            .await?;
            rows.iter()
                .map(|r| {
                    let pool: String = r.try_get(0)?;
                    Ok((
                        Pool::parse(&pool).ok_or_else(|| {
                            StoreError::Database(format!("unknown pool {pool:?}"))
                        })?,
                        text_sum(r, 1)?,
                        r.try_get(2)?,
                    ))
                })
                .collect()
        })
        .await
    }

    /// Every receipt balance left undistributed on the days `from`..=`to`, by state, day and
    /// pool.
    pub async fn undistributed(&self, from: Date, to: Date) -> Result<Vec<Undistributed>> {
        self.bounded(async {
            let rows = sqlx::query(
                "SELECT e.state, e.day, e.pool, e.currency, CAST(SUM(p.amount_minor) AS TEXT), \
                 COUNT(c.day) \
                 FROM ledger_postings p JOIN ledger_entries e ON e.entry_key = p.entry_key \
                 LEFT JOIN day_closings c ON c.state = e.state AND c.day = e.day \
                 WHERE e.day >= $1 AND e.day <= $2 AND p.account LIKE 'to_distribute:%' \
                 GROUP BY e.state, e.day, e.pool, e.currency ORDER BY e.state, e.day, e.pool",
            )
            .bind(format_date(from))
            .bind(format_date(to))
            .fetch_all(&mut *self.reader().await?)
            .await?;
            let mut out = Vec::new();
            for row in rows {
                // Credits are negative on `to_distribute`: what is left is owed to the pool.
                let balance = -text_sum(&row, 4)?;
                if balance == 0 {
                    continue;
                }
                let pool: String = row.try_get(2)?;
                out.push(Undistributed {
                    state: parse_state(&row.try_get::<String, _>(0)?)?,
                    day: parse_day(&row.try_get::<String, _>(1)?)?,
                    pool: Pool::parse(&pool)
                        .ok_or_else(|| StoreError::Database(format!("unknown pool {pool:?}")))?,
                    currency: parse_currency(&row.try_get::<String, _>(3)?)?,
                    amount_minor: balance,
                    day_closed: row.try_get::<i64, _>(5)? != 0,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Reconciles every pair of books over the days `from`..=`to`
    /// (`tamga_treasury::reconcile::reconcile`).
    pub async fn reconcile(&self, from: Date, to: Date) -> Result<Vec<PairBalance>> {
        self.bounded(async {
            let rows = sqlx::query(
                "SELECT p.book, p.account, e.currency, p.entry_key, p.amount_minor, e.kind \
                 FROM ledger_postings p JOIN ledger_entries e ON e.entry_key = p.entry_key \
                 WHERE e.day >= $1 AND e.day <= $2 AND e.kind <> 'receipt' \
                 AND (p.account LIKE 'due_to:%' OR p.account LIKE 'due_from:%')",
            )
            .bind(format_date(from))
            .bind(format_date(to))
            .fetch_all(&mut *self.reader().await?)
            .await?;
            let mut postings = Vec::with_capacity(rows.len());
            for row in rows {
                let account: String = row.try_get(1)?;
                let kind: String = row.try_get(5)?;
                postings.push(DebtPosting {
                    book: parse_state(&row.try_get::<String, _>(0)?)?,
                    account: Account::parse(&account).ok_or_else(|| {
                        StoreError::Database(format!("unknown account {account:?}"))
                    })?,
                    currency: parse_currency(&row.try_get::<String, _>(2)?)?,
                    entry_key: row.try_get(3)?,
                    amount_minor: row.try_get(4)?,
                    kind: EntryKind::parse(&kind).ok_or_else(|| {
                        StoreError::Database(format!("unknown entry kind {kind:?}"))
                    })?,
                });
            }
            Ok(reconcile(postings))
        })
        .await
    }

    /// The transfer orders a state sends or receives, oldest day first.
    pub async fn transfers(&self, state: CountryCode) -> Result<Vec<TransferOrder>> {
        self.bounded(async {
            let sql = format!(
                "SELECT {ORDER_COLUMNS} FROM transfer_orders WHERE sender = $1 OR receiver = $1 \
                 ORDER BY day, id"
            );
            // Safe: column names only; the state is bound.
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(state.as_str())
                .fetch_all(&mut *self.reader().await?)
                .await?;
            rows.iter().map(order_from_row).collect()
        })
        .await
    }

    pub async fn transfer(&self, id: &str) -> Result<Option<TransferOrder>> {
        self.bounded(async {
            let sql = format!("SELECT {ORDER_COLUMNS} FROM transfer_orders WHERE id = $1");
            // Safe: column names only; the id is bound.
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *self.reader().await?)
                .await?;
            row.as_ref().map(order_from_row).transpose()
        })
        .await
    }
}
