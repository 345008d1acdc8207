//! JSON Web Tokens: the only place tokens are signed and checked.
//!
//! Two ways to sign (`JWT_ALGORITHM`):
//! - **ES256** (the default): P-256 keys kept in PostgreSQL (see `signing_keys`) and published at
//!   `/.well-known/jwks.json`, so other services verify tokens without being able to mint them.
//!   Every token names its key (`kid`); verification picks the key by that name, and a key it
//!   does not hold (unknown, or retired) refuses the token.
//! - **HS256** with `JWT_SECRET`, for deployments that want one shared secret. After a switch to
//!   ES256, HS256 tokens issued before it stay valid until they expire, and no longer: the secret
//!   cannot mint tokens once the switch is a token lifetime old.
//!
//! Each key pins its algorithm: a token whose header names another (`none`, `HS512`, `RS256`, or
//! HS256 under an ES256 key's name) is refused before its signature is looked at. Tokens name their
//! issuer and audience (`iss`, `aud`), and both are required; so are `exp`, `iat` and `sub`, and a
//! token not valid yet (`nbf`) or issued in the future is refused.
//!
//! Verified tokens are remembered (by a hash of the whole token) until they expire, so a client
//! sending the same token again costs a lookup, not a signature check: ES256 verification costs
//! far more than HS256, and every protected request verifies a token. The memory is bounded, and
//! emptied whenever the set of keys changes (a retired key's tokens are refused at once).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, Result};

/// Shortest secret accepted: 256 bits, the HS256 key size.
pub const MIN_SECRET_BYTES: usize = 32;

/// Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (instances share a clock via NTP).
pub const LEEWAY_SECS: u64 = 5;

/// The `iss` and `aud` written and required by default: the app's name.
pub const DEFAULT_ISSUER: &str = "rust-auth";

/// Most verified tokens remembered (about 200 bytes each).
const REMEMBERED_MAX: usize = 20_000;

/// After a switch to ES256, instances not switched yet may issue HS256 tokens for this long (a
/// rolling restart); tokens issued later are refused, as are any past a token lifetime after.
pub const HS256_ROLLOUT_SECS: i64 = 600;

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

/// Which algorithm signs new tokens (`JWT_ALGORITHM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// P-256 keys from the database, published as a JWKS.
    Es256,
    /// The shared `JWT_SECRET`.
    Hs256,
}

impl Signing {
    /// The setting's value.
    pub fn name(self) -> &'static str {
        match self {
            Signing::Es256 => "ES256",
            Signing::Hs256 => "HS256",
        }
    }
}

/// An ES256 key as the keyring gets it from the store.
#[derive(Clone)]
pub struct EcKey {
    /// Its name in token headers and in the JWKS.
    pub kid: String,
    /// The public key, as a JWK (`kty`, `crv`, `x`, `y`, `kid`, `alg`, `use`).
    pub public: Jwk,
    /// The private key (PKCS#8 DER), for the key that signs; `None` for the others.
    pub private_der: Option<Vec<u8>>,
}

impl std::fmt::Debug for EcKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcKey").field("kid", &self.kid).field("signs", &self.private_der.is_some()).finish()
    }
}

/// The keys in use now: swapped as a whole when the store's keys change.
struct Ring {
    /// The ES256 key that signs, by name.
    signer: Option<(String, EncodingKey)>,
    /// Every ES256 key that verifies (next, current, previous), by name.
    verifiers: HashMap<String, DecodingKey>,
    /// Their public JWKs, as published.
    jwks: JwkSet,
    /// When an ES256 key first signed (seconds since the epoch): in ES256 mode, HS256 tokens are
    /// accepted only if issued before then (plus [`HS256_ROLLOUT_SECS`]), living no longer than a
    /// token lifetime. `None`: no ES256 key has signed, and ES256 mode accepts no HS256 token.
    switched_at: Option<i64>,
}

