//! ES256 tokens and their keys: every token names its key, the JWKS publishes the public halves
//! only, rotation signs nobody out, a retired key's tokens are refused, another instance follows a
//! rotation without refusing a valid token, HS256 sessions survive the switch to ES256, and a copy
//! of the database holds no private key.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{PASSWORD, SECRET, TTL, TestApp, serve, spawn};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use app::ssr::session::keyring;
use app::ssr::session::signing_keys::{self, KeyPolicy};
use app::ssr::session::tokens::{Signing, TokenKeys, TokenSettings};
use app::ssr::state::AppParts;

/// A server signing with ES256 keys from its database (created at start, as `server` does).
async fn es256(pool: PgPool) -> TestApp {
    let base = common::state(pool.clone());
    let tokens = TokenKeys::with_signing(Signing::Es256, Some(SECRET), TokenSettings::with_ttl(TTL)).unwrap();
    keyring::start(&pool, &base.key, &tokens).await.unwrap();
    serve(AppParts { tokens: Arc::new(tokens), ..base }, pool).await
}

fn header(token: &str) -> Header {
    jsonwebtoken::decode_header(token).unwrap()
}

async fn user_board(app: &TestApp, token: &str) -> StatusCode {
    app.get_bearer("/api/test/user", token).await.status
}

async fn jwks(app: &TestApp) -> JwkSet {
    let answer = app.get("/.well-known/jwks.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    serde_json::from_value(answer.body).unwrap()
}

async fn reload(app: &TestApp) {
    keyring::reload(&app.pool, &app.state.key, &app.state.tokens).await.unwrap();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn tokens_are_es256_and_verify_with_the_published_key(pool: PgPool) {
    let app = es256(pool).await;
    app.insert_user("ada", &["user"]).await;
    let token = app.token("ada").await;
    let head = header(&token);
    assert_eq!(head.alg, Algorithm::ES256);
    let kid = head.kid.expect("every token names its key");
    assert_eq!(user_board(&app, &token).await, StatusCode::OK);

    let answer = app.get("/.well-known/jwks.json").await;
    assert_eq!(answer.headers["cache-control"], "public, max-age=600");
    let keys = answer.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "the key that signs and the next one: {}", answer.body);
    for key in keys {
        assert_eq!(
            (key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str()),
            (Some("EC"), Some("P-256"), Some("ES256"))
        );
        assert!(key.get("d").is_none(), "no private half in the JWKS: {key}");
    }
    // Verified as another service would: the key found by `kid`, issuer and audience checked.
    let set: JwkSet = serde_json::from_value(answer.body).unwrap();
    let jwk = set.find(&kid).expect("the token's key is published");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&["rust-auth"]);
    validation.set_audience(&["rust-auth"]);
    let claims =
        jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_jwk(jwk).unwrap(), &validation).unwrap();
    assert_eq!(claims.claims["sub"], app.user_id("ada").await.to_string());

    let discovery = app.get("/.well-known/openid-configuration").await;
    assert_eq!(discovery.status, StatusCode::OK);
    assert_eq!(discovery.body["issuer"], "rust-auth");
    assert!(discovery.body["jwks_uri"].as_str().unwrap().ends_with("/.well-known/jwks.json"));
    assert!(discovery.body["token_endpoint"].as_str().unwrap().ends_with("/api/auth/signin"));
    assert_eq!(discovery.body["id_token_signing_alg_values_supported"], json!(["ES256"]));
}

