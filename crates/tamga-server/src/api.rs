//! The endpoints under `/api/v1`, their OpenAPI description and the router.
//!
//! Who may do what (issue 4 §3): a `declarant` files declarations and sees, amends and withdraws
//! its own; an `officer` registers, releases and refuses those lodged in its state; a
//! `treasury` reads its state's declarations and payments; the `commission` reads everything;
//! an `admin` manages tokens. An object outside the caller's scope answers 404, never 403.

use std::sync::Arc;

use axum::body::Bytes;
use axum::error_handling::HandleErrorLayer;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tamga_core::{CommodityCode, CountryCode, format_date, parse_date};
use tamga_store::{
    AuditReport, Command, DayClosing, Decision, DeclarationRecord, DeclarationSummary,
    IdempotencyClaim, ListQuery, Role, Status, StoreError, TokenRecord, WriteOutcome, WriteRequest,
    new_declaration_id, sha256_hex,
};
use tamga_tariff::{LookupError, LookupQuery};
use tower::ServiceBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::diff::{Change, changes};
use crate::problem::PROBLEM_JSON;
use crate::service::{assess_on, body_text, close_day_command, validate_on};
use crate::{ApiError, AppState, Caller, FieldProblem, Problem, tariff_json};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tamga",
        description = "The declaration service of a customs union: goods declarations from \
                       filing to release, the common tariff and customs payments. Errors are \
                       application/problem+json. Limits: docs/api.md."
    ),
    modifiers(&BearerToken),
    tags(
        (name = "declarations", description = "Goods declarations: file, register, release, refuse, withdraw, amend"),
        (name = "tariff", description = "The Common Customs Tariff and the payments calculator (no token needed)"),
        (name = "treasury", description = "Single accounts: closing a day distributes its receipts among the member states"),
        (name = "service", description = "Health, the audit chain, tokens, this document"),
    )
)]
struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The router of the whole API, and its OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, spec) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .routes(routes!(submit_declaration, list_declarations))
        .routes(routes!(get_declaration, amend_declaration))
        .routes(routes!(declaration_versions))
        .routes(routes!(register_declaration))
        .routes(routes!(release_declaration))
        .routes(routes!(refuse_declaration))
        .routes(routes!(withdraw_declaration))
        .routes(routes!(assess))
        .routes(routes!(tariff_search))
        .routes(routes!(tariff_show))
        .routes(routes!(close_day))
        .routes(routes!(treasury_days))
        .routes(routes!(treasury_reconcile))
        .routes(routes!(treasury_transfers))
        .routes(routes!(record_receipt))
        .routes(routes!(send_transfer))
        .routes(routes!(confirm_transfer))
        .routes(routes!(approve_interest))
        .routes(routes!(audit_verify, audit_verify_checkpoints))
        .routes(routes!(audit_checkpoint))
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .split_for_parts();
    let mut spec = spec;
    add_standard_problems(&mut spec);
    constrain_parameters(&mut spec);
    let document = Arc::new(spec.to_pretty_json().unwrap_or_default());
    let limits = state.limits.clone();
    let timeout = limits.request_timeout;
    let router = router
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(json_bodies_only))
        .layer(Extension(document))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(move |error: BoxError| async move {
                    if error.is::<tower::timeout::error::Elapsed>() {
                        ApiError::unavailable(format!(
                            "the request took longer than {} s; if it was a change, retry it \
                             with the same Idempotency-Key to learn whether it was made",
                            timeout.as_secs()
                        ))
                    } else {
                        tracing::error!("middleware: {error}");
                        ApiError::internal()
                    }
                }))
                .layer(tower::timeout::TimeoutLayer::new(timeout)),
        )
        .with_state(state);
    (router, spec)
}

/// A request that carries a body must say it is JSON: every body the API reads is. Anything
/// else (a form, plain text) is 415, before any handler reads it.
async fn json_bodies_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<Response, ApiError> {
    let headers = request.headers();
    let has_body = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > 0)
        || headers.contains_key(header::TRANSFER_ENCODING);
    if has_body {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let json = essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                format!(
                    "the body must be JSON, sent with Content-Type: application/json; got {:?}",
                    if content_type.is_empty() {
                        "none"
                    } else {
                        content_type
                    }
                ),
            ));
        }
    }
    Ok(next.run(request).await)
}

/// Every operation documents the problems any request to it can get, besides its own: 400 for a
/// malformed parameter, 401 and 403 when it needs a token, 404 for a path that names nothing,
/// 413, 415 and 422 when it takes a body, and 503 when the database does not answer.
fn add_standard_problems(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                )
                .build(),
        )
    };
    for (path, item) in spec.paths.paths.iter_mut() {
        let has_path_parameter = path.contains('{');
        let in_service = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let takes_body = operation.request_body.is_some();
            let mut standard = vec![("400", "A malformed parameter or header, named in `detail`")];
            if secured {
                standard.push(("401", "No valid token (`Authorization: Bearer …`)"));
                standard.push(("403", "The token's role may not do this"));
            }
            if has_path_parameter {
                standard.push(("404", "No such object, or not the caller's to see"));
            }
            if takes_body {
                standard.push(("413", "The body is larger than the limit"));
                standard.push(("415", "The body is not sent as application/json"));
                standard.push((
                    "422",
                    "The request is invalid: every problem with its place",
                ));
            } else if has_path_parameter || in_service {
                standard.push((
                    "422",
                    "A parameter holds a control character, named with its place",
                ));
            }
            if in_service || path == "/healthz" {
                standard.push(("503", "The database is unavailable; nothing was changed"));
            }
            for (status, description) in standard {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            }
        }
    }
}

/// Text without control characters (what `crate::input` refuses), as a JSON Schema pattern.
pub const PLAIN_TEXT: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// A decimal amount with at most two places, as `crate::service::money_amount` reads it.
pub const AMOUNT: &str = "^[0-9]{1,15}(\\.[0-9]{1,2})?$";

/// What each parameter may be, stated in the document as the handlers check it, so that a
/// client (or a fuzzer) knows which values are refused before sending them.
fn constrain_parameters(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::{RefOr, Required, Schema};
    let text = |pattern: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
    };
    let date = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
    };
    let integer = |min: u32, max: u32| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min))
            .maximum(Some(max))
    };
    let one_of = |values: &[&str]| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().map(|v| (*v).to_owned())))
    };
    for (path, item) in spec.paths.paths.iter_mut() {
        let id_pattern = if path.starts_with("/api/v1/declarations/") {
            "^dcl_[0-9a-z]{26}$"
        } else if path.starts_with("/api/v1/treasury/transfers/") {
            "^tr:[A-Z]{2}:[A-Z]{2}:[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        } else if path.starts_with("/api/v1/tokens/") {
            "^tok_[0-9a-f]{12}$"
        } else {
            PLAIN_TEXT
        };
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else {
                    continue;
                };
                let schema = match (&parameter.parameter_in, parameter.name.as_str()) {
                    (ParameterIn::Path, "id") => text(id_pattern),
                    // 2, 4, 6, 8, 9 or 10 digits; spaces and dots as printed are ignored.
                    (ParameterIn::Path, "code") => text(concat!(
                        "^[ .]*([0-9][ .]*){2}(([0-9][ .]*){2}(([0-9][ .]*){2}",
                        "(([0-9][ .]*){2}([0-9][ .]*){0,2})?)?)?$"
                    )),
                    (ParameterIn::Path | ParameterIn::Query, "state" | "origin") => {
                        text("^[A-Z]{2}$")
                    }
                    (ParameterIn::Path | ParameterIn::Query, "date" | "from" | "to") => date(),
                    (ParameterIn::Query, "status") => one_of(&[
                        "submitted",
                        "registered",
                        "released",
                        "refused",
                        "withdrawn",
                    ]),
                    (ParameterIn::Query, "in_quota") => one_of(&["true", "false"]),
                    (ParameterIn::Query, "cursor") => text("^[0-9a-f]{32}dcl_[0-9a-z]{26}$"),
                    (ParameterIn::Query, "limit") if path.ends_with("/search") => integer(1, 100),
                    (ParameterIn::Query, "limit") => integer(1, 1000),
                    (ParameterIn::Query, "q") => text("^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$")
                        .max_length(Some(500)),
                    (ParameterIn::Header, "Idempotency-Key") => {
                        text("^[!-~]([ -~]{0,253}[!-~])?$").max_length(Some(255))
                    }
                    (ParameterIn::Header, "If-Match") => text("^\"?[0-9]{1,18}\"?$"),
                    _ => continue,
                };
                parameter.schema = Some(RefOr::T(Schema::Object(schema.build())));
                let required = path == "/api/v1/treasury/reconcile"
                    || (path == "/api/v1/tariff/search" && parameter.name == "q");
                if required {
                    parameter.required = Required::True;
                }
            }
        }
    }
}

