//! What other services need to verify our tokens without sharing a secret: the public keys
//! (`/.well-known/jwks.json`) and the discovery document that points at them
//! (`/.well-known/openid-configuration`, the subset that applies: no OpenID Connect flows).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header::CACHE_CONTROL;
use serde::Serialize;
use utoipa::ToSchema;

use app::ssr::state::AppState;

/// The JWKS: `{"keys": [...]}`, each an EC P-256 public key (`kty`, `crv`, `x`, `y`, `kid`, `alg`,
/// `use`).
#[derive(Serialize, ToSchema)]
pub struct Jwks {
    /// The keys that verify: the one that signs, the next one, and the previous ones whose tokens
    /// may still be valid.
    #[schema(value_type = Vec<Object>)]
    keys: Vec<jsonwebtoken::jwk::Jwk>,
}

/// The discovery document.
#[derive(Serialize, ToSchema)]
pub struct Discovery {
    /// `JWT_ISSUER`: the `iss` of our tokens.
    issuer: String,
    /// Where the public keys are.
    jwks_uri: String,
    /// Where tokens come from (`POST /api/auth/signin`).
    token_endpoint: String,
    /// `["ES256"]` (or `["HS256"]`, whose key is a shared secret and not published).
    id_token_signing_alg_values_supported: Vec<&'static str>,
    /// `["public"]`: `sub` is the user's id.
    subject_types_supported: Vec<&'static str>,
    /// `["token"]`: bearer access tokens only.
    response_types_supported: Vec<&'static str>,
}

/// `GET /.well-known/jwks.json`.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "keys",
    summary = "The public keys that verify our access tokens",
    description = "Pick the key by the token's `kid`. Cached for `JWKS_MAX_AGE_SECS`; a new key is \
        listed at least that long before it signs, and an old one until its tokens have expired.",
    responses((status = 200, description = "The key set", body = Jwks)),
)]
pub async fn jwks(State(state): State<AppState>) -> Response {
    let max_age = state.key_policy.publish_ahead.as_secs();
    let body = Jwks { keys: state.tokens.jwks().keys };
    ([(CACHE_CONTROL, format!("public, max-age={max_age}"))], Json(body)).into_response()
}

/// `GET /.well-known/openid-configuration`.
#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    tag = "keys",
    summary = "Where the keys are, for libraries that find them by issuer",
    responses((status = 200, description = "The discovery document", body = Discovery)),
)]
pub async fn discovery(State(state): State<AppState>) -> Response {
    let max_age = state.key_policy.publish_ahead.as_secs();
    let body = Discovery {
        issuer: state.tokens.issuer().to_owned(),
        jwks_uri: state.mailer.link("/.well-known/jwks.json"),
        token_endpoint: state.mailer.link("/api/auth/signin"),
        id_token_signing_alg_values_supported: vec![state.tokens.signing().name()],
        subject_types_supported: vec!["public"],
        response_types_supported: vec!["token"],
    };
    ([(CACHE_CONTROL, format!("public, max-age={max_age}"))], Json(body)).into_response()
}
