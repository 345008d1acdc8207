//! Passkeys over the REST API, driven by a software authenticator (`common::authenticator`)
//! against a real PostgreSQL: registration, sign-in, passwordless accounts, and the attacks on
//! each (replays, expiry, clones, stolen ids, a stolen access token, concurrency, bad input).

mod common;

use common::authenticator::Device;
use common::{PASSWORD, TestApp, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

use app::ssr::factors::settings::MfaSettings;
use app::ssr::state::AppParts;

/// Adds a passkey on `device` to the account of `token`, confirmed with the password.
async fn add_passkey(app: &TestApp, token: &str, device: &mut Device) -> Value {
    add_named(app, token, device, json!({ "password": PASSWORD })).await
}

async fn add_named(app: &TestApp, token: &str, device: &mut Device, start: Value) -> Value {
    let started = app.post_bearer("/api/auth/passkeys/register/start", token, &start).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let credential = device.create(&started.body["options"]).await;
    let finish = json!({ "ceremony": started.body["ceremony"], "credential": credential });
    let added = app.post_bearer("/api/auth/passkeys/register/finish", token, &finish).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    added.body
}

/// A sign-in ceremony answered by `device`: the finish body, not sent yet.
async fn signin_answer(app: &TestApp, device: &mut Device) -> Value {
    let started = app.post("/api/auth/passkeys/signin/start", &json!({})).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let credential = device.get(&started.body["options"]).await;
    json!({ "ceremony": started.body["ceremony"], "credential": credential })
}

async fn signin_with(app: &TestApp, device: &mut Device) -> common::Answer {
    let answer = signin_answer(app, device).await;
    app.post("/api/auth/passkeys/signin/finish", &answer).await
}

/// A user with a password, signed in: their access token.
async fn user(app: &TestApp, username: &str, roles: &[&str]) -> String {
    app.insert_user(username, roles).await;
    app.token(username).await
}

/// The user handle (the account id, base64url) an answer carries, replaced by `other`'s.
fn claim_to_be(answer: &mut Value, other: uuid::Uuid) {
    use base64::Engine;
    let handle = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(other.as_bytes());
    answer["credential"]["response"]["userHandle"] = Value::String(handle);
}

// 1. What people do.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_passkey_added_signs_in_with_no_username_and_no_second_step(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    let agent =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    let started = app
        .send(
            app.request(Method::POST, "/api/auth/passkeys/register/start")
                .bearer_auth(&token)
                .header("user-agent", agent)
                .json(&json!({ "password": PASSWORD })),
        )
        .await;
    let credential = phone.create(&started.body["options"]).await;
    let added = app
        .post_bearer(
            "/api/auth/passkeys/register/finish",
            &token,
            &json!({ "ceremony": started.body["ceremony"], "credential": credential }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.body["name"], "Chrome on Linux", "the default name is the device");
    // The options asked for a discoverable credential with user verification.
    let selection = &started.body["options"]["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{selection}");
    assert_eq!(selection["userVerification"], "required", "{selection}");

    let signed_in = signin_with(&app, &mut phone).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(signed_in.body["auth"], true);
    assert_eq!(signed_in.body["user"]["username"], "adam");
    let access = signed_in.body["accessToken"].as_str().unwrap();
    assert_eq!(app.get_bearer("/api/test/user", access).await.status, StatusCode::OK);
    // Listed, with when it was last used.
    let list = app.get_bearer("/api/auth/passkeys", access).await;
    assert_eq!(list.body["passkeys"].as_array().unwrap().len(), 1, "{}", list.body);
    assert!(list.body["passkeys"][0]["lastUsedAt"].is_i64(), "{}", list.body);
    // Audited as a sign-in with a passkey.
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where event = 'signin_succeeded' and detail = 'with a passkey'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_account_created_with_a_passkey_has_no_password_until_it_sets_one(pool: PgPool) {
    let app = spawn(pool).await;
    let mut phone = Device::new();
    let account = json!({ "name": "Pat Keys", "username": "pat", "email": "pat@example.com" });
    let started = app.post("/api/auth/passkeys/signup/start", &account).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let credential = phone.create(&started.body["options"]).await;
    let finish = json!({ "ceremony": started.body["ceremony"], "credential": credential, "remember": true });
    let created = app.post("/api/auth/passkeys/signup/finish", &finish).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.body["refreshToken"].is_string(), "remembered: {}", created.body);
    let token = created.body["accessToken"].as_str().unwrap().to_owned();
    let me = app.get_bearer("/api/auth/me", &token).await;
    assert_eq!(me.body["hasPassword"], false, "{}", me.body);
    assert_eq!(me.body["passkeys"], 1, "{}", me.body);
    // No password signs in (not even an empty one).
    assert!(app.signin("pat", "").await.status.is_client_error());
    app.signin("pat", PASSWORD).await.assert_error(401, "invalid_credentials");
    // The passkey does.
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
    // A password change confirmed with the passkey sets the first password.
    let asked = app.post_bearer("/api/auth/passkeys/reauth/start", &token, &json!({})).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let proof =
        json!({ "ceremony": asked.body["ceremony"], "credential": phone.get(&asked.body["options"]).await });
    let set = app
        .post_bearer(
            "/api/auth/password",
            &token,
            &json!({ "passkey": proof, "newPassword": "first-horse-battery" }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(app.signin("pat", "first-horse-battery").await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_passwordless_account_deletes_itself_with_its_passkey(pool: PgPool) {
    let app = spawn(pool).await;
    let (token, mut phone) = passwordless(&app, "pat").await;
    // The password field cannot stand in: there is none.
    let refused = app
        .send(
            app.request(Method::DELETE, "/api/auth/me").bearer_auth(&token).json(&json!({ "password": "x" })),
        )
        .await;
    refused.assert_error(422, "validation");
    let proof = reauth(&app, &token, &mut phone).await;
    let deleted = app
        .send(
            app.request(Method::DELETE, "/api/auth/me")
                .bearer_auth(&token)
                .json(&json!({ "passkey": proof })),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(app.user_count().await, 0);
}

/// A passwordless account `username`, signed in: its access token and its device.
async fn passwordless(app: &TestApp, username: &str) -> (String, Device) {
    let mut phone = Device::new();
    let account =
        json!({ "name": "Pat Keys", "username": username, "email": format!("{username}@example.com") });
    let started = app.post("/api/auth/passkeys/signup/start", &account).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let credential = phone.create(&started.body["options"]).await;
    let finish = json!({ "ceremony": started.body["ceremony"], "credential": credential });
    let created = app.post("/api/auth/passkeys/signup/finish", &finish).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    (created.body["accessToken"].as_str().unwrap().to_owned(), phone)
}

/// A passkey asked again: the `passkey` proof a change sends.
async fn reauth(app: &TestApp, token: &str, device: &mut Device) -> Value {
    let asked = app.post_bearer("/api/auth/passkeys/reauth/start", token, &json!({})).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    json!({ "ceremony": asked.body["ceremony"], "credential": device.get(&asked.body["options"]).await })
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn two_passkeys_renamed_and_one_removed_which_then_no_longer_signs_in(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let (mut phone, mut key) = (Device::new(), Device::new());
    let first = add_named(&app, &token, &mut phone, json!({ "password": PASSWORD, "name": "Phone" })).await;
    // The second is confirmed with the first: a password no longer adds a factor to this account.
    let refused = app
        .post_bearer(
            "/api/auth/passkeys/register/start",
            &token,
            &json!({ "password": PASSWORD, "name": "Blue key" }),
        )
        .await;
    refused.assert_error(422, "validation");
    assert!(refused.body["fields"]["passkey"].is_string(), "{}", refused.body);
    let proof = reauth(&app, &token, &mut phone).await;
    let second = add_named(&app, &token, &mut key, json!({ "passkey": proof, "name": "Blue key" })).await;
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
    assert_eq!(signin_with(&app, &mut key).await.status, StatusCode::OK);
    let id = first["id"].as_str().unwrap();
    let renamed = app
        .send(
            app.request(Method::PATCH, &format!("/api/auth/passkeys/{id}"))
                .bearer_auth(&token)
                .json(&json!({ "name": "  Work phone  " })),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.body["name"], "Work phone");
    // Removing asks for a passkey (the password is not enough once the account has one).
    let path = format!("/api/auth/passkeys/{id}");
    let unconfirmed = app.send(app.request(Method::DELETE, &path).bearer_auth(&token).json(&json!({}))).await;
    unconfirmed.assert_error(422, "validation");
    let with_password = json!({ "password": PASSWORD });
    let refused = app.send(app.request(Method::DELETE, &path).bearer_auth(&token).json(&with_password)).await;
    refused.assert_error(422, "validation");
    let proof = reauth(&app, &token, &mut key).await;
    let removed = app
        .send(app.request(Method::DELETE, &path).bearer_auth(&token).json(&json!({ "passkey": proof })))
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    signin_with(&app, &mut phone).await.assert_error(401, "passkey_refused");
    assert_eq!(signin_with(&app, &mut key).await.status, StatusCode::OK, "the other one still works");
    let list = app.get_bearer("/api/auth/passkeys", &token).await;
    let names: Vec<&str> =
        list.body["passkeys"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Blue key"], "{}", second);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_last_way_into_a_passwordless_account_cannot_be_removed(pool: PgPool) {
    let app = spawn(pool).await;
    let (token, mut phone) = passwordless(&app, "pat").await;
    let list = app.get_bearer("/api/auth/passkeys", &token).await;
    let id = list.body["passkeys"][0]["id"].as_str().unwrap().to_owned();
    let proof = reauth(&app, &token, &mut phone).await;
    let refused = app
        .send(
            app.request(Method::DELETE, &format!("/api/auth/passkeys/{id}"))
                .bearer_auth(&token)
                .json(&json!({ "passkey": proof })),
        )
        .await;
    refused.assert_error(409, "last_credential");
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn ten_passkeys_at_most(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut first = Device::new();
    add_passkey(&app, &token, &mut first).await;
    for _ in 1..10 {
        let proof = reauth(&app, &token, &mut first).await;
        add_named(&app, &token, &mut Device::new(), json!({ "passkey": proof })).await;
    }
    let proof = reauth(&app, &token, &mut first).await;
    let started =
        app.post_bearer("/api/auth/passkeys/register/start", &token, &json!({ "passkey": proof })).await;
    started.assert_error(409, "too_many_passkeys");
}

// 2. Ceremonies: single use, five minutes, any instance.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_replayed_answer_is_refused(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    let answer = signin_answer(&app, &mut phone).await;
    assert_eq!(app.post("/api/auth/passkeys/signin/finish", &answer).await.status, StatusCode::OK);
    app.post("/api/auth/passkeys/signin/finish", &answer).await.assert_error(401, "unauthorized");
    // The same answer in a new ceremony: the challenge it signed is not that ceremony's.
    let started = app.post("/api/auth/passkeys/signin/start", &json!({})).await;
    let mut replayed = answer.clone();
    replayed["ceremony"] = started.body["ceremony"].clone();
    app.post("/api/auth/passkeys/signin/finish", &replayed).await.assert_error(401, "passkey_refused");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_expired_ceremony_is_refused(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    let answer = signin_answer(&app, &mut phone).await;
    sqlx::query("update webauthn_ceremonies set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.post("/api/auth/passkeys/signin/finish", &answer).await.assert_error(401, "unauthorized");
    // And the clean-up takes it away.
    app::ssr::housekeeping::run_once(&app.state, Default::default()).await;
    let left: i64 =
        sqlx::query_scalar("select count(*) from webauthn_ceremonies").fetch_one(&app.pool).await.unwrap();
    assert_eq!(left, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_ceremony_begun_on_one_instance_finishes_on_another(pool: PgPool) {
    let first = spawn(pool.clone()).await;
    let second = spawn(pool).await;
    let token = user(&first, "adam", &["user"]).await;
    let mut phone = Device::new();
    // Registration: started on the first, finished on the second.
    let started = first
        .post_bearer("/api/auth/passkeys/register/start", &token, &json!({ "password": PASSWORD }))
        .await;
    let credential = phone.create(&started.body["options"]).await;
    let finish = json!({ "ceremony": started.body["ceremony"], "credential": credential });
    let added = second.post_bearer("/api/auth/passkeys/register/finish", &token, &finish).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    // Sign-in: the same.
    let answer = signin_answer(&second, &mut phone).await;
    let signed_in = first.post("/api/auth/passkeys/signin/finish", &answer).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forty_concurrent_finishes_of_one_answer_give_one_session(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    let id = app.user_id("adam").await;
    let before: i64 = sqlx::query_scalar("select count(*) from sessions where user_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let answer = signin_answer(&app, &mut phone).await;
    let answers =
        futures::future::join_all((0..40).map(|_| app.post("/api/auth/passkeys/signin/finish", &answer)))
            .await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 401), "{statuses:?}");
    let after: i64 = sqlx::query_scalar("select count(*) from sessions where user_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(after - before, 1);
}

// 3. The authenticator's answer.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_counter_going_backwards_is_refused_audited_and_mailed(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    let mut copy = phone.clone_device();
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
    assert!(phone.counter() >= 2, "the soft authenticator counts: {}", phone.counter());
    // The copy was made before those two sign-ins: its counter is behind.
    signin_with(&app, &mut copy).await.assert_error(401, "passkey_refused");
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where event = 'passkey_cloned'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    let mails = smtp.wait_for("adam@example.com", 2).await;
    assert!(
        mails.iter().any(|m| m.subject == "A copy of one of your passkeys may exist"),
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    // The original still signs in.
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_answer_without_user_verification_is_refused(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    // A client that ignores the server's "userVerification: required" gets a passkey signed with
    // the UV flag clear: refused when created...
    let mut careless = Device::new();
    careless.verified = false;
    let started =
        app.post_bearer("/api/auth/passkeys/register/start", &token, &json!({ "password": PASSWORD })).await;
    let mut options = started.body["options"].clone();
    options["publicKey"]["authenticatorSelection"]["userVerification"] = json!("discouraged");
    let credential = careless.create(&options).await;
    let finish = json!({ "ceremony": started.body["ceremony"], "credential": credential });
    let refused = app.post_bearer("/api/auth/passkeys/register/finish", &token, &finish).await;
    refused.assert_error(422, "validation");
    // ... and when signing in.
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    phone.verified = false;
    let started = app.post("/api/auth/passkeys/signin/start", &json!({})).await;
    let mut options = started.body["options"].clone();
    options["publicKey"]["userVerification"] = json!("discouraged");
    let answer = json!({ "ceremony": started.body["ceremony"], "credential": phone.get(&options).await });
    flags_of(&answer, |flags| assert_eq!(flags & 0x04, 0, "the answer says: not verified"));
    app.post("/api/auth/passkeys/signin/finish", &answer).await.assert_error(401, "passkey_refused");
    // Verified, it signs in.
    phone.verified = true;
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
}

/// Reads the flags byte of an answer's authenticator data.
fn flags_of(answer: &Value, check: impl Fn(u8)) {
    use base64::Engine;
    let data = answer["credential"]["response"]["authenticatorData"].as_str().unwrap();
    let data = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(data.trim_end_matches('=')).unwrap();
    check(data[32]);
}

/// Changes the authenticator data of an answer (bytes: rpIdHash[32], flags, counter[4], ...).
fn flip_authenticator_data(answer: &mut Value, change: impl Fn(&mut Vec<u8>)) {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let field = &mut answer["credential"]["response"]["authenticatorData"];
    let mut data = engine.decode(field.as_str().unwrap().trim_end_matches('=')).unwrap();
    change(&mut data);
    *field = Value::String(engine.encode(data));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_bogus_signature_is_refused(pool: PgPool) {
    use base64::Engine;
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    let mut answer = signin_answer(&app, &mut phone).await;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let field = &mut answer["credential"]["response"]["signature"];
    let mut signature = engine.decode(field.as_str().unwrap().trim_end_matches('=')).unwrap();
    let last = signature.len() - 1;
    signature[last] ^= 0x01;
    *field = Value::String(engine.encode(signature));
    app.post("/api/auth/passkeys/signin/finish", &answer).await.assert_error(401, "passkey_refused");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_passkey_of_one_account_cannot_sign_in_as_another(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    app.insert_user("bella", &["admin"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    let mut answer = signin_answer(&app, &mut phone).await;
    claim_to_be(&mut answer, app.user_id("bella").await);
    app.post("/api/auth/passkeys/signin/finish", &answer).await.assert_error(401, "passkey_refused");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_credential_id_another_account_holds_is_refused(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    app.insert_user("bella", &["user"]).await;
    let mut phone = Device::new();
    let started =
        app.post_bearer("/api/auth/passkeys/register/start", &token, &json!({ "password": PASSWORD })).await;
    let credential = phone.create(&started.body["options"]).await;
    // Meanwhile another account registered the same credential id.
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(credential["rawId"].as_str().unwrap().trim_end_matches('='))
        .unwrap();
    sqlx::query(
        "insert into passkeys (user_id, credential_id, credential, name) values ($1, $2, '{}', 'theirs')",
    )
    .bind(app.user_id("bella").await)
    .bind(&raw)
    .execute(&app.pool)
    .await
    .unwrap();
    let finish = json!({ "ceremony": started.body["ceremony"], "credential": credential });
    app.post_bearer("/api/auth/passkeys/register/finish", &token, &finish)
        .await
        .assert_error(409, "passkey_taken");
    let mine: i64 = sqlx::query_scalar("select count(*) from passkeys where user_id = $1")
        .bind(app.user_id("adam").await)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(mine, 0);
}

// 4. A sign-in like any other.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_disabled_account_and_an_unverified_address_are_refused_as_for_passwords(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let admin = user(&app, "root", &["admin"]).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    let id = app.user_id("adam").await;
    let disabled = app.post_bearer(&format!("/api/admin/users/{id}/disable"), &admin, &json!({})).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    signin_with(&app, &mut phone).await.assert_error(403, "account_disabled");
    let enabled = app.post_bearer(&format!("/api/admin/users/{id}/enable"), &admin, &json!({})).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
    // With verified addresses required, an unverified one is refused too (a passwordless account's
    // address is not verified until its link is followed).
    let (_, mut pats_phone) = passwordless(&app, "pat").await;
    let strict = AppParts {
        recovery: app::ssr::recovery::settings::Recovery {
            require_verified_email: true,
            ..app.state.recovery
        },
        ..common::state(pool.clone())
    };
    let strict = common::serve(strict, pool).await;
    signin_with(&strict, &mut pats_phone).await.assert_error(403, "email_not_verified");
    assert_eq!(signin_with(&strict, &mut phone).await.status, StatusCode::OK, "a verified one is not");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admin_with_only_a_passkey_passes_the_two_factor_requirement(pool: PgPool) {
    let state = AppParts { mfa: MfaSettings { require_for_admins: true }, ..common::state(pool.clone()) };
    let app = common::serve(state, pool).await;
    let password_only = user(&app, "root", &["admin"]).await;
    app.get_bearer("/api/test/admin", &password_only).await.assert_error(403, "mfa_setup_required");
    // Adding a passkey is allowed to a password-only admin (it is how they meet the requirement)...
    let mut key = Device::new();
    add_passkey(&app, &password_only, &mut key).await;
    // ... but the password-only session stays what it was: the passkey has to sign in.
    app.get_bearer("/api/test/admin", &password_only).await.assert_error(403, "mfa_setup_required");
    let signed_in = signin_with(&app, &mut key).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    let token = signed_in.body["accessToken"].as_str().unwrap();
    assert_eq!(app.get_bearer("/api/test/admin", token).await.status, StatusCode::OK);
    assert_eq!(app.get_bearer("/api/admin/users", token).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_out_everywhere_ends_passkey_sessions_too(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    let signed_in = signin_with(&app, &mut phone).await;
    let passkey_token = signed_in.body["accessToken"].as_str().unwrap().to_owned();
    let out = app.post_bearer("/api/auth/signout-all", &token, &json!({})).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert_eq!(app.get_bearer("/api/test/user", &passkey_token).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn password_failures_neither_lock_a_passkey_out_nor_are_forgiven_by_it(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    // Someone guesses the password until the account's sign-in limit is reached.
    let limit = app.state.throttle.signin.per_pair.unwrap();
    for _ in 0..limit {
        app.signin("adam", "a-wrong-guess").await.assert_error(401, "invalid_credentials");
    }
    app.signin("adam", PASSWORD).await.assert_error(429, "too_many_attempts");
    // The owner's passkey still signs in: a signature cannot be guessed, and its door is its own...
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
    // ... and its success forgives nothing counted at the password's door.
    app.signin("adam", PASSWORD).await.assert_error(429, "too_many_attempts");
    // Refused answers are audited (folded per account), and lock nothing either.
    let mut answer = signin_answer(&app, &mut phone).await;
    flip_authenticator_data(&mut answer, |data| data[32] ^= 0x40);
    app.post("/api/auth/passkeys/signin/finish", &answer).await.assert_error(401, "passkey_refused");
    let refused: i64 =
        sqlx::query_scalar("select count(*) from audit_log where event = 'passkey_signin_failed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(refused, 1);
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
}

// 5. What a stolen access token can do.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_stolen_access_token_cannot_add_or_remove_a_passkey(pool: PgPool) {
    let app = spawn(pool).await;
    // An account without a passkey: the thief has the token, not the password.
    let token = user(&app, "adam", &["user"]).await;
    let started = app.post_bearer("/api/auth/passkeys/register/start", &token, &json!({})).await;
    started.assert_error(422, "validation");
    assert!(started.body["fields"]["password"].is_string(), "{}", started.body);
    let wrong = app
        .post_bearer("/api/auth/passkeys/register/start", &token, &json!({ "password": "guess-one" }))
        .await;
    wrong.assert_error(422, "validation");
    // The guess counts like a sign-in failure.
    let failures: i64 =
        sqlx::query_scalar("select count(*) from audit_log where event = 'password_check_failed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(failures, 1);
    // An account with a passkey: not even the right password adds or removes one (no password
    // check at all, so guesses learn nothing either).
    let mut phone = Device::new();
    let mine = add_passkey(&app, &token, &mut phone).await;
    let right =
        app.post_bearer("/api/auth/passkeys/register/start", &token, &json!({ "password": PASSWORD })).await;
    right.assert_error(422, "validation");
    assert!(right.body["fields"]["passkey"].is_string(), "{}", right.body);
    let path = format!("/api/auth/passkeys/{}", mine["id"].as_str().unwrap());
    let removed = app
        .send(app.request(Method::DELETE, &path).bearer_auth(&token).json(&json!({ "password": PASSWORD })))
        .await;
    removed.assert_error(422, "validation");
    // A passkey proof from the thief's own authenticator is no proof either.
    let asked = app.post_bearer("/api/auth/passkeys/reauth/start", &token, &json!({})).await;
    let mut theirs = Device::new();
    assert!(
        theirs.try_get(&asked.body["options"]).await.is_err(),
        "the thief's device holds no passkey of this account"
    );
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admins_password_alone_never_adds_a_second_factor_to_one_that_has_a_passkey(pool: PgPool) {
    // The attack: the admin's password is phished. The admin signs in with a passkey; the thief
    // signs in with the password (a session without admin powers) and tries to add a factor of
    // their own, to reach the admin powers and to stay in.
    let state = AppParts { mfa: MfaSettings { require_for_admins: true }, ..common::state(pool.clone()) };
    let app = common::serve(state, pool).await;
    let first = user(&app, "root", &["admin"]).await;
    let mut admins_key = Device::new();
    add_passkey(&app, &first, &mut admins_key).await;
    let thief = app.token("root").await;
    app.get_bearer("/api/admin/users", &thief).await.assert_error(403, "mfa_setup_required");
    // A passkey of the thief's: refused without one of the account's passkeys.
    let start = json!({ "password": PASSWORD });
    app.post_bearer("/api/auth/passkeys/register/start", &thief, &start)
        .await
        .assert_error(422, "validation");
    // Two-factor sign-in of the thief's: refused too.
    let setup = app.post_bearer("/api/auth/2fa/setup", &thief, &json!({})).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let secret = common::mfa::base32_decode(setup.body["secret"].as_str().unwrap());
    let code = common::mfa::code(&secret, common::mfa::now_step());
    let enable =
        app.post_bearer("/api/auth/2fa/enable", &thief, &json!({ "password": PASSWORD, "code": code })).await;
    enable.assert_error(422, "validation");
    assert!(enable.body["fields"]["passkey"].is_string(), "{}", enable.body);
    app.get_bearer("/api/admin/users", &thief).await.assert_error(403, "mfa_setup_required");
    let factors: (i64, i64) = sqlx::query_as(
        "select (select count(*) from passkeys), (select count(*) from mfa_secrets where enabled_at is not null)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(factors, (1, 0), "nothing was added");
    // The admin, with the passkey, may add either.
    let signed_in = signin_with(&app, &mut admins_key).await;
    let token = signed_in.body["accessToken"].as_str().unwrap();
    let proof = reauth(&app, token, &mut admins_key).await;
    add_named(&app, token, &mut Device::new(), json!({ "passkey": proof })).await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn with_two_factor_sign_in_on_adding_a_passkey_needs_a_code_too(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let setup = app.post_bearer("/api/auth/2fa/setup", &token, &json!({})).await;
    let secret = common::mfa::base32_decode(setup.body["secret"].as_str().unwrap());
    let step = common::mfa::now_step();
    let on = json!({ "password": PASSWORD, "code": common::mfa::code(&secret, step - 1) });
    assert_eq!(app.post_bearer("/api/auth/2fa/enable", &token, &on).await.status, StatusCode::OK);
    let without_code =
        app.post_bearer("/api/auth/passkeys/register/start", &token, &json!({ "password": PASSWORD })).await;
    without_code.assert_error(422, "validation");
    assert!(without_code.body["fields"]["code"].is_string(), "{}", without_code.body);
    let wrong = json!({ "password": PASSWORD, "code": "000000" });
    let wrong_answer = app.post_bearer("/api/auth/passkeys/register/start", &token, &wrong).await;
    if common::mfa::code(&secret, step) != "000000" {
        wrong_answer.assert_error(422, "validation");
    }
    let right = json!({ "password": PASSWORD, "code": common::mfa::code(&secret, step) });
    add_named(&app, &token, &mut Device::new(), right).await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admin_loses_the_powers_with_the_last_factor(pool: PgPool) {
    let state = AppParts { mfa: MfaSettings { require_for_admins: true }, ..common::state(pool.clone()) };
    let app = common::serve(state, pool).await;
    let first = user(&app, "root", &["admin"]).await;
    let mut key = Device::new();
    let mine = add_passkey(&app, &first, &mut key).await;
    let signed_in = signin_with(&app, &mut key).await;
    let token = signed_in.body["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(app.get_bearer("/api/admin/users", &token).await.status, StatusCode::OK);
    // The admin removes the only passkey (with it): the session opened with it keeps no powers.
    let proof = reauth(&app, &token, &mut key).await;
    let path = format!("/api/auth/passkeys/{}", mine["id"].as_str().unwrap());
    let removed = app
        .send(app.request(Method::DELETE, &path).bearer_auth(&token).json(&json!({ "passkey": proof })))
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    app.get_bearer("/api/admin/users", &token).await.assert_error(403, "mfa_setup_required");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn asking_for_passkeys_again_and_again_keeps_five_ceremonies(pool: PgPool) {
    let app = spawn(pool).await;
    let (token, _) = passwordless(&app, "pat").await;
    for _ in 0..30 {
        let asked = app.post_bearer("/api/auth/passkeys/reauth/start", &token, &json!({})).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    }
    let kept: i64 =
        sqlx::query_scalar("select count(*) from webauthn_ceremonies").fetch_one(&app.pool).await.unwrap();
    assert_eq!(kept, 5);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_registration_begun_before_a_password_change_cannot_finish_after_it(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    let started =
        app.post_bearer("/api/auth/passkeys/register/start", &token, &json!({ "password": PASSWORD })).await;
    let credential = phone.create(&started.body["options"]).await;
    // The owner changes the password (this session continues with a fresh token).
    let changed = app
        .post_bearer(
            "/api/auth/password",
            &token,
            &json!({ "currentPassword": PASSWORD, "newPassword": "another-horse-battery" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let fresh = changed.body["accessToken"].as_str().unwrap();
    let finish = json!({ "ceremony": started.body["ceremony"], "credential": credential });
    app.post_bearer("/api/auth/passkeys/register/finish", fresh, &finish)
        .await
        .assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_passkey_proof_is_single_use_and_bound_to_its_account(pool: PgPool) {
    let app = spawn(pool).await;
    let (pat, mut pats_phone) = passwordless(&app, "pat").await;
    let (sam, _) = passwordless(&app, "sam").await;
    let proof = reauth(&app, &pat, &mut pats_phone).await;
    // Sam cannot use Pat's proof.
    let body = json!({ "passkey": proof, "newPassword": "sams-horse-battery" });
    app.post_bearer("/api/auth/password", &sam, &body).await.assert_error(422, "validation");
    // Pat can, once.
    let body = json!({ "passkey": proof, "newPassword": "pats-horse-battery" });
    assert_eq!(app.post_bearer("/api/auth/password", &pat, &body).await.status, StatusCode::OK);
    let again = json!({ "passkey": proof, "newPassword": "pats-other-battery" });
    let token = app.token_with("pat", "pats-horse-battery").await;
    app.post_bearer("/api/auth/password", &token, &again).await.assert_error(422, "validation");
}

// 5b. Recovery takes back what an attacker attached.

/// Resets the password of `email`'s account through the mailed link; the answer.
async fn reset_by_mail(
    app: &TestApp,
    smtp: &common::smtp::Smtp,
    email: &str,
    remove_passkeys: bool,
) -> common::Answer {
    let resets = || -> Vec<common::smtp::Received> {
        smtp.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to == email) && m.subject.contains("Reset"))
            .collect()
    };
    let before = resets().len();
    app.post("/api/auth/password/forgot", &json!({ "email": email })).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let reset_mail = loop {
        if let Some(mail) = resets().into_iter().nth(before) {
            break mail;
        }
        assert!(std::time::Instant::now() < deadline, "no reset mail to {email}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let token = reset_mail.token("http://app.example/reset-password");
    let body =
        json!({ "token": token, "newPassword": "owner-takes-it-back", "removePasskeys": remove_passkeys });
    app.post("/api/auth/password/reset", &body).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_account_made_with_someone_elses_address_loses_its_passkeys_when_the_owner_resets(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    // The attacker creates an account with the victim's address and a passkey of their own.
    let mut attackers = Device::new();
    let account = json!({ "name": "Vic", "username": "vic", "email": "victim@corp.example" });
    let started = app.post("/api/auth/passkeys/signup/start", &account).await;
    let credential = attackers.create(&started.body["options"]).await;
    let created = app
        .post(
            "/api/auth/passkeys/signup/finish",
            &json!({ "ceremony": started.body["ceremony"], "credential": credential }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    // The victim cannot sign up with the address, so resets the password by mail.
    let done = reset_by_mail(&app, &smtp, "victim@corp.example", false).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    // The address was not verified before: what was attached to it is gone.
    signin_with(&app, &mut attackers).await.assert_error(401, "passkey_refused");
    let token = app.token_with("vic", "owner-takes-it-back").await;
    let me = app.get_bearer("/api/auth/me", &token).await;
    assert_eq!(
        (me.body["passkeys"].as_i64(), me.body["emailVerified"].as_bool()),
        (Some(0), Some(true)),
        "{}",
        me.body
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_reset_removes_every_passkey_when_asked_and_keeps_them_otherwise(pool: PgPool) {
    let (app, smtp) = common::spawn_with_mail(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let mut phone = Device::new();
    add_passkey(&app, &token, &mut phone).await;
    // A verified account's reset keeps its passkeys unless asked...
    assert_eq!(reset_by_mail(&app, &smtp, "adam@example.com", false).await.status, StatusCode::OK);
    assert_eq!(signin_with(&app, &mut phone).await.status, StatusCode::OK);
    // ... and removes them all when asked (a lost phone, or a passkey someone else added).
    assert_eq!(reset_by_mail(&app, &smtp, "adam@example.com", true).await.status, StatusCode::OK);
    signin_with(&app, &mut phone).await.assert_error(401, "passkey_refused");
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where event = 'passkey_removed'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    // A wrong type for the choice is named.
    let odd = app
        .post(
            "/api/auth/password/reset",
            &json!({ "token": "x", "newPassword": "y", "removePasskeys": "yes" }),
        )
        .await;
    odd.assert_error(422, "validation");
    assert!(odd.body["fields"]["removePasskeys"].is_string(), "{}", odd.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_passwordless_sign_up_waits_for_the_address_when_sign_in_needs_it(pool: PgPool) {
    let state = AppParts {
        recovery: app::ssr::recovery::settings::Recovery {
            require_verified_email: true,
            ..app::ssr::recovery::settings::Recovery::default()
        },
        ..common::state(pool.clone())
    };
    let app = common::serve(state, pool).await;
    let mut phone = Device::new();
    let account = json!({ "name": "Pat Keys", "username": "pat", "email": "pat@example.com" });
    let started = app.post("/api/auth/passkeys/signup/start", &account).await;
    let credential = phone.create(&started.body["options"]).await;
    let finish = json!({ "ceremony": started.body["ceremony"], "credential": credential, "remember": true });
    let created = app.post("/api/auth/passkeys/signup/finish", &finish).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.body);
    assert!(
        created.body["accessToken"].is_null() && created.body["refreshToken"].is_null(),
        "{}",
        created.body
    );
    assert_eq!(created.body["user"]["username"], "pat");
    let sessions: i64 =
        sqlx::query_scalar("select count(*) from sessions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(sessions, 0);
    signin_with(&app, &mut phone).await.assert_error(403, "email_not_verified");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn names_of_control_characters_only_are_no_names(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    // Given when adding: the device's name is taken instead.
    let added =
        add_named(&app, &token, &mut Device::new(), json!({ "password": PASSWORD, "name": "\u{1}\u{0}" }))
            .await;
    assert_eq!(added["name"], "Passkey");
    // Given when renaming: refused with a reason.
    let path = format!("/api/auth/passkeys/{}", added["id"].as_str().unwrap());
    for name in ["\u{1}", " \u{7f} ", "\n\t"] {
        let answer = app
            .send(app.request(Method::PATCH, &path).bearer_auth(&token).json(&json!({ "name": name })))
            .await;
        answer.assert_error(422, "validation");
    }
    let cleaned = app
        .send(app.request(Method::PATCH, &path).bearer_auth(&token).json(&json!({ "name": "Lap\u{0}top" })))
        .await;
    assert_eq!(cleaned.body["name"], "Laptop", "{}", cleaned.body);
}

// 6. Bad input: a clear 4xx, never a 5xx.

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn malformed_and_oversized_answers_get_4xx(pool: PgPool) {
    let app = spawn(pool).await;
    let token = user(&app, "adam", &["user"]).await;
    let started = app.post("/api/auth/passkeys/signin/start", &json!({})).await;
    let ceremony = started.body["ceremony"].clone();
    let bodies = [
        json!({}),
        json!({ "ceremony": ceremony, "credential": "not an object" }),
        json!({ "ceremony": ceremony, "credential": {} }),
        json!({ "ceremony": "not-a-uuid", "credential": {} }),
        json!({ "ceremony": 42, "credential": [] }),
        json!({ "ceremony": ceremony, "credential": { "id": "x".repeat(8 * 1024), "rawId": "x", "type": "public-key",
            "response": { "clientDataJSON": "x", "authenticatorData": "x", "signature": "x" } } }),
        json!({ "ceremony": ceremony, "credential": { "id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": { "clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA", "userHandle": "AAAA" } } }),
    ];
    for body in &bodies {
        let answer = app.post("/api/auth/passkeys/signin/finish", body).await;
        assert!(answer.status.is_client_error(), "{body}: {} {}", answer.status, answer.body);
        assert!(answer.body["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", answer.body);
    }
    for path in ["/api/auth/passkeys/register/finish", "/api/auth/passkeys/signup/finish"] {
        for body in &bodies {
            let answer = app.post_bearer(path, &token, body).await;
            assert!(answer.status.is_client_error(), "{path} {body}: {} {}", answer.status, answer.body);
        }
    }
    // Over the body limit, sent chunked: refused before it is read whole.
    let huge = format!(
        "{{\"ceremony\":\"{}\",\"credential\":{{\"id\":\"{}\"}}}}",
        uuid::Uuid::nil(),
        "A".repeat(200_000)
    );
    let stream = futures::stream::iter(
        huge.into_bytes().chunks(4096).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>(),
    );
    let answer = app
        .send(
            app.request(Method::POST, "/api/auth/passkeys/signin/finish")
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(stream)),
        )
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.body);
    // Names: too long, empty, of the wrong type.
    let list = app.get_bearer("/api/auth/passkeys", &token).await;
    assert_eq!(list.body["passkeys"], json!([]));
    let nil = format!("/api/auth/passkeys/{}", uuid::Uuid::nil());
    for (body, status) in [
        (json!({ "name": "x".repeat(65) }), 422),
        (json!({ "name": "   " }), 422),
        (json!({ "name": 7 }), 422),
        (json!({ "name": "fine" }), 404),
    ] {
        let answer = app.send(app.request(Method::PATCH, &nil).bearer_auth(&token).json(&body)).await;
        assert_eq!(answer.status.as_u16(), status, "{body}: {}", answer.body);
    }
    let odd = app
        .send(
            app.request(Method::PATCH, "/api/auth/passkeys/not-an-id")
                .bearer_auth(&token)
                .json(&json!({ "name": "x" })),
        )
        .await;
    assert_eq!(odd.status, StatusCode::NOT_FOUND, "{}", odd.body);
    // Sign-up fields are checked before any ceremony starts.
    let bad = app
        .post("/api/auth/passkeys/signup/start", &json!({ "name": "", "username": "a", "email": "nope" }))
        .await;
    bad.assert_error(422, "validation");
    for field in ["name", "username", "email"] {
        assert!(bad.body["fields"][field].is_string(), "{field}: {}", bad.body);
    }
    let taken = app
        .post(
            "/api/auth/passkeys/signup/start",
            &json!({ "name": "Adam", "username": "adam", "email": "new@example.com" }),
        )
        .await;
    taken.assert_error(409, "username_taken");
}
