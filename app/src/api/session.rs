//! Signing up, in and out, and what a signed-in session reads.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::BearerClient;
use crate::error::AppError;
use crate::model::{BoardContent, PublicUser, Session, SessionInfo, SigninOutcome};
use crate::requests::{Field, SignupRequest};
use crate::roles::Board;

#[cfg(feature = "ssr")]
use super::{address, caller, device, signed_in};
#[cfg(feature = "ssr")]
use crate::requests::{SigninRequest, read_board, read_text};
#[cfg(feature = "ssr")]
use crate::ssr::{
    factors::two_factor, identity::accounts, session::refresh, session::signin, state::AppState,
};

/// Creates an account. An admin's token (or demo mode) allows the `pm` and `admin` roles.
#[server(prefix = "/api/fn", endpoint = "sign-up", input = Json, client = BearerClient)]
pub async fn sign_up(form: SignupRequest) -> Result<PublicUser, AppError> {
    let state = expect_context::<AppState>();
    accounts::sign_up(&state, form, caller(&state).await?.as_ref(), address(&state)?).await
}

/// Signs in with a username (or email) and password; with two-factor sign-in, answers with the
/// challenge for the second step.
#[server(prefix = "/api/fn", endpoint = "sign-in", input = Json)]
pub async fn sign_in(
    username: Field<String>,
    password: Field<String>,
    #[server(default)] remember: Field<bool>,
) -> Result<SigninOutcome, AppError> {
    let state = expect_context::<AppState>();
    signin::sign_in(&state, SigninRequest { username, password, remember }, &device(&state)?).await
}

/// The second step of a sign-in: the challenge and a TOTP or recovery code.
#[server(prefix = "/api/fn", endpoint = "verify-second-factor", input = Json)]
pub async fn verify_second_factor(
    challenge: Field<String>,
    code: Field<String>,
) -> Result<Session, AppError> {
    let state = expect_context::<AppState>();
    let challenge = read_text("challenge", "Challenge", challenge)?;
    let code = read_text("code", "Code", code)?;
    two_factor::verify(&state, &challenge, &code, &device(&state)?).await
}

/// Trades a refresh token for a new access token and a new refresh token.
#[server(prefix = "/api/fn", endpoint = "refresh", input = Json)]
pub async fn refresh(refresh_token: Field<String>) -> Result<Session, AppError> {
    let state = expect_context::<AppState>();
    let token = read_text("refreshToken", "Refresh token", refresh_token)?;
    refresh::refresh(&state, &token, address(&state)?).await
}

/// The caller's live sessions.
#[server(prefix = "/api/fn", endpoint = "sessions", input = Json, client = BearerClient)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let state = expect_context::<AppState>();
    signin::list_sessions(&state, &signed_in(&state).await?).await
}

/// Ends one of the caller's sessions.
#[server(prefix = "/api/fn", endpoint = "end-session", input = Json, client = BearerClient)]
pub async fn end_session(session: Field<uuid::Uuid>) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = crate::requests::Reader::default();
    let session = reader.required("session", "Session", "a session id", session);
    let session = reader.finish(session)?;
    signin::end_session(&state, &caller, session, address(&state)?).await
}

/// Ends every session of the caller but this one.
#[server(prefix = "/api/fn", endpoint = "sign-out-others", input = Json, client = BearerClient)]
pub async fn sign_out_others() -> Result<u64, AppError> {
    let state = expect_context::<AppState>();
    signin::sign_out_others(&state, &signed_in(&state).await?, address(&state)?).await
}

/// The signed-in user, fresh from the database.
#[server(prefix = "/api/fn", endpoint = "me", input = Json, client = BearerClient)]
pub async fn me() -> Result<PublicUser, AppError> {
    let state = expect_context::<AppState>();
    Ok(signed_in(&state).await?.user)
}

/// The content of one board, if the caller's roles allow it.
#[server(prefix = "/api/fn", endpoint = "board", input = Json, client = BearerClient)]
pub async fn open_board(board: Field<Board>) -> Result<BoardContent, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    accounts::open_board(caller, read_board(board)?)
}

/// Whether the caller may choose roles when creating an account (demo mode, or an admin).
#[server(prefix = "/api/fn", endpoint = "signup-options", input = Json, client = BearerClient)]
pub async fn may_choose_roles() -> Result<bool, AppError> {
    let state = expect_context::<AppState>();
    let caller = caller(&state).await?;
    Ok(accounts::may_choose_roles(state.signup, caller.as_ref()))
}

/// Ends this session on the server (the token stops working at once).
#[server(prefix = "/api/fn", endpoint = "sign-out", input = Json, client = BearerClient)]
pub async fn sign_out() -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    signin::sign_out(&state, &signed_in(&state).await?, address(&state)?).await
}

/// Ends every session of the caller, on every device.
#[server(prefix = "/api/fn", endpoint = "sign-out-everywhere", input = Json, client = BearerClient)]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    signin::sign_out_everywhere(&state, &signed_in(&state).await?, &device(&state)?).await
}
