//! Ending sessions: sign-out (one token), sign-out everywhere, password change (every other
//! token), and what each leaves working.

mod common;

use common::{PASSWORD, spawn};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_out_ends_only_that_token(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (laptop, phone) = (app.token("adam").await, app.token("adam").await);
    let answer = app.post_bearer("/api/auth/signout", &laptop, &json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let refused = app.get_bearer("/api/test/user", &laptop).await;
    refused.assert_error(401, "unauthorized");
    assert!(refused.body["message"].as_str().unwrap().contains("ended"));
    assert_eq!(app.get_bearer("/api/test/user", &phone).await.status, StatusCode::OK);
    // Signing out twice, or without a token, is a 401 like any other use of a dead token.
    app.post_bearer("/api/auth/signout", &laptop, &json!({})).await.assert_error(401, "unauthorized");
    app.post("/api/auth/signout", &json!({})).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_out_everywhere_ends_every_token_at_once(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let tokens = [app.token("adam").await, app.token("adam").await, app.token("adam@example.com").await];
    let answer = app.post_bearer("/api/auth/signout-all", &tokens[0], &json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    for token in &tokens {
        app.get_bearer("/api/test/user", token).await.assert_error(401, "unauthorized");
    }
    // A new sign-in works again.
    let fresh = app.token("adam").await;
    assert_eq!(app.get_bearer("/api/test/user", &fresh).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn changing_the_password_ends_the_other_sessions(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (current, other) = (app.token("adam").await, app.token("adam").await);
    let change = json!({ "currentPassword": PASSWORD, "newPassword": "a-brand-new-passphrase" });
    let answer = app.post_bearer("/api/auth/password", &current, &change).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let renewed = answer.body["accessToken"].as_str().unwrap();
    assert_eq!(answer.body["user"]["username"], "adam");

    assert_eq!(app.get_bearer("/api/test/user", renewed).await.status, StatusCode::OK);
    app.get_bearer("/api/test/user", &other).await.assert_error(401, "unauthorized");
    app.get_bearer("/api/test/user", &current).await.assert_error(401, "unauthorized");
    app.signin("adam", PASSWORD).await.assert_error(401, "invalid_credentials");
    assert_eq!(app.signin("adam", "a-brand-new-passphrase").await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_password_change_needs_the_current_password_and_a_good_new_one(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let change = |current: &str, new: &str| json!({ "currentPassword": current, "newPassword": new });

    let wrong =
        app.post_bearer("/api/auth/password", &token, &change("not-it-at-all", "a-brand-new-one")).await;
    wrong.assert_error(422, "validation");
    assert_eq!(wrong.body["fields"]["currentPassword"], "The current password is not right.");

    for (new, reason) in [
        ("short", "at least 8"),
        ("password123", "most common"),
        ("adam", "at least 8"),
        ("ADAM@example.com", "email"),
        (PASSWORD, "differ"),
    ] {
        let answer = app.post_bearer("/api/auth/password", &token, &change(PASSWORD, new)).await;
        answer.assert_error(422, "validation");
        let message = answer.body["fields"]["newPassword"].as_str().unwrap();
        assert!(message.contains(reason), "{new}: {message}");
    }
    let typed = app.post_bearer("/api/auth/password", &token, &json!({ "currentPassword": 1 })).await;
    typed.assert_error(422, "validation");
    app.post("/api/auth/password", &change(PASSWORD, "a-brand-new-one"))
        .await
        .assert_error(401, "unauthorized");
    // Nothing changed: the old password and token still work.
    assert_eq!(app.get_bearer("/api/test/user", &token).await.status, StatusCode::OK);
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn guessing_the_current_password_with_a_stolen_token_is_throttled(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let guess = json!({ "currentPassword": "guess-guess-guess", "newPassword": "a-brand-new-one" });
    for _ in 0..5 {
        app.post_bearer("/api/auth/password", &token, &guess).await.assert_error(422, "validation");
    }
    app.post_bearer("/api/auth/password", &token, &guess).await.assert_error(429, "too_many_attempts");
}

/// event, subject, typed login, address
type AuditRow = (String, Option<String>, Option<String>, Option<String>);

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_event_reaches_the_audit_log(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    app.insert_user("adam", &["user"]).await;
    app.signin("adam", "wrong-password-here").await;
    app.signin("nobody", "wrong-password-here").await;
    let token = app.token("adam").await;
    let change = json!({ "currentPassword": PASSWORD, "newPassword": "a-brand-new-passphrase" });
    let token = app.post_bearer("/api/auth/password", &token, &change).await.body["accessToken"].clone();
    let token = token.as_str().unwrap();
    app.post_bearer("/api/auth/signout", token, &json!({})).await;
    let fresh = app.token_with("adam", "a-brand-new-passphrase").await;
    app.post_bearer("/api/auth/signout-all", &fresh, &json!({})).await;

    let rows: Vec<AuditRow> =
        sqlx::query_as("select event::text, subject_name, login, host(address) from audit_log order by id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let events: Vec<&str> = rows.iter().map(|row| row.0.as_str()).collect();
    assert_eq!(
        events,
        [
            "account_created",
            "signin_failed",
            "signin_failed",
            "signin_succeeded",
            "password_changed",
            "signed_out",
            "signin_succeeded",
            "signed_out_everywhere",
        ]
    );
    assert_eq!(rows[1].1.as_deref(), Some("adam"));
    assert_eq!((rows[2].1.as_deref(), rows[2].2.as_deref()), (None, Some("nobody")));
    assert!(rows[1..].iter().all(|row| row.3.as_deref() == Some("127.0.0.1")), "{rows:?}");
}
