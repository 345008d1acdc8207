//! Signing in and out: the password step (throttled before bcrypt runs), the sessions it starts,
//! and ending them: this one, one other, all others, or all.

use std::net::{IpAddr, Ipv4Addr};

use uuid::Uuid;

use super::caller::AuthUser;
use super::{refresh, store};
use crate::error::{AppError, Result};
use crate::model::{AuditEvent, SessionInfo, SigninOutcome};
use crate::requests::SigninRequest;
use crate::ssr::factors::two_factor;
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::{self, Event};
use crate::ssr::guard::throttle::{Scope, Slot, ThrottleKey};
use crate::ssr::identity::lifecycle::{self, Change, Changed};
use crate::ssr::identity::users;
use crate::ssr::recovery::verification;
use crate::ssr::state::AppState;
use crate::validation::{validate_signin, without_control};

/// Checks a username (or email) and password, and starts a session, or asks for the second factor
/// when the account uses two-factor sign-in.
///
/// # Errors
/// `Validation` for empty fields, and for over-long ones after counting them as failures;
/// `TooManyAttempts` when throttled; `InvalidCredentials` for an unknown account or a wrong
/// password, after the same bcrypt work either way; `AccountDisabled` for a right password on a
/// disabled account; `Internal` when the database or hashing fails.
pub async fn sign_in(state: &AppState, request: SigninRequest, device: &Device) -> Result<SigninOutcome> {
    let address = device.address.unwrap_or(Ipv4Addr::UNSPECIFIED.into());
    let (login, password, remember) = request.read()?;
    let (login, password) = (login.as_str(), password.as_str());
    if login.trim().is_empty() || password.is_empty() {
        return Err(validate_signin(login, password).err().unwrap_or_default().into());
    }
    // No account name holds a control character, so such a login is simply unknown; it must not
    // reach PostgreSQL, whose text type cannot hold NUL.
    let login = &without_control(login.trim());
    // Longer than any account's login or password: no account matches, but it is still an attempt.
    let too_long = validate_signin(login, password).err();
    let credentials = match too_long {
        None => users::find_credentials(&state.pool, login).await?,
        Some(_) => None,
    };
    let subject = credentials.as_ref().map(|found| found.account.user.clone());
    let key = subject
        .as_ref()
        .map_or_else(|| ThrottleKey::unknown_login(login), |user| ThrottleKey::account(user.id));
    let event = |kind| Event::new(kind).login(login).from(address).on_maybe(subject.as_ref());

    // Every attempt from an address counts, right passwords too: a right password gives its slot
    // below back, so without this one address could keep the bcrypt workers busy for everyone.
    if let Slot::Refused { retry_after } =
        state.throttle.take(&state.pool, Scope::SigninAttempt, &ThrottleKey::none(), address).await?
    {
        let window = state.throttle.signin_attempts.window;
        event(AuditEvent::SigninThrottled).folded(&address.to_string(), window).record(&state.pool).await?;
        audit::count_signin("throttled");
        return Err(AppError::TooManyAttempts { retry_after });
    }
    let slot = match state.throttle.take(&state.pool, Scope::Signin, &key, address).await? {
        Slot::Taken(slot) => slot,
        Slot::Refused { retry_after } => {
            let window = state.throttle.signin.window;
            event(AuditEvent::SigninThrottled).folded(key.as_str(), window).record(&state.pool).await?;
            audit::count_signin("throttled");
            return Err(AppError::TooManyAttempts { retry_after });
        }
    };
    if let Some(fields) = too_long {
        state.throttle.failed(&state.pool, slot).await?;
        event(AuditEvent::SigninFailed).detail("input too long").record(&state.pool).await?;
        audit::count_signin("invalid_input");
        return Err(fields.into());
    }
    // An unknown account, or one without a password (created with a passkey), costs the same
    // bcrypt work as a wrong password, and is refused the same way.
    let checked = match credentials.as_ref().and_then(|found| found.password_hash.clone()) {
        Some(hash) => state.hasher.verify(password.to_owned(), hash).await,
        None => state.hasher.verify_dummy(password.to_owned()).await.map(|()| false),
    };
    let matches = match checked {
        Ok(matches) => matches,
        Err(err) => {
            state.throttle.failed(&state.pool, slot).await?;
            return Err(err);
        }
    };
    let Some(account) = credentials.filter(|_| matches).map(|found| found.account) else {
        // The slot stays: it is this failure's record.
        state.throttle.failed(&state.pool, slot).await?;
        event(AuditEvent::SigninFailed).record(&state.pool).await?;
        audit::count_signin("invalid_credentials");
        return Err(AppError::InvalidCredentials);
    };
    state.throttle.succeeded(&state.pool, Scope::Signin, &key, address, slot).await?;
    if account.disabled {
        event(AuditEvent::SigninFailed).detail("account disabled").record(&state.pool).await?;
        audit::count_signin("account_disabled");
        return Err(AppError::AccountDisabled);
    }
    if !verification::may_sign_in(state, &account) {
        event(AuditEvent::SigninFailed).detail("email not verified").record(&state.pool).await?;
        audit::count_signin("email_not_verified");
        return Err(AppError::EmailNotVerified);
    }
    if account.user.mfa_enabled {
        event(AuditEvent::SigninSucceeded)
            .detail("password right, second factor asked")
            .record(&state.pool)
            .await?;
        return two_factor::challenge(state, &account, remember, device).await;
    }
    event(AuditEvent::SigninSucceeded).record(&state.pool).await?;
    refresh::start(state, account, remember, device).await.map(SigninOutcome::Session)
}

