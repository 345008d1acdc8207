//! The ES256 signing keys, kept in PostgreSQL so that every instance signs and verifies with the
//! same set. A key goes through four states:
//!
//! ```text
//!   next ──rotate──▶ current ──rotate──▶ previous ──a token lifetime later──▶ retired
//!   (published,      (signs)             (verifies                            (gone from the JWKS,
//!    not signing)                         only)                                private half erased)
//! ```
//!
//! A key is published as `next` at least `JWKS_MAX_AGE_SECS` before it signs, so a verifier that
//! cached the JWKS already holds it when the first token signed with it arrives. The private half
//! is sealed under the server key (`ENCRYPTION_KEY`): a copy of the database alone cannot sign.
//! Every change takes one advisory lock, so two instances maintaining keys at once do not rotate
//! twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use p256::ecdsa::SigningKey;
use p256::pkcs8::EncodePrivateKey;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

use super::tokens::{EcKey, LEEWAY_SECS, base64_url};
use crate::error::{AppError, Result};
use crate::ssr::secrets::ServerKey;

/// The advisory lock every key change takes (an arbitrary constant, "sigkeys" in ASCII).
const LOCK: i64 = 0x0073_6967_6b65_7973;

/// How often every instance reads the keys again even without a notice (see `keyring`): a key
/// that stopped signing may still sign on an instance that missed the change for this long.
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);

/// The MAC purpose of a key row.
const MAC_PURPOSE: &str = "signing-key";

/// When keys rotate and retire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPolicy {
    /// A key signs this long before the next one takes over (`JWT_KEY_ROTATION_DAYS`).
    pub rotation: Duration,
    /// A key is published this long before it signs (`JWKS_MAX_AGE_SECS`): verifiers caching the
    /// JWKS for that long hold it before they see a token signed with it.
    pub publish_ahead: Duration,
    /// The longest access-token lifetime: a previous key retires only once every token it signed
    /// has expired.
    pub token_ttl: Duration,
}

/// A key as `server keys list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// Its name (`kid`, the RFC 7638 thumbprint of its public key).
    pub kid: String,
    /// `next`, `current`, `previous` or `retired`.
    pub state: String,
    /// Published.
    pub created_at: DateTime<Utc>,
    /// Started signing.
    pub activated_at: Option<DateTime<Utc>>,
    /// Stopped signing.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Retired.
    pub retired_at: Option<DateTime<Utc>>,
}

/// A fresh key: name, public JWK, its MAC, sealed private key and its nonce.
struct Fresh {
    kid: String,
    public: serde_json::Value,
    mac: [u8; 32],
    sealed: Vec<u8>,
    nonce: Vec<u8>,
}

