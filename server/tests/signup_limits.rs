//! What a sign-up flood costs: the per-address limit and the taken-username answer both come before
//! any bcrypt hash, through REST and server functions alike.

mod common;

use std::time::{Duration, Instant};

use common::{Answer, TestApp, signup_body};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use app::ssr::password::PasswordHasher;
use app::ssr::state::AppState;

/// A server hashing at a real cost, so "before any hash" is measurable: one hash takes tens of
/// milliseconds, a refusal that skips it a few.
async fn spawn_real_cost(pool: PgPool) -> (TestApp, Duration) {
    let hasher = PasswordHasher::new(10, 2).unwrap();
    let started = Instant::now();
    hasher.hash("measure-one-hash".into()).await.unwrap();
    let one_hash = started.elapsed();
    let app = common::serve(AppState { hasher, ..common::state(pool.clone()) }, pool).await;
    (app, one_hash)
}

async fn timed(app: &TestApp, body: &serde_json::Value) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = app.post("/api/auth/signup", body).await;
    (answer, started.elapsed())
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn thirty_signups_from_one_address_end_in_429_before_any_hash(pool: PgPool) {
    let (app, one_hash) = spawn_real_cost(pool).await;
    for i in 0..20 {
        let answer = app.post("/api/auth/signup", &signup_body(&format!("flood{i}"), &[])).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{i}: {}", answer.body);
    }
    for i in 20..30 {
        let (answer, took) = timed(&app, &signup_body(&format!("flood{i}"), &[])).await;
        answer.assert_error(429, "rate_limited");
        let retry: u64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((3500..=3600).contains(&retry), "{retry}");
        assert!(answer.body["message"].as_str().unwrap().contains("sign-ups"), "{}", answer.body);
        assert!(took < one_hash / 3, "refused in {took:?}, one hash takes {one_hash:?}");
    }
    assert_eq!(app.user_count().await, 20);
    // Ten refusals, one folded audit entry.
    let (rows, total): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(count), 0) from audit_log where event = 'signup_throttled'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((rows, total), (1, 10));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_taken_username_is_answered_before_hashing_and_counted(pool: PgPool) {
    let (app, one_hash) = spawn_real_cost(pool).await;
    app.insert_user("adam", &["user"]).await;
    let mut statuses = Vec::new();
    for i in 0..60 {
        let mut body = signup_body("adam", &[]);
        body["email"] = json!(format!("adam{i}@example.com"));
        let (answer, took) = timed(&app, &body).await;
        assert!(took < one_hash / 3, "answered in {took:?}, one hash takes {one_hash:?}");
        statuses.push(answer.status.as_u16());
    }
    // Probing which usernames exist is bounded by the same limit.
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 20, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 40, "{statuses:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn rest_and_server_functions_share_the_limit(pool: PgPool) {
    let app = common::spawn(pool).await;
    let concurrently = (0..40).map(|i| {
        let body = signup_body(&format!("both{i}"), &[]);
        let request = if i % 2 == 0 {
            app.request(Method::POST, "/api/auth/signup").json(&body)
        } else {
            app.request(Method::POST, "/api/fn/sign-up").json(&json!({ "form": body }))
        };
        app.send(request)
    });
    let answers = futures::future::join_all(concurrently).await;
    let ok = answers.iter().filter(|a| a.status.is_success()).count();
    let limited = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((ok, limited), (20, 20), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    assert_eq!(app.user_count().await, 20);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admins_creating_accounts_are_not_limited(pool: PgPool) {
    let app = common::spawn(pool).await;
    app.insert_user("root", &["admin"]).await;
    let admin = app.token("root").await;
    for i in 0..25 {
        let request = app
            .request(Method::POST, "/api/auth/signup")
            .bearer_auth(&admin)
            .json(&signup_body(&format!("staff{i}"), &[]));
        assert_eq!(app.send(request).await.status, StatusCode::CREATED, "{i}");
    }
}
