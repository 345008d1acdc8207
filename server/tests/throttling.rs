//! Sign-in throttling: counted before the password is checked, so it holds under concurrent bursts;
//! per account and address, per account, per address; shared by instances through PostgreSQL.

mod common;

use std::time::Duration;

use common::{Answer, PASSWORD, TestApp, serve, state};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use app::ssr::guard::throttle::{Limits, Throttle};
use app::ssr::state::AppParts;

fn signin_limits(per_pair: i32, per_key: i32, per_address: i32, window: Duration) -> Throttle {
    Throttle {
        signin: Limits {
            per_pair: Some(per_pair),
            per_key: Some(per_key),
            per_address: Some(per_address),
            window,
        },
        signin_attempts: Limits { window, ..Throttle::default().signin_attempts },
        ..Throttle::default()
    }
}

async fn spawn_limited(pool: PgPool, throttle: Throttle) -> TestApp {
    serve(AppParts { throttle, ..state(pool.clone()) }, pool).await
}

/// A server that believes `X-Forwarded-For` from 127.0.0.1, so a test can speak from many addresses.
async fn spawn_behind_proxy(pool: PgPool, throttle: Throttle) -> TestApp {
    let trusted = ["127.0.0.1/32".parse().unwrap()].into();
    serve(AppParts { throttle, trusted_proxies: trusted, ..state(pool.clone()) }, pool).await
}

async fn fail(app: &TestApp, login: &str) -> Answer {
    app.signin(login, "wrong-password-here").await
}

/// Signs in as `login` from `address` (through the trusted proxy).
async fn signin_from(app: &TestApp, address: &str, login: &str, password: &str) -> Answer {
    let request = app
        .request(Method::POST, "/api/auth/signin")
        .header("x-forwarded-for", address)
        .json(&json!({ "username": login, "password": password }));
    app.send(request).await
}

