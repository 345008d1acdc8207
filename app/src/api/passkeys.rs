//! Passkeys from the browser app: the same services as `/api/auth/passkeys/...`.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use super::BearerClient;
use crate::error::AppError;
use crate::model::{PasskeyInfo, PasskeyOptions, PasskeySignupOutcome, Session};
use crate::requests::{
    FactorProofRequest, Field, PasskeyFinishRequest, PasskeyRegisterRequest, PasskeySignupRequest,
};

#[cfg(feature = "ssr")]
use super::{address, device, signed_in};
#[cfg(feature = "ssr")]
use crate::requests::read_text;
#[cfg(feature = "ssr")]
use crate::ssr::{factors::passkeys, factors::webauthn, state::AppState};

/// Starts adding a passkey (the password, or an existing passkey, first).
#[server(prefix = "/api/fn", endpoint = "passkey-register-start", input = Json, client = BearerClient)]
pub async fn passkey_register_start(request: PasskeyRegisterRequest) -> Result<PasskeyOptions, AppError> {
    let state = expect_context::<AppState>();
    passkeys::start_registration(&state, &signed_in(&state).await?, request, &device(&state)?).await
}

/// Finishes adding a passkey with the browser's answer.
#[server(prefix = "/api/fn", endpoint = "passkey-register-finish", input = Json, client = BearerClient)]
pub async fn passkey_register_finish(answer: PasskeyFinishRequest) -> Result<PasskeyInfo, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let (ceremony, credential, _) = answer.read()?;
    passkeys::finish_registration(&state, &caller, ceremony, credential, &device(&state)?).await
}

/// Starts a passkey sign-in (no username).
#[server(prefix = "/api/fn", endpoint = "passkey-signin-start", input = Json)]
pub async fn passkey_signin_start() -> Result<PasskeyOptions, AppError> {
    let state = expect_context::<AppState>();
    passkeys::start_signin(&state, &device(&state)?).await
}

/// Finishes a passkey sign-in with the browser's answer.
#[server(prefix = "/api/fn", endpoint = "passkey-signin-finish", input = Json)]
pub async fn passkey_signin_finish(answer: PasskeyFinishRequest) -> Result<Session, AppError> {
    let state = expect_context::<AppState>();
    let (ceremony, credential, remember) = answer.read()?;
    passkeys::finish_signin(&state, ceremony, credential, remember, &device(&state)?).await
}

/// Starts creating an account with a passkey instead of a password.
#[server(prefix = "/api/fn", endpoint = "passkey-signup-start", input = Json)]
pub async fn passkey_signup_start(account: PasskeySignupRequest) -> Result<PasskeyOptions, AppError> {
    let state = expect_context::<AppState>();
    passkeys::start_signup(&state, account, address(&state)?).await
}

/// Finishes a passwordless sign-up: the account exists and is signed in (or waits for its address
/// to be verified, when sign-in needs that).
#[server(prefix = "/api/fn", endpoint = "passkey-signup-finish", input = Json)]
pub async fn passkey_signup_finish(answer: PasskeyFinishRequest) -> Result<PasskeySignupOutcome, AppError> {
    let state = expect_context::<AppState>();
    let (ceremony, credential, remember) = answer.read()?;
    passkeys::finish_signup(&state, ceremony, credential, remember, &device(&state)?).await
}

/// Starts asking one of the caller's passkeys again (to confirm a change without the password).
#[server(prefix = "/api/fn", endpoint = "passkey-reauth-start", input = Json, client = BearerClient)]
pub async fn passkey_reauth_start() -> Result<PasskeyOptions, AppError> {
    let state = expect_context::<AppState>();
    webauthn::start_reauth(&state, &signed_in(&state).await?.user).await
}

/// The caller's passkeys.
#[server(prefix = "/api/fn", endpoint = "passkeys", input = Json, client = BearerClient)]
pub async fn list_passkeys() -> Result<Vec<PasskeyInfo>, AppError> {
    let state = expect_context::<AppState>();
    passkeys::list(&state, &signed_in(&state).await?).await
}

/// Renames one of the caller's passkeys.
#[server(prefix = "/api/fn", endpoint = "passkey-rename", input = Json, client = BearerClient)]
pub async fn rename_passkey(id: Field<Uuid>, name: Field<String>) -> Result<PasskeyInfo, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = crate::requests::Reader::default();
    let id = reader.required("id", "Passkey", "a passkey id", id);
    let id = reader.finish(id)?;
    let name = read_text("name", "Name", name)?;
    passkeys::rename(&state, &caller, id, &name, address(&state)?).await
}

/// Removes one of the caller's passkeys (a factor the account has first).
#[server(prefix = "/api/fn", endpoint = "passkey-remove", input = Json, client = BearerClient)]
pub async fn remove_passkey(id: Field<Uuid>, confirm: FactorProofRequest) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = crate::requests::Reader::default();
    let id = reader.required("id", "Passkey", "a passkey id", id);
    let id = reader.finish(id)?;
    passkeys::remove(&state, &caller, id, &confirm.read()?, &device(&state)?).await
}
