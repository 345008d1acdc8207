//! How long sessions live and how often they may be refreshed: the settings of the session
//! services, kept apart from them so that the state can hold them without depending on a service.

use std::time::Duration;

/// How long sessions live, and how often they may be refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// `REFRESH_TTL_SECS`: how long a session lives unused without "keep me signed in" (default 1
    /// day); also its absolute lifetime.
    pub refresh_ttl: Duration,
    /// `REMEMBER_TTL_SECS`: how long it lives unused with it (default 30 days).
    pub remember_ttl: Duration,
    /// `SESSION_MAX_LIFETIME_SECS`: the absolute lifetime of a session with "keep me signed in",
    /// however often it is refreshed (default 90 days).
    pub max_lifetime: Duration,
    /// `REFRESH_REUSE_GRACE_SECS`: how long the previous refresh token is still answered (10 s).
    pub reuse_grace: Duration,
    /// `REFRESH_MAX_PER_HOUR`: refreshes one session may make in an hour (default 60).
    pub max_refreshes_per_hour: u32,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            refresh_ttl: Duration::from_secs(24 * 60 * 60),
            remember_ttl: Duration::from_secs(30 * 24 * 60 * 60),
            max_lifetime: Duration::from_secs(90 * 24 * 60 * 60),
            reuse_grace: Duration::from_secs(10),
            max_refreshes_per_hour: 60,
        }
    }
}

impl SessionSettings {
    /// How long a session lives unused.
    pub fn ttl(&self, remember: bool) -> Duration {
        if remember { self.remember_ttl } else { self.refresh_ttl }
    }

    /// The absolute lifetime of a session: without "keep me signed in", its unused lifetime.
    pub fn lifetime(&self, remember: bool) -> Duration {
        if remember { self.max_lifetime.max(self.remember_ttl) } else { self.refresh_ttl }
    }
}
