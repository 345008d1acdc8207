//! What a credential opened, its change closes: attacks where sign-in, recovery, sessions and
//! two-factor meet, each performed through real HTTP against a real PostgreSQL (and a real SMTP
//! server where mail is read).

mod common;

use std::time::Duration;

use common::mfa::{base32_decode, code, now_step};
use common::{PASSWORD, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

use app::ssr::session::settings::SessionSettings;
use app::ssr::state::AppParts;

/// A six-digit code that is not right now (nor in the neighbouring steps).
fn wrong_code(secret: &[u8]) -> String {
    let step = now_step();
    let right = [code(secret, step - 1), code(secret, step), code(secret, step + 1)];
    ["123456", "654321", "111111", "222222"]
        .into_iter()
        .find(|c| !right.iter().any(|r| r == c))
        .unwrap()
        .into()
}

/// Signs `username` in with "keep me signed in": the whole body (access and refresh tokens).
async fn session(app: &TestApp, username: &str) -> Value {
    let body = json!({ "username": username, "password": PASSWORD, "remember": true });
    let answer = app.post("/api/auth/signin", &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

fn access(body: &Value) -> String {
    body["accessToken"].as_str().unwrap_or_else(|| panic!("no access token in {body}")).to_owned()
}

fn refresh_token(body: &Value) -> String {
    body["refreshToken"].as_str().unwrap_or_else(|| panic!("no refresh token in {body}")).to_owned()
}

async fn refresh(app: &TestApp, token: &str) -> common::Answer {
    app.post("/api/auth/refresh", &json!({ "refreshToken": token })).await
}

/// Whether a session's tokens still work: its access token, and its refresh token.
async fn alive(app: &TestApp, body: &Value) -> (bool, bool) {
    let access_ok = app.get_bearer("/api/test/user", &access(body)).await.status == StatusCode::OK;
    let refresh_ok = refresh(app, &refresh_token(body)).await.status == StatusCode::OK;
    (access_ok, refresh_ok)
}

/// Sets up and turns on two-factor sign-in with `token`; returns the secret and recovery codes.
async fn turn_on(app: &TestApp, token: &str) -> (Vec<u8>, Vec<String>) {
    let setup = app.post_bearer("/api/auth/2fa/setup", token, &json!({})).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let secret = base32_decode(setup.body["secret"].as_str().unwrap());
    let body = json!({ "password": PASSWORD, "code": code(&secret, now_step() - 1) });
    let enabled = app.post_bearer("/api/auth/2fa/enable", token, &body).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    let codes = enabled.body["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().into())
        .collect();
    (secret, codes)
}

/// The password step of a sign-in with two-factor sign-in on: the challenge.
async fn challenge(app: &TestApp, username: &str) -> String {
    let answer = app.signin(username, PASSWORD).await;
    assert_eq!(answer.body["mfaRequired"], true, "{}", answer.body);
    answer.body["challenge"].as_str().unwrap().to_owned()
}

async fn verify(app: &TestApp, challenge: &str, code: &str) -> common::Answer {
    app.post("/api/auth/2fa/verify", &json!({ "challenge": challenge, "code": code })).await
}

/// A server whose client address comes from `X-Forwarded-For` (the test client is the proxy).
async fn behind_proxy(pool: PgPool) -> TestApp {
    let trusted = ["127.0.0.1/32".parse().unwrap()].into();
    common::serve(AppParts { trusted_proxies: trusted, ..common::state(pool.clone()) }, pool).await
}

fn from(request: reqwest::RequestBuilder, address: &str) -> reqwest::RequestBuilder {
    request.header("x-forwarded-for", address)
}

// 1. Second-factor guessing is bounded on its own count.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_right_password_never_buys_more_code_guesses(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (secret, _) = turn_on(&app, &app.token("adam").await).await;
    let wrong = wrong_code(&secret);
    let mut statuses = Vec::new();
    // Each sign-in with the right password gets a fresh challenge; two wrong codes on each.
    for _ in 0..5 {
        let challenge = challenge(&app, "adam").await;
        for _ in 0..2 {
            statuses.push(verify(&app, &challenge, &wrong).await.status.as_u16());
        }
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5, "{statuses:?}");
    // Still throttled after yet another right password, even for the right code.
    let challenge = challenge(&app, "adam").await;
    let refused = verify(&app, &challenge, &code(&secret, now_step())).await;
    refused.assert_error(429, "too_many_attempts");
    let retry: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((800..=900).contains(&retry), "{retry}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn disabling_with_the_right_password_gives_no_unthrottled_code_guesses(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let (secret, _) = turn_on(&app, &token).await;
    let wrong = wrong_code(&secret);
    let body = json!({ "password": PASSWORD, "code": wrong });
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(app.post_bearer("/api/auth/2fa/disable", &token, &body).await.status.as_u16());
    }
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429, 429]);
    // The same count holds at sign-in: the codes were counted in one scope.
    let challenge = challenge(&app, "adam").await;
    verify(&app, &challenge, &code(&secret, now_step())).await.assert_error(429, "too_many_attempts");
    // And for new recovery codes.
    let renew = app.post_bearer("/api/auth/2fa/recovery-codes", &token, &body).await;
    renew.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn code_failures_are_bounded_per_account_across_addresses(pool: PgPool) {
    let app = behind_proxy(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (secret, _) = turn_on(&app, &app.token("adam").await).await;
    let wrong = wrong_code(&secret);
    let mut statuses = Vec::new();
    // Five addresses, five wrong codes each (one challenge of three and one of two per address).
    for i in 1..=5 {
        let address = format!("198.51.100.{i}");
        for tries in [3, 2] {
            let signin = from(app.request(Method::POST, "/api/auth/signin"), &address)
                .json(&json!({ "username": "adam", "password": PASSWORD }));
            let challenge = app.send(signin).await.body["challenge"].as_str().unwrap().to_owned();
            for _ in 0..tries {
                let request = from(app.request(Method::POST, "/api/auth/2fa/verify"), &address)
                    .json(&json!({ "challenge": challenge, "code": wrong }));
                statuses.push(app.send(request).await.status.as_u16());
            }
        }
    }
    // 20 per account: the fifth address gets none.
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 20, "{statuses:?}");
    assert_eq!(&statuses[20..], [429; 5]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_challenge_dies_after_three_wrong_codes(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (secret, _) = turn_on(&app, &app.token("adam").await).await;
    let challenge = challenge(&app, "adam").await;
    for _ in 0..3 {
        verify(&app, &challenge, &wrong_code(&secret)).await.assert_error(401, "invalid_code");
    }
    // The right code no longer helps: the password is needed again.
    let dead = verify(&app, &challenge, &code(&secret, now_step())).await;
    dead.assert_error(401, "unauthorized");
    let fresh = self::challenge(&app, "adam").await;
    assert_eq!(verify(&app, &fresh, &code(&secret, now_step())).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forty_concurrent_code_guesses_get_five_checks(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let (secret, _) = turn_on(&app, &token).await;
    let body = json!({ "password": PASSWORD, "code": wrong_code(&secret) });
    let answers =
        futures::future::join_all((0..40).map(|_| app.post_bearer("/api/auth/2fa/disable", &token, &body)))
            .await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 35, "{statuses:?}");
}

// 2. Changing a factor takes more than a stolen access token, and ends the other sessions.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_stolen_access_token_cannot_turn_two_factor_on(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let thief = app.token("adam").await;
    let setup = app.post_bearer("/api/auth/2fa/setup", &thief, &json!({})).await;
    let secret = base32_decode(setup.body["secret"].as_str().unwrap());
    // The thief has the token and the secret it set up, not the password.
    let body = json!({ "code": code(&secret, now_step()) });
    app.post_bearer("/api/auth/2fa/enable", &thief, &body).await.assert_error(422, "validation");
    let body = json!({ "password": "a-guess-at-the-password", "code": code(&secret, now_step()) });
    let answer = app.post_bearer("/api/auth/2fa/enable", &thief, &body).await;
    answer.assert_error(422, "validation");
    assert!(answer.body["fields"]["password"].is_string(), "{}", answer.body);
    assert_eq!(app.signin("adam", PASSWORD).await.body["auth"], true, "still off");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_factor_change_ends_the_other_sessions_and_keeps_this_one(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let mine = session(&app, "adam").await;
    let other = session(&app, "adam").await;
    let (secret, _) = turn_on(&app, &access(&mine)).await;
    assert_eq!(alive(&app, &other).await, (false, false), "turning it on ended the other session");
    assert_eq!(app.get_bearer("/api/test/user", &access(&mine)).await.status, StatusCode::OK);

    let challenge = challenge(&app, "adam").await;
    let other = verify(&app, &challenge, &code(&secret, now_step())).await.body;
    let body = json!({ "password": PASSWORD, "code": code(&secret, now_step() + 1) });
    let renewed = app.post_bearer("/api/auth/2fa/recovery-codes", &access(&mine), &body).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    assert_eq!(alive(&app, &other).await, (false, false), "new recovery codes ended the other session");
    assert_eq!(app.get_bearer("/api/test/user", &access(&mine)).await.status, StatusCode::OK);

    let challenge = self::challenge(&app, "adam").await;
    let codes: Vec<String> = renewed.body["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().into())
        .collect();
    let other = verify(&app, &challenge, &codes[0]).await.body;
    let body = json!({ "password": PASSWORD, "code": codes[1] });
    let off = app.post_bearer("/api/auth/2fa/disable", &access(&mine), &body).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(alive(&app, &other).await, (false, false), "turning it off ended the other session");
    assert_eq!(alive(&app, &mine).await, (true, true), "this session continues");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn new_recovery_codes_void_the_old_ones(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let (secret, old) = turn_on(&app, &token).await;
    let body = json!({ "password": PASSWORD, "code": code(&secret, now_step()) });
    let renewed = app.post_bearer("/api/auth/2fa/recovery-codes", &token, &body).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let new: Vec<String> = renewed.body["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().into())
        .collect();
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(code)));
    let challenge = challenge(&app, "adam").await;
    verify(&app, &challenge, &old[0]).await.assert_error(401, "invalid_code");
    assert_eq!(verify(&app, &challenge, &new[0]).await.status, StatusCode::OK);
    // The password is needed as well as the code.
    let wrong = json!({ "password": "not-the-password", "code": new[1] });
    app.post_bearer("/api/auth/2fa/recovery-codes", &token, &wrong).await.assert_error(422, "validation");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admin_reset_ends_every_session_and_admins_cannot_reset_their_own(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("root", &["admin"]).await;
    app.insert_user("adam", &["user"]).await;
    let adam = session(&app, "adam").await;
    turn_on(&app, &access(&adam)).await;
    let admin = app.token("root").await;
    turn_on(&app, &admin).await;
    let id = app.user_id("adam").await;
    let reset = app
        .send(app.request(Method::DELETE, &format!("/api/admin/users/{id}/2fa")).bearer_auth(&admin))
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(alive(&app, &adam).await, (false, false), "every session of the user ended");
    // Their own: refused, and two-factor sign-in stays on.
    let own = app.user_id("root").await;
    let refused = app
        .send(app.request(Method::DELETE, &format!("/api/admin/users/{own}/2fa")).bearer_auth(&admin))
        .await;
    refused.assert_error(403, "forbidden");
    assert_eq!(app.signin("root", PASSWORD).await.body["mfaRequired"], true);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn require_2fa_for_admins_gates_every_admin_power(pool: PgPool) {
    let state = AppParts {
        mfa: app::ssr::factors::settings::MfaSettings { require_for_admins: true },
        ..common::state(pool.clone())
    };
    let app = common::serve(state, pool).await;
    app.insert_user("root", &["admin"]).await;
    app.insert_user("adam", &["user"]).await;
    let admin = app.token("root").await;
    let id = app.user_id("adam").await;
    let rest: Vec<(Method, String, Value)> = vec![
        (Method::GET, "/api/admin/users".into(), Value::Null),
        (Method::GET, "/api/admin/audit".into(), Value::Null),
        (Method::POST, format!("/api/admin/users/{id}/roles"), json!({ "role": "pm" })),
        (Method::DELETE, format!("/api/admin/users/{id}/roles/pm"), Value::Null),
        (Method::POST, format!("/api/admin/users/{id}/disable"), Value::Null),
        (Method::POST, format!("/api/admin/users/{id}/enable"), Value::Null),
        (Method::POST, format!("/api/admin/users/{id}/password-reset"), Value::Null),
        (Method::DELETE, format!("/api/admin/users/{id}/2fa"), Value::Null),
        (Method::GET, "/api/test/admin".into(), Value::Null),
        (Method::POST, "/api/auth/signup".into(), common::signup_body("minted", &["admin"])),
    ];
    for (method, path, body) in &rest {
        let mut request = app.request(method.clone(), path).bearer_auth(&admin);
        if !body.is_null() {
            request = request.json(body);
        }
        app.send(request).await.assert_error(403, "mfa_setup_required");
    }
    let functions = [
        ("admin-users", json!({ "query": "", "page": 1 })),
        ("admin-audit", json!({})),
        ("admin-role", json!({ "user": id, "role": "pm", "grant": true })),
        ("admin-disabled", json!({ "user": id, "disabled": true })),
        ("admin-send-reset", json!({ "user": id })),
        ("admin-reset-mfa", json!({ "user": id })),
        ("sign-up", json!({ "form": common::signup_body("minted2", &["admin"]) })),
    ];
    for (name, body) in functions {
        let request = app.request(Method::POST, &format!("/api/fn/{name}")).bearer_auth(&admin).json(&body);
        app.send(request).await.assert_error(403, "mfa_setup_required");
    }
    assert_eq!(app.user_count().await, 2, "no account was created");
    // What they may do: set two-factor sign-in up. Then every power is theirs.
    let (_, _) = turn_on(&app, &admin).await;
    assert_eq!(app.get_bearer("/api/admin/users", &admin).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn security_notices_say_what_when_and_from_where(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("root", &["admin"]).await;
    app.insert_user("adam", &["user"]).await;
    let agent = "NoticeTest/1.0 (the device the notice names)";
    let token = app.token("adam").await;
    let post = |path: &str, token: &str, body: Value| {
        app.send(app.request(Method::POST, path).bearer_auth(token).header("user-agent", agent).json(&body))
    };
    // Password changed.
    let changed = post(
        "/api/auth/password",
        &token,
        json!({ "currentPassword": PASSWORD, "newPassword": "another-horse-battery" }),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let token = access(&changed.body);
    let setup = app.post_bearer("/api/auth/2fa/setup", &token, &json!({})).await;
    let secret = base32_decode(setup.body["secret"].as_str().unwrap());
    let step = now_step();
    let on = json!({ "password": "another-horse-battery", "code": code(&secret, step - 1) });
    let enabled = post("/api/auth/2fa/enable", &token, on).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    let renew = json!({ "password": "another-horse-battery", "code": code(&secret, step) });
    let renewed = post("/api/auth/2fa/recovery-codes", &token, renew).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let recovery = renewed.body["recoveryCodes"][0].as_str().unwrap();
    let off = json!({ "password": "another-horse-battery", "code": recovery });
    assert_eq!(post("/api/auth/2fa/disable", &token, off).await.status, StatusCode::OK);
    // Turned on again, then reset by an admin.
    let setup = app.post_bearer("/api/auth/2fa/setup", &token, &json!({})).await;
    let secret = base32_decode(setup.body["secret"].as_str().unwrap());
    let on = json!({ "password": "another-horse-battery", "code": code(&secret, now_step() - 1) });
    assert_eq!(post("/api/auth/2fa/enable", &token, on).await.status, StatusCode::OK);
    let admin = app.token("root").await;
    let id = app.user_id("adam").await;
    let reset = app.send(
        app.request(Method::DELETE, &format!("/api/admin/users/{id}/2fa"))
            .bearer_auth(&admin)
            .header("user-agent", agent),
    );
    assert_eq!(reset.await.status, StatusCode::OK);
    let mails = smtp.wait_for("adam@example.com", 7).await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    for expected in [
        "Your Rust Auth password was changed",
        "Two-factor sign-in is on for your Rust Auth account",
        "New recovery codes for your Rust Auth account",
        "A recovery code was used on your Rust Auth account",
        "Two-factor sign-in is off for your Rust Auth account",
        "An administrator turned off two-factor sign-in for your Rust Auth account",
    ] {
        let mail = mails
            .iter()
            .find(|m| m.subject == expected)
            .unwrap_or_else(|| panic!("no notice {expected:?} in {subjects:?}"));
        assert!(mail.text.contains("When:") && mail.text.contains("UTC"), "{}", mail.text);
        assert!(mail.text.contains(agent) && mail.text.contains("127.0.0.1"), "{}", mail.text);
        assert!(mail.text.contains("If it was not"), "{}", mail.text);
    }
}

// 3. What was issued under the old credentials dies with them.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_pending_email_change_dies_with_a_password_reset(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    // The attacker knows the password and asks to move the account to their address.
    let attacker = app.token("adam").await;
    let body = json!({ "password": PASSWORD, "newEmail": "mallory@evil.example" });
    assert_eq!(
        app.post_bearer("/api/auth/email/change", &attacker, &body).await.status,
        StatusCode::ACCEPTED
    );
    let link = smtp.wait_for("mallory@evil.example", 1).await[0].token("http://app.example/verify-email");
    // The owner notices and resets the password by mail.
    app.post("/api/auth/password/forgot", &json!({ "email": "adam@example.com" })).await;
    let mails = smtp.wait_for("adam@example.com", 2).await;
    let reset_mail = mails.iter().find(|m| m.subject.contains("Reset")).unwrap();
    let reset = reset_mail.token("http://app.example/reset-password");
    let done = app
        .post("/api/auth/password/reset", &json!({ "token": reset, "newPassword": "owner-takes-it-back" }))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    // The attacker follows the link: void. The address stays the owner's.
    let followed = app.post("/api/auth/email/verify", &json!({ "token": link })).await;
    followed.assert_error(400, "invalid_token");
    let email: String = sqlx::query_scalar("select email from users where username = 'adam'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(email, "adam@example.com");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_reset_link_stops_working_once_the_address_moved(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    app.post("/api/auth/password/forgot", &json!({ "email": "adam@example.com" })).await;
    let reset = smtp.wait_for("adam@example.com", 1).await[0].token("http://app.example/reset-password");
    let token = app.token("adam").await;
    let body = json!({ "password": PASSWORD, "newEmail": "adam@new.example" });
    app.post_bearer("/api/auth/email/change", &token, &body).await;
    let link = smtp.wait_for("adam@new.example", 1).await[0].token("http://app.example/verify-email");
    assert_eq!(app.post("/api/auth/email/verify", &json!({ "token": link })).await.status, StatusCode::OK);
    // The old mailbox's link no longer resets anything.
    let refused = app
        .post("/api/auth/password/reset", &json!({ "token": reset, "newPassword": "via-the-old-mailbox" }))
        .await;
    refused.assert_error(400, "invalid_token");
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_reset_link_is_bound_to_the_address_it_was_mailed_to(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    app.post("/api/auth/password/forgot", &json!({ "email": "adam@example.com" })).await;
    let reset = smtp.wait_for("adam@example.com", 1).await[0].token("http://app.example/reset-password");
    // Even were the address moved without the stamp moving (by hand, in the database), the link
    // follows the address, not the account.
    sqlx::query("update users set email = 'adam@elsewhere.example' where username = 'adam'")
        .execute(&app.pool)
        .await
        .unwrap();
    let refused = app
        .post("/api/auth/password/reset", &json!({ "token": reset, "newPassword": "via-the-old-mailbox" }))
        .await;
    refused.assert_error(400, "invalid_token");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_challenge_issued_before_a_reset_does_not_sign_in_after_it(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (secret, _) = turn_on(&app, &app.token("adam").await).await;
    let stolen = challenge(&app, "adam").await;
    app.post("/api/auth/password/forgot", &json!({ "email": "adam@example.com" })).await;
    let mails = smtp.wait_for("adam@example.com", 2).await;
    let reset = mails
        .iter()
        .find(|m| m.subject.contains("Reset"))
        .unwrap()
        .token("http://app.example/reset-password");
    app.post("/api/auth/password/reset", &json!({ "token": reset, "newPassword": "owner-takes-it-back" }))
        .await;
    verify(&app, &stolen, &code(&secret, now_step())).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_credential_change_voids_links_of_every_purpose(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("root", &["admin"]).await;
    let admin = app.token("root").await;
    // For each change: a reset link, a verification link and a change-of-address link are
    // outstanding; after the change none of them works.
    let changes = ["password change", "sign out everywhere", "two-factor on", "account disabled"];
    for (i, change) in changes.iter().enumerate() {
        let name = format!("user{i}");
        app.signup(&name, &[]).await;
        let email = format!("{name}@example.com");
        let token = app.token(&name).await;
        app.post("/api/auth/password/forgot", &json!({ "email": email })).await;
        app.post_bearer("/api/auth/email/resend", &token, &json!({})).await;
        let moved = format!("{name}@moved.example");
        app.post_bearer(
            "/api/auth/email/change",
            &token,
            &json!({ "password": PASSWORD, "newEmail": moved }),
        )
        .await;
        let mails = smtp.wait_for(&email, 4).await;
        let reset = mails
            .iter()
            .find(|m| m.subject.contains("Reset"))
            .unwrap()
            .token("http://app.example/reset-password");
        let verify_links: Vec<String> = mails
            .iter()
            .filter(|m| m.subject.contains("Confirm your email"))
            .map(|m| m.token("http://app.example/verify-email"))
            .collect();
        let change_link = smtp.wait_for(&moved, 1).await[0].token("http://app.example/verify-email");
        match *change {
            "password change" => {
                let body = json!({ "currentPassword": PASSWORD, "newPassword": "a-new-horse-battery" });
                assert_eq!(app.post_bearer("/api/auth/password", &token, &body).await.status, StatusCode::OK);
            }
            "sign out everywhere" => {
                assert_eq!(
                    app.post_bearer("/api/auth/signout-all", &token, &json!({})).await.status,
                    StatusCode::OK
                );
            }
            "two-factor on" => {
                turn_on(&app, &token).await;
            }
            _ => {
                let id = app.user_id(&name).await;
                let path = format!("/api/admin/users/{id}/disable");
                assert_eq!(
                    app.send(app.request(Method::POST, &path).bearer_auth(&admin)).await.status,
                    StatusCode::OK
                );
            }
        }
        let body = json!({ "token": reset, "newPassword": "the-attackers-choice" });
        app.post("/api/auth/password/reset", &body).await.assert_error(400, "invalid_token");
        for link in verify_links.iter().chain([&change_link]) {
            app.post("/api/auth/email/verify", &json!({ "token": link }))
                .await
                .assert_error(400, "invalid_token");
        }
    }
}

// 4. A session's refresh tokens form one chain.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn eight_concurrent_refreshes_of_one_token_leave_one_chain(pool: PgPool) {
    let state = AppParts {
        sessions: SessionSettings { reuse_grace: Duration::from_secs(1), ..SessionSettings::default() },
        ..common::state(pool.clone())
    };
    let app = common::serve(state, pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = refresh_token(&session(&app, "adam").await);
    let answers = futures::future::join_all((0..8).map(|_| refresh(&app, &token))).await;
    let mut distinct: Vec<String> = answers
        .iter()
        .map(|answer| {
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            refresh_token(&answer.body)
        })
        .collect();
    distinct.sort();
    distinct.dedup();
    // Out of the grace, then every distinct token is tried: at most one chain goes on.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let mut succeeded = 0;
    for token in &distinct {
        if refresh(&app, token).await.status == StatusCode::OK {
            succeeded += 1;
        }
    }
    assert_eq!(distinct.len(), 1, "the replays minted nothing");
    assert!(succeeded <= 1, "{succeeded} chains");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_token_spent_long_ago_still_ends_the_session(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let first = session(&app, "adam").await;
    let second = refresh(&app, &refresh_token(&first)).await.body;
    let third = refresh(&app, &refresh_token(&second)).await.body;
    // Two days pass, and the clean-up runs, as it does every ten minutes.
    sqlx::query(
        "update sessions set created_at = created_at - interval '2 days', \
         refresh_grace_until = refresh_grace_until - interval '2 days', last_seen_at = now() - interval '2 days'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app::ssr::housekeeping::run_once(&app.state, app::ssr::housekeeping::Retention::default()).await;
    // The thief presents the token stolen two days ago: the whole session ends.
    refresh(&app, &refresh_token(&first)).await.assert_error(401, "refresh_token_reused");
    assert_eq!(alive(&app, &third).await, (false, false));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn refreshing_never_extends_a_session_past_its_absolute_lifetime(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let remembered = session(&app, "adam").await;
    // A remembered session lives at most SESSION_MAX_LIFETIME_SECS (90 days) from its sign-in.
    let lifetime: f64 =
        sqlx::query_scalar("select extract(epoch from max_expires_at - created_at)::float8 from sessions")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!((lifetime - 90.0 * 86_400.0).abs() < 5.0, "{lifetime}");
    // Near its end, a refresh gives only what is left.
    sqlx::query("update sessions set max_expires_at = now() + interval '40 seconds'")
        .execute(&app.pool)
        .await
        .unwrap();
    let renewed = refresh(&app, &refresh_token(&remembered)).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let left = renewed.body["refreshExpiresIn"].as_u64().unwrap();
    assert!(left <= 40, "{left}");
    sqlx::query("update sessions set max_expires_at = now(), expires_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    refresh(&app, &refresh_token(&renewed.body)).await.assert_error(401, "unauthorized");
    // Without "keep me signed in", the absolute lifetime is the refresh lifetime (1 day).
    app.signin("adam", PASSWORD).await;
    let short: f64 = sqlx::query_scalar(
        "select extract(epoch from max_expires_at - created_at)::float8 from sessions where not remember",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((short - 86_400.0).abs() < 5.0, "{short}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn refreshes_are_limited_per_session(pool: PgPool) {
    let state = AppParts {
        sessions: SessionSettings { max_refreshes_per_hour: 5, ..SessionSettings::default() },
        ..common::state(pool.clone())
    };
    let app = common::serve(state, pool).await;
    app.insert_user("adam", &["user"]).await;
    let mut body = session(&app, "adam").await;
    for _ in 0..5 {
        let answer = refresh(&app, &refresh_token(&body)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        body = answer.body;
    }
    let refused = refresh(&app, &refresh_token(&body)).await;
    refused.assert_error(429, "rate_limited");
    let retry: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&retry), "{retry}");
    // The token was not spent by the refusal, and another session is not affected.
    let other = session(&app, "adam").await;
    assert_eq!(refresh(&app, &refresh_token(&other)).await.status, StatusCode::OK);
    let entries: i64 = sqlx::query_scalar("select count(*) from audit_log where event = 'refresh_refused'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(entries, 1);
}

// 5. Mailed links are not readable at rest, and no table grows without bound.

/// A `pg_dump` of the test's own database, as text.
async fn dump(pool: &PgPool) -> String {
    let name: String = sqlx::query_scalar("select current_database()").fetch_one(pool).await.unwrap();
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL names the test server");
    let url = format!("{}/{name}", server.rsplit_once('/').unwrap().0);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("pg_dump").arg("--no-owner").arg(&url).output().expect("pg_dump runs")
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_copy_of_the_database_holds_no_mailed_token(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.signup("adam", &[]).await;
    app.post("/api/auth/password/forgot", &json!({ "email": "adam@example.com" })).await;
    let token = app.token("adam").await;
    let body = json!({ "password": PASSWORD, "newEmail": "adam@new.example" });
    app.post_bearer("/api/auth/email/change", &token, &body).await;
    let mails = smtp.wait_for("adam@example.com", 3).await;
    let mut tokens: Vec<String> = Vec::new();
    for mail in &mails {
        for prefix in ["http://app.example/reset-password", "http://app.example/verify-email"] {
            if mail.text.contains(prefix) {
                tokens.push(mail.token(prefix));
            }
        }
    }
    tokens.push(smtp.wait_for("adam@new.example", 1).await[0].token("http://app.example/verify-email"));
    assert_eq!(tokens.len(), 3, "a verification, a reset and a change-of-address link");
    // Sent: the worker marks them so in the same transaction that drops their bodies.
    for _ in 0..50 {
        let unsent: i64 = sqlx::query_scalar("select count(*) from outbox where sent_at is null")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if unsent == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dump = dump(&app.pool).await;
    assert!(dump.contains("Reset your Rust Auth password"), "the dump has the outbox (subjects stay)");
    for token in &tokens {
        assert!(!dump.contains(token.as_str()), "a mailed token is in the dump");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn mails_waiting_to_be_sent_are_sealed(pool: PgPool) {
    // No mail server: mails wait in the outbox.
    let app = spawn(pool).await;
    app.signup("adam", &[]).await;
    app.post("/api/auth/password/forgot", &json!({ "email": "adam@example.com" })).await;
    tokio::time::sleep(Duration::from_millis(300)).await; // the reset mail is queued after the answer
    let waiting: i64 = sqlx::query_scalar("select count(*) from outbox where sealed_body is not null")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(waiting, 2);
    let dump = dump(&app.pool).await;
    assert!(!dump.contains("reset-password?token="), "no link in the clear");
    assert!(!dump.contains("verify-email?token="), "no link in the clear");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_table_an_outsider_can_grow_is_purged(pool: PgPool) {
    let app = spawn(pool).await;
    app.signup("adam", &[]).await;
    app.signin("adam", "wrong-password-here").await;
    let body = session(&app, "adam").await;
    app.post_bearer("/api/auth/signout", &access(&body), &json!({})).await;
    app.post("/api/auth/password/forgot", &json!({ "email": "adam@example.com" })).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Everything ages past its retention.
    for statement in [
        "update throttle_slots set at = now() - interval '2 days', expires_at = now() - interval '1 day'",
        "update sessions set ended_at = now() - interval '2 days'",
        "update account_tokens set expires_at = now() - interval '2 days', created_at = now() - interval '3 days'",
        "update outbox set sent_at = now() - interval '8 days'",
        "update audit_log set at = now() - interval '91 days'",
    ] {
        sqlx::query(statement).execute(&app.pool).await.unwrap();
    }
    app::ssr::housekeeping::run_once(&app.state, app::ssr::housekeeping::Retention::default()).await;
    for table in ["throttle_slots", "sessions", "account_tokens", "outbox", "audit_log", "mfa_challenges"] {
        let left: i64 =
            sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(&app.pool).await.unwrap();
        assert_eq!(left, 0, "{table} kept rows past their retention");
    }
}

// 6. Email change is no address oracle.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn email_changes_are_limited_per_account(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    app.insert_user("eve", &["user"]).await;
    let token = app.token("adam").await;
    let mut answers = Vec::new();
    for i in 0..6 {
        // Free and taken addresses alike.
        let email = if i % 2 == 0 { format!("probe{i}@example.com") } else { "eve@example.com".into() };
        let body = json!({ "password": PASSWORD, "newEmail": email });
        answers.push(app.post_bearer("/api/auth/email/change", &token, &body).await);
    }
    for answer in &answers[..5] {
        assert_eq!((answer.status, &answer.body), (answers[0].status, &answers[0].body));
    }
    answers[5].assert_error(429, "rate_limited");
}

// 7. One actor cannot flood the audit log.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn three_hundred_name_edits_leave_a_handful_of_entries(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    for i in 0..300 {
        let request = app
            .request(Method::PATCH, "/api/auth/me")
            .bearer_auth(&token)
            .json(&json!({ "name": format!("Adam {i}") }));
        assert_eq!(app.send(request).await.status, StatusCode::OK);
    }
    for _ in 0..50 {
        app.post_bearer("/api/auth/signout-others", &token, &json!({})).await;
    }
    let (rows, total): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(count), 0) from audit_log where event in ('profile_updated', 'session_ended')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(rows <= 4, "{rows} entries");
    assert_eq!(total, 350, "each edit is still counted");
}

// 8. Proxies.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forwarded_hops_with_ports_are_read_and_garbage_ends_the_walk(pool: PgPool) {
    let app = behind_proxy(pool).await;
    app.insert_user("adam", &["user"]).await;
    for (forwarded, expected) in [
        ("203.0.113.7:5555", "203.0.113.7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("6.6.6.6, unknown", "127.0.0.1"),
        ("6.6.6.6, 203.0.113.8, garbage", "127.0.0.1"),
    ] {
        let request = from(app.request(Method::POST, "/api/auth/signin"), forwarded)
            .json(&json!({ "username": "adam", "password": "wrong-password-here" }));
        app.send(request).await.assert_error(401, "invalid_credentials");
        let address: String = sqlx::query_scalar(
            "select host(address) from audit_log where event = 'signin_failed' order by id desc limit 1",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(address, expected, "{forwarded}");
    }
}

// 9. Concurrent sign-ins with the right password are not refused.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn twenty_concurrent_right_passwords_all_sign_in(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let answers = futures::future::join_all((0..20).map(|_| app.signin("adam", PASSWORD))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses, [200; 20]);
    // And the budget for wrong passwords is whole afterwards.
    let wrong = futures::future::join_all((0..40).map(|_| app.signin("adam", "wrong-password-here"))).await;
    let statuses: Vec<u16> = wrong.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 35, "{statuses:?}");
    // The refusals state the real wait: until the oldest failure leaves the 15-minute window.
    for answer in wrong.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS) {
        let retry: u64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((880..=900).contains(&retry), "{retry}");
    }
}

// What an attacker's review found, each made a test.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_sign_in_checked_before_a_credential_change_starts_nothing_after_it(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    // The attacker's sign-in has checked the old password (its bcrypt ran)...
    let checked =
        app::ssr::identity::users::find_credentials(&app.pool, "adam").await.unwrap().unwrap().account;
    // ...when the owner changes it.
    let token = app.token("adam").await;
    let change = json!({ "currentPassword": PASSWORD, "newPassword": "owner-changed-it-now" });
    assert_eq!(app.post_bearer("/api/auth/password", &token, &change).await.status, StatusCode::OK);
    let device = app::ssr::guard::address::Device::default();
    let late = app::ssr::session::refresh::start(&app.state, checked.clone(), true, &device).await;
    assert!(matches!(late, Err(app::error::AppError::Unauthorized { .. })), "{late:?}");
    // Nor does it get a second-factor challenge under the old stamp.
    let challenge = app::ssr::factors::two_factor::challenge(&app.state, &checked, true, &device).await;
    assert!(matches!(challenge, Err(app::error::AppError::Unauthorized { .. })), "{challenge:?}");
    let live: i64 = sqlx::query_scalar("select count(*) from sessions where ended_at is null")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(live, 1, "only the owner's session");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn right_passwords_from_one_address_are_bounded_too(pool: PgPool) {
    let mut state = common::state(pool.clone());
    state.throttle.signin_attempts.per_address = Some(10);
    let app = common::serve(state, pool).await;
    app.insert_user("adam", &["user"]).await;
    for _ in 0..10 {
        assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK);
    }
    app.signin("adam", PASSWORD).await.assert_error(429, "too_many_attempts");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn signing_in_in_a_loop_keeps_at_most_a_hundred_sessions(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let first = session(&app, "adam").await;
    for _ in 0..104 {
        app.signin("adam", PASSWORD).await;
    }
    let live: i64 = sqlx::query_scalar("select count(*) from sessions where ended_at is null")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(live, 100);
    // The least recently used went first.
    app.get_bearer("/api/test/user", &access(&first)).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn recovery_codes_are_stored_as_keyed_macs_not_plain_hashes(pool: PgPool) {
    use sha2::{Digest, Sha256};
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (_, codes) = turn_on(&app, &app.token("adam").await).await;
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("select hash from mfa_recovery_codes").fetch_all(&app.pool).await.unwrap();
    assert_eq!(stored.len(), 10);
    for code in &codes {
        let plain = Sha256::digest(code.as_bytes()).to_vec();
        assert!(!stored.contains(&plain), "a recovery code is findable by its plain SHA-256");
    }
    // A code stored the old way (plain SHA-256) still works once.
    let id = app.user_id("adam").await;
    let legacy = "abcde-fghjk";
    sqlx::query("insert into mfa_recovery_codes (user_id, hash) values ($1, sha256($2::bytea))")
        .bind(id)
        .bind(legacy.as_bytes())
        .execute(&app.pool)
        .await
        .unwrap();
    let challenge = challenge(&app, "adam").await;
    assert_eq!(verify(&app, &challenge, legacy).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forty_concurrent_codes_on_one_challenge_get_three_checks(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let (secret, _) = turn_on(&app, &app.token("adam").await).await;
    let challenge = challenge(&app, "adam").await;
    let wrong = wrong_code(&secret);
    let answers = futures::future::join_all((0..40).map(|_| verify(&app, &challenge, &wrong))).await;
    let codes: Vec<&str> = answers.iter().map(|a| a.body["error"].as_str().unwrap_or("")).collect();
    assert_eq!(codes.iter().filter(|c| **c == "invalid_code").count(), 3, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == "unauthorized").count(), 37, "{codes:?}");
    verify(&app, &challenge, &code(&secret, now_step())).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_set_up_restarted_while_a_code_is_checked_is_not_enabled(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let setup = app.post_bearer("/api/auth/2fa/setup", &token, &json!({})).await;
    let secret = base32_decode(setup.body["secret"].as_str().unwrap());
    // Two enables with the same right code at once: one turns it on, the other is refused.
    let body = json!({ "password": PASSWORD, "code": code(&secret, now_step()) });
    let (one, two) = tokio::join!(
        app.post_bearer("/api/auth/2fa/enable", &token, &body),
        app.post_bearer("/api/auth/2fa/enable", &token, &body)
    );
    let mut statuses = [one.status.as_u16(), two.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422], "{} / {}", one.body, two.body);
    let stored: i64 =
        sqlx::query_scalar("select count(*) from mfa_recovery_codes").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, 10, "the codes handed out are the ones stored");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_stolen_session_cannot_use_up_the_owners_changes_of_address(pool: PgPool) {
    let app = behind_proxy(pool).await;
    app.insert_user("adam", &["user"]).await;
    let thief = app.token("adam").await;
    let owner = app.token("adam").await;
    let change = |token: &str, address: &str, password: &str, email: &str| {
        let request = from(app.request(Method::POST, "/api/auth/email/change"), address)
            .bearer_auth(token)
            .json(&json!({ "password": password, "newEmail": email }));
        app.send(request)
    };
    for i in 0..5 {
        let answer = change(&thief, "198.51.100.66", "a-guess", &format!("thief{i}@evil.example")).await;
        answer.assert_error(422, "validation");
    }
    for i in 0..5 {
        let answer = change(&owner, "203.0.113.5", PASSWORD, &format!("owner{i}@example.com")).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{i}: {}", answer.body);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_stolen_refresh_token_and_a_change_of_address_are_told_to_the_owner(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    let first = session(&app, "adam").await;
    let second = refresh(&app, &refresh_token(&first)).await.body;
    refresh(&app, &refresh_token(&second)).await;
    refresh(&app, &refresh_token(&first)).await.assert_error(401, "refresh_token_reused");
    let mail = &smtp.wait_for("adam@example.com", 1).await[0];
    assert_eq!(mail.subject, "A copied sign-in of your Rust Auth account was stopped");
    // A change of address, once followed, is told to the old address.
    let token = app.token("adam").await;
    let body = json!({ "password": PASSWORD, "newEmail": "adam@new.example" });
    app.post_bearer("/api/auth/email/change", &token, &body).await;
    let link = smtp.wait_for("adam@new.example", 1).await[0].token("http://app.example/verify-email");
    assert_eq!(app.post("/api/auth/email/verify", &json!({ "token": link })).await.status, StatusCode::OK);
    let mails = smtp.wait_for("adam@example.com", 3).await;
    assert!(
        mails.iter().any(|m| m.subject == "The email address of your Rust Auth account was changed"),
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}
