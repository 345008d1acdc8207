//! Forgotten passwords and mailed links, against a real SMTP server (aiosmtpd) and PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, TestApp, signup_body};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

async fn forgot(app: &TestApp, email: &str) -> common::Answer {
    app.post("/api/auth/password/forgot", &json!({ "email": email })).await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> common::Answer {
    app.post("/api/auth/password/reset", &json!({ "token": token, "newPassword": password })).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forgot_password_answers_the_same_for_known_and_unknown_addresses(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for round in 0..3 {
        let started = Instant::now();
        let answer = forgot(&app, "ADAM@example.com").await;
        known.push(started.elapsed());
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
        let started = Instant::now();
        let other = forgot(&app, &format!("nobody{round}@example.com")).await;
        unknown.push(started.elapsed());
        assert_eq!((other.status, &other.body), (answer.status, &answer.body));
    }
    // The answer does not wait for the lookup or the mail: its time tells nothing.
    known.sort();
    unknown.sort();
    assert!(known[1] < unknown[1] + Duration::from_millis(40), "known {known:?} vs unknown {unknown:?}");
    let mails = smtp.wait_for("adam@example.com", 3).await;
    assert!(mails[0].subject.contains("Reset your Rust Auth password"));
    assert!(mails[0].link("http://app.example/reset-password?token=").len() > 60);
    assert!(mails[0].html.contains("reset-password?token="), "an HTML part too");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 3, "nothing went to unknown addresses");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_reset_link_sets_the_password_once_and_ends_every_session(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    let old_session = app.token("adam").await;
    forgot(&app, "adam@example.com").await;
    let token = smtp.wait_for("adam@example.com", 1).await[0].token("http://app.example/reset-password");
    assert_eq!(token.len(), 64);
    // Stored only as its SHA-256.
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    let (hashed, plain): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where token_hash = $1), count(*) filter (where encode(token_hash, 'hex') = $2) from account_tokens",
    )
    .bind(&hash)
    .bind(&token)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((hashed, plain), (1, 0));

    // The password policy applies, without using the link up.
    let weak = reset(&app, &token, "password1").await;
    weak.assert_error(422, "validation");
    assert!(weak.body["fields"]["newPassword"].as_str().unwrap().contains("common"), "{}", weak.body);
    reset(&app, &token, "adam").await.assert_error(422, "validation");

    let done = reset(&app, &token, "a-brand-new-passphrase").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    reset(&app, &token, "another-new-passphrase").await.assert_error(400, "invalid_token");
    app.signin("adam", PASSWORD).await.assert_error(401, "invalid_credentials");
    assert_eq!(app.signin("adam", "a-brand-new-passphrase").await.status, StatusCode::OK);
    app.get_bearer("/api/test/user", &old_session).await.assert_error(401, "unauthorized");
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where event = 'password_reset'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_expired_and_replaced_links_are_refused(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    for garbage in ["", "abc", &"f".repeat(64), &"x".repeat(8000)] {
        reset(&app, garbage, "a-brand-new-passphrase").await.assert_error(400, "invalid_token");
    }
    forgot(&app, "adam@example.com").await;
    let first = smtp.wait_for("adam@example.com", 1).await[0].token("http://app.example/reset-password");
    forgot(&app, "adam@example.com").await;
    let second = smtp.wait_for("adam@example.com", 2).await[1].token("http://app.example/reset-password");
    // A newer link voids the older one.
    reset(&app, &first, "a-brand-new-passphrase").await.assert_error(400, "invalid_token");
    // An expired one is refused too.
    sqlx::query("update account_tokens set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    reset(&app, &second, "a-brand-new-passphrase").await.assert_error(400, "invalid_token");
    assert_eq!(app.signin("adam", PASSWORD).await.status, StatusCode::OK, "the password is unchanged");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn asking_for_links_is_limited_per_email_and_per_address(pool: PgPool) {
    let app = common::spawn(pool).await;
    for _ in 0..5 {
        assert_eq!(forgot(&app, "target@example.com").await.status, StatusCode::ACCEPTED);
    }
    let limited = forgot(&app, "TARGET@example.com").await;
    limited.assert_error(429, "rate_limited");
    assert!(limited.headers.contains_key("retry-after"));
    for i in 0..15 {
        assert_eq!(forgot(&app, &format!("other{i}@example.com")).await.status, StatusCode::ACCEPTED, "{i}");
    }
    // 20 from this address in the hour: the next one is refused whatever the email.
    forgot(&app, "fresh@example.com").await.assert_error(429, "rate_limited");
    forgot(&app, "not an email").await.assert_error(422, "validation");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_up_mails_a_verification_link_that_verifies_the_address(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    let created = app.signup("eve", &[]).await;
    assert_eq!(created.body["user"]["emailVerified"], false, "{}", created.body);
    let token = app.token("eve").await;
    assert_eq!(app.get_bearer("/api/test/user", &token).await.body["user"]["emailVerified"], false);
    let mail = &smtp.wait_for("eve@example.com", 1).await[0];
    assert!(mail.subject.contains("Confirm your email"));
    let link = mail.token("http://app.example/verify-email");
    let verified = app.post("/api/auth/email/verify", &json!({ "token": link })).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.body["user"]["emailVerified"], true);
    assert_eq!(app.get_bearer("/api/test/user", &token).await.body["user"]["emailVerified"], true);
    assert_eq!(app.signin("eve", PASSWORD).await.body["user"]["emailVerified"], true);
    app.post("/api/auth/email/verify", &json!({ "token": link })).await.assert_error(400, "invalid_token");
    // Nothing left to resend.
    let resend = app.send(app.request(Method::POST, "/api/auth/email/resend").bearer_auth(&token)).await;
    resend.assert_error(409, "already_verified");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn resend_sends_a_fresh_link_and_voids_the_old_one(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.signup("eve", &[]).await;
    let token = app.token("eve").await;
    let first = smtp.wait_for("eve@example.com", 1).await[0].token("http://app.example/verify-email");
    let resend = app.send(app.request(Method::POST, "/api/auth/email/resend").bearer_auth(&token)).await;
    assert_eq!(resend.status, StatusCode::ACCEPTED, "{}", resend.body);
    let second = smtp.wait_for("eve@example.com", 2).await[1].token("http://app.example/verify-email");
    app.post("/api/auth/email/verify", &json!({ "token": first })).await.assert_error(400, "invalid_token");
    assert_eq!(app.post("/api/auth/email/verify", &json!({ "token": second })).await.status, StatusCode::OK);
    // Without a token: by address, the same answer whether it is known or not.
    let known = app.post("/api/auth/email/resend", &json!({ "email": "eve@example.com" })).await;
    let unknown = app.post("/api/auth/email/resend", &json!({ "email": "nobody@example.com" })).await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(known.status, StatusCode::ACCEPTED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_unverified_address_can_be_required_at_sign_in(pool: PgPool) {
    let smtp = common::smtp::Smtp::start().await;
    let mut state = common::state(pool.clone());
    state.mailer = common::mailer(Some(smtp.url()));
    state.recovery.require_verified_email = true;
    app::ssr::recovery::mail::worker::spawn(pool.clone(), state.mailer.clone());
    let app = common::serve(state, pool).await;
    app.signup("eve", &[]).await;
    let refused = app.signin("eve", PASSWORD).await;
    refused.assert_error(403, "email_not_verified");
    assert_eq!(refused.body["auth"], false);
    // A wrong password still says only that.
    app.signin("eve", "wrong-password-here").await.assert_error(401, "invalid_credentials");
    let token = smtp.wait_for("eve@example.com", 1).await[0].token("http://app.example/verify-email");
    app.post("/api/auth/email/verify", &json!({ "token": token })).await;
    assert_eq!(app.signin("eve", PASSWORD).await.status, StatusCode::OK);
    // Accounts made by the operator are verified from the start.
    app.insert_user("root", &["admin"]).await;
    assert_eq!(app.signin("root", PASSWORD).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_email_change_applies_once_the_new_address_is_verified(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    app.insert_user("eve", &["user"]).await;
    let token = app.token("adam").await;
    let change = |password: &str, email: &str| {
        let body = json!({ "password": password, "newEmail": email });
        app.send(app.request(Method::POST, "/api/auth/email/change").bearer_auth(&token).json(&body))
    };
    change("wrong-password", "adam@new.example").await.assert_error(422, "validation");
    change(PASSWORD, "not-an-email").await.assert_error(422, "validation");
    change(PASSWORD, "adam@example.com").await.assert_error(422, "validation");
    let asked = change(PASSWORD, "adam@new.example").await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
    // Another account's address: the same answer, a notice to that account's owner, no link.
    let taken = change(PASSWORD, "EVE@example.com").await;
    assert_eq!((taken.status, &taken.body), (asked.status, &asked.body));
    let told = &smtp.wait_for("eve@example.com", 1).await[0];
    assert!(told.subject.contains("Someone tried to use your address"), "{}", told.subject);
    assert!(!told.text.contains("verify-email"), "no link to the owner of a taken address");
    // A notice to the old address, a link to the new one; nothing changed yet.
    let notice = &smtp.wait_for("adam@example.com", 1).await[0];
    assert!(notice.text.contains("adam@new.example"), "{}", notice.text);
    let link = smtp.wait_for("adam@new.example", 1).await[0].token("http://app.example/verify-email");
    assert_eq!(app.get_bearer("/api/auth/me", &token).await.body["email"], "adam@example.com");
    let verified = app.post("/api/auth/email/verify", &json!({ "token": link })).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.body["user"]["email"], "adam@new.example");
    assert_eq!(verified.body["user"]["emailVerified"], true);
    assert_eq!(app.signin("adam@new.example", PASSWORD).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_address_taken_meanwhile_keeps_the_link_for_later(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let body = json!({ "password": PASSWORD, "newEmail": "shared@example.com" });
    app.post_bearer("/api/auth/email/change", &token, &body).await;
    let link = smtp.wait_for("shared@example.com", 1).await[0].token("http://app.example/verify-email");
    // Someone else signs up with that address before the link is followed.
    let mut other = signup_body("other", &[]);
    other["email"] = json!("Shared@Example.com");
    assert_eq!(app.post("/api/auth/signup", &other).await.status, StatusCode::CREATED);
    app.post("/api/auth/email/verify", &json!({ "token": link })).await.assert_error(409, "email_taken");
    assert_eq!(app.get_bearer("/api/auth/me", &token).await.body["email"], "adam@example.com");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admins_can_mail_a_user_a_reset_link(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    app.insert_user("root", &["admin"]).await;
    app.insert_user("adam", &["user"]).await;
    let admin = app.token("root").await;
    let user = app.token("adam").await;
    let id = app.user_id("adam").await;
    let path = format!("/api/admin/users/{id}/password-reset");
    app.send(app.request(Method::POST, &path).bearer_auth(&user)).await.assert_error(403, "forbidden");
    let sent = app.send(app.request(Method::POST, &path).bearer_auth(&admin)).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.body);
    let token = smtp.wait_for("adam@example.com", 1).await[0].token("http://app.example/reset-password");
    assert_eq!(reset(&app, &token, "set-by-the-user-now").await.status, StatusCode::OK);
    let by: Option<String> =
        sqlx::query_scalar("select actor_name from audit_log where event = 'password_reset_requested'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(by.as_deref(), Some("root"));
}