/// The shared secret, when configured.
struct Secret {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// Signing and verification keys: the secret (built once) and the ES256 keyring (reloaded).
pub struct TokenKeys {
    signing: Signing,
    secret: Option<Secret>,
    ring: RwLock<Arc<Ring>>,
    hs256: Validation,
    es256: Validation,
    settings: TokenSettings,
    remembered: RwLock<HashMap<[u8; 32], Claims>>,
    /// When a token naming an unknown key last caused a reload (milliseconds since the epoch).
    last_reload: AtomicI64,
    /// Held while such a reload runs: requests for the same new key wait for it, then find it.
    reload_lock: tokio::sync::Mutex<()>,
}

impl TokenKeys {
    /// HS256 with `secret`, issuing and accepting tokens as `settings` say.
    ///
    /// # Errors
    /// A secret shorter than [`MIN_SECRET_BYTES`] is refused.
    pub fn new(secret: &[u8], settings: TokenSettings) -> Result<Self, String> {
        Self::with_signing(Signing::Hs256, Some(secret), settings)
    }

    /// Tokens signed as `signing` says; `secret` signs HS256 tokens (`Signing::Hs256`, which
    /// needs it) or verifies those issued before a switch to ES256. ES256 signs once
    /// [`install`](Self::install) has given it keys.
    ///
    /// # Errors
    /// A secret shorter than [`MIN_SECRET_BYTES`], or HS256 without one.
    pub fn with_signing(
        signing: Signing,
        secret: Option<&[u8]>,
        settings: TokenSettings,
    ) -> Result<Self, String> {
        let secret = match secret.filter(|secret| !secret.is_empty()) {
            Some(secret) if secret.len() < MIN_SECRET_BYTES => {
                return Err(format!(
                    "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (got {}); generate one with `openssl rand -base64 48`",
                    secret.len()
                ));
            }
            Some(secret) => Some(Secret {
                kid: secret_kid(secret),
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
            }),
            None if signing == Signing::Hs256 => {
                return Err("JWT_ALGORITHM=HS256 needs JWT_SECRET".to_owned());
            }
            None => None,
        };
        let ring = Ring {
            signer: None,
            verifiers: HashMap::new(),
            jwks: JwkSet { keys: Vec::new() },
            switched_at: None,
        };
        Ok(TokenKeys {
            signing,
            secret,
            ring: RwLock::new(Arc::new(ring)),
            hs256: validation(Algorithm::HS256, &settings),
            es256: validation(Algorithm::ES256, &settings),
            settings,
            remembered: RwLock::new(HashMap::new()),
            last_reload: AtomicI64::new(0),
            reload_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Which algorithm signs new tokens.
    pub fn signing(&self) -> Signing {
        self.signing
    }

    /// The `iss` tokens carry.
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// How long issued tokens stay valid.
    pub fn ttl(&self) -> Duration {
        self.settings.ttl
    }

    /// Replaces the ES256 keys with `keys` (the one with a private key signs), and forgets every
    /// remembered token. `first_signed_at`: when an ES256 key first signed (seconds since the
    /// epoch), from which HS256 tokens have a token lifetime left.
    ///
    /// # Errors
    /// A key that cannot be read (a corrupt row); the keys in use stay.
    pub fn install(&self, keys: &[EcKey], first_signed_at: Option<i64>) -> Result<(), String> {
        let mut signer = None;
        let mut verifiers = HashMap::new();
        for key in keys {
            let decoding =
                DecodingKey::from_jwk(&key.public).map_err(|err| format!("key {}: {err}", key.kid))?;
            verifiers.insert(key.kid.clone(), decoding);
            if let Some(der) = &key.private_der {
                signer = Some((key.kid.clone(), EncodingKey::from_ec_der(der)));
            }
        }
        let ring = Ring {
            signer,
            verifiers,
            jwks: JwkSet { keys: keys.iter().map(|key| key.public.clone()).collect() },
            switched_at: first_signed_at,
        };
        // The set first, then the memory: a verification made under the old set either lands
        // before this clears it, or sees the new set and is not remembered (see `verify_at`).
        *self.ring.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(ring);
        self.remembered.write().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        Ok(())
    }

    /// Whether a key that signs is loaded (ES256), or the secret is there (HS256).
    pub fn can_sign(&self) -> bool {
        match self.signing {
            Signing::Es256 => self.ring().signer.is_some(),
            Signing::Hs256 => self.secret.is_some(),
        }
    }

    /// The public keys, as published at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> JwkSet {
        self.ring().jwks.clone()
    }

    /// Whether this token names, as ours would, an ES256 key not held here: one the store may have
    /// and this instance has not loaded yet. Names that cannot be ours (not a SHA-256 thumbprint
    /// in base64url) never are, so made-up names cost no reload.
    pub fn may_name_a_new_key(&self, token: &str) -> bool {
        match jsonwebtoken::decode_header(token) {
            Ok(Header { alg: Algorithm::ES256, kid: Some(kid), .. }) => {
                kid.len() == 43
                    && kid.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
                    && !self.ring().verifiers.contains_key(&kid)
            }
            _ => false,
        }
    }

    /// The lock reloads for unknown keys take turns on.
    pub fn reload_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.reload_lock
    }

    /// Claims the right to reload the keys for a token naming one not held here: at most once a
    /// second, so made-up key names cannot drive load on the database.
    pub fn claim_reload(&self) -> bool {
        let now = chrono::Utc::now().timestamp_millis();
        let last = self.last_reload.load(Ordering::Relaxed);
        now - last >= 1_000
            && self.last_reload.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }

    /// How long until [`claim_reload`](Self::claim_reload) may succeed again.
    pub fn until_reload_allowed(&self) -> Duration {
        let now = chrono::Utc::now().timestamp_millis();
        let next = self.last_reload.load(Ordering::Relaxed).saturating_add(1_000);
        Duration::from_millis(u64::try_from(next.saturating_sub(now)).unwrap_or(0).min(1_000))
    }

    /// Signs a token for `user` at token version `version`, in session `session`.
    ///
    /// # Errors
    /// `Unavailable` while no ES256 key has been loaded; `Internal` if signing fails.
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
        let signed = match (self.signing, &self.secret) {
            (Signing::Hs256, Some(secret)) => {
                let mut header = Header::new(Algorithm::HS256);
                header.kid = Some(secret.kid.clone());
                jsonwebtoken::encode(&header, &claims, &secret.encoding)
            }
            (Signing::Hs256, None) => return Err(AppError::Internal),
            (Signing::Es256, _) => {
                let ring = self.ring();
                let Some((kid, key)) = &ring.signer else {
                    tracing::error!("no ES256 signing key loaded");
                    return Err(AppError::Unavailable);
                };
                let mut header = Header::new(Algorithm::ES256);
                header.kid = Some(kid.clone());
                jsonwebtoken::encode(&header, &claims, key)
            }
        };
        let token = signed.map_err(|err| {
            tracing::error!(%err, "signing a token failed");
            AppError::Internal
        })?;
        Ok((token, claims))
    }

