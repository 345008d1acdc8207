//! Two-factor sign-in with TOTP codes (RFC 6238) and single-use recovery codes.
//!
//! The secret is kept encrypted (AES-256-GCM under `MFA_ENCRYPTION_KEY`), so a copy of the database
//! does not give anyone the codes. Set-up stores a pending secret; the first right code enables it
//! and hands out ten recovery codes, shown once and stored as their SHA-256. At sign-in a right
//! password then only yields a challenge; the code goes with it to the second step. Every code is
//! checked with the sign-in throttle, at most once per 30-second step.

pub mod totp;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::Event;
use super::auth::AuthUser;
use super::profile::check_password;
use super::sessions::{self, Device};
use super::state::AppState;
use super::throttle::{Scope, Slot, ThrottleKey, hex};
use super::users::{self, Account};
use crate::error::{AppError, Result};
use crate::model::{AdminUser, AuditEvent, MfaSetup, PublicUser, Session, SigninOutcome};
use crate::roles::Board;

/// How long the second step may wait after a right password.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(300);
/// Recovery codes handed out when two-factor sign-in is enabled.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show.
const ISSUER: &str = "Rust Auth";

/// The key secrets are encrypted with, and the admin policy.
#[derive(Clone)]
pub struct MfaSettings {
    cipher: Arc<Aes256Gcm>,
    /// `REQUIRE_2FA_FOR_ADMINS`: admins without two-factor sign-in are kept off the Admin board.
    pub require_for_admins: bool,
}

impl std::fmt::Debug for MfaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaSettings")
            .field("require_for_admins", &self.require_for_admins)
            .finish_non_exhaustive()
    }
}

impl MfaSettings {
    /// Settings with the 32-byte `key`.
    ///
    /// # Errors
    /// A key of another length.
    pub fn new(key: &[u8], require_for_admins: bool) -> Result<Self, String> {
        let cipher = Aes256Gcm::new_from_slice(key)
            .map_err(|_| format!("MFA_ENCRYPTION_KEY must be 32 bytes (got {})", key.len()))?;
        Ok(MfaSettings { cipher: Arc::new(cipher), require_for_admins })
    }

    fn encrypt(&self, secret: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        let nonce: [u8; 12] = rand::random();
        let ciphertext =
            self.cipher.encrypt(Nonce::from_slice(&nonce), secret).map_err(|_| AppError::Internal)?;
        Ok((ciphertext, nonce.to_vec()))
    }

    fn decrypt(&self, ciphertext: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
        if nonce.len() != 12 {
            return Err(AppError::Internal);
        }
        self.cipher.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| {
            tracing::error!("a two-factor secret could not be decrypted: was MFA_ENCRYPTION_KEY changed?");
            AppError::Internal
        })
    }
}

fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

fn now_step() -> u64 {
    totp::step_at(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0))
}

/// `POST /api/auth/2fa/setup`: a new pending secret (replacing one not yet enabled).
///
/// # Errors
/// `Conflict`-like `Validation` when two-factor sign-in is already on; `Internal`.
pub async fn setup(state: &AppState, caller: &AuthUser) -> Result<MfaSetup> {
    let user = &caller.user;
    if user.mfa_enabled {
        return Err(AppError::invalid_field("code", "Two-factor sign-in is already on. Turn it off first."));
    }
    let secret: [u8; 20] = rand::random();
    let (ciphertext, nonce) = state.mfa.encrypt(&secret)?;
    sqlx::query!(
        r#"
        insert into mfa_secrets (user_id, ciphertext, nonce) values ($1, $2, $3)
        on conflict (user_id) do update set ciphertext = $2, nonce = $3, created_at = now(), last_used_step = 0
        where mfa_secrets.enabled_at is null
        "#,
        user.id,
        ciphertext,
        nonce,
    )
    .execute(&state.pool)
    .await?;
    let secret = totp::base32(&secret);
    let label = format!("{ISSUER}:{}", user.username).replace(' ', "%20");
    let otpauth_url = format!(
        "otpauth://totp/{label}?secret={secret}&issuer=Rust%20Auth&algorithm=SHA1&digits=6&period=30"
    );
    let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map_err(|_| AppError::Internal)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(MfaSetup { secret, otpauth_url, qr_svg })
}

