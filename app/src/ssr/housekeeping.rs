//! Periodic clean-up of rows that no longer mean anything: failures older than the throttling
//! window, and revocations of tokens that have expired anyway.

use std::time::Duration;

use super::state::AppState;
use super::users;

/// How often the clean-up runs.
const EVERY: Duration = Duration::from_secs(10 * 60);

/// Starts the clean-up loop on the runtime (first run at once).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            // Failures here are logged by `internal` and retried at the next tick.
            let failures = state.throttle.purge(&state.pool).await.unwrap_or(0);
            let tokens = users::purge_revoked_tokens(&state.pool).await.unwrap_or(0);
            if failures + tokens > 0 {
                tracing::debug!(failures, tokens, "purged expired throttling and revocation rows");
            }
        }
    })
}
