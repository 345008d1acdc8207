//! What a sign-up flood costs: the per-address limit and the taken-username answer both come before
//! any bcrypt hash, through REST and server functions alike. "Before any hash" is counted (the
//! hasher counts its bcrypt runs), never timed: a busy machine cannot make these tests flake.

mod common;

use common::{TestApp, signup_body};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

/// bcrypt runs of `app`'s hasher so far.
fn hashes(app: &TestApp) -> u64 {
    app.state.hasher.runs()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn thirty_signups_from_one_address_end_in_429_before_any_hash(pool: PgPool) {
    let app = common::spawn(pool).await;
    for i in 0..20 {
        let answer = app.post("/api/auth/signup", &signup_body(&format!("flood{i}"), &[])).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{i}: {}", answer.body);
    }
    assert_eq!(hashes(&app), 20, "one hash per account");
    for i in 20..30 {
        let answer = app.post("/api/auth/signup", &signup_body(&format!("flood{i}"), &[])).await;
        answer.assert_error(429, "rate_limited");
        let retry: u64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((3500..=3600).contains(&retry), "{retry}");
        assert!(answer.body["message"].as_str().unwrap().contains("sign-ups"), "{}", answer.body);
    }
    assert_eq!(hashes(&app), 20, "the refusals hashed nothing");
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
    let app = common::spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let before = hashes(&app);
    let mut statuses = Vec::new();
    for i in 0..60 {
        let mut body = signup_body("adam", &[]);
        body["email"] = json!(format!("adam{i}@example.com"));
        statuses.push(app.post("/api/auth/signup", &body).await.status.as_u16());
    }
    assert_eq!(hashes(&app), before, "no answer hashed anything");
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
