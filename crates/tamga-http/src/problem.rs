//! Errors as `application/problem+json` (RFC 9457): a status, a title, a detail and, for an
//! invalid declaration, every problem with its JSON path.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One problem of a request body, where it is and what was expected.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The JSON path (`items[0].code`), or `$` for the whole document.
    pub path: String,
    pub message: String,
}

/// The body of every error response.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Every problem of an invalid declaration (422), each with its JSON path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// An error that becomes a problem+json response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub detail: String,
    pub errors: Vec<FieldProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this endpoint needs a valid API token: send `Authorization: Bearer <token>`",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// Also what an object outside the caller's scope answers, so that its existence does not
    /// leak.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("no {what}"))
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }

    /// An invalid body: every problem with its JSON path.
    pub fn invalid(errors: Vec<FieldProblem>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "invalid",
            detail: format!("the request has {} problem(s)", errors.len()),
            errors,
        }
    }

    pub fn invalid_at(path: &str, message: impl Into<String>) -> ApiError {
        ApiError::invalid(vec![FieldProblem {
            path: path.to_owned(),
            message: message.into(),
        }])
    }

    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the service failed; the failure is logged",
        )
    }

    /// The detail and every field problem, for a command line.
    pub fn describe(&self) -> String {
        if self.errors.is_empty() {
            return self.detail.clone();
        }
        self.errors
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn title(&self) -> &'static str {
        self.status.canonical_reason().unwrap_or("Error")
    }
}

impl From<tamga_app::AppError> for ApiError {
    fn from(error: tamga_app::AppError) -> ApiError {
        use tamga_app::AppError as E;
        match error {
            E::Unauthorized => ApiError::unauthorized(),
            E::Forbidden(detail) => ApiError::forbidden(detail),
            E::NotFound(what) => ApiError::not_found(&what),
            E::Conflict(detail) => ApiError::conflict(detail),
            E::VersionMoved { id, current } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "version-moved",
                format!("declaration {id} is at version {current}"),
            ),
            E::InterestOverCap(detail) => {
                ApiError::new(StatusCode::CONFLICT, "interest-over-cap", detail)
            }
            E::IdempotencyMismatch(detail) => {
                ApiError::new(StatusCode::CONFLICT, "idempotency-key-reused", detail)
            }
            E::BadRequest(detail) => ApiError::bad_request(detail),
            E::Invalid(problems) => ApiError::invalid(
                problems
                    .into_iter()
                    .map(|p| FieldProblem {
                        path: p.path,
                        message: p.message,
                    })
                    .collect(),
            ),
            E::Unavailable(detail) => {
                tracing::warn!("database unavailable: {detail}");
                ApiError::unavailable(
                    "the database is unavailable; nothing was changed, try again later",
                )
            }
            E::Internal(detail) => {
                tracing::error!("{detail}");
                ApiError::internal()
            }
        }
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: if self.kind == "about:blank" {
                self.kind.to_owned()
            } else {
                format!("urn:tamga:problem:{}", self.kind)
            },
            title: self.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_else(|e| {
            tracing::error!("a problem document does not serialise: {e}");
            br#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"the service failed"}"#.to_vec()
        });
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read: the connection cannot carry another request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
