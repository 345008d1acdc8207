//! Liveness and readiness probes.

use std::time::Duration;

use axum::Json;
use axum::extract::State;

use app::error::{AppError, ErrorBody};
use app::ssr::state::AppState;

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

/// `GET /readyz`: 200 when the database answers, 503 when it does not or when this instance is
/// shutting down (so a proxy stops sending it requests before it stops accepting them).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    summary = "Readiness: the database answers and the instance is not shutting down",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database does not answer, or the instance is shutting down", body = ErrorBody),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    if state.draining.is_draining() {
        return Err(AppError::Unavailable);
    }
    let pool = &state.pool;
    let probe = sqlx::query_scalar::<_, i32>("select 1").fetch_one(pool);
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
