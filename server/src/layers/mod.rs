//! The HTTP layers every request passes, one job each, the same for every door: the REST API,
//! server functions, pages and static files.
//!
//! From the outside in:
//! 1. [`request_id`]: every request gets an id, answered in `x-request-id` and logged;
//! 2. [`telemetry`](crate::telemetry): the request's log span (and a line per request at debug level),
//!    and the request metrics;
//! 3. [`security_headers`]: CSP for non-pages, nosniff, framing, referrer, HSTS when configured;
//! 4. [`api_errors`]: refusals written as plain text by inner layers become our JSON error body;
//! 5. [`cache`]: `/api` answers are never cached, hashed client files are cached for good;
//! 6. [`fence`]: a request that may have changed a session answers once this instance's auth
//!    cache has heard of the change (outside the timeout, so a change that commits and then runs
//!    out of time is fenced too);
//! 7. a timeout: a request still running after [`REQUEST_TIMEOUT`] gets 408;
//! 8. [`body_limit`]: a body over [`BODY_LIMIT_BYTES`] gets 413, announced or chunked, and one
//!    slower than `BODY_READ_TIMEOUT_SECS` gets 408;
//! 9. [`server_fns`]: server functions take JSON only, never redirect, and answer with their
//!    error's status;
//! 10. the router.

pub mod api_errors;
pub mod body_limit;
pub mod cache;
pub mod fence;
pub mod request_id;
pub mod security_headers;
pub mod server_fns;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower::ServiceBuilder;
use tower_http::timeout::TimeoutLayer;

use app::ssr::state::AppState;

/// Largest request body accepted anywhere: 64 KiB is far more than any form of this app needs.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// A request running longer than this is answered 408 and dropped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Wraps `router` in every layer, in the order above.
pub fn apply(router: Router, state: &AppState) -> Router {
    // Around the whole router, not with `Router::layer`: that wraps each route apart, and a
    // `from_fn` layer clones the service inside it on every request. Inside each route that service
    // is a boxed route, so each clone allocates, and each allocates again for the layers below it
    // (36 allocations per request for eight layers). Around the router, a clone is a reference count.
    // The metrics need the matched route, which only a layer inside the routes can see.
    let router = if crate::telemetry::recording() {
        router.route_layer(axum::middleware::from_fn(crate::telemetry::note_route))
    } else {
        router
    };
    let stack = ServiceBuilder::new()
        .layer(axum::middleware::from_fn_with_state(
            request_id::Trusted(state.trusted_proxies.clone()),
            request_id::assign,
        ))
        .layer(crate::telemetry::trace_layer())
        .layer(axum::middleware::from_fn(crate::telemetry::record_metrics))
        .layer(axum::middleware::from_fn_with_state(state.profile, security_headers::add))
        .layer(axum::middleware::from_fn(api_errors::as_json))
        .layer(axum::middleware::from_fn(cache::control))
        .layer(axum::middleware::from_fn_with_state(state.clone(), fence::after_changes))
        .layer(TimeoutLayer::with_status_code(http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(axum::middleware::from_fn_with_state(state.profile.body_read_timeout, body_limit::bounded))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(server_fns::guard))
        .service(router);
    Router::new().fallback_service(stack)
}
