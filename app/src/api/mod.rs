//! Server functions: the API the browser app calls. Each is a public POST endpoint under `/api/fn/`
//! and checks the caller's token and roles itself, through the same account service as the REST API.

mod client;

use leptos::prelude::*;
use server_fn::codec::Json;

pub use client::BearerClient;

use crate::error::AppError;
use crate::model::{BoardContent, PublicUser, Session};
use crate::roles::Board;
use crate::validation::SignupForm;

#[cfg(feature = "ssr")]
use crate::ssr::{accounts, auth, state::AppState};

/// The caller, if a token was sent. A bad token is a 401, never "anonymous".
#[cfg(feature = "ssr")]
async fn caller(state: &AppState) -> Result<Option<auth::AuthUser>, AppError> {
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    auth::from_headers(state, &parts.headers).await
}

/// Creates an account. An admin's token (or demo mode) allows the `pm` and `admin` roles.
#[server(prefix = "/api/fn", endpoint = "sign-up", input = Json, client = BearerClient)]
pub async fn sign_up(form: SignupForm) -> Result<PublicUser, AppError> {
    let state = expect_context::<AppState>();
    accounts::sign_up(&state, &form, caller(&state).await?.as_ref()).await
}

/// Signs in with a username (or email) and password.
#[server(prefix = "/api/fn", endpoint = "sign-in", input = Json)]
pub async fn sign_in(username: String, password: String) -> Result<Session, AppError> {
    let state = expect_context::<AppState>();
    accounts::sign_in(&state, &username, &password).await
}

/// The signed-in user, fresh from the database.
#[server(prefix = "/api/fn", endpoint = "me", input = Json, client = BearerClient)]
pub async fn me() -> Result<PublicUser, AppError> {
    let state = expect_context::<AppState>();
    let caller = caller(&state).await?.ok_or_else(AppError::token_missing)?;
    Ok(caller.0)
}

/// The content of one board, if the caller's roles allow it.
#[server(prefix = "/api/fn", endpoint = "board", input = Json, client = BearerClient)]
pub async fn open_board(board: Board) -> Result<BoardContent, AppError> {
    let state = expect_context::<AppState>();
    let caller = caller(&state).await?.ok_or_else(AppError::token_missing)?;
    accounts::open_board(caller, board)
}

/// Whether the caller may choose roles when creating an account (demo mode, or an admin).
#[server(prefix = "/api/fn", endpoint = "signup-options", input = Json, client = BearerClient)]
pub async fn may_choose_roles() -> Result<bool, AppError> {
    let state = expect_context::<AppState>();
    let caller = caller(&state).await?;
    Ok(accounts::may_choose_roles(state.signup, caller.as_ref()))
}
