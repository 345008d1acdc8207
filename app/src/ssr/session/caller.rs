//! Who is calling, and from where: the only place a request's token is read and checked, and the
//! request extractors for the caller ([`AuthUser`]), its address ([`ClientAddr`]) and its device.
//!
//! The token may come as `Authorization: Bearer <jwt>` or, for the tutorial's clients, as
//! `x-access-token: <jwt>`. The user, roles and session are then read from this instance's
//! [`auth_cache`](super::auth_cache), or from the database when it does not hold them. Every change
//! to them reaches every instance's cache by a notice sent in the change's own transaction, so a
//! deleted account stops working at once and a role change takes effect on the next call.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::HeaderMap;
use http::header::AUTHORIZATION;
use http::request::Parts;

use super::tokens::Claims;
use crate::error::{AppError, Result};
use crate::model::PublicUser;
use crate::roles::Board;
use crate::ssr::guard::address::{Device, client_address};
use crate::ssr::identity::users;
use crate::ssr::state::AppState;

/// The tutorial's token header.
const ACCESS_TOKEN_HEADER: &str = "x-access-token";
/// Longest token looked at: ours are about 400 bytes; anything far longer is not one of them and is
/// refused before it is decoded.
const MAX_TOKEN_BYTES: usize = 4096;

/// An authenticated caller, freshly read from the database, and the token they came with.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// Who, with the roles they hold now.
    pub user: PublicUser,
    /// The token's claims (`sid` names the session, which sign-out ends).
    pub token: Claims,
    /// An admin who must set up two-factor sign-in before using the Admin board
    /// (`REQUIRE_2FA_FOR_ADMINS`).
    pub must_set_up_mfa: bool,
}

impl AuthUser {
    /// Opens `board`, or refuses with the tutorial's 403 message.
    ///
    /// # Errors
    /// `Forbidden` when the caller's roles do not allow the board; `MfaSetupRequired` for the Admin
    /// board when the caller must set up two-factor sign-in first.
    pub fn require(&self, board: Board) -> Result<()> {
        if !board.allows(&self.user.roles) {
            return Err(AppError::Forbidden { message: board.refusal().to_owned() });
        }
        if board == Board::Admin && self.must_set_up_mfa {
            return Err(AppError::MfaSetupRequired);
        }
        Ok(())
    }

    /// The session this request belongs to.
    pub fn session(&self) -> uuid::Uuid {
        self.token.sid
    }
}

/// Reads the token from the headers: `Ok(None)` when none was sent.
///
/// # Errors
/// `Unauthorized` for an `Authorization` header that is not a well-formed Bearer credential.
pub fn token_from(headers: &HeaderMap) -> Result<Option<&str>> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let value = value.to_str().map_err(|_| AppError::token_invalid())?;
        let (scheme, token) = value.trim().split_once(' ').ok_or_else(AppError::token_invalid)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(AppError::token_invalid());
        }
        return Ok(Some(token.trim()));
    }
    match headers.get(ACCESS_TOKEN_HEADER) {
        Some(value) => value.to_str().map(|token| Some(token.trim())).map_err(|_| AppError::token_invalid()),
        None => Ok(None),
    }
}

/// Checks `token` and loads its user.
///
/// # Errors
/// `Unauthorized` for a bad token, a user that no longer exists or is disabled, or a session that
/// was ended (signed out, signed out elsewhere or everywhere, password changed or reset); `Internal`/`Unavailable` when
/// the database fails (a database outage is not the client's fault, so not a 401).
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AppError::token_invalid());
    }
    let claims = match state.tokens.verify(token) {
        Ok(claims) => claims,
        // A key another instance created a moment ago: read the keys again, then check once more.
        Err(err) if state.tokens.may_name_a_new_key(token) => {
            if !super::keyring::reload_for(state, token).await {
                return Err(err);
            }
            state.tokens.verify(token)?
        }
        Err(err) => return Err(err),
    };
    let now = chrono::Utc::now().timestamp();
    let (account, session) = match state.auth_cache.get(claims.sub, claims.sid) {
        // An ended session stays ended; an expired-looking one may have been extended since.
        Some(hit) if !hit.session.open || hit.session.live_at(now) => (hit.account, hit.session),
        _ => {
            let snapshot = state.auth_cache.snapshot();
            let Some((account, session)) = users::find_session(&state.pool, claims.sub, claims.sid).await?
            else {
                tracing::debug!(user = %claims.sub, "token for a user that no longer exists");
                return Err(AppError::token_invalid());
            };
            let account = Arc::new(account);
            state.auth_cache.fill(snapshot, claims.sid, &account, session);
            (account, session)
        }
    };
    if account.disabled {
        return Err(AppError::account_disabled_token());
    }
    if !session.live_at(now) || account.token_version != claims.ver {
        return Err(AppError::session_ended());
    }
    // An admin's session must have been opened with a second factor (a TOTP code, or a passkey)
    // that the account still has: turning the last one off takes the admin powers at once.
    let factors_left = account.user.mfa_enabled || account.user.passkeys > 0;
    let must_set_up_mfa = state.mfa.require_for_admins
        && account.user.roles.contains(&crate::roles::Role::Admin)
        && !(session.second_factor && factors_left);
    Ok(AuthUser { user: account.user.clone(), token: claims, must_set_up_mfa })
}

/// Authenticates from request headers, as both extractors and server functions do.
///
/// # Errors
/// As [`authenticate`], plus `Unauthorized` when no token was sent.
pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Option<AuthUser>> {
    match token_from(headers)? {
        Some(token) => authenticate(state, token).await.map(Some),
        None => Ok(None),
    }
}

// Implemented for the app's own state rather than any `S: FromRef`: this runs on every protected
// request, and borrowing the state avoids cloning it each time.
impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        from_headers(state, &parts.headers).await?.ok_or_else(AppError::token_missing)
    }
}

/// Optional authentication: no token means `None`, a bad token is still a 401.
impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>> {
        from_headers(state, &parts.headers).await
    }
}

/// Extractor for the client's address (see [`client_address`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_address(parts, &state.trusted_proxies)))
    }
}

impl FromRequestParts<AppState> for Device {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Device::new(&parts.headers, client_address(parts, &state.trusted_proxies)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap())).collect()
    }

    #[test]
    fn reads_bearer_and_the_tutorial_header() {
        assert_eq!(token_from(&headers(&[("authorization", "Bearer abc")])).unwrap(), Some("abc"));
        assert_eq!(token_from(&headers(&[("authorization", "bearer  abc ")])).unwrap(), Some("abc"));
        assert_eq!(token_from(&headers(&[("x-access-token", "xyz")])).unwrap(), Some("xyz"));
        assert_eq!(token_from(&HeaderMap::new()).unwrap(), None);
    }

    #[test]
    fn refuses_other_schemes_and_empty_tokens() {
        assert!(token_from(&headers(&[("authorization", "Basic abc")])).is_err());
        assert!(token_from(&headers(&[("authorization", "Bearer ")])).is_err());
        assert!(token_from(&headers(&[("authorization", "abc")])).is_err());
    }
}
