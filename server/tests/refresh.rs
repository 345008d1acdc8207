//! Sessions as rows: refresh-token rotation and reuse detection, "keep me signed in", the session
//! list and ending one session.

mod common;

use std::time::Duration;

use common::{PASSWORD, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

use app::ssr::session::settings::SessionSettings;
use app::ssr::state::AppParts;

async fn signin(app: &TestApp, remember: bool) -> Value {
    let body = json!({ "username": "adam", "password": PASSWORD, "remember": remember });
    let answer = app.post("/api/auth/signin", &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

async fn refresh(app: &TestApp, token: &str) -> common::Answer {
    app.post("/api/auth/refresh", &json!({ "refreshToken": token })).await
}

fn text(body: &Value, field: &str) -> String {
    body[field].as_str().unwrap_or_else(|| panic!("no {field} in {body}")).to_owned()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_in_hands_out_a_refresh_token_beside_the_tutorials_fields(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let body = signin(&app, false).await;
    for field in [
        "auth",
        "accessToken",
        "tokenType",
        "expiresIn",
        "expiresAt",
        "user",
        "refreshToken",
        "refreshExpiresIn",
    ] {
        assert!(!body[field].is_null(), "{field} in {body}");
    }
    assert_eq!(body["refreshExpiresIn"], 86_400);
    assert_eq!(text(&body, "refreshToken").len(), 64);
    assert_eq!(signin(&app, true).await["refreshExpiresIn"], 30 * 86_400);
    let stored: Vec<bool> = sqlx::query_scalar("select remember from sessions order by created_at")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, [false, true]);
    // Nothing stored is the token, nor its hash: the session row holds a generation and a seed.
    let token = text(&body, "refreshToken");
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from sessions where position(decode($1, 'hex') in coalesce(refresh_seed, '')) > 0 \
         or encode(refresh_seed, 'hex') = $1",
    )
    .bind(&token)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0);
    let legacy: i64 =
        sqlx::query_scalar("select count(*) from refresh_tokens").fetch_one(&app.pool).await.unwrap();
    assert_eq!(legacy, 0, "no refresh token is written to the old table any more");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_refresh_rotates_and_a_reused_token_ends_the_session(pool: PgPool) {
    let state = AppParts {
        sessions: SessionSettings { reuse_grace: Duration::from_secs(1), ..SessionSettings::default() },
        ..common::state(pool.clone())
    };
    let app = common::serve(state, pool).await;
    app.insert_user("adam", &["user"]).await;
    let first = signin(&app, false).await;
    let renewed = refresh(&app, &text(&first, "refreshToken")).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    assert_eq!(renewed.body["auth"], true);
    assert_ne!(renewed.body["refreshToken"], first["refreshToken"]);
    assert_ne!(renewed.body["accessToken"], first["accessToken"]);
    let access = text(&renewed.body, "accessToken");
    assert_eq!(app.get_bearer("/api/test/user", &access).await.status, StatusCode::OK);

    // The spent token, after the grace: taken as stolen. The whole session ends, thief and owner.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let reused = refresh(&app, &text(&first, "refreshToken")).await;
    reused.assert_error(401, "refresh_token_reused");
    app.get_bearer("/api/test/user", &access).await.assert_error(401, "unauthorized");
    refresh(&app, &text(&renewed.body, "refreshToken")).await.assert_error(401, "unauthorized");
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where event = 'refresh_token_reused'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
    for garbage in ["", "abc", &"0".repeat(64), &"x".repeat(5000)] {
        refresh(&app, garbage).await.assert_error(401, "unauthorized");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn two_tabs_refreshing_at_once_both_stay_signed_in_on_one_chain(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = text(&signin(&app, false).await, "refreshToken");
    let (one, two) = tokio::join!(refresh(&app, &token), refresh(&app, &token));
    assert_eq!((one.status, two.status), (StatusCode::OK, StatusCode::OK), "{} / {}", one.body, two.body);
    // Both tabs hold the same next token: the chain did not fork.
    assert_eq!(one.body["refreshToken"], two.body["refreshToken"]);
    for answer in [&one, &two] {
        let access = text(&answer.body, "accessToken");
        assert_eq!(app.get_bearer("/api/test/user", &access).await.status, StatusCode::OK);
    }
    // Within the grace, sequentially too: the same token again, nothing new minted.
    let third = refresh(&app, &token).await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.body);
    assert_eq!(third.body["refreshToken"], one.body["refreshToken"]);
    // The chain moves on from the one live token.
    let next = refresh(&app, &text(&one.body, "refreshToken")).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
    assert_ne!(next.body["refreshToken"], one.body["refreshToken"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_expired_session_cannot_be_refreshed(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let body = signin(&app, false).await;
    sqlx::query("update sessions set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let answer = refresh(&app, &text(&body, "refreshToken")).await;
    answer.assert_error(401, "unauthorized");
    assert!(answer.body["message"].as_str().unwrap().contains("expired"), "{}", answer.body);
    app.get_bearer("/api/test/user", &text(&body, "accessToken")).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_session_list_and_ending_one_session(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    app.insert_user("eve", &["user"]).await;
    let laptop_signin = app
        .request(Method::POST, "/api/auth/signin")
        .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36")
        .json(&json!({ "username": "adam", "password": PASSWORD }));
    let laptop = app.send(laptop_signin).await.body;
    let phone = signin(&app, true).await;
    let (laptop_access, phone_access) = (text(&laptop, "accessToken"), text(&phone, "accessToken"));
    let list = app.get_bearer("/api/auth/sessions", &phone_access).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let sessions = list.body["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert!(other["userAgent"].as_str().unwrap().contains("Chrome/120"), "{other}");
    assert_eq!(other["address"], "127.0.0.1");
    for field in ["id", "createdAt", "lastSeenAt"] {
        assert!(!other[field].is_null(), "{field}");
    }
    // Someone else cannot end it; its owner can, and its tokens stop at once.
    let eve = app.token("eve").await;
    let path = format!("/api/auth/sessions/{}", other["id"].as_str().unwrap());
    app.send(app.request(Method::DELETE, &path).bearer_auth(&eve)).await.assert_error(404, "not_found");
    let ended = app.send(app.request(Method::DELETE, &path).bearer_auth(&phone_access)).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    app.get_bearer("/api/test/user", &laptop_access).await.assert_error(401, "unauthorized");
    refresh(&app, &text(&laptop, "refreshToken")).await.assert_error(401, "unauthorized");
    assert_eq!(app.get_bearer("/api/test/user", &phone_access).await.status, StatusCode::OK);
    assert_eq!(
        app.get_bearer("/api/auth/sessions", &phone_access).await.body["sessions"].as_array().unwrap().len(),
        1
    );
    app.send(app.request(Method::DELETE, "/api/auth/sessions/not-an-id").bearer_auth(&phone_access))
        .await
        .assert_error(404, "not_found");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn signing_out_elsewhere_keeps_only_this_session(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let others = [app.token("adam").await, app.token("adam").await];
    let this = app.token("adam").await;
    let answer = app.post_bearer("/api/auth/signout-others", &this, &json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    for token in &others {
        app.get_bearer("/api/test/user", token).await.assert_error(401, "unauthorized");
    }
    assert_eq!(app.get_bearer("/api/test/user", &this).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_password_change_renews_this_sessions_refresh_token_and_ends_the_others(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let other = signin(&app, false).await;
    let this = signin(&app, false).await;
    let change = json!({ "currentPassword": PASSWORD, "newPassword": "a-brand-new-passphrase" });
    let changed = app.post_bearer("/api/auth/password", &text(&this, "accessToken"), &change).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    refresh(&app, &text(&other, "refreshToken")).await.assert_error(401, "unauthorized");
    let renewed = refresh(&app, &text(&changed.body, "refreshToken")).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
}
