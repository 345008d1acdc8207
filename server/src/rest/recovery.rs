//! `/api/auth/password/{forgot,reset}` and `/api/auth/email/{verify,resend,change}`: what mailed
//! links are asked for and followed with.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use app::error::AppError;
use app::model::PublicUser;
use app::requests::{EmailChangeRequest, EmailRequest, Field, PasswordResetRequest, TokenRequest};
use app::ssr::address::ClientAddr;
use app::ssr::auth::AuthUser;
use app::ssr::state::AppState;
use app::ssr::{recovery, verification};

use super::bodies::{Done, Verified};
use super::extract::JsonBody;

/// The one answer to a forgotten password, whether the address is known or not.
const RESET_MAILED: &str = "If an account uses that address, a link to reset its password is on its way.";

/// `POST /api/auth/password/forgot` `{"email"}`: always 202 with the same body.
pub async fn forgot(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    JsonBody(request): JsonBody<EmailRequest>,
) -> Result<(StatusCode, Json<Done>), AppError> {
    recovery::forgot_password(&state, request.email, address).await?;
    Ok((StatusCode::ACCEPTED, Json(Done { message: RESET_MAILED })))
}

/// `POST /api/auth/password/reset` `{"token", "newPassword"}`: 200 once the password is set.
pub async fn reset(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    JsonBody(request): JsonBody<PasswordResetRequest>,
) -> Result<Json<Done>, AppError> {
    recovery::reset_password(&state, request, address).await?;
    Ok(Json(Done {
        message: "Your password is changed, and every session has ended. Sign in with the new one.",
    }))
}

/// `POST /api/auth/email/verify` `{"token"}`: 200 with the user, its address verified.
pub async fn verify(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Json<Verified>, AppError> {
    let user: PublicUser = verification::verify(&state, request.token, address).await?;
    Ok(Json(Verified { message: "Your email address is verified.", user }))
}

/// `POST /api/auth/email/resend`: with a token, for the caller; without, `{"email"}`, answered
/// 202 whether an unverified account uses the address or not.
pub async fn resend(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: Option<AuthUser>,
    body: Result<JsonBody<EmailRequest>, AppError>,
) -> Result<(StatusCode, Json<Done>), AppError> {
    let email = match (&caller, body) {
        (Some(_), _) => Field::Missing,
        (None, Ok(JsonBody(request))) => request.email,
        (None, Err(err)) => return Err(err),
    };
    verification::resend(&state, caller.as_ref(), email, address).await?;
    let message = if caller.is_some() {
        "A new verification link is on its way."
    } else {
        "If an account with that address still needs verifying, a new link is on its way."
    };
    Ok((StatusCode::ACCEPTED, Json(Done { message })))
}

/// `POST /api/auth/email/change` `{"password", "newEmail"}`: 202; the change applies once the new
/// address is verified.
pub async fn change(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    JsonBody(request): JsonBody<EmailChangeRequest>,
) -> Result<(StatusCode, Json<Done>), AppError> {
    verification::change(&state, &caller, request, address).await?;
    let message = "Check your new address: the change applies once you follow the link we sent there.";
    Ok((StatusCode::ACCEPTED, Json(Done { message })))
}
