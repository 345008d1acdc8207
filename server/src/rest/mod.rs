//! The REST API kept for the tutorial's clients, plus health probes.

mod admin;
mod auth;
mod boards;
mod bodies;
mod extract;
mod health;
mod me;
mod mfa;
pub mod openapi;
mod passkeys;
mod recovery;
mod responses;
mod sessions;
mod wellknown;

use axum::Router;
use axum::routing::{any, delete, get, patch, post};

use app::ssr::state::AppState;

use crate::layers::api_errors;

/// Routes of the REST API (under `/api/auth`, `/api/test`) and the probes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/signup", post(auth::signup))
        .route("/api/auth/signin", post(auth::signin))
        .route("/api/auth/signout", post(auth::signout))
        .route("/api/auth/signout-all", post(auth::signout_all))
        .route("/api/auth/signout-others", post(sessions::signout_others))
        .route("/api/auth/refresh", post(sessions::refresh))
        .route("/api/auth/sessions", get(sessions::list))
        .route("/api/auth/sessions/{id}", delete(sessions::end))
        .route("/api/auth/2fa/setup", post(mfa::setup))
        .route("/api/auth/2fa/enable", post(mfa::enable))
        .route("/api/auth/2fa/disable", post(mfa::disable))
        .route("/api/auth/2fa/recovery-codes", post(mfa::recovery_codes))
        .route("/api/auth/2fa/verify", post(mfa::verify))
        .route("/api/auth/passkeys", get(passkeys::list))
        .route("/api/auth/passkeys/{id}", patch(passkeys::rename).delete(passkeys::remove))
        .route("/api/auth/passkeys/register/start", post(passkeys::register_start))
        .route("/api/auth/passkeys/register/finish", post(passkeys::register_finish))
        .route("/api/auth/passkeys/signin/start", post(passkeys::signin_start))
        .route("/api/auth/passkeys/signin/finish", post(passkeys::signin_finish))
        .route("/api/auth/passkeys/signup/start", post(passkeys::signup_start))
        .route("/api/auth/passkeys/signup/finish", post(passkeys::signup_finish))
        .route("/api/auth/passkeys/reauth/start", post(passkeys::reauth_start))
        .route("/api/auth/password", post(auth::password))
        .route("/api/auth/password/forgot", post(recovery::forgot))
        .route("/api/auth/password/reset", post(recovery::reset))
        .route("/api/auth/email/verify", post(recovery::verify))
        .route("/api/auth/email/resend", post(recovery::resend))
        .route("/api/auth/email/change", post(recovery::change))
        .route("/api/auth/me", get(me::show).patch(me::update).delete(me::delete))
        .route("/api/admin/users", get(admin::users))
        .route("/api/admin/users/{id}/roles", post(admin::grant))
        .route("/api/admin/users/{id}/roles/{role}", delete(admin::revoke))
        .route("/api/admin/users/{id}/disable", post(admin::disable))
        .route("/api/admin/users/{id}/enable", post(admin::enable))
        .route("/api/admin/users/{id}/password-reset", post(admin::send_reset))
        .route("/api/admin/users/{id}/2fa", delete(mfa::admin_reset))
        .route("/api/admin/audit", get(admin::audit))
        .route("/api/test/user", get(boards::user))
        .route("/api/test/pm", get(boards::pm))
        .route("/api/test/admin", get(boards::admin))
        .route("/api/openapi.json", get(openapi::serve))
        // Anything else under /api is a JSON 404, never the app's HTML page.
        .route("/api/{*rest}", any(api_errors::not_found))
        .route("/.well-known/jwks.json", get(wellknown::jwks))
        .route("/.well-known/openid-configuration", get(wellknown::discovery))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
}
