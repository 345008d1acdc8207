//! The axum server: configuration, state, the router with its layers, and the admin CLI.
//!
//! `main.rs` only parses the command line; everything here is reachable from the integration tests,
//! which build the same router with [`app`] and serve it on a free port.

pub mod cli;
pub mod config;
pub mod dev_services;
pub mod layers;
pub mod listener;
pub mod rest;
pub mod telemetry;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::postgres::PgPoolOptions;

use app::shell;
use app::ssr::factors::settings::MfaSettings;
use app::ssr::identity::password::PasswordHasher;
use app::ssr::recovery::mail::{MailSettings, Mailer};
use app::ssr::secrets::ServerKey;
use app::ssr::session::auth_cache::AuthCache;
use app::ssr::session::tokens::TokenKeys;
use app::ssr::state::{AppParts, AppState};
use app::ui::App;
use config::Config;

/// A pooled connection idle longer than this is pinged before use.
const POOL_PING_AFTER_IDLE: Duration = Duration::from_secs(30);
/// How long a request waits for a free database connection before giving up with 503.
const POOL_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// The embedded migrations (the `migrations/` folder at the workspace root).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Connects to the database, applies pending migrations and builds the shared state.
///
/// # Errors
/// A sentence saying what failed (database unreachable, migration failed, bad settings).
pub async fn build_state(config: &Config, leptos_options: LeptosOptions) -> Result<AppState, String> {
    // Checked before anything else: a wrong origin should not wait for the database to be said.
    let relying_party = config.relying_party(leptos_options.site_addr)?;
    if relying_party.is_none() {
        tracing::warn!(
            "passkeys are off: the app is reached by an IP address ({}); set PUBLIC_URL or WEBAUTHN_RP_ID to a domain name",
            config.public_url(leptos_options.site_addr)
        );
    }
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(POOL_ACQUIRE_TIMEOUT)
        // sqlx pings every connection it hands out by default: one extra round trip per request.
        // Only a connection idle long enough to have been dropped (database restart, firewall) is
        // checked; a busy one proves itself on every query.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > POOL_PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect(&config.database_url)
        .await
        .map_err(|err| format!("cannot connect to the database: {err}"))?;
    MIGRATOR.run(&pool).await.map_err(|err| format!("database migration failed: {err}"))?;
    let tokens =
        TokenKeys::with_signing(config.jwt_algorithm, Some(&config.jwt_secret), config.tokens.clone())?;
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let hasher = PasswordHasher::new(config.bcrypt_cost, cores)?;
    let key = ServerKey::new(&config.encryption_key)?;
    app::ssr::session::keyring::start(&pool, &key, &tokens).await?;
    let mailer = Mailer::new(
        &MailSettings {
            smtp_url: config.mail.smtp_url.clone(),
            from: config.mail.from.clone(),
            public_url: config.public_url(leptos_options.site_addr),
            retry_base: config.mail.retry_base,
        },
        key.clone(),
    )?;
    app::ssr::identity::policy::load();
    Ok(AppState::new(AppParts {
        leptos_options,
        pool,
        tokens: Arc::new(tokens),
        auth_cache: Arc::new(AuthCache::new(config.auth_cache_mb << 20)),
        draining: Arc::default(),
        key_policy: config.key_policy,
        hasher,
        signup: config.signup,
        throttle: config.throttle,
        trusted_proxies: config.trusted_proxies.clone().into(),
        profile: config.profile(),
        mailer,
        recovery: config.recovery,
        sessions: config.sessions,
        mfa: MfaSettings { require_for_admins: config.require_2fa_for_admins },
        key,
        relying_party,
    }))
}

/// The whole HTTP application: REST API, server functions, server-rendered pages and static files.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let layered_state = state.clone();
    let router = Router::new()
        .merge(rest::routes())
        .leptos_routes_with_context(&state, routes, || {}, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state);
    layers::apply(router, &layered_state)
}
