//! `/api/auth/passkeys/...`: adding, listing, renaming and removing passkeys; signing in and
//! signing up with one. Each ceremony is a start (options for the browser) and a finish (the
//! browser's answer, `PublicKeyCredential.toJSON()`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use app::error::{AppError, ErrorBody};
use app::model::{PasskeyInfo, PasskeyOptions, PasskeySignupOutcome};
use app::requests::{
    FactorProofRequest, PasskeyFinishRequest, PasskeyRegisterRequest, PasskeyRenameRequest,
    PasskeySignupRequest, read_text,
};
use app::ssr::factors::{passkeys, webauthn};
use app::ssr::guard::address::Device;
use app::ssr::session::caller::{AuthUser, ClientAddr};
use app::ssr::state::AppState;

use super::bodies::{CreatedVerifyFirst, Done, PasskeyList, SignedIn, SigninRefused};
use super::extract::JsonBody;
use super::responses::{BadJson, BodyLimits, Invalid, PasskeysOff, Throttled, Unauthorized};

/// A passkey's id from the path: anything but a UUID is simply not one of the caller's (404).
fn passkey_id(id: &str) -> Result<uuid::Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// `POST /api/auth/passkeys/register/start` `{name?, password | passkey}`: options for
/// `navigator.credentials.create()`.
#[utoipa::path(
    post,
    path = "/api/auth/passkeys/register/start",
    tag = "passkeys",
    summary = "Start adding a passkey (the password, or an existing passkey, first)",
    request_body = PasskeyRegisterRequest,
    responses(
        (status = 200, description = "Options for the browser, and the ceremony", body = PasskeyOptions),
        (status = 409, description = "`too_many_passkeys`: 10 already", body = ErrorBody),
        Unauthorized, Invalid, Throttled, BadJson, BodyLimits,
        PasskeysOff,
    ),
    security(("bearer" = [])),
)]
pub async fn register_start(
    State(state): State<AppState>,
    device: Device,
    caller: AuthUser,
    JsonBody(request): JsonBody<PasskeyRegisterRequest>,
) -> Result<Json<PasskeyOptions>, AppError> {
    passkeys::start_registration(&state, &caller, request, &device).await.map(Json)
}

/// `POST /api/auth/passkeys/register/finish` `{ceremony, credential}`: 201 with the passkey.
#[utoipa::path(
    post,
    path = "/api/auth/passkeys/register/finish",
    tag = "passkeys",
    summary = "Finish adding a passkey: the browser's answer",
    request_body = PasskeyFinishRequest,
    responses(
        (status = 201, description = "Added (a notice is mailed)", body = PasskeyInfo),
        (status = 409, description = "`passkey_taken` or `too_many_passkeys`", body = ErrorBody),
        Unauthorized, Invalid, BadJson, BodyLimits,
        PasskeysOff,
    ),
    security(("bearer" = [])),
)]
pub async fn register_finish(
    State(state): State<AppState>,
    device: Device,
    caller: AuthUser,
    JsonBody(request): JsonBody<PasskeyFinishRequest>,
) -> Result<(StatusCode, Json<PasskeyInfo>), AppError> {
    let (ceremony, credential, _) = request.read()?;
    let info = passkeys::finish_registration(&state, &caller, ceremony, credential, &device).await?;
    Ok((StatusCode::CREATED, Json(info)))
}

/// `POST /api/auth/passkeys/signin/start`: options for `navigator.credentials.get()`, any passkey.
#[utoipa::path(
    post,
    path = "/api/auth/passkeys/signin/start",
    tag = "passkeys",
    summary = "Start a passkey sign-in (no username)",
    responses(
        (status = 200, description = "Options for the browser, and the ceremony", body = PasskeyOptions),
        Throttled,
        PasskeysOff,
    ),
)]
pub async fn signin_start(
    State(state): State<AppState>,
    device: Device,
) -> Result<Json<PasskeyOptions>, AppError> {
    passkeys::start_signin(&state, &device).await.map(Json)
}