async fn no_such_endpoint() -> ApiError {
    ApiError::not_found("such endpoint: the API is under /api/v1 (see /api/v1/openapi.json)")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "this endpoint does not take that method (see /api/v1/openapi.json)",
    )
}

// ---------------------------------------------------------------------------------------------
// Request and response plumbing

fn json_response(status: StatusCode, text: String) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn json_of<T: serde::Serialize>(status: StatusCode, value: &T) -> Result<Response, ApiError> {
    let text = serde_json::to_string(value).map_err(|e| {
        tracing::error!("cannot serialise a response: {e}");
        ApiError::internal()
    })?;
    Ok(json_response(status, text))
}

fn body_bytes(body: Result<Bytes, BytesRejection>, state: &AppState) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                format!(
                    "the body is larger than {} bytes",
                    state.limits.max_body_bytes
                ),
            )
        } else {
            ApiError::bad_request(format!("cannot read the body: {rejection}"))
        }
    })
}

/// A path parameter naming an object: a control character in it is a 422 naming the
/// parameter; anything else that cannot name one (empty, too long) is "no such {what}".
fn path_id(
    path: Result<Path<String>, PathRejection>,
    name: &str,
    what: &str,
) -> Result<String, ApiError> {
    match path {
        Ok(Path(id)) => {
            crate::input::path_parameter(name, &id)?;
            if id.is_empty() || id.len() > 64 {
                return Err(ApiError::not_found(what));
            }
            Ok(id)
        }
        Err(_) => Err(ApiError::not_found(what)),
    }
}

fn query<T: DeserializeOwned>(raw: Option<String>) -> Result<T, ApiError> {
    let raw = raw.as_deref().unwrap_or("");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
        .map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
    crate::input::query_parameters(&pairs)?;
    serde_urlencoded::from_str(raw).map_err(|e| ApiError::bad_request(format!("query: {e}")))
}

/// A small JSON body (a reason, a token request); empty means `{}`. Its strings may hold no
/// control characters (line breaks only in a `reason`).
fn small_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid_at(
            "$",
            format!("at line {} column {}: {e}", e.line(), e.column()),
        )
    })?;
    if value.is_null() {
        return Ok(T::default());
    }
    crate::input::json_strings(&value, &["reason"])?;
    serde_json::from_value(value).map_err(|e| ApiError::invalid_at("$", e.to_string()))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if !key.is_empty() && key.len() <= 255 => Ok(Some(key.to_owned())),
        _ => Err(ApiError::bad_request(
            "the Idempotency-Key header must be 1 to 255 visible ASCII characters",
        )),
    }
}

/// A POST that may carry an Idempotency-Key: the key, and the digest of the request it names.
struct Idempotent {
    key: Option<String>,
    digest: String,
}

impl Idempotent {
    fn of(
        headers: &HeaderMap,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Result<Idempotent, ApiError> {
        let key = idempotency_key(headers)?;
        let mut request = Vec::with_capacity(body.len() + path.len() + 8);
        request.extend_from_slice(method.as_str().as_bytes());
        request.push(b' ');
        request.extend_from_slice(path.as_bytes());
        request.push(b'\n');
        request.extend_from_slice(body);
        Ok(Idempotent {
            key,
            digest: sha256_hex(&request),
        })
    }

    /// The stored response when this key was used before: verbatim for the same request, a
    /// conflict for another.
    async fn replay(
        &self,
        state: &AppState,
        caller: &Caller,
    ) -> Result<Option<Response>, ApiError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        match state
            .store
            .idempotent_response(&caller.0.actor(), key)
            .await?
        {
            Some((digest, status, response)) if digest == self.digest => Ok(Some(json_response(
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                response,
            ))),
            Some(_) => Err(StoreError::IdempotencyMismatch(key.clone()).into()),
            None => Ok(None),
        }
    }

    fn claim(&self, status: StatusCode) -> Option<IdempotencyClaim> {
        self.key.as_ref().map(|key| IdempotencyClaim {
            key: key.clone(),
            request_sha256: self.digest.clone(),
            status: status.as_u16(),
        })
    }
}

fn declaration_response(outcome: WriteOutcome, status: StatusCode) -> Result<Response, ApiError> {
    match outcome {
        WriteOutcome::Declaration(record) => {
            let mut response = json_of(status, &record)?;
            if status == StatusCode::CREATED
                && let Ok(location) =
                    HeaderValue::from_str(&format!("/api/v1/declarations/{}", record.id))
            {
                response.headers_mut().insert(header::LOCATION, location);
            }
            Ok(response)
        }
        WriteOutcome::Replayed { status, response } => Ok(json_response(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            response,
        )),
        other => {
            tracing::error!("unexpected outcome {other:?}");
            Err(ApiError::internal())
        }
    }
}

