//! The declaration's use cases: file, amend, register, release, refuse, withdraw; read one,
//! its versions, and lists within the caller's scope.

use serde_json::Value;
use tamga_core::{CountryCode, Date};
use tamga_store::{
    Command, Decision, DeclarationRecord, DeclarationSummary, IdempotencyClaim, ListQuery,
    NewDeclaration, Role, Status, StoreError, WriteOutcome, WriteRequest,
};

use crate::assessment::{assess_on, body_text, validate_on};
use crate::cursor::{cursor_for, cursor_position};
use crate::diff::{Change, changes};
use crate::treasury::unexpected;
use crate::{Actor, App, AppError, FieldProblem, Result};

/// An idempotency key and the digest of the request it names (its method, path and body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    pub key: String,
    pub request_sha256: String,
}

/// Which end of its life (or withdrawal) a decision is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionKind {
    Release,
    Refuse,
    Withdraw,
}

/// A list's filter and page, as asked: each is checked.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub state: Option<String>,
    pub status: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// A page of the list, and the cursor of the next (for this caller only).
#[derive(Clone, Debug)]
pub struct ListPage {
    pub items: Vec<DeclarationSummary>,
    pub next_cursor: Option<String>,
}

/// One stored version of a declaration, and what it changed from the one before.
#[derive(Clone, Debug)]
pub struct VersionView {
    pub version: i64,
    pub created_at: String,
    pub actor: String,
    pub changes: Vec<Change>,
    pub declaration: Value,
}

/// The longest reason of a release, refusal or withdrawal.
pub const MAX_REASON: usize = 2000;

/// The largest page of a list.
pub const MAX_PAGE: u32 = 1000;

/// How many times a change is recomputed when the declaration moved on under it.
const RETRIES: usize = 3;

impl App {
    async fn write_claimed(
        &self,
        actor: &Actor,
        idempotency: Option<&Idempotency>,
        command: Command,
    ) -> std::result::Result<WriteOutcome, StoreError> {
        let at = self
            .stamp()
            .map_err(|e| StoreError::Database(e.to_string()))?;
        self.store
            .write(WriteRequest {
                actor: actor.name(),
                at,
                idempotency: idempotency.map(|i| IdempotencyClaim {
                    key: i.key.clone(),
                    request_sha256: i.request_sha256.clone(),
                }),
                command,
            })
            .await
    }

    /// The declaration, if the actor may see it; "not found" otherwise.
    async fn visible(&self, actor: &Actor, id: &str) -> Result<DeclarationRecord> {
        match self.store.declaration(id).await? {
            Some(record) if actor.can_see(record.state, &record.declarant_tin) => Ok(record),
            _ => Err(AppError::not_found("such declaration")),
        }
    }

    /// A declaration: its status, number, current body and assessment.
    pub async fn declaration(&self, actor: &Actor, id: &str) -> Result<DeclarationRecord> {
        self.visible(actor, id).await
    }

    /// Files a declaration: a declarant, in its own TIN. It is validated on the business date
    /// and assessed as registering it would (a day with no known duty refuses it now, not at
    /// registration). Every problem at once, with its JSON path.
    pub async fn submit(
        &self,
        actor: &Actor,
        body: &[u8],
        idempotency: Option<&Idempotency>,
    ) -> Result<DeclarationRecord> {
        actor.require(Role::Declarant, "file declarations")?;
        let today = self.today();
        let text = body_text(body)?;
        let (filed, declaration) = validate_on(self.snapshot(), text, today)?;
        let tin = actor
            .principal()
            .and_then(|p| p.tin.clone())
            .unwrap_or_else(|| declaration.declarant.tin.clone());
        if declaration.declarant.tin != tin {
            return Err(AppError::invalid_at(
                "declarant.tin",
                format!(
                    "expected the TIN of your token ({tin}), not {}",
                    declaration.declarant.tin
                ),
            ));
        }
        // What registering will compute, on the declaration already read: a day with no
        // known duty refuses the filing now.
        tamga_assess::assess(self.snapshot(), &declaration)?;
        let now_millis = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        let new = NewDeclaration {
            id: self
                .ids
                .declaration_id(u64::try_from(now_millis).unwrap_or_default()),
            state: declaration.state,
            customs_office: declaration.customs_office.clone(),
            declarant_tin: tin,
            submitted_on: today,
            body: filed.to_string(),
        };
        let outcome = self
            .write_claimed(actor, idempotency, Command::Submit(new))
            .await?;
        declaration_of(outcome)
    }

