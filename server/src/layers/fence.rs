//! Read-your-writes for the auth cache: a request that may have changed a session or an account
//! (any method but GET, HEAD and OPTIONS, answered with a success) answers only once this
//! instance's listener has seen the notices of what it changed (see `AuthCache::fence`). Without
//! it, a client that signs out and at once calls again on the same instance could be served from
//! memory before the notice lands.
//!
//! Costs one `pg_notify` round trip per such request while the cache is on; the hot path (GETs)
//! pays nothing, and neither do refusals: a flood of bad requests (404, 401, 422, 429) must not
//! turn into a flood of notifications, and a refused request changed nothing its own client will
//! read next. Refusals that do change something (a refresh token's reuse ends its session) and
//! the doors above when they do (a sign-in past the session cap) are fenced too: the functions that
//! end sessions and tokens note it (see `session::changes`).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::Method;

use app::ssr::session::changes;
use app::ssr::state::AppState;

/// Requests that change nothing the cache holds for their caller, so need no fence: reads that are
/// server functions (which are all POSTs), ceremonies being started, and the doors that open a
/// new session (nothing is remembered of a session before its first request) or renew one (a later
/// expiry only ever extends what is remembered). Everything else is fenced: a new endpoint is
/// safe by default.
const UNFENCED: &[&str] = &[
    "/api/fn/me",
    "/api/fn/board",
    "/api/fn/sessions",
    "/api/fn/passkeys",
    "/api/fn/signup-options",
    "/api/fn/admin-users",
    "/api/fn/admin-audit",
    "/api/fn/sign-in",
    "/api/fn/sign-up",
    "/api/fn/verify-second-factor",
    "/api/fn/refresh",
    "/api/fn/forgot-password",
    "/api/fn/passkey-signin-start",
    "/api/fn/passkey-signin-finish",
    "/api/fn/passkey-signup-start",
    "/api/fn/passkey-signup-finish",
    "/api/fn/passkey-register-start",
    "/api/fn/passkey-reauth-start",
    "/api/auth/signin",
    "/api/auth/signup",
    "/api/auth/2fa/verify",
    "/api/auth/refresh",
    "/api/auth/password/forgot",
    "/api/auth/passkeys/signin/start",
    "/api/auth/passkeys/signin/finish",
    "/api/auth/passkeys/signup/start",
    "/api/auth/passkeys/signup/finish",
    "/api/auth/passkeys/register/start",
    "/api/auth/passkeys/reauth/start",
];

/// Runs the request, then waits for the fence when the method may have changed something.
pub async fn after_changes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || UNFENCED.contains(&request.uri().path());
    let (response, changed) = changes::noting(next.run(request)).await;
    if changed || (!safe && response.status().is_success()) {
        state.auth_cache.fence(&state.pool).await;
    }
    response
}
