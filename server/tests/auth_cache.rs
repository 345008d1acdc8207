//! The auth cache: protected requests are answered from memory, and every change that ends or
//! alters a session reaches every instance's memory through PostgreSQL notices — including when
//! the listening connection is killed in the middle of a revocation.

mod common;

use std::time::{Duration, Instant};

use app::ssr::session::settings::SessionSettings;
use app::ssr::state::AppParts;
use common::{PASSWORD, TestApp, serve, spawn, state};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

/// Two instances of the app on one database, each with its own cache and listener.
async fn two_instances(pool: PgPool) -> (TestApp, TestApp) {
    let a = serve(state(pool.clone()), pool.clone()).await;
    let b = serve(state(pool.clone()), pool).await;
    (a, b)
}

/// Calls `/api/test/user` on `app` until it is refused (or `limit` passes); returns how long that
/// took, or `None` when it was never refused.
async fn refused_within(app: &TestApp, token: &str, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if app.get_bearer("/api/test/user", token).await.status == StatusCode::UNAUTHORIZED {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

/// Runs `sql` with the cache triggers switched off, so that only memory knows the old state.
async fn silently(pool: &PgPool, sql: &str) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("alter table users disable trigger users_auth_changes").execute(&mut *tx).await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    sqlx::query("alter table users enable trigger users_auth_changes").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// The fences on the channel until a marker sent now (notices arrive in commit order).
async fn fences_until_marker(listener: &mut sqlx::postgres::PgListener, pool: &PgPool) -> usize {
    sqlx::query("select pg_notify('auth_changes', 'marker')").execute(pool).await.unwrap();
    let mut fences = 0;
    loop {
        let notice = listener.recv().await.unwrap();
        match notice.payload() {
            "marker" => return fences,
            payload if payload.starts_with("f:") => fences += 1,
            _ => {}
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_second_request_is_answered_from_memory(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    assert!(app.state.auth_cache.is_active());
    assert_eq!(app.get_bearer("/api/test/user", &token).await.status, StatusCode::OK);
    assert_eq!(app.state.auth_cache.entries(), (1, 1));
    // A change made behind the cache's back (no notice) is not seen: the answer came from memory.
    silently(&app.pool, "update users set token_version = token_version + 1 where username = 'adam'").await;
    assert_eq!(app.get_bearer("/api/test/user", &token).await.status, StatusCode::OK);
    // The same change with its notice is seen at once.
    sqlx::query("update users set token_version = token_version + 1 where username = 'adam'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(refused_within(&app, &token, Duration::from_secs(2)).await.is_some());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_revocation_on_one_instance_is_refused_on_the_other(pool: PgPool) {
    let (a, b) = two_instances(pool).await;
    a.insert_user("root", &["user", "admin"]).await;
    let root = a.token("root").await;
    let changes = [
        "sign out",
        "sign out everywhere",
        "sign out others",
        "end the session",
        "password change",
        "role revoked",
        "disabled",
        "deleted",
        "refresh reuse",
    ];
    for (n, change) in changes.iter().enumerate() {
        let username = format!("user{n}");
        a.insert_user(&username, &["user", "pm"]).await;
        let signin = a.signin(&username, PASSWORD).await;
        let token = signin.body["accessToken"].as_str().unwrap().to_owned();
        let session: String = sqlx::query_scalar(
            "select s.id::text from sessions s join users u on u.id = s.user_id where u.username = $1",
        )
        .bind(&username)
        .fetch_one(&a.pool)
        .await
        .unwrap();
        // The victim's token is warm in B's memory.
        assert_eq!(b.get_bearer("/api/test/pm", &token).await.status, StatusCode::OK, "{change}");
        let id = a.user_id(&username).await;
        let other = a.token(&username).await; // a second session, for "sign out others"
        let done = match *change {
            "sign out" => a.post_bearer("/api/auth/signout", &token, &json!({})).await.status,
            "sign out everywhere" => a.post_bearer("/api/auth/signout-all", &other, &json!({})).await.status,
            "sign out others" => a.post_bearer("/api/auth/signout-others", &other, &json!({})).await.status,
            "end the session" => {
                a.send(
                    a.request(Method::DELETE, &format!("/api/auth/sessions/{session}")).bearer_auth(&other),
                )
                .await
                .status
            }
            "password change" => {
                let body = json!({ "currentPassword": PASSWORD, "newPassword": "another-horse-battery" });
                a.post_bearer("/api/auth/password", &other, &body).await.status
            }
            "role revoked" => {
                let path = format!("/api/admin/users/{id}/roles/pm");
                a.send(a.request(Method::DELETE, &path).bearer_auth(&root)).await.status
            }
            "disabled" => {
                a.post_bearer(&format!("/api/admin/users/{id}/disable"), &root, &json!({})).await.status
            }
            "deleted" => {
                let body = json!({ "password": PASSWORD });
                a.send(a.request(Method::DELETE, "/api/auth/me").bearer_auth(&other).json(&body)).await.status
            }
            "refresh reuse" => {
                // Two rotations, then the first token again: older than the grace allows.
                let mut refresh = signin.body["refreshToken"].as_str().unwrap().to_owned();
                let first = json!({ "refreshToken": refresh });
                for _ in 0..2 {
                    let next = a.post("/api/auth/refresh", &json!({ "refreshToken": refresh })).await;
                    assert_eq!(next.status, StatusCode::OK);
                    refresh = next.body["refreshToken"].as_str().unwrap().to_owned();
                }
                a.post("/api/auth/refresh", &first).await.status
            }
            _ => unreachable!(),
        };
        assert!(done.is_success() || *change == "refresh reuse", "{change}: {done}");
        let path = if *change == "role revoked" { "/api/test/pm" } else { "/api/test/user" };
        let refused = if *change == "role revoked" {
            let start = Instant::now();
            let mut seen = None;
            while start.elapsed() < Duration::from_secs(2) {
                if b.get_bearer(path, &token).await.status == StatusCode::FORBIDDEN {
                    seen = Some(start.elapsed());
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            seen
        } else {
            refused_within(&b, &token, Duration::from_secs(2)).await
        };
        assert!(refused.is_some(), "{change}: still accepted on the other instance after 2 s");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn killing_the_listener_mid_revocation_never_leaves_the_session_accepted(pool: PgPool) {
    let (a, b) = two_instances(pool).await;
    for round in 0..5 {
        let username = format!("adam{round}");
        a.insert_user(&username, &["user"]).await;
        let token = a.token(&username).await;
        assert_eq!(b.get_bearer("/api/test/user", &token).await.status, StatusCode::OK);
        // Kill every listening connection while the sign-out runs on A.
        let kill = sqlx::query(
            "select pg_terminate_backend(pid) from pg_stat_activity \
             where datname = current_database() and query ilike 'listen%'",
        )
        .execute(&a.pool);
        let empty = json!({});
        let signout = a.post_bearer("/api/auth/signout", &token, &empty);
        let (killed, signed_out) = tokio::join!(kill, signout);
        assert!(killed.unwrap().rows_affected() >= 1);
        assert_eq!(signed_out.status, StatusCode::OK);
        // B heard the notice, or lost its connection before it: then it notices the loss as soon
        // as its listener task runs (microseconds here; the test runs every task on one thread, so
        // a request can be served before that task: hence a bound, not "at once"), empties its
        // memory and reads the database.
        assert!(
            refused_within(&b, &token, Duration::from_secs(1)).await.is_some(),
            "round {round}: B still accepted the signed-out token"
        );
        // The listener comes back, subscribed, and memory serves again.
        let back = Instant::now();
        while !b.state.auth_cache.is_active() && back.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(b.state.auth_cache.is_active(), "the listener did not come back");
        // Nothing stale survived the reconnection.
        for _ in 0..3 {
            assert_eq!(b.get_bearer("/api/test/user", &token).await.status, StatusCode::UNAUTHORIZED);
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn while_the_listener_is_down_requests_read_the_database(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    assert_eq!(app.get_bearer("/api/test/user", &token).await.status, StatusCode::OK);
    app.state.auth_cache.set_listening(false);
    assert_eq!(app.state.auth_cache.entries(), (0, 0));
    // Not remembered while nobody listens: a silent change is seen.
    assert_eq!(app.get_bearer("/api/test/user", &token).await.status, StatusCode::OK);
    assert_eq!(app.state.auth_cache.entries(), (0, 0));
    silently(&app.pool, "update users set disabled_at = now() where username = 'adam'").await;
    app.get_bearer("/api/test/user", &token).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn two_factor_and_passkey_changes_reach_the_cache(pool: PgPool) {
    // An admin whose session has no second factor, under REQUIRE_2FA_FOR_ADMINS: the factors and
    // the session's second factor decide the Admin board, so their changes must be heard.
    let strict = app::ssr::state::AppParts {
        mfa: app::ssr::factors::settings::MfaSettings { require_for_admins: true },
        ..state(pool.clone())
    };
    let app = serve(strict, pool).await;
    app.insert_user("root", &["user", "admin"]).await;
    let token = app.token("root").await;
    app.get_bearer("/api/test/admin", &token).await.assert_error(403, "mfa_setup_required");
    let root = app.user_id("root").await;
    // The session gains its second factor behind the app's services (as another instance would).
    sqlx::query("update sessions set second_factor = true where user_id = $1")
        .bind(root)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into mfa_secrets (user_id, ciphertext, nonce, enabled_at) values ($1, '\\x00', '\\x000000000000000000000000', now())",
    )
    .bind(root)
    .execute(&app.pool)
    .await
    .unwrap();
    let start = Instant::now();
    while app.get_bearer("/api/test/admin", &token).await.status != StatusCode::OK {
        assert!(start.elapsed() < Duration::from_secs(2), "the factor was not heard");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Its last factor removed: the admin powers go at once.
    sqlx::query("delete from mfa_secrets where user_id = $1").bind(root).execute(&app.pool).await.unwrap();
    let start = Instant::now();
    while app.get_bearer("/api/test/admin", &token).await.status == StatusCode::OK {
        assert!(start.elapsed() < Duration::from_secs(2), "the removal was not heard");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn emptying_a_table_at_once_empties_every_cache(pool: PgPool) {
    let (a, b) = two_instances(pool).await;
    a.insert_user("adam", &["user"]).await;
    let token = a.token("adam").await;
    assert_eq!(b.get_bearer("/api/test/user", &token).await.status, StatusCode::OK);
    // "Sign everyone out", the blunt way: no row trigger fires.
    sqlx::query("truncate sessions cascade").execute(&a.pool).await.unwrap();
    assert!(refused_within(&b, &token, Duration::from_secs(2)).await.is_some());
    assert!(refused_within(&a, &token, Duration::from_secs(2)).await.is_some());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_flood_of_refused_changes_sends_no_fence(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&app.pool).await.unwrap();
    listener.listen("auth_changes").await.unwrap();
    fences_until_marker(&mut listener, &app.pool).await;
    for _ in 0..50 {
        assert_eq!(app.post("/api/nowhere", &json!({})).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.post("/api/auth/signout", &json!({})).await.status, StatusCode::UNAUTHORIZED);
        let wrong = json!({ "username": "adam", "password": "not-the-password" });
        assert!(app.post("/api/auth/signin", &wrong).await.status.is_client_error());
    }
    assert_eq!(fences_until_marker(&mut listener, &app.pool).await, 0, "refusals sent fences");
    for _ in 0..5 {
        assert_eq!(
            app.post_bearer("/api/auth/signout-others", &token, &json!({})).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(fences_until_marker(&mut listener, &app.pool).await, 5, "one fence per accepted change");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn refusals_and_sign_ins_that_end_sessions_are_fenced(pool: PgPool) {
    // A refused request that ended a session, and a sign-in (otherwise unfenced) that ended the
    // oldest past the cap, answer only once this instance has heard of it: the ended session's
    // token is refused here the moment the answer arrives.
    let app = serve(
        AppParts {
            sessions: SessionSettings { reuse_grace: Duration::ZERO, ..SessionSettings::default() },
            ..state(pool.clone())
        },
        pool,
    )
    .await;
    app.insert_user("adam", &["user"]).await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&app.pool).await.unwrap();
    listener.listen("auth_changes").await.unwrap();
    let first = app.signin("adam", PASSWORD).await.body;
    let access = first["accessToken"].as_str().unwrap().to_owned();
    let spent = json!({ "refreshToken": first["refreshToken"] });
    assert_eq!(app.get_bearer("/api/test/user", &access).await.status, StatusCode::OK); // remembered
    assert_eq!(app.post("/api/auth/refresh", &spent).await.status, StatusCode::OK);
    fences_until_marker(&mut listener, &app.pool).await;
    app.post("/api/auth/refresh", &spent).await.assert_error(401, "refresh_token_reused");
    assert_eq!(app.get_bearer("/api/test/user", &access).await.status, StatusCode::UNAUTHORIZED);
    for _ in 0..5 {
        assert_eq!(app.post("/api/auth/refresh", &spent).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(fences_until_marker(&mut listener, &app.pool).await, 1, "one fence, for the reuse only");

    // The same through the server function: leptos_axum must run it in the request's own task for
    // its note to reach the fence layer.
    let second = app.signin("adam", PASSWORD).await.body;
    let access = second["accessToken"].as_str().unwrap().to_owned();
    let spent = json!({ "refresh_token": second["refreshToken"] });
    assert_eq!(app.get_bearer("/api/test/user", &access).await.status, StatusCode::OK);
    assert_eq!(app.post("/api/fn/refresh", &spent).await.status, StatusCode::OK);
    fences_until_marker(&mut listener, &app.pool).await;
    assert_eq!(app.post("/api/fn/refresh", &spent).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get_bearer("/api/test/user", &access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        fences_until_marker(&mut listener, &app.pool).await,
        1,
        "the server function's reuse was fenced"
    );

    // The oldest of a full set of sessions, remembered, then pushed out by one more sign-in.
    let oldest = app.token("adam").await;
    assert_eq!(app.get_bearer("/api/test/user", &oldest).await.status, StatusCode::OK); // remembered
    // (Neither change below is news to the cache: only ends, expiries and factors are.)
    sqlx::query("update sessions set last_seen_at = now() - interval '1 day' where ended_at is null")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into sessions (user_id, expires_at, max_expires_at)
         select id, now() + interval '1 day', now() + interval '1 day' from users, generate_series(2, 100)
         where username = 'adam'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    fences_until_marker(&mut listener, &app.pool).await;
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(app.get_bearer("/api/test/user", &oldest).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fences_until_marker(&mut listener, &app.pool).await, 1, "the capped sign-in was fenced");
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(fences_until_marker(&mut listener, &app.pool).await, 1, "and so is the next past the cap");
}
