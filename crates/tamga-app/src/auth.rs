//! Who is calling and what they may do. A token resolves to its principal (cached for a few
//! seconds, so that a request does not cost a database read for its token); the checks put
//! scope before role: what is outside the caller's scope is "not found", and only then is the
//! role checked ("forbidden"), so that existence does not leak.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tamga_core::CountryCode;
use tamga_store::{Principal, Role, token_digest};

use crate::{Actor, App, AppError, Result};

/// Principals of recently seen tokens. An entry lives [`TokenCache::TTL`]: a token revoked
/// through the application stops at once (it forgets it); one revoked by another process
/// (`tamga token revoke`) stops within the TTL.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl TokenCache {
    pub const TTL: Duration = Duration::from_secs(5);
    const MAX_ENTRIES: usize = 10_000;

    fn get(&self, digest: &str) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let (principal, at) = entries.get(digest)?;
        (at.elapsed() < Self::TTL).then(|| principal.clone())
    }

    fn put(&self, digest: String, principal: Principal) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX_ENTRIES {
                entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
                if entries.len() >= Self::MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(digest, (principal, Instant::now()));
        }
    }

    /// Forgets a token at once (it was revoked).
    pub fn forget(&self, token_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (p, _)| p.token_id != token_id);
        }
    }
}

impl App {
    /// The principal of a bearer token; a missing, unknown or revoked one is `Unauthorized`.
    pub async fn authenticate(&self, token: &str) -> Result<Actor> {
        if token.is_empty() || token.len() > 200 {
            return Err(AppError::Unauthorized);
        }
        let digest = token_digest(token);
        if let Some(principal) = self.tokens.get(&digest) {
            return Ok(Actor::Token(principal));
        }
        match self.store.principal_for_digest(&digest).await? {
            Some(principal) => {
                self.tokens.put(digest, principal.clone());
                Ok(Actor::Token(principal))
            }
            None => Err(AppError::Unauthorized),
        }
    }

    pub(crate) fn forget_token(&self, token_id: &str) {
        self.tokens.forget(token_id);
    }
}

fn with_article(role: Role) -> String {
    let name = role.as_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

impl Actor {
    fn role(&self) -> Option<Role> {
        match self {
            Actor::Token(p) => Some(p.role),
            Actor::Operator => None,
        }
    }

    /// The principal, if the actor is a token holder.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Actor::Token(p) => Some(p),
            Actor::Operator => None,
        }
    }

    /// A token of `role` (the operator may do anything its command line offers).
    pub(crate) fn require(&self, role: Role, doing: &str) -> Result<()> {
        match self.role() {
            None => Ok(()),
            Some(own) if own == role => Ok(()),
            Some(own) => Err(AppError::Forbidden(format!(
                "{} token may not {doing}; it takes {} token",
                with_article(own),
                with_article(role)
            ))),
        }
    }

    pub(crate) fn require_any(&self, roles: &[Role], doing: &str) -> Result<()> {
        match self.role() {
            None => Ok(()),
            Some(own) if roles.contains(&own) => Ok(()),
            Some(own) => Err(AppError::Forbidden(format!(
                "{} token may not {doing}",
                with_article(own)
            ))),
        }
    }

    /// Whether the actor may see a declaration of this state and declarant at all.
    pub fn can_see(&self, state: CountryCode, declarant_tin: &str) -> bool {
        let Actor::Token(p) = self else {
            return true;
        };
        match p.role {
            Role::Declarant => p.tin.as_deref() == Some(declarant_tin),
            Role::Officer | Role::Treasury => p.state == Some(state),
            Role::Commission => true,
            Role::Admin => false,
        }
    }

    /// Whether the actor may see a state's single account: its own treasury, or the
    /// commission. Another state's treasury gets "not found"; other roles "forbidden".
    pub(crate) fn treasury_scope(&self, state: CountryCode, doing: &str) -> Result<()> {
        let Actor::Token(p) = self else {
            return Ok(());
        };
        match p.role {
            Role::Treasury if p.state == Some(state) => Ok(()),
            Role::Treasury => Err(AppError::not_found("such single account")),
            Role::Commission => Ok(()),
            _ => Err(AppError::Forbidden(format!(
                "only a treasury or the commission may {doing}"
            ))),
        }
    }
}
