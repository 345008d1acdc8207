//! Sign-in throttling per account and per address, shared by server instances through PostgreSQL.

mod common;

use std::time::Duration;

use common::{PASSWORD, TestApp, serve, state};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use app::ssr::state::AppState;
use app::ssr::throttle::ThrottleLimits;

async fn spawn_limited(pool: PgPool, limits: ThrottleLimits) -> TestApp {
    serve(AppState { throttle: limits, ..state(pool.clone()) }, pool).await
}

async fn fail(app: &TestApp, login: &str) -> common::Answer {
    app.signin(login, "wrong-password-here").await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn five_failures_lock_the_account_with_retry_after(pool: PgPool) {
    let app = common::spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    for _ in 0..5 {
        fail(&app, "adam").await.assert_error(401, "invalid_credentials");
    }
    let locked = fail(&app, "adam").await;
    locked.assert_error(429, "too_many_attempts");
    let retry: u64 = locked.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((850..=900).contains(&retry), "{retry}");
    assert_eq!(locked.body["retryAfter"], retry);
    assert_eq!(locked.body["auth"], false);
    // Even the right password waits, and by email too: it is the same account.
    app.signin("adam", PASSWORD).await.assert_error(429, "too_many_attempts");
    app.signin("ADAM@example.com", PASSWORD).await.assert_error(429, "too_many_attempts");
    // Other accounts are not affected.
    app.insert_user("eve", &["user"]).await;
    assert_eq!(app.signin("eve", PASSWORD).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_accounts_are_throttled_the_same_way(pool: PgPool) {
    let app = common::spawn(pool).await;
    for _ in 0..5 {
        fail(&app, "ghost").await.assert_error(401, "invalid_credentials");
    }
    fail(&app, "GHOST").await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_success_resets_the_account_count(pool: PgPool) {
    let app = common::spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    for _ in 0..4 {
        fail(&app, "adam").await;
    }
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
    for _ in 0..4 {
        fail(&app, "adam").await.assert_error(401, "invalid_credentials");
    }
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_lock_lifts_when_the_window_passes(pool: PgPool) {
    let limits = ThrottleLimits { per_account: 2, per_address: 100, window: Duration::from_secs(2) };
    let app = spawn_limited(pool, limits).await;
    app.insert_user("adam", &["user"]).await;
    fail(&app, "adam").await;
    fail(&app, "adam").await;
    let locked = fail(&app, "adam").await;
    locked.assert_error(429, "too_many_attempts");
    assert!(locked.body["retryAfter"].as_u64().unwrap() <= 2);
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn one_address_cannot_spray_many_accounts(pool: PgPool) {
    let limits = ThrottleLimits { per_account: 5, per_address: 6, window: Duration::from_secs(900) };
    let app = spawn_limited(pool, limits).await;
    app.insert_user("victim", &["user"]).await;
    for i in 0..6 {
        fail(&app, &format!("target{i}")).await.assert_error(401, "invalid_credentials");
    }
    // A seventh account, never tried before, is refused: the address is spent.
    fail(&app, "target99").await.assert_error(429, "too_many_attempts");
    app.signin("victim", PASSWORD).await.assert_error(429, "too_many_attempts");
    // A forged X-Forwarded-For does not buy a fresh address: no proxy is trusted by default.
    let request = app
        .request(reqwest::Method::POST, "/api/auth/signin")
        .header("x-forwarded-for", "198.51.100.23")
        .json(&json!({ "username": "victim", "password": PASSWORD }));
    app.send(request).await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn behind_a_trusted_proxy_the_forwarded_address_counts(pool: PgPool) {
    let limits = ThrottleLimits { per_account: 50, per_address: 2, window: Duration::from_secs(900) };
    let state = AppState {
        throttle: limits,
        trusted_proxies: ["127.0.0.1".parse().unwrap()].into(),
        ..state(pool.clone())
    };
    let app = serve(state, pool).await;
    let from = |address: &str, login: &str| {
        app.request(reqwest::Method::POST, "/api/auth/signin")
            .header("x-forwarded-for", address)
            .json(&json!({ "username": login, "password": "wrong-password-here" }))
    };
    app.send(from("198.51.100.1", "a1")).await.assert_error(401, "invalid_credentials");
    app.send(from("198.51.100.1", "a2")).await.assert_error(401, "invalid_credentials");
    app.send(from("198.51.100.1", "a3")).await.assert_error(429, "too_many_attempts");
    // Another client behind the same proxy is a different address.
    app.send(from("198.51.100.2", "a4")).await.assert_error(401, "invalid_credentials");
    let logged: Vec<String> =
        sqlx::query_scalar("select host(address) from audit_log where event = 'signin_failed'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(logged.contains(&"198.51.100.2".to_owned()), "{logged:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn instances_share_the_counts_through_the_database(pool: PgPool) {
    let first = common::spawn(pool.clone()).await;
    let second = common::spawn(pool).await;
    first.insert_user("adam", &["user"]).await;
    for i in 0..5 {
        let app = if i % 2 == 0 { &first } else { &second };
        fail(app, "adam").await.assert_error(401, "invalid_credentials");
    }
    fail(&second, "adam").await.assert_error(429, "too_many_attempts");
    fail(&first, "adam").await.assert_error(429, "too_many_attempts");
}
