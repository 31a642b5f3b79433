//! A bulk load of receipts, straight into the ledger in one transaction, for the close-day
//! benchmark (`tamga bench close-day`): a million through the writer would take minutes. The
//! rows are written outside the audit chain, and verification reports them as such; use it on
//! a benchmark's own database only.

use sqlx::{AnyConnection, Connection};

use crate::Result;
use crate::sql::{Param, insert_rows};

/// `count` import-duty receipt entries of `state` on `day`, each with its two postings, in one
/// transaction. Amounts are 1 to 10,000,000 kopecks, from a fixed sequence. Returns their sum.
pub async fn seed_receipts(url: &str, state: &str, day: &str, count: usize) -> Result<i64> {
    crate::install_drivers();
    let mut conn = AnyConnection::connect(url).await?;
    if url.starts_with("sqlite:") {
        // A large page cache, so that a million keys do not thrash it.
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
            for (n, account, signed) in [
                (1, "single_account", amount),
                (2, "to_distribute:import_duty", -amount),
            ] {
                postings.push(vec![
                    Param::Text(key.clone()),
                    Param::Int(n),
                    Param::Text(state.into()),
                    Param::Text(account.into()),
                    Param::Int(signed),
                ]);
            }
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