/// The RFC 7638 thumbprint of a P-256 public key (its `x`, `y` in base64url): our keys' names.
fn thumbprint(x: &str, y: &str) -> String {
    // The required members, in lexicographic order, no spaces.
    base64_url(&Sha256::digest(format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#)))
}

/// Makes a P-256 key and seals its private half.
fn generate(key: &ServerKey) -> Result<Fresh> {
    let secret = loop {
        // A random 256-bit string is a valid scalar but for a 2^-32 chance: then draw again.
        let bytes: [u8; 32] = rand::random();
        if let Ok(secret) = SigningKey::from_slice(&bytes) {
            break secret;
        }
    };
    let point = secret.verifying_key().to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(AppError::Internal);
    };
    let (x, y) = (base64_url(x), base64_url(y));
    let kid = thumbprint(&x, &y);
    let mac = key.mac(MAC_PURPOSE, &[kid.as_bytes(), x.as_bytes(), y.as_bytes()]);
    let public = serde_json::json!({
        "kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": "ES256", "use": "sig",
    });
    let der = secret.to_pkcs8_der().map_err(|err| {
        tracing::error!(%err, "encoding a new signing key failed");
        AppError::Internal
    })?;
    let (sealed, nonce) = key.seal(der.as_bytes())?;
    Ok(Fresh { kid, public, mac, sealed, nonce })
}

/// Inserts a fresh key in `state` (`current` or `next`).
async fn insert(tx: &mut Transaction<'static, Postgres>, key: &ServerKey, state: &str) -> Result<String> {
    let fresh = generate(key)?;
    sqlx::query!(
        "insert into signing_keys (kid, state, public_jwk, mac, private_sealed, private_nonce, activated_at)
         values ($1, $2, $3, $4, $5, $6, case when $2 = 'current' then now() end)",
        fresh.kid,
        state,
        fresh.public,
        &fresh.mac[..],
        fresh.sealed,
        fresh.nonce,
    )
    .execute(&mut **tx)
    .await?;
    tracing::info!(kid = %fresh.kid, state, "signing key created");
    Ok(fresh.kid)
}

/// Starts a key change: the lock, and which of `current` and `next` exist.
async fn begin(pool: &PgPool) -> Result<(Transaction<'static, Postgres>, bool, bool)> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", LOCK).execute(&mut *tx).await?;
    let present = sqlx::query_scalar!(
        r#"select state as "state!" from signing_keys where state in ('current', 'next')"#
    )
    .fetch_all(&mut *tx)
    .await?;
    let has = |state: &str| present.iter().any(|found| found == state);
    Ok((tx, has("current"), has("next")))
}

/// Tells every instance that the keys changed (delivered when the transaction commits).
async fn announce(tx: &mut Transaction<'static, Postgres>) -> Result<()> {
    sqlx::query!("select pg_notify('signing_keys', '')").execute(&mut **tx).await?;
    Ok(())
}

/// Makes sure one key signs and another waits as `next` (start-up, and every maintenance pass).
/// Returns whether a key was created.
///
/// # Errors
/// Database errors.
pub async fn ensure(pool: &PgPool, key: &ServerKey) -> Result<bool> {
    let (mut tx, has_current, has_next) = begin(pool).await?;
    if !has_current {
        insert(&mut tx, key, "current").await?;
    }
    if !has_next {
        insert(&mut tx, key, "next").await?;
    }
    if !(has_current && has_next) {
        announce(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(!(has_current && has_next))
}

/// Rotates now: `next` signs from now on, the key that signed verifies only, and a new key is
/// published as `next`. With `fresh`, the published `next` is retired instead and a brand-new key
/// signs at once: for when the stored keys are thought exposed (a copy of the database together
/// with `ENCRYPTION_KEY`), where promoting `next` would keep an exposed key signing. Verifiers that
/// cached the JWKS learn the fresh key when they see its first token's unknown `kid` (any library
/// that refetches on an unknown `kid`) or when their cache expires. Returns the name of the key
/// that now signs.
///
/// # Errors
/// Database errors.
pub async fn rotate(pool: &PgPool, key: &ServerKey, fresh: bool) -> Result<String> {
    let (mut tx, _, has_next) = begin(pool).await?;
    if fresh && has_next {
        sqlx::query!(
            "update signing_keys set state = 'retired', deactivated_at = now(), retired_at = now(),
                    private_sealed = null, private_nonce = null
              where state = 'next'"
        )
        .execute(&mut *tx)
        .await?;
    }
    if fresh || !has_next {
        insert(&mut tx, key, "next").await?;
    }
    let kid = promote(&mut tx).await?;
    insert(&mut tx, key, "next").await?;
    announce(&mut tx).await?;
    tx.commit().await?;
    Ok(kid)
}

/// `current` → `previous`, `next` → `current`; the new current's name.
async fn promote(tx: &mut Transaction<'static, Postgres>) -> Result<String> {
    // A key that stops signing keeps only its public half: nothing opens the private one again.
    sqlx::query!(
        "update signing_keys set state = 'previous', deactivated_at = now(), private_sealed = null, private_nonce = null
          where state = 'current'"
    )
    .execute(&mut **tx)
    .await?;
    let kid = sqlx::query_scalar!(
        "update signing_keys set state = 'current', activated_at = now() where state = 'next' returning kid"
    )
    .fetch_one(&mut **tx)
    .await?;
    tracing::info!(%kid, "signing key rotated");
    Ok(kid)
}

/// The periodic pass: with `signing` (ES256 mode), creates missing keys and rotates when the key
/// that signs is older than the policy allows (and its successor has been published long enough);
/// always retires previous keys once no token they signed can still be valid. Returns whether
/// anything changed.
///
/// # Errors
/// Database errors.
pub async fn maintain(pool: &PgPool, key: &ServerKey, policy: KeyPolicy, signing: bool) -> Result<bool> {
    let mut changed = if signing { ensure(pool, key).await? } else { false };
    let (mut tx, _, _) = begin(pool).await?;
    let rotation = secs(policy.rotation);
    let ahead = secs(policy.publish_ahead);
    let due = sqlx::query_scalar!(
        r#"select exists(select 1 from signing_keys where state = 'current'
                          and activated_at <= now() - make_interval(secs => $1))
              and exists(select 1 from signing_keys where state = 'next'
                          and created_at <= now() - make_interval(secs => $2)) as "due!""#,
        rotation,
        ahead,
    )
    .fetch_one(&mut *tx)
    .await?;
    if due && signing {
        promote(&mut tx).await?;
        insert(&mut tx, key, "next").await?;
        changed = true;
    }
    // An instance that missed the rotation may sign with the old key until its next reload.
    let keep = secs(policy.token_ttl) + secs(RELOAD_EVERY) + LEEWAY_SECS as f64;
    let retired = sqlx::query_scalar!(
        "update signing_keys
            set state = 'retired', retired_at = now(), private_sealed = null, private_nonce = null
          where state = 'previous' and deactivated_at <= now() - make_interval(secs => $1)
          returning kid",
        keep,
    )
    .fetch_all(&mut *tx)
    .await?;
    for kid in &retired {
        tracing::info!(%kid, "signing key retired");
    }
    changed |= !retired.is_empty();
    if changed {
        announce(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Retires a previous key at once, before its tokens expire (a key thought compromised): its
/// tokens are refused from now on, on every instance. The key that signs cannot be retired;
/// rotate first. Returns whether a key was retired.
///
/// # Errors
/// `BadRequest` for the key that signs or the next one; database errors.
pub async fn retire(pool: &PgPool, kid: &str) -> Result<bool> {
    let (mut tx, _, _) = begin(pool).await?;
    let state = sqlx::query_scalar!("select state from signing_keys where kid = $1", kid)
        .fetch_optional(&mut *tx)
        .await?;
    match state.as_deref() {
        Some("previous") => {}
        Some(found @ ("current" | "next")) => {
            return Err(AppError::BadRequest {
                message: format!("key {kid} is {found}: rotate first, then retire it"),
            });
        }
        _ => return Ok(false),
    }
    sqlx::query!(
        "update signing_keys set state = 'retired', retired_at = now(), private_sealed = null, private_nonce = null
          where kid = $1",
        kid
    )
    .execute(&mut *tx)
    .await?;
    tracing::warn!(%kid, "signing key retired ahead of time");
    announce(&mut tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// The keys that verify (next, current, previous), the private half of the one that signs
/// opened, and when an ES256 key first signed (seconds since the epoch).
///
/// # Errors
/// Database errors; `Internal` for a key that cannot be read or opened (a changed
/// `ENCRYPTION_KEY`).
pub async fn load(pool: &PgPool, key: &ServerKey) -> Result<(Vec<EcKey>, Option<i64>)> {
    let rows = sqlx::query!(
        "select kid, state, public_jwk, mac, private_sealed, private_nonce from signing_keys
          where state <> 'retired' order by created_at"
    )
    .fetch_all(pool)
    .await?;
    let first = sqlx::query_scalar!("select min(activated_at) from signing_keys").fetch_one(pool).await?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let public: Jwk = serde_json::from_value(row.public_jwk).map_err(|err| {
            tracing::error!(kid = %row.kid, %err, "a signing key's public half cannot be read");
            AppError::Internal
        })?;
        // Only keys this server made are trusted: the name is the public key's thumbprint, and the
        // MAC (under the server key) covers both. A row written by anyone else is skipped.
        let genuine = match &public.algorithm {
            AlgorithmParameters::EllipticCurve(point) => {
                let expected =
                    key.mac(MAC_PURPOSE, &[row.kid.as_bytes(), point.x.as_bytes(), point.y.as_bytes()]);
                thumbprint(&point.x, &point.y) == row.kid
                    && public.common.key_id.as_deref() == Some(row.kid.as_str())
                    && constant_time_eq(&expected, &row.mac)
            }
            _ => false,
        };
        if !genuine {
            tracing::error!(kid = %row.kid, "a signing key row was not written by this server: ignored");
            continue;
        }
        let private_der = match (row.state.as_str(), row.private_sealed, row.private_nonce) {
            ("current", Some(sealed), Some(nonce)) => Some(key.open(&sealed, &nonce)?),
            _ => None,
        };
        keys.push(EcKey { kid: row.kid, public, private_der });
    }
    Ok((keys, first.map(|at| at.timestamp())))
}

/// Every key, the newest first (`server keys list`).
///
/// # Errors
/// Database errors.
pub async fn list(pool: &PgPool) -> Result<Vec<KeyRow>> {
    Ok(sqlx::query_as!(
        KeyRow,
        "select kid, state, created_at, activated_at, deactivated_at, retired_at from signing_keys
          order by created_at desc"
    )
    .fetch_all(pool)
    .await?)
}

/// Equality that takes as long whatever the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}
