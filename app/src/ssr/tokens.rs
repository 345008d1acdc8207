//! JSON Web Tokens: the only place tokens are signed and checked.
//!
//! HS256 is pinned on both sides: a token whose header names another algorithm (`none`, `HS512`,
//! `RS256`, ...) is refused before its signature is even looked at.

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, Result};

/// Shortest secret accepted: 256 bits, the HS256 key size.
pub const MIN_SECRET_BYTES: usize = 32;

/// Seconds of clock skew tolerated on `exp` (the server signs and checks with the same clock).
const LEEWAY_SECS: u64 = 5;

/// What a token asserts. Minimal on purpose: the user and roles are re-read on every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// The user's token version when issued; a bumped version ends this token (revocation).
    pub ver: i32,
    /// This token's id, so one session can be ended on its own (sign-out).
    pub jti: Uuid,
}

/// Signing and verification keys, built once at start-up.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl TokenKeys {
    /// Keys for `secret`, issuing tokens valid for `ttl`.
    ///
    /// # Errors
    /// A secret shorter than [`MIN_SECRET_BYTES`] is refused.
    pub fn new(secret: &[u8], ttl: Duration) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (got {}); generate one with `openssl rand -base64 48`",
                secret.len()
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "jti"]);
        validation.leeway = LEEWAY_SECS;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        })
    }

    /// How long issued tokens stay valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs a token for `user` at token version `version`.
    ///
    /// # Errors
    /// `Internal` if signing fails (it cannot with an HMAC key, but the library says it may).
    pub fn issue(&self, user: Uuid, version: i32) -> Result<(String, Claims)> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: user,
            iat: now,
            exp: now.saturating_add(ttl),
            ver: version,
            jti: Uuid::from_u128(rand::random()),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|err| {
                tracing::error!(%err, "signing a token failed");
                AppError::Internal
            })?;
        Ok((token, claims))
    }

    /// Checks signature, algorithm and expiry, and returns the claims.
    ///
    /// # Errors
    /// `Unauthorized`, saying "expired" for an expired token and "not valid" for anything else.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(kind = ?err.kind(), "token refused");
                match err.kind() {
                    ErrorKind::ExpiredSignature => AppError::token_expired(),
                    _ => AppError::token_invalid(),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7; 32], Duration::from_secs(60)).unwrap()
    }

    #[test]
    fn a_token_round_trips() {
        let keys = keys();
        let user = Uuid::from_u128(42);
        let (token, claims) = keys.issue(user, 3).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), claims);
        assert_eq!(claims.exp - claims.iat, 60);
        assert_eq!(claims.ver, 3);
        assert_ne!(keys.issue(user, 3).unwrap().1.jti, claims.jti);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(TokenKeys::new(&[1; 31], Duration::from_secs(1)).is_err());
    }

    #[test]
    fn another_secret_or_algorithm_is_refused() {
        let (token, _) = keys().issue(Uuid::nil(), 0).unwrap();
        let other = TokenKeys::new(&[8; 32], Duration::from_secs(60)).unwrap();
        assert_eq!(other.verify(&token).unwrap_err(), AppError::token_invalid());

        let claims = Claims { sub: Uuid::nil(), iat: 0, exp: i64::MAX / 2, ver: 0, jti: Uuid::nil() };
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(&[7; 32]),
        )
        .unwrap();
        assert_eq!(keys().verify(&hs512).unwrap_err(), AppError::token_invalid());
    }

    #[test]
    fn expired_tokens_say_so() {
        let past = chrono::Utc::now().timestamp() - 3600;
        let claims = Claims { sub: Uuid::nil(), iat: past - 60, exp: past, ver: 0, jti: Uuid::nil() };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&[7; 32]),
        )
        .unwrap();
        assert_eq!(keys().verify(&token).unwrap_err(), AppError::token_expired());
    }
}