/// The declaration, if the caller may see it; 404 otherwise.
async fn visible_declaration(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<DeclarationRecord, ApiError> {
    match state.store.declaration(id).await? {
        Some(record) if caller.can_see(&record.state, &record.declarant_tin) => Ok(record),
        _ => Err(ApiError::not_found("such declaration")),
    }
}

/// How many times a change is recomputed when the declaration moved on under it.
const RETRIES: usize = 3;

// ---------------------------------------------------------------------------------------------
// Declarations

/// File a goods declaration (docs/declaration.md). It is validated on the service's business
/// date; every problem comes back at once with its JSON path (422). The declarant's TIN must
/// be the token's.
#[utoipa::path(
    post, path = "/api/v1/declarations", tag = "declarations",
    request_body(content = Object, description = "A goods declaration (docs/declaration.md)", content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key with the same body returns the same response; with another body, 409")),
    responses(
        (status = 201, description = "Filed: status `submitted`", body = DeclarationRecord),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a declarant token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid: every problem with its JSON path", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable; nothing stored", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn submit_declaration(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(Role::Declarant, "file declarations")?;
    let body = body_bytes(body, &state)?;
    // The writer answers a repeated key before it applies anything.
    let idempotent = Idempotent::of(&headers, &Method::POST, "/api/v1/declarations", &body)?;
    let today = state.today();
    let (filed, declaration) = validate_on(&state.tariff.snapshot, body_text(&body)?, today)?;
    let tin = caller.0.tin.clone().unwrap_or_default();
    if declaration.declarant.tin != tin {
        return Err(ApiError::invalid_at(
            "declarant.tin",
            format!(
                "expected the TIN of your token ({tin}), not {}",
                declaration.declarant.tin
            ),
        ));
    }
    let now_millis = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let new = tamga_store::NewDeclaration {
        id: new_declaration_id(u64::try_from(now_millis).unwrap_or_default()),
        state: declaration.state.to_string(),
        customs_office: declaration.customs_office.clone(),
        declarant_tin: tin,
        submitted_on: format_date(today),
        body: filed.to_string(),
    };
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: idempotent.claim(StatusCode::CREATED),
            command: Command::Submit(new),
        })
        .await?;
    declaration_response(outcome, StatusCode::CREATED)
}

/// Query of the declaration list. The caller's scope narrows it further: a declarant sees its
/// own, an officer or treasury its state's.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
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

#[derive(serde::Serialize, ToSchema)]
struct DeclarationList {
    items: Vec<DeclarationSummary>,
    /// Pass as `cursor` for the next page; null on the last.
    next_cursor: Option<String>,
}

/// A day parameter, `YYYY-MM-DD`; a 400 naming the parameter otherwise.
fn parse_day(name: &str, text: &str) -> Result<tamga_core::Date, ApiError> {
    parse_date(text)
        .map_err(|_| ApiError::bad_request(format!("{name}: expected YYYY-MM-DD, got {text:?}")))
}

/// A day parameter, or the business date when it is absent.
fn day_or_today(
    state: &AppState,
    name: &str,
    value: Option<&str>,
) -> Result<tamga_core::Date, ApiError> {
    value.map_or_else(|| Ok(state.today()), |v| parse_day(name, v))
}

fn date_param(name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    value
        .map(|v| parse_day(name, &v).map(format_date))
        .transpose()
}

/// List declarations, oldest first, a page at a time.
#[utoipa::path(
    get, path = "/api/v1/declarations", tag = "declarations",
    params(ListParams),
    responses(
        (status = 200, body = DeclarationList),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn list_declarations(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(
        &[
            Role::Declarant,
            Role::Officer,
            Role::Treasury,
            Role::Commission,
        ],
        "list declarations",
    )?;
    let params: ListParams = query(raw)?;
    let status = params
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "status: expected submitted, registered, released, refused or withdrawn, got {s:?}"
                ))
            })
        })
        .transpose()?;
    let key = state.store.node_key();
    let actor = caller.0.actor();
    let after = params
        .cursor
        .as_deref()
        .map(|c| {
            cursor_position(key, &actor, c).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "cursor: not a cursor this caller was given for this list: {c:?}"
                ))
            })
        })
        .transpose()?;
    let limit = match params.limit.as_deref() {
        None => 100,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=state.limits.max_page).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "limit: expected 1 to {}, got {l:?}",
                    state.limits.max_page
                ))
            })?,
    };
    if let Some(state) = &params.state
        && CountryCode::parse(state).is_err()
    {
        return Err(ApiError::bad_request(format!(
            "state: expected a member state (ISO 3166-1 alpha-2, e.g. RU), got {state:?}"
        )));
    }
    let mut list = ListQuery {
        declarant_tin: None,
        state: params.state.clone(),
        status,
        from: date_param("from", params.from)?,
        to: date_param("to", params.to)?,
        after,
        limit,
    };
    let p = &caller.0;
    match p.role {
        Role::Declarant => list.declarant_tin = Some(p.tin.clone().unwrap_or_default()),
        Role::Officer | Role::Treasury => {
            if params.state.is_some() && params.state != p.state {
                // Another state's declarations are outside the scope: an empty list.
                return json_of(
                    StatusCode::OK,
                    &DeclarationList {
                        items: Vec::new(),
                        next_cursor: None,
                    },
                );
            }
            list.state = p.state.clone();
        }
        _ => {}
    }
    let page = state.store.list(&list).await?;
    json_of(
        StatusCode::OK,
        &DeclarationList {
            items: page.items,
            next_cursor: page.next_after.map(|id| cursor_for(key, &actor, &id)),
        },
    )
}

/// A list cursor: opaque, and good only for the caller it was given to. It names the last
/// declaration of a page (which that caller saw), keyed with the node key and the caller, so
/// that it reveals nothing of other tenants' volume and cannot be forged or passed on.
fn cursor_for(key: &tamga_store::NodeKey, actor: &str, last_id: &str) -> String {
    let mac = key.mac("list cursor", format!("{actor}\n{last_id}").as_bytes());
    format!("{mac}{last_id}")
}

