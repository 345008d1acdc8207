//! The axum server: configuration, state, the router with its layers, and the admin CLI.
//!
//! `main.rs` only parses the command line; everything here is reachable from the integration tests,
//! which build the same router with [`app`] and serve it on a free port.

pub mod cli;
pub mod config;
pub mod rest;
pub mod security;
pub mod telemetry;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::postgres::PgPoolOptions;
use tower_http::timeout::TimeoutLayer;

use app::shell;
use app::ssr::password::PasswordHasher;
use app::ssr::state::AppState;
use app::ssr::tokens::TokenKeys;
use app::ui::App;
use config::Config;

/// Largest request body accepted anywhere: 64 KiB is far more than any form of this app needs.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// A request running longer than this is answered 408 and dropped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
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
    let tokens = TokenKeys::new(&config.jwt_secret, config.jwt_ttl)?;
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let hasher = PasswordHasher::new(config.bcrypt_cost, cores)?;
    app::ssr::policy::load();
    Ok(AppState {
        leptos_options,
        pool,
        tokens: Arc::new(tokens),
        hasher,
        signup: config.signup,
        throttle: config.throttle,
        trusted_proxies: config.trusted_proxies.clone().into(),
    })
}

/// The whole HTTP application: REST API, server functions, server-rendered pages and static files.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .merge(rest::routes())
        .leptos_routes_with_context(&state, routes, || {}, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Innermost first: limits and timeout, then the JSON rewrite of their plain-text refusals,
        // then request logging around everything.
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(axum::middleware::from_fn(rest::json_api_errors))
        .layer(security::headers())
        .layer(telemetry::trace_layer())
        .with_state(state)
}
