//! What a change of an account's second factors (adding or removing a passkey, turning two-factor
//! sign-in on) must be confirmed with: a factor the account already has. A password proves nothing
//! a phished password would not, so once an account holds a passkey, or two-factor sign-in, the
//! password alone cannot add another factor (which would be an attacker's way past
//! `REQUIRE_2FA_FOR_ADMINS`, and a way to stay in after the owner changes the password), nor take
//! one away.

use crate::error::{AppError, Result};
use crate::requests::Proof;
use crate::ssr::guard::address::Device;
use crate::ssr::identity::reauth::check_proof;
use crate::ssr::session::caller::AuthUser;
use crate::ssr::state::AppState;

use super::codes;

/// Checks that `caller` proved a factor they hold, for a change of their second factors:
/// - an account with a passkey: one of its passkeys (the password is not enough);
/// - an account with two-factor sign-in (and no passkey): the password and a code (`code`);
/// - an account with neither: the password.
///
/// # Errors
/// `Validation` naming `passkey`, `password` or `code`; `TooManyAttempts`; `Internal`.
pub async fn check(
    state: &AppState,
    caller: &AuthUser,
    proof: &Proof,
    code: Option<&str>,
    device: &Device,
) -> Result<()> {
    let user = &caller.user;
    let address = device.address.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    match proof {
        Proof::Passkey(_) => check_proof(state, caller, proof, "password", address).await,
        Proof::Password(_) if user.passkeys > 0 => Err(AppError::invalid_field(
            "passkey",
            "Confirm with one of your passkeys: a password alone cannot change your second factors.",
        )),
        Proof::Password(_) if user.mfa_enabled => {
            let code = code.map(str::trim).filter(|code| !code.is_empty()).ok_or_else(|| {
                AppError::invalid_field(
                    "code",
                    "Enter a code from your authenticator app (or a recovery code) too.",
                )
            })?;
            codes::confirm_with_code(state, caller, proof, code, device).await
        }
        Proof::Password(_) => check_proof(state, caller, proof, "password", address).await,
    }
}
