//! Email addresses proven by a link: verification at sign-up (and again on request), and the change
//! of address, which takes effect only once the new address is verified.
//!
//! Asking to change the address answers the same whether the new address is free or another
//! account's: a taken address gets a notice to its owner and no link, so the answer tells the asker
//! nothing. Requests are limited per account (`EMAIL_CHANGE_MAX_PER_HOUR`).

use std::net::IpAddr;

use sqlx::PgConnection;

use super::links::{self, Follow, Purpose};
use super::mail::templates;
use super::reset::{read_email, take_mail_slot};
use crate::error::{AppError, Result};
use crate::model::{AuditEvent, PublicUser};
use crate::requests::{EmailChangeRequest, Field, Reader};
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::Event;
use crate::ssr::guard::throttle::{Scope, Slot, ThrottleKey};
use crate::ssr::identity::lifecycle::{self, Change, Changed, Notice};
use crate::ssr::identity::reauth::check_proof;
use crate::ssr::identity::users::{self, Account};
use crate::ssr::session::caller::AuthUser;
use crate::ssr::state::AppState;

/// Issues a verification link for the account's current address and queues its mail, in the
/// caller's transaction (sign-up writes the account and its mail together). Call
/// `state.mailer.wake()` after the commit.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn queue_verification(state: &AppState, conn: &mut PgConnection, user: &PublicUser) -> Result<()> {
    let ttl = state.recovery.verify_ttl;
    let token = links::issue(conn, user.id, Purpose::EmailVerify, Some(&user.email), ttl, None).await?;
    let link = state.mailer.link(&format!("/verify-email?token={token}"));
    let mail = templates::verify_email(&user.email, &user.name, &link, ttl);
    state.mailer.enqueue(&mut *conn, Some(user.id), &mail).await
}

/// `POST /api/auth/email/verify`: follows a verification or change-of-address link. A change of
/// address is a credential change: every other link and pending challenge of the account is void.
///
/// # Errors
/// `InvalidToken` for an unknown, used, expired or void link, or one for an address the account no
/// longer has; `EmailTaken` when another account took the new address meanwhile; `Internal`.
pub async fn verify(state: &AppState, token: Field<String>, device: &Device) -> Result<PublicUser> {
    let mut reader = Reader::default();
    let token = reader.text("token", "Token", token);
    reader.finish(())?;
    let mut tx = state.pool.begin().await?;
    let Some(link) =
        links::follow(&mut *tx, &token, &[Purpose::EmailVerify, Purpose::EmailChange], Follow::UseUp).await?
    else {
        return Err(AppError::InvalidToken);
    };
    let email = link.email.unwrap_or_default();
    if link.purpose == Purpose::EmailChange {
        let before = users::find(&mut *tx, link.user).await?;
        users::change_email(&mut tx, link.user, &email).await?;
        let account = users::find(&mut *tx, link.user).await?;
        let changed = Changed { user: &account.user, by: None, device, session: None };
        lifecycle::record(&mut tx, &state.mailer, Change::EmailChanged, changed).await?;
        // The old address is told: it no longer receives the account's mail.
        lifecycle::notify(&mut tx, &state.mailer, Notice::EmailChanged, &before.user, device).await?;
        tx.commit().await?;
        state.mailer.wake();
        return Ok(account.user);
    }
    if !users::mark_email_verified(&mut *tx, link.user, &email).await? {
        return Err(AppError::InvalidToken); // the account has moved to another address since
    }
    let account = users::find(&mut *tx, link.user).await?;
    let mut event = Event::new(AuditEvent::EmailVerified).on(&account.user).detail(email);
    if let Some(address) = device.address {
        event = event.from(address);
    }
    event.record(&mut *tx).await?;
    tx.commit().await?;
    Ok(account.user)
}

