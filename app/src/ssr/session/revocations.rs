//! Listening for the changes that end or alter sessions, on one dedicated PostgreSQL connection,
//! and applying them to this instance's [`AuthCache`].
//!
//! The cache serves only while this listener is subscribed. When its connection drops (PostgreSQL
//! restarted, the backend was terminated, the network failed) the cache is switched off and
//! emptied at once, requests read the database, and the cache comes back, empty, only after a new
//! connection has subscribed again. A connection that silently stops delivering, or lags, is caught
//! by heartbeats: every instance notifies the channel every [`HEARTBEAT`] and listens for its own;
//! memory is not trusted once its own has gone unheard for `auth_cache::BEAT_STALE`, and a listener
//! that has heard nothing at all for [`SILENCE`] is treated as dropped.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::time::Instant;

use super::auth_cache::{AuthCache, CHANNEL, Notice};

/// How often each instance proves the channel delivers.
pub const HEARTBEAT: Duration = Duration::from_secs(2);
/// Silence after which the listening connection is presumed dead.
const SILENCE: Duration = Duration::from_secs(7);
/// Wait between attempts to listen again.
const RETRY: Duration = Duration::from_millis(250);

/// Starts the listener and the heartbeat; they run as long as the runtime does.
pub fn spawn(pool: PgPool, cache: Arc<AuthCache>) -> tokio::task::JoinHandle<()> {
    if !cache.is_configured() {
        return tokio::spawn(async {});
    }
    let beat = pool.clone();
    let payload = cache.heartbeat_payload();
    tokio::spawn(async move {
        let heartbeat = tokio::spawn(heartbeat(beat, payload));
        while !pool.is_closed() {
            match subscribe(&pool).await {
                Ok(listener) => {
                    cache.set_listening(true);
                    tracing::info!("auth cache on: listening for session changes");
                    listen(listener, &cache).await;
                    cache.set_listening(false);
                    tracing::warn!(
                        "auth cache off: the listening connection dropped; reading the database until it is back"
                    );
                }
                Err(err) => tracing::debug!(%err, "cannot listen for session changes yet"),
            }
            tokio::time::sleep(RETRY).await;
        }
        heartbeat.abort();
    })
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // Reconnecting by itself would hide the gap in which notices were missed; this loop reconnects
    // instead, after switching the cache off.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Applies notices until the connection drops or goes silent.
async fn listen(mut listener: PgListener, cache: &AuthCache) {
    loop {
        // Only completes once the silence is too long; the receive is then abandoned along with
        // the connection, so cancelling it mid-message loses nothing that matters.
        let silence = tokio::time::sleep_until(Instant::now() + SILENCE);
        tokio::select! {
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => {
                    if let Some(notice) = Notice::parse(notification.payload()) {
                        cache.apply(notice);
                    }
                }
                Ok(None) => return,
                Err(err) => {
                    tracing::debug!(%err, "session change listener failed");
                    return;
                }
            },
            () = silence => {
                tracing::warn!(silent_for = ?SILENCE, "no notice heard, not even a heartbeat");
                return;
            }
        }
    }
}

/// Notifies the channel every [`HEARTBEAT`], for every instance's listener to hear.
async fn heartbeat(pool: PgPool, payload: String) {
    let mut ticker = tokio::time::interval(HEARTBEAT);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if pool.is_closed() {
            return;
        }
        // Failing is fine: the database is down, and the listeners notice that on their own.
        let _ = sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(&payload).execute(&pool).await;
    }
}
