//! Forgotten passwords: a reset link by mail, and setting a new password with it.
//!
//! Asking for a link answers the same (202, same body) whether the address belongs to an account or
//! not, and in the same time: the lookup and the mail happen after the answer, in the background.
//! Asking is limited per address and per email. A link works once, for `PASSWORD_RESET_TTL_SECS`;
//! using it ends every session of the account.

use std::net::IpAddr;

use uuid::Uuid;

use super::links::{self, Follow, Purpose};
use super::mail::templates;
use crate::error::{AppError, Result};
use crate::model::AuditEvent;
use crate::requests::{Field, PasswordResetRequest, Reader};
use crate::roles::Board;
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::Event;
use crate::ssr::guard::throttle::{Scope, Slot, ThrottleKey};
use crate::ssr::identity::lifecycle::{self, Change, Changed};
use crate::ssr::identity::policy::common_password_error;
use crate::ssr::identity::users;
use crate::ssr::session::caller::AuthUser;
use crate::ssr::state::AppState;
use crate::validation::{email_error, password_error, password_matches_identity};

/// Takes a slot for one more mail to `email` from `address`.
///
/// # Errors
/// `RateLimited` when too many were asked for; `Internal`.
pub async fn take_mail_slot(state: &AppState, email: &str, address: IpAddr) -> Result<()> {
    let key = ThrottleKey::email(email);
    match state.throttle.take(&state.pool, Scope::Mail, &key, address).await? {
        Slot::Taken(_) => Ok(()),
        Slot::Refused { retry_after } => Err(AppError::rate_limited("emails asked for", retry_after)),
    }
}

/// Reads and checks an email address field.
///
/// # Errors
/// `Validation` naming `email`.
pub fn read_email(field: Field<String>) -> Result<String> {
    let mut reader = Reader::default();
    let email = reader.text("email", "Email", field);
    reader.finish(())?;
    match email_error(&email) {
        Some(message) => Err(AppError::invalid_field("email", message)),
        None => Ok(email.trim().to_owned()),
    }
}

/// `POST /api/auth/password/forgot`: mails a reset link if `email` belongs to an active account.
///
/// # Errors
/// `Validation` for a malformed address, `RateLimited`; never anything that depends on whether an
/// account uses the address.
pub async fn forgot_password(state: &AppState, email: Field<String>, address: IpAddr) -> Result<()> {
    let email = read_email(email)?;
    take_mail_slot(state, &email, address).await?;
    let state = state.clone();
    // After the answer: its timing must not tell whether the address is known.
    // Failures are logged where they happen; the asker hears nothing either way.
    tokio::spawn(async move {
        if let Ok(Some(account)) = users::find_by_email(&state.pool, &email).await
            && !account.disabled
        {
            let _ = send_reset(&state, account.user.id, None, address).await;
        }
    });
    Ok(())
}

/// `POST /api/admin/users/{id}/password-reset`: an admin mails a user a reset link.
///
/// # Errors
/// `Forbidden` for a non-admin; `NotFound`; `Internal`.
pub async fn admin_send_reset(
    state: &AppState,
    caller: &AuthUser,
    user: Uuid,
    address: IpAddr,
) -> Result<()> {
    caller.require(Board::Admin)?;
    users::find(&state.pool, user).await?;
    send_reset(state, user, Some(caller), address).await
}

/// Issues a reset link for `user` and queues its mail, in one transaction.
async fn send_reset(state: &AppState, user: Uuid, by: Option<&AuthUser>, address: IpAddr) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    let account = users::find(&mut *tx, user).await?;
    let ttl = state.recovery.reset_ttl;
    // Bound to the address it goes to: once the account moves elsewhere, the link is void.
    let email = account.user.email.as_str();
    let token = links::issue(&mut tx, user, Purpose::PasswordReset, Some(email), ttl, None).await?;
    let link = state.mailer.link(&format!("/reset-password?token={token}"));
    let mail = templates::password_reset(&account.user.email, &account.user.name, &link, ttl);
    state.mailer.enqueue(&mut *tx, Some(user), &mail).await?;
    let mut event = Event::new(AuditEvent::PasswordResetRequested).on(&account.user).from(address);
    if let Some(admin) = by {
        event = event.by(&admin.user).detail("sent by an admin");
    }
    event.record(&mut *tx).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// `POST /api/auth/password/reset`: sets a new password with a link's token. Every session of the
/// account ends, every other mailed link and pending challenge is void, failed sign-ins against it
/// are forgotten (not failed codes: only a right code forgives those), the address counts as
/// verified (the link came to it), and a notice is mailed.
///
/// The passkeys go too when asked (`removePasskeys`: a lost device, or one someone else added), and
/// always when the address was not verified yet: whoever created the account with it may not be
/// the address's owner, who proves to be now, so nothing they attached (passkeys, two-factor
/// sign-in) may stay a way in.
///
/// # Errors
/// `Validation` naming `newPassword` (the password policy); `InvalidToken` for an unknown, used,
/// expired or void link; `Internal`.
pub async fn reset_password(state: &AppState, request: PasswordResetRequest, device: &Device) -> Result<()> {
    let (token, new_password, remove_passkeys) = request.read()?;
    if let Some(message) = password_error(&new_password) {
        return Err(AppError::invalid_field("newPassword", message));
    }
    let Some(link) = links::follow(&state.pool, &token, &[Purpose::PasswordReset], Follow::Peek).await?
    else {
        return Err(AppError::InvalidToken);
    };
    let account = users::find(&state.pool, link.user).await?;
    let problem = password_matches_identity(&new_password, &account.user.username, &account.user.email)
        .or_else(|| common_password_error(&new_password));
    if let Some(message) = problem {
        return Err(AppError::invalid_field("newPassword", message));
    }
    let hash = state.hasher.hash(new_password).await?;
    let mut tx = state.pool.begin().await?;
    // Two requests with one link: only the first uses it up.
    if links::follow(&mut *tx, &token, &[Purpose::PasswordReset], Follow::UseUp).await?.is_none() {
        return Err(AppError::InvalidToken);
    }
    users::set_password(&mut *tx, account.user.id, &hash).await?;
    users::mark_email_verified(&mut *tx, account.user.id, &account.user.email).await?;
    let squatted = !account.user.email_verified;
    if remove_passkeys || squatted {
        let removed = sqlx::query!("delete from passkeys where user_id = $1", account.user.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed > 0 {
            let detail = format!("{removed} removed by a password reset");
            Event::new(AuditEvent::PasskeyRemoved).on(&account.user).detail(&detail).record(&mut *tx).await?;
        }
    }
    if squatted {
        sqlx::query!("delete from mfa_secrets where user_id = $1", account.user.id).execute(&mut *tx).await?;
        sqlx::query!("delete from mfa_recovery_codes where user_id = $1", account.user.id)
            .execute(&mut *tx)
            .await?;
    }
    let changed = Changed { user: &account.user, by: None, device, session: None };
    lifecycle::record(&mut tx, &state.mailer, Change::PasswordReset, changed).await?;
    tx.commit().await?;
    state.mailer.wake();
    state.throttle.forgive_key(&state.pool, Scope::Signin, &ThrottleKey::account(account.user.id)).await?;
    Ok(())
}
