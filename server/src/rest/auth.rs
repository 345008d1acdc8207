//! `/api/auth/...`: sign-up and sign-in in the tutorial's JSON shapes, sign-out (this session or
//! everywhere) and the password change.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use app::error::{AppError, ErrorBody};
use app::model::SigninOutcome;
use app::requests::{PasswordChangeRequest, SigninRequest, SignupRequest};
use app::ssr::address::ClientAddr;
use app::ssr::auth::AuthUser;
use app::ssr::responses::error_response;
use app::ssr::sessions::Device;
use app::ssr::state::AppState;
use app::ssr::{accounts, profile, signin};

use super::bodies::{Done, MfaRequired, PasswordChanged, SignedIn, SignedUp, SigninRefused};
use super::extract::JsonBody;

/// `POST /api/auth/signup`: 201 with the new user.
pub async fn signup(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: Option<AuthUser>,
    JsonBody(request): JsonBody<SignupRequest>,
) -> Result<Response, AppError> {
    let user = accounts::sign_up(&state, request, caller.as_ref(), address).await?;
    Ok((StatusCode::CREATED, Json(SignedUp { message: "User registered successfully!", user }))
        .into_response())
}

/// `POST /api/auth/signin`: 200 with a token (or, with two-factor sign-in, a challenge for the
/// code), or the tutorial's `{"auth": false, "accessToken": null}` beside our error, whatever went
/// wrong (an unreadable body included).
pub async fn signin(
    State(state): State<AppState>,
    device: Device,
    body: Result<JsonBody<SigninRequest>, AppError>,
) -> Response {
    let result = match body {
        Ok(JsonBody(request)) => signin::sign_in(&state, request, &device).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(SigninOutcome::Session(session)) => Json(SignedIn { auth: true, session }).into_response(),
        Ok(SigninOutcome::MfaRequired { challenge, expires_in }) => {
            Json(MfaRequired { auth: false, mfa_required: true, challenge, expires_in }).into_response()
        }
        Err(err) => {
            let body = SigninRefused { auth: false, access_token: None, error: ErrorBody::from(err.clone()) };
            error_response(&err, body)
        }
    }
}

/// `POST /api/auth/signout`: ends this token at once.
pub async fn signout(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
) -> Result<Json<Done>, AppError> {
    signin::sign_out(&state, &caller, address).await?;
    Ok(Json(Done { message: "Signed out." }))
}

/// `POST /api/auth/signout-all`: ends every session of the caller, this one included.
pub async fn signout_all(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
) -> Result<Json<Done>, AppError> {
    signin::sign_out_everywhere(&state, &caller, address).await?;
    Ok(Json(Done { message: "Signed out everywhere." }))
}

/// `POST /api/auth/password` `{currentPassword, newPassword}`: 200 with a new token for this
/// session; every other session ends.
pub async fn password(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    JsonBody(request): JsonBody<PasswordChangeRequest>,
) -> Result<Json<PasswordChanged>, AppError> {
    let session = profile::change_password(&state, &caller, request, address).await?;
    Ok(Json(PasswordChanged {
        message: "Password changed. Every other session has been signed out.",
        session,
    }))
}