    /// Checks the key (by `kid`) and its algorithm, the signature, issuer, audience and validity
    /// times, and returns the claims.
    ///
    /// # Errors
    /// `Unauthorized`, saying "expired" for an expired token and "not valid" for anything else.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        self.verify_at(token, chrono::Utc::now().timestamp())
    }

    /// [`verify`](Self::verify) at `now` (seconds since the epoch) for what is checked here: a
    /// remembered token's expiry, `iat`, and the HS256 window (the signature check reads the clock).
    fn verify_at(&self, token: &str, now: i64) -> Result<Claims> {
        let fingerprint: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let remembered = self
            .remembered
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&fingerprint)
            .cloned();
        if let Some(claims) = remembered {
            if claims.exp.saturating_add(LEEWAY_SECS as i64) < now {
                return Err(AppError::token_expired());
            }
            return Ok(claims);
        }
        let ring = self.ring();
        let claims = self.check(token, &ring, now)?;
        let mut remembered = self.remembered.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !Arc::ptr_eq(&ring, &self.ring()) {
            return Ok(claims); // checked under keys replaced meanwhile: valid then, not remembered
        }
        if remembered.len() >= REMEMBERED_MAX {
            remembered.retain(|_, claims| claims.exp.saturating_add(LEEWAY_SECS as i64) >= now);
            if remembered.len() >= REMEMBERED_MAX {
                remembered.clear();
            }
        }
        remembered.insert(fingerprint, claims.clone());
        Ok(claims)
    }

    /// The signature check itself.
    fn check(&self, token: &str, ring: &Ring, now: i64) -> Result<Claims> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AppError::token_invalid())?;
        let (key, validation) = match header.alg {
            Algorithm::ES256 => {
                let key = header.kid.as_deref().and_then(|kid| ring.verifiers.get(kid)).ok_or_else(|| {
                    tracing::debug!(kid = ?header.kid, "token refused: no such key");
                    AppError::token_invalid()
                })?;
                (key, &self.es256)
            }
            Algorithm::HS256 => {
                let secret = self.secret.as_ref().filter(|secret| {
                    header.kid.as_deref().is_none_or(|kid| kid == secret.kid)
                        && (self.signing == Signing::Hs256 || ring.switched_at.is_some())
                });
                let Some(secret) = secret else {
                    tracing::debug!("token refused: HS256 is not accepted");
                    return Err(AppError::token_invalid());
                };
                (&secret.decoding, &self.hs256)
            }
            other => {
                tracing::debug!(alg = ?other, "token refused: algorithm");
                return Err(AppError::token_invalid());
            }
        };
        let claims = jsonwebtoken::decode::<Claims>(token, key, validation).map(|data| data.claims).map_err(
            |err| {
                tracing::debug!(kind = ?err.kind(), "token refused");
                match err.kind() {
                    ErrorKind::ExpiredSignature => AppError::token_expired(),
                    _ => AppError::token_invalid(),
                }
            },
        )?;
        // jsonwebtoken checks `exp` and `nbf` but not `iat`: a token "issued" in the future was not
        // issued by this server's clock.
        if claims.iat > now.saturating_add(LEEWAY_SECS as i64) {
            tracing::debug!("token refused: issued in the future");
            return Err(AppError::token_invalid());
        }
        // After the switch to ES256, an HS256 token must have been issued before it (allowing for
        // a rolling restart) and live no longer than a token: whoever still holds the secret
        // cannot mint one that outlives the switch by more than a token lifetime.
        if header.alg == Algorithm::HS256 && self.signing == Signing::Es256 {
            let ttl = i64::try_from(self.settings.ttl.as_secs()).unwrap_or(i64::MAX);
            let issued_by = ring.switched_at.unwrap_or(i64::MIN).saturating_add(HS256_ROLLOUT_SECS);
            if claims.iat > issued_by
                || claims.exp.saturating_sub(claims.iat) > ttl.saturating_add(LEEWAY_SECS as i64)
            {
                tracing::debug!("token refused: HS256 issued after the switch to ES256");
                return Err(AppError::token_invalid());
            }
        }
        Ok(claims)
    }

    fn ring(&self) -> Arc<Ring> {
        self.ring.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// The rules every token of `algorithm` is checked against.
fn validation(algorithm: Algorithm, settings: &TokenSettings) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECS;
    validation
}

