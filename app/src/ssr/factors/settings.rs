//! The two-factor policy, apart from the two-factor service so the state can hold it.

/// The two-factor policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MfaSettings {
    /// `REQUIRE_2FA_FOR_ADMINS`: admins without two-factor sign-in may use no admin power until
    /// they set it up.
    pub require_for_admins: bool,
}
