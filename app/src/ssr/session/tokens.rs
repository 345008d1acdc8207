//! JSON Web Tokens: the only place tokens are signed and checked.
//!
//! HS256 is pinned on both sides: a token whose header names another algorithm (`none`, `HS512`,
//! `RS256`, ...) is refused before its signature is even looked at. Tokens name their issuer and
//! audience (`iss`, `aud`), and both are required, so a token minted for another service that
//! happens to share the secret is refused; so is one not valid yet (`nbf`) or issued in the future.

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, Result};

/// Shortest secret accepted: 256 bits, the HS256 key size.
pub const MIN_SECRET_BYTES: usize = 32;

/// Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (instances share a clock via NTP).
const LEEWAY_SECS: u64 = 5;

/// The `iss` and `aud` written and required by default: the app's name.
pub const DEFAULT_ISSUER: &str = "rust-auth";

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
    /// This token's own id.
    pub jti: Uuid,
    /// The session it belongs to: ending the session ends the token.
    pub sid: Uuid,
    /// Who issued it (`JWT_ISSUER`).
    pub iss: String,
    /// Who it is for (`JWT_AUDIENCE`).
    pub aud: String,
}

/// What tokens say about where they come from and how long they live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// Lifetime of an issued token.
    pub ttl: Duration,
    /// `iss` written and required.
    pub issuer: String,
    /// `aud` written and required.
    pub audience: String,
}

impl TokenSettings {
    /// Tokens living `ttl`, with the default issuer and audience.
    pub fn with_ttl(ttl: Duration) -> Self {
        TokenSettings { ttl, issuer: DEFAULT_ISSUER.to_owned(), audience: DEFAULT_ISSUER.to_owned() }
    }
}

/// Signing and verification keys, built once at start-up.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    settings: TokenSettings,
}

impl TokenKeys {
    /// Keys for `secret`, issuing and accepting tokens as `settings` say.
    ///
    /// # Errors
    /// A secret shorter than [`MIN_SECRET_BYTES`] is refused.
    pub fn new(secret: &[u8], settings: TokenSettings) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (got {}); generate one with `openssl rand -base64 48`",
                secret.len()
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            settings,
        })
    }

    /// How long issued tokens stay valid.
    pub fn ttl(&self) -> Duration {
        self.settings.ttl
    }

    /// Signs a token for `user` at token version `version`, in session `session`.
    ///
    /// # Errors
    /// `Internal` if signing fails (it cannot with an HMAC key, but the library says it may).
    pub fn issue(&self, user: Uuid, version: i32, session: Uuid) -> Result<(String, Claims)> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.settings.ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: user,
            iat: now,
            exp: now.saturating_add(ttl),
            ver: version,
            jti: Uuid::from_u128(rand::random()),
            sid: session,
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|err| {
                tracing::error!(%err, "signing a token failed");
                AppError::Internal
            })?;
        Ok((token, claims))
    }

    /// Checks signature, algorithm, issuer, audience and validity times, and returns the claims.
    ///
    /// # Errors
    /// `Unauthorized`, saying "expired" for an expired token and "not valid" for anything else.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(kind = ?err.kind(), "token refused");
                match err.kind() {
                    ErrorKind::ExpiredSignature => AppError::token_expired(),
                    _ => AppError::token_invalid(),
                }
            })?;
        // jsonwebtoken checks `exp` and `nbf` but not `iat`: a token "issued" in the future was not
        // issued by this server's clock.
        if claims.iat > chrono::Utc::now().timestamp().saturating_add(LEEWAY_SECS as i64) {
            tracing::debug!("token refused: issued in the future");
            return Err(AppError::token_invalid());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7; 32], TokenSettings::with_ttl(Duration::from_secs(60))).unwrap()
    }

    fn claims(iat: i64, exp: i64) -> Claims {
        Claims {
            sub: Uuid::nil(),
            iat,
            exp,
            ver: 0,
            jti: Uuid::nil(),
            sid: Uuid::nil(),
            iss: DEFAULT_ISSUER.into(),
            aud: DEFAULT_ISSUER.into(),
        }
    }

    fn sign(claims: &impl Serialize) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(&[7; 32]))
            .unwrap()
    }

    #[test]
    fn a_token_round_trips() {
        let keys = keys();
        let user = Uuid::from_u128(42);
        let session = Uuid::from_u128(7);
        let (token, claims) = keys.issue(user, 3, session).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), claims);
        assert_eq!(claims.exp - claims.iat, 60);
        assert_eq!((claims.ver, claims.sid), (3, session));
        assert_ne!(keys.issue(user, 3, session).unwrap().1.jti, claims.jti);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(TokenKeys::new(&[1; 31], TokenSettings::with_ttl(Duration::from_secs(1))).is_err());
    }

    #[test]
    fn another_secret_or_algorithm_is_refused() {
        let (token, _) = keys().issue(Uuid::nil(), 0, Uuid::nil()).unwrap();
        let other = TokenKeys::new(&[8; 32], TokenSettings::with_ttl(Duration::from_secs(60))).unwrap();
        assert_eq!(other.verify(&token).unwrap_err(), AppError::token_invalid());

        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims(0, i64::MAX / 2),
            &EncodingKey::from_secret(&[7; 32]),
        )
        .unwrap();
        assert_eq!(keys().verify(&hs512).unwrap_err(), AppError::token_invalid());
    }

    #[test]
    fn expired_tokens_say_so() {
        let past = chrono::Utc::now().timestamp() - 3600;
        assert_eq!(keys().verify(&sign(&claims(past - 60, past))).unwrap_err(), AppError::token_expired());
    }

    #[test]
    fn issuer_and_audience_are_required_and_checked() {
        let now = chrono::Utc::now().timestamp();
        let good = claims(now, now + 60);
        assert!(keys().verify(&sign(&good)).is_ok());
        for (field, value) in [("iss", "someone-else"), ("aud", "another-app")] {
            let mut json = serde_json::to_value(&good).unwrap();
            json[field] = value.into();
            assert_eq!(keys().verify(&sign(&json)).unwrap_err(), AppError::token_invalid(), "{field}");
            json.as_object_mut().unwrap().remove(field);
            assert_eq!(keys().verify(&sign(&json)).unwrap_err(), AppError::token_invalid(), "no {field}");
        }
    }

    #[test]
    fn future_nbf_and_iat_are_refused() {
        let now = chrono::Utc::now().timestamp();
        let mut json = serde_json::to_value(claims(now, now + 600)).unwrap();
        json["nbf"] = (now + 120).into();
        assert_eq!(keys().verify(&sign(&json)).unwrap_err(), AppError::token_invalid());
        assert_eq!(
            keys().verify(&sign(&claims(now + 120, now + 600))).unwrap_err(),
            AppError::token_invalid()
        );
        // Within the leeway both are fine.
        json["nbf"] = (now + 2).into();
        assert!(keys().verify(&sign(&json)).is_ok());
    }
}
