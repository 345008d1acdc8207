//! Read-your-writes for the auth cache: a request that may have changed a session or an account
//! (any method but GET, HEAD and OPTIONS) answers only once this instance's listener has seen the
//! notices of what it changed (see `AuthCache::fence`). Without it, a client that signs out and at
//! once calls again on the same instance could be served from memory before the notice lands.
//!
//! Costs one `pg_notify` round trip per such request while the cache is on; the hot path (GETs)
//! pays nothing.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::Method;

use app::ssr::state::AppState;

/// Runs the request, then waits for the fence when the method may have changed something.
pub async fn after_changes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(request).await;
    if !safe {
        state.auth_cache.fence(&state.pool).await;
    }
    response
}
