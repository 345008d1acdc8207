//! The API description: served, complete, and the copy in `docs/openapi.json` kept current.

mod common;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

const COPY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");

#[test]
fn the_committed_copy_is_current() {
    let generated = server::rest::openapi::document();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COPY, format!("{generated}\n")).unwrap();
    }
    let committed = std::fs::read_to_string(COPY).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "docs/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p server --test openapi` and commit it"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_rest_endpoint_is_described_and_served(pool: PgPool) {
    let app = common::spawn(pool).await;
    let answer = app.get("/api/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.body;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/auth/signup", &["post"][..]),
        ("/api/auth/signin", &["post"]),
        ("/api/auth/signout", &["post"]),
        ("/api/auth/signout-all", &["post"]),
        ("/api/auth/signout-others", &["post"]),
        ("/api/auth/password", &["post"]),
        ("/api/auth/refresh", &["post"]),
        ("/api/auth/sessions", &["get"]),
        ("/api/auth/sessions/{id}", &["delete"]),
        ("/api/auth/password/forgot", &["post"]),
        ("/api/auth/password/reset", &["post"]),
        ("/api/auth/email/verify", &["post"]),
        ("/api/auth/email/resend", &["post"]),
        ("/api/auth/email/change", &["post"]),
        ("/api/auth/me", &["get", "patch", "delete"]),
        ("/api/auth/2fa/setup", &["post"]),
        ("/api/auth/2fa/enable", &["post"]),
        ("/api/auth/2fa/disable", &["post"]),
        ("/api/auth/2fa/verify", &["post"]),
        ("/api/test/user", &["get"]),
        ("/api/test/pm", &["get"]),
        ("/api/test/admin", &["get"]),
        ("/api/admin/users", &["get"]),
        ("/api/admin/audit", &["get"]),
        ("/api/admin/users/{id}/roles", &["post"]),
        ("/api/admin/users/{id}/roles/{role}", &["delete"]),
        ("/api/admin/users/{id}/disable", &["post"]),
        ("/api/admin/users/{id}/enable", &["post"]),
        ("/api/admin/users/{id}/password-reset", &["post"]),
        ("/api/admin/users/{id}/2fa", &["delete"]),
        ("/api/auth/2fa/recovery-codes", &["post"]),
        ("/api/auth/passkeys", &["get"]),
        ("/api/auth/passkeys/{id}", &["patch", "delete"]),
        ("/api/auth/passkeys/register/start", &["post"]),
        ("/api/auth/passkeys/register/finish", &["post"]),
        ("/api/auth/passkeys/signin/start", &["post"]),
        ("/api/auth/passkeys/signin/finish", &["post"]),
        ("/api/auth/passkeys/signup/start", &["post"]),
        ("/api/auth/passkeys/signup/finish", &["post"]),
        ("/api/auth/passkeys/reauth/start", &["post"]),
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
        ("/.well-known/jwks.json", &["get"]),
        ("/.well-known/openid-configuration", &["get"]),
    ] {
        for method in methods {
            let operation = &paths.get(path).unwrap_or_else(|| panic!("{path} is not described"))[*method];
            assert!(operation.is_object(), "{method} {path} is not described");
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
        }
    }
    assert_eq!(
        paths.len(),
        44,
        "a path described that is not listed here: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    // Error bodies and the bearer scheme are part of it.
    let schemas = &doc["components"]["schemas"];
    for schema in
        ["ErrorBody", "PublicUser", "SignupRequest", "SignedIn", "SigninRefused", "SessionList", "MfaSetup"]
    {
        assert!(schemas[schema].is_object(), "{schema}");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let _: Value = serde_json::from_str(server::rest::openapi::document()).unwrap();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forty_at_once_all_get_the_same_document(pool: PgPool) {
    let app = common::spawn(pool).await;
    let answers = futures::future::join_all((0..40).map(|_| app.get("/api/openapi.json"))).await;
    let expected: Value = serde_json::from_str(server::rest::openapi::document()).unwrap();
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.headers["content-type"], "application/json");
        assert_eq!(answer.body, expected);
    }
}
