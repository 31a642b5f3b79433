//! Who is calling: the bearer token resolved to its principal.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tamga_store::{Principal, Role};

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
        match state.store.principal_for_token(token).await? {
            Some(principal) => Ok(Caller(principal)),
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