/// The declaration a cursor continues after, if this caller was given it.
fn cursor_position(key: &tamga_store::NodeKey, actor: &str, cursor: &str) -> Option<String> {
    let id = cursor.get(32..).filter(|id| !id.is_empty())?;
    let expected = cursor_for(key, actor, id);
    // Compared in constant time: the cursor is a keyed digest.
    let same = expected.len() == cursor.len()
        && expected
            .bytes()
            .zip(cursor.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then(|| id.to_owned())
}

/// A declaration: its status, registration number, current body and assessment.
#[utoipa::path(
    get, path = "/api/v1/declarations/{id}", tag = "declarations",
    params(("id" = String, Path, description = "The declaration id (`dcl_…`)")),
    responses(
        (status = 200, body = DeclarationRecord),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such declaration, or not the caller's to see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn get_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such declaration")?;
    let record = visible_declaration(&state, &caller, &id).await?;
    json_of(StatusCode::OK, &record)
}

#[derive(serde::Serialize, ToSchema)]
struct VersionView {
    version: i64,
    created_at: String,
    /// The token that made it (`role:tok_…`).
    actor: String,
    /// What this version changed from the one before (empty for the first).
    changes: Vec<Change>,
    #[schema(value_type = Object)]
    declaration: Value,
}

#[derive(serde::Serialize, ToSchema)]
struct VersionList {
    id: String,
    versions: Vec<VersionView>,
}

/// Every version of a declaration, oldest first, each with what it changed.
#[utoipa::path(
    get, path = "/api/v1/declarations/{id}/versions", tag = "declarations",
    params(("id" = String, Path, description = "The declaration id")),
    responses(
        (status = 200, body = VersionList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn declaration_versions(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such declaration")?;
    visible_declaration(&state, &caller, &id).await?;
    let mut previous = Value::Null;
    let mut versions = Vec::new();
    for stored in state.store.versions(&id).await? {
        let body: Value = serde_json::from_str(&stored.body).map_err(|e| {
            tracing::error!("stored body of {id} v{}: {e}", stored.version);
            ApiError::internal()
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
    json_of(StatusCode::OK, &VersionList { id, versions })
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_matches('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| ApiError::bad_request("If-Match: expected the version number, e.g. \"2\""))
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
        (status = 200, body = DeclarationRecord),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Released, refused or withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn amend_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such declaration")?;
    let body = body_bytes(body, &state)?;
    let expected = if_match(&headers)?;
    for _ in 0..RETRIES {
        let record = visible_declaration(&state, &caller, &id).await?;
        caller.require(Role::Declarant, "amend declarations")?;
        if !record.status.is_open() {
            return Err(ApiError::conflict(format!(
                "declaration {id} is {}; it can no longer be amended",
                record.status.as_str()
            )));
        }
        let date = match &record.registration_date {
            Some(day) => parse_date(day).map_err(|_| ApiError::internal())?,
            None => state.today(),
        };
        let (filed, declaration) = validate_on(&state.tariff.snapshot, body_text(&body)?, date)?;
        let mut problems = Vec::new();
        let mut differs = |path: &str, filed: &str, stored: &str| {
            if filed != stored {
                problems.push(FieldProblem {
                    path: path.into(),
                    message: format!("expected {stored}: an amendment cannot change it"),
                });
            }
        };
        differs("state", &declaration.state.to_string(), &record.state);
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
        if !problems.is_empty() {
            return Err(ApiError::invalid(problems));
        }
        let assessment = match record.status {
            Status::Registered => {
                Some(assess_on(&state.tariff.snapshot, &filed.to_string(), date)?)
            }
            _ => None,
        };
        let outcome = state
            .store
            .write(WriteRequest {
                actor: caller.0.actor(),
                idempotency: None,
                command: Command::Amend {
                    id: id.clone(),
                    expected_version: expected.unwrap_or(record.version),
                    body: filed.to_string(),
                    assessment,
                },
            })
            .await;
        match outcome {
            Err(StoreError::StaleVersion { current, .. }) if expected.is_some() => {
                return Err(ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    "version-moved",
                    format!("declaration {id} is at version {current}"),
                ));
            }
            Err(StoreError::StaleVersion { .. }) => continue,
            other => return declaration_response(other?, StatusCode::OK),
        }
    }
    Err(ApiError::conflict(format!(
        "declaration {id} kept changing; try again"
    )))
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
        (status = 200, description = "Registered, with its number and assessment", body = DeclarationRecord),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted (already registered, withdrawn…)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Cannot be assessed on the business date", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn register_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such declaration")?;
    let body = body_bytes(body, &state)?;
    let path = format!("/api/v1/declarations/{id}/register");
    let idempotent = Idempotent::of(&headers, &Method::POST, &path, &body)?;
    for _ in 0..RETRIES {
        let record = visible_declaration(&state, &caller, &id).await?;
        caller.require(Role::Officer, "register declarations")?;
        let today = state.today();
        let checked = if record.status == Status::Submitted {
            assess_on(&state.tariff.snapshot, record.declaration.get(), today)
        } else {
            Err(ApiError::conflict(format!(
                "declaration {id} is {}{}; only a submitted declaration can be registered",
                record.status.as_str(),
                record
                    .number
                    .as_deref()
                    .map(|n| format!(" as {n}"))
                    .unwrap_or_default()
            )))
        };
        let assessment = match checked {
            Ok(assessment) => assessment,
            // A retried registration that already happened: its response, not a conflict.
            Err(refused) => match idempotent.replay(&state, &caller).await? {
                Some(replayed) => return Ok(replayed),
                None => return Err(refused),
            },
        };
        let outcome = state
            .store
            .write(WriteRequest {
                actor: caller.0.actor(),
                idempotency: idempotent.claim(StatusCode::OK),
                command: Command::Register {
                    id: id.clone(),
                    expected_version: record.version,
                    registration_date: format_date(today),
                    assessment,
                },
            })
            .await;
        match outcome {
            Err(StoreError::StaleVersion { .. }) => continue,
            other => return declaration_response(other?, StatusCode::OK),
        }
    }
    Err(ApiError::conflict(format!(
        "declaration {id} kept changing; try again"
    )))
}

/// The body of release, refuse and withdraw.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    /// Why (optional).
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    reason: Option<String>,
}

const MAX_REASON: usize = 2000;

async fn decide(
    state: AppState,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    action: &'static str,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such declaration")?;
    let body = body_bytes(body, &state)?;
    let path = format!("/api/v1/declarations/{id}/{action}");
    // The writer answers a repeated key before it checks the status.
    let idempotent = Idempotent::of(&headers, &Method::POST, &path, &body)?;
    let DecisionBody { reason } = small_json(&body)?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON)
    {
        return Err(ApiError::invalid_at(
            "reason",
            format!("expected at most {MAX_REASON} characters"),
        ));
    }
    visible_declaration(&state, &caller, &id).await?;
    let decision = match action {
        "release" => {
            caller.require(Role::Officer, "release declarations")?;
            Decision::Release {
                reason,
                day: format_date(state.today()),
            }
        }
        "refuse" => {
            caller.require(Role::Officer, "refuse declarations")?;
            Decision::Refuse {
                reason: reason.ok_or_else(|| {
                    ApiError::invalid_at("reason", "expected the reason of the refusal")
                })?,
            }
        }
        _ => {
            caller.require(Role::Declarant, "withdraw declarations")?;
            Decision::Withdraw { reason }
        }
    };
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: idempotent.claim(StatusCode::OK),
            command: Command::Decide {
                id: id.clone(),
                decision,
            },
        })
        .await?;
    declaration_response(outcome, StatusCode::OK)
}

/// Release a registered declaration: an officer of the declaring state.
#[utoipa::path(
    post, path = "/api/v1/declarations/{id}/release", tag = "declarations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry safely")),
    request_body(content = Option<DecisionBody>, content_type = "application/json"),
    responses(
        (status = 200, body = DeclarationRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not registered, or already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn release_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    decide(state, caller, id, headers, body, "release").await
}

/// The body of a refusal: the reason is required. (Read as a [`DecisionBody`]; this type states
/// the requirement in the document.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RefusalBody {
    /// Why the declaration is refused.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    reason: String,
}

/// Refuse a registered declaration, with a reason: an officer of the declaring state.
#[utoipa::path(
    post, path = "/api/v1/declarations/{id}/refuse", tag = "declarations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry safely")),
    request_body(content = RefusalBody, content_type = "application/json"),
    responses(
        (status = 200, body = DeclarationRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn refuse_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    decide(state, caller, id, headers, body, "refuse").await
}

/// Withdraw a declaration before its release: its declarant.
#[utoipa::path(
    post, path = "/api/v1/declarations/{id}/withdraw", tag = "declarations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry safely")),
    request_body(content = Option<DecisionBody>, content_type = "application/json"),
    responses(
        (status = 200, body = DeclarationRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already released, refused or withdrawn", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn withdraw_declaration(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    decide(state, caller, id, headers, body, "withdraw").await
}

// ---------------------------------------------------------------------------------------------
// Tariff and payments (no token)

/// Compute the customs payments of a declaration without storing anything. Its
/// `registration_date` is taken as given, as `tamga assess` does.
#[utoipa::path(
    post, path = "/api/v1/assess", tag = "tariff",
    request_body(content = Object, description = "A goods declaration (docs/declaration.md)", content_type = "application/json"),
    responses(
        (status = 200, description = "The assessment (the JSON contract of docs/declaration.md)", body = Object),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn assess(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, &state)?;
    let snapshot = &state.tariff.snapshot;
    let declaration = tamga_assess::parse_declaration_for(snapshot, body_text(&body)?)?;
    let assessment = tamga_assess::assess(snapshot, &declaration)?;
    json_of(
        StatusCode::OK,
        &tamga_assess::render::assessment_json(&assessment),
    )
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ShowParams {
    /// The day (YYYY-MM-DD); default the business date.
    date: Option<String>,
    /// Country of origin (ISO alpha-2), for preferences and trade remedies.
    origin: Option<String>,
    /// Member state of import, for national exemptions.
    state: Option<String>,
    /// `true`: the importer holds a tariff-quota allocation.
    in_quota: Option<String>,
}

fn lookup_error(error: LookupError) -> ApiError {
    match error {
        LookupError::NotMemberState { .. } | LookupError::UnknownOrigin(_) => {
            ApiError::bad_request(error.to_string())
        }
        other => ApiError::new(StatusCode::NOT_FOUND, "not-found", other.to_string()),
    }
}

fn country_param(name: &str, value: Option<String>) -> Result<Option<CountryCode>, ApiError> {
    value
        .map(|v| {
            CountryCode::parse(&v).map_err(|_| {
                ApiError::bad_request(format!(
                    "{name}: expected an ISO 3166-1 alpha-2 code, got {v:?}"
                ))
            })
        })
        .transpose()
}

/// A commodity code on a date: its descriptions, the import duty that applies and every layer
/// (the JSON of `tamga tariff show --format json`).
#[utoipa::path(
    get, path = "/api/v1/tariff/{code}", tag = "tariff",
    params(("code" = String, Path, description = "A commodity code (2 to 10 digits)"), ShowParams),
    responses(
        (status = 200, body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown code, or no tariff in force on the date", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn tariff_show(
    State(state): State<AppState>,
    code: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let Ok(Path(code)) = code else {
        return Err(ApiError::bad_request("code: expected digits"));
    };
    let code =
        CommodityCode::parse(&code).map_err(|e| ApiError::bad_request(format!("code: {e}")))?;
    let params: ShowParams = query(raw)?;
    let date = day_or_today(&state, "date", params.date.as_deref())?;
    let in_quota = match params.in_quota.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "in_quota: expected true or false, got {other:?}"
            )));
        }
    };
    let lookup = LookupQuery {
        code,
        date,
        origin: country_param("origin", params.origin)?,
        state: country_param("state", params.state)?,
        in_quota,
        claim_preference: true,
    };
    let value = tariff_json::show_json(&state.tariff.snapshot, &lookup).map_err(lookup_error)?;
    json_of(StatusCode::OK, &value)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchParams {
    /// Words (Russian or English) or a code.
    q: Option<String>,
    /// How many results, 1 to 100 (default 10).
    limit: Option<String>,
    /// The edition in force on this day (default the business date).
    date: Option<String>,
}

