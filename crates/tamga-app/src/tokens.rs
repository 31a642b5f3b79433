//! API tokens: created (its secret shown once, only its digest kept), listed, revoked. An admin
//! token over the API, or the operator at the command line.

use tamga_core::CountryCode;
use tamga_store::{Command, NewToken, Role, TokenRecord, WriteOutcome, WriteRequest};

use crate::treasury::unexpected;
use crate::{Actor, App, AppError, FieldProblem, Result};

/// A request for a new token, as asked: each field is checked.
#[derive(Clone, Debug, Default)]
pub struct TokenRequest {
    /// `declarant`, `officer`, `treasury`, `commission` or `admin`.
    pub role: Option<String>,
    /// The member state of an officer or treasury.
    pub state: Option<String>,
    /// The TIN of a declarant.
    pub tin: Option<String>,
    pub name: Option<String>,
}

/// A checked token request: the role and what it is bound to.
struct Checked {
    role: Role,
    state: Option<CountryCode>,
    tin: Option<String>,
    name: String,
}

impl App {
    /// Checks a token request: the role, and what it must (and must not) be bound to. Every
    /// problem is named.
    fn check_token(&self, request: &TokenRequest) -> Result<Checked> {
        let mut problems = Vec::new();
        let role = match request.role.as_deref() {
            Some(text) => Role::parse(text).or_else(|| {
                problems.push(FieldProblem::new(
                    "role",
                    format!(
                        "expected declarant, officer, treasury, commission or admin, got {text:?}"
                    ),
                ));
                None
            }),
            None => {
                problems.push(FieldProblem::new("role", "missing"));
                None
            }
        };
        let state = self.token_state(role, request.state.as_deref(), &mut problems);
        let tin = token_tin(role, request.tin.as_deref(), &mut problems);
        let name = request.name.clone().unwrap_or_default();
        if name.chars().count() > 200 {
            problems.push(FieldProblem::new("name", "expected at most 200 characters"));
        }
        if name.chars().any(char::is_control) {
            problems.push(FieldProblem::new(
                "name",
                "expected text without control characters",
            ));
        }
        match role {
            Some(role) if problems.is_empty() => Ok(Checked {
                role,
                state,
                tin,
                name: if name.is_empty() {
                    role.as_str().to_owned()
                } else {
                    name
                },
            }),
            _ => Err(AppError::Invalid(problems)),
        }
    }

    fn token_state(
        &self,
        role: Option<Role>,
        state: Option<&str>,
        problems: &mut Vec<FieldProblem>,
    ) -> Option<CountryCode> {
        let needs = matches!(role, Some(Role::Officer | Role::Treasury));
        match (state, needs) {
            (Some(text), true) => {
                let member = CountryCode::parse(text).ok().filter(|code| {
                    self.snapshot()
                        .member_states
                        .iter()
                        .any(|m| m.state == *code)
                });
                if member.is_none() {
                    problems.push(FieldProblem::new(
                        "state",
                        format!("expected a member state of the union, got {text:?}"),
                    ));
                }
                member
            }
            (None, true) => {
                problems.push(FieldProblem::new(
                    "state",
                    "missing: an officer or treasury token is bound to a state",
                ));
                None
            }
            (Some(_), false) => {
                problems.push(FieldProblem::new(
                    "state",
                    "only officer and treasury tokens are bound to a state",
                ));
                None
            }
            (None, false) => None,
        }
    }

    /// Creates a token; returns it and its secret, which is shown this once.
    pub async fn create_token(
        &self,
        actor: &Actor,
        request: &TokenRequest,
    ) -> Result<(TokenRecord, String)> {
        actor.require(Role::Admin, "manage tokens")?;
        let checked = self.check_token(request)?;
        let secret = self.ids.token_secret();
        let command = Command::CreateToken(NewToken {
            role: checked.role,
            state: checked.state,
            tin: checked.tin,
            name: checked.name,
            secret: secret.clone(),
        });
        match self.token_write(actor, command).await? {
            WriteOutcome::Token(record) => Ok((record, secret)),
            other => Err(unexpected(&other)),
        }
    }

    /// Every token, revoked ones too (never their secrets).
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<TokenRecord>> {
        actor.require(Role::Admin, "manage tokens")?;
        Ok(self.store.tokens().await?)
    }

    /// Revokes a token: it stops working at once here.
    pub async fn revoke_token(&self, actor: &Actor, id: &str) -> Result<TokenRecord> {
        actor.require(Role::Admin, "manage tokens")?;
        let command = Command::RevokeToken { id: id.to_owned() };
        match self
            .token_write(actor, command)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => AppError::not_found("such token"),
                other => other,
            })? {
            WriteOutcome::Revoked(record) => {
                self.forget_token(&record.principal.token_id);
                Ok(record)
            }
            other => Err(unexpected(&other)),
        }
    }

    async fn token_write(&self, actor: &Actor, command: Command) -> Result<WriteOutcome> {
        Ok(self
            .store
            .write(WriteRequest {
                actor: actor.name(),
                at: self.stamp()?,
                idempotency: None,
                command,
            })
            .await?)
    }
}

/// A declarant's TIN: 5 to 20 digits, as a declaration names its declarant (a token for any
/// other could file nothing).
fn token_tin(
    role: Option<Role>,
    tin: Option<&str>,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    let needs = role == Some(Role::Declarant);
    match (tin, needs) {
        (Some(tin), true) => {
            if !(5..=20).contains(&tin.len()) || !tin.bytes().all(|b| b.is_ascii_digit()) {
                problems.push(FieldProblem::new(
                    "tin",
                    format!("expected a taxpayer number of 5 to 20 digits, got {tin:?}"),
                ));
            }
            Some(tin.to_owned())
        }
        (None, true) => {
            problems.push(FieldProblem::new(
                "tin",
                "missing: a declarant token is bound to a TIN",
            ));
            None
        }
        (Some(_), false) => {
            problems.push(FieldProblem::new(
                "tin",
                "only declarant tokens are bound to a TIN",
            ));
            None
        }
        (None, false) => None,
    }
}
