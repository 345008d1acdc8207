//! Periodic clean-up of rows that no longer mean anything: throttle slots past their window,
//! sessions a day past their end and their spent refresh tokens, mailed links and sign-in challenges
//! a day past their expiry, and audit entries past their retention.

use std::time::Duration;

use super::sessions;
use super::state::AppState;
use super::throttle::Throttle;
use super::{audit, links};

/// How often the clean-up runs.
const EVERY: Duration = Duration::from_secs(10 * 60);

/// Starts the clean-up loop on the runtime (first run at once). Audit entries older than
/// `audit_retention` are deleted.
pub fn spawn(state: AppState, audit_retention: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            run_once(&state, audit_retention).await;
        }
    })
}

/// One clean-up pass. Failures are logged where they happen and retried at the next tick.
pub async fn run_once(state: &AppState, audit_retention: Duration) {
    let slots = Throttle::purge(&state.pool).await.unwrap_or(0);
    let tokens = sessions::purge(&state.pool).await.unwrap_or(0);
    let entries = audit::purge(&state.pool, audit_retention).await.unwrap_or(0);
    let links = links::purge(&state.pool).await.unwrap_or(0);
    if slots + tokens + entries + links > 0 {
        tracing::debug!(slots, tokens, entries, links, "purged expired rows");
    }
}