/// `POST /api/auth/email/resend`: sends the verification link again. Signed in, for the caller
/// (409 when already verified); otherwise for the account with `email`, answered 202 whether there
/// is one or not, like a forgotten password.
///
/// # Errors
/// `AlreadyVerified`; `Validation` for a malformed address; `RateLimited`; `Internal`.
pub async fn resend(
    state: &AppState,
    caller: Option<&AuthUser>,
    email: Field<String>,
    address: IpAddr,
) -> Result<()> {
    if let Some(caller) = caller {
        if caller.user.email_verified {
            return Err(AppError::AlreadyVerified);
        }
        take_mail_slot(state, &caller.user.email, address).await?;
        return send_verification(state, &caller.user).await;
    }
    let email = read_email(email)?;
    take_mail_slot(state, &email, address).await?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Ok(Some(account)) = users::find_by_email(&state.pool, &email).await
            && !account.user.email_verified
            && !account.disabled
        {
            let _ = send_verification(&state, &account.user).await;
        }
    });
    Ok(())
}

async fn send_verification(state: &AppState, user: &PublicUser) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    queue_verification(state, &mut tx, user).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// `POST /api/auth/email/change`: after checking the password, mails a link to the new address and a
/// notice to the old one. Nothing changes until the link is followed. When another account has the
/// new address, its owner gets a notice instead. Either way the answer is the same and comes before
/// the lookup (its time tells nothing), like a forgotten password's.
///
/// # Errors
/// `Validation` naming `newEmail` or `password`; `TooManyAttempts` (password checks are throttled
/// like sign-ins); `RateLimited` (changes per account, mails per address); `Internal`.
pub async fn change(
    state: &AppState,
    caller: &AuthUser,
    request: EmailChangeRequest,
    address: IpAddr,
) -> Result<()> {
    let (proof, new_email) = request.read()?;
    let user = caller.user.clone();
    if let Some(message) = crate::validation::email_error(&new_email) {
        return Err(AppError::invalid_field("newEmail", message));
    }
    let new_email = new_email.trim().to_owned();
    if new_email.eq_ignore_ascii_case(&user.email) {
        return Err(AppError::invalid_field("newEmail", "That is already your address."));
    }
    // The stamp the password is checked under: the link is issued only while it holds.
    let stamp = users::find(&state.pool, user.id).await?.stamp;
    check_proof(state, caller, &proof, "password", address).await?;
    // Counted once the password is right: a stolen session alone cannot use up the owner's quota.
    let key = ThrottleKey::account(user.id);
    if let Slot::Refused { retry_after } =
        state.throttle.take(&state.pool, Scope::EmailChange, &key, address).await?
    {
        return Err(AppError::rate_limited("changes of address", retry_after));
    }
    take_mail_slot(state, &new_email, address).await?;
    let state = state.clone();
    // After the answer. Failures are logged where they happen.
    tokio::spawn(async move {
        if let Err(err) = send_change(&state, &user, &new_email, stamp, address).await {
            tracing::warn!(user = %user.id, error = %err, "the change-of-address mails were not queued");
        }
    });
    Ok(())
}

/// Queues the change-of-address mails: a link to the new address and a notice to the old one, or,
/// when another account has the address, a notice to its owner.
async fn send_change(
    state: &AppState,
    user: &PublicUser,
    new_email: &str,
    stamp: i64,
    address: IpAddr,
) -> Result<()> {
    let owner = users::find_by_email(&state.pool, new_email).await?;
    let mut tx = state.pool.begin().await?;
    let detail = match owner {
        Some(owner) => {
            let notice = templates::address_in_use_notice(&owner.user.email, &owner.user.name);
            state.mailer.enqueue(&mut *tx, Some(owner.user.id), &notice).await?;
            "an address another account uses: its owner was told".to_owned()
        }
        None => {
            let ttl = state.recovery.verify_ttl;
            let token =
                links::issue(&mut tx, user.id, Purpose::EmailChange, Some(new_email), ttl, Some(stamp))
                    .await?;
            let link = state.mailer.link(&format!("/verify-email?token={token}"));
            let confirm = templates::confirm_new_email(new_email, &user.name, &link, ttl);
            let notice = templates::email_change_notice(&user.email, &user.name, new_email);
            state.mailer.enqueue(&mut *tx, Some(user.id), &confirm).await?;
            state.mailer.enqueue(&mut *tx, Some(user.id), &notice).await?;
            new_email.to_owned()
        }
    };
    Event::new(AuditEvent::EmailChangeRequested)
        .by(user)
        .on(user)
        .from(address)
        .detail(detail)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Whether `account` may sign in under the verification policy.
pub fn may_sign_in(state: &AppState, account: &Account) -> bool {
    !state.recovery.require_verified_email || account.user.email_verified
}