/// Search the nomenclature by words or code.
#[utoipa::path(
    get, path = "/api/v1/tariff/search", tag = "tariff",
    params(SearchParams),
    responses(
        (status = 200, description = "`{query, date, edition, results: [{code, description_ru, description_en, score}]}`", body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No tariff in force on the date", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn tariff_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: SearchParams = query(raw)?;
    let text = params
        .q
        .filter(|q| !q.trim().is_empty() && q.len() <= 500)
        .ok_or_else(|| ApiError::bad_request("q: expected words or a code (at most 500 bytes)"))?;
    let limit = match params.limit.as_deref() {
        None => 10,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| ApiError::bad_request(format!("limit: expected 1 to 100, got {l:?}")))?,
    };
    let date = day_or_today(&state, "date", params.date.as_deref())?;
    let snapshot = &state.tariff.snapshot;
    let position = snapshot
        .editions
        .iter()
        .position(|e| e.validity.contains(date))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!(
                    "no tariff in force on {}: the bundle's editions cover {}",
                    format_date(date),
                    snapshot.coverage()
                ),
            )
        })?;
    let edition = &snapshot.editions[position];
    let index = state
        .tariff
        .indexes
        .get(position)
        .ok_or_else(ApiError::internal)?;
    let value = tariff_json::search_json(snapshot, edition, index, &text, limit, date);
    json_of(StatusCode::OK, &value)
}

// ---------------------------------------------------------------------------------------------
// Treasury

/// Whether the caller may see a state's single account: its own state's treasury, or the
/// commission. Another state's treasury gets 404; other roles 403.
fn treasury_scope(caller: &Caller, state: &str, doing: &str) -> Result<(), ApiError> {
    match caller.0.role {
        Role::Treasury if caller.0.state.as_deref() == Some(state) => Ok(()),
        Role::Treasury => Err(ApiError::not_found("such single account")),
        Role::Commission => Ok(()),
        _ => Err(ApiError::forbidden(format!(
            "only a treasury or the commission may {doing}"
        ))),
    }
}

#[derive(serde::Serialize, ToSchema)]
struct ClosedDay {
    /// True when the day was closed before: closing twice changes nothing.
    already_closed: bool,
    #[serde(flatten)]
    closing: DayClosing,
}

