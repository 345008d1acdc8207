//! The state every handler and server function shares, built once in `server/src/main.rs`.
//!
//! It holds only what is defined below the services: the low-level parts (pool, keys, hasher,
//! throttle, mailer) and each domain's settings (`*/settings.rs`). No service is imported here, so
//! the services can all take the state without any of them importing another through it.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use super::factors::settings::{MfaSettings, RelyingParty};
use super::guard::throttle::Throttle;
use super::identity::password::PasswordHasher;
use super::identity::settings::SignupPolicy;
use super::recovery::mail::Mailer;
use super::recovery::settings::Recovery;
use super::secrets::ServerKey;
use super::session::auth_cache::AuthCache;
use super::session::settings::SessionSettings;
use super::session::signing_keys::KeyPolicy;
use super::session::tokens::TokenKeys;

/// The application state: one pointer to its [`AppParts`], so the clone axum makes for every
/// request is one reference count, not one per part (under load, those counts are touched by every
/// core at once: the largest item left in a protected GET's profile).
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    /// The state of these parts.
    pub fn new(parts: AppParts) -> AppState {
        AppState(Arc::new(parts))
    }
}

impl From<AppParts> for AppState {
    fn from(parts: AppParts) -> AppState {
        AppState::new(parts)
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// What the state holds: the low-level parts and each domain's settings.
#[derive(Clone)]
pub struct AppParts {
    /// Leptos' site configuration (paths of the compiled client, site address).
    pub leptos_options: LeptosOptions,
    /// The PostgreSQL pool.
    pub pool: PgPool,
    /// JWT signing and verification keys.
    pub tokens: Arc<TokenKeys>,
    /// What authentication reads, remembered per session while the listener keeps it true.
    pub auth_cache: Arc<AuthCache>,
    /// Set when this instance is shutting down: `/readyz` fails so proxies drain it.
    pub draining: Arc<Draining>,
    /// When ES256 keys rotate and retire, and how long the JWKS may be cached.
    pub key_policy: KeyPolicy,
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
    /// The WebAuthn relying party (`WEBAUTHN_RP_ID`, `WEBAUTHN_ORIGINS`); none when the app is
    /// reached by an IP address and no domain was configured (browsers refuse passkeys there).
    pub relying_party: Option<RelyingParty>,
}

/// What leptos_axum renders pages with.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppParts {
    /// The WebAuthn verifier of this server.
    ///
    /// # Errors
    /// `PasskeysUnavailable` when passkeys are off (no relying party).
    pub fn webauthn(&self) -> crate::error::Result<&webauthn_rs::Webauthn> {
        self.relying_party
            .as_ref()
            .map(|party| party.webauthn.as_ref())
            .ok_or(crate::error::AppError::PasskeysUnavailable)
    }
}

/// Whether this instance is shutting down. Set on SIGTERM, before the listener closes, so that
/// `/readyz` fails while requests are still served and a proxy moves traffic away first.
#[derive(Debug, Default)]
pub struct Draining(std::sync::atomic::AtomicBool);

impl Draining {
    /// From now on `/readyz` answers 503.
    pub fn start(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether [`start`](Self::start) was called.
    pub fn is_draining(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
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
