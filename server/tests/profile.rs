//! `/api/auth/me`: reading, editing and deleting one's own account.

mod common;

use common::{PASSWORD, spawn};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_name_can_be_edited_within_the_rules(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let me = app.get_bearer("/api/auth/me", &token).await;
    assert_eq!(me.body["username"], "adam");
    assert!(!me.body.to_string().contains("$2b$"));
    let patch = |body: serde_json::Value| {
        app.send(app.request(Method::PATCH, "/api/auth/me").bearer_auth(&token).json(&body))
    };
    let updated = patch(json!({ "name": "  Adam Smith " })).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["name"], "Adam Smith");
    assert_eq!(app.get_bearer("/api/auth/me", &token).await.body["name"], "Adam Smith");
    patch(json!({ "name": "" })).await.assert_error(422, "validation");
    patch(json!({ "name": "x".repeat(101) })).await.assert_error(422, "validation");
    let typed = patch(json!({ "name": 7 })).await;
    typed.assert_error(422, "validation");
    assert_eq!(typed.body["fields"]["name"], "Name must be a string.");
    app.send(app.request(Method::PATCH, "/api/auth/me").json(&json!({ "name": "X" })))
        .await
        .assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn deleting_the_account_needs_the_password_and_ends_every_session(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let first = app.token("adam").await;
    let second = app.token("adam").await;
    let delete = |password: &str| {
        app.send(
            app.request(Method::DELETE, "/api/auth/me")
                .bearer_auth(&first)
                .json(&json!({ "password": password })),
        )
    };
    let wrong = delete("not-my-password").await;
    wrong.assert_error(422, "validation");
    assert!(wrong.body["fields"]["password"].is_string());
    assert_eq!(app.user_count().await, 1);
    assert_eq!(delete(PASSWORD).await.status, StatusCode::OK);
    assert_eq!(app.user_count().await, 0);
    app.get_bearer("/api/test/user", &second).await.assert_error(401, "unauthorized");
    app.signin("adam", PASSWORD).await.assert_error(401, "invalid_credentials");
    let (event, subject): (String, Option<String>) =
        sqlx::query_as("select event::text, subject_name from audit_log where event = 'account_deleted'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((event.as_str(), subject.as_deref()), ("account_deleted", Some("adam")));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_last_active_admin_cannot_delete_their_account(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("root", &["admin"]).await;
    let token = app.token("root").await;
    let body = json!({ "password": PASSWORD });
    let refused = app.send(app.request(Method::DELETE, "/api/auth/me").bearer_auth(&token).json(&body)).await;
    refused.assert_error(409, "last_admin");
    app.insert_user("second", &["admin"]).await;
    let done = app.send(app.request(Method::DELETE, "/api/auth/me").bearer_auth(&token).json(&body)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn password_checks_for_changes_are_throttled_like_sign_ins(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let body = json!({ "password": "guess-guess-guess" });
    let answers = futures::future::join_all(
        (0..20)
            .map(|_| app.send(app.request(Method::DELETE, "/api/auth/me").bearer_auth(&token).json(&body))),
    )
    .await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15, "{statuses:?}");
    assert_eq!(app.user_count().await, 1);
}
