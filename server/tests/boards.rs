//! `GET /api/test/*`: the access matrix, both token headers, and every way a token can be bad.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{SECRET, spawn, spawn_with};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use app::ssr::identity::settings::SignupPolicy;

const BOARDS: [(&str, &str); 3] =
    [("user", "User Content Page"), ("pm", "Management Board"), ("admin", "Admin Board")];

/// The tutorial's scenario: adam (user), jack (pm), thomas (admin), in the open demo mode.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn each_persona_reaches_exactly_their_boards(pool: PgPool) {
    let app = spawn_with(pool, SignupPolicy::Open).await;
    let personas = [
        ("adam", "user", [true, false, false]),
        ("jack", "pm", [true, true, false]),
        ("thomas", "admin", [true, true, true]),
    ];
    for (name, role, allowed) in personas {
        app.signup_ok(name, &[role]).await;
        let token = app.token(name).await;
        for ((board, description), allowed) in BOARDS.into_iter().zip(allowed) {
            let answer = app.get_bearer(&format!("/api/test/{board}"), &token).await;
            if allowed {
                assert_eq!(answer.status, StatusCode::OK, "{name} {board}: {}", answer.body);
                assert_eq!(answer.body["description"], description);
                assert_eq!(answer.body["user"]["username"], name);
                assert_eq!(answer.body["user"]["roles"], json!([role]));
            } else {
                answer.assert_error(403, "forbidden");
                let expected =
                    if board == "pm" { "Require PM or Admin Roles!" } else { "Require Admin Role!" };
                assert_eq!(answer.body["message"], expected);
            }
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_tutorials_header_works_too(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let answer =
        app.send(app.request(reqwest::Method::GET, "/api/test/user").header("x-access-token", &token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn missing_and_malformed_tokens_get_401_with_a_challenge(pool: PgPool) {
    let app = spawn(pool).await;
    let answer = app.get("/api/test/user").await;
    answer.assert_error(401, "unauthorized");
    assert_eq!(answer.headers["www-authenticate"], "Bearer");
    for header in ["Basic YWRhbTpwdw==", "Bearer", "Bearer garbage.token.value", "Bearer a.b", "token"] {
        let request = app.request(reqwest::Method::GET, "/api/test/user").header("authorization", header);
        let answer = app.send(request).await;
        answer.assert_error(401, "unauthorized");
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
    }
}

/// The claims of a genuine-looking token for `sub`, expiring `ttl` seconds from now.
fn claims_for(sub: &Value, ttl: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": sub, "iat": now, "exp": now + ttl, "ver": 0, "jti": uuid::Uuid::from_u128(rand_id()),
        "sid": uuid::Uuid::nil(),
        "iss": "rust-auth", "aud": "rust-auth",
    })
}

/// A token for `sub` signed by `key` with `alg`, expiring `ttl` seconds from now.
fn forge(alg: Algorithm, key: &[u8], sub: &Value, ttl: i64) -> String {
    sign(alg, key, &claims_for(sub, ttl))
}

fn sign(alg: Algorithm, key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).unwrap()
}

fn rand_id() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forged_tokens_are_refused(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("root", &["admin"]).await;
    app.insert_user("adam", &["user"]).await;
    let genuine = app.token("adam").await;
    let root_token = app.token("root").await;
    let root: Value = app.get_bearer("/api/test/admin", &root_token).await.body["user"]["id"].clone();
    let payload = root_token.split('.').nth(1).unwrap();
    let root_session: Value =
        serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()["sid"].clone();
    let now = chrono::Utc::now().timestamp();

    let alg_none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&json!({ "sub": root, "iat": now, "exp": now + 3600, "ver": 0, "jti": uuid::Uuid::nil() }))
    );
    let wrong_secret = forge(Algorithm::HS256, b"another-secret-another-secret-another", &root, 3600);
    let hs512 = forge(Algorithm::HS512, SECRET, &root, 3600);
    let expired = forge(Algorithm::HS256, SECRET, &root, -120);
    // Adam's genuine token with the subject swapped for root's: the signature no longer matches.
    let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["sub"] = root.clone();
    parts[1] = b64(&claims);
    let tampered = parts.join(".");
    // Correctly signed, but wrong in one claim each.
    let with = |field: &str, value: Value| {
        let mut claims = claims_for(&root, 3600);
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(field);
        } else {
            claims[field] = value;
        }
        sign(Algorithm::HS256, SECRET, &claims)
    };

    for (what, token) in [
        ("alg none", alg_none),
        ("wrong secret", wrong_secret),
        ("HS512", hs512),
        ("tampered", tampered),
        ("no exp", with("exp", Value::Null)),
        ("no iss", with("iss", Value::Null)),
        ("no aud", with("aud", Value::Null)),
        ("another issuer", with("iss", json!("evil-issuer"))),
        ("another audience", with("aud", json!("another-app"))),
        ("not valid before an hour from now", with("nbf", json!(now + 3600))),
        ("issued an hour from now", with("iat", json!(now + 3600))),
        ("a session that does not exist", with("sid", json!(uuid::Uuid::from_u128(rand_id())))),
        ("no session", with("sid", Value::Null)),
    ] {
        let answer = app.get_bearer("/api/test/admin", &token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}: {}", answer.body);
        assert_eq!(answer.body["error"], "unauthorized", "{what}");
    }
    let answer = app.get_bearer("/api/test/admin", &expired).await;
    answer.assert_error(401, "unauthorized");
    assert!(answer.body["message"].as_str().unwrap().contains("expired"));
    // A correctly signed token for root's live session works, so the refusals above are about the
    // forgery.
    let valid = with("sid", root_session);
    assert_eq!(app.get_bearer("/api/test/admin", &valid).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_deleted_users_token_stops_working(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    assert_eq!(app.get_bearer("/api/test/user", &token).await.status, StatusCode::OK);
    sqlx::query("delete from users where username = 'adam'").execute(&pool).await.unwrap();
    app.settle().await;
    app.get_bearer("/api/test/user", &token).await.assert_error(401, "unauthorized");
    let unknown = forge(Algorithm::HS256, SECRET, &json!(uuid::Uuid::nil()), 3600);
    app.get_bearer("/api/test/user", &unknown).await.assert_error(401, "unauthorized");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn roles_are_read_from_the_database_on_every_request(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    app.get_bearer("/api/test/pm", &token).await.assert_error(403, "forbidden");
    sqlx::query("insert into user_roles select id, 2 from users where username = 'adam'")
        .execute(&pool)
        .await
        .unwrap();
    app.settle().await;
    let answer = app.get_bearer("/api/test/pm", &token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["user"]["roles"], json!(["user", "pm"]));
}
