//! The browser app's server functions are public endpoints too: each checks the token and the roles
//! itself and answers with the right status and the same JSON error body as the REST API.

mod common;

use common::{PASSWORD, signup_body, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

async fn call(app: &common::TestApp, name: &str, body: Value, token: Option<&str>) -> common::Answer {
    let mut request = app.request(Method::POST, &format!("/api/fn/{name}")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    app.send(request).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn boards_check_token_and_roles(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;

    let answer = call(&app, "board", json!({ "board": "User" }), Some(&token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["description"], "User Content Page");
    assert_eq!(answer.body["user"]["username"], "adam");

    let answer = call(&app, "board", json!({ "board": "Admin" }), Some(&token)).await;
    answer.assert_error(403, "forbidden");
    assert_eq!(answer.body["message"], "Require Admin Role!");

    let answer = call(&app, "board", json!({ "board": "User" }), None).await;
    answer.assert_error(401, "unauthorized");
    assert_eq!(answer.headers["www-authenticate"], "Bearer");
    call(&app, "board", json!({ "board": "User" }), Some("forged.token.here"))
        .await
        .assert_error(401, "unauthorized");
    call(&app, "me", json!({}), None).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_in_and_me_work_like_the_rest_api(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let answer = call(&app, "sign-in", json!({ "username": "adam", "password": PASSWORD }), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let token = answer.body["accessToken"].as_str().unwrap().to_owned();
    let me = call(&app, "me", json!({}), Some(&token)).await;
    assert_eq!(me.body["username"], "adam");
    assert!(!me.body.to_string().contains("$2b$"));

    let wrong = call(&app, "sign-in", json!({ "username": "adam", "password": "nope-nope" }), None).await;
    wrong.assert_error(401, "invalid_credentials");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_up_applies_the_role_policy(pool: PgPool) {
    let app = spawn(pool).await;
    let form = |name: &str, roles: &[&str]| json!({ "form": signup_body(name, roles) });
    call(&app, "sign-up", form("mallory", &["admin"]), None).await.assert_error(403, "role_not_allowed");
    assert_eq!(call(&app, "signup-options", json!({}), None).await.body, json!(false));
    assert_eq!(app.user_count().await, 0);

    app.insert_user("root", &["admin"]).await;
    let admin = app.token("root").await;
    assert_eq!(call(&app, "signup-options", json!({}), Some(&admin)).await.body, json!(true));
    let answer = call(&app, "sign-up", form("jack", &["pm"]), Some(&admin)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["roles"], json!(["pm"]));

    let invalid = call(&app, "sign-up", form("x", &[]), None).await;
    invalid.assert_error(422, "validation");
    assert!(invalid.body["fields"]["username"].is_string());
    call(&app, "sign-up", form("jack", &[]), None).await.assert_error(409, "username_taken");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn malformed_calls_are_4xx_not_500(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let answer = app
        .send(
            app.request(Method::POST, "/api/fn/sign-in")
                .header("content-type", "application/json")
                .body("{oops"),
        )
        .await;
    answer.assert_error(400, "bad_request");
    // Arguments of the wrong type or value are named, as REST names fields.
    let answer = call(&app, "board", json!({ "board": "Root" }), Some(&token)).await;
    answer.assert_error(422, "validation");
    assert!(answer.body["fields"]["board"].is_string(), "{}", answer.body);
    let answer = call(&app, "sign-in", json!({ "username": ["adam"], "password": 7 }), None).await;
    answer.assert_error(422, "validation");
    assert_eq!(answer.body["fields"]["username"], "Username must be a string.");
    assert_eq!(answer.body["fields"]["password"], "Password must be a string.");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_same_mistake_gets_the_same_answer_from_both_doors(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let mistakes = [
        json!({ "name": 12, "username": "ok_user", "email": "ok@example.com", "password": "correct-horse-battery" }),
        json!({ "name": "Ok", "username": true, "email": ["x"], "password": null, "roles": "admin" }),
        json!({ "name": { "first": "A" }, "username": "a", "email": 1e308, "password": "short", "roles": [1] }),
    ];
    for body in mistakes {
        let rest = app.post("/api/auth/signup", &body).await;
        let function = call(&app, "sign-up", json!({ "form": body }), None).await;
        rest.assert_error(422, "validation");
        assert_eq!(function.status, rest.status, "{body}");
        assert_eq!(function.body, rest.body, "{body}");
    }
    let change = json!({ "currentPassword": 1, "newPassword": false });
    let rest = app.post_bearer("/api/auth/password", &token, &change).await;
    let function = call(&app, "change-password", json!({ "change": change }), Some(&token)).await;
    rest.assert_error(422, "validation");
    assert_eq!((function.status, &function.body), (rest.status, &rest.body));
    assert_eq!(rest.body["fields"]["currentPassword"], "Current password must be a string.");
    let signin = json!({ "username": 5, "password": "x" });
    let rest = app.post("/api/auth/signin", &signin).await;
    let function = call(&app, "sign-in", signin, None).await;
    assert_eq!((rest.status.as_u16(), function.status.as_u16()), (422, 422));
    assert_eq!(rest.body["fields"], function.body["fields"]);
    assert_eq!(app.user_count().await, 1);
}
