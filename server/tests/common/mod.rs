//! Test harness: the real router on a free port of 127.0.0.1, over a fresh database per test
//! (`#[sqlx::test]` creates and migrates it), spoken to over real HTTP.
#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod authenticator;
pub mod mfa;
pub mod smtp;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use leptos::config::LeptosOptions;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sqlx::PgPool;

use app::ssr::factors::settings::MfaSettings;
use app::ssr::guard::throttle::Throttle;
use app::ssr::identity::password::PasswordHasher;
use app::ssr::identity::settings::SignupPolicy;
use app::ssr::recovery::mail::{MailSettings, Mailer};
use app::ssr::recovery::settings::Recovery;
use app::ssr::secrets::ServerKey;
use app::ssr::session::auth_cache::AuthCache;
use app::ssr::session::settings::SessionSettings;
use app::ssr::session::signing_keys::KeyPolicy;
use app::ssr::session::tokens::{TokenKeys, TokenSettings};
use app::ssr::state::{AppParts, AppState, Profile};
use app::validation::SignupForm;
use server::listener::ListenerLimits;

/// The secret every test server signs with (tests forge tokens with it and with others).
pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
/// The password of every account the helpers create (not on the common-password list).
pub const PASSWORD: &str = "correct-horse-battery";
/// Token lifetime of test servers.
pub const TTL: Duration = Duration::from_secs(3600);

/// A running server and a client for it.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its database (the test's own).
    pub pool: PgPool,
    client: reqwest::Client,
    /// The state it serves (to call the services directly when a test sets up data).
    pub state: AppState,
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body parsed as JSON (`Value::Null` when it is not JSON).
    pub body: Value,
}

impl Answer {
    /// Asserts the status and the `error` code of an error body.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.body["error"], code, "body: {}", self.body);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {}", self.body);
    }
}

/// Starts a server with the default (admins-only) role policy.
pub async fn spawn(pool: PgPool) -> TestApp {
    spawn_with(pool, SignupPolicy::AdminsOnly).await
}

/// Starts a server with the given role policy.
pub async fn spawn_with(pool: PgPool, signup: SignupPolicy) -> TestApp {
    serve(AppParts { signup, ..state(pool.clone()) }, pool).await
}

/// The state of a test server: default policy and throttling, the test secret, bcrypt cost 4 (the
/// minimum: these tests check behaviour, not bcrypt's speed).
pub fn state(pool: PgPool) -> AppParts {
    AppParts {
        leptos_options: LeptosOptions::builder().output_name("rust-auth").build(),
        pool,
        tokens: Arc::new(TokenKeys::new(SECRET, TokenSettings::with_ttl(TTL)).unwrap()),
        auth_cache: Arc::new(AuthCache::new(16 << 20)),
        draining: Arc::default(),
        key_policy: KeyPolicy {
            rotation: Duration::from_secs(30 * 86_400),
            publish_ahead: Duration::from_secs(600),
            token_ttl: TTL,
        },
        hasher: PasswordHasher::new(4, 4).unwrap(),
        signup: SignupPolicy::AdminsOnly,
        throttle: Throttle::default(),
        trusted_proxies: Arc::from([]),
        profile: Profile::default(),
        mailer: mailer(None),
        recovery: Recovery::default(),
        sessions: SessionSettings::default(),
        mfa: MfaSettings::default(),
        key: server_key(),
        relying_party: Some(relying_party()),
    }
}

/// The origin test servers accept passkeys from (the soft authenticator signs for it).
pub const ORIGIN: &str = "http://localhost:3000";

/// The relying party of test servers: `localhost`, from [`ORIGIN`].
pub fn relying_party() -> app::ssr::factors::settings::RelyingParty {
    app::ssr::factors::settings::RelyingParty::new("localhost", &[ORIGIN.to_owned()]).unwrap()
}

/// The server key of test servers (seals two-factor secrets and mails, keys refresh tokens).
pub const MFA_KEY: [u8; 32] = [9; 32];

/// The test servers' [`ServerKey`].
pub fn server_key() -> ServerKey {
    ServerKey::new(&MFA_KEY).unwrap()
}

/// A mailer sending to `smtp_url` (none: mails stay in the outbox), retrying after 1 s.
pub fn mailer(smtp_url: Option<String>) -> Mailer {
    Mailer::new(
        &MailSettings {
            smtp_url,
            from: "Rust Auth <no-reply@example.com>".into(),
            public_url: "http://app.example".into(),
            retry_base: Duration::from_secs(1),
        },
        server_key(),
    )
    .unwrap()
}

/// A server whose mails go to a real SMTP server started for the test, through the outbox worker.
pub async fn spawn_with_mail(pool: PgPool) -> (TestApp, smtp::Smtp) {
    let smtp = smtp::Smtp::start().await;
    let state = AppParts { mailer: mailer(Some(smtp.url())), ..state(pool.clone()) };
    app::ssr::recovery::mail::worker::spawn(pool.clone(), state.mailer.clone());
    (serve(state, pool).await, smtp)
}

