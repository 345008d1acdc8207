//! Second factors and passkeys: TOTP codes (RFC 6238, `totp`) and their service (`two_factor`):
//! set-up, the second sign-in step, recovery codes, turning it off, an admin's reset; passkeys
//! (`passkeys`: add, sign in, sign up without a password, list, rename, remove) over the WebAuthn
//! ceremonies kept in PostgreSQL (`webauthn`); what a change of them is confirmed with (`step_up`).

mod codes;
pub mod passkeys;
pub mod settings;
pub mod step_up;
pub mod totp;
pub mod two_factor;
pub mod webauthn;