/// Close a day of a state's single account: its net receipts of each pool (import duties;
/// special, anti-dumping and countervailing duties) are split among the member states by the
/// normatives in force that day, to the kopeck (largest remainder), and posted to the ledger.
/// The state's own treasury only. Closing a closed day changes nothing.
#[utoipa::path(
    post, path = "/api/v1/treasury/{state}/days/{date}/close", tag = "treasury",
    params(("state" = String, Path, description = "Member state (ISO alpha-2)"), ("date" = String, Path, description = "The reporting day, YYYY-MM-DD")),
    responses(
        (status = 200, body = ClosedDay),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's state, or not a member that day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No normatives in force that day", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn close_day(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Ok(Path((country, date))) = path else {
        return Err(ApiError::not_found("such single account"));
    };
    crate::input::path_parameter("state", &country)?;
    crate::input::path_parameter("date", &date)?;
    treasury_scope(&caller, &country, "close a day")?;
    caller.require(Role::Treasury, "close a day")?;
    let day = parse_day("date", &date)?;
    let command = close_day_command(
        &state.tariff.snapshot,
        &country,
        day,
        state.treasury.special_duty_rule,
        state.business_date.now(),
        state.money_dates(),
    )?;
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: None,
            command,
        })
        .await?;
    match outcome {
        WriteOutcome::DayClosed { closing, already } => json_of(
            StatusCode::OK,
            &ClosedDay {
                already_closed: already,
                closing,
            },
        ),
        _ => Err(ApiError::internal()),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DaysParams {
    /// First day (YYYY-MM-DD); default the business date.
    from: Option<String>,
    /// Last day (YYYY-MM-DD); default `from`.
    to: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct DaysReport {
    state: String,
    from: String,
    to: String,
    /// The closed days, oldest first, each with its distribution.
    days: Vec<DayClosing>,
}

/// The closed days of a state's single account: what it received and what is due to each
/// state. Its own treasury, or the commission.
#[utoipa::path(
    get, path = "/api/v1/treasury/{state}/days", tag = "treasury",
    params(("state" = String, Path, description = "Member state (ISO alpha-2)"), DaysParams),
    responses(
        (status = 200, body = DaysReport),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn treasury_days(
    State(state): State<AppState>,
    caller: Caller,
    country: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let country = path_id(country, "state", "such single account")?;
    treasury_scope(&caller, &country, "read a single account")?;
    let params: DaysParams = query(raw)?;
    let from = day_or_today(&state, "from", params.from.as_deref())?;
    let to = match params.to.as_deref() {
        Some(t) => parse_day("to", t)?,
        None => from,
    };
    let (from, to) = (format_date(from), format_date(to));
    let days = state.store.day_closings(&country, &from, &to).await?;
    json_of(
        StatusCode::OK,
        &DaysReport {
            state: country,
            from,
            to,
            days,
        },
    )
}

#[derive(serde::Serialize, ToSchema)]
struct TransferList {
    state: String,
    transfers: Vec<tamga_store::TransferOrder>,
}

/// The transfer orders a state sends or receives: due, sent or confirmed, with any interest
/// for delay. Its own treasury, or the commission.
#[utoipa::path(
    get, path = "/api/v1/treasury/{state}/transfers", tag = "treasury",
    params(("state" = String, Path, description = "Member state (ISO alpha-2)")),
    responses((status = 200, body = TransferList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
async fn treasury_transfers(
    State(state): State<AppState>,
    caller: Caller,
    country: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let country = path_id(country, "state", "such single account")?;
    treasury_scope(&caller, &country, "read transfers")?;
    let transfers = state.store.transfers(&country).await?;
    json_of(
        StatusCode::OK,
        &TransferList {
            state: country,
            transfers,
        },
    )
}

/// A receipt that is not a release.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReceiptRequest {
    /// `refund` (credited as a negative receipt) or `penalty_interest`.
    #[schema(value_type = String, pattern = "^(refund|penalty_interest)$")]
    event: Option<String>,
    /// `import_duty` (default) or `special_duty`.
    #[schema(pattern = "^(import_duty|special_duty)$")]
    pool: Option<String>,
    /// The amount, positive, in the state's national currency (`1500.00`).
    #[schema(value_type = String, pattern = "^[0-9]{1,15}(\\.[0-9]{1,2})?$")]
    amount: Option<String>,
    /// What it concerns, unique per event and state (a refund decision's number, a payment
    /// order's).
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    reference: Option<String>,
    /// The day (YYYY-MM-DD); default the business date.
    #[schema(format = Date)]
    date: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct RecordedReceipt {
    entry_key: String,
    /// The day it was credited: the next open day if its own is closed.
    day: String,
    /// Signed: a refund is negative.
    amount_minor: i64,
    already_recorded: bool,
}

/// Record a duty refund (a negative receipt) or penalty interest on import duties on the state's
/// single account: distributed with the day's receipts when the day is closed. Its own
/// treasury only; the same event and reference twice records once.
#[utoipa::path(
    post, path = "/api/v1/treasury/{state}/receipts", tag = "treasury",
    params(("state" = String, Path, description = "Member state (ISO alpha-2)")),
    request_body(content = ReceiptRequest, content_type = "application/json"),
    responses(
        (status = 200, body = RecordedReceipt),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn record_receipt(
    State(state): State<AppState>,
    caller: Caller,
    country: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let country = path_id(country, "state", "such single account")?;
    treasury_scope(&caller, &country, "record receipts")?;
    caller.require(Role::Treasury, "record receipts")?;
    let body = body_bytes(body, &state)?;
    let request: ReceiptRequest = small_json(&body)?;
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| {
        problems.push(FieldProblem {
            path: path.into(),
            message,
        })
    };
    let event = request.event.clone().unwrap_or_default();
    if event != "refund" && event != "penalty_interest" {
        problem(
            "event",
            format!("expected refund or penalty_interest, got {event:?}"),
        );
    }
    let pool = request.pool.clone().unwrap_or_else(|| "import_duty".into());
    if pool != "import_duty" && pool != "special_duty" {
        problem(
            "pool",
            format!("expected import_duty or special_duty, got {pool:?}"),
        );
    }
    let amount = match crate::service::money_amount(request.amount.as_deref()) {
        Ok(amount) => Some(amount),
        Err(message) => {
            problem("amount", message);
            None
        }
    };
    let reference = request.reference.clone().unwrap_or_default();
    if reference.is_empty() || reference.len() > 100 {
        problem(
            "reference",
            "expected the document it concerns (1 to 100 characters)".into(),
        );
    }
    let day = day_or_today(&state, "date", request.date.as_deref())?;
    if let Err(e) = state.money_dates().check(day, None) {
        problem("date", e.to_string());
    }
    let currency = CountryCode::parse(&country)
        .ok()
        .and_then(|c| state.tariff.snapshot.state_currency_on(c, day))
        .map(|c| c.currency.to_string());
    if currency.is_none() {
        problem(
            "date",
            format!("{country} has no national currency on {}", format_date(day)),
        );
    }
    let (Some(amount), Some(currency), true) = (amount, currency, problems.is_empty()) else {
        return Err(ApiError::invalid(problems));
    };
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: None,
            command: Command::RecordReceipt {
                state: country,
                day: format_date(day),
                currency,
                pool,
                amount_minor: if event == "refund" { -amount } else { amount },
                event,
                reference,
            },
        })
        .await?;
    match outcome {
        WriteOutcome::Receipt {
            entry_key,
            day,
            amount_minor,
            already,
        } => json_of(
            StatusCode::OK,
            &RecordedReceipt {
                entry_key,
                day,
                amount_minor,
                already_recorded: already,
            },
        ),
        _ => Err(ApiError::internal()),
    }
}

/// The body of send and confirm.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TransferAction {
    /// The day (YYYY-MM-DD); default the business date.
    #[schema(format = Date)]
    date: Option<String>,
    /// Send only: national units per unit of the transfer currency, the sending central bank's
    /// rate of the day; default the bundle's rate, when it has one.
    #[schema(pattern = "^[0-9]{1,7}(\\.[0-9]{1,8})?$")]
    rate: Option<String>,
}

/// Which side of a transfer acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TransferSide {
    Sender,
    Receiver,
}

impl TransferSide {
    fn name(self) -> &'static str {
        match self {
            TransferSide::Sender => "sender",
            TransferSide::Receiver => "receiver",
        }
    }
}

/// The order, if the caller may see it (a treasury of either side, or the commission).
async fn visible_order(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<tamga_store::TransferOrder, ApiError> {
    let order = state
        .store
        .transfer(id)
        .await?
        .ok_or_else(|| ApiError::not_found("such transfer"))?;
    let own = caller.0.state.as_deref();
    let visible = caller.0.role == Role::Commission
        || (caller.0.role == Role::Treasury
            && (own == Some(&order.sender) || own == Some(&order.receiver)));
    if !visible {
        return Err(ApiError::not_found("such transfer"));
    }
    Ok(order)
}

/// The order, if the caller is the treasury that acts on it.
async fn order_for(
    state: &AppState,
    caller: &Caller,
    id: &str,
    side: TransferSide,
) -> Result<tamga_store::TransferOrder, ApiError> {
    let order = visible_order(state, caller, id).await?;
    let acting = match side {
        TransferSide::Sender => &order.sender,
        TransferSide::Receiver => &order.receiver,
    };
    if caller.0.role != Role::Treasury || caller.0.state.as_deref() != Some(acting.as_str()) {
        return Err(ApiError::forbidden(format!(
            "only the {}'s treasury may do this",
            side.name()
        )));
    }
    Ok(order)
}

fn transfer_response(outcome: WriteOutcome) -> Result<Response, ApiError> {
    match outcome {
        WriteOutcome::Transfer(order) => json_of(StatusCode::OK, &order),
        _ => Err(ApiError::internal()),
    }
}

/// A money date of a transfer action, within the service's window and after `after`.
fn transfer_date(
    state: &AppState,
    date: Option<&str>,
    after: Option<(tamga_core::Date, &str)>,
) -> Result<tamga_core::Date, ApiError> {
    let day = day_or_today(state, "date", date)?;
    state
        .money_dates()
        .check(day, after)
        .map_err(|e| ApiError::invalid_at("date", e.to_string()))?;
    Ok(day)
}

/// Send a due transfer order: the sending state's treasury. A transfer in another currency
/// than the sender's is converted at the rate given (or the bundle's rate of that day),
/// half-up to the minor unit. The date is after the reporting day, no later than the business
/// date and within the window of money dates (docs/treasury.md).
#[utoipa::path(
    post, path = "/api/v1/treasury/transfers/{id}/send", tag = "treasury",
    params(("id" = String, Path, description = "The order (`tr:{sender}:{receiver}:{day}`)")),
    request_body(content = Option<TransferAction>, content_type = "application/json"),
    responses(
        (status = 200, body = tamga_store::TransferOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not due, or a rate is needed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date outside its bounds, or a bad rate", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn send_transfer(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such transfer")?;
    let body = body_bytes(body, &state)?;
    let TransferAction { date, rate } = small_json(&body)?;
    let order = order_for(&state, &caller, &id, TransferSide::Sender).await?;
    let reported = parse_date(&order.day)
        .ok()
        .and_then(tamga_core::Date::next_day)
        .ok_or_else(ApiError::internal)?;
    let day = transfer_date(
        &state,
        date.as_deref(),
        Some((
            reported,
            "a transfer is sent once its reporting day has ended",
        )),
    )?;
    let rate = match rate {
        Some(text) => Some(
            tamga_core::plain_decimal(&text, 8)
                .ok()
                .filter(|r| *r > rust_decimal::Decimal::ZERO)
                .ok_or_else(|| {
                    ApiError::invalid_at(
                        "rate",
                        format!(
                            "expected a positive plain decimal with at most 8 places, got {text:?}"
                        ),
                    )
                })?,
        ),
        None => {
            let snapshot = &state.tariff.snapshot;
            match (
                CountryCode::parse(&order.sender),
                tamga_core::CurrencyCode::parse(&order.transfer_currency),
            ) {
                (Ok(sender), Ok(currency)) => snapshot
                    .exchange_rate_on(sender, currency, day)
                    .map(|r| r.rate),
                _ => None,
            }
        }
    };
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: None,
            command: Command::SendTransfer {
                id,
                on: format_date(day),
                rate,
            },
        })
        .await?;
    transfer_response(outcome)
}

