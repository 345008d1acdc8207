//! Second factors: TOTP codes (RFC 6238, `totp`) and their service (`two_factor`): set-up, the
//! second sign-in step, recovery codes, turning it off, an admin's reset.

pub mod settings;
pub mod totp;
pub mod two_factor;
