//! Two-factor sign-in with TOTP codes (RFC 6238) and single-use recovery codes.
//!
//! The secret is kept sealed under the server key, so a copy of the database does not give anyone
//! the codes. Set-up stores a pending secret; turning it on takes the password and the first right
//! code, and hands out ten recovery codes, shown once and stored as their SHA-256. At sign-in a
//! right password then only yields a challenge; the code goes with it to the second step.
//!
//! Every code, wherever it is checked (the second sign-in step, turning it on or off, new recovery
//! codes), is counted in a throttle scope of its own ([`Scope::Mfa`]): a right password never buys
//! more code guesses, only a right code forgives wrong ones. A challenge dies after
//! [`CHALLENGE_MAX_FAILURES`] wrong codes, so the password is needed again. Turning it on or off,
//! new recovery codes and an admin's reset are credential changes (see `identity::lifecycle`).

use std::time::Duration;

use uuid::Uuid;

use super::codes::{accept_code, address_of, confirm_with_code, counted, now_step, recovery_hash, sha256};
use super::totp;
use crate::error::{AppError, Result};
use crate::model::{AdminUser, AuditEvent, MfaSetup, Session, SigninOutcome};
use crate::requests::Confirmation;
use crate::roles::Board;
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::{self, Event};
use crate::ssr::identity::lifecycle::{self, Change, Changed};
use crate::ssr::identity::users::{self, Account};
use crate::ssr::secrets::{ServerKey, hex};
use crate::ssr::session::caller::AuthUser;
use crate::ssr::session::refresh;
use crate::ssr::state::AppState;

/// How long the second step may wait after a right password.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(300);
/// Wrong codes a challenge survives: the next one ends it.
pub const CHALLENGE_MAX_FAILURES: i16 = 3;
/// Recovery codes handed out when two-factor sign-in is enabled.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show.
const ISSUER: &str = "Rust Auth";

/// `POST /api/auth/2fa/setup`: a new pending secret (replacing one not yet enabled).
///
/// # Errors
/// `Validation` when two-factor sign-in is already on; `Internal`.
pub async fn setup(state: &AppState, caller: &AuthUser) -> Result<MfaSetup> {
    let user = &caller.user;
    if user.mfa_enabled {
        return Err(AppError::invalid_field("code", "Two-factor sign-in is already on. Turn it off first."));
    }
    let secret: [u8; 20] = rand::random();
    let (ciphertext, nonce) = state.key.seal(&secret)?;
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

/// `POST /api/auth/2fa/enable`: the password and the first right code turn two-factor sign-in on;
/// returns the recovery codes (the only time they are shown). Every other session ends.
///
/// # Errors
/// `Validation` naming `password` or `code` (wrong, or no set-up started); `TooManyAttempts`;
/// `Internal`.
pub async fn enable(
    state: &AppState,
    caller: &AuthUser,
    confirm: &Confirmation,
    device: &Device,
) -> Result<Vec<String>> {
    let Confirmation { proof, code } = confirm;
    let user = &caller.user;
    let address = address_of(device);
    if user.mfa_enabled {
        return Err(AppError::invalid_field("code", "Two-factor sign-in is already on."));
    }
    let pending = sqlx::query!(
        "select ciphertext, nonce, last_used_step from mfa_secrets where user_id = $1 and enabled_at is null",
        user.id,
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(|| AppError::invalid_field("code", "Start the set-up first."))?;
    // A factor the account already has (a passkey), or, for its first factor, the password.
    super::step_up::check(state, caller, proof, None, device).await?;
    let secret = state.key.open(&pending.ciphertext, &pending.nonce)?;
    let last_used = u64::try_from(pending.last_used_step).unwrap_or(0);
    let step = counted(state, user, address, async {
        Ok(totp::matching_step(&secret, code, now_step(), last_used))
    })
    .await?
    .ok_or_else(|| {
        AppError::invalid_field("code", "That code is not right. Type the six digits your app shows now.")
    })?;
    let codes = new_recovery_codes();
    let mut tx = state.pool.begin().await?;
    // Only the secret the code was checked against, and only once: a set-up restarted meanwhile
    // (perhaps by someone else with this session) or a second enable at the same moment changes
    // nothing.
    let enabled = sqlx::query!(
        r#"
        update mfa_secrets set enabled_at = now(), last_used_step = $2
        where user_id = $1 and enabled_at is null and ciphertext = $3 and last_used_step < $2
        "#,
        user.id,
        i64::try_from(step).unwrap_or(i64::MAX),
        pending.ciphertext,
    )
    .execute(&mut *tx)
    .await?;
    if enabled.rows_affected() != 1 {
        return Err(AppError::invalid_field(
            "code",
            "The set-up changed while this code was checked. Start the set-up again.",
        ));
    }
    store_recovery_codes(&mut tx, &state.key, user.id, &codes).await?;
    // This session has just proved the password and a code: it counts as signed in with both.
    sqlx::query!("update sessions set second_factor = true where id = $1", caller.session())
        .execute(&mut *tx)
        .await?;
    let changed = Changed { user, by: None, device, session: Some(caller.session()) };
    lifecycle::record(&mut tx, &state.mailer, Change::MfaEnabled, changed).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(codes)
}

/// Ten fresh recovery codes.
fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES).map(|_| recovery_code()).collect()
}