/// Confirm a sent transfer: the receiving state's treasury. Confirmed after its deadline, it
/// accrues interest for each day late on the whole debt, at the service's configured daily
/// rate (the legal rate is unverified). The date is on or after the sending date, no later
/// than the business date and within the window of money dates; interest above the cap (by
/// default the debt itself) is refused until it is approved (`approve-interest`).
#[utoipa::path(
    post, path = "/api/v1/treasury/transfers/{id}/confirm", tag = "treasury",
    params(("id" = String, Path, description = "The order")),
    request_body(content = Option<TransferAction>, content_type = "application/json"),
    responses(
        (status = 200, body = tamga_store::TransferOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not sent yet, confirmed already, or interest above the cap not approved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date outside its bounds", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn confirm_transfer(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such transfer")?;
    let body = body_bytes(body, &state)?;
    let TransferAction { date, rate } = small_json(&body)?;
    if rate.is_some() {
        return Err(ApiError::invalid_at(
            "rate",
            "a rate is given when sending, not confirming",
        ));
    }
    let order = order_for(&state, &caller, &id, TransferSide::Receiver).await?;
    let sent = order.sent_on.as_deref().and_then(|d| parse_date(d).ok());
    let day = transfer_date(
        &state,
        date.as_deref(),
        sent.map(|sent| {
            (
                sent,
                "a transfer is confirmed on or after the day it was sent",
            )
        }),
    )?;
    let cap = tamga_treasury::interest_cap(order.amount_minor, state.treasury.interest_cap_percent)
        .ok_or_else(ApiError::internal)?;
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: None,
            command: Command::ConfirmTransfer {
                id: id.clone(),
                on: format_date(day),
                daily_interest_rate: state.treasury.late_interest_daily_rate,
                interest_cap_minor: cap,
            },
        })
        .await
        .map_err(|e| match e {
            StoreError::InterestOverCap { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "interest-over-cap",
                format!(
                    "{e}. The sender's treasury or the commission may approve it with POST \
                     /api/v1/treasury/transfers/{id}/approve-interest"
                ),
            ),
            other => other.into(),
        })?;
    transfer_response(outcome)
}

/// The body of an interest approval.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct InterestApproval {
    /// The most interest approved, in the sender's national currency (`1783603.30`).
    #[schema(value_type = String, pattern = "^[0-9]{1,15}(\\.[0-9]{1,2})?$")]
    amount: Option<String>,
    /// Why: kept on the order and in the audit log.
    #[schema(value_type = String, min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$")]
    reason: Option<String>,
}

/// Approve interest above the cap on a transfer not yet confirmed: the sender's treasury (the
/// debtor accepts it) or the commission. A separate, audited action: the receiver alone cannot
/// make the sender pay more than the cap.
#[utoipa::path(
    post, path = "/api/v1/treasury/transfers/{id}/approve-interest", tag = "treasury",
    params(("id" = String, Path, description = "The order")),
    request_body(content = InterestApproval, content_type = "application/json"),
    responses(
        (status = 200, body = tamga_store::TransferOrder),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Confirmed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn approve_interest(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such transfer")?;
    let body = body_bytes(body, &state)?;
    let request: InterestApproval = small_json(&body)?;
    let order = visible_order(&state, &caller, &id).await?;
    let may = caller.0.role == Role::Commission
        || (caller.0.role == Role::Treasury
            && caller.0.state.as_deref() == Some(order.sender.as_str()));
    if !may {
        return Err(ApiError::forbidden(
            "only the sender's treasury or the commission may approve interest above the cap",
        ));
    }
    let mut problems = Vec::new();
    let amount = match crate::service::money_amount(request.amount.as_deref()) {
        Ok(amount) => Some(amount),
        Err(message) => {
            problems.push(FieldProblem {
                path: "amount".into(),
                message,
            });
            None
        }
    };
    let reason = request.reason.unwrap_or_default().trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        problems.push(FieldProblem {
            path: "reason".into(),
            message: format!(
                "expected why the interest is approved (1 to {MAX_REASON} characters)"
            ),
        });
    }
    let (Some(amount_minor), true) = (amount, problems.is_empty()) else {
        return Err(ApiError::invalid(problems));
    };
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: None,
            command: Command::ApproveInterest {
                id,
                amount_minor,
                reason,
            },
        })
        .await?;
    transfer_response(outcome)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PeriodParams {
    /// First day (YYYY-MM-DD).
    from: Option<String>,
    /// Last day (YYYY-MM-DD).
    to: Option<String>,
}

#[derive(serde::Serialize, ToSchema)]
struct Reconciliation {
    from: String,
    to: String,
    /// True when every pair of books agrees and nothing received in the period is left
    /// undistributed.
    clean: bool,
    /// True when every pair of books agrees.
    books_agree: bool,
    pairs: Vec<tamga_store::PairBalance>,
    /// Receipts of the period not yet distributed, by state, day and pool: days not closed
    /// yet, or (`day_closed`) money stranded on a closed day.
    undistributed: Vec<tamga_store::Undistributed>,
}

