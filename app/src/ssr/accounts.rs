//! The account service: sign-up, sign-in, sign-out, password change and the boards. REST handlers
//! and server functions both call these functions, so the two APIs cannot drift apart.

use std::net::IpAddr;

use super::audit::Event;
use super::auth::AuthUser;
use super::policy::common_password_error;
use super::state::{AppState, SignupPolicy};
use super::throttle::account_key;
use super::users;
use crate::error::{AppError, Result};
use crate::model::{AuditEvent, BoardContent, PasswordChange, PublicUser, Session};
use crate::roles::{Board, Role};
use crate::validation::{
    FieldErrors, SignupForm, ValidSignup, password_error, password_matches_identity, validate_signin,
    validate_signup, without_control,
};

/// Whether `actor` may give new accounts the `pm` or `admin` role under `policy`.
pub fn may_choose_roles(policy: SignupPolicy, actor: Option<&AuthUser>) -> bool {
    policy == SignupPolicy::Open || actor.is_some_and(|actor| actor.user.has(Role::Admin))
}

/// Creates an account on behalf of `actor` (none for a self-signup), applying the role policy.
///
/// # Errors
/// `Validation` (every bad field), `RoleNotAllowed` (pm/admin asked without the right),
/// `UsernameTaken`/`EmailTaken`, or `Internal`.
pub async fn sign_up(state: &AppState, form: &SignupForm, actor: Option<&AuthUser>) -> Result<PublicUser> {
    let signup = validate(form)?;
    if signup.roles.iter().any(|role| role.is_privileged()) && !may_choose_roles(state.signup, actor) {
        return Err(AppError::RoleNotAllowed);
    }
    insert(state, &signup, actor.map(|actor| &actor.user)).await
}

/// Creates an account with exactly the requested roles, without the role policy: for the operator's
/// command line, which already holds the database.
///
/// # Errors
/// As [`sign_up`], without `RoleNotAllowed`.
pub async fn create(state: &AppState, form: &SignupForm) -> Result<PublicUser> {
    insert(state, &validate(form)?, None).await
}

/// The shared rules plus the server-only common-password list, all fields reported at once.
fn validate(form: &SignupForm) -> Result<ValidSignup> {
    let common = common_password_error(&form.password);
    match (validate_signup(form), common) {
        (Ok(valid), None) => Ok(valid),
        (Ok(_), Some(message)) => Err(AppError::invalid_field("password", message)),
        (Err(mut fields), common) => {
            if let Some(message) = common {
                fields.entry("password".to_owned()).or_insert(message);
            }
            Err(fields.into())
        }
    }
}

async fn insert(state: &AppState, signup: &ValidSignup, actor: Option<&PublicUser>) -> Result<PublicUser> {
    let hash = state.hasher.hash(signup.password.clone()).await?;
    let user = users::insert(&state.pool, signup, &hash).await?;
    let roles: Vec<&str> = user.roles.iter().map(|role| role.as_str()).collect();
    let mut event = Event::new(AuditEvent::AccountCreated).on(&user).detail(roles.join(","));
    if let Some(actor) = actor {
        event = event.by(actor);
    }
    event.record(&state.pool).await?;
    tracing::info!(user = %user.id, roles = ?user.roles, "account created");
    Ok(user)
}

