//! `/api/auth/refresh`, `/api/auth/sessions` and `/api/auth/signout-others`: renewing a session and
//! seeing and ending one's sessions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use app::error::AppError;
use app::requests::{RefreshRequest, read_text};
use app::ssr::address::ClientAddr;
use app::ssr::auth::AuthUser;
use app::ssr::state::AppState;
use app::ssr::{sessions, signin};

use super::bodies::{Done, SessionList, SignedIn};
use super::extract::JsonBody;

/// `POST /api/auth/refresh` `{"refreshToken"}`: a new access token and a new refresh token (the one
/// presented is spent).
pub async fn refresh(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    JsonBody(request): JsonBody<RefreshRequest>,
) -> Result<Json<SignedIn>, AppError> {
    let token = read_text("refreshToken", "Refresh token", request.refresh_token)?;
    let session = sessions::refresh(&state, &token, address).await?;
    Ok(Json(SignedIn { auth: true, session }))
}

/// `GET /api/auth/sessions`: the caller's live sessions, the most recently used first.
pub async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<Json<SessionList>, AppError> {
    Ok(Json(SessionList { sessions: signin::list_sessions(&state, &caller).await? }))
}

/// `DELETE /api/auth/sessions/{id}`: 204, and that session's tokens stop working at once.
pub async fn end(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    signin::end_session(&state, &caller, id, address).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/auth/signout-others`: ends every session of the caller but this one.
pub async fn signout_others(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
) -> Result<Json<Done>, AppError> {
    signin::sign_out_others(&state, &caller, address).await?;
    Ok(Json(Done { message: "Every other session has been signed out." }))
}
