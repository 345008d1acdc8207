//! `/api/auth/refresh`, `/api/auth/sessions` and `/api/auth/signout-others`: renewing a session and
//! seeing and ending one's sessions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use app::error::{AppError, ErrorBody};
use app::requests::{RefreshRequest, read_text};
use app::ssr::session::caller::AuthUser;
use app::ssr::session::caller::ClientAddr;
use app::ssr::session::{refresh, signin};
use app::ssr::state::AppState;

use super::bodies::{Done, SessionList, SignedIn};
use super::extract::JsonBody;
use super::responses::{BadJson, BodyLimits, Invalid, Unauthorized};

/// `POST /api/auth/refresh` `{"refreshToken"}`: a new access token and a new refresh token (the one
/// presented is spent).
#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    tag = "sessions",
    summary = "Trade a refresh token for new tokens (rotation)",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New access and refresh tokens", body = SignedIn),
        (status = 401, body = ErrorBody, description = "Unknown token, ended or expired session; \
            `refresh_token_reused` ends the session"),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many refreshes of this session \
            (`REFRESH_MAX_PER_HOUR`); wait `Retry-After` seconds"),
        Invalid, BadJson, BodyLimits,
    ),
)]
pub async fn refresh(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    JsonBody(request): JsonBody<RefreshRequest>,
) -> Result<Json<SignedIn>, AppError> {
    let token = read_text("refreshToken", "Refresh token", request.refresh_token)?;
    let session = refresh::refresh(&state, &token, address).await?;
    Ok(Json(SignedIn { auth: true, session }))
}

/// `GET /api/auth/sessions`: the caller's live sessions, the most recently used first.
#[utoipa::path(
    get,
    path = "/api/auth/sessions",
    tag = "sessions",
    summary = "The caller's live sessions",
    responses(
        (status = 200, description = "Sessions, the most recently used first", body = SessionList),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<Json<SessionList>, AppError> {
    Ok(Json(SessionList { sessions: signin::list_sessions(&state, &caller).await? }))
}

/// `DELETE /api/auth/sessions/{id}`: 204, and that session's tokens stop working at once.
#[utoipa::path(
    delete,
    path = "/api/auth/sessions/{id}",
    tag = "sessions",
    summary = "End one of the caller's sessions",
    params(("id" = String, Path, description = "The session's id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "No such live session of the caller", body = ErrorBody),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
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
#[utoipa::path(
    post,
    path = "/api/auth/signout-others",
    tag = "sessions",
    summary = "End every session but this one",
    responses(
        (status = 200, description = "Done", body = Done),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn signout_others(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
) -> Result<Json<Done>, AppError> {
    signin::sign_out_others(&state, &caller, address).await?;
    Ok(Json(Done { message: "Every other session has been signed out." }))
}
