//! `/api/admin`: listing, role changes, disabling, the last-admin guard and the audit log.

mod common;

use common::{PASSWORD, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

async fn admin_app(pool: PgPool) -> (TestApp, String) {
    let app = spawn(pool).await;
    app.insert_user("root", &["user", "admin"]).await;
    let token = app.token("root").await;
    (app, token)
}

async fn call(
    app: &TestApp,
    method: Method,
    path: impl AsRef<str>,
    token: &str,
    body: Option<Value>,
) -> common::Answer {
    let mut request = app.request(method, path.as_ref()).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    app.send(request).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn only_admins_reach_any_admin_endpoint(pool: PgPool) {
    let (app, _) = admin_app(pool).await;
    app.insert_user("jack", &["pm"]).await;
    let pm = app.token("jack").await;
    let root = app.user_id("root").await;
    let endpoints = [
        (Method::GET, "/api/admin/users".to_owned(), None),
        (Method::GET, "/api/admin/audit".to_owned(), None),
        (Method::POST, format!("/api/admin/users/{root}/roles"), Some(json!({ "role": "pm" }))),
        (Method::DELETE, format!("/api/admin/users/{root}/roles/admin"), None),
        (Method::POST, format!("/api/admin/users/{root}/disable"), None),
        (Method::POST, format!("/api/admin/users/{root}/enable"), None),
    ];
    for (method, path, body) in endpoints {
        let answer = call(&app, method.clone(), &path, &pm, body.clone()).await;
        answer.assert_error(403, "forbidden");
        assert_eq!(answer.body["message"], "Require Admin Role!");
        let mut anonymous = app.request(method, &path);
        if let Some(body) = body {
            anonymous = anonymous.json(&body);
        }
        app.send(anonymous).await.assert_error(401, "unauthorized");
    }
    let roles: Vec<String> =
        sqlx::query_scalar("select unnest(roles)::text from accounts where username = 'root'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(roles, ["user", "admin"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn lists_users_paginated_and_searchable(pool: PgPool) {
    let (app, token) = admin_app(pool).await;
    for i in 0..12 {
        app.insert_user(&format!("member{i:02}"), &["user"]).await;
    }
    let page = call(&app, Method::GET, "/api/admin/users?perPage=5&page=2", &token, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body["total"], 13);
    let names: Vec<&str> =
        page.body["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["member05", "member06", "member07", "member08", "member09"]);
    assert_eq!(page.body["users"][0]["disabled"], false);
    assert!(page.body["users"][0]["createdAt"].as_i64().unwrap() > 1_700_000_000);
    assert!(!page.body.to_string().contains("$2b$"));

    let found = call(&app, Method::GET, "/api/admin/users?q=MEMBER1", &token, None).await;
    assert_eq!(found.body["total"], 2);
    let by_email = call(&app, Method::GET, "/api/admin/users?q=root%40example", &token, None).await;
    assert_eq!(by_email.body["users"][0]["username"], "root");
    // LIKE wildcards are literal: "%" and "_" match only themselves.
    assert_eq!(call(&app, Method::GET, "/api/admin/users?q=%25", &token, None).await.body["total"], 0);
    assert_eq!(call(&app, Method::GET, "/api/admin/users?q=_", &token, None).await.body["total"], 0);
    let answer = call(&app, Method::GET, "/api/admin/users?page=two&perPage=1.5", &token, None).await;
    answer.assert_error(422, "validation");
    assert_eq!(answer.body["fields"]["page"], "Page must be a whole number.");
    assert_eq!(answer.body["fields"]["perPage"], "perPage must be a whole number.");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn granting_pm_opens_the_management_board_on_the_next_request(pool: PgPool) {
    let (app, token) = admin_app(pool).await;
    app.insert_user("adam", &["user"]).await;
    let adam = app.token("adam").await;
    let id = app.user_id("adam").await;
    app.get_bearer("/api/test/pm", &adam).await.assert_error(403, "forbidden");

    let granted = call(
        &app,
        Method::POST,
        &format!("/api/admin/users/{id}/roles"),
        &token,
        Some(json!({ "role": "PM" })),
    )
    .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert_eq!(granted.body["roles"], json!(["user", "pm"]));
    assert_eq!(app.get_bearer("/api/test/pm", &adam).await.status, StatusCode::OK);

    let revoked = call(&app, Method::DELETE, &format!("/api/admin/users/{id}/roles/pm"), &token, None).await;
    assert_eq!(revoked.body["roles"], json!(["user"]));
    app.get_bearer("/api/test/pm", &adam).await.assert_error(403, "forbidden");

    let bad = call(
        &app,
        Method::POST,
        &format!("/api/admin/users/{id}/roles"),
        &token,
        Some(json!({ "role": "root" })),
    )
    .await;
    bad.assert_error(422, "validation");
    let user_role =
        call(&app, Method::DELETE, &format!("/api/admin/users/{id}/roles/user"), &token, None).await;
    user_role.assert_error(422, "validation");
    let missing = call(&app, Method::POST, "/api/admin/users/not-a-uuid/disable", &token, None).await;
    missing.assert_error(404, "not_found");
    let nobody = uuid::Uuid::nil();
    call(&app, Method::POST, &format!("/api/admin/users/{nobody}/disable"), &token, None)
        .await
        .assert_error(404, "not_found");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn revoking_the_only_role_leaves_the_user_role(pool: PgPool) {
    let (app, token) = admin_app(pool).await;
    app.insert_user("jack", &["pm"]).await;
    let id = app.user_id("jack").await;
    let answer = call(&app, Method::DELETE, &format!("/api/admin/users/{id}/roles/pm"), &token, None).await;
    assert_eq!(answer.body["roles"], json!(["user"]), "{}", answer.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_disabled_account_cannot_sign_in_and_its_tokens_stop(pool: PgPool) {
    let (app, token) = admin_app(pool).await;
    app.insert_user("adam", &["user"]).await;
    let adam = app.token("adam").await;
    let id = app.user_id("adam").await;
    let disabled = call(&app, Method::POST, &format!("/api/admin/users/{id}/disable"), &token, None).await;
    assert_eq!(disabled.body["disabled"], true, "{}", disabled.body);
    let refused = app.get_bearer("/api/test/user", &adam).await;
    refused.assert_error(401, "unauthorized");
    assert!(refused.body["message"].as_str().unwrap().contains("disabled"));
    app.signin("adam", PASSWORD).await.assert_error(403, "account_disabled");
    // A wrong password on a disabled account says nothing about the account.
    app.signin("adam", "wrong-password-here").await.assert_error(401, "invalid_credentials");

    let enabled = call(&app, Method::POST, &format!("/api/admin/users/{id}/enable"), &token, None).await;
    assert_eq!(enabled.body["disabled"], false);
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
    // Tokens from before the disabling stay dead.
    app.get_bearer("/api/test/user", &adam).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_last_admin_cannot_remove_or_disable_themselves(pool: PgPool) {
    let (app, token) = admin_app(pool).await;
    let root = app.user_id("root").await;
    let revoke = format!("/api/admin/users/{root}/roles/admin");
    let disable = format!("/api/admin/users/{root}/disable");
    call(&app, Method::DELETE, &revoke, &token, None).await.assert_error(409, "last_admin");
    call(&app, Method::POST, &disable, &token, None).await.assert_error(409, "last_admin");
    assert_eq!(app.get_bearer("/api/test/admin", &token).await.status, StatusCode::OK);

    // With a second active admin, stepping down is allowed.
    app.insert_user("thomas", &["admin"]).await;
    let answer = call(&app, Method::DELETE, &revoke, &token, None).await;
    assert_eq!(answer.body["roles"], json!(["user"]), "{}", answer.body);
    app.get_bearer("/api/test/admin", &token).await.assert_error(403, "forbidden");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn two_admins_demoting_each_other_at_once_leave_one_admin(pool: PgPool) {
    let (app, root_token) = admin_app(pool).await;
    app.insert_user("thomas", &["admin"]).await;
    let thomas_token = app.token("thomas").await;
    let (root, thomas) = (app.user_id("root").await, app.user_id("thomas").await);
    for _ in 0..5 {
        let a =
            call(&app, Method::DELETE, format!("/api/admin/users/{thomas}/roles/admin"), &root_token, None);
        let b =
            call(&app, Method::DELETE, format!("/api/admin/users/{root}/roles/admin"), &thomas_token, None);
        let (a, b) = tokio::join!(a, b);
        let statuses = [a.status.as_u16(), b.status.as_u16()];
        assert!(statuses.contains(&200) && !statuses.iter().any(|s| *s >= 500), "{a:?} {b:?}");
        let admins: i64 = sqlx::query_scalar("select count(*) from accounts where 'admin' = any(roles)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(admins, 1);
        // Restore both for the next round, through the remaining admin.
        let (winner_token, loser) =
            if a.status == StatusCode::OK { (&root_token, thomas) } else { (&thomas_token, root) };
        let restore = format!("/api/admin/users/{loser}/roles");
        let answer = call(&app, Method::POST, &restore, winner_token, Some(json!({ "role": "admin" }))).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn concurrent_grants_and_revokes_never_fail_or_lose_roles(pool: PgPool) {
    let (app, token) = admin_app(pool).await;
    app.insert_user("adam", &["user"]).await;
    let id = app.user_id("adam").await;
    let grant = format!("/api/admin/users/{id}/roles");
    let calls = (0..40).map(|i| {
        let (method, path, body) = match i % 4 {
            0 => (Method::POST, grant.clone(), Some(json!({ "role": "pm" }))),
            1 => (Method::DELETE, format!("{grant}/pm"), None),
            2 => (Method::POST, grant.clone(), Some(json!({ "role": "admin" }))),
            _ => (Method::DELETE, format!("{grant}/admin"), None),
        };
        call(&app, method, path, &token, body)
    });
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(|a| a.status == StatusCode::OK), "{answers:?}");
    let roles: Vec<String> = sqlx::query_scalar("select unnest(roles)::text from accounts where id = $1")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(roles.contains(&"user".to_owned()), "{roles:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_audit_log_shows_admin_actions_newest_first(pool: PgPool) {
    let (app, token) = admin_app(pool).await;
    app.insert_user("adam", &["user"]).await;
    let id = app.user_id("adam").await;
    call(&app, Method::POST, &format!("/api/admin/users/{id}/roles"), &token, Some(json!({ "role": "pm" })))
        .await;
    call(&app, Method::POST, &format!("/api/admin/users/{id}/disable"), &token, None).await;
    let log = call(&app, Method::GET, "/api/admin/audit?limit=3", &token, None).await;
    let entries = log.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["event"], "account_disabled");
    assert_eq!(entries[0]["actor"], "root");
    assert_eq!(entries[0]["subject"], "adam");
    assert_eq!(entries[1]["event"], "role_granted");
    assert_eq!(entries[1]["detail"], "pm");
    assert_eq!(entries[1]["address"], "127.0.0.1");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admin_demoted_while_waiting_for_the_lock_is_refused(pool: PgPool) {
    let (app, token) = admin_app(pool.clone()).await;
    app.insert_user("boss", &["user", "admin"]).await;
    app.insert_user("target", &["user"]).await;
    let root = app.user_id("root").await;
    let target = app.user_id("target").await;
    // Another admin's change is in progress: it holds the lock...
    let mut other = pool.begin().await.unwrap();
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(0x61_64_6d_69_6e_i64)
        .execute(&mut *other)
        .await
        .unwrap();
    // ...while root's request arrives, passes the first check and waits for the lock.
    let path = format!("/api/admin/users/{target}/roles");
    let waiting = tokio::spawn({
        let request = app.request(Method::POST, &path).bearer_auth(&token).json(&json!({ "role": "pm" }));
        async move { request.send().await.unwrap() }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the request should be waiting on the lock");
    // That other change demotes root, and commits (releasing the lock).
    sqlx::query("delete from user_roles where user_id = $1 and role_id = 3")
        .bind(root)
        .execute(&mut *other)
        .await
        .unwrap();
    other.commit().await.unwrap();
    let response = waiting.await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");
    let roles: Vec<String> =
        sqlx::query_scalar("select unnest(roles)::text from accounts where username = 'target'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(roles, ["user"], "nothing was granted");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn odd_query_strings_are_read_not_refused(pool: PgPool) {
    let (app, token) = admin_app(pool).await;
    for query in
        ["?limit=null&limit=null", "?perPage=null&perPage=null", "?page=1&page=2&q=ro&q=root", "?%zz=1"]
    {
        for path in ["/api/admin/users", "/api/admin/audit"] {
            let answer = call(&app, Method::GET, format!("{path}{query}"), &token, None).await;
            assert!(matches!(answer.status.as_u16(), 200 | 422), "{path}{query}: {}", answer.body);
        }
    }
    let repeated = call(&app, Method::GET, "/api/admin/users?q=nobody&q=root", &token, None).await;
    assert_eq!(repeated.body["total"], 1, "the last value wins");
}
