//! `/api/v1/treasury`: single accounts, transfers and reconciliation.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tamga_core::format_date;
use utoipa::IntoParams;

use crate::problem::Problem;
use crate::request::{
    Caller, body_bytes, body_day, day_param, json_of, parse_day, path_id, query, small_json,
};
use crate::{ApiError, AppState, views};

const ACCOUNT: &str = "such single account";

/// Close a day of a state's single account: its net receipts of each pool (import duties;
/// special, anti-dumping and countervailing duties) are split among the member states by the
/// normatives in force that day, to the kopeck (largest remainder), and posted to the ledger.
/// The state's own treasury only. Closing a closed day changes nothing.
#[utoipa::path(
    post, path = "/api/v1/treasury/{state}/days/{date}/close", tag = "treasury",
    params(("state" = String, Path, description = "Member state (ISO alpha-2)"), ("date" = String, Path, description = "The reporting day, YYYY-MM-DD")),
    responses(
        (status = 200, body = views::ClosedDay),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's state, or not a member that day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No normatives in force that day", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn close_day(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Ok(Path((country, date))) = path else {
        return Err(ApiError::not_found(ACCOUNT));
    };
    crate::input::path_parameter("state", &country)?;
    crate::input::path_parameter("date", &date)?;
    let day = parse_day("date", &date)?;
    let (closing, already) = state.app.close_day(&caller.0, &country, day).await?;
    json_of(
        StatusCode::OK,
        &views::ClosedDay {
            already_closed: already,
            closing: closing.into(),
        },
    )
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DaysParams {
    /// First day (YYYY-MM-DD); default the business date.
    from: Option<String>,
    /// Last day (YYYY-MM-DD); default `from`.
    to: Option<String>,
}