fn statuses(answers: &[Answer]) -> Vec<u16> {
    answers.iter().map(|answer| answer.status.as_u16()).collect()
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn five_failures_lock_the_account_from_that_address_with_retry_after(pool: PgPool) {
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
async fn forty_concurrent_wrong_passwords_check_at_most_five_through_rest(pool: PgPool) {
    let app = common::spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let answers = futures::future::join_all((0..40).map(|_| fail(&app, "adam"))).await;
    let statuses = statuses(&answers);
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
    for answer in answers.iter().filter(|answer| answer.status == StatusCode::TOO_MANY_REQUESTS) {
        assert!(answer.headers.contains_key("retry-after"), "{answer:?}");
    }
    // The 35 refusals are one folded audit entry, not 35 rows.
    let (rows, total): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(count), 0) from audit_log where event = 'signin_throttled'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((rows, total), (1, 35));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forty_concurrent_wrong_passwords_check_at_most_five_through_server_functions(pool: PgPool) {
    let app = common::spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let call = || {
        let body = json!({ "username": "adam", "password": "wrong-password-here" });
        app.send(app.request(Method::POST, "/api/fn/sign-in").json(&body))
    };
    let answers = futures::future::join_all((0..40).map(|_| call())).await;
    let statuses = statuses(&answers);
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
    let refused = answers.iter().find(|answer| answer.status == StatusCode::TOO_MANY_REQUESTS).unwrap();
    refused.assert_error(429, "too_many_attempts");
    assert!(refused.headers.contains_key("retry-after"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forty_concurrent_wrong_current_passwords_check_at_most_five(pool: PgPool) {
    let app = common::spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let change = json!({ "currentPassword": "not-my-password", "newPassword": "a-brand-new-passphrase" });
    let answers =
        futures::future::join_all((0..40).map(|_| app.post_bearer("/api/auth/password", &token, &change)))
            .await;
    let statuses = statuses(&answers);
    assert_eq!(count(&statuses, 422), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
    let failed: i64 =
        sqlx::query_scalar("select count(*) from audit_log where event = 'password_change_failed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(failed, 5, "every wrong current password is audited");
    // The same counts as sign-in: the account is locked from this address for both.
    app.signin("adam", PASSWORD).await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_attacker_is_locked_out_while_the_owner_signs_in_from_elsewhere(pool: PgPool) {
    let app = spawn_behind_proxy(pool, Throttle::default()).await;
    app.insert_user("adam", &["user"]).await;
    let attacker = "198.51.100.66";
    let burst = (0..20).map(|_| signin_from(&app, attacker, "adam", "guess-guess-guess"));
    let statuses = statuses(&futures::future::join_all(burst).await);
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    signin_from(&app, attacker, "adam", PASSWORD).await.assert_error(429, "too_many_attempts");
    // The owner, at home, is not locked out by someone else's guesses.
    let owner = signin_from(&app, "203.0.113.10", "adam", PASSWORD).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
    // And the owner's success does not wipe the attacker's record.
    signin_from(&app, attacker, "adam", PASSWORD).await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn distributed_guessing_is_bounded_per_account(pool: PgPool) {
    let app = spawn_behind_proxy(pool, signin_limits(5, 12, 50, Duration::from_secs(900))).await;
    app.insert_user("adam", &["user"]).await;
    // Twelve addresses, one guess each, all at once: exactly the account-wide limit is checked.
    let addresses: Vec<String> = (0..30).map(|i| format!("198.51.100.{i}")).collect();
    let burst = addresses.iter().map(|address| signin_from(&app, address, "adam", "guess-guess"));
    let statuses = statuses(&futures::future::join_all(burst).await);
    assert_eq!(count(&statuses, 401), 12, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 18, "{statuses:?}");
    // That limit is the trade-off: now the owner waits too.
    signin_from(&app, "203.0.113.10", "adam", PASSWORD).await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_8kb_login_is_a_clear_422_and_counted(pool: PgPool) {
    let app = common::spawn(pool).await;
    let huge = "x".repeat(8_000);
    for _ in 0..5 {
        let answer = app.signin(&huge, "whatever-password").await;
        answer.assert_error(422, "validation");
        assert!(answer.body["fields"]["username"].as_str().unwrap().contains("254"), "{}", answer.body);
        assert_eq!(answer.body["auth"], false);
    }
    app.signin(&huge, "whatever-password").await.assert_error(429, "too_many_attempts");
    // Through the server function too, for another over-long login and an over-long password.
    let body = json!({ "username": "y".repeat(8_000), "password": "p".repeat(100) });
    let answer = app.send(app.request(Method::POST, "/api/fn/sign-in").json(&body)).await;
    answer.assert_error(422, "validation");
    assert!(answer.body["fields"]["password"].is_string(), "{}", answer.body);
    let stored: Vec<i32> =
        sqlx::query_scalar("select char_length(key) from throttle_slots where scope = 'signin'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 6);
    assert!(stored.iter().all(|len| *len <= 70), "keys are bounded: {stored:?}");
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
async fn a_success_gives_the_attempts_back(pool: PgPool) {
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
    // Successes hold no slot: any number of them in a row is fine.
    for _ in 0..10 {
        assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_lock_lifts_when_the_window_passes(pool: PgPool) {
    let app = spawn_limited(pool, signin_limits(2, 100, 100, Duration::from_secs(2))).await;
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
    let app = spawn_limited(pool, signin_limits(5, 100, 6, Duration::from_secs(900))).await;
    app.insert_user("victim", &["user"]).await;
    for i in 0..6 {
        fail(&app, &format!("target{i}")).await.assert_error(401, "invalid_credentials");
    }
    // A seventh account, never tried before, is refused: the address is spent.
    fail(&app, "target99").await.assert_error(429, "too_many_attempts");
    app.signin("victim", PASSWORD).await.assert_error(429, "too_many_attempts");
    // A forged X-Forwarded-For does not buy a fresh address: no proxy is trusted by default.
    let request = app
        .request(Method::POST, "/api/auth/signin")
        .header("x-forwarded-for", "198.51.100.23")
        .json(&json!({ "username": "victim", "password": PASSWORD }));
    app.send(request).await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn behind_a_trusted_proxy_the_forwarded_address_counts(pool: PgPool) {
    let app = spawn_behind_proxy(pool, signin_limits(50, 100, 2, Duration::from_secs(900))).await;
    let wrong = "wrong-password-here";
    signin_from(&app, "198.51.100.1", "a1", wrong).await.assert_error(401, "invalid_credentials");
    signin_from(&app, "198.51.100.1", "a2", wrong).await.assert_error(401, "invalid_credentials");
    signin_from(&app, "198.51.100.1", "a3", wrong).await.assert_error(429, "too_many_attempts");
    // Another client behind the same proxy is a different address.
    signin_from(&app, "198.51.100.2", "a4", wrong).await.assert_error(401, "invalid_credentials");
    let logged: Vec<String> =
        sqlx::query_scalar("select host(address) from audit_log where event = 'signin_failed'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(logged.contains(&"198.51.100.2".to_owned()), "{logged:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn ipv6_clients_are_counted_by_their_64(pool: PgPool) {
    let app = spawn_behind_proxy(pool, signin_limits(50, 100, 2, Duration::from_secs(900))).await;
    let wrong = "wrong-password-here";
    signin_from(&app, "2001:db8:1:2::1", "a1", wrong).await.assert_error(401, "invalid_credentials");
    signin_from(&app, "2001:db8:1:2::2", "a2", wrong).await.assert_error(401, "invalid_credentials");
    // A fresh address in the same /64 is the same subscriber.
    signin_from(&app, "2001:db8:1:2:ffff::9", "a3", wrong).await.assert_error(429, "too_many_attempts");
    signin_from(&app, "2001:db8:1:3::1", "a4", wrong).await.assert_error(401, "invalid_credentials");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn instances_share_the_counts_through_the_database(pool: PgPool) {
    let first = common::spawn(pool.clone()).await;
    let second = common::spawn(pool).await;
    first.insert_user("adam", &["user"]).await;
    // Concurrently, half through each instance.
    let burst = (0..20).map(|i| fail(if i % 2 == 0 { &first } else { &second }, "adam"));
    let statuses = statuses(&futures::future::join_all(burst).await);
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    fail(&second, "adam").await.assert_error(429, "too_many_attempts");
    fail(&first, "adam").await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn expired_slots_and_old_audit_entries_are_purged(pool: PgPool) {
    let app = spawn_limited(pool, signin_limits(5, 100, 50, Duration::from_secs(1))).await;
    fail(&app, "ghost").await;
    sqlx::query("insert into audit_log (event, at) values ('signin_failed', now() - interval '91 days')")
        .execute(&app.pool)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    app::ssr::housekeeping::run_once(&app.state, app::ssr::housekeeping::Retention::default()).await;
    let slots: i64 =
        sqlx::query_scalar("select count(*) from throttle_slots").fetch_one(&app.pool).await.unwrap();
    assert_eq!(slots, 0);
    let old: i64 = sqlx::query_scalar("select count(*) from audit_log where at < now() - interval '90 days'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(old, 0);
    let recent: i64 =
        sqlx::query_scalar("select count(*) from audit_log").fetch_one(&app.pool).await.unwrap();
    assert_eq!(recent, 1, "the recent failure stays");
}
