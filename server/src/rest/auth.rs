//! `/api/auth/...`: sign-up and sign-in in the tutorial's JSON shapes, sign-out (this session or
//! everywhere) and the password change.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use app::error::{AppError, ErrorBody};
use app::model::SigninOutcome;
use app::requests::{PasswordChangeRequest, SigninRequest, SignupRequest};
use app::ssr::guard::address::Device;
use app::ssr::identity::{accounts, profile};
use app::ssr::session::caller::AuthUser;
use app::ssr::session::caller::ClientAddr;
use app::ssr::session::signin;
use app::ssr::state::AppState;

use super::bodies::{Done, MfaRequired, PasswordChanged, SignedIn, SignedUp, SigninAnswer, SigninRefused};
use super::extract::JsonBody;
use super::responses::{BadJson, BodyLimits, Invalid, Throttled, Unauthorized};

/// `POST /api/auth/signup`: 201 with the new user.
#[utoipa::path(
    post,
    path = "/api/auth/signup",
    tag = "auth",
    summary = "Create an account (the tutorial's sign-up)",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "Created", body = SignedUp),
        (status = 403, body = ErrorBody, description = "`role_not_allowed`: `pm`/`admin` asked for without \
            an admin's token; `mfa_setup_required`: the admin must set up two-factor sign-in first \
            (`REQUIRE_2FA_FOR_ADMINS`)"),
        (status = 409, description = "`username_taken` or `email_taken`", body = ErrorBody),
        Unauthorized, Invalid, Throttled, BadJson, BodyLimits,
    ),
)]
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
#[utoipa::path(
    post,
    path = "/api/auth/signin",
    tag = "auth",
    summary = "Sign in with a username (or email) and password",
    request_body = SigninRequest,
    responses(
        (status = 200, body = SigninAnswer, description = "Signed in (`SignedIn`), or the password was right \
            and a second factor is needed (`MfaRequired`)"),
        (status = 401, body = SigninRefused, description = "Unknown account or wrong password (the same \
            answer)"),
        (status = 403, description = "`account_disabled` or `email_not_verified`", body = SigninRefused),
        (status = 422, description = "Empty or over-long fields", body = SigninRefused),
        (status = 429, body = SigninRefused, description = "Too many failed attempts: wait `Retry-After` \
            seconds"),
        (status = 400, description = "Malformed JSON", body = SigninRefused),
        (status = 413, description = "Body over 64 KiB", body = SigninRefused),
        (status = 415, description = "Not JSON", body = SigninRefused),
    ),
)]
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
        Ok(SigninOutcome::Session(session)) => {
            Json(SigninAnswer::SignedIn(SignedIn { auth: true, session })).into_response()
        }
        Ok(SigninOutcome::MfaRequired { challenge, expires_in }) => {
            let answer = MfaRequired { auth: false, mfa_required: true, challenge, expires_in };
            Json(SigninAnswer::MfaRequired(answer)).into_response()
        }
        Err(err) => SigninRefused::response(&err),
    }
}

/// `POST /api/auth/signout`: ends this token at once.
#[utoipa::path(
    post,
    path = "/api/auth/signout",
    tag = "sessions",
    summary = "End this session",
    responses(
        (status = 200, description = "Signed out", body = Done),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn signout(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
) -> Result<Json<Done>, AppError> {
    signin::sign_out(&state, &caller, address).await?;
    Ok(Json(Done { message: "Signed out." }))
}

/// `POST /api/auth/signout-all`: ends every session of the caller, this one included.
#[utoipa::path(
    post,
    path = "/api/auth/signout-all",
    tag = "sessions",
    summary = "End every session, this one included",
    responses(
        (status = 200, description = "Signed out everywhere", body = Done),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn signout_all(
    State(state): State<AppState>,
    device: Device,
    caller: AuthUser,
) -> Result<Json<Done>, AppError> {
    signin::sign_out_everywhere(&state, &caller, &device).await?;
    Ok(Json(Done { message: "Signed out everywhere." }))
}

/// `POST /api/auth/password` `{currentPassword, newPassword}`: 200 with a new token for this
/// session; every other session ends.
#[utoipa::path(
    post,
    path = "/api/auth/password",
    tag = "account",
    summary = "Change the password (every other session ends)",
    request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "Changed: new tokens for this session", body = PasswordChanged),
        Unauthorized, Invalid, Throttled, BadJson, BodyLimits,
    ),
    security(("bearer" = [])),
)]
pub async fn password(
    State(state): State<AppState>,
    device: Device,
    caller: AuthUser,
    JsonBody(request): JsonBody<PasswordChangeRequest>,
) -> Result<Json<PasswordChanged>, AppError> {
    let session = profile::change_password(&state, &caller, request, &device).await?;
    Ok(Json(PasswordChanged {
        message: "Password changed. Every other session has been signed out.",
        session,
    }))
}
