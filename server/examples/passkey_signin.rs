//! The benchmark's sign-in latencies, one request at a time: a passkey sign-in (both steps: the
//! options, then the software authenticator's answer) next to a password sign-in, on a running
//! server.
//!
//! `cargo run --release -p server --example passkey_signin -- <base url> <origin> <username> <password> <runs>`
//!
//! Adds a passkey to the account (confirmed with the password), then times `runs` sign-ins of each
//! kind, alternating, and prints `{"passkey_ms": [..], "password_ms": [..]}` (each sign-in's wall
//! time, in milliseconds, as the client saw it).

// The integration tests' software authenticator (this example uses only part of it).
#[allow(dead_code)]
#[path = "../tests/common/authenticator.rs"]
mod authenticator;

use std::time::Instant;

use serde_json::{Value, json};

/// The soft authenticator's default origin; the benchmark passes its own.
const ORIGIN: &str = "http://localhost:3000";

async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: &Value) -> Value {
    let mut request = client.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, origin, username, password, runs] = args.as_slice() else {
        eprintln!("usage: passkey_signin <base url> <origin> <username> <password> <runs>");
        std::process::exit(2);
    };
    let runs: usize = runs.parse().expect("runs is a number");
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{base}{path}");
    let credentials = json!({ "username": username, "password": password });
    let signed_in = post(&client, url("/api/auth/signin"), None, &credentials).await;
    let token = signed_in["accessToken"].as_str().expect("a token").to_owned();

    let mut device = authenticator::Device::at(origin);
    let start = json!({ "password": password, "name": "Benchmark key" });
    let started = post(&client, url("/api/auth/passkeys/register/start"), Some(&token), &start).await;
    let credential = device.create(&started["options"]).await;
    let finish = json!({ "ceremony": started["ceremony"], "credential": credential });
    post(&client, url("/api/auth/passkeys/register/finish"), Some(&token), &finish).await;

    let (mut passkey_ms, mut password_ms) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        let began = Instant::now();
        let started = post(&client, url("/api/auth/passkeys/signin/start"), None, &json!({})).await;
        let credential = device.get(&started["options"]).await;
        let answer = json!({ "ceremony": started["ceremony"], "credential": credential });
        let session = post(&client, url("/api/auth/passkeys/signin/finish"), None, &answer).await;
        passkey_ms.push(began.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(session["auth"], true);

        let began = Instant::now();
        post(&client, url("/api/auth/signin"), None, &credentials).await;
        password_ms.push(began.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{}", json!({ "passkey_ms": passkey_ms, "password_ms": password_ms }));
}
