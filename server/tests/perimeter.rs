//! Health probes and the edges of the API: unknown routes, wrong methods, an unreachable database.

mod common;

use common::spawn;
use reqwest::StatusCode;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use app::ssr::state::AppState;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn probes_answer(pool: PgPool) {
    let app = spawn(pool).await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_unreachable_database_is_503_not_500(pool: PgPool) {
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    let dead = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(1))
        .connect_lazy("postgres://app@127.0.0.1:1/none")
        .unwrap();
    let state = AppState { pool: dead, ..common::state(pool.clone()) };
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