/// Replaces the account's recovery codes with `codes` (stored as MACs under the server key).
async fn store_recovery_codes(
    conn: &mut sqlx::PgConnection,
    key: &ServerKey,
    user: Uuid,
    codes: &[String],
) -> Result<()> {
    let hashes: Vec<Vec<u8>> = codes.iter().map(|code| recovery_hash(key, user, code)).collect();
    sqlx::query!("delete from mfa_recovery_codes where user_id = $1", user).execute(&mut *conn).await?;
    sqlx::query!(
        "insert into mfa_recovery_codes (user_id, hash) select $1, unnest($2::bytea[])",
        user,
        &hashes,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A recovery code: ten characters from an alphabet without look-alikes, as `xxxxx-xxxxx`.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes: [u8; 10] = rand::random();
    let chars: String =
        bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Checks the password, then a code of the caller's: what a change of the second factor asks.
async fn reauthenticate(
    state: &AppState,
    caller: &AuthUser,
    confirm: &Confirmation,
    device: &Device,
) -> Result<()> {
    let Confirmation { proof, code } = confirm;
    confirm_with_code(state, caller, proof, code, device).await
}

/// `POST /api/auth/2fa/disable`: turns two-factor sign-in off, after the password and a code.
/// Every other session ends.
///
/// # Errors
/// `Validation` naming `password` or `code`; `TooManyAttempts`; `Internal`.
pub async fn disable(
    state: &AppState,
    caller: &AuthUser,
    confirm: &Confirmation,
    device: &Device,
) -> Result<()> {
    reauthenticate(state, caller, confirm, device).await?;
    let user = &caller.user;
    let mut tx = state.pool.begin().await?;
    remove(&mut tx, user.id).await?;
    let changed = Changed { user, by: None, device, session: Some(caller.session()) };
    lifecycle::record(&mut tx, &state.mailer, Change::MfaDisabled, changed).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// `POST /api/auth/2fa/recovery-codes`: after the password and a code, ten new recovery codes
/// replace the old ones (shown once). Every other session ends.
///
/// # Errors
/// `Validation` naming `password` or `code`; `TooManyAttempts`; `Internal`.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    caller: &AuthUser,
    confirm: &Confirmation,
    device: &Device,
) -> Result<Vec<String>> {
    reauthenticate(state, caller, confirm, device).await?;
    let user = &caller.user;
    let codes = new_recovery_codes();
    let mut tx = state.pool.begin().await?;
    store_recovery_codes(&mut tx, &state.key, user.id, &codes).await?;
    let changed = Changed { user, by: None, device, session: Some(caller.session()) };
    lifecycle::record(&mut tx, &state.mailer, Change::RecoveryCodesReplaced, changed).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(codes)
}

async fn remove(tx: &mut sqlx::PgConnection, user: Uuid) -> Result<()> {
    sqlx::query!("delete from mfa_secrets where user_id = $1", user).execute(&mut *tx).await?;
    sqlx::query!("delete from mfa_recovery_codes where user_id = $1", user).execute(&mut *tx).await?;
    crate::ssr::session::changes::note();
    Ok(())
}

/// `DELETE /api/admin/users/{id}/2fa`: an admin turns a user's two-factor sign-in off (a lost
/// phone). Every session of the user ends. Admins turn their own off like everyone else, with the
/// password and a code.
///
/// # Errors
/// `Forbidden` for a non-admin and for the caller's own account; `NotFound`; `Internal`.
pub async fn admin_reset(
    state: &AppState,
    caller: &AuthUser,
    target: Uuid,
    device: &Device,
) -> Result<AdminUser> {
    caller.require(Board::Admin)?;
    if target == caller.user.id {
        return Err(AppError::Forbidden {
            message: "Turn your own two-factor sign-in off from your profile, with your password and a code."
                .to_owned(),
        });
    }
    // Under the admin lock, with the caller read again: an admin demoted or signed out while this
    // request waited cannot act.
    let mut tx = crate::ssr::admin::locked(state, caller).await?;
    let account = users::find(&mut *tx, target).await?;
    remove(&mut tx, target).await?;
    let changed = Changed { user: &account.user, by: Some(&caller.user), device, session: None };
    lifecycle::record(&mut tx, &state.mailer, Change::MfaReset, changed).await?;
    let after = users::find(&mut *tx, target).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(after.into())
}

/// After a right password for an account with two-factor sign-in: the challenge for step two,
/// issued under the account's security stamp.
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
    // Under the stamp the password was checked under, and only while it holds.
    let issued = sqlx::query!(
        r#"
        insert into mfa_challenges (hash, user_id, remember, user_agent, expires_at, stamp)
        select $1, id, $3, $4, now() + make_interval(secs => $5), security_stamp
        from users where id = $2 and security_stamp = $6 and disabled_at is null
        "#,
        sha256(&challenge),
        account.user.id,
        remember,
        device.user_agent,
        CHALLENGE_TTL.as_secs_f64(),
        account.stamp,
    )
    .execute(&state.pool)
    .await?;
    if issued.rows_affected() != 1 {
        return Err(AppError::unauthorized(
            "Your password or sign-in settings changed while you were signing in. Sign in again.",
        ));
    }
    Ok(SigninOutcome::MfaRequired { challenge, expires_in: CHALLENGE_TTL.as_secs() })
}

/// `POST /api/auth/2fa/verify`: the second step of a sign-in, with a TOTP or a recovery code.
///
/// Each attempt first reserves one of the challenge's [`CHALLENGE_MAX_FAILURES`] tries, atomically,
/// so however many requests carry one challenge at once, at most that many codes are checked
/// with it.
///
/// # Errors
/// `Unauthorized` for an unknown, used, expired or outdated challenge (a credential changed since
/// the password was checked), or one ended by wrong codes; `InvalidCode`; `TooManyAttempts`;
/// `AccountDisabled`; `Internal`.
pub async fn verify(state: &AppState, challenge: &str, code: &str, device: &Device) -> Result<Session> {
    let expired = || AppError::unauthorized("This sign-in step has expired. Sign in again.");
    if challenge.len() != 64 {
        return Err(expired());
    }
    let hash = sha256(challenge);
    let found = sqlx::query!(
        r#"
        update mfa_challenges c set failures = c.failures + 1
        from users u
        where u.id = c.user_id and c.hash = $1 and c.used_at is null and c.expires_at > now()
          and c.stamp = u.security_stamp and c.failures < $2
        returning c.user_id, c.remember, c.stamp
        "#,
        hash,
        CHALLENGE_MAX_FAILURES,
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(expired)?;
    let mut account = users::find(&state.pool, found.user_id).await?;
    let accepted = match accept_code(state, &account.user, code, device).await {
        Ok(accepted) => accepted,
        Err(err) => {
            // Refused before any code was checked (throttled): the try is given back.
            sqlx::query!(
                "update mfa_challenges set failures = failures - 1 where hash = $1 and used_at is null and failures > 0",
                hash,
            )
            .execute(&state.pool)
            .await?;
            return Err(err);
        }
    };
    if !accepted {
        // The last try ends the challenge: the password is needed again.
        sqlx::query!(
            "update mfa_challenges set used_at = now() where hash = $1 and used_at is null and failures >= $2",
            hash,
            CHALLENGE_MAX_FAILURES,
        )
        .execute(&state.pool)
        .await?;
        audit::count_signin("invalid_code");
        return Err(AppError::InvalidCode);
    }
    let used = sqlx::query!(
        r#"
        update mfa_challenges c set used_at = now()
        from users u
        where u.id = c.user_id and c.hash = $1 and c.used_at is null and c.stamp = u.security_stamp
        "#,
        hash,
    )
    .execute(&state.pool)
    .await?;
    if used.rows_affected() != 1 {
        return Err(expired()); // the same challenge answered twice at once: only the first signs in
    }
    if account.disabled {
        return Err(AppError::AccountDisabled);
    }
    let mut event = Event::new(AuditEvent::SigninSucceeded).on(&account.user).detail("with a second factor");
    if let Some(address) = device.address {
        event = event.from(address);
    }
    event.record(&state.pool).await?;
    audit::count_signin("signed_in_with_second_factor");
    // The session starts only under the stamp the password was checked under.
    account.stamp = found.stamp;
    refresh::start_with_second_factor(state, account, found.remember, device).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_look_alike_and_differ() {
        let (a, b) = (recovery_code(), recovery_code());
        assert_eq!(a.len(), 11);
        assert_eq!(a.as_bytes()[5], b'-');
        assert_ne!(a, b);
    }
}
