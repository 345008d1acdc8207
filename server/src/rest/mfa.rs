//! `/api/auth/2fa/...`: setting up, turning on and off, and the second sign-in step; and an admin's
//! reset of a user's two-factor sign-in.

use axum::Json;
use axum::extract::{Path, State};

use app::error::AppError;
use app::model::{AdminUser, MfaSetup};
use app::requests::{CodeRequest, MfaDisableRequest, MfaVerifyRequest, read_text};
use app::ssr::address::ClientAddr;
use app::ssr::auth::AuthUser;
use app::ssr::mfa;
use app::ssr::sessions::Device;
use app::ssr::state::AppState;

use super::bodies::{Done, RecoveryCodes, SignedIn};
use super::extract::JsonBody;

/// `POST /api/auth/2fa/setup`: a new secret, as text, `otpauth://` address and QR code.
pub async fn setup(State(state): State<AppState>, caller: AuthUser) -> Result<Json<MfaSetup>, AppError> {
    mfa::setup(&state, &caller).await.map(Json)
}

/// `POST /api/auth/2fa/enable` `{"code"}`: turns it on; the recovery codes are in the answer, once.
pub async fn enable(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    JsonBody(request): JsonBody<CodeRequest>,
) -> Result<Json<RecoveryCodes>, AppError> {
    let code = read_text("code", "Code", request.code)?;
    let recovery_codes = mfa::enable(&state, &caller, &code, address).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// `POST /api/auth/2fa/disable` `{"password", "code"}`.
pub async fn disable(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    JsonBody(request): JsonBody<MfaDisableRequest>,
) -> Result<Json<Done>, AppError> {
    let (password, code) =
        (read_text("password", "Password", request.password)?, read_text("code", "Code", request.code)?);
    mfa::disable(&state, &caller, &password, &code, address).await?;
    Ok(Json(Done { message: "Two-factor sign-in is off." }))
}

/// `POST /api/auth/2fa/verify` `{"challenge", "code"}`: the normal sign-in answer.
pub async fn verify(
    State(state): State<AppState>,
    device: Device,
    JsonBody(request): JsonBody<MfaVerifyRequest>,
) -> Result<Json<SignedIn>, AppError> {
    let challenge = read_text("challenge", "Challenge", request.challenge)?;
    let code = read_text("code", "Code", request.code)?;
    let session = mfa::verify(&state, &challenge, &code, &device).await?;
    Ok(Json(SignedIn { auth: true, session }))
}

/// `DELETE /api/admin/users/{id}/2fa`: an admin turns a user's two-factor sign-in off.
pub async fn admin_reset(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<AdminUser>, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    mfa::admin_reset(&state, &caller, id, address).await.map(Json)
}
