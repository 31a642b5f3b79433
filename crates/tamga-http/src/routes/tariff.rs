//! The tariff and the payments calculator: open to anyone.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tamga_core::{CommodityCode, CountryCode};
use tamga_tariff::LookupQuery;
use utoipa::IntoParams;

use crate::problem::Problem;
use crate::request::{body_bytes, day_param, json_of, query};
use crate::{ApiError, AppState};

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
pub(crate) async fn assess(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    json_of(StatusCode::OK, &state.app.assess(&body)?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ShowParams {
    /// The day (YYYY-MM-DD); default the business date.
    date: Option<String>,
    /// Country of origin (ISO alpha-2), for preferences and trade remedies.
    origin: Option<String>,
    /// Member state of import, for national exemptions.
    state: Option<String>,
    /// `true`: the importer holds a tariff-quota allocation.
    in_quota: Option<String>,
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
pub(crate) async fn tariff_show(
    State(state): State<AppState>,
    code: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let Ok(Path(code)) = code else {
        return Err(ApiError::bad_request("code: expected digits"));
    };
    crate::input::path_parameter("code", &code)?;
    let code =
        CommodityCode::parse(&code).map_err(|e| ApiError::bad_request(format!("code: {e}")))?;
    let params: ShowParams = query(raw)?;
    let date = day_param("date", params.date.as_deref())?;
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
        date: state.app.today(),
        origin: country_param("origin", params.origin)?,
        state: country_param("state", params.state)?,
        in_quota,
        claim_preference: true,
    };
    json_of(StatusCode::OK, &state.app.lookup(lookup, date)?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
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
pub(crate) async fn tariff_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: SearchParams = query(raw)?;
    let text = params.q.unwrap_or_default();
    let limit = match params.limit.as_deref() {
        None => 10,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| ApiError::bad_request(format!("limit: expected 1 to 100, got {l:?}")))?,
    };
    let date = day_param("date", params.date.as_deref())?;
    json_of(StatusCode::OK, &state.app.search(&text, limit, date)?)
}
