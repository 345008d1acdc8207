//! The password (or a passkey) asked again before a change: a stolen access token must not become
//! a way to change the account, nor to guess the password. Each password check is throttled like a
//! sign-in (a slot taken before bcrypt runs, given back when the password is right) and audited; a
//! passkey is checked through a ceremony of its own (`factors::webauthn`).

use std::net::IpAddr;

use super::users;
use crate::error::{AppError, Result};
use crate::model::AuditEvent;
use crate::requests::Proof;
use crate::ssr::factors::webauthn;
use crate::ssr::guard::audit::Event;
use crate::ssr::guard::throttle::{Scope, Slot, ThrottleKey};
use crate::ssr::session::caller::AuthUser;
use crate::ssr::state::AppState;
use crate::validation::signin_password_error;

/// How a password check is audited: at a password change, or for another change.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// The current password at a password change.
    PasswordChange,
    /// The password another change asks for (a change of address or factor, a deletion).
    Other,
}

impl Check {
    fn failed(self) -> AuditEvent {
        match self {
            Check::PasswordChange => AuditEvent::PasswordChangeFailed,
            Check::Other => AuditEvent::PasswordCheckFailed,
        }
    }

    fn throttled(self) -> AuditEvent {
        match self {
            Check::PasswordChange => AuditEvent::PasswordChangeThrottled,
            Check::Other => AuditEvent::PasswordCheckThrottled,
        }
    }
}

/// Checks the caller's password, named `field` in the answer, with the sign-in throttle: a slot
/// is taken before bcrypt runs and given back when the password is right.
///
/// # Errors
/// `Validation` naming `field` (empty or wrong); `TooManyAttempts`; `Internal`.
pub async fn check_password(
    state: &AppState,
    caller: &AuthUser,
    password: &str,
    field: &str,
    address: IpAddr,
) -> Result<()> {
    checked(state, caller, password, field, address, Check::Other).await
}

/// Checks how the caller confirmed a change: the password (named `field` in the answer), or one of
/// their passkeys asked again.
///
/// # Errors
/// `Validation` naming `field` or `passkey`; `TooManyAttempts`; `Internal`.
pub async fn check_proof(
    state: &AppState,
    caller: &AuthUser,
    proof: &Proof,
    field: &str,
    address: IpAddr,
) -> Result<()> {
    match proof {
        Proof::Password(password) => check_password(state, caller, password, field, address).await,
        Proof::Passkey(passkey) => {
            webauthn::check_reauth(state, caller.user.id, passkey.ceremony, &passkey.credential).await
        }
    }
}

/// [`check_password`], audited as `check` says.
///
/// # Errors
/// As [`check_password`].
pub async fn checked(
    state: &AppState,
    caller: &AuthUser,
    password: &str,
    field: &str,
    address: IpAddr,
    check: Check,
) -> Result<()> {
    let user = &caller.user;
    if password.is_empty() {
        return Err(AppError::invalid_field(field, "Enter your current password."));
    }
    let key = ThrottleKey::account(user.id);
    let event = |kind| Event::new(kind).by(user).on(user).from(address);
    let slot = match state.throttle.take(&state.pool, Scope::Signin, &key, address).await? {
        Slot::Taken(slot) => slot,
        Slot::Refused { retry_after } => {
            let window = state.throttle.signin.window;
            event(check.throttled()).folded(key.as_str(), window).record(&state.pool).await?;
            return Err(AppError::TooManyAttempts { retry_after });
        }
    };
    // Over-long cannot be right (no such password is stored): counted like any wrong one, unhashed.
    let right = signin_password_error(password).is_none() && {
        let verified = async {
            match users::password_hash(&state.pool, user.id).await? {
                Some(hash) => state.hasher.verify(password.to_owned(), hash).await,
                // No password to check: wrong, at the same cost.
                None => state.hasher.verify_dummy(password.to_owned()).await.map(|()| false),
            }
        };
        match verified.await {
            Ok(right) => right,
            Err(err) => {
                state.throttle.failed(&state.pool, slot).await?;
                return Err(err);
            }
        }
    };
    if right {
        state.throttle.succeeded(&state.pool, Scope::Signin, &key, address, slot).await
    } else {
        // The slot stays: it is this failure's record.
        state.throttle.failed(&state.pool, slot).await?;
        event(check.failed()).record(&state.pool).await?;
        Err(AppError::invalid_field(field, "The current password is not right."))
    }
}
