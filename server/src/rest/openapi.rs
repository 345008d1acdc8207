//! The REST API described in OpenAPI 3.1, generated from the handlers' annotations and the request
//! and response types, served at `GET /api/openapi.json` (a copy is kept in `docs/openapi.json` and
//! a test keeps it current).

use std::sync::LazyLock;

use axum::response::IntoResponse;
use http::header::CONTENT_TYPE;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{admin, auth, boards, health, me, mfa, passkeys, recovery, sessions, wellknown};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rust Auth",
        description = "Sign up, sign in and see the boards your roles open: the REST API of the \
            tutorial's Node/Express server, kept for its clients, and what grew around it. Every error \
            body is `{\"error\": \"<code>\", \"message\": \"<sentence>\"}`, plus `fields` for \
            validation errors and `retryAfter` with a 429. Tokens go in `Authorization: Bearer <jwt>` \
            (or the tutorial's `x-access-token` header).",
        license(name = "MIT")
    ),
    paths(
        auth::signup, auth::signin, auth::signout, auth::signout_all, auth::password,
        sessions::refresh, sessions::list, sessions::end, sessions::signout_others,
        recovery::forgot, recovery::reset, recovery::verify, recovery::resend, recovery::change,
        me::show, me::update, me::delete,
        mfa::setup, mfa::enable, mfa::disable, mfa::recovery_codes, mfa::verify,
        passkeys::register_start, passkeys::register_finish, passkeys::signin_start, passkeys::signin_finish,
        passkeys::signup_start, passkeys::signup_finish, passkeys::reauth_start, passkeys::list,
        passkeys::rename, passkeys::remove,
        boards::user, boards::pm, boards::admin,
        admin::users, admin::audit, admin::grant, admin::revoke, admin::disable, admin::enable,
        admin::send_reset, mfa::admin_reset,
        health::healthz, health::readyz,
        wellknown::jwks, wellknown::discovery,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Signing up and in (the tutorial's endpoints)"),
        (name = "sessions", description = "Refreshing, listing and ending sessions"),
        (name = "account", description = "What owners change about their account"),
        (name = "recovery", description = "Mailed links: password reset and email verification"),
        (name = "two-factor", description = "Two-factor sign-in with TOTP codes"),
        (name = "passkeys", description = "Passkeys (WebAuthn): sign in, sign up and confirm changes without a password"),
        (name = "boards", description = "The tutorial's role-protected content"),
        (name = "admin", description = "Role administration (admins only)"),
        (name = "health", description = "Probes"),
        (name = "keys", description = "Public keys that verify our tokens (JWKS) and their discovery document"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer token the `security` of protected operations refers to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document as JSON, pretty-printed (as in `docs/openapi.json`). Built once: it is the same for
/// the life of the process, and anyone may ask for it.
pub fn document() -> &'static str {
    static DOCUMENT: LazyLock<String> =
        LazyLock::new(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default());
    &DOCUMENT
}

/// `GET /api/openapi.json`.
pub async fn serve() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], document())
}
