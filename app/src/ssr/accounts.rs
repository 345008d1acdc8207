//! The account service: sign-up, sign-in and the boards. REST handlers and server functions both
//! call these functions, so the two APIs cannot drift apart.

use super::auth::AuthUser;
use super::state::{AppState, SignupPolicy};
use super::users;
use crate::error::{AppError, Result};
use crate::model::{BoardContent, PublicUser, Session};
use crate::roles::{Board, Role};
use crate::validation::{SignupForm, ValidSignup, validate_signin, validate_signup};

/// Whether `actor` may give new accounts the `pm` or `admin` role under `policy`.
pub fn may_choose_roles(policy: SignupPolicy, actor: Option<&AuthUser>) -> bool {
    policy == SignupPolicy::Open || actor.is_some_and(|actor| actor.0.has(Role::Admin))
}

/// Creates an account on behalf of `actor` (none for a self-signup), applying the role policy.
///
/// # Errors
/// `Validation` (every bad field), `RoleNotAllowed` (pm/admin asked without the right),
/// `UsernameTaken`/`EmailTaken`, or `Internal`.
pub async fn sign_up(
    state: &AppState,
    form: &SignupForm,
    actor: Option<&AuthUser>,
) -> Result<PublicUser> {
    let signup = validate_signup(form)?;
    if signup.roles.iter().any(|role| role.is_privileged())
        && !may_choose_roles(state.signup, actor)
    {
        return Err(AppError::RoleNotAllowed);
    }
    insert(state, &signup).await
}

/// Creates an account with exactly the requested roles, without the role policy: for the operator's
/// command line, which already holds the database.
///
/// # Errors
/// As [`sign_up`], without `RoleNotAllowed`.
pub async fn create(state: &AppState, form: &SignupForm) -> Result<PublicUser> {
    insert(state, &validate_signup(form)?).await
}

async fn insert(state: &AppState, signup: &ValidSignup) -> Result<PublicUser> {
    let hash = state.hasher.hash(signup.password.clone()).await?;
    let user = users::insert(&state.pool, signup, &hash).await?;
    tracing::info!(user = %user.id, roles = ?user.roles, "account created");
    Ok(user)
}

/// Checks a username (or email) and password and issues a token.
///
/// # Errors
/// `Validation` for empty fields; `InvalidCredentials` for an unknown account or a wrong password,
/// after the same bcrypt work either way; `Internal` when the database or hashing fails.
pub async fn sign_in(state: &AppState, login: &str, password: &str) -> Result<Session> {
    validate_signin(login, password)?;
    let Some(account) = users::find_credentials(&state.pool, login).await? else {
        state.hasher.verify_dummy(password.to_owned()).await?;
        tracing::info!("sign-in refused: unknown account");
        return Err(AppError::InvalidCredentials);
    };
    if !state
        .hasher
        .verify(password.to_owned(), account.password_hash)
        .await?
    {
        tracing::info!(user = %account.user.id, "sign-in refused: wrong password");
        return Err(AppError::InvalidCredentials);
    }
    let (access_token, claims) = state.tokens.issue(account.user.id)?;
    tracing::info!(user = %account.user.id, "signed in");
    Ok(Session {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl().as_secs(),
        expires_at: claims.exp,
        user: account.user,
    })
}

/// The content of `board` for `caller`.
///
/// # Errors
/// `Forbidden` with the tutorial's message when the caller's roles are not enough.
pub fn open_board(caller: AuthUser, board: Board) -> Result<BoardContent> {
    caller.require(board)?;
    Ok(BoardContent {
        description: board.description().to_owned(),
        user: caller.0,
    })
}
