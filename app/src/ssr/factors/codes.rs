//! Checking a second-factor code (a TOTP code or a recovery code) of a signed-in or signing-in
//! user, counted in the code throttle of its own: what two-factor sign-in, turning it off, new
//! recovery codes and confirming a factor change with password and code all go through. Kept
//! below `two_factor` (the feature) and `step_up` (which proof a change needs), which both use it.

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::totp;
use crate::error::{AppError, Result};
use crate::model::{AuditEvent, PublicUser};
use crate::requests::Proof;
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::Event;
use crate::ssr::guard::throttle::{Scope, Slot, ThrottleKey};
use crate::ssr::identity::lifecycle::{self, Notice};
use crate::ssr::identity::reauth::check_proof;
use crate::ssr::secrets::ServerKey;
use crate::ssr::session::caller::AuthUser;
use crate::ssr::state::AppState;

pub(super) fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// How a recovery code is stored: a MAC under the server key, so a copy of the database cannot be
/// searched for the codes (50 bits each: a plain hash would be within reach of a GPU).
pub(super) fn recovery_hash(key: &ServerKey, user: Uuid, code: &str) -> Vec<u8> {
    key.mac("recovery-code/v1", &[user.as_bytes(), code.as_bytes()]).to_vec()
}

pub(super) fn now_step() -> u64 {
    totp::step_at(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0))
}

pub(super) fn address_of(device: &Device) -> IpAddr {
    device.address.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into())
}

/// Checks the caller's password (or passkey) and a current code or recovery code of their
/// two-factor sign-in, which must be on.
///
/// # Errors
/// `Validation` naming `password`, `passkey` or `code`; `TooManyAttempts`; `Internal`.
pub async fn confirm_with_code(
    state: &AppState,
    caller: &AuthUser,
    proof: &Proof,
    code: &str,
    device: &Device,
) -> Result<()> {
    let user = &caller.user;
    if !user.mfa_enabled {
        return Err(AppError::invalid_field("code", "Two-factor sign-in is not on."));
    }
    check_proof(state, caller, proof, "password", address_of(device)).await?;
    if !accept_code(state, user, code, device).await? {
        return Err(AppError::invalid_field("code", "That code is not right."));
    }
    Ok(())
}

/// Checks a TOTP or recovery code of `user` under the code throttle, using it up when right (a
/// recovery code used mails its owner a notice).
pub(super) async fn accept_code(
    state: &AppState,
    user: &PublicUser,
    code: &str,
    device: &Device,
) -> Result<bool> {
    let code = code.trim();
    // `Some(true)`: a recovery code was used up.
    let accepted = counted(state, user, address_of(device), async {
        if code.len() == totp::DIGITS as usize {
            Ok(accept_totp(state, user.id, code).await?.map(|()| false))
        } else {
            Ok(accept_recovery(state, user.id, code).await?.then_some(true))
        }
    })
    .await?;
    if accepted == Some(true) {
        let mut tx = state.pool.begin().await?;
        let mut event = Event::new(AuditEvent::MfaRecoveryCodeUsed).on(user);
        if let Some(address) = device.address {
            event = event.from(address);
        }
        event.record(&mut *tx).await?;
        lifecycle::notify(&mut tx, &state.mailer, Notice::RecoveryCodeUsed, user, device).await?;
        tx.commit().await?;
        state.mailer.wake();
    }
    Ok(accepted.is_some())
}

/// Runs `check` (`Some` when the code was right) under a slot of the code throttle: refused with
/// 429 when too many codes of `user` were wrong lately; a wrong code keeps its slot, a right one
/// gives it back with the failures of this address.
pub(super) async fn counted<T>(
    state: &AppState,
    user: &PublicUser,
    address: IpAddr,
    check: impl Future<Output = Result<Option<T>>>,
) -> Result<Option<T>> {
    let key = ThrottleKey::account(user.id);
    let slot = match state.throttle.take(&state.pool, Scope::Mfa, &key, address).await? {
        Slot::Taken(slot) => slot,
        Slot::Refused { retry_after } => {
            Event::new(AuditEvent::MfaThrottled)
                .on(user)
                .from(address)
                .folded(key.as_str(), state.throttle.mfa.window)
                .record(&state.pool)
                .await?;
            return Err(AppError::TooManyAttempts { retry_after });
        }
    };
    let outcome = match check.await {
        Ok(outcome) => outcome,
        Err(err) => {
            state.throttle.failed(&state.pool, slot).await?;
            return Err(err);
        }
    };
    if outcome.is_some() {
        state.throttle.succeeded(&state.pool, Scope::Mfa, &key, address, slot).await?;
    } else {
        state.throttle.failed(&state.pool, slot).await?;
        Event::new(AuditEvent::MfaFailed)
            .on(user)
            .from(address)
            .folded(key.as_str(), state.throttle.mfa.window)
            .record(&state.pool)
            .await?;
    }
    Ok(outcome)
}

async fn accept_totp(state: &AppState, user: Uuid, code: &str) -> Result<Option<()>> {
    let Some(row) = sqlx::query!(
        "select ciphertext, nonce, last_used_step from mfa_secrets where user_id = $1 and enabled_at is not null",
        user,
    )
    .fetch_optional(&state.pool)
    .await?
    else {
        return Ok(None);
    };
    let secret = state.key.open(&row.ciphertext, &row.nonce)?;
    let last_used = u64::try_from(row.last_used_step).unwrap_or(0);
    let Some(step) = totp::matching_step(&secret, code, now_step(), last_used) else {
        return Ok(None);
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
    Ok((done.rows_affected() == 1).then_some(()))
}

async fn accept_recovery(state: &AppState, user: Uuid, code: &str) -> Result<bool> {
    let normalised = code.to_lowercase();
    if normalised.len() > 32 {
        return Ok(false);
    }
    // Codes made before they were stored as MACs are plain SHA-256: both are looked for.
    let hashes = [recovery_hash(&state.key, user, &normalised), sha256(&normalised)];
    let done = sqlx::query!(
        "update mfa_recovery_codes set used_at = now() where user_id = $1 and hash = any($2) and used_at is null",
        user,
        &hashes[..],
    )
    .execute(&state.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
