//! Liveness and readiness probes.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use sqlx::PgPool;

use app::error::{AppError, ErrorBody};

use super::bodies::Health;

/// How long the readiness probe waits for the database.
const DB_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up and serving.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    summary = "Liveness: the process is serving",
    responses(
        (status = 200, description = "Alive", body = Health),
    ),
)]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// `GET /readyz`: 200 when the database answers, 503 when it does not.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    summary = "Readiness: the database answers",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ),
)]
pub async fn readyz(State(pool): State<PgPool>) -> Result<Json<Health>, AppError> {
    let probe = sqlx::query_scalar::<_, i32>("select 1").fetch_one(&pool);
    match tokio::time::timeout(DB_PROBE_TIMEOUT, probe).await {
        Ok(Ok(_)) => Ok(Json(Health { status: "ready" })),
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
