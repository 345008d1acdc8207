//! The perimeter under attack: injection strings in every field, wrong types, huge bodies, odd
//! headers. Expected everywhere: a clear 4xx (never a 5xx), no leak of internals, no data lost.

mod common;

use common::{PASSWORD, spawn, spawn_with};
use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;

use app::ssr::identity::settings::SignupPolicy;

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
async fn chunked_oversized_bodies_get_413_at_every_door(pool: PgPool) {
    let app = spawn(pool).await;
    // 200 KB with no Content-Length, in 1 KB chunks: the size is only known by reading.
    let chunked = || {
        let chunks = futures::stream::iter((0..200).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024])));
        reqwest::Body::wrap_stream(chunks)
    };
    for path in ["/api/fn/sign-in", "/api/fn/sign-up", "/api/auth/signin", "/api/auth/signup", "/signin", "/"]
    {
        let request =
            app.request(Method::POST, path).header("content-type", "application/json").body(chunked());
        let answer = app.send(request).await;
        assert_eq!(answer.status.as_u16(), 413, "{path}: {answer:?}");
        if path.starts_with("/api/") {
            answer.assert_error(413, "payload_too_large");
        }
    }
    // Announced as too large: refused before a byte of the body is read.
    let request = app
        .request(Method::POST, "/api/fn/sign-in")
        .header("content-type", "application/json")
        .header("content-length", "10000000")
        .body("{}");
    assert_eq!(app.send(request).await.status.as_u16(), 413);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn server_functions_take_json_only_and_never_redirect(pool: PgPool) {
    let app = spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    let form = "username=adam&password=correct-horse-battery";
    for content_type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]
    {
        let request =
            app.request(Method::POST, "/api/fn/sign-in").header("content-type", content_type).body(form);
        app.send(request).await.assert_error(415, "unsupported_media_type");
    }
    let missing = app.request(Method::POST, "/api/fn/sign-in").body("{}");
    app.send(missing).await.assert_error(415, "unsupported_media_type");
    // What a browser form post sends: Accept text/html and a Referer. leptos would answer with a
    // redirect to the Referer; an API answers with its status.
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let body = json!({ "username": "adam", "password": "wrong-password-here" });
    let response = no_redirects
        .post(app.url("/api/fn/sign-in"))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", "https://evil.example/phish")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert!(response.headers().get("location").is_none());
    let body = json!({ "username": "adam", "password": PASSWORD });
    let response = no_redirects
        .post(app.url("/api/fn/sign-in"))
        .header("accept", "text/html")
        .header("referer", "https://evil.example/phish")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().get("location").is_none());
    // Unknown functions and other methods.
    let unknown = app.request(Method::POST, "/api/fn/drop-tables").json(&json!({}));
    app.send(unknown).await.assert_error(404, "not_found");
    let get = app.send(app.request(Method::GET, "/api/fn/sign-in")).await;
    get.assert_error(405, "method_not_allowed");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_production_profile_is_strict_and_can_send_hsts(pool: PgPool) {
    use app::ssr::state::{AppParts, Profile};
    use leptos::config::{Env, LeptosOptions};
    // A development build (LEPTOS_ENV=DEV) run with APP_ENV=production and HSTS=true.
    let options = LeptosOptions::builder().output_name("rust-auth").env(Env::DEV).build();
    let state = AppParts {
        leptos_options: options.clone(),
        profile: Profile { production: true, hsts: true, ..Profile::default() },
        ..common::state(pool.clone())
    };
    let app = common::serve(state, pool.clone()).await;
    let (headers, _) = app.page("/signin").await;
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("ws:"), "{csp}");
    assert_eq!(headers["strict-transport-security"], "max-age=63072000; includeSubDomains");
    assert!(app.get("/api/test/user").await.headers.contains_key("strict-transport-security"));
    // Development: the live-reload socket is allowed, and no HSTS unless asked.
    let options = LeptosOptions::builder().output_name("rust-auth").env(Env::DEV).build();
    let dev = common::serve(AppParts { leptos_options: options, ..common::state(pool.clone()) }, pool).await;
    let (headers, _) = dev.page("/signin").await;
    assert!(headers["content-security-policy"].to_str().unwrap().contains("ws://127.0.0.1:*"));
    assert!(!headers.contains_key("strict-transport-security"));
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
    // One wins the race on the unique index; the per-address limit (20) holds in demo mode too.
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 10, "{statuses:?}");
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
