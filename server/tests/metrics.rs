//! Metrics on their own listener, in Prometheus text format.

mod common;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn metrics_are_served_on_their_own_address(pool: PgPool) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    server::telemetry::install_metrics(addr).unwrap();
    server::telemetry::spawn_samplers(pool.clone());
    let app = common::spawn(pool).await;
    app.insert_user("adam", &["user"]).await;
    for _ in 0..6 {
        app.signin("adam", "wrong-password-here").await;
    }
    assert_eq!(app.signin("eve", common::PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    app.post("/api/auth/signup", &json!({ "name": "" })).await;
    let scrape = || async {
        reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.unwrap().text().await.unwrap()
    };
    let mut text = scrape().await;
    for _ in 0..50 {
        if text.contains("mail_outbox_backlog") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        text = scrape().await;
    }
    for expected in [
        r#"http_requests_total{method="POST",route="/api/auth/signin",status="401"} 6"#,
        r#"http_requests_total{method="POST",route="/api/auth/signin",status="429"} 1"#,
        r#"http_requests_total{method="POST",route="/api/auth/signup",status="422"} 1"#,
        r#"http_request_duration_seconds_bucket{method="POST",route="/api/auth/signin",status="401",le="#,
        r#"signin_total{outcome="invalid_credentials"} 6"#,
        r#"signin_total{outcome="throttled"} 1"#,
        r#"throttle_refusals_total{scope="signin"} 1"#,
        "bcrypt_queue_wait_seconds_count",
        r#"db_pool_connections{state="idle"}"#,
        "mail_outbox_backlog",
    ] {
        assert!(text.contains(expected), "no `{expected}` in\n{text}");
    }
    // The app's own address does not serve them.
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
}