/// `POST /api/auth/2fa/enable`: the first right code turns two-factor sign-in on; returns the
/// recovery codes (the only time they are shown).
///
/// # Errors
/// `Validation` naming `code` (wrong, or no set-up started); `TooManyAttempts`; `Internal`.
pub async fn enable(state: &AppState, caller: &AuthUser, code: &str, address: IpAddr) -> Result<Vec<String>> {
    let user = &caller.user;
    let pending = sqlx::query!(
        "select ciphertext, nonce, last_used_step from mfa_secrets where user_id = $1 and enabled_at is null",
        user.id,
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(|| AppError::invalid_field("code", "Start the set-up first."))?;
    take_code_slot(state, user, address).await?;
    let secret = state.mfa.decrypt(&pending.ciphertext, &pending.nonce)?;
    let last_used = u64::try_from(pending.last_used_step).unwrap_or(0);
    let Some(step) = totp::matching_step(&secret, code, now_step(), last_used) else {
        return Err(AppError::invalid_field(
            "code",
            "That code is not right. Type the six digits your app shows now.",
        ));
    };
    forgive(state, user, address).await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "update mfa_secrets set enabled_at = now(), last_used_step = $2 where user_id = $1",
        user.id,
        i64::try_from(step).unwrap_or(i64::MAX),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("delete from mfa_recovery_codes where user_id = $1", user.id).execute(&mut *tx).await?;
    for code in &codes {
        sqlx::query!("insert into mfa_recovery_codes (user_id, hash) values ($1, $2)", user.id, sha256(code))
            .execute(&mut *tx)
            .await?;
    }
    Event::new(AuditEvent::MfaEnabled).by(user).on(user).from(address).record(&mut *tx).await?;
    tx.commit().await?;
    Ok(codes)
}

/// A recovery code: ten characters from an alphabet without look-alikes, as `xxxxx-xxxxx`.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes: [u8; 10] = rand::random();
    let chars: String =
        bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// `POST /api/auth/2fa/disable`: turns two-factor sign-in off, after the password and a code.
///
/// # Errors
/// `Validation` naming `password` or `code`; `TooManyAttempts`; `Internal`.
pub async fn disable(
    state: &AppState,
    caller: &AuthUser,
    password: &str,
    code: &str,
    address: IpAddr,
) -> Result<()> {
    let user = &caller.user;
    if !user.mfa_enabled {
        return Err(AppError::invalid_field("code", "Two-factor sign-in is not on."));
    }
    check_password(state, caller, password, "password", address).await?;
    if !accept_code(state, user, code, address).await? {
        return Err(AppError::invalid_field("code", "That code is not right."));
    }
    let mut tx = state.pool.begin().await?;
    remove(&mut tx, user.id).await?;
    Event::new(AuditEvent::MfaDisabled).by(user).on(user).from(address).record(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn remove(tx: &mut sqlx::PgConnection, user: Uuid) -> Result<()> {
    sqlx::query!("delete from mfa_secrets where user_id = $1", user).execute(&mut *tx).await?;
    sqlx::query!("delete from mfa_recovery_codes where user_id = $1", user).execute(&mut *tx).await?;
    Ok(())
}

/// `DELETE /api/admin/users/{id}/2fa`: an admin turns a user's two-factor sign-in off (a lost phone).
///
/// # Errors
/// `Forbidden` for a non-admin; `NotFound`; `Internal`.
pub async fn admin_reset(
    state: &AppState,
    caller: &AuthUser,
    target: Uuid,
    address: IpAddr,
) -> Result<AdminUser> {
    caller.require(Board::Admin)?;
    let mut tx = state.pool.begin().await?;
    let account = users::find(&mut *tx, target).await?;
    remove(&mut tx, target).await?;
    Event::new(AuditEvent::MfaReset)
        .by(&caller.user)
        .on(&account.user)
        .from(address)
        .record(&mut *tx)
        .await?;
    let after = users::find(&mut *tx, target).await?;
    tx.commit().await?;
    Ok(after.into())
}

/// After a right password for an account with two-factor sign-in: the challenge for step two.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn challenge(
    state: &AppState,
    account: &Account,
    remember: bool,
    device: &Device,
) -> Result<SigninOutcome> {
    let challenge = hex(&rand::random::<[u8; 32]>());
    sqlx::query!(
        r#"
        insert into mfa_challenges (hash, user_id, remember, user_agent, expires_at)
        values ($1, $2, $3, $4, now() + make_interval(secs => $5))
        "#,
        sha256(&challenge),
        account.user.id,
        remember,
        device.user_agent,
        CHALLENGE_TTL.as_secs_f64(),
    )
    .execute(&state.pool)
    .await?;
    Ok(SigninOutcome::MfaRequired { challenge, expires_in: CHALLENGE_TTL.as_secs() })
}

/// `POST /api/auth/2fa/verify`: the second step of a sign-in, with a TOTP or a recovery code.
///
/// # Errors
/// `Unauthorized` for an unknown, used or expired challenge; `InvalidCode`; `TooManyAttempts`;
/// `AccountDisabled`; `Internal`.
pub async fn verify(state: &AppState, challenge: &str, code: &str, device: &Device) -> Result<Session> {
    let address = device.address.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    let expired = || AppError::unauthorized("This sign-in step has expired. Sign in again.");
    if challenge.len() != 64 {
        return Err(expired());
    }
    let found = sqlx::query!(
        "select user_id, remember from mfa_challenges where hash = $1 and used_at is null and expires_at > now()",
        sha256(challenge),
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(expired)?;
    let account = users::find(&state.pool, found.user_id).await?;
    if !accept_code(state, &account.user, code, address).await? {
        super::signin::outcome("invalid_code");
        return Err(AppError::InvalidCode);
    }
    let used = sqlx::query!(
        "update mfa_challenges set used_at = now() where hash = $1 and used_at is null",
        sha256(challenge),
    )
    .execute(&state.pool)
    .await?;
    if used.rows_affected() != 1 {
        return Err(expired()); // the same challenge answered twice at once: only the first signs in
    }
    if account.disabled {
        return Err(AppError::AccountDisabled);
    }
    Event::new(AuditEvent::SigninSucceeded)
        .on(&account.user)
        .from(address)
        .detail("with a second factor")
        .record(&state.pool)
        .await?;
    super::signin::outcome("signed_in_with_second_factor");
    sessions::start(state, account, found.remember, device).await
}

/// Checks a TOTP or recovery code of `user` under the sign-in throttle, using it up when right.
async fn accept_code(state: &AppState, user: &PublicUser, code: &str, address: IpAddr) -> Result<bool> {
    take_code_slot(state, user, address).await?;
    let code = code.trim();
    let accepted = if code.len() == 6 {
        accept_totp(state, user.id, code).await?
    } else {
        accept_recovery(state, user, code, address).await?
    };
    if accepted {
        forgive(state, user, address).await?;
    } else {
        Event::new(AuditEvent::MfaFailed).on(user).from(address).record(&state.pool).await?;
    }
    Ok(accepted)
}

async fn accept_totp(state: &AppState, user: Uuid, code: &str) -> Result<bool> {
    let Some(row) = sqlx::query!(
        "select ciphertext, nonce, last_used_step from mfa_secrets where user_id = $1 and enabled_at is not null",
        user,
    )
    .fetch_optional(&state.pool)
    .await?
    else {
        return Ok(false);
    };
    let secret = state.mfa.decrypt(&row.ciphertext, &row.nonce)?;
    let last_used = u64::try_from(row.last_used_step).unwrap_or(0);
    let Some(step) = totp::matching_step(&secret, code, now_step(), last_used) else {
        return Ok(false);
    };
    // Recorded only if no one recorded this step or a later one meanwhile: a code works once.
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let done = sqlx::query!(
        "update mfa_secrets set last_used_step = $2 where user_id = $1 and last_used_step < $2",
        user,
        step,
    )
    .execute(&state.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn accept_recovery(state: &AppState, user: &PublicUser, code: &str, address: IpAddr) -> Result<bool> {
    let normalised = code.to_lowercase();
    if normalised.len() > 32 {
        return Ok(false);
    }
    let done = sqlx::query!(
        "update mfa_recovery_codes set used_at = now() where user_id = $1 and hash = $2 and used_at is null",
        user.id,
        sha256(&normalised),
    )
    .execute(&state.pool)
    .await?;
    let used = done.rows_affected() == 1;
    if used {
        Event::new(AuditEvent::MfaRecoveryCodeUsed).on(user).from(address).record(&state.pool).await?;
    }
    Ok(used)
}

async fn take_code_slot(state: &AppState, user: &PublicUser, address: IpAddr) -> Result<()> {
    match state.throttle.take(&state.pool, Scope::Signin, &ThrottleKey::account(user.id), address).await? {
        Slot::Taken(_) => Ok(()),
        Slot::Refused { retry_after } => Err(AppError::TooManyAttempts { retry_after }),
    }
}

async fn forgive(state: &AppState, user: &PublicUser, address: IpAddr) -> Result<()> {
    state.throttle.forgive(&state.pool, Scope::Signin, &ThrottleKey::account(user.id), address).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_a_wrong_key_fails() {
        let settings = MfaSettings::new(&[3; 32], false).unwrap();
        let (ciphertext, nonce) = settings.encrypt(b"a secret of twenty b").unwrap();
        assert_ne!(&ciphertext[..20], b"a secret of twenty b");
        assert_eq!(settings.decrypt(&ciphertext, &nonce).unwrap(), b"a secret of twenty b");
        let other = MfaSettings::new(&[4; 32], false).unwrap();
        assert!(other.decrypt(&ciphertext, &nonce).is_err());
        assert!(MfaSettings::new(&[1; 16], false).is_err());
    }

    #[test]
    fn recovery_codes_look_alike_and_differ() {
        let (a, b) = (recovery_code(), recovery_code());
        assert_eq!(a.len(), 11);
        assert_eq!(a.as_bytes()[5], b'-');
        assert_ne!(a, b);
    }
}
