//! `/api/auth/me`: the caller's own account: read it, edit the name, delete it.

use axum::Json;
use axum::extract::State;

use app::error::AppError;
use app::model::PublicUser;
use app::requests::{PasswordRequest, ProfileRequest};
use app::ssr::address::ClientAddr;
use app::ssr::auth::AuthUser;
use app::ssr::profile;
use app::ssr::state::AppState;

use super::bodies::Done;
use super::extract::JsonBody;

/// `GET /api/auth/me`: the caller, fresh from the database.
pub async fn show(caller: AuthUser) -> Json<PublicUser> {
    Json(caller.user)
}

/// `PATCH /api/auth/me` `{"name"}`: 200 with the updated user.
pub async fn update(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    JsonBody(request): JsonBody<ProfileRequest>,
) -> Result<Json<PublicUser>, AppError> {
    profile::update(&state, &caller, request, address).await.map(Json)
}

/// `DELETE /api/auth/me` `{"password"}`: 200 once the account and its sessions are gone.
pub async fn delete(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    JsonBody(request): JsonBody<PasswordRequest>,
) -> Result<Json<Done>, AppError> {
    profile::delete(&state, &caller, request, address).await?;
    Ok(Json(Done { message: "Your account is deleted." }))
}
