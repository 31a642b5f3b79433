//! What every handler reads and answers the same way: the caller, the body, path and query
//! parameters, idempotency keys, `If-Match`, and JSON responses.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequestParts, Path};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tamga_app::{Actor, Idempotency};
use tamga_core::{Date, parse_date};
use tamga_store::sha256_hex;

use crate::{ApiError, AppState};

/// The caller of an endpoint that needs a token. A missing, malformed, unknown or revoked
/// token is answered 401.
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Caller(state.app.authenticate(token).await?))
    }
}

pub fn json_response(status: StatusCode, text: String) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub fn json_of<T: serde::Serialize>(status: StatusCode, value: &T) -> Result<Response, ApiError> {
    let text = serde_json::to_string(value).map_err(|e| {
        tracing::error!("cannot serialise a response: {e}");
        ApiError::internal()
    })?;
    Ok(json_response(status, text))
}

pub fn body_bytes(body: Result<Bytes, BytesRejection>, max: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                format!("the body is larger than {max} bytes"),
            )
        } else {
            ApiError::bad_request(format!("cannot read the body: {rejection}"))
        }
    })
}

/// A path parameter naming an object: a control character in it is a 422 naming the
/// parameter; anything else that cannot name one (empty, too long) is "no such {what}".
pub fn path_id(
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

/// The query parameters: a control character in any is a 422 naming it.
pub fn query<T: DeserializeOwned>(raw: Option<String>) -> Result<T, ApiError> {
    let raw = raw.as_deref().unwrap_or("");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
        .map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
    crate::input::query_parameters(&pairs)?;
    serde_urlencoded::from_str(raw).map_err(|e| ApiError::bad_request(format!("query: {e}")))
}

/// A small JSON body (a reason, a token request); empty or `null` means `{}`. Its strings may
/// hold no control characters (line breaks only in a `reason`).
pub fn small_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
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
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let place = if path == "." { "$".to_owned() } else { path };
        ApiError::invalid_at(&place, e.into_inner().to_string())
    })
}

/// A day parameter, `YYYY-MM-DD`; a 400 naming the parameter otherwise.
pub fn parse_day(name: &str, text: &str) -> Result<Date, ApiError> {
    parse_date(text)
        .map_err(|_| ApiError::bad_request(format!("{name}: expected YYYY-MM-DD, got {text:?}")))
}

/// An optional day parameter.
pub fn day_param(name: &str, value: Option<&str>) -> Result<Option<Date>, ApiError> {
    value.map(|v| parse_day(name, v)).transpose()
}

/// A day in a body (422 at its path, not 400: it is the body that is wrong).
pub fn body_day(path: &str, value: Option<&str>) -> Result<Option<Date>, ApiError> {
    value
        .map(|v| {
            parse_date(v).map_err(|_| {
                ApiError::invalid_at(path, format!("expected a date YYYY-MM-DD, got {v:?}"))
            })
        })
        .transpose()
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

/// The Idempotency-Key of a POST, and the digest of the request it names (method, path, body).
pub fn idempotency(
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<Option<Idempotency>, ApiError> {
    let Some(key) = idempotency_key(headers)? else {
        return Ok(None);
    };
    let mut request = Vec::with_capacity(body.len() + path.len() + 8);
    request.extend_from_slice(method.as_str().as_bytes());
    request.push(b' ');
    request.extend_from_slice(path.as_bytes());
    request.push(b'\n');
    request.extend_from_slice(body);
    Ok(Some(Idempotency {
        key,
        request_sha256: sha256_hex(&request),
    }))
}

/// `If-Match: "N"`: the version an amendment is based on.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
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

/// A request that carries a body must say it is JSON: every body the API reads is. Anything
/// else (a form, plain text) is 415, before any handler reads it.
pub async fn json_bodies_only(
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

pub async fn no_such_endpoint() -> ApiError {
    ApiError::not_found("such endpoint: the API is under /api/v1 (see /api/v1/openapi.json)")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "this endpoint does not take that method (see /api/v1/openapi.json)",
    )
}
