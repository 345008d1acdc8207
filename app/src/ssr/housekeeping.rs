//! Periodic clean-up of rows that no longer mean anything, so no table an outsider can make grow
//! grows without bound. Each kind of row has its retention:
//! - throttle slots: once their window has passed;
//! - sessions: a day after they ended or expired (their refresh chain lives in the row);
//! - mailed links and sign-in challenges: a day after they expired or were used;
//! - WebAuthn ceremonies nobody finished: once they expired;
//! - sent (or given-up) mails: after `MAIL_RETENTION_DAYS` (their bodies go when they are sent);
//! - audit entries: after `AUDIT_RETENTION_DAYS`.

use std::time::Duration;

use super::factors::webauthn;
use super::guard::audit;
use super::guard::throttle::Throttle;
use super::recovery::{links, mail};
use super::session::store;
use super::state::AppState;

/// How often the clean-up runs.
const EVERY: Duration = Duration::from_secs(10 * 60);

/// How long kept rows stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// `AUDIT_RETENTION_DAYS` (90).
    pub audit: Duration,
    /// `MAIL_RETENTION_DAYS` (7).
    pub mail: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { audit: Duration::from_secs(90 * 86_400), mail: Duration::from_secs(7 * 86_400) }
    }
}

/// Starts the clean-up loop on the runtime (first run at once).
pub fn spawn(state: AppState, retention: Retention) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            run_once(&state, retention).await;
        }
    })
}

/// One clean-up pass. Failures are logged where they happen and retried at the next tick.
pub async fn run_once(state: &AppState, retention: Retention) {
    let slots = Throttle::purge(&state.pool).await.unwrap_or(0);
    let sessions = store::purge(&state.pool).await.unwrap_or(0);
    let entries = audit::purge(&state.pool, retention.audit).await.unwrap_or(0);
    let links = links::purge(&state.pool).await.unwrap_or(0);
    let mails = mail::worker::purge(&state.pool, retention.mail).await.unwrap_or(0);
    let ceremonies = webauthn::purge(&state.pool).await.unwrap_or(0);
    if slots + sessions + entries + links + mails + ceremonies > 0 {
        tracing::debug!(slots, sessions, entries, links, mails, ceremonies, "purged expired rows");
    }
}
