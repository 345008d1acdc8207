//! Liveness and readiness probes.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use sqlx::PgPool;

use app::error::AppError;

/// How long the readiness probe waits for the database.
const DB_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the database answers, 503 when it does not.
pub async fn readyz(State(pool): State<PgPool>) -> Result<Json<Value>, AppError> {
    let probe = sqlx::query_scalar::<_, i32>("select 1").fetch_one(&pool);
    match tokio::time::timeout(DB_PROBE_TIMEOUT, probe).await {
        Ok(Ok(_)) => Ok(Json(json!({ "status": "ready" }))),
        Ok(Err(err)) => {
            tracing::warn!(%err, "readiness probe: database error");
            Err(AppError::Unavailable)
        }
        Err(_) => {
            tracing::warn!("readiness probe: database timed out");
            Err(AppError::Unavailable)
        }
    }
}
