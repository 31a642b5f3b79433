//! The single writer. It owns one connection, takes every command waiting in its queue (up to
//! `max_batch`), applies them in order inside one transaction, commits once and only then
//! answers each: group commit, so one fsync serves many requests, and a strict order, so that
//! status checks, registration numbers and the audit chain need no further locking.
//!
//! Each command checks everything it needs before it writes anything, so a refused command
//! leaves the transaction as it found it. A database error aborts the whole batch; the commands
//! are then retried one by one so that one bad command does not fail its neighbours. When the
//! database is unavailable every command of the batch is answered `Unavailable`, the connection
//! is dropped and the next batch reconnects.

use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{mpsc, oneshot};

use crate::audit::{ChainHead, append_entry, load_head_for_update, store_head};
use crate::ids::{new_token_secret, sha256_hex, token_digest};
use crate::read::{DeclarationHead, load_assessment_document, load_body, load_head};
use crate::{
    Backend, Command, Decision, NewAssessment, Principal, Result, Role, Status, StoreError,
    StoreOptions, TokenRecord, WriteOutcome, WriteRequest,
};

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

pub(crate) fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
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
        match apply_batch(c, backend, &requests).await {
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
                    outcomes.push(match apply_batch(c, backend, &[*request]).await {
                        Ok(mut one) => one
                            .pop()
                            .unwrap_or_else(|| Err(StoreError::Database("no outcome".into()))),
                        Err(BatchError::BeginFailed(e) | BatchError::Failed(e)) => Err(e),
                    });
                }
                return outcomes;
            }
        }
    }
    unavailable("the database did not accept a transaction".into())
}

/// Why a batch failed: at BEGIN (nothing was sent; safe to retry on a new connection) or later.
enum BatchError {
    BeginFailed(StoreError),
    Failed(StoreError),
}