/// Serves `state` on a free port, with the production listener and its default limits.
pub async fn serve(state: impl Into<AppState>, pool: PgPool) -> TestApp {
    serve_with_limits(state.into(), pool, ListenerLimits::default()).await
}

/// Serves `state` on a free port with the given connection limits.
pub async fn serve_with_limits(state: impl Into<AppState>, pool: PgPool, limits: ListenerLimits) -> TestApp {
    let state: AppState = state.into();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server::app(state.clone());
    let trusted = state.trusted_proxies.clone();
    tokio::spawn(server::listener::serve(listener, app, limits, trusted, std::future::pending()));
    start_auth_cache(&state).await;
    TestApp { addr, pool, client: reqwest::Client::new(), state }
}

/// Starts the server's auth cache listener, as `server serve` does, and waits until it serves (a
/// server on an unreachable database goes on without it).
pub async fn start_auth_cache(state: &AppState) {
    app::ssr::session::revocations::spawn(state.pool.clone(), state.auth_cache.clone());
    for _ in 0..200 {
        if state.auth_cache.is_active() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

impl TestApp {
    /// Waits until this server's auth cache has heard of every change committed so far. For a test
    /// that changes the database behind the app's back (as another instance or an operator would)
    /// and then asks this server: the notice takes a moment, as it does between instances.
    pub async fn settle(&self) {
        self.state.auth_cache.fence(&self.pool).await;
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sends any prepared request and reads the answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request failed");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, headers, body }
    }

    /// A request builder for `method` and `path`.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// POSTs a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(self.client.post(self.url(path)).json(body)).await
    }

    /// GETs with `Authorization: Bearer <token>`.
    pub async fn get_bearer(&self, path: &str, token: &str) -> Answer {
        self.send(self.client.get(self.url(path)).bearer_auth(token)).await
    }

    /// POSTs a JSON body with `Authorization: Bearer <token>`.
    pub async fn post_bearer(&self, path: &str, token: &str, body: &Value) -> Answer {
        self.send(self.client.post(self.url(path)).bearer_auth(token).json(body)).await
    }

    /// Signs in, returning the whole answer.
    pub async fn signin(&self, login: &str, password: &str) -> Answer {
        self.post("/api/auth/signin", &json!({ "username": login, "password": password })).await
    }

    /// The id of `username`.
    pub async fn user_id(&self, username: &str) -> uuid::Uuid {
        sqlx::query_scalar("select id from users where username = $1")
            .bind(username)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// GETs a page: its headers and HTML.
    pub async fn page(&self, path: &str) -> (HeaderMap, String) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let headers = response.headers().clone();
        (headers, response.text().await.unwrap())
    }

    /// GETs without credentials.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(self.url(path))).await
    }

    /// Signs up `username` (email `<username>@example.com`, the shared password) with `roles`.
    pub async fn signup(&self, username: &str, roles: &[&str]) -> Answer {
        self.post("/api/auth/signup", &signup_body(username, roles)).await
    }

    /// Signs up `username` with `roles` through an open-policy server, asserting success.
    pub async fn signup_ok(&self, username: &str, roles: &[&str]) -> Value {
        let answer = self.signup(username, roles).await;
        assert_eq!(answer.status, StatusCode::CREATED, "signup {username}: {}", answer.body);
        answer.body["user"].clone()
    }

    /// Signs in and returns the access token, asserting success.
    pub async fn token(&self, login: &str) -> String {
        self.token_with(login, PASSWORD).await
    }

    /// Signs in with `password` and returns the access token, asserting success.
    pub async fn token_with(&self, login: &str, password: &str) -> String {
        let answer = self.signin(login, password).await;
        assert_eq!(answer.status, StatusCode::OK, "signin {login}: {}", answer.body);
        answer.body["accessToken"].as_str().unwrap().to_owned()
    }

    /// Creates an account with `roles` through the account service, as the operator's command line
    /// does: no role policy, no sign-up limit (set-up must not use up the limits under test).
    pub async fn insert_user(&self, username: &str, roles: &[&str]) {
        let body = signup_body(username, roles);
        let form: SignupForm = serde_json::from_value(body).unwrap();
        app::ssr::identity::accounts::create(&self.state, &form).await.unwrap();
    }

    /// Number of rows in `users`.
    pub async fn user_count(&self) -> i64 {
        sqlx::query_scalar("select count(*) from users").fetch_one(&self.pool).await.unwrap()
    }
}

/// A valid sign-up body for `username`.
pub fn signup_body(username: &str, roles: &[&str]) -> Value {
    json!({
        "name": format!("{username} Example"),
        "username": username,
        "email": format!("{username}@example.com"),
        "password": PASSWORD,
        "roles": roles,
    })
}