/// Checks a username (or email) and password and issues a token.
///
/// # Errors
/// `Validation` for empty fields; `TooManyAttempts` when throttled; `InvalidCredentials` for an
/// unknown account or a wrong password, after the same bcrypt work either way; `AccountDisabled`
/// for a right password on a disabled account; `Internal` when the database or hashing fails.
pub async fn sign_in(state: &AppState, login: &str, password: &str, address: IpAddr) -> Result<Session> {
    validate_signin(login, password)?;
    // No account name holds a control character, so such a login is simply unknown; it must not
    // reach PostgreSQL, whose text type cannot hold NUL.
    let login = &without_control(login);
    let lookup = state.throttle.lookup(&state.pool, login, address).await?;
    let subject = lookup.account.as_ref().map(|account| account.user.clone());
    let event = |kind| {
        let event = Event::new(kind).login(login).from(address);
        match &subject {
            Some(user) => event.on(user),
            None => event,
        }
    };
    if let Some(refusal) = lookup.refusal {
        event(AuditEvent::SigninThrottled).record(&state.pool).await?;
        return Err(refusal);
    }
    let matches = match &lookup.account {
        Some(account) => state.hasher.verify(password.to_owned(), account.password_hash.clone()).await?,
        None => state.hasher.verify_dummy(password.to_owned()).await.map(|()| false)?,
    };
    let Some(account) = lookup.account.filter(|_| matches) else {
        state.throttle.record_failure(&state.pool, &lookup.key, address).await?;
        event(AuditEvent::SigninFailed).record(&state.pool).await?;
        return Err(AppError::InvalidCredentials);
    };
    if account.disabled {
        event(AuditEvent::SigninFailed).detail("account disabled").record(&state.pool).await?;
        return Err(AppError::AccountDisabled);
    }
    if lookup.has_failures {
        state.throttle.clear(&state.pool, &lookup.key).await?;
    }
    event(AuditEvent::SigninSucceeded).record(&state.pool).await?;
    issue_session(state, account.user, account.token_version)
}

fn issue_session(state: &AppState, user: PublicUser, token_version: i32) -> Result<Session> {
    let (access_token, claims) = state.tokens.issue(user.id, token_version)?;
    Ok(Session {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl().as_secs(),
        expires_at: claims.exp,
        user,
    })
}

/// Ends the caller's current session (this token only).
///
/// # Errors
/// `Internal` when the database fails.
pub async fn sign_out(state: &AppState, caller: &AuthUser, address: IpAddr) -> Result<()> {
    users::revoke_token(&state.pool, caller.token.jti, caller.token.exp).await?;
    Event::new(AuditEvent::SignedOut)
        .by(&caller.user)
        .on(&caller.user)
        .from(address)
        .record(&state.pool)
        .await
}

/// Ends every session of the caller, this one included.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn sign_out_everywhere(state: &AppState, caller: &AuthUser, address: IpAddr) -> Result<()> {
    users::bump_token_version(&state.pool, caller.user.id).await?;
    Event::new(AuditEvent::SignedOutEverywhere)
        .by(&caller.user)
        .on(&caller.user)
        .from(address)
        .record(&state.pool)
        .await
}

/// Changes the caller's password after checking the current one, ends every other session and
/// returns a fresh session for this one.
///
/// # Errors
/// `Validation` naming `currentPassword` (wrong) or `newPassword` (too weak); `Internal`.
pub async fn change_password(
    state: &AppState,
    caller: &AuthUser,
    change: &PasswordChange,
    address: IpAddr,
) -> Result<Session> {
    let user = &caller.user;
    let mut problems = FieldErrors::new();
    let new_problem = password_error(&change.new_password)
        .or_else(|| password_matches_identity(&change.new_password, &user.username, &user.email))
        .or_else(|| common_password_error(&change.new_password))
        .or_else(|| {
            (change.new_password == change.current_password)
                .then(|| "The new password must differ from the current one.".to_owned())
        });
    if let Some(message) = new_problem {
        problems.insert("newPassword".into(), message);
    }
    // A stolen token must not become a way to guess the password: same throttle as sign-in.
    let key = account_key(user.id);
    state.throttle.check(&state.pool, &key, address).await?;
    let hash = users::password_hash(&state.pool, user.id).await?;
    if !state.hasher.verify(change.current_password.clone(), hash).await? {
        state.throttle.record_failure(&state.pool, &key, address).await?;
        problems.insert("currentPassword".into(), "The current password is not right.".into());
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let new_hash = state.hasher.hash(change.new_password.clone()).await?;
    let version = users::set_password(&state.pool, user.id, &new_hash).await?;
    Event::new(AuditEvent::PasswordChanged).by(user).on(user).from(address).record(&state.pool).await?;
    issue_session(state, user.clone(), version)
}

/// The content of `board` for `caller`.
///
/// # Errors
/// `Forbidden` with the tutorial's message when the caller's roles are not enough.
pub fn open_board(caller: AuthUser, board: Board) -> Result<BoardContent> {
    caller.require(board)?;
    Ok(BoardContent { description: board.description().to_owned(), user: caller.user })
}
