//! The service: the audit log, tokens, health and this document.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use tamga_core::format_date;

use crate::problem::Problem;
use crate::request::{Caller, body_bytes, json_of, json_response, path_id, small_json};
use crate::{ApiError, AppState, views};

/// Check the audit chain, the rows each entry wrote and each object's state: every problem,
/// the first one first. Commission and admin tokens. docs/api.md says what is detected.
#[utoipa::path(
    get, path = "/api/v1/audit/verify", tag = "service",
    responses(
        (status = 200, description = "The report; `intact` false names the first bad entry", body = views::AuditReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn audit_verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let report = state.app.verify_audit(&caller.0, &[]).await?;
    json_of(StatusCode::OK, &views::AuditReport::from(report))
}

/// Check the audit chain as `GET` does, and also the signed checkpoints given: each must be
/// signed by this node's key and still be in the chain, which shows a chain that was cut short
/// and re-headed.
#[utoipa::path(
    post, path = "/api/v1/audit/verify", tag = "service",
    request_body(content = views::CheckpointList, content_type = "application/json"),
    responses(
        (status = 200, description = "The report", body = views::AuditReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn audit_verify_checkpoints(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let views::CheckpointList { checkpoints } = small_json(&body)?;
    let checkpoints: Vec<tamga_store::Checkpoint> =
        checkpoints.into_iter().map(Into::into).collect();
    let report = state.app.verify_audit(&caller.0, &checkpoints).await?;
    json_of(StatusCode::OK, &views::AuditReport::from(report))
}

/// A signed checkpoint of the audit chain's head now, to keep outside the database (an
/// operator's file, another node). Commission and admin tokens.
#[utoipa::path(
    get, path = "/api/v1/audit/checkpoint", tag = "service",
    responses(
        (status = 200, body = views::Checkpoint),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn audit_checkpoint(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let checkpoint = state.app.audit_checkpoint(&caller.0).await?;
    json_of(StatusCode::OK, &views::Checkpoint::from(checkpoint))
}

/// Create a token (admin). Its secret is in the response and nowhere else.
#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "service",
    request_body(content = views::TokenRequest, content_type = "application/json"),
    responses(
        (status = 201, body = views::NewToken),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let request: views::TokenRequest = small_json(&body)?;
    let (record, secret) = state.app.create_token(&caller.0, &request.into()).await?;
    json_of(
        StatusCode::CREATED,
        &views::NewToken {
            token: secret,
            record: record.into(),
        },
    )
}

/// Every token, revoked ones too (never their secrets).
#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "service",
    responses((status = 200, body = Vec<views::TokenRecord>), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let tokens: Vec<views::TokenRecord> = state
        .app
        .tokens(&caller.0)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    json_of(StatusCode::OK, &tokens)
}

/// Revoke a token: it stops working at once.
#[utoipa::path(
    delete, path = "/api/v1/tokens/{id}", tag = "service",
    params(("id" = String, Path, description = "The token id (`tok_…`)")),
    responses(
        (status = 200, body = views::TokenRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such token")?;
    let record = state.app.revoke_token(&caller.0, &id).await?;
    json_of(StatusCode::OK, &views::TokenRecord::from(record))
}

/// Whether the service and its database answer.
#[utoipa::path(
    get, path = "/healthz", tag = "service",
    responses(
        (status = 200, description = "`{status: ok, database, business_date, tariff_edition, tariff_rates_known}`", body = Object),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn healthz(State(state): State<AppState>) -> Result<Response, ApiError> {
    let health = state.app.health().await?;
    json_of(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "database": health.database,
            "business_date": format_date(health.business_date),
            "tariff_edition": health.tariff_edition,
            "tariff_rates_known": health.tariff_rates_known,
        }),
    )
}

/// This document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
pub(crate) async fn openapi_json(Extension(document): Extension<Arc<String>>) -> Response {
    json_response(StatusCode::OK, document.as_str().to_owned())
}