/// One transaction: the outer error aborts it; the inner ones are commands refused before they
/// wrote anything.
async fn apply_batch(
    conn: &mut AnyConnection,
    backend: Backend,
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
        let mut head = load_head_for_update(&mut *conn, backend).await?;
        let start = head.clone();
        let mut outcomes = Vec::with_capacity(requests.len());
        for request in requests {
            outcomes.push(apply_one(&mut *conn, &mut head, request).await?);
        }
        if head != start {
            store_head(&mut *conn, &head).await?;
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

async fn apply_one(
    conn: &mut AnyConnection,
    chain: &mut ChainHead,
    request: &WriteRequest,
) -> Result<Result<WriteOutcome>> {
    let claim = match &request.command {
        Command::CreateToken { .. } | Command::RevokeToken { .. } => None,
        _ => request.idempotency.as_ref(),
    };
    if let Some(claim) = claim {
        let stored = sqlx::query(
            "SELECT request_sha256, status, response FROM idempotency_keys \
             WHERE actor = $1 AND key = $2",
        )
        .bind(&request.actor)
        .bind(&claim.key)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = stored {
            let digest: String = row.try_get(0)?;
            if digest != claim.request_sha256 {
                return Ok(Err(StoreError::IdempotencyMismatch(claim.key.clone())));
            }
            let status: i64 = row.try_get(1)?;
            return Ok(Ok(WriteOutcome::Replayed {
                status: u16::try_from(status).unwrap_or(200),
                response: row.try_get(2)?,
            }));
        }
    }
    let now = now_rfc3339();
    let outcome = match &request.command {
        Command::Submit(new) => submit(conn, chain, &request.actor, &now, new).await?,
        Command::Amend {
            id,
            expected_version,
            body,
            assessment,
        } => {
            amend(
                conn,
                chain,
                &request.actor,
                &now,
                id,
                *expected_version,
                body,
                assessment.as_ref(),
            )
            .await?
        }
        Command::Register {
            id,
            expected_version,
            registration_date,
            assessment,
        } => {
            register(
                conn,
                chain,
                &request.actor,
                &now,
                id,
                *expected_version,
                registration_date,
                assessment,
            )
            .await?
        }
        Command::Decide { id, decision } => {
            decide(conn, chain, &request.actor, &now, id, decision).await?
        }
        Command::CreateToken {
            role,
            state,
            tin,
            name,
        } => create_token(conn, chain, &request.actor, &now, *role, state, tin, name).await?,
        Command::RevokeToken { id } => revoke_token(conn, chain, &request.actor, &now, id).await?,
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(refused) => return Ok(Err(refused)),
    };
    if let (Some(claim), WriteOutcome::Declaration(record)) = (claim, &outcome) {
        let response = serde_json::to_string(record)
            .map_err(|e| StoreError::Database(format!("cannot serialise a record: {e}")))?;
        sqlx::query(
            "INSERT INTO idempotency_keys (actor, key, request_sha256, status, response, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&request.actor)
        .bind(&claim.key)
        .bind(&claim.request_sha256)
        .bind(i64::from(claim.status))
        .bind(response)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(Ok(outcome))
}

type Step = Result<Result<WriteOutcome>>;

fn refused(e: StoreError) -> Step {
    Ok(Err(e))
}

/// The hash of a declaration's state, as the audit log records it before and after a change.
pub(crate) fn state_hash(head: &DeclarationHead) -> String {
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        head.id,
        head.status.as_str(),
        head.version,
        head.body_sha256,
        head.assessment_sha256.as_deref().unwrap_or(""),
        head.number.as_deref().unwrap_or(""),
        head.registration_date.as_deref().unwrap_or(""),
        head.reason.as_deref().unwrap_or(""),
        head.updated_at,
    );
    sha256_hex(text.as_bytes())
}

async fn submit(
    conn: &mut AnyConnection,
    chain: &mut ChainHead,
    actor: &str,
    now: &str,
    new: &crate::NewDeclaration,
) -> Step {
    if load_head(&mut *conn, &new.id).await?.is_some() {
        return refused(StoreError::Conflict(format!(
            "declaration {} exists",
            new.id
        )));
    }
    let body_sha256 = sha256_hex(new.body.as_bytes());
    let head = DeclarationHead {
        id: new.id.clone(),
        state: new.state.clone(),
        customs_office: new.customs_office.clone(),
        declarant_tin: new.declarant_tin.clone(),
        status: Status::Submitted,
        version: 1,
        number: None,
        registration_date: None,
        reason: None,
        submitted_at: now.to_owned(),
        updated_at: now.to_owned(),
        body_sha256,
        assessment_sha256: None,
    };
    let after = state_hash(&head);
    sqlx::query(
        "INSERT INTO declarations (id, state, customs_office, declarant_tin, status, version, \
         submitted_on, submitted_at, updated_at, body_sha256, state_sha256) \
         VALUES ($1, $2, $3, $4, 'submitted', 1, $5, $6, $6, $7, $8)",
    )
    .bind(&head.id)
    .bind(&head.state)
    .bind(&head.customs_office)
    .bind(&head.declarant_tin)
    .bind(&new.submitted_on)
    .bind(now)
    .bind(&head.body_sha256)
    .bind(&after)
    .execute(&mut *conn)
    .await?;
    insert_version(conn, &head.id, 1, &new.body, &head.body_sha256, now, actor).await?;
    append_entry(conn, chain, now, actor, "submit", &head.id, None, &after).await?;
    Ok(Ok(WriteOutcome::Declaration(
        head.into_record(new.body.clone(), None)?,
    )))
}

async fn insert_version(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    body: &str,
    body_sha256: &str,
    now: &str,
    actor: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO declaration_versions (declaration_id, version, body, body_sha256, created_at, actor) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(version)
    .bind(body)
    .bind(body_sha256)
    .bind(now)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_assessment(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    assessment: &NewAssessment,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO assessments (declaration_id, version, registration_date, tariff_edition, \
         rounding_rule, currency, exchange_rates, total_minor, document, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(version)
    .bind(&assessment.registration_date)
    .bind(&assessment.tariff_edition)
    .bind(&assessment.rounding_rule)
    .bind(&assessment.currency)
    .bind(&assessment.exchange_rates)
    .bind(assessment.total_minor)
    .bind(&assessment.document)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for (line, payment) in assessment.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO payment_lines (declaration_id, version, line, item, payment_code, kind, \
             amount_minor, currency) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(version)
        .bind(line as i64 + 1)
        .bind(payment.item)
        .bind(&payment.payment_code)
        .bind(&payment.kind)
        .bind(payment.amount_minor)
        .bind(&assessment.currency)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn head_for_change(
    conn: &mut AnyConnection,
    id: &str,
    expected_version: Option<i64>,
) -> Result<Result<DeclarationHead>> {
    let Some(head) = load_head(&mut *conn, id).await? else {
        return Ok(Err(StoreError::NotFound(id.to_owned())));
    };
    if let Some(expected) = expected_version
        && head.version != expected
    {
        return Ok(Err(StoreError::StaleVersion {
            id: id.to_owned(),
            current: head.version,
            expected,
        }));
    }
    Ok(Ok(head))
}

async fn update_head(
    conn: &mut AnyConnection,
    head: &DeclarationHead,
    state_sha256: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE declarations SET status = $2, version = $3, registration_number = $4, \
         registration_date = $5, reason = $6, updated_at = $7, body_sha256 = $8, \
         assessment_sha256 = $9, state_sha256 = $10 WHERE id = $1",
    )
    .bind(&head.id)
    .bind(head.status.as_str())
    .bind(head.version)
    .bind(&head.number)
    .bind(&head.registration_date)
    .bind(&head.reason)
    .bind(&head.updated_at)
    .bind(&head.body_sha256)
    .bind(&head.assessment_sha256)
    .bind(state_sha256)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn amend(
    conn: &mut AnyConnection,
    chain: &mut ChainHead,
    actor: &str,
    now: &str,
    id: &str,
    expected_version: i64,
    body: &str,
    assessment: Option<&NewAssessment>,
) -> Step {
    let mut head = match head_for_change(conn, id, Some(expected_version)).await? {
        Ok(head) => head,
        Err(e) => return refused(e),
    };
    if !head.status.is_open() {
        return refused(StoreError::Conflict(format!(
            "declaration {id} is {}; it can no longer be amended",
            head.status.as_str()
        )));
    }
    if (head.status == Status::Registered) != assessment.is_some() {
        return refused(StoreError::Conflict(format!(
            "declaration {id} is {}: an amendment must {}carry a new assessment",
            head.status.as_str(),
            if assessment.is_some() { "not " } else { "" }
        )));
    }
    let before = state_hash(&head);
    head.version += 1;
    head.body_sha256 = sha256_hex(body.as_bytes());
    head.updated_at = now.to_owned();
    insert_version(conn, id, head.version, body, &head.body_sha256, now, actor).await?;
    let document = match assessment {
        Some(assessment) => {
            insert_assessment(conn, id, head.version, assessment, now).await?;
            head.assessment_sha256 = Some(sha256_hex(assessment.document.as_bytes()));
            Some(assessment.document.clone())
        }
        None => None,
    };
    let after = state_hash(&head);
    update_head(conn, &head, &after).await?;
    append_entry(conn, chain, now, actor, "amend", id, Some(&before), &after).await?;
    Ok(Ok(WriteOutcome::Declaration(
        head.into_record(body.to_owned(), document)?,
    )))
}

/// The registration number of a goods declaration, box A: `OFFICE/DDMMYY/NNNNNNN`, the
/// customs office code, the registration day and a 7-digit sequence of that office and day
/// (domain brief §7.1). `None` when the date is not ISO or the sequence has run out.
pub fn registration_number(office: &str, date: &str, sequence: i64) -> Option<String> {
    let (y, m, d) = (date.get(2..4)?, date.get(5..7)?, date.get(8..10)?);
    if !(1..=9_999_999).contains(&sequence) {
        return None;
    }
    Some(format!("{office}/{d}{m}{y}/{sequence:07}"))
}

#[allow(clippy::too_many_arguments)]
async fn register(
    conn: &mut AnyConnection,
    chain: &mut ChainHead,
    actor: &str,
    now: &str,
    id: &str,
    expected_version: i64,
    registration_date: &str,
    assessment: &NewAssessment,
) -> Step {
    let mut head = match head_for_change(conn, id, Some(expected_version)).await? {
        Ok(head) => head,
        Err(e) => return refused(e),
    };
    if head.status != Status::Submitted {
        return refused(StoreError::Conflict(format!(
            "declaration {id} is {}{}; only a submitted declaration can be registered",
            head.status.as_str(),
            head.number
                .as_deref()
                .map(|n| format!(" as {n}"))
                .unwrap_or_default()
        )));
    }
    let before = state_hash(&head);
    // The next number of the office and day; the row lock (PostgreSQL) or the write lock
    // (SQLite) of this transaction keeps the sequence free of gaps and duplicates.
    let row = sqlx::query(
        "INSERT INTO registration_sequences (customs_office, day, last_number) VALUES ($1, $2, 1) \
         ON CONFLICT (customs_office, day) DO UPDATE \
         SET last_number = registration_sequences.last_number + 1 RETURNING last_number",
    )
    .bind(&head.customs_office)
    .bind(registration_date)
    .fetch_one(&mut *conn)
    .await?;
    let sequence: i64 = row.try_get(0)?;
    let number = registration_number(&head.customs_office, registration_date, sequence)
        .ok_or_else(|| {
            StoreError::Conflict(format!(
                "office {} has used every registration number of {registration_date}",
                head.customs_office
            ))
        })?;
    insert_assessment(conn, id, head.version, assessment, now).await?;
    head.status = Status::Registered;
    head.number = Some(number);
    head.registration_date = Some(registration_date.to_owned());
    head.assessment_sha256 = Some(sha256_hex(assessment.document.as_bytes()));
    head.updated_at = now.to_owned();
    let after = state_hash(&head);
    update_head(conn, &head, &after).await?;
    append_entry(
        conn,
        chain,
        now,
        actor,
        "register",
        id,
        Some(&before),
        &after,
    )
    .await?;
    let body = load_body(&mut *conn, id, head.version).await?;
    Ok(Ok(WriteOutcome::Declaration(
        head.into_record(body, Some(assessment.document.clone()))?,
    )))
}

async fn decide(
    conn: &mut AnyConnection,
    chain: &mut ChainHead,
    actor: &str,
    now: &str,
    id: &str,
    decision: &Decision,
) -> Step {
    let mut head = match head_for_change(conn, id, None).await? {
        Ok(head) => head,
        Err(e) => return refused(e),
    };
    let (allowed, next, reason) = match decision {
        Decision::Release { reason } => (
            head.status == Status::Registered,
            Status::Released,
            reason.clone(),
        ),
        Decision::Refuse { reason } => (
            head.status == Status::Registered,
            Status::Refused,
            Some(reason.clone()),
        ),
        Decision::Withdraw { reason } => (head.status.is_open(), Status::Withdrawn, reason.clone()),
    };
    if !allowed {
        return refused(StoreError::Conflict(format!(
            "declaration {id} is {}; it cannot be {}",
            head.status.as_str(),
            match decision {
                Decision::Release { .. } => "released (only a registered one can)",
                Decision::Refuse { .. } => "refused (only a registered one can)",
                Decision::Withdraw { .. } => "withdrawn (only before release)",
            }
        )));
    }
    let before = state_hash(&head);
    head.status = next;
    head.reason = reason;
    head.updated_at = now.to_owned();
    let after = state_hash(&head);
    update_head(conn, &head, &after).await?;
    append_entry(
        conn,
        chain,
        now,
        actor,
        decision.action(),
        id,
        Some(&before),
        &after,
    )
    .await?;
    let body = load_body(&mut *conn, id, head.version).await?;
    let assessment = load_assessment_document(&mut *conn, id).await?;
    Ok(Ok(WriteOutcome::Declaration(
        head.into_record(body, assessment)?,
    )))
}

fn token_hash(principal: &Principal, revoked_at: Option<&str>) -> String {
    sha256_hex(
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            principal.token_id,
            principal.role.as_str(),
            principal.state.as_deref().unwrap_or(""),
            principal.tin.as_deref().unwrap_or(""),
            principal.name,
            revoked_at.unwrap_or("")
        )
        .as_bytes(),
    )
}

#[allow(clippy::too_many_arguments)]
async fn create_token(
    conn: &mut AnyConnection,
    chain: &mut ChainHead,
    actor: &str,
    now: &str,
    role: Role,
    state: &Option<String>,
    tin: &Option<String>,
    name: &str,
) -> Step {
    let secret = new_token_secret();
    let digest = token_digest(&secret);
    let principal = Principal {
        token_id: format!("tok_{}", &digest[..12]),
        role,
        state: state.clone(),
        tin: tin.clone(),
        name: name.to_owned(),
    };
    sqlx::query(
        "INSERT INTO api_tokens (id, digest, role, state, tin, name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&principal.token_id)
    .bind(&digest)
    .bind(role.as_str())
    .bind(state)
    .bind(tin)
    .bind(name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let after = token_hash(&principal, None);
    append_entry(
        conn,
        chain,
        now,
        actor,
        "token.create",
        &principal.token_id,
        None,
        &after,
    )
    .await?;
    Ok(Ok(WriteOutcome::Token {
        record: TokenRecord {
            principal,
            created_at: now.to_owned(),
            revoked_at: None,
        },
        secret,
    }))
}

async fn revoke_token(
    conn: &mut AnyConnection,
    chain: &mut ChainHead,
    actor: &str,
    now: &str,
    id: &str,
) -> Step {
    let Some(mut record) = crate::read::load_token(&mut *conn, id).await? else {
        return refused(StoreError::NotFound(id.to_owned()));
    };
    if record.revoked_at.is_some() {
        return refused(StoreError::Conflict(format!(
            "token {id} is already revoked"
        )));
    }
    let before = token_hash(&record.principal, None);
    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    record.revoked_at = Some(now.to_owned());
    let after = token_hash(&record.principal, Some(now));
    append_entry(
        conn,
        chain,
        now,
        actor,
        "token.revoke",
        id,
        Some(&before),
        &after,
    )
    .await?;
    Ok(Ok(WriteOutcome::Revoked(record)))
}