/// Reconcile the books over a period: for each debt between two states, what the debtor's books
/// say against what the creditor's say, with the entries behind any difference. The commission
/// sees every pair; a treasury the pairs its state is in.
#[utoipa::path(
    get, path = "/api/v1/treasury/reconcile", tag = "treasury",
    params(PeriodParams),
    responses(
        (status = 200, body = Reconciliation),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn treasury_reconcile(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require_any(&[Role::Treasury, Role::Commission], "reconcile the books")?;
    let params: PeriodParams = query(raw)?;
    let (Some(from), Some(to)) = (params.from.as_deref(), params.to.as_deref()) else {
        return Err(ApiError::bad_request(
            "from and to: both days are needed (YYYY-MM-DD)",
        ));
    };
    let (from, to) = (parse_day("from", from)?, parse_day("to", to)?);
    if from > to {
        return Err(ApiError::bad_request(format!(
            "from {} is after to {}: the period is empty",
            format_date(from),
            format_date(to)
        )));
    }
    let (from, to) = (format_date(from), format_date(to));
    let mut pairs = state.store.reconcile(&from, &to).await?;
    let mut undistributed = state.store.undistributed(&from, &to).await?;
    if caller.0.role == Role::Treasury {
        let own = caller.0.state.clone().unwrap_or_default();
        pairs.retain(|p| p.debtor == own || p.creditor == own);
        undistributed.retain(|u| u.state == own);
    }
    let books_agree = pairs.iter().all(|p| p.difference_minor == 0);
    json_of(
        StatusCode::OK,
        &Reconciliation {
            clean: books_agree && undistributed.is_empty(),
            books_agree,
            from,
            to,
            pairs,
            undistributed,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Service

/// Check the audit chain, the rows each entry wrote and each object's state: every problem,
/// the first one first. Commission and admin tokens. docs/api.md says what is detected.
#[utoipa::path(
    get, path = "/api/v1/audit/verify", tag = "service",
    responses(
        (status = 200, description = "The report; `intact` false names the first bad entry", body = AuditReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn audit_verify(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require_any(&[Role::Commission, Role::Admin], "verify the audit log")?;
    let report = state.store.verify_audit(&[]).await?;
    json_of(StatusCode::OK, &report)
}

/// Checkpoints kept by an operator, to check against the chain.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CheckpointList {
    checkpoints: Vec<tamga_store::Checkpoint>,
}

/// Check the audit chain as `GET` does, and also the signed checkpoints given: each must be
/// signed by this node's key and still be in the chain, which shows a chain that was cut short
/// and re-headed.
#[utoipa::path(
    post, path = "/api/v1/audit/verify", tag = "service",
    request_body(content = CheckpointList, content_type = "application/json"),
    responses(
        (status = 200, description = "The report", body = AuditReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn audit_verify_checkpoints(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require_any(&[Role::Commission, Role::Admin], "verify the audit log")?;
    let body = body_bytes(body, &state)?;
    let CheckpointList { checkpoints } = small_json(&body)?;
    let report = state.store.verify_audit(&checkpoints).await?;
    json_of(StatusCode::OK, &report)
}

/// A signed checkpoint of the audit chain's head now, to keep outside the database (an
/// operator's file, another node). Commission and admin tokens.
#[utoipa::path(
    get, path = "/api/v1/audit/checkpoint", tag = "service",
    responses(
        (status = 200, body = tamga_store::Checkpoint),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn audit_checkpoint(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require_any(&[Role::Commission, Role::Admin], "take audit checkpoints")?;
    let at = crate::service::utc_seconds(time::OffsetDateTime::now_utc());
    json_of(StatusCode::OK, &state.store.checkpoint(&at).await?)
}

/// A request for a new token.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `declarant`, `officer`, `treasury`, `commission` or `admin`.
    #[schema(value_type = String, pattern = "^(declarant|officer|treasury|commission|admin)$")]
    pub role: Option<String>,
    /// The member state of an officer or treasury.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub state: Option<String>,
    /// The TIN of a declarant: 5 to 20 digits, as a declaration names it.
    #[schema(pattern = "^[0-9]{5,20}$")]
    pub tin: Option<String>,
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub name: Option<String>,
}

/// Checks a token request: the role and what it must (and must not) be bound to.
pub fn token_command(
    snapshot: &tamga_tariff::TariffSnapshot,
    request: &TokenRequest,
) -> Result<Command, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| {
        problems.push(FieldProblem {
            path: path.into(),
            message,
        })
    };
    let role = match request.role.as_deref().map(|r| (r, Role::parse(r))) {
        Some((_, Some(role))) => Some(role),
        Some((other, None)) => {
            problem(
                "role",
                format!(
                    "expected declarant, officer, treasury, commission or admin, got {other:?}"
                ),
            );
            None
        }
        None => {
            problem("role", "missing".into());
            None
        }
    };
    let needs_state = matches!(role, Some(Role::Officer | Role::Treasury));
    let needs_tin = role == Some(Role::Declarant);
    let state = match (&request.state, needs_state) {
        (Some(state), true) => {
            let known = snapshot
                .member_states
                .iter()
                .any(|m| m.state.as_str() == state);
            if !known {
                problem(
                    "state",
                    format!("expected a member state of the union, got {state:?}"),
                );
            }
            Some(state.clone())
        }
        (None, true) => {
            problem(
                "state",
                "missing: an officer or treasury token is bound to a state".into(),
            );
            None
        }
        (Some(_), false) => {
            problem(
                "state",
                "only officer and treasury tokens are bound to a state".into(),
            );
            None
        }
        (None, false) => None,
    };
    let tin = match (&request.tin, needs_tin) {
        (Some(tin), true) => {
            // As a declaration names its declarant: a token for any other TIN could file nothing.
            if !(5..=20).contains(&tin.len()) || !tin.bytes().all(|b| b.is_ascii_digit()) {
                problem(
                    "tin",
                    format!("expected a taxpayer number of 5 to 20 digits, got {tin:?}"),
                );
            }
            Some(tin.clone())
        }
        (None, true) => {
            problem("tin", "missing: a declarant token is bound to a TIN".into());
            None
        }
        (Some(_), false) => {
            problem("tin", "only declarant tokens are bound to a TIN".into());
            None
        }
        (None, false) => None,
    };
    let name = request.name.clone().unwrap_or_default();
    if name.chars().count() > 200 {
        problem("name", "expected at most 200 characters".into());
    }
    if let Err(p) = crate::input::plain_text("name", &name, false) {
        problem("name", p.message);
    }
    match role {
        Some(role) if problems.is_empty() => Ok(Command::CreateToken {
            role,
            state,
            tin,
            name: if name.is_empty() {
                role.as_str().to_owned()
            } else {
                name
            },
        }),
        _ => Err(problems),
    }
}

#[derive(serde::Serialize, ToSchema)]
struct NewToken {
    /// The secret, shown this once: the service keeps only its SHA-256.
    token: String,
    #[serde(flatten)]
    record: TokenRecord,
}

/// Create a token (admin). Its secret is in the response and nowhere else.
#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "service",
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 201, body = NewToken),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin, "manage tokens")?;
    let body = body_bytes(body, &state)?;
    let request: TokenRequest = small_json(&body)?;
    let command = token_command(&state.tariff.snapshot, &request).map_err(ApiError::invalid)?;
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: None,
            command,
        })
        .await?;
    match outcome {
        WriteOutcome::Token { record, secret } => json_of(
            StatusCode::CREATED,
            &NewToken {
                token: secret,
                record,
            },
        ),
        _ => Err(ApiError::internal()),
    }
}

/// Every token, revoked ones too (never their secrets).
#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "service",
    responses((status = 200, body = Vec<TokenRecord>), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
async fn list_tokens(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(Role::Admin, "manage tokens")?;
    json_of(StatusCode::OK, &state.store.tokens().await?)
}

/// Revoke a token: it stops working at once.
#[utoipa::path(
    delete, path = "/api/v1/tokens/{id}", tag = "service",
    params(("id" = String, Path, description = "The token id (`tok_…`)")),
    responses(
        (status = 200, body = TokenRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin, "manage tokens")?;
    let id = path_id(id, "id", "such token")?;
    let outcome = state
        .store
        .write(WriteRequest {
            actor: caller.0.actor(),
            idempotency: None,
            command: Command::RevokeToken { id },
        })
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::not_found("such token"),
            other => other.into(),
        })?;
    match outcome {
        WriteOutcome::Revoked(record) => {
            state.tokens.forget(&record.principal.token_id);
            json_of(StatusCode::OK, &record)
        }
        _ => Err(ApiError::internal()),
    }
}

/// Whether the service and its database answer.
#[utoipa::path(
    get, path = "/healthz", tag = "service",
    responses(
        (status = 200, description = "`{status: ok, database, business_date, tariff_edition, tariff_rates_known}`", body = Object),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn healthz(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.store.ping().await?;
    let today = state.today();
    let edition = state.tariff.snapshot.edition_on(today);
    json_of(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "database": state.store.backend().as_str(),
            "business_date": format_date(today),
            "tariff_edition": edition.map(|e| e.id.as_str()),
            "tariff_rates_known": edition.is_some_and(|e| e.rates_known),
        }),
    )
}

/// This document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
async fn openapi_json(Extension(document): Extension<Arc<String>>) -> Response {
    json_response(StatusCode::OK, document.as_str().to_owned())
}

/// Whether a response is a problem document (for tests and clients).
pub fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes())
}