/// Counts a sign-in's outcome (metric `signin_total`).
pub fn outcome(outcome: &'static str) {
    metrics::counter!("signin_total", "outcome" => outcome).increment(1);
}

/// Ends the caller's current session: every token it issued stops working at once.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn sign_out(state: &AppState, caller: &AuthUser, address: IpAddr) -> Result<()> {
    store::end(&state.pool, caller.user.id, caller.session(), "signed out").await?;
    Event::new(AuditEvent::SignedOut)
        .by(&caller.user)
        .on(&caller.user)
        .from(address)
        .record(&state.pool)
        .await
}

/// Ends every session of the caller, this one included, and voids every mailed link and pending
/// challenge of the account.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn sign_out_everywhere(state: &AppState, caller: &AuthUser, device: &Device) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    users::bump_token_version(&mut *tx, caller.user.id).await?;
    let changed = Changed { user: &caller.user, by: None, device, session: None };
    lifecycle::record(&mut tx, &state.mailer, Change::SignedOutEverywhere, changed).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the caller but this one.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn sign_out_others(state: &AppState, caller: &AuthUser, address: IpAddr) -> Result<u64> {
    let ended =
        store::end_all(&state.pool, caller.user.id, Some(caller.session()), "signed out elsewhere").await?;
    // Folded per owner and hour: repeating it must not bury the log.
    Event::new(AuditEvent::SessionEnded)
        .by(&caller.user)
        .on(&caller.user)
        .from(address)
        .detail("the other sessions")
        .folded(&caller.user.id.to_string(), std::time::Duration::from_secs(60 * 60))
        .record(&state.pool)
        .await?;
    Ok(ended)
}

/// Ends one of the caller's sessions (another device's, or this one).
///
/// # Errors
/// `NotFound` for a session that is not the caller's or not live; `Internal`.
pub async fn end_session(state: &AppState, caller: &AuthUser, session: Uuid, address: IpAddr) -> Result<()> {
    if !store::end(&state.pool, caller.user.id, session, "signed out from another session").await? {
        return Err(AppError::NotFound);
    }
    Event::new(AuditEvent::SessionEnded)
        .by(&caller.user)
        .on(&caller.user)
        .from(address)
        .detail(session.to_string())
        .record(&state.pool)
        .await
}

/// The caller's live sessions.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn list_sessions(state: &AppState, caller: &AuthUser) -> Result<Vec<SessionInfo>> {
    store::list(&state.pool, caller.user.id, caller.session()).await
}
