//! `POST /api/auth/signin`: tokens for good credentials, one indistinguishable refusal otherwise.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{PASSWORD, TTL, spawn};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn signs_in_by_username_or_email_in_any_case(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("Adam", &["user"]).await;
    for login in ["Adam", "adam", "ADAM@example.com", "adam@EXAMPLE.com"] {
        let answer = app.post("/api/auth/signin", &json!({ "username": login, "password": PASSWORD })).await;
        assert_eq!(answer.status, StatusCode::OK, "{login}: {}", answer.body);
        assert_eq!(answer.body["auth"], true);
        assert_eq!(answer.body["tokenType"], "Bearer");
        assert_eq!(answer.body["expiresIn"], TTL.as_secs());
        assert_eq!(answer.body["user"]["username"], "Adam");
        assert_eq!(answer.body["user"]["roles"], json!(["user"]));
        let token = answer.body["accessToken"].as_str().unwrap();
        assert_eq!(token.split('.').count(), 3);
        assert!(!answer.body.to_string().contains("$2b$"));
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_token_carries_sub_iat_exp_and_is_hs256(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let answer = app.post("/api/auth/signin", &json!({ "username": "adam", "password": PASSWORD })).await;
    let token = answer.body["accessToken"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["sub"], answer.body["user"]["id"]);
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, i64::try_from(TTL.as_secs()).unwrap());
    assert_eq!(answer.body["expiresAt"], exp);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn wrong_password_and_unknown_user_get_the_same_answer(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let wrong =
        app.post("/api/auth/signin", &json!({ "username": "adam", "password": "wrong-password" })).await;
    let unknown = app.post("/api/auth/signin", &json!({ "username": "ghost", "password": PASSWORD })).await;
    for answer in [&wrong, &unknown] {
        answer.assert_error(401, "invalid_credentials");
        assert_eq!(answer.body["auth"], false);
        assert!(answer.body["accessToken"].is_null());
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
    }
    assert_eq!(wrong.body, unknown.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_password_longer_than_bcrypt_reads_never_matches_its_prefix(pool: PgPool) {
    let app = spawn(pool).await;
    let mut body = common::signup_body("longpw", &[]);
    let password = "p".repeat(72);
    body["password"] = json!(password);
    assert_eq!(app.post("/api/auth/signup", &body).await.status, StatusCode::CREATED);
    // bcrypt would compare only the first 72 bytes and say yes: a longer password is refused as
    // longer than any stored one, without reaching bcrypt.
    let longer = format!("{password}-and-more");
    let answer = app.post("/api/auth/signin", &json!({ "username": "longpw", "password": longer })).await;
    answer.assert_error(422, "validation");
    assert!(answer.body["fields"]["password"].as_str().unwrap().contains("72 bytes"), "{}", answer.body);
    assert!(answer.body["accessToken"].is_null());
    let answer = app.post("/api/auth/signin", &json!({ "username": "longpw", "password": password })).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn empty_or_mistyped_fields_are_named(pool: PgPool) {
    let app = spawn(pool).await;
    let answer = app.post("/api/auth/signin", &json!({ "username": " ", "password": "" })).await;
    answer.assert_error(422, "validation");
    assert_eq!(answer.body["auth"], false);
    assert!(answer.body["fields"]["username"].is_string() && answer.body["fields"]["password"].is_string());
    let answer = app.post("/api/auth/signin", &json!({ "username": ["adam"], "password": 123 })).await;
    answer.assert_error(422, "validation");
    assert_eq!(answer.body["fields"]["password"], "Password must be a string.");
    let answer = app
        .send(
            app.request(reqwest::Method::POST, "/api/auth/signin")
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    answer.assert_error(400, "bad_request");
    assert_eq!(answer.body["auth"], false);
}