    /// Every version of a declaration, oldest first, each with what it changed.
    pub async fn versions(&self, actor: &Actor, id: &str) -> Result<Vec<VersionView>> {
        self.visible(actor, id).await?;
        let mut previous = Value::Null;
        let mut versions = Vec::new();
        for stored in self.store.versions(id).await? {
            let body: Value = serde_json::from_str(&stored.body).map_err(|e| {
                AppError::Internal(format!("stored body of {id} v{}: {e}", stored.version))
            })?;
            let changed = if previous.is_null() {
                Vec::new()
            } else {
                changes(&previous, &body)
            };
            versions.push(VersionView {
                version: stored.version,
                created_at: stored.created_at,
                actor: stored.actor,
                changes: changed,
                declaration: body.clone(),
            });
            previous = body;
        }
        Ok(versions)
    }

    /// Amends a declaration before release: its declarant; a whole new version. A registered
    /// one is re-assessed on its registration date. `expected` (If-Match) refuses the change
    /// unless the declaration is still at that version.
    pub async fn amend(
        &self,
        actor: &Actor,
        id: &str,
        body: &[u8],
        expected: Option<i64>,
    ) -> Result<DeclarationRecord> {
        for _ in 0..RETRIES {
            let record = self.visible(actor, id).await?;
            actor.require(Role::Declarant, "amend declarations")?;
            if !record.status.is_open() {
                return Err(AppError::Conflict(format!(
                    "declaration {id} is {}; it can no longer be amended",
                    record.status
                )));
            }
            let date = record.registration_date.unwrap_or_else(|| self.today());
            let text = body_text(body)?;
            let (filed, declaration) = validate_on(self.snapshot(), text, date)?;
            unchanged_fields(&record, &declaration)?;
            let assessment = match record.status {
                Status::Registered => Some(assess_on(self.snapshot(), &filed.to_string(), date)?),
                _ => None,
            };
            let command = Command::Amend {
                id: id.to_owned(),
                expected_version: expected.unwrap_or(record.version),
                body: filed.to_string(),
                assessment,
            };
            match self.write_claimed(actor, None, command).await {
                Err(StoreError::StaleVersion { current, .. }) if expected.is_some() => {
                    return Err(AppError::VersionMoved {
                        id: id.to_owned(),
                        current,
                    });
                }
                Err(StoreError::StaleVersion { .. }) => continue,
                other => return declaration_of(other?),
            }
        }
        Err(AppError::Conflict(format!(
            "declaration {id} kept changing; try again"
        )))
    }

    /// Registers a submitted declaration: an officer of the declaring state. It takes its
    /// number and is assessed on the business date.
    pub async fn register(
        &self,
        actor: &Actor,
        id: &str,
        idempotency: Option<&Idempotency>,
    ) -> Result<DeclarationRecord> {
        for _ in 0..RETRIES {
            let record = self.visible(actor, id).await?;
            actor.require(Role::Officer, "register declarations")?;
            if record.status != Status::Submitted {
                // A retried registration that already happened: its record, not a conflict.
                if let Some(replayed) = self.replay(actor, idempotency).await? {
                    return Ok(replayed);
                }
                return Err(AppError::Conflict(format!(
                    "declaration {id} is {}{}; only a submitted declaration can be registered",
                    record.status,
                    record
                        .number
                        .as_deref()
                        .map(|n| format!(" as {n}"))
                        .unwrap_or_default()
                )));
            }
            let today = self.today();
            let assessment = assess_on(self.snapshot(), &record.declaration, today)?;
            let command = Command::Register {
                id: id.to_owned(),
                expected_version: record.version,
                registration_date: today,
                assessment,
            };
            match self.write_claimed(actor, idempotency, command).await {
                Err(StoreError::StaleVersion { .. }) => continue,
                other => return declaration_of(other?),
            }
        }
        Err(AppError::Conflict(format!(
            "declaration {id} kept changing; try again"
        )))
    }

    /// The record a request with this key was answered with before, if it was the same
    /// request.
    async fn replay(
        &self,
        actor: &Actor,
        idempotency: Option<&Idempotency>,
    ) -> Result<Option<DeclarationRecord>> {
        let Some(idempotency) = idempotency else {
            return Ok(None);
        };
        match self
            .store
            .idempotent_record(&actor.name(), &idempotency.key)
            .await?
        {
            Some((digest, record)) if digest == idempotency.request_sha256 => Ok(Some(record)),
            Some(_) => Err(AppError::IdempotencyMismatch(format!(
                "the idempotency key {:?} was used before with a different request",
                idempotency.key
            ))),
            None => Ok(None),
        }
    }

