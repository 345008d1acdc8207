//! The settings of the mailed links: how long each kind works, and whether sign-in needs a verified
//! address.

/// Settings of the mailed links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    /// `PASSWORD_RESET_TTL_SECS`: how long a reset link works (default 30 minutes).
    pub reset_ttl: std::time::Duration,
    /// `EMAIL_VERIFY_TTL_SECS`: how long a verification link works (default 2 days).
    pub verify_ttl: std::time::Duration,
    /// `REQUIRE_VERIFIED_EMAIL`: sign-in needs a verified address (default false).
    pub require_verified_email: bool,
}

impl Default for Recovery {
    fn default() -> Self {
        Recovery {
            reset_ttl: std::time::Duration::from_secs(30 * 60),
            verify_ttl: std::time::Duration::from_secs(2 * 24 * 60 * 60),
            require_verified_email: false,
        }
    }
}
