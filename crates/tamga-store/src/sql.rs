//! The few SQL helpers every area uses: values to bind, multi-row inserts and `IN` lists, and
//! reading the integer sums that `Any` cannot carry as numbers.

use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// A value to bind.
#[derive(Clone, Debug)]
pub(crate) enum Param {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

/// A day as the database keeps it: ISO text.
pub(crate) fn day(date: tamga_core::Date) -> Param {
    Param::Text(tamga_core::format_date(date))
}

pub(crate) fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of `select` (a `SELECT … FROM …` without a `WHERE`) whose `column` is one of
/// `values`, in one query.
pub(crate) async fn fetch_in(
    conn: &mut AnyConnection,
    select: &str,
    column: &str,
    values: &[&str],
) -> Result<Vec<sqlx::any::AnyRow>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{select} WHERE {column} IN ({})",
        placeholders(1, values.len())
    );
    // Safe: the text is this crate's SQL and placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for value in values {
        query = query.bind(*value);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

/// Bound values per statement. SQLite looks up a `$N` parameter by its name, a linear search,
/// so a statement with n of them costs O(n²) to bind: 30,000 took seconds, 1,000 take a
/// millisecond. (SQLite's historical limit was 999.)
const MAX_PARAMS: usize = 999;

/// `INSERT INTO {target} VALUES (…), (…) {suffix}`, in as few statements as the limits allow.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    target: &str,
    rows: &[Vec<Param>],
    suffix: &str,
) -> Result<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let width = first.len();
    for chunk in rows.chunks((MAX_PARAMS / width).max(1)) {
        let mut sql = format!("INSERT INTO {target} VALUES ");
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(i * width + 1, width));
            sql.push(')');
        }
        sql.push_str(suffix);
        // Safe: the text holds table and column names from this crate and placeholders; every
        // value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for value in row {
                query = match value {
                    Param::Int(v) => query.bind(*v),
                    Param::OptInt(v) => query.bind(*v),
                    Param::Text(v) => query.bind(v.as_str()),
                    Param::OptText(v) => query.bind(v.as_deref()),
                };
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// An integer sum read as text: SUM of BIGINT is NUMERIC on PostgreSQL, which `Any` cannot
/// carry, so queries cast it, and it is parsed exactly. NULL (no rows) is 0.
pub(crate) fn text_sum(row: &sqlx::any::AnyRow, at: usize) -> Result<i64> {
    let text: Option<String> = row.try_get(at)?;
    text.unwrap_or_else(|| "0".into())
        .parse()
        .map_err(|_| StoreError::Database("a sum is not an integer".into()))
}

/// A stored day.
pub(crate) fn parse_day(text: &str) -> Result<tamga_core::Date> {
    tamga_core::parse_date(text)
        .map_err(|_| StoreError::Database(format!("a stored day is not a date: {text:?}")))
}

/// A stored member state.
pub(crate) fn parse_state(text: &str) -> Result<tamga_core::CountryCode> {
    tamga_core::CountryCode::parse(text)
        .map_err(|_| StoreError::Database(format!("a stored state is not a country: {text:?}")))
}

/// A stored currency.
pub(crate) fn parse_currency(text: &str) -> Result<tamga_core::CurrencyCode> {
    tamga_core::CurrencyCode::parse(text)
        .map_err(|_| StoreError::Database(format!("a stored currency is not ISO 4217: {text:?}")))
}

/// A stored exact decimal.
pub(crate) fn parse_decimal(text: &str) -> Result<rust_decimal::Decimal> {
    text.parse()
        .map_err(|_| StoreError::Database(format!("a stored rate is not a decimal: {text:?}")))
}
