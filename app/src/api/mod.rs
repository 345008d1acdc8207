//! Server functions: the API the browser app calls. Each is a public POST endpoint under `/api/fn/`
//! and checks the caller's token and roles itself, through the same account service as the REST API.
//!
//! Arguments are [`Field`]s, read by the service exactly as REST bodies are, so a mistyped argument
//! gets the same 422 from both doors. An error leaves as our JSON body; its HTTP status is set by the
//! `server_fns` layer of the server (`server/src/layers/server_fns.rs`), where it becomes the response.

mod client;

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

pub use client::BearerClient;

use crate::error::AppError;
use crate::model::{AdminUser, AuditEntry, BoardContent, PublicUser, Session, UserPage};
use crate::requests::{Field, PasswordChangeRequest, SignupRequest};
use crate::roles::{Board, Role};

#[cfg(feature = "ssr")]
use crate::requests::{Reader, SigninRequest, read_board};
#[cfg(feature = "ssr")]
use crate::ssr::{accounts, admin, auth, state::AppState};

/// The request being served (leptos provides it to server functions).
#[cfg(feature = "ssr")]
fn request() -> Result<http::request::Parts, AppError> {
    use_context::<http::request::Parts>().ok_or(AppError::Internal)
}

/// The caller, if a token was sent. A bad token is a 401, never "anonymous".
#[cfg(feature = "ssr")]
async fn caller(state: &AppState) -> Result<Option<auth::AuthUser>, AppError> {
    auth::from_headers(state, &request()?.headers).await
}

/// The caller, who must have sent a token.
#[cfg(feature = "ssr")]
async fn signed_in(state: &AppState) -> Result<auth::AuthUser, AppError> {
    caller(state).await?.ok_or_else(AppError::token_missing)
}

/// The client's address, for throttling and the audit log.
#[cfg(feature = "ssr")]
fn address(state: &AppState) -> Result<std::net::IpAddr, AppError> {
    Ok(crate::ssr::address::client_address(&request()?, &state.trusted_proxies))
}

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

/// Changes the password; other sessions end, this one continues with the returned token.
#[server(prefix = "/api/fn", endpoint = "change-password", input = Json, client = BearerClient)]
pub async fn change_password(change: PasswordChangeRequest) -> Result<Session, AppError> {
    let state = expect_context::<AppState>();
    accounts::change_password(&state, &signed_in(&state).await?, change, address(&state)?).await
}

/// Admin: one page of users matching `query`.
#[server(prefix = "/api/fn", endpoint = "admin-users", input = Json, client = BearerClient)]
pub async fn admin_users(query: Field<String>, page: Field<i64>) -> Result<UserPage, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = Reader::default();
    let query = reader.text("query", "Query", query);
    let page = reader.read("page", "Page", "a whole number", page).max(1);
    reader.finish(())?;
    admin::list_users(&state, &caller, &query, page, admin::DEFAULT_PER_PAGE).await
}

/// Admin: grants or revokes a role.
#[server(prefix = "/api/fn", endpoint = "admin-role", input = Json, client = BearerClient)]
pub async fn admin_set_role(
    user: Field<Uuid>,
    role: Field<Role>,
    grant: Field<bool>,
) -> Result<AdminUser, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = Reader::default();
    let user = reader.required("user", "User", "a user id", user);
    let role = reader.required("role", "Role", "one of user, pm, admin", role);
    let grant = reader.required("grant", "Grant", "true or false", grant);
    let (user, role, grant) = reader.finish((user, role, grant))?;
    admin::set_role(&state, &caller, user, role, grant, address(&state)?).await
}

/// Admin: disables or enables an account.
#[server(prefix = "/api/fn", endpoint = "admin-disabled", input = Json, client = BearerClient)]
pub async fn admin_set_disabled(user: Field<Uuid>, disabled: Field<bool>) -> Result<AdminUser, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = Reader::default();
    let user = reader.required("user", "User", "a user id", user);
    let disabled = reader.required("disabled", "Disabled", "true or false", disabled);
    let (user, disabled) = reader.finish((user, disabled))?;
    admin::set_disabled(&state, &caller, user, disabled, address(&state)?).await
}

/// Admin: the latest audit entries.
#[server(prefix = "/api/fn", endpoint = "admin-audit", input = Json, client = BearerClient)]
pub async fn admin_audit() -> Result<Vec<AuditEntry>, AppError> {
    let state = expect_context::<AppState>();
    admin::audit_log(&state, &signed_in(&state).await?, admin::DEFAULT_AUDIT_ENTRIES).await
}