    /// Releases or refuses a registered declaration (an officer of its state), or withdraws
    /// one before release (its declarant). A release credits its duties to the state's single
    /// account on the business date.
    pub async fn decide(
        &self,
        actor: &Actor,
        id: &str,
        kind: DecisionKind,
        reason: Option<String>,
        idempotency: Option<&Idempotency>,
    ) -> Result<DeclarationRecord> {
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON)
        {
            return Err(AppError::invalid_at(
                "reason",
                format!("expected at most {MAX_REASON} characters"),
            ));
        }
        self.visible(actor, id).await?;
        let decision = match kind {
            DecisionKind::Release => {
                actor.require(Role::Officer, "release declarations")?;
                Decision::Release {
                    reason,
                    day: self.today(),
                }
            }
            DecisionKind::Refuse => {
                actor.require(Role::Officer, "refuse declarations")?;
                Decision::Refuse {
                    reason: reason.ok_or_else(|| {
                        AppError::invalid_at("reason", "expected the reason of the refusal")
                    })?,
                }
            }
            DecisionKind::Withdraw => {
                actor.require(Role::Declarant, "withdraw declarations")?;
                Decision::Withdraw { reason }
            }
        };
        let command = Command::Decide {
            id: id.to_owned(),
            decision,
        };
        declaration_of(self.write_claimed(actor, idempotency, command).await?)
    }

    /// A page of the declarations in the actor's scope: a declarant sees its own, an officer
    /// or treasury its state's (asking for another state's is an empty list), the commission
    /// everything.
    pub async fn list(&self, actor: &Actor, filter: &ListFilter) -> Result<ListPage> {
        actor.require_any(
            &[
                Role::Declarant,
                Role::Officer,
                Role::Treasury,
                Role::Commission,
            ],
            "list declarations",
        )?;
        let mut query = self.list_query(actor, filter)?;
        if let Actor::Token(p) = actor {
            match p.role {
                Role::Declarant => query.declarant_tin = Some(p.tin.clone().unwrap_or_default()),
                Role::Officer | Role::Treasury => {
                    if query.state.is_some() && query.state != p.state {
                        return Ok(ListPage {
                            items: Vec::new(),
                            next_cursor: None,
                        });
                    }
                    query.state = p.state;
                }
                _ => {}
            }
        }
        let page = self.store.list(&query).await?;
        let key = self.store.node_key();
        let name = actor.name();
        Ok(ListPage {
            items: page.items,
            next_cursor: page.next_after.map(|id| cursor_for(key, &name, &id)),
        })
    }

    fn list_query(&self, actor: &Actor, filter: &ListFilter) -> Result<ListQuery> {
        let state = filter
            .state
            .as_deref()
            .map(|s| {
                CountryCode::parse(s).map_err(|_| {
                    AppError::BadRequest(format!(
                        "state: expected a member state (ISO 3166-1 alpha-2, e.g. RU), got {s:?}"
                    ))
                })
            })
            .transpose()?;
        let status = filter
            .status
            .as_deref()
            .map(|s| {
                Status::parse(s).ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "status: expected submitted, registered, released, refused or withdrawn, \
                         got {s:?}"
                    ))
                })
            })
            .transpose()?;
        let after = filter
            .cursor
            .as_deref()
            .map(|c| {
                cursor_position(self.store.node_key(), &actor.name(), c).ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "cursor: not a cursor this caller was given for this list: {c:?}"
                    ))
                })
            })
            .transpose()?;
        let limit = filter.limit.unwrap_or(100);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::BadRequest(format!(
                "limit: expected 1 to {MAX_PAGE}, got {limit}"
            )));
        }
        Ok(ListQuery {
            declarant_tin: None,
            state,
            status,
            from: filter.from,
            to: filter.to,
            after,
            limit,
        })
    }
}

/// An amendment cannot change the state, office or declarant.
fn unchanged_fields(
    record: &DeclarationRecord,
    declaration: &tamga_assess::Declaration,
) -> Result<()> {
    let mut problems = Vec::new();
    let mut differs = |path: &str, filed: &str, stored: &str| {
        if filed != stored {
            problems.push(FieldProblem::new(
                path,
                format!("expected {stored}: an amendment cannot change it"),
            ));
        }
    };
    differs("state", declaration.state.as_str(), record.state.as_str());
    differs(
        "customs_office",
        &declaration.customs_office,
        &record.customs_office,
    );
    differs(
        "declarant.tin",
        &declaration.declarant.tin,
        &record.declarant_tin,
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

fn declaration_of(outcome: WriteOutcome) -> Result<DeclarationRecord> {
    match outcome {
        WriteOutcome::Declaration { record, .. } => Ok(record),
        other => Err(unexpected(&other)),
    }
}
