//! `/api/auth/me`: the caller's own account: read it, edit the name, delete it.

use axum::Json;
use axum::extract::State;

use app::error::{AppError, ErrorBody};
use app::model::PublicUser;
use app::requests::{PasswordRequest, ProfileRequest};
use app::ssr::identity::profile;
use app::ssr::session::caller::AuthUser;
use app::ssr::session::caller::ClientAddr;
use app::ssr::state::AppState;

use super::bodies::Done;
use super::extract::JsonBody;
use super::responses::{BadJson, BodyLimits, Invalid, Throttled, Unauthorized};

/// `GET /api/auth/me`: the caller, fresh from the database.
#[utoipa::path(
    get,
    path = "/api/auth/me",
    tag = "account",
    summary = "The caller, fresh from the database",
    responses(
        (status = 200, description = "The user", body = PublicUser),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn show(caller: AuthUser) -> Json<PublicUser> {
    Json(caller.user)
}

/// `PATCH /api/auth/me` `{"name"}`: 200 with the updated user.
#[utoipa::path(
    patch,
    path = "/api/auth/me",
    tag = "account",
    summary = "Edit the name",
    request_body = ProfileRequest,
    responses(
        (status = 200, description = "The updated user", body = PublicUser),
        Unauthorized, Invalid, BadJson, BodyLimits,
    ),
    security(("bearer" = [])),
)]
pub async fn update(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    JsonBody(request): JsonBody<ProfileRequest>,
) -> Result<Json<PublicUser>, AppError> {
    profile::update(&state, &caller, request, address).await.map(Json)
}

/// `DELETE /api/auth/me` `{"password"}`: 200 once the account and its sessions are gone.
#[utoipa::path(
    delete,
    path = "/api/auth/me",
    tag = "account",
    summary = "Delete the account (the password confirms)",
    request_body = PasswordRequest,
    responses(
        (status = 200, description = "Deleted; every session has ended", body = Done),
        (status = 409, description = "`last_admin`", body = ErrorBody),
        Unauthorized, Invalid, Throttled, BadJson, BodyLimits,
    ),
    security(("bearer" = [])),
)]
pub async fn delete(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    JsonBody(request): JsonBody<PasswordRequest>,
) -> Result<Json<Done>, AppError> {
    profile::delete(&state, &caller, request, address).await?;
    Ok(Json(Done { message: "Your account is deleted." }))
}
