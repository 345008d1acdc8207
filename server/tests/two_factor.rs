//! Two-factor sign-in: set-up, the second step with TOTP and recovery codes, replay and throttling,
//! encryption at rest, turning it off, and the admin policy.

mod common;

use common::mfa::{base32_decode, code, now_step};
use common::{PASSWORD, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use app::ssr::factors::settings::MfaSettings;
use app::ssr::state::AppParts;

/// Sets up and turns on two-factor sign-in for `username`; returns the secret and the recovery codes.
async fn turn_on(app: &TestApp, username: &str) -> (Vec<u8>, Vec<String>) {
    let (secret, codes, _) = turn_on_signed_in(app, username).await;
    (secret, codes)
}

/// As [`turn_on`], also returning the token of the session that turned it on (the only one left).
async fn turn_on_signed_in(app: &TestApp, username: &str) -> (Vec<u8>, Vec<String>, String) {
    let token = app.token(username).await;
    let setup = app.post_bearer("/api/auth/2fa/setup", &token, &json!({})).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let secret = base32_decode(setup.body["secret"].as_str().unwrap());
    let body = json!({ "password": PASSWORD, "code": code(&secret, now_step() - 1) });
    let enabled = app.post_bearer("/api/auth/2fa/enable", &token, &body).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    let codes = enabled.body["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes, token)
}

async fn challenge(app: &TestApp, username: &str) -> String {
    let answer = app.signin(username, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["auth"], false);
    assert_eq!(answer.body["mfaRequired"], true);
    assert_eq!(answer.body["expiresIn"], 300);
    assert!(answer.body["accessToken"].is_null(), "no token before the second factor");
    answer.body["challenge"].as_str().unwrap().to_owned()
}

async fn verify(app: &TestApp, challenge: &str, code: &str) -> common::Answer {
    app.post("/api/auth/2fa/verify", &json!({ "challenge": challenge, "code": code })).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn set_up_hands_out_a_secret_and_a_qr_code_and_needs_a_right_code(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let setup = app.post_bearer("/api/auth/2fa/setup", &token, &json!({})).await;
    let url = setup.body["otpauthUrl"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/Rust%20Auth:adam?secret="), "{url}");
    assert!(
        setup.body["qrSvg"].as_str().unwrap().starts_with("<?xml")
            || setup.body["qrSvg"].as_str().unwrap().contains("<svg")
    );
    let secret = base32_decode(setup.body["secret"].as_str().unwrap());
    assert_eq!(secret.len(), 20);
    let enable = |password: &str, code: &str| {
        let body = json!({ "password": password, "code": code });
        app.send(app.request(Method::POST, "/api/auth/2fa/enable").bearer_auth(&token).json(&body))
    };
    let wrong = enable(PASSWORD, "000000").await;
    wrong.assert_error(422, "validation");
    assert!(wrong.body["fields"]["code"].is_string());
    // The password is asked too: a stolen access token alone cannot turn it on.
    let no_password = enable("wrong-password", &code(&secret, now_step())).await;
    no_password.assert_error(422, "validation");
    assert!(no_password.body["fields"]["password"].is_string(), "{}", no_password.body);
    let missing =
        app.post_bearer("/api/auth/2fa/enable", &token, &json!({ "code": code(&secret, now_step()) })).await;
    missing.assert_error(422, "validation");
    assert_eq!(app.get_bearer("/api/auth/me", &token).await.body["mfaEnabled"], false);
    let right = enable(PASSWORD, &code(&secret, now_step())).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert_eq!(right.body["recoveryCodes"].as_array().unwrap().len(), 10);
    assert_eq!(app.get_bearer("/api/auth/me", &token).await.body["mfaEnabled"], true);
    // Encrypted at rest: neither the secret nor its base32 is in the row.
    let (ciphertext, nonce): (Vec<u8>, Vec<u8>) =
        sqlx::query_as("select ciphertext, nonce from mfa_secrets").fetch_one(&app.pool).await.unwrap();
    assert!(!ciphertext.windows(20).any(|w| w == secret.as_slice()));
    assert!(!String::from_utf8_lossy(&ciphertext).contains(setup.body["secret"].as_str().unwrap()));
    assert_eq!(nonce.len(), 12);
    let stored: i64 = sqlx::query_scalar("select count(*) from mfa_recovery_codes where used_at is null")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 10);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_in_takes_a_code_from_the_previous_current_or_next_step_once(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (secret, _) = turn_on(&app, "adam").await;
    let step = now_step();
    // The step used to turn it on (the previous one) cannot be used again.
    let first = challenge(&app, "adam").await;
    verify(&app, &first, &code(&secret, step - 1)).await.assert_error(401, "invalid_code");
    let signed_in = verify(&app, &first, &code(&secret, step)).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(signed_in.body["auth"], true);
    let access = signed_in.body["accessToken"].as_str().unwrap();
    assert_eq!(app.get_bearer("/api/test/user", access).await.status, StatusCode::OK);
    // The challenge is used up; the same code is refused (replay); the next step is accepted.
    verify(&app, &first, &code(&secret, step + 1)).await.assert_error(401, "unauthorized");
    let second = challenge(&app, "adam").await;
    verify(&app, &second, &code(&secret, step)).await.assert_error(401, "invalid_code");
    verify(&app, &second, &code(&secret, step + 2)).await.assert_error(401, "invalid_code");
    assert_eq!(verify(&app, &second, &code(&secret, step + 1)).await.status, StatusCode::OK);
    // A wrong password still says only that.
    app.signin("adam", "wrong-password-here").await.assert_error(401, "invalid_credentials");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn recovery_codes_work_once(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (_, codes) = turn_on(&app, "adam").await;
    let first = challenge(&app, "adam").await;
    assert_eq!(verify(&app, &first, &codes[3].to_uppercase()).await.status, StatusCode::OK);
    let second = challenge(&app, "adam").await;
    verify(&app, &second, &codes[3]).await.assert_error(401, "invalid_code");
    assert_eq!(verify(&app, &second, &codes[4]).await.status, StatusCode::OK);
    let used: i64 =
        sqlx::query_scalar("select count(*) from audit_log where event = 'mfa_recovery_code_used'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(used, 2);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn wrong_codes_are_throttled_like_passwords(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (secret, _) = turn_on(&app, "adam").await;
    let wrong = if code(&secret, now_step()) == "123456" { "654321" } else { "123456" };
    // Forty at once on one challenge: its three tries are taken, and the rest hear it ended.
    let first = challenge(&app, "adam").await;
    let answers = futures::future::join_all((0..40).map(|_| verify(&app, &first, wrong))).await;
    let errors: Vec<&str> = answers.iter().map(|a| a.body["error"].as_str().unwrap_or("")).collect();
    assert_eq!(errors.iter().filter(|e| **e == "invalid_code").count(), 3, "{errors:?}");
    assert_eq!(errors.iter().filter(|e| **e == "unauthorized").count(), 37, "{errors:?}");
    // Forty at once on a fresh challenge each: the code throttle lets two more be checked (five
    // per account and address), the rest are refused.
    let challenges = futures::future::join_all((0..40).map(|_| challenge(&app, "adam"))).await;
    let answers = futures::future::join_all(challenges.iter().map(|c| verify(&app, c, wrong))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 2, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 38, "{statuses:?}");
    // Even the right code waits now.
    let fresh = challenge(&app, "adam").await;
    verify(&app, &fresh, &code(&secret, now_step() + 1)).await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn turning_it_off_needs_the_password_and_a_code(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (secret, codes) = turn_on(&app, "adam").await;
    let challenge = challenge(&app, "adam").await;
    let signed_in = verify(&app, &challenge, &codes[0]).await;
    let token = signed_in.body["accessToken"].as_str().unwrap().to_owned();
    let off = |password: &str, code: &str| {
        let body = json!({ "password": password, "code": code });
        app.send(app.request(Method::POST, "/api/auth/2fa/disable").bearer_auth(&token).json(&body))
    };
    off("wrong-password", &codes[1]).await.assert_error(422, "validation");
    off(PASSWORD, "000000").await.assert_error(422, "validation");
    assert_eq!(off(PASSWORD, &code(&secret, now_step() + 1)).await.status, StatusCode::OK);
    // Sign-in no longer asks for a code.
    assert_eq!(app.signin("adam", PASSWORD).await.body["auth"], true);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admins_can_reset_a_users_two_factor_and_may_be_required_to_use_it(pool: PgPool) {
    let state = AppParts { mfa: MfaSettings { require_for_admins: true }, ..common::state(pool.clone()) };
    let app = common::serve(state, pool).await;
    app.insert_user("root", &["admin"]).await;
    app.insert_user("adam", &["user"]).await;
    turn_on(&app, "adam").await;
    let admin = app.token("root").await;
    // Without two-factor sign-in, the admin is kept off the Admin board and its endpoints.
    app.get_bearer("/api/test/admin", &admin).await.assert_error(403, "mfa_setup_required");
    app.get_bearer("/api/admin/users", &admin).await.assert_error(403, "mfa_setup_required");
    assert_eq!(app.get_bearer("/api/test/user", &admin).await.status, StatusCode::OK);
    // Turning it on ends the admin's other sessions; the one that turned it on continues.
    let (_, _, admin) = turn_on_signed_in(&app, "root").await;
    assert_eq!(app.get_bearer("/api/test/admin", &admin).await.status, StatusCode::OK);
    let adam = app.user_id("adam").await;
    let reset = app
        .send(app.request(Method::DELETE, &format!("/api/admin/users/{adam}/2fa")).bearer_auth(&admin))
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(reset.body["mfaEnabled"], false);
    assert_eq!(app.signin("adam", PASSWORD).await.body["auth"], true);
    let by: Option<String> = sqlx::query_scalar("select actor_name from audit_log where event = 'mfa_reset'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(by.as_deref(), Some("root"));
}
