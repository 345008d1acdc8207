//! The outbox: mails survive an unreachable mail server and a restart, and are sent exactly once.

mod common;

use std::time::Duration;

use common::smtp::Smtp;
use reqwest::StatusCode;
use sqlx::PgPool;

use app::ssr::state::AppParts;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn mails_wait_out_a_dead_mail_server_and_a_restart_and_arrive_once(pool: PgPool) {
    let mut smtp = Smtp::start().await;
    smtp.stop();
    let state = AppParts { mailer: common::mailer(Some(smtp.url())), ..common::state(pool.clone()) };
    let worker = app::ssr::recovery::mail::worker::spawn(pool.clone(), state.mailer.clone());
    let app = common::serve(state.clone(), pool.clone()).await;
    // Requests are not slowed or failed by the dead mail server.
    for i in 0..3 {
        let started = std::time::Instant::now();
        let answer = app.post("/api/auth/signup", &common::signup_body(&format!("user{i}"), &[])).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (waiting, tried): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where attempts > 0) from outbox where sent_at is null",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(waiting, 3);
    assert!(tried >= 1, "the worker tried and failed");
    // The server stops (its worker with it) and starts again; the mail server comes back.
    worker.abort();
    let _ = worker.await;
    smtp.resume().await;
    let _again = app::ssr::recovery::mail::worker::spawn(pool.clone(), state.mailer.clone());
    for i in 0..3 {
        smtp.wait_for(&format!("user{i}@example.com"), 1).await;
    }
    // A second instance working the same outbox does not send anything twice.
    let _second = app::ssr::recovery::mail::worker::spawn(pool.clone(), state.mailer.clone());
    app.post("/api/auth/signup", &common::signup_body("late", &[])).await;
    smtp.wait_for("late@example.com", 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.received().len(), 4, "each mail exactly once");
    let unsent: i64 = sqlx::query_scalar("select count(*) from outbox where sent_at is null")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(unsent, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_stopped_worker_claims_nothing_and_another_instance_sends_what_is_left(pool: PgPool) {
    let smtp = Smtp::start().await;
    let state = AppParts { mailer: common::mailer(Some(smtp.url())), ..common::state(pool.clone()) };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker =
        app::ssr::recovery::mail::worker::spawn_stoppable(pool.clone(), state.mailer.clone(), stopped);
    let app = common::serve(state.clone(), pool.clone()).await;
    app.post("/api/auth/signup", &common::signup_body("before", &[])).await;
    smtp.wait_for("before@example.com", 1).await;
    // SIGTERM: the worker finishes and returns, holding no row.
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker).await.expect("the worker stopped").unwrap();
    app.post("/api/auth/signup", &common::signup_body("after", &[])).await;
    let locked: i64 = sqlx::query_scalar(
        "select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'outbox' and l.mode = 'RowShareLock'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(locked, 0, "no outbox row stays claimed");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 1, "nothing sent after the stop");
    let _next = app::ssr::recovery::mail::worker::spawn(pool.clone(), state.mailer.clone());
    smtp.wait_for("after@example.com", 1).await;
}
