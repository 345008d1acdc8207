//! The perimeter under attack: injection strings in every field, wrong types, huge bodies, odd
//! headers. Expected everywhere: a clear 4xx (never a 5xx), no leak of internals, no data lost.

mod common;

use common::{PASSWORD, spawn, spawn_with};
use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;

use app::ssr::state::SignupPolicy;

const INJECTIONS: [&str; 8] = [
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "admin'--",
    "\" OR \"\"=\"",
    "1; SELECT pg_sleep(5)",
    "%' UNION SELECT password_hash FROM users --",
    "\\x00\u{0}nul",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃ <script>alert(1)</script>",
];

/// Asserts nothing internal leaked into a body: no SQL, no Rust, no stack. What the client sent
/// (an injection string echoed in "unknown role ...") does not count.
#[track_caller]
fn assert_clean(answer: &common::Answer) {
    assert!(answer.status.as_u16() < 500, "{answer:?}");
    let mut text = answer.body.to_string().to_lowercase();
    for sent in INJECTIONS {
        let sent = serde_json::to_string(&sent.to_lowercase()).unwrap();
        text = text.replace(sent.trim_matches('"'), "");
    }
    for leak in ["sqlx", "postgres", "syntax error", "panicked", "select ", "stack", "src/", "$2b$"] {
        assert!(!text.contains(leak), "leaked {leak:?}: {text}");
    }
}

