//! What owners do with their own account, and the mailed links: password change and reset,
//! email verification and change, name, deletion.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::BearerClient;
use crate::error::AppError;
use crate::model::{MfaSetup, PublicUser, Session};
use crate::requests::{
    EmailChangeRequest, Field, PasswordChangeRequest, PasswordCodeRequest, PasswordRequest,
    PasswordResetRequest, ProfileRequest,
};

#[cfg(feature = "ssr")]
use super::{address, caller, device, signed_in};
#[cfg(feature = "ssr")]
use crate::ssr::{
    factors::two_factor, identity::profile, recovery::reset, recovery::verification, state::AppState,
};

/// Changes the password; other sessions end, this one continues with the returned token.
#[server(prefix = "/api/fn", endpoint = "change-password", input = Json, client = BearerClient)]
pub async fn change_password(change: PasswordChangeRequest) -> Result<Session, AppError> {
    let state = expect_context::<AppState>();
    profile::change_password(&state, &signed_in(&state).await?, change, &device(&state)?).await
}

/// Edits the caller's name.
#[server(prefix = "/api/fn", endpoint = "update-profile", input = Json, client = BearerClient)]
pub async fn update_profile(profile: ProfileRequest) -> Result<PublicUser, AppError> {
    let state = expect_context::<AppState>();
    profile::update(&state, &signed_in(&state).await?, profile, address(&state)?).await
}

/// Deletes the caller's account (the password proves it is them).
#[server(prefix = "/api/fn", endpoint = "delete-account", input = Json, client = BearerClient)]
pub async fn delete_account(confirm: PasswordRequest) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    profile::delete(&state, &signed_in(&state).await?, confirm, address(&state)?).await
}

/// Mails a reset link if the address belongs to an account; the same answer either way.
#[server(prefix = "/api/fn", endpoint = "forgot-password", input = Json)]
pub async fn forgot_password(email: Field<String>) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    reset::forgot_password(&state, email, address(&state)?).await
}

/// Sets a new password with a mailed link's token.
#[server(prefix = "/api/fn", endpoint = "reset-password", input = Json)]
pub async fn reset_password(reset: PasswordResetRequest) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    reset::reset_password(&state, reset, &device(&state)?).await
}

/// Follows a verification or change-of-address link.
#[server(prefix = "/api/fn", endpoint = "verify-email", input = Json)]
pub async fn verify_email(token: Field<String>) -> Result<PublicUser, AppError> {
    let state = expect_context::<AppState>();
    verification::verify(&state, token, &device(&state)?).await
}

/// Sends the verification link again: to the caller, or to the account with `email`.
#[server(prefix = "/api/fn", endpoint = "resend-verification", input = Json, client = BearerClient)]
pub async fn resend_verification(email: Field<String>) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    let caller = caller(&state).await?;
    verification::resend(&state, caller.as_ref(), email, address(&state)?).await
}

/// Asks to move the account to a new address (applies once that address is verified).
#[server(prefix = "/api/fn", endpoint = "change-email", input = Json, client = BearerClient)]
pub async fn change_email(change: EmailChangeRequest) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    verification::change(&state, &signed_in(&state).await?, change, address(&state)?).await
}

/// Starts setting up two-factor sign-in: a new secret and its QR code.
#[server(prefix = "/api/fn", endpoint = "mfa-setup", input = Json, client = BearerClient)]
pub async fn start_mfa_setup() -> Result<MfaSetup, AppError> {
    let state = expect_context::<AppState>();
    two_factor::setup(&state, &signed_in(&state).await?).await
}

/// Turns two-factor sign-in on with the password and a first code; returns the recovery codes
/// (shown once). Every other session ends.
#[server(prefix = "/api/fn", endpoint = "mfa-enable", input = Json, client = BearerClient)]
pub async fn mfa_enable(confirm: PasswordCodeRequest) -> Result<Vec<String>, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    two_factor::enable(&state, &caller, &confirm.read()?, &device(&state)?).await
}

/// Turns two-factor sign-in off, with the password and a code. Every other session ends.
#[server(prefix = "/api/fn", endpoint = "mfa-disable", input = Json, client = BearerClient)]
pub async fn mfa_disable(confirm: PasswordCodeRequest) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    two_factor::disable(&state, &caller, &confirm.read()?, &device(&state)?).await
}

/// Replaces the recovery codes with ten new ones (shown once), with the password and a code. Every
/// other session ends.
#[server(prefix = "/api/fn", endpoint = "mfa-recovery-codes", input = Json, client = BearerClient)]
pub async fn mfa_recovery_codes(confirm: PasswordCodeRequest) -> Result<Vec<String>, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    two_factor::regenerate_recovery_codes(&state, &caller, &confirm.read()?, &device(&state)?).await
}
