//! `/api/auth/password/{forgot,reset}` and `/api/auth/email/{verify,resend,change}`: what mailed
//! links are asked for and followed with.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use app::error::{AppError, ErrorBody};
use app::model::PublicUser;
use app::requests::{EmailChangeRequest, EmailRequest, Field, PasswordResetRequest, TokenRequest};
use app::ssr::guard::address::Device;
use app::ssr::recovery::{reset, verification};
use app::ssr::session::caller::AuthUser;
use app::ssr::session::caller::ClientAddr;
use app::ssr::state::AppState;

use super::bodies::{Done, Verified};
use super::extract::JsonBody;
use super::responses::{BadJson, BodyLimits, Invalid, Unauthorized};

/// The one answer to a forgotten password, whether the address is known or not.
const RESET_MAILED: &str = "If an account uses that address, a link to reset its password is on its way.";

/// `POST /api/auth/password/forgot` `{"email"}`: always 202 with the same body.
#[utoipa::path(
    post,
    path = "/api/auth/password/forgot",
    tag = "recovery",
    summary = "Mail a password-reset link (the same answer whether the address is known or not)",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted", body = Done),
        (status = 429, body = ErrorBody, description = "Too many links asked for this address or from this \
            client"),
        Invalid, BadJson, BodyLimits,
    ),
)]
pub async fn forgot(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    JsonBody(request): JsonBody<EmailRequest>,
) -> Result<(StatusCode, Json<Done>), AppError> {
    reset::forgot_password(&state, request.email, address).await?;
    Ok((StatusCode::ACCEPTED, Json(Done { message: RESET_MAILED })))
}

/// `POST /api/auth/password/reset` `{"token", "newPassword"}`: 200 once the password is set.
#[utoipa::path(
    post,
    path = "/api/auth/password/reset",
    tag = "recovery",
    summary = "Set a new password with a mailed link's token",
    request_body = PasswordResetRequest,
    responses(
        (status = 200, description = "Changed; every session has ended", body = Done),
        (status = 400, body = ErrorBody, description = "`invalid_token`: unknown, used, expired, or void (a \
            credential changed, or the account moved to another address, since it was mailed)"),
        Invalid, BodyLimits,
    ),
)]
pub async fn reset(
    State(state): State<AppState>,
    device: Device,
    JsonBody(request): JsonBody<PasswordResetRequest>,
) -> Result<Json<Done>, AppError> {
    reset::reset_password(&state, request, &device).await?;
    Ok(Json(Done {
        message: "Your password is changed, and every session has ended. Sign in with the new one.",
    }))
}

/// `POST /api/auth/email/verify` `{"token"}`: 200 with the user, its address verified.
#[utoipa::path(
    post,
    path = "/api/auth/email/verify",
    tag = "recovery",
    summary = "Follow an email verification (or change-of-address) link",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Verified", body = Verified),
        (status = 400, description = "`invalid_token`", body = ErrorBody),
        (status = 409, description = "`email_taken`: the new address was taken meanwhile", body = ErrorBody),
        Invalid, BodyLimits,
    ),
)]
pub async fn verify(
    State(state): State<AppState>,
    device: Device,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Json<Verified>, AppError> {
    let user: PublicUser = verification::verify(&state, request.token, &device).await?;
    Ok(Json(Verified { message: "Your email address is verified.", user }))
}

/// `POST /api/auth/email/resend`: with a token, for the caller; without, `{"email"}`, answered
/// 202 whether an unverified account uses the address or not.
#[utoipa::path(
    post,
    path = "/api/auth/email/resend",
    tag = "recovery",
    summary = "Send the verification link again: signed in, for the caller; otherwise `{\"email\"}`",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted", body = Done),
        (status = 409, description = "`already_verified`", body = ErrorBody),
        (status = 429, description = "Too many links asked for", body = ErrorBody),
        Unauthorized, Invalid, BadJson, BodyLimits,
    ),
)]
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
#[utoipa::path(
    post,
    path = "/api/auth/email/change",
    tag = "account",
    summary = "Move the account to a new address (applies once it is verified)",
    request_body = EmailChangeRequest,
    responses(
        (status = 202, body = Done, description = "A link went to the new address and a notice to the old \
            one; or, when another account has the new address, a notice to its owner (the same answer either \
            way)"),
        (status = 429, body = ErrorBody, description = "Too many attempts, or changes of address \
            (`EMAIL_CHANGE_MAX_PER_HOUR`): wait `Retry-After` seconds"),
        Unauthorized, Invalid, BadJson, BodyLimits,
    ),
    security(("bearer" = [])),
)]
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