/// `POST /api/auth/passkeys/signin/finish` `{ceremony, credential, remember?}`: answers like
/// `POST /api/auth/signin`.
#[utoipa::path(
    post,
    path = "/api/auth/passkeys/signin/finish",
    tag = "passkeys",
    summary = "Finish a passkey sign-in: the browser's answer (answered like the password sign-in)",
    request_body = PasskeyFinishRequest,
    responses(
        (status = 200, description = "Signed in (no second step: a passkey is two factors)", body = SignedIn),
        (status = 401, description = "`passkey_refused`, or the ceremony expired", body = SigninRefused),
        (status = 403, description = "`account_disabled` or `email_not_verified`", body = SigninRefused),
        (status = 422, description = "Fields missing or of the wrong type", body = SigninRefused),
        (status = 400, description = "Malformed JSON", body = SigninRefused),
        (status = 413, description = "Body over 64 KiB", body = SigninRefused),
        (status = 415, description = "Not JSON", body = SigninRefused),
        PasskeysOff,
    ),
)]
pub async fn signin_finish(
    State(state): State<AppState>,
    device: Device,
    body: Result<JsonBody<PasskeyFinishRequest>, AppError>,
) -> Response {
    let result = async {
        let (ceremony, credential, remember) = body?.0.read()?;
        passkeys::finish_signin(&state, ceremony, credential, remember, &device).await
    }
    .await;
    signed_in_or_refused(result, StatusCode::OK)
}

/// A session as the sign-in answers it, or the refusal with the tutorial's `auth: false`.
fn signed_in_or_refused(result: Result<app::model::Session, AppError>, status: StatusCode) -> Response {
    match result {
        Ok(session) => (status, Json(SignedIn { auth: true, session })).into_response(),
        Err(err) => SigninRefused::response(&err),
    }
}

/// `POST /api/auth/passkeys/signup/start` `{name, username, email}`: options to create the
/// account's passkey.
#[utoipa::path(
    post,
    path = "/api/auth/passkeys/signup/start",
    tag = "passkeys",
    summary = "Start creating an account with a passkey instead of a password",
    request_body = PasskeySignupRequest,
    responses(
        (status = 200, description = "Options for the browser, and the ceremony", body = PasskeyOptions),
        (status = 409, description = "`username_taken` or `email_taken`", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address", body = ErrorBody),
        Invalid, BadJson, BodyLimits,
        PasskeysOff,
    ),
)]
pub async fn signup_start(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    JsonBody(request): JsonBody<PasskeySignupRequest>,
) -> Result<Json<PasskeyOptions>, AppError> {
    passkeys::start_signup(&state, request, address).await.map(Json)
}

/// `POST /api/auth/passkeys/signup/finish` `{ceremony, credential, remember?}`: 201, signed in.
#[utoipa::path(
    post,
    path = "/api/auth/passkeys/signup/finish",
    tag = "passkeys",
    summary = "Finish creating an account with a passkey: the browser's answer; signed in at once",
    request_body = PasskeyFinishRequest,
    responses(
        (status = 201, description = "Created and signed in (a verification mail goes out)", body = SignedIn),
        (status = 202, description = "Created; with `REQUIRE_VERIFIED_EMAIL`, the passkey signs in once the mailed link is followed", body = CreatedVerifyFirst),
        (status = 401, description = "The ceremony expired", body = SigninRefused),
        (status = 409, description = "`username_taken` or `email_taken` meanwhile", body = SigninRefused),
        (status = 422, description = "Fields missing or of the wrong type", body = SigninRefused),
        (status = 400, description = "Malformed JSON", body = SigninRefused),
        (status = 413, description = "Body over 64 KiB", body = SigninRefused),
        (status = 415, description = "Not JSON", body = SigninRefused),
        PasskeysOff,
    ),
)]
pub async fn signup_finish(
    State(state): State<AppState>,
    device: Device,
    body: Result<JsonBody<PasskeyFinishRequest>, AppError>,
) -> Response {
    let result = async {
        let (ceremony, credential, remember) = body?.0.read()?;
        passkeys::finish_signup(&state, ceremony, credential, remember, &device).await
    }
    .await;
    match result {
        Ok(PasskeySignupOutcome { user, session: None }) => {
            let message =
                "Account created. Follow the link mailed to your address, then sign in with your passkey.";
            (StatusCode::ACCEPTED, Json(CreatedVerifyFirst { message, user })).into_response()
        }
        Ok(PasskeySignupOutcome { session: Some(session), .. }) => {
            signed_in_or_refused(Ok(session), StatusCode::CREATED)
        }
        Err(err) => signed_in_or_refused(Err(err), StatusCode::CREATED),
    }
}

