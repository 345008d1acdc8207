//! `/api/auth/2fa/...`: setting up, turning on and off, and the second sign-in step; and an admin's
//! reset of a user's two-factor sign-in.

use axum::Json;
use axum::extract::{Path, State};

use app::error::{AppError, ErrorBody};
use app::model::{AdminUser, MfaSetup};
use app::requests::{MfaVerifyRequest, PasswordCodeRequest, read_text};
use app::ssr::factors::two_factor;
use app::ssr::guard::address::Device;
use app::ssr::session::caller::AuthUser;
use app::ssr::state::AppState;

use super::bodies::{Done, RecoveryCodes, SignedIn};
use super::extract::{FactorChange, JsonBody};
use super::responses::{
    BadJson, BodyLimits, CodesThrottled, Invalid, NoSuchUser, Throttled, Unauthorized, UserPath,
};

/// `POST /api/auth/2fa/setup`: a new secret, as text, `otpauth://` address and QR code.
#[utoipa::path(
    post,
    path = "/api/auth/2fa/setup",
    tag = "two-factor",
    summary = "Start setting up two-factor sign-in",
    responses(
        (status = 200, description = "A new secret and its QR code", body = MfaSetup),
        (status = 422, description = "Already on", body = ErrorBody),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn setup(State(state): State<AppState>, caller: AuthUser) -> Result<Json<MfaSetup>, AppError> {
    two_factor::setup(&state, &caller).await.map(Json)
}

/// `POST /api/auth/2fa/enable` `{"password", "code"}`: turns it on; the recovery codes are in the
/// answer, once. Every other session ends.
#[utoipa::path(
    post,
    path = "/api/auth/2fa/enable",
    tag = "two-factor",
    summary = "Turn it on: the password and a first code (every other session ends)",
    request_body = PasswordCodeRequest,
    responses(
        (status = 200, description = "On: the recovery codes, shown once", body = RecoveryCodes),
        CodesThrottled, Unauthorized, Invalid, BadJson, BodyLimits,
    ),
    security(("bearer" = [])),
)]
pub async fn enable(
    State(state): State<AppState>,
    change: FactorChange,
) -> Result<Json<RecoveryCodes>, AppError> {
    let recovery_codes = two_factor::enable(&state, &change.caller, &change.confirm, &change.device).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// `POST /api/auth/2fa/disable` `{"password", "code"}`. Every other session ends.
#[utoipa::path(
    post,
    path = "/api/auth/2fa/disable",
    tag = "two-factor",
    summary = "Turn it off: the password and a code (every other session ends)",
    request_body = PasswordCodeRequest,
    responses(
        (status = 200, description = "Off", body = Done),
        CodesThrottled, Unauthorized, Invalid, BadJson, BodyLimits,
    ),
    security(("bearer" = [])),
)]
pub async fn disable(State(state): State<AppState>, change: FactorChange) -> Result<Json<Done>, AppError> {
    two_factor::disable(&state, &change.caller, &change.confirm, &change.device).await?;
    Ok(Json(Done { message: "Two-factor sign-in is off. Every other session has been signed out." }))
}

/// `POST /api/auth/2fa/recovery-codes` `{"password", "code"}`: ten new recovery codes replace the
/// old ones. Every other session ends.
#[utoipa::path(
    post,
    path = "/api/auth/2fa/recovery-codes",
    tag = "two-factor",
    summary = "New recovery codes: the password and a code (the old codes stop working; every other session \
        ends)",
    request_body = PasswordCodeRequest,
    responses(
        (status = 200, description = "The new recovery codes, shown once", body = RecoveryCodes),
        CodesThrottled, Unauthorized, Invalid, BadJson, BodyLimits,
    ),
    security(("bearer" = [])),
)]
pub async fn recovery_codes(
    State(state): State<AppState>,
    change: FactorChange,
) -> Result<Json<RecoveryCodes>, AppError> {
    let FactorChange { caller, device, confirm } = change;
    let recovery_codes = two_factor::regenerate_recovery_codes(&state, &caller, &confirm, &device).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// `POST /api/auth/2fa/verify` `{"challenge", "code"}`: the normal sign-in answer.
#[utoipa::path(
    post,
    path = "/api/auth/2fa/verify",
    tag = "two-factor",
    summary = "The second sign-in step: the challenge and a TOTP or recovery code",
    request_body = MfaVerifyRequest,
    responses(
        (status = 200, description = "Signed in", body = SignedIn),
        (status = 401, body = ErrorBody, description = "`invalid_code`; or the challenge expired, was ended \
            by three wrong codes, or a credential changed since the password was checked (sign in again)"),
        (status = 403, description = "`account_disabled`", body = ErrorBody),
        Invalid, Throttled, BadJson, BodyLimits,
    ),
)]
pub async fn verify(
    State(state): State<AppState>,
    device: Device,
    JsonBody(request): JsonBody<MfaVerifyRequest>,
) -> Result<Json<SignedIn>, AppError> {
    let challenge = read_text("challenge", "Challenge", request.challenge)?;
    let code = read_text("code", "Code", request.code)?;
    let session = two_factor::verify(&state, &challenge, &code, &device).await?;
    Ok(Json(SignedIn { auth: true, session }))
}

/// `DELETE /api/admin/users/{id}/2fa`: an admin turns a user's two-factor sign-in off.
#[utoipa::path(
    delete,
    path = "/api/admin/users/{id}/2fa",
    tag = "admin",
    summary = "Turn a user's two-factor sign-in off (every session of theirs ends)",
    params(UserPath),
    responses(
        (status = 200, description = "The user", body = AdminUser),
        (status = 403, body = ErrorBody, description = "Not an admin, or the caller's own account (admins \
            turn their own off with `/api/auth/2fa/disable`)"),
        Unauthorized, NoSuchUser,
    ),
    security(("bearer" = [])),
)]
pub async fn admin_reset(
    State(state): State<AppState>,
    device: Device,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<AdminUser>, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    two_factor::admin_reset(&state, &caller, id, &device).await.map(Json)
}
