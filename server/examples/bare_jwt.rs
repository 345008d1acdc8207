//! The limit for `GET /api/test/user` on this machine: a bare axum 0.8 handler that verifies an
//! HS256 JWT from the `Authorization` (or `x-access-token`) header and answers the same JSON body, with nothing else (no
//! database, no layers, no logging). The benchmark prints our figure beside this one.
//!
//! `cargo run --release -p server --example bare_jwt -- <address> <secret>` serves on `address`
//! and prints, on its first line, a token valid for an hour to load it with.

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
}

/// The shape our `/api/test/user` answers with (`BoardContent`), filled from the token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Board {
    description: &'static str,
    user: User,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct User {
    id: String,
    name: &'static str,
    username: &'static str,
    email: &'static str,
    email_verified: bool,
    mfa_enabled: bool,
    has_password: bool,
    passkeys: i32,
    roles: [&'static str; 1],
}

#[derive(Clone)]
struct Keys {
    decoding: DecodingKey,
    validation: Validation,
}

async fn user(keys: axum::extract::State<Keys>, headers: HeaderMap) -> Result<Json<Board>, StatusCode> {
    // Either header, as ours takes (the benchmark's load sends the tutorial's `x-access-token`).
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-access-token").and_then(|value| value.to_str().ok()))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let claims = jsonwebtoken::decode::<Claims>(token, &keys.decoding, &keys.validation)
        .map_err(|_| StatusCode::UNAUTHORIZED)?
        .claims;
    Ok(Json(Board {
        description: "User Content Page",
        user: User {
            id: claims.sub,
            name: "bench_user",
            username: "bench_user",
            email: "bench_user@example.com",
            email_verified: false,
            mfa_enabled: false,
            has_password: true,
            passkeys: 0,
            roles: ["user"],
        },
    }))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:3904".to_owned());
    let secret = args.next().unwrap_or_else(|| "bare-handler-secret-bare-handler-secret".to_owned());
    let exp =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() + 3600;
    let claims = Claims { sub: "0b7f2a1e-9a55-4c1a-8d0e-1f2a3b4c5d6e".to_owned(), exp };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("token");
    println!("{token}");
    let keys = Keys {
        decoding: DecodingKey::from_secret(secret.as_bytes()),
        validation: Validation::new(Algorithm::HS256),
    };
    let app = Router::new().route("/api/test/user", get(user)).with_state(keys);
    let listener = tokio::net::TcpListener::bind(&address).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