async fn table_counts(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as("select (select count(*) from users), (select count(*) from user_roles)")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn injection_strings_in_every_field_are_just_text(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    app.insert_user("root", &["admin"]).await;
    let admin = app.token("root").await;
    let before = table_counts(&pool).await;
    for evil in INJECTIONS {
        for field in ["name", "username", "email", "password"] {
            let mut body = common::signup_body("victim_user", &[]);
            body[field] = json!(evil);
            assert_clean(&app.post("/api/auth/signup", &body).await);
        }
        let mut roles = common::signup_body("victim_user2", &[]);
        roles["roles"] = json!([evil]);
        assert_clean(&app.post("/api/auth/signup", &roles).await);
        assert_clean(&app.signin(evil, evil).await);
        assert_clean(&app.signin("root", evil).await);
        let search = app.request(Method::GET, "/api/admin/users").bearer_auth(&admin).query(&[("q", evil)]);
        let found = app.send(search).await;
        assert_clean(&found);
        assert_eq!(found.body["total"], 0, "{evil}");
        let encoded: String = evil.bytes().map(|b| format!("%{b:02X}")).collect();
        for path in [
            format!("/api/admin/users/{encoded}/disable"),
            format!("/api/admin/users/{encoded}/roles/admin"),
            format!("/api/test/{encoded}"),
        ] {
            assert_clean(&app.send(app.request(Method::POST, &path).bearer_auth(&admin)).await);
        }
        // As a token too, where it can be a header value at all (a NUL cannot).
        if reqwest::header::HeaderValue::from_str(&format!("Bearer {evil}")).is_ok() {
            let answer = app.send(app.request(Method::GET, "/api/test/user").bearer_auth(evil)).await;
            answer.assert_error(401, "unauthorized");
        }
    }
    // Some injection strings are valid names or passwords: those accounts exist as typed; nothing
    // else changed, every table is still there, and the admin still works.
    let (users, roles) = table_counts(&pool).await;
    assert!(users >= before.0 && roles >= before.1);
    let names: Vec<String> = sqlx::query_scalar("select name from users").fetch_all(&pool).await.unwrap();
    assert!(names.iter().all(|name| name == "root Example"
        || name == "victim_user Example"
        || INJECTIONS.contains(&name.as_str())));
    assert_eq!(app.get_bearer("/api/test/admin", &admin).await.status.as_u16(), 200);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn wrong_json_types_are_named_not_crashed_on(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let odd_values =
        [json!(null), json!(12), json!(true), json!([1, 2]), json!({ "nested": "x" }), json!(1e308)];
    for value in odd_values {
        // `null` roles means "not given" (the default role); every other odd value is refused.
        let fields: &[&str] = if value.is_null() {
            &["name", "username", "email", "password"]
        } else {
            &["name", "username", "email", "password", "roles"]
        };
        for &field in fields {
            let mut body = common::signup_body("typed", &[]);
            body[field] = value.clone();
            let answer = app.post("/api/auth/signup", &body).await;
            assert_clean(&answer);
            assert_eq!(answer.status.as_u16(), 422, "{field}={value}: {}", answer.body);
        }
        assert_eq!(app.user_count().await, 1, "nothing was created from a refused body");
        for field in ["username", "password"] {
            let mut body = json!({ "username": "adam", "password": PASSWORD });
            body[field] = value.clone();
            assert_clean(&app.post("/api/auth/signin", &body).await);
        }
        let change = json!({ "currentPassword": value, "newPassword": value });
        assert_clean(&app.post_bearer("/api/auth/password", &token, &change).await);
    }
    for raw in ["", "null", "[]", "\"text\"", "{\"username\": \"adam\",}", "{\"a\":1}{\"b\":2}", "\u{feff}{}"]
    {
        for path in ["/api/auth/signup", "/api/auth/signin", "/api/fn/sign-in", "/api/fn/sign-up"] {
            let request =
                app.request(Method::POST, path).header("content-type", "application/json").body(raw);
            let answer = app.send(request).await;
            assert_clean(&answer);
            assert!(answer.body["error"].is_string(), "{path} {raw:?}: {answer:?}");
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn huge_bodies_are_refused_everywhere(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let token = app.token("adam").await;
    let huge = json!({ "username": "x".repeat(100 * 1024), "password": "y" });
    for path in [
        "/api/auth/signup",
        "/api/auth/signin",
        "/api/auth/password",
        "/api/admin/users/00000000-0000-0000-0000-000000000000/roles",
        "/api/fn/sign-in",
        "/api/fn/sign-up",
    ] {
        let answer = app.post_bearer(path, &token, &huge).await;
        answer.assert_error(413, "payload_too_large");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn thirty_concurrent_signups_in_demo_mode_too(pool: PgPool) {
    let app = spawn_with(pool, SignupPolicy::Open).await;
    let attempts = (0..30).map(|i| {
        let mut body = common::signup_body(if i % 2 == 0 { "twin" } else { "TWIN" }, &["admin"]);
        body["email"] = json!(format!("twin{i}@example.com"));
        app.send(app.request(Method::POST, "/api/auth/signup").json(&body))
    });
    let answers = futures::future::join_all(attempts).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 29, "{statuses:?}");
    assert_eq!(app.user_count().await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn responses_carry_the_security_headers(pool: PgPool) {
    let app = spawn(pool).await;
    let (headers, html) = app.page("/signin").await;
    let csp = headers["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap().to_owned();
    // Every inline script of the page carries this response's nonce.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0 && html.matches(&format!("nonce=\"{nonce}\"")).count() >= scripts, "{html}");
    let (second, _) = app.page("/signin").await;
    assert_ne!(second["content-security-policy"], headers["content-security-policy"], "nonce reused");
    let page = app.send(app.request(Method::GET, "/signin")).await;

    for answer in [page, app.get("/api/test/user").await, app.get("/healthz").await] {
        assert_eq!(answer.headers["x-content-type-options"], "nosniff");
        assert_eq!(answer.headers["referrer-policy"], "no-referrer");
        assert_eq!(answer.headers["x-frame-options"], "DENY");
        assert!(answer.headers.contains_key("content-security-policy"));
    }
    let api = app.get("/api/test/user").await;
    assert_eq!(api.headers["cache-control"], "no-store");
    assert!(api.headers["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn odd_headers_and_methods_are_refused_cleanly(pool: PgPool) {
    let app = spawn(pool).await;
    let requests = [
        app.request(Method::GET, "/api/test/user").header("authorization", "Bearer caf\u{e9}".as_bytes()),
        app.request(Method::GET, "/api/test/user").header("x-access-token", ""),
        app.request(Method::GET, "/api/test/user")
            .header("authorization", format!("Bearer {}", "a.".repeat(4000))),
        app.request(Method::PUT, "/api/auth/signin"),
        app.request(Method::PATCH, "/api/admin/users"),
        app.request(Method::GET, "/api/fn/sign-in"),
    ];
    for request in requests {
        let answer = app.send(request).await;
        assert_clean(&answer);
        assert!(answer.status.is_client_error() && answer.body["error"].is_string(), "{answer:?}");
    }
}