/// `POST /api/auth/passkeys/reauth/start`: options to ask one of the caller's passkeys again, to
/// confirm a change instead of the password.
#[utoipa::path(
    post,
    path = "/api/auth/passkeys/reauth/start",
    tag = "passkeys",
    summary = "Ask one of your passkeys again (to confirm a change without a password)",
    responses(
        (status = 200, description = "Options for the browser, and the ceremony", body = PasskeyOptions),
        (status = 422, description = "The account has no passkey", body = ErrorBody),
        Unauthorized,
        PasskeysOff,
    ),
    security(("bearer" = [])),
)]
pub async fn reauth_start(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<PasskeyOptions>, AppError> {
    webauthn::start_reauth(&state, &caller.user).await.map(Json)
}

/// `GET /api/auth/passkeys`: the caller's passkeys.
#[utoipa::path(
    get,
    path = "/api/auth/passkeys",
    tag = "passkeys",
    summary = "Your passkeys",
    responses((status = 200, description = "Newest first", body = PasskeyList), Unauthorized),
    security(("bearer" = [])),
)]
pub async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<Json<PasskeyList>, AppError> {
    Ok(Json(PasskeyList { passkeys: passkeys::list(&state, &caller).await? }))
}

/// `PATCH /api/auth/passkeys/{id}` `{name}`.
#[utoipa::path(
    patch,
    path = "/api/auth/passkeys/{id}",
    tag = "passkeys",
    summary = "Rename a passkey",
    params(("id" = String, Path, description = "The passkey's id")),
    request_body = PasskeyRenameRequest,
    responses(
        (status = 200, description = "Renamed", body = PasskeyInfo),
        (status = 404, description = "Not one of your passkeys", body = ErrorBody),
        Unauthorized, Invalid, BadJson, BodyLimits,
    ),
    security(("bearer" = [])),
)]
pub async fn rename(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<PasskeyRenameRequest>,
) -> Result<Json<PasskeyInfo>, AppError> {
    let id = passkey_id(&id)?;
    let name = read_text("name", "Name", request.name)?;
    passkeys::rename(&state, &caller, id, &name, address).await.map(Json)
}

/// `DELETE /api/auth/passkeys/{id}` `{passkey | password, code?}`.
#[utoipa::path(
    delete,
    path = "/api/auth/passkeys/{id}",
    tag = "passkeys",
    summary = "Remove a passkey (a factor the account has first; every other session ends)",
    params(("id" = String, Path, description = "The passkey's id")),
    request_body = FactorProofRequest,
    responses(
        (status = 200, description = "Removed: it no longer signs in", body = Done),
        (status = 404, description = "Not one of your passkeys", body = ErrorBody),
        (status = 409, description = "`last_credential`: the account's only way in", body = ErrorBody),
        Unauthorized, Invalid, Throttled, BadJson, BodyLimits,
        PasskeysOff,
    ),
    security(("bearer" = [])),
)]
pub async fn remove(
    State(state): State<AppState>,
    device: Device,
    caller: AuthUser,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<FactorProofRequest>,
) -> Result<Json<Done>, AppError> {
    let id = passkey_id(&id)?;
    let proof = request.read()?;
    passkeys::remove(&state, &caller, id, &proof, &device).await?;
    Ok(Json(Done { message: "The passkey is removed. Every other session has been signed out." }))
}
