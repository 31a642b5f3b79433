//! `/api/v1/declarations`: file, list, read, amend, register, release, refuse, withdraw.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use tamga_app::{DecisionKind, ListFilter};
use utoipa::IntoParams;

use crate::problem::Problem;
use crate::request::{
    Caller, body_bytes, day_param, idempotency, if_match, json_of, path_id, query, small_json,
};
use crate::{ApiError, AppState, views};

const WHAT: &str = "such declaration";

/// Query of the declaration list. The caller's scope narrows it further: a declarant sees its
/// own, an officer or treasury its state's.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Member state where lodged (ISO alpha-2).
    state: Option<String>,
    /// `submitted`, `registered`, `released`, `refused` or `withdrawn`.
    status: Option<String>,
    /// Submitted on or after (YYYY-MM-DD).
    from: Option<String>,
    /// Submitted on or before (YYYY-MM-DD).
    to: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<String>,
}

fn record(
    status: StatusCode,
    record: tamga_store::DeclarationRecord,
) -> Result<Response, ApiError> {
    let id = record.id.clone();
    let mut response = json_of(status, &views::DeclarationRecord::from(record))?;
    if status == StatusCode::CREATED
        && let Ok(location) = HeaderValue::from_str(&format!("/api/v1/declarations/{id}"))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// File a goods declaration (docs/declaration.md). It is validated on the service's business
/// date; every problem comes back at once with its JSON path (422). The declarant's TIN must
/// be the token's.
#[utoipa::path(
    post, path = "/api/v1/declarations", tag = "declarations",
    request_body(content = Object, description = "A goods declaration (docs/declaration.md)", content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key with the same body returns the same response; with another body, 409")),
    responses(
        (status = 201, description = "Filed: status `submitted`", body = views::DeclarationRecord),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a declarant token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid: every problem with its JSON path", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable; nothing stored", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn submit_declaration(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let key = idempotency(&headers, &Method::POST, "/api/v1/declarations", &body)?;
    let filed = state.app.submit(&caller.0, &body, key.as_ref()).await?;
    record(StatusCode::CREATED, filed)
}

/// List declarations, oldest first, a page at a time.
#[utoipa::path(
    get, path = "/api/v1/declarations", tag = "declarations",
    params(ListParams),
    responses(
        (status = 200, body = views::DeclarationList),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_declarations(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw)?;
    let limit = params
        .limit
        .as_deref()
        .map(|l| {
            l.parse::<u32>()
                .map_err(|_| ApiError::bad_request(format!("limit: expected 1 to 1000, got {l:?}")))
        })
        .transpose()?;
    let filter = ListFilter {
        state: params.state,
        status: params.status,
        from: day_param("from", params.from.as_deref())?,
        to: day_param("to", params.to.as_deref())?,
        cursor: params.cursor,
        limit,
    };
    let page = state.app.list(&caller.0, &filter).await?;
    json_of(
        StatusCode::OK,
        &views::DeclarationList {
            items: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        },
    )
}

/// A declaration: its status, registration number, current body and assessment.
#[utoipa::path(
    get, path = "/api/v1/declarations/{id}", tag = "declarations",
    params(("id" = String, Path, description = "The declaration id (`dcl_…`)")),
    responses(
        (status = 200, body = views::DeclarationRecord),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such declaration, or not the caller's to see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", WHAT)?;
    record(StatusCode::OK, state.app.declaration(&caller.0, &id).await?)
}

/// Every version of a declaration, oldest first, each with what it changed.
#[utoipa::path(
    get, path = "/api/v1/declarations/{id}/versions", tag = "declarations",
    params(("id" = String, Path, description = "The declaration id")),
    responses(
        (status = 200, body = views::VersionList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn declaration_versions(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", WHAT)?;
    let versions = state.app.versions(&caller.0, &id).await?;
    json_of(
        StatusCode::OK,
        &views::VersionList {
            id,
            versions: versions.into_iter().map(Into::into).collect(),
        },
    )
}

/// Amend a declaration before release: the body is a whole new version (earlier versions stay;
/// see `/versions`). A registered declaration is re-assessed on its registration date. The
/// state and customs office cannot change. `If-Match: "N"` refuses the change (412) unless the
/// declaration is still at version N.
#[utoipa::path(
    put, path = "/api/v1/declarations/{id}", tag = "declarations",
    params(
        ("id" = String, Path, description = "The declaration id"),
        ("If-Match" = Option<String>, Header, description = "The version the amendment is based on"),
    ),
    request_body(content = Object, description = "The whole amended declaration", content_type = "application/json"),
    responses(
        (status = 200, body = views::DeclarationRecord),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Released, refused or withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn amend_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", WHAT)?;
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let expected = if_match(&headers)?;
    record(
        StatusCode::OK,
        state.app.amend(&caller.0, &id, &body, expected).await?,
    )
}

/// Register a submitted declaration: an officer of the declaring state. It takes the number
/// `OFFICE/DDMMYY/NNNNNNN` and is assessed on the business date, whose tariff, VAT, fees and
/// rates apply; a different `registration_date` in the declaration is replaced, and the
/// assessment says so (`registration_date_replaced`).
#[utoipa::path(
    post, path = "/api/v1/declarations/{id}/register", tag = "declarations",
    params(
        ("id" = String, Path, description = "The declaration id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely"),
    ),
    responses(
        (status = 200, description = "Registered, with its number and assessment", body = views::DeclarationRecord),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted (already registered, withdrawn…)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Cannot be assessed on the business date", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn register_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", WHAT)?;
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let path = format!("/api/v1/declarations/{id}/register");
    let key = idempotency(&headers, &Method::POST, &path, &body)?;
    record(
        StatusCode::OK,
        state.app.register(&caller.0, &id, key.as_ref()).await?,
    )
}

async fn decide(
    state: AppState,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    kind: DecisionKind,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", WHAT)?;
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let action = match kind {
        DecisionKind::Release => "release",
        DecisionKind::Refuse => "refuse",
        DecisionKind::Withdraw => "withdraw",
    };
    let path = format!("/api/v1/declarations/{id}/{action}");
    let key = idempotency(&headers, &Method::POST, &path, &body)?;
    let views::DecisionBody { reason } = small_json(&body)?;
    record(
        StatusCode::OK,
        state
            .app
            .decide(&caller.0, &id, kind, reason, key.as_ref())
            .await?,
    )
}

/// Release a registered declaration: an officer of the declaring state.
#[utoipa::path(
    post, path = "/api/v1/declarations/{id}/release", tag = "declarations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry safely")),
    request_body(content = Option<views::DecisionBody>, content_type = "application/json"),
    responses(
        (status = 200, body = views::DeclarationRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not registered, or already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn release_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    decide(state, caller, id, headers, body, DecisionKind::Release).await
}

/// Refuse a registered declaration, with a reason: an officer of the declaring state.
#[utoipa::path(
    post, path = "/api/v1/declarations/{id}/refuse", tag = "declarations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry safely")),
    request_body(content = views::RefusalBody, content_type = "application/json"),
    responses(
        (status = 200, body = views::DeclarationRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn refuse_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    decide(state, caller, id, headers, body, DecisionKind::Refuse).await
}

/// Withdraw a declaration before its release: its declarant.
#[utoipa::path(
    post, path = "/api/v1/declarations/{id}/withdraw", tag = "declarations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry safely")),
    request_body(content = Option<views::DecisionBody>, content_type = "application/json"),
    responses(
        (status = 200, body = views::DeclarationRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already released, refused or withdrawn", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn withdraw_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    decide(state, caller, id, headers, body, DecisionKind::Withdraw).await
}
