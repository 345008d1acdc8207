//! Signing up, in and out, and what a signed-in session reads.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::BearerClient;
use crate::error::AppError;
use crate::model::{BoardContent, PublicUser, Session};
use crate::requests::{Field, SignupRequest};
use crate::roles::Board;

#[cfg(feature = "ssr")]
use super::{address, caller, signed_in};
#[cfg(feature = "ssr")]
use crate::requests::{SigninRequest, read_board};
#[cfg(feature = "ssr")]
use crate::ssr::{accounts, state::AppState};

/// Creates an account. An admin's token (or demo mode) allows the `pm` and `admin` roles.
#[server(prefix = "/api/fn", endpoint = "sign-up", input = Json, client = BearerClient)]
pub async fn sign_up(form: SignupRequest) -> Result<PublicUser, AppError> {
    let state = expect_context::<AppState>();
    accounts::sign_up(&state, form, caller(&state).await?.as_ref(), address(&state)?).await
}

/// Signs in with a username (or email) and password.
#[server(prefix = "/api/fn", endpoint = "sign-in", input = Json)]
pub async fn sign_in(username: Field<String>, password: Field<String>) -> Result<Session, AppError> {
    let state = expect_context::<AppState>();
    accounts::sign_in(&state, SigninRequest { username, password }, address(&state)?).await
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
    accounts::sign_out(&state, &signed_in(&state).await?, address(&state)?).await
}

/// Ends every session of the caller, on every device.
#[server(prefix = "/api/fn", endpoint = "sign-out-everywhere", input = Json, client = BearerClient)]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    accounts::sign_out_everywhere(&state, &signed_in(&state).await?, address(&state)?).await
}
