//! Keeps every instance's [`TokenKeys`] in step with the signing keys in the database: loaded at
//! start-up, reloaded when another instance announces a change (`NOTIFY signing_keys`), on a
//! timer as a fallback for a missed notice, and when a token names a key this instance has not
//! loaded yet (at most once a second, so made-up key names cannot drive database load). The same
//! loop rotates and retires keys when they are due.

use super::signing_keys::{self, KeyPolicy};
use super::tokens::{Signing, TokenKeys};
use crate::error::Result;
use crate::ssr::secrets::ServerKey;
use crate::ssr::state::AppState;

/// How often keys are checked (rotation, retirement) and reloaded without a notice: every
/// instance sees a change within this time even if its notice was lost.
pub const EVERY: std::time::Duration = signing_keys::RELOAD_EVERY;

/// Loads the keys at start-up; in ES256 mode creates the first ones when there are none.
///
/// # Errors
/// Database errors, or keys that cannot be opened (a changed `ENCRYPTION_KEY`), in words.
pub async fn start(pool: &sqlx::PgPool, key: &ServerKey, tokens: &TokenKeys) -> Result<(), String> {
    if tokens.signing() == Signing::Es256 {
        signing_keys::ensure(pool, key).await.map_err(|err| format!("cannot create signing keys: {err}"))?;
    }
    reload(pool, key, tokens).await.map_err(|err| format!("cannot load signing keys: {err}"))?;
    if !tokens.can_sign() {
        // The keys exist but none opens under this server key: another instance made them with
        // another ENCRYPTION_KEY. Serving would answer every sign-in with 503; say why instead.
        return Err("no signing key in the database opens under this ENCRYPTION_KEY: every instance \
                    must share the key of the instance that made them"
            .to_owned());
    }
    Ok(())
}

/// Reads the keys again and installs them.
///
/// # Errors
/// As [`start`].
pub async fn reload(pool: &sqlx::PgPool, key: &ServerKey, tokens: &TokenKeys) -> Result<()> {
    let (keys, first_signed_at) = signing_keys::load(pool, key).await?;
    tokens.install(&keys, first_signed_at).map_err(|err| {
        tracing::error!(%err, "signing keys not installed");
        crate::error::AppError::Internal
    })
}

/// For a token naming a key this instance does not hold: reloads the keys and says whether the
/// key is held now. At most one such reload runs a second: requests arriving together with the
/// same new key wait for the one reload, then find the key; one arriving less than a second after
/// the last reload waits out the second (never longer) and tries once more. A made-up name thus
/// costs its sender a wait of at most a second and the database at most one query a second.
pub async fn reload_for(state: &AppState, token: &str) -> bool {
    for _ in 0..2 {
        {
            let _turn = state.tokens.reload_lock().lock().await;
            if !state.tokens.may_name_a_new_key(token) {
                return true; // loaded while this request waited
            }
            if state.tokens.claim_reload() {
                return match reload(&state.pool, &state.key, &state.tokens).await {
                    Ok(()) => !state.tokens.may_name_a_new_key(token),
                    Err(_) => false,
                };
            }
        }
        tokio::time::sleep(state.tokens.until_reload_allowed()).await;
    }
    false
}

/// Starts the loop: maintenance and reload every [`EVERY`], and a reload on every notice.
pub fn spawn(state: AppState, policy: KeyPolicy) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut listener = None;
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if listener.is_none() {
                listener = listen(&state.pool).await;
                // Whatever happened while no one listened is read now.
                let _ = reload(&state.pool, &state.key, &state.tokens).await;
            }
            let notice = async {
                match listener.as_mut() {
                    Some(listener) => listener.recv().await.map(|_| ()),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = ticker.tick() => {
                    // Under HS256 no key signs, but ES256 keys from before still retire on time.
                    let signing = state.tokens.signing() == Signing::Es256;
                    if let Err(err) = signing_keys::maintain(&state.pool, &state.key, policy, signing).await {
                        tracing::warn!(?err, "signing key maintenance failed; retried at the next tick");
                    }
                    let _ = reload(&state.pool, &state.key, &state.tokens).await;
                }
                received = notice => {
                    if received.is_err() {
                        tracing::warn!("signing key notices lost; listening again");
                        listener = None;
                    }
                    let _ = reload(&state.pool, &state.key, &state.tokens).await;
                }
            }
        }
    })
}

async fn listen(pool: &sqlx::PgPool) -> Option<sqlx::postgres::PgListener> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await.ok()?;
    listener.listen("signing_keys").await.ok()?;
    Some(listener)
}
