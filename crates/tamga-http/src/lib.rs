//! The HTTP API of tamga (axum): the only place that serialises the service's data, and its
//! OpenAPI document (utoipa). Every handler reads its request, calls the application layer
//! (`tamga-app`), and renders the answer as JSON or problem+json; nothing here decides or
//! computes anything. The connection loop keeps clients who send nothing from taking the
//! service off the air.

mod input;
mod listener;
mod openapi;
pub mod problem;
mod request;
mod routes;
pub mod views;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Extension};
use axum::{BoxError, Router};
use tamga_app::App;
use tower::ServiceBuilder;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use listener::ConnectionLimits;
pub use problem::{ApiError, FieldProblem, Problem};

use routes::declarations::*;
use routes::service::*;
use routes::tariff::*;
use routes::treasury::*;

/// The limits of the service (docs/api.md).
#[derive(Clone, Debug)]
pub struct Limits {
    /// The largest request body; a declaration of 999 items fits several times over.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Open connections at once; at the limit the connection idle the longest is closed to
    /// serve a new client.
    pub max_connections: usize,
    /// How long a client has to send a request's headers.
    pub header_timeout: Duration,
    /// How long a keep-alive connection may stay open with no request.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// What every handler can reach: the application and the limits.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub limits: Limits,
}

impl AppState {
    pub fn new(app: Arc<App>, limits: Limits) -> AppState {
        AppState { app, limits }
    }
}

/// The router of the whole API, and its OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, mut spec) = OpenApiRouter::<AppState>::with_openapi(openapi::ApiDoc::openapi())
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
    openapi::add_standard_problems(&mut spec);
    openapi::constrain_parameters(&mut spec);
    let document = Arc::new(
        spec.to_pretty_json()
            .expect("the OpenAPI document of the handlers serialises"),
    );
    let limits = state.limits.clone();
    let timeout = limits.request_timeout;
    let router = router
        .fallback(request::no_such_endpoint)
        .method_not_allowed_fallback(request::method_not_allowed)
        .layer(axum::middleware::from_fn(request::json_bodies_only))
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

/// Serves until `shutdown` completes, then finishes the requests in flight (graceful
/// shutdown): every write that was acknowledged is committed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = ConnectionLimits {
        max_connections: state.limits.max_connections,
        header_timeout: state.limits.header_timeout,
        idle_timeout: state.limits.idle_timeout,
    };
    let (router, _) = router(state);
    listener::serve(listener, router, limits, shutdown).await
}