/// The secret's name in token headers: a hash, so headers say which secret without revealing it.
fn secret_kid(secret: &[u8]) -> String {
    let digest = Sha256::digest([b"rust-auth/jwt-secret-kid/".as_slice(), secret].concat());
    format!("hs-{}", base64_url(&digest[..9]))
}

/// Base64url without padding (JOSE's encoding).
pub fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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

    /// An ES256 key made here, as the store would hand it over.
    fn ec_key(seed: u8, signs: bool) -> EcKey {
        use p256::pkcs8::EncodePrivateKey;
        let secret = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        let point = secret.verifying_key().to_encoded_point(false);
        let kid = format!("key-{seed}");
        let public = serde_json::from_value(serde_json::json!({
            "kty": "EC", "crv": "P-256", "x": base64_url(point.x().unwrap()), "y": base64_url(point.y().unwrap()),
            "kid": kid, "alg": "ES256", "use": "sig",
        }))
        .unwrap();
        let private_der = signs.then(|| secret.to_pkcs8_der().unwrap().as_bytes().to_vec());
        EcKey { kid, public, private_der }
    }

    fn es256() -> TokenKeys {
        let keys = TokenKeys::with_signing(
            Signing::Es256,
            Some(&[7; 32]),
            TokenSettings::with_ttl(Duration::from_secs(60)),
        )
        .unwrap();
        keys.install(&[ec_key(1, true), ec_key(2, false)], Some(chrono::Utc::now().timestamp())).unwrap();
        keys
    }

    #[test]
    fn es256_tokens_name_their_key_and_verify_while_it_is_held() {
        let keys = es256();
        let (token, claims) = keys.issue(Uuid::from_u128(1), 0, Uuid::from_u128(2)).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!((header.alg, header.kid.as_deref()), (Algorithm::ES256, Some("key-1")));
        assert_eq!(keys.verify(&token).unwrap(), claims);
        assert_eq!(keys.jwks().keys.len(), 2);
        // Rotated: key 2 signs, key 1 still verifies.
        keys.install(&[ec_key(1, false), ec_key(2, true)], None).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), claims);
        let (newer, _) = keys.issue(Uuid::from_u128(1), 0, Uuid::from_u128(2)).unwrap();
        assert_eq!(jsonwebtoken::decode_header(&newer).unwrap().kid.as_deref(), Some("key-2"));
        // Retired: gone from the set, its token refused (the remembered verification too).
        keys.install(&[ec_key(2, true)], None).unwrap();
        assert!(!keys.may_name_a_new_key(&token), "key-1 is not shaped like one of ours");
        assert_eq!(keys.verify(&token).unwrap_err(), AppError::token_invalid());
        assert!(keys.verify(&newer).is_ok());
    }

    #[test]
    fn without_keys_es256_issues_nothing() {
        let keys =
            TokenKeys::with_signing(Signing::Es256, None, TokenSettings::with_ttl(Duration::from_secs(60)))
                .unwrap();
        assert_eq!(keys.issue(Uuid::nil(), 0, Uuid::nil()).unwrap_err(), AppError::Unavailable);
        assert!(
            TokenKeys::with_signing(Signing::Hs256, None, TokenSettings::with_ttl(Duration::from_secs(60)))
                .is_err()
        );
    }

    #[test]
    fn hs256_tokens_pass_an_es256_server_for_one_token_lifetime_after_the_switch() {
        let keys = es256();
        let now = chrono::Utc::now().timestamp();
        let old = sign(&claims(now - 10, now + 50));
        assert!(keys.verify(&old).is_ok(), "issued before the switch, still valid");
        // Minted with the secret after the switch (beyond the rollout allowance), or living longer
        // than a token: refused.
        keys.install(&[ec_key(1, true)], Some(now - HS256_ROLLOUT_SECS - 120)).unwrap();
        assert_eq!(keys.verify(&sign(&claims(now, now + 60))).unwrap_err(), AppError::token_invalid());
        keys.install(&[ec_key(1, true)], Some(now)).unwrap();
        assert_eq!(keys.verify(&sign(&claims(now - 10, now + 3600))).unwrap_err(), AppError::token_invalid());
        // No ES256 key has signed yet: an ES256 server takes no HS256 token.
        keys.install(&[ec_key(1, true)], None).unwrap();
        assert_eq!(keys.verify(&old).unwrap_err(), AppError::token_invalid());
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = keys();
        let now = chrono::Utc::now().timestamp();
        let token = sign(&claims(now, now + 30));
        assert!(keys.verify_at(&token, now).is_ok());
        assert!(keys.verify_at(&token, now + 20).is_ok(), "remembered, not expired");
        assert_eq!(keys.verify_at(&token, now + 100).unwrap_err(), AppError::token_expired());
    }

    #[test]
    fn only_names_shaped_like_ours_may_cost_a_reload() {
        let keys = es256();
        let token_naming = |kid: &str| {
            let mut header = Header::new(Algorithm::ES256);
            header.kid = Some(kid.to_owned());
            format!("{}.e30.AA", base64_url(serde_json::to_string(&header).unwrap().as_bytes()))
        };
        assert!(keys.may_name_a_new_key(&token_naming(&"A".repeat(43))));
        for kid in ["no-such-key", &"A".repeat(44), &format!("{}!", "A".repeat(42)), "key-1"] {
            assert!(!keys.may_name_a_new_key(&token_naming(kid)), "{kid}");
        }
    }
}
