//! The single writer. It owns one connection, takes every command waiting in its queue (up to
//! `max_batch`), applies them in order inside one transaction, commits once and only then
//! answers each: group commit, so one fsync serves many requests, and a strict order, so that
//! status checks, registration numbers and the audit chain need no further locking.
//!
//! A batch costs a handful of statements whatever its size ([`crate::batch`]): the commands are
//! applied in memory and each table is written with one multi-row statement. A refused command
//! changes nothing. A database error aborts the whole batch; the commands
//! are then retried one by one so that one bad command does not fail its neighbours. When the
//! database is unavailable every command of the batch is answered `Unavailable`, the connection
//! is dropped and the next batch reconnects.

use sqlx::AnyConnection;
use tokio::sync::{mpsc, oneshot};

use crate::audit::{load_head_for_update, store_head};
use crate::batch::Batch;
use crate::keys::NodeKey;
use crate::{Backend, Result, StoreError, StoreOptions, WriteOutcome, WriteRequest};

pub(crate) struct Job {
    pub request: WriteRequest,
    pub reply: oneshot::Sender<Result<WriteOutcome>>,
}

pub(crate) fn start(
    conn: AnyConnection,
    backend: Backend,
    options: StoreOptions,
) -> mpsc::Sender<Job> {
    let (sender, receiver) = mpsc::channel(4 * options.max_batch.max(1));
    tokio::spawn(run(Some(conn), backend, options, receiver));
    sender
}

async fn run(
    mut conn: Option<AnyConnection>,
    backend: Backend,
    options: StoreOptions,
    mut queue: mpsc::Receiver<Job>,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(options.max_batch);
    while let Some(job) = queue.recv().await {
        batch.push(job);
        while batch.len() < options.max_batch {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcomes = apply_with_connection(&mut conn, backend, &options, &batch).await;
        for (job, outcome) in batch.drain(..).zip(outcomes) {
            let _ = job.reply.send(outcome);
        }
    }
}

/// Applies a batch, connecting first when needed, and answers every job.
async fn apply_with_connection(
    conn: &mut Option<AnyConnection>,
    backend: Backend,
    options: &StoreOptions,
    batch: &[Job],
) -> Vec<Result<WriteOutcome>> {
    let unavailable = |message: String| {
        batch
            .iter()
            .map(|_| Err(StoreError::Unavailable(message.clone())))
            .collect::<Vec<_>>()
    };
    let requests: Vec<&WriteRequest> = batch.iter().map(|j| &j.request).collect();
    // A connection that died while idle (a database restart) fails at BEGIN, before anything
    // of the batch was sent: reconnect once and apply the batch on the new connection.
    for attempt in 0..2 {
        if conn.is_none() {
            match crate::open_connection(options, backend).await {
                Ok(c) => *conn = Some(c),
                Err(e) => return unavailable(e.to_string()),
            }
        }
        let Some(c) = conn.as_mut() else {
            return unavailable("no connection".into());
        };
        match bounded(options, apply_batch(c, backend, &options.key, &requests)).await {
            Ok(outcomes) => return outcomes,
            Err(BatchError::BeginFailed(e)) if attempt == 0 => {
                tracing::warn!("the writer's connection failed ({e}); reconnecting");
                *conn = None;
            }
            Err(
                BatchError::BeginFailed(e) | BatchError::Failed(e @ StoreError::Unavailable(_)),
            ) => {
                tracing::warn!("database unavailable: {e}");
                *conn = None;
                return unavailable(e.to_string());
            }
            Err(BatchError::Failed(first)) => {
                tracing::warn!(
                    "a batch of {} failed ({first}); retrying one by one",
                    requests.len()
                );
                let mut outcomes = Vec::with_capacity(requests.len());
                for request in &requests {
                    let one = [*request];
                    match bounded(options, apply_batch(c, backend, &options.key, &one)).await {
                        Ok(mut one) => outcomes.push(
                            one.pop()
                                .unwrap_or_else(|| Err(StoreError::Database("no outcome".into()))),
                        ),
                        Err(BatchError::BeginFailed(e) | BatchError::Failed(e)) => {
                            let unavailable = matches!(e, StoreError::Unavailable(_));
                            outcomes.push(Err(e));
                            if unavailable {
                                // The connection is in an unknown state: the next batch opens
                                // a new one, and the rest of this one is not tried on it.
                                *conn = None;
                                while outcomes.len() < requests.len() {
                                    outcomes.push(Err(StoreError::Unavailable(
                                        "the database became unavailable".into(),
                                    )));
                                }
                                return outcomes;
                            }
                        }
                    }
                }
                return outcomes;
            }
        }
    }
    unavailable("the database did not accept a transaction".into())
}

/// A batch bounded by the statement timeout: a transaction the database does not finish in
/// time (a frozen link) is unavailability, and its connection is not used again.
async fn bounded(
    options: &StoreOptions,
    batch: impl std::future::Future<Output = Result<Vec<Result<WriteOutcome>>, BatchError>>,
) -> Result<Vec<Result<WriteOutcome>>, BatchError> {
    tokio::time::timeout(options.statement_timeout, batch)
        .await
        .unwrap_or_else(|_| {
            Err(BatchError::Failed(StoreError::Unavailable(format!(
                "the database did not finish the transaction within {} s",
                options.statement_timeout.as_secs_f32()
            ))))
        })
}

/// Why a batch failed: at BEGIN (nothing was sent; safe to retry on a new connection) or later.
enum BatchError {
    BeginFailed(StoreError),
    Failed(StoreError),
}

/// One transaction: the outer error aborts it; the inner ones are commands refused before they
/// changed anything.
async fn apply_batch(
    conn: &mut AnyConnection,
    backend: Backend,
    key: &NodeKey,
    requests: &[&WriteRequest],
) -> Result<Vec<Result<WriteOutcome>>, BatchError> {
    // SQLite: take the write lock at BEGIN, so that a read-then-write transaction never fails
    // on a lock upgrade when another process (the CLI) writes too.
    let begin = match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    if let Err(e) = sqlx::raw_sql(begin).execute(&mut *conn).await {
        return Err(match StoreError::from(e) {
            e @ StoreError::Unavailable(_) => BatchError::BeginFailed(e),
            other => BatchError::Failed(other),
        });
    }
    let result = async {
        let start = load_head_for_update(&mut *conn, backend).await?;
        let mut batch = Batch::load(&mut *conn, requests, start.clone(), key.clone()).await?;
        let mut outcomes = Vec::with_capacity(requests.len());
        for request in requests {
            outcomes.push(match batch.apply(request)? {
                crate::batch::Applied::Done(outcome) => Ok(outcome),
                crate::batch::Applied::Refused(refusal) => Err(refusal),
            });
        }
        let end = batch.chain().clone();
        batch.flush(&mut *conn).await?;
        if end != start {
            store_head(&mut *conn, &end).await?;
        }
        Ok::<_, StoreError>(outcomes)
    }
    .await;
    match result {
        Ok(outcomes) => {
            sqlx::raw_sql("COMMIT")
                .execute(&mut *conn)
                .await
                .map_err(|e| BatchError::Failed(e.into()))?;
            Ok(outcomes)
        }
        Err(e) => {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            Err(BatchError::Failed(e))
        }
    }
}
