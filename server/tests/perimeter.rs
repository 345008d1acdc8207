//! Health probes and the edges of the API: unknown routes, wrong methods, an unreachable database.

mod common;

use common::spawn;
use reqwest::StatusCode;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use app::ssr::state::AppParts;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn probes_answer(pool: PgPool) {
    let app = spawn(pool).await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
    // Shutting down: readiness fails first, while requests are still served.
    app.state.draining.start();
    app.get("/readyz").await.assert_error(503, "unavailable");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.signup("adam", &[]).await.status, StatusCode::CREATED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_unreachable_database_is_503_not_500(pool: PgPool) {
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    let dead = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(1))
        .connect_lazy("postgres://app@127.0.0.1:1/none")
        .unwrap();
    let state = AppParts { pool: dead, ..common::state(pool.clone()) };
    let app = common::serve(state, pool).await;
    app.get("/readyz").await.assert_error(503, "unavailable");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let answer = app.signup("adam", &[]).await;
    answer.assert_error(503, "unavailable");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_api_routes_and_methods_answer_json(pool: PgPool) {
    let app = spawn(pool).await;
    app.get("/api/nothing/here").await.assert_error(404, "not_found");
    app.get("/api/auth/signup").await.assert_error(405, "method_not_allowed");
    app.send(app.request(reqwest::Method::DELETE, "/api/test/user"))
        .await
        .assert_error(405, "method_not_allowed");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_render_and_unknown_pages_are_404(pool: PgPool) {
    let app = spawn(pool).await;
    let home = app.send(app.request(reqwest::Method::GET, "/")).await;
    assert_eq!(home.status, StatusCode::OK);
    let missing = app.send(app.request(reqwest::Method::GET, "/no/such/page")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_answer_carries_a_request_id_and_a_5xx_body_quotes_it(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let first = app.get("/healthz").await;
    let second = app.get("/api/nothing").await;
    let id = |answer: &common::Answer| answer.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id(&first).len(), 32);
    assert_ne!(id(&first), id(&second));
    // A client cannot choose its id: only a trusted proxy's is believed.
    let chosen =
        app.send(app.request(reqwest::Method::GET, "/healthz").header("x-request-id", "chosen-by-me")).await;
    assert_ne!(id(&chosen), "chosen-by-me");
    let proxied =
        AppParts { trusted_proxies: ["127.0.0.1/32".parse().unwrap()].into(), ..common::state(pool.clone()) };
    let behind = common::serve(proxied, pool.clone()).await;
    let passed = behind
        .send(behind.request(reqwest::Method::GET, "/healthz").header("x-request-id", "edge-1234"))
        .await;
    assert_eq!(id(&passed), "edge-1234");
    let hostile = "x".repeat(200);
    let refused = behind
        .send(behind.request(reqwest::Method::GET, "/healthz").header("x-request-id", hostile.as_str()))
        .await;
    assert_ne!(id(&refused), hostile);
    // A 5xx names the id a person can quote.
    let dead = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(1))
        .connect_lazy("postgres://app@127.0.0.1:1/none")
        .unwrap();
    let broken = common::serve(AppParts { pool: dead, ..common::state(pool.clone()) }, pool).await;
    let answer = broken.signup("adam", &[]).await;
    answer.assert_error(503, "unavailable");
    assert_eq!(answer.body["requestId"], id(&answer));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn hashed_client_files_are_cached_for_good_and_pages_revalidated(pool: PgPool) {
    let site = std::env::temp_dir().join(format!("rust-auth-site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/rust-auth.GhyLnY2ZyJH8ftqCbyw1yw.wasm"), b"\0asm").unwrap();
    std::fs::write(site.join("pkg/chunk_3.LwIPb0SoM4pCt7MFM-Jf1A.wasm"), b"\0asm").unwrap();
    std::fs::write(site.join("pkg/__wasm_split.dGYueLA11_kAsntLsEXRbg.js"), b"export {}").unwrap();
    std::fs::write(site.join("pkg/rust-auth.css"), b"body{}").unwrap();
    let options = leptos::config::LeptosOptions::builder()
        .output_name("rust-auth")
        .site_root(site.to_str().unwrap())
        .build();
    let app = common::serve(AppParts { leptos_options: options, ..common::state(pool.clone()) }, pool).await;
    let hashed = app.get("/pkg/rust-auth.GhyLnY2ZyJH8ftqCbyw1yw.wasm").await;
    assert_eq!(hashed.status, StatusCode::OK);
    assert_eq!(hashed.headers["cache-control"], "public, max-age=31536000, immutable");
    let chunk = app.get("/pkg/chunk_3.LwIPb0SoM4pCt7MFM-Jf1A.wasm").await;
    assert_eq!(chunk.headers["cache-control"], "public, max-age=31536000, immutable");
    // The split build's loader may change under the same name (see layers/cache.rs): revalidated.
    let loader = app.get("/pkg/__wasm_split.dGYueLA11_kAsntLsEXRbg.js").await;
    assert_eq!(loader.status, StatusCode::OK);
    assert_eq!(loader.headers["cache-control"], "no-cache");
    assert_eq!(app.get("/pkg/rust-auth.css").await.headers["cache-control"], "no-cache");
    assert_eq!(app.get("/signin").await.headers["cache-control"], "no-cache");
    assert_eq!(app.get("/api/test/user").await.headers["cache-control"], "no-store");
    std::fs::remove_dir_all(site).unwrap();
}