/// `token` re-signed: its header replaced, signed with `key` under `alg`.
fn resign(token: &str, head: &Header, key: &EncodingKey) -> String {
    let claims: Value = jsonwebtoken::dangerous::insecure_decode(token).unwrap().claims;
    jsonwebtoken::encode(head, &claims, key).unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_token_is_refused_for_an_unknown_key_another_algorithm_or_a_change(pool: PgPool) {
    let app = es256(pool).await;
    app.insert_user("ada", &["user"]).await;
    let token = app.token("ada").await;
    let kid = header(&token).kid.unwrap();

    // Tampered: one character of the payload changed.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
    parts[1].pop();
    parts[1].push(flipped);
    assert_eq!(user_board(&app, &parts.join(".")).await, StatusCode::UNAUTHORIZED);

    // Signed by a key of our own making, named as ours or as nothing we hold.
    let stranger = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let stranger = EncodingKey::from_ec_der(stranger.to_pkcs8_der().unwrap().as_bytes());
    for name in [kid.clone(), "no-such-key".to_owned()] {
        let mut head = Header::new(Algorithm::ES256);
        head.kid = Some(name.clone());
        assert_eq!(
            user_board(&app, &resign(&token, &head, &stranger)).await,
            StatusCode::UNAUTHORIZED,
            "{name}"
        );
    }
    // HS256 under an ES256 key's name, with the very secret the server holds.
    let mut head = Header::new(Algorithm::HS256);
    head.kid = Some(kid);
    let hs = resign(&token, &head, &EncodingKey::from_secret(SECRET));
    assert_eq!(user_board(&app, &hs).await, StatusCode::UNAUTHORIZED);
    // `alg: none`.
    let none =
        format!("{}.{}.", base64url(br#"{"alg":"none","typ":"JWT"}"#), token.split('.').nth(1).unwrap());
    assert_eq!(user_board(&app, &none).await, StatusCode::UNAUTHORIZED);
    // The real one still works.
    assert_eq!(user_board(&app, &token).await, StatusCode::OK);
}

fn base64url(bytes: &[u8]) -> String {
    app::ssr::session::tokens::base64_url(bytes)
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn rotation_signs_nobody_out_and_retirement_ends_the_old_keys_tokens(pool: PgPool) {
    let app = es256(pool.clone()).await;
    app.insert_user("ada", &["user"]).await;
    let before = app.token("ada").await;
    let old_kid = header(&before).kid.unwrap();
    let next_kid = jwks(&app)
        .await
        .keys
        .iter()
        .filter_map(|key| key.common.key_id.clone())
        .find(|kid| *kid != old_kid)
        .unwrap();

    let signing = signing_keys::rotate(&pool, &app.state.key, false).await.unwrap();
    assert_eq!(signing, next_kid, "the published next key is the one that signs after a rotation");
    reload(&app).await;
    let after = app.token("ada").await;
    assert_eq!(header(&after).kid.as_deref(), Some(next_kid.as_str()));
    assert_eq!(user_board(&app, &before).await, StatusCode::OK, "a previous key still verifies");
    assert_eq!(user_board(&app, &after).await, StatusCode::OK);
    assert_eq!(jwks(&app).await.keys.len(), 3, "previous, current and a new next");

    // Not retired while a token it signed may still be valid...
    let policy = KeyPolicy {
        rotation: Duration::from_secs(86_400),
        publish_ahead: Duration::from_secs(600),
        token_ttl: TTL,
    };
    signing_keys::maintain(&pool, &app.state.key, policy, true).await.unwrap();
    reload(&app).await;
    assert_eq!(user_board(&app, &before).await, StatusCode::OK);
    // ...and retired once a token lifetime has passed since it stopped signing.
    sqlx::query(
        "update signing_keys set deactivated_at = now() - interval '2 hours' where state = 'previous'",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert!(signing_keys::maintain(&pool, &app.state.key, policy, true).await.unwrap());
    reload(&app).await;
    assert_eq!(user_board(&app, &before).await, StatusCode::UNAUTHORIZED, "a retired key's token is refused");
    assert_eq!(user_board(&app, &after).await, StatusCode::OK);
    let published: Vec<String> =
        jwks(&app).await.keys.iter().filter_map(|key| key.common.key_id.clone()).collect();
    assert!(!published.contains(&old_kid), "a retired key leaves the JWKS");
    let erased: Option<Vec<u8>> =
        sqlx::query_scalar("select private_sealed from signing_keys where kid = $1")
            .bind(&old_kid)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(erased, None, "a retired key's private half is erased");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_key_signs_for_its_period_and_rotates_only_once_its_successor_was_published_long_enough(
    pool: PgPool,
) {
    let app = es256(pool.clone()).await;
    let current = |pool: PgPool| async move {
        sqlx::query_scalar::<_, String>("select kid from signing_keys where state = 'current'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let first = current(pool.clone()).await;
    let policy = KeyPolicy {
        rotation: Duration::from_secs(86_400),
        publish_ahead: Duration::from_secs(600),
        token_ttl: TTL,
    };
    assert!(!signing_keys::maintain(&pool, &app.state.key, policy, true).await.unwrap(), "nothing due yet");
    // The key has signed for its period, but its successor was published a moment ago: wait.
    sqlx::query("update signing_keys set activated_at = now() - interval '2 days' where state = 'current'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(!signing_keys::maintain(&pool, &app.state.key, policy, true).await.unwrap());
    assert_eq!(current(pool.clone()).await, first);
    // Published long enough: it rotates.
    sqlx::query("update signing_keys set created_at = now() - interval '11 minutes' where state = 'next'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(signing_keys::maintain(&pool, &app.state.key, policy, true).await.unwrap());
    assert_ne!(current(pool.clone()).await, first);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn another_instance_follows_a_rotation_under_load_without_refusing_a_valid_token(pool: PgPool) {
    let a = es256(pool.clone()).await;
    let b = es256(pool.clone()).await;
    a.insert_user("ada", &["user"]).await;
    let a = Arc::new(a);
    let b = Arc::new(b);
    let mut refused = 0;
    let mut served = 0;
    for round in 0..6 {
        // Two rotations in a row: the key that signs on A is one B has never loaded.
        if round == 2 || round == 4 {
            signing_keys::rotate(&pool, &a.state.key, false).await.unwrap();
            signing_keys::rotate(&pool, &a.state.key, false).await.unwrap();
            reload(&a).await;
        }
        let token = a.token("ada").await;
        let mut load = Vec::new();
        for i in 0..20 {
            let target = if i % 2 == 0 { a.clone() } else { b.clone() };
            let token = token.clone();
            load.push(tokio::spawn(async move { user_board(&target, &token).await }));
        }
        for answer in load {
            let status = answer.await.unwrap();
            if status == StatusCode::OK {
                served += 1
            } else {
                eprintln!("round {round}: {status}");
                refused += 1
            }
        }
    }
    assert_eq!((served, refused), (120, 0));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sessions_signed_in_under_hs256_continue_after_the_switch_to_es256(pool: PgPool) {
    // Before: the shared secret signs.
    let hs = spawn(pool.clone()).await;
    hs.insert_user("ada", &["user"]).await;
    let signed_in =
        hs.post("/api/auth/signin", &json!({ "username": "ada", "password": PASSWORD })).await.body;
    let old_access = signed_in["accessToken"].as_str().unwrap().to_owned();
    let refresh = signed_in["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(header(&old_access).alg, Algorithm::HS256);

    // After: ES256, the same JWT_SECRET kept. The access token from before still works...
    let es = es256(pool.clone()).await;
    assert_eq!(user_board(&es, &old_access).await, StatusCode::OK);
    // ...and the session's next refresh gets an ES256 token.
    let renewed = es.post("/api/auth/refresh", &json!({ "refreshToken": refresh })).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let new_access = renewed.body["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(header(&new_access).alg, Algorithm::ES256);
    assert_eq!(user_board(&es, &new_access).await, StatusCode::OK);

    // A token lifetime after the switch, HS256 is refused, even one minted just now with the
    // secret: the secret no longer makes tokens.
    sqlx::query("update signing_keys set activated_at = activated_at - interval '2 hours'")
        .execute(&pool)
        .await
        .unwrap();
    reload(&es).await;
    let fresh_hs = hs.token("ada").await;
    assert_eq!(header(&fresh_hs).alg, Algorithm::HS256);
    assert_eq!(user_board(&es, &fresh_hs).await, StatusCode::UNAUTHORIZED);
    assert_eq!(user_board(&es, &new_access).await, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_copy_of_the_database_holds_no_private_key(pool: PgPool) {
    let app = es256(pool.clone()).await;
    let rows: Vec<(String, Vec<u8>, Vec<u8>)> = sqlx::query_as(
        "select kid, private_sealed, private_nonce from signing_keys where private_sealed is not null",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    let options = pool.connect_options();
    let dump = std::process::Command::new(pg_dump())
        .args(["--no-owner", "-h", options.get_host(), "-p", &options.get_port().to_string()])
        .args(["-U", options.get_username(), options.get_database().unwrap()])
        .output()
        .expect("pg_dump runs");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let dump = String::from_utf8(dump.stdout).unwrap();
    for (kid, sealed, nonce) in rows {
        assert!(dump.contains(&kid), "the dump holds the keys table");
        let der = app.state.key.open(&sealed, &nonce).unwrap();
        let secret = p256::SecretKey::from_pkcs8_der(&der).unwrap().to_bytes();
        for form in [hex(&der), hex(&secret), base64url(&secret), base64url(&der)] {
            assert!(!dump.contains(&form), "private key material in the dump");
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `pg_dump` from PATH, or Debian's PostgreSQL 15.
fn pg_dump() -> String {
    let debian = "/usr/lib/postgresql/15/bin/pg_dump";
    if std::path::Path::new(debian).exists() { debian.to_owned() } else { "pg_dump".to_owned() }
}

/// A P-256 key of the attacker's, as the JWK our table stores, and a token signed with it.
fn planted_key(token: &str) -> (String, Value, String) {
    let secret = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
    let point = secret.verifying_key().to_encoded_point(false);
    let (x, y) = (base64url(point.x().unwrap()), base64url(point.y().unwrap()));
    let kid = base64url(&<sha2::Sha256 as sha2::Digest>::digest(format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#
    )));
    let jwk =
        json!({ "kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": "ES256", "use": "sig" });
    let mut head = Header::new(Algorithm::ES256);
    head.kid = Some(kid.clone());
    let forged = resign(token, &head, &EncodingKey::from_ec_der(secret.to_pkcs8_der().unwrap().as_bytes()));
    (kid, jwk, forged)
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_key_row_written_without_the_server_key_is_not_trusted(pool: PgPool) {
    // Someone who can write to the database (but has no ENCRYPTION_KEY) plants a public key.
    let app = es256(pool.clone()).await;
    app.insert_user("ada", &["user"]).await;
    let token = app.token("ada").await;
    let (kid, jwk, forged) = planted_key(&token);
    sqlx::query(
        "insert into signing_keys (kid, state, public_jwk, mac, deactivated_at) values ($1, 'previous', $2, $3, now())",
    )
    .bind(&kid)
    .bind(&jwk)
    .bind(vec![0_u8; 32])
    .execute(&pool)
    .await
    .unwrap();
    reload(&app).await;
    assert_eq!(user_board(&app, &forged).await, StatusCode::UNAUTHORIZED, "the planted key verifies nothing");
    let published: Vec<String> =
        jwks(&app).await.keys.iter().filter_map(|key| key.common.key_id.clone()).collect();
    assert!(!published.contains(&kid), "nor is it published");
    assert_eq!(user_board(&app, &token).await, StatusCode::OK, "the genuine keys still work");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_fresh_rotation_retires_the_published_next_key_and_signs_with_a_new_one(pool: PgPool) {
    let app = es256(pool.clone()).await;
    app.insert_user("ada", &["user"]).await;
    let before = app.token("ada").await;
    let old = header(&before).kid.unwrap();
    let next = jwks(&app)
        .await
        .keys
        .iter()
        .filter_map(|key| key.common.key_id.clone())
        .find(|kid| *kid != old)
        .unwrap();
    let signing = signing_keys::rotate(&pool, &app.state.key, true).await.unwrap();
    assert!(signing != old && signing != next, "a brand-new key signs");
    reload(&app).await;
    let published: Vec<String> =
        jwks(&app).await.keys.iter().filter_map(|key| key.common.key_id.clone()).collect();
    assert!(!published.contains(&next), "the exposed next key is retired");
    assert!(published.contains(&old), "the old key verifies until it is retired too");
    assert_eq!(header(&app.token("ada").await).kid, Some(signing));
    // Then the operator retires the old one: its tokens are refused at once.
    assert!(signing_keys::retire(&pool, &old).await.unwrap());
    reload(&app).await;
    assert_eq!(user_board(&app, &before).await, StatusCode::UNAUTHORIZED);
    // The key that signs cannot be retired.
    let current = header(&app.token("ada").await).kid.unwrap();
    assert!(signing_keys::retire(&pool, &current).await.is_err());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn under_hs256_old_es256_keys_still_retire(pool: PgPool) {
    let app = es256(pool.clone()).await;
    signing_keys::rotate(&pool, &app.state.key, false).await.unwrap();
    sqlx::query(
        "update signing_keys set deactivated_at = now() - interval '2 hours' where state = 'previous'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let policy = KeyPolicy {
        rotation: Duration::from_secs(86_400),
        publish_ahead: Duration::from_secs(600),
        token_ttl: TTL,
    };
    let keys_before: i64 =
        sqlx::query_scalar("select count(*) from signing_keys").fetch_one(&pool).await.unwrap();
    assert!(signing_keys::maintain(&pool, &app.state.key, policy, false).await.unwrap());
    let retired: i64 = sqlx::query_scalar("select count(*) from signing_keys where state = 'retired'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(retired, 1);
    let keys_after: i64 =
        sqlx::query_scalar("select count(*) from signing_keys").fetch_one(&pool).await.unwrap();
    assert_eq!(keys_after, keys_before, "and no key is made or rotated under HS256");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_tutorials_client_works_unchanged_with_es256_tokens(pool: PgPool) {
    // The tutorial's client: sign up, sign in, send `accessToken` back as `x-access-token`; it
    // never looks inside the token, so the algorithm is not its business.
    let app = es256(pool).await;
    assert_eq!(app.signup("adam", &["user"]).await.status, StatusCode::CREATED);
    let signed_in = app.post("/api/auth/signin", &json!({ "username": "adam", "password": PASSWORD })).await;
    assert_eq!(signed_in.status, StatusCode::OK);
    for field in ["auth", "accessToken"] {
        assert!(!signed_in.body[field].is_null(), "{field} in {}", signed_in.body);
    }
    let token = signed_in.body["accessToken"].as_str().unwrap();
    assert_eq!(header(token).alg, Algorithm::ES256);
    let board = |path: &'static str| {
        let request = app.request(reqwest::Method::GET, path).header("x-access-token", token);
        app.send(request)
    };
    assert_eq!(board("/api/test/user").await.status, StatusCode::OK);
    assert_eq!(board("/api/test/pm").await.status, StatusCode::FORBIDDEN);
    assert_eq!(board("/api/test/admin").await.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_instance_with_another_server_key_refuses_to_start_and_says_why(pool: PgPool) {
    let _first = es256(pool.clone()).await;
    let tokens = TokenKeys::with_signing(Signing::Es256, Some(SECRET), TokenSettings::with_ttl(TTL)).unwrap();
    let other = app::ssr::secrets::ServerKey::new(&[1; 32]).unwrap();
    let err = keyring::start(&pool, &other, &tokens).await.unwrap_err();
    assert!(err.contains("ENCRYPTION_KEY"), "{err}");
    assert!(!tokens.can_sign());
}
