//! The account service: sign-up and the boards (sign-in and sign-out are in `signin.rs`, what an
//! owner changes in `profile.rs`). REST handlers and server functions both call these functions, so
//! the two APIs cannot drift apart.
//!
//! Every path answers the cheap refusals first (malformed input, a taken username, a throttle) and
//! only then spends bcrypt work, and every password check takes its throttle slot before it runs.

use std::net::IpAddr;

use super::policy::common_password_error;
use super::settings::SignupPolicy;
use super::users;
use crate::error::{AppError, Result};
use crate::model::{AuditEvent, BoardContent, PublicUser};
use crate::requests::SignupRequest;
use crate::roles::{Board, Role};
use crate::ssr::guard::audit::Event;
use crate::ssr::guard::throttle::{Scope, Slot, ThrottleKey};
use crate::ssr::recovery::verification;
use crate::ssr::session::caller::AuthUser;
use crate::ssr::state::AppState;
use crate::validation::{FieldErrors, SignupForm, ValidSignup, validate_signup};

/// Whether `actor` may give new accounts the `pm` or `admin` role under `policy`: an admin who may
/// use admin powers now (not one who must set up two-factor sign-in first).
pub fn may_choose_roles(policy: SignupPolicy, actor: Option<&AuthUser>) -> bool {
    policy == SignupPolicy::Open || actor.is_some_and(acts_as_admin)
}

/// An admin who may use admin powers now (`REQUIRE_2FA_FOR_ADMINS` is met).
fn acts_as_admin(actor: &AuthUser) -> bool {
    actor.user.has(Role::Admin) && !actor.must_set_up_mfa
}

/// Creates an account on behalf of `actor` (none for a self-signup), applying the role policy and,
/// for anyone but an admin, the per-address sign-up limit.
///
/// # Errors
/// `Validation` (every bad or mistyped field), `RoleNotAllowed` (pm/admin asked without the right),
/// `RateLimited` (too many sign-ups from this address), `UsernameTaken`/`EmailTaken`, or `Internal`.
pub async fn sign_up(
    state: &AppState,
    request: SignupRequest,
    actor: Option<&AuthUser>,
    address: IpAddr,
) -> Result<PublicUser> {
    let (form, type_errors) = request.read();
    let signup = validate(&form, type_errors)?;
    if signup.roles.iter().any(|role| role.is_privileged()) && !may_choose_roles(state.signup, actor) {
        // An admin kept from admin powers until they set up two-factor sign-in hears why.
        if actor.is_some_and(|actor| actor.user.has(Role::Admin) && actor.must_set_up_mfa) {
            return Err(AppError::MfaSetupRequired);
        }
        return Err(AppError::RoleNotAllowed);
    }
    let by_admin = actor.is_some_and(acts_as_admin);
    if !by_admin {
        // Counted whatever the outcome, a taken username included: the limit also bounds how fast
        // one address can probe which usernames exist.
        let slot = state.throttle.take(&state.pool, Scope::Signup, &ThrottleKey::none(), address).await?;
        if let Slot::Refused { retry_after } = slot {
            let window = state.throttle.signup.window;
            Event::new(AuditEvent::SignupThrottled)
                .from(address)
                .folded(&address.to_string(), window)
                .record(&state.pool)
                .await?;
            return Err(AppError::rate_limited("sign-ups from your network", retry_after));
        }
    }
    users::ensure_available(&state.pool, &signup.username, &signup.email).await?;
    insert(state, &signup, actor.map(|actor| &actor.user), false).await
}

/// Creates an account with exactly the requested roles, without the role policy or limits, its
/// address verified: for the operator's command line, which already holds the database.
///
/// # Errors
/// As [`sign_up`], without `RoleNotAllowed` and `RateLimited`.
pub async fn create(state: &AppState, form: &SignupForm) -> Result<PublicUser> {
    let signup = validate(form, FieldErrors::new())?;
    users::ensure_available(&state.pool, &signup.username, &signup.email).await?;
    insert(state, &signup, None, true).await
}

/// The shared rules plus the server-only common-password list, all fields reported at once:
/// fields of the wrong type (their message wins: it is the cause) and every other problem.
fn validate(form: &SignupForm, type_errors: FieldErrors) -> Result<ValidSignup> {
    let (valid, mut problems) = match validate_signup(form) {
        Ok(valid) => (Some(valid), FieldErrors::new()),
        Err(problems) => (None, problems),
    };
    if let Some(message) = common_password_error(&form.password) {
        problems.entry("password".to_owned()).or_insert(message);
    }
    problems.extend(type_errors);
    match valid {
        Some(valid) if problems.is_empty() => Ok(valid),
        _ => Err(problems.into()),
    }
}

/// Hashes, then writes the account, its audit entry and (unless `verified`) its verification mail
/// in one transaction.
async fn insert(
    state: &AppState,
    signup: &ValidSignup,
    actor: Option<&PublicUser>,
    verified: bool,
) -> Result<PublicUser> {
    let hash = state.hasher.hash(signup.password.clone()).await?;
    let mut tx = state.pool.begin().await?;
    let user = users::insert(&mut tx, signup, &hash, verified).await?;
    if !verified {
        verification::queue_verification(state, &mut tx, &user).await?;
    }
    let roles: Vec<&str> = user.roles.iter().map(|role| role.as_str()).collect();
    let mut event = Event::new(AuditEvent::AccountCreated).on(&user).detail(roles.join(","));
    if let Some(actor) = actor {
        event = event.by(actor);
    }
    event.record(&mut *tx).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user = %user.id, roles = ?user.roles, "account created");
    Ok(user)
}

/// The content of `board` for `caller`.
///
/// # Errors
/// `Forbidden` with the tutorial's message when the caller's roles are not enough.
pub fn open_board(caller: AuthUser, board: Board) -> Result<BoardContent> {
    caller.require(board)?;
    Ok(BoardContent { description: board.description().to_owned(), user: caller.user })
}
