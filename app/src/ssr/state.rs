//! The state every handler and server function shares, built once in `server/src/main.rs`.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use super::mail::Mailer;
use super::mfa::MfaSettings;
use super::password::PasswordHasher;
use super::secrets::ServerKey;
use super::sessions::SessionSettings;
use super::throttle::Throttle;
use super::tokens::TokenKeys;

/// Shared, cheaply cloned application state.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Leptos' site configuration (paths of the compiled client, site address).
    pub leptos_options: LeptosOptions,
    /// The PostgreSQL pool.
    pub pool: PgPool,
    /// JWT signing and verification keys.
    pub tokens: Arc<TokenKeys>,
    /// bcrypt at the configured cost, on a bounded blocking pool.
    pub hasher: PasswordHasher,
    /// Who may choose roles at sign-up.
    pub signup: SignupPolicy,
    /// Throttling limits (sign-in, sign-up).
    pub throttle: Throttle,
    /// Proxy address ranges whose `X-Forwarded-For` is believed (none by default).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// What the deployment profile demands of the HTTP answers.
    pub profile: Profile,
    /// Writes mails to the outbox (and knows the app's public address for their links).
    pub mailer: Mailer,
    /// How long mailed links live, and whether sign-in needs a verified address.
    pub recovery: Recovery,
    /// How long sessions and their refresh tokens live.
    pub sessions: SessionSettings,
    /// The two-factor admin policy.
    pub mfa: MfaSettings,
    /// The server key (`ENCRYPTION_KEY`): seals secrets at rest, keys refresh-token MACs.
    pub key: ServerKey,
}

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

/// The deployment profile (`APP_ENV`) and the HTTP limits, as far as request handling cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// `APP_ENV=production`: pages get the production Content-Security-Policy (no live-reload
    /// socket) whatever `LEPTOS_ENV` says.
    pub production: bool,
    /// `HSTS=true`: every answer carries `Strict-Transport-Security` (only behind HTTPS).
    pub hsts: bool,
    /// `BODY_READ_TIMEOUT_SECS`: how long a request body may take to arrive (default 10 s).
    pub body_read_timeout: std::time::Duration,
}

impl Default for Profile {
    fn default() -> Self {
        Profile { production: false, hsts: false, body_read_timeout: std::time::Duration::from_secs(10) }
    }
}

/// Who may ask for the `pm` and `admin` roles when creating an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignupPolicy {
    /// Only an admin (by token) may create privileged accounts; a self-signup gets `user`.
    #[default]
    AdminsOnly,
    /// The tutorial's demo behaviour: anyone picks any roles (`AUTH_OPEN_ROLE_SIGNUP=true`).
    Open,
}