/// The closed days of a state's single account: what it received and what is due to each
/// state. Its own treasury, or the commission.
#[utoipa::path(
    get, path = "/api/v1/treasury/{state}/days", tag = "treasury",
    params(("state" = String, Path, description = "Member state (ISO alpha-2)"), DaysParams),
    responses(
        (status = 200, body = views::DaysReport),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn treasury_days(
    State(state): State<AppState>,
    caller: Caller,
    country: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let country = path_id(country, "state", ACCOUNT)?;
    let params: DaysParams = query(raw)?;
    let from = day_param("from", params.from.as_deref())?;
    let to = day_param("to", params.to.as_deref())?;
    let (code, from, to, days) = state.app.closed_days(&caller.0, &country, from, to).await?;
    json_of(
        StatusCode::OK,
        &views::DaysReport {
            state: code.to_string(),
            from: format_date(from),
            to: format_date(to),
            days: days.into_iter().map(Into::into).collect(),
        },
    )
}

/// The transfer orders a state sends or receives: due, sent or confirmed, with any interest
/// for delay. Its own treasury, or the commission.
#[utoipa::path(
    get, path = "/api/v1/treasury/{state}/transfers", tag = "treasury",
    params(("state" = String, Path, description = "Member state (ISO alpha-2)")),
    responses((status = 200, body = views::TransferList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub(crate) async fn treasury_transfers(
    State(state): State<AppState>,
    caller: Caller,
    country: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let country = path_id(country, "state", ACCOUNT)?;
    let (code, transfers) = state.app.transfers(&caller.0, &country).await?;
    json_of(
        StatusCode::OK,
        &views::TransferList {
            state: code.to_string(),
            transfers: transfers.into_iter().map(Into::into).collect(),
        },
    )
}

/// Record a duty refund (a negative receipt) or penalty interest on import duties on the state's
/// single account: distributed with the day's receipts when the day is closed. Its own
/// treasury only; the same event and reference twice records once.
#[utoipa::path(
    post, path = "/api/v1/treasury/{state}/receipts", tag = "treasury",
    params(("state" = String, Path, description = "Member state (ISO alpha-2)")),
    request_body(content = views::ReceiptRequest, content_type = "application/json"),
    responses(
        (status = 200, body = views::RecordedReceipt),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn record_receipt(
    State(state): State<AppState>,
    caller: Caller,
    country: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let country = path_id(country, "state", ACCOUNT)?;
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let request: views::ReceiptRequest = small_json(&body)?;
    let request = tamga_app::ReceiptRequest {
        event: request.event,
        pool: request.pool,
        amount: request.amount,
        reference: request.reference,
        date: body_day("date", request.date.as_deref())?,
    };
    let recorded = state
        .app
        .record_receipt(&caller.0, &country, &request)
        .await?;
    json_of(StatusCode::OK, &views::RecordedReceipt::from(recorded))
}

fn transfer_action(body: &[u8]) -> Result<tamga_app::TransferAction, ApiError> {
    let views::TransferAction { date, rate } = small_json(body)?;
    Ok(tamga_app::TransferAction {
        date: body_day("date", date.as_deref())?,
        rate,
    })
}

/// Send a due transfer order: the sending state's treasury. A transfer in another currency
/// than the sender's is converted at the rate given (or the bundle's rate of that day),
/// half-up to the minor unit. The date is after the reporting day, no later than the business
/// date and within the window of money dates (docs/treasury.md).
#[utoipa::path(
    post, path = "/api/v1/treasury/transfers/{id}/send", tag = "treasury",
    params(("id" = String, Path, description = "The order (`tr:{sender}:{receiver}:{day}`)")),
    request_body(content = Option<views::TransferAction>, content_type = "application/json"),
    responses(
        (status = 200, body = views::TransferOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not due, or a rate is needed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date outside its bounds, or a bad rate", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn send_transfer(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such transfer")?;
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let action = transfer_action(&body)?;
    let order = state.app.send_transfer(&caller.0, &id, &action).await?;
    json_of(StatusCode::OK, &views::TransferOrder::from(order))
}

/// Confirm a sent transfer: the receiving state's treasury. Confirmed after its deadline, it
/// accrues interest for each day late on the whole debt, at the service's configured daily
/// rate (the legal rate is unverified). The date is on or after the sending date, no later
/// than the business date and within the window of money dates; interest above the cap (by
/// default the debt itself) is refused until it is approved (`approve-interest`).
#[utoipa::path(
    post, path = "/api/v1/treasury/transfers/{id}/confirm", tag = "treasury",
    params(("id" = String, Path, description = "The order")),
    request_body(content = Option<views::TransferAction>, content_type = "application/json"),
    responses(
        (status = 200, body = views::TransferOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not sent yet, confirmed already, or interest above the cap not approved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date outside its bounds", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn confirm_transfer(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such transfer")?;
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let action = transfer_action(&body)?;
    let order = state.app.confirm_transfer(&caller.0, &id, &action).await?;
    json_of(StatusCode::OK, &views::TransferOrder::from(order))
}

/// Approve interest above the cap on a transfer not yet confirmed: the sender's treasury (the
/// debtor accepts it) or the commission. A separate, audited action: the receiver alone cannot
/// make the sender pay more than the cap.
#[utoipa::path(
    post, path = "/api/v1/treasury/transfers/{id}/approve-interest", tag = "treasury",
    params(("id" = String, Path, description = "The order")),
    request_body(content = views::InterestApproval, content_type = "application/json"),
    responses(
        (status = 200, body = views::TransferOrder),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Confirmed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn approve_interest(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id, "id", "such transfer")?;
    let body = body_bytes(body, state.limits.max_body_bytes)?;
    let views::InterestApproval { amount, reason } = small_json(&body)?;
    let approval = tamga_app::InterestApproval { amount, reason };
    let order = state
        .app
        .approve_interest(&caller.0, &id, &approval)
        .await?;
    json_of(StatusCode::OK, &views::TransferOrder::from(order))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PeriodParams {
    /// First day (YYYY-MM-DD).
    from: Option<String>,
    /// Last day (YYYY-MM-DD).
    to: Option<String>,
}

/// Reconcile the books over a period: for each debt between two states, what the debtor's books
/// say against what the creditor's say, with the entries behind any difference. The commission
/// sees every pair; a treasury the pairs its state is in.
#[utoipa::path(
    get, path = "/api/v1/treasury/reconcile", tag = "treasury",
    params(PeriodParams),
    responses(
        (status = 200, body = views::Reconciliation),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn treasury_reconcile(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: PeriodParams = query(raw)?;
    let (Some(from), Some(to)) = (params.from.as_deref(), params.to.as_deref()) else {
        return Err(ApiError::bad_request(
            "from and to: both days are needed (YYYY-MM-DD)",
        ));
    };
    let (from, to) = (parse_day("from", from)?, parse_day("to", to)?);
    let books = state.app.reconcile(&caller.0, from, to).await?;
    json_of(StatusCode::OK, &views::Reconciliation::from(books))
}
