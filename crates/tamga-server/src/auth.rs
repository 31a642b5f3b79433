//! Who is calling: the bearer token resolved to its principal.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tamga_store::{Principal, Role, token_digest};

use crate::{ApiError, AppState};

/// The caller of an endpoint that needs a token. A missing, malformed, unknown or revoked token
/// is answered 401.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(ApiError::unauthorized)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or_else(ApiError::unauthorized)?;
        let digest = token_digest(token);
        if let Some(principal) = state.tokens.get(&digest) {
            return Ok(Caller(principal));
        }
        match state.store.principal_for_digest(&digest).await? {
            Some(principal) => {
                state.tokens.put(digest, principal.clone());
                Ok(Caller(principal))
            }
            None => Err(ApiError::unauthorized()),
        }
    }
}

impl Caller {
    pub fn require(&self, role: Role, doing: &str) -> Result<(), ApiError> {
        if self.0.role == role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} token may not {doing}; it takes {} token",
                with_article(self.0.role),
                with_article(role)
            )))
        }
    }

    pub fn require_any(&self, roles: &[Role], doing: &str) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} token may not {doing}",
                with_article(self.0.role)
            )))
        }
    }

    /// Whether the caller may see a declaration of this state and declarant at all. What it
    /// may not see answers 404, so that its existence does not leak.
    pub fn can_see(&self, state: &str, declarant_tin: &str) -> bool {
        let p = &self.0;
        match p.role {
            Role::Declarant => p.tin.as_deref() == Some(declarant_tin),
            Role::Officer | Role::Treasury => p.state.as_deref() == Some(state),
            Role::Commission => true,
            Role::Admin => false,
        }
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

/// Principals of recently seen tokens, so that a request does not cost a database read for its
/// token. An entry lives [`TokenCache::TTL`]: a token revoked through the API stops at once (the
/// API forgets it); one revoked by `tamga token revoke` in another process stops within the TTL.
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
