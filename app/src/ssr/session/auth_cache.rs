//! What `caller::authenticate` reads, remembered per session so that a
//! protected request costs no database round trip: the account (roles, disabled, token version,
//! factors) by user id, and the session (ended, expiry, second factor) by session id.
//!
//! It is only as good as its forgetting. Every change to those rows notifies all instances through
//! PostgreSQL in the change's own transaction (triggers, `migrations/*_auth_changes.sql`), and
//! `revocations.rs` applies the notices here. Three rules keep a revoked session
//! from ever being accepted from memory:
//! - no listener, no cache: while the listening connection is down (or not yet subscribed) every
//!   lookup misses and nothing is stored, and the cache is emptied when it drops and again when it
//!   is back, so a notice missed meanwhile cannot leave a stale entry behind;
//! - a read that raced a notice is not kept: every notice bumps an epoch, and an entry filled from a
//!   database read is dropped again if the epoch moved while the read was under way (the read may
//!   predate the change the notice announced);
//! - this instance's own changes are fenced: after a request that may have changed something, the
//!   answer waits until the listener has seen a fence sent after the change (see [`AuthCache::fence`]),
//!   so the same client's next request cannot beat the notice to the cache.
//!
//! Entries also expire after [`ENTRY_TTL`], which bounds what a missed notice could ever cost and
//! keeps "last seen" in the session list fresh (a refill notes the session as seen).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::sync::Cache;
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use crate::ssr::identity::users::{Account, SessionState};

/// Longest an entry is trusted without being read again.
pub const ENTRY_TTL: Duration = Duration::from_secs(60);
/// How long a fenced request waits for its fence before giving up and emptying the cache.
const FENCE_WAIT: Duration = Duration::from_secs(2);
/// The notification channel (the triggers' and ours).
pub const CHANNEL: &str = "auth_changes";
/// Longest this instance's own heartbeat may go unheard before memory stops being trusted (the
/// heartbeat goes every 2 s: three missed).
pub const BEAT_STALE: Duration = Duration::from_millis(6_500);
/// Rough bytes of a session entry (key, user id, state, moka's bookkeeping).
const SESSION_ENTRY_BYTES: u32 = 96;

/// What a notice on [`CHANNEL`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The account changed (roles, disabled, password, factors) or was deleted.
    User(Uuid),
    /// The session ended, was deleted, or changed.
    Session(Uuid),
    /// Instance `instance` passed fence number `number`.
    Fence { instance: u64, number: u64 },
    /// Instance `instance` is alive: its own heartbeats prove this instance's listener delivers.
    Heartbeat { instance: u64 },
    /// A table was emptied (`TRUNCATE`): forget everything.
    All,
}

impl Notice {
    /// Reads a payload; `None` for one this version does not know (ignored, but still proof of
    /// life).
    pub fn parse(payload: &str) -> Option<Notice> {
        let (kind, rest) = payload.split_once(':')?;
        match kind {
            "u" => rest.parse().ok().map(Notice::User),
            "s" => rest.parse().ok().map(Notice::Session),
            "f" => {
                let (instance, number) = rest.split_once(':')?;
                Some(Notice::Fence { instance: instance.parse().ok()?, number: number.parse().ok()? })
            }
            "h" => rest.parse().ok().map(|instance| Notice::Heartbeat { instance }),
            "*" => Some(Notice::All),
            _ => None,
        }
    }
}

/// A session as remembered.
#[derive(Debug, Clone, Copy)]
struct SessionEntry {
    user: Uuid,
    state: SessionState,
}

/// A lookup's outcome.
#[derive(Debug, Clone)]
pub struct Remembered {
    /// The account, as last read.
    pub account: Arc<Account>,
    /// The session, as last read.
    pub session: SessionState,
}

/// Taken before a database read, handed to [`AuthCache::fill`] after it.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot(Option<u64>);

/// The cache, shared by every request of this instance.
pub struct AuthCache {
    sessions: Cache<Uuid, SessionEntry>,
    accounts: Cache<Uuid, Arc<Account>>,
    /// Bumped by every notice and every clear: a fill that saw it move is undone.
    epoch: AtomicU64,
    /// Whether the listener is subscribed (lookups miss and fills are skipped otherwise).
    listening: AtomicBool,
    /// Whether caching is configured at all (`AUTH_CACHE_MB=0` turns it off).
    configured: bool,
    /// This instance's name in fences.
    instance: u64,
    next_fence: AtomicU64,
    /// The highest fence of this instance the listener has seen.
    fences_seen: watch::Sender<u64>,
    /// When the listener last heard this instance's own heartbeat, in milliseconds since `born`.
    last_beat_ms: AtomicU64,
    born: Instant,
}

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCache")
            .field("sessions", &self.sessions.entry_count())
            .field("accounts", &self.accounts.entry_count())
            .field("listening", &self.listening.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl AuthCache {
    /// A cache holding about `max_bytes` (half for sessions, half for accounts); 0 turns caching
    /// off (every request reads the database, as before).
    pub fn new(max_bytes: u64) -> AuthCache {
        let half = max_bytes / 2;
        AuthCache {
            sessions: Cache::builder()
                .max_capacity(half)
                .weigher(|_, _| SESSION_ENTRY_BYTES)
                .time_to_live(ENTRY_TTL)
                .build(),
            accounts: Cache::builder()
                .max_capacity(half)
                .weigher(|_, account: &Arc<Account>| account_bytes(account))
                .time_to_live(ENTRY_TTL)
                .build(),
            epoch: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            configured: max_bytes > 0,
            instance: rand::random(),
            next_fence: AtomicU64::new(0),
            fences_seen: watch::Sender::new(0),
            last_beat_ms: AtomicU64::new(0),
            born: Instant::now(),
        }
    }

    /// Whether lookups are served from memory now: configured, the listener subscribed, and this
    /// instance's own heartbeat heard through it lately (a listener cut off without noticing, or
    /// lagging behind, stops being trusted within [`BEAT_STALE`]).
    pub fn is_active(&self) -> bool {
        self.configured && self.listening.load(Ordering::SeqCst) && self.beat_is_fresh()
    }

    fn beat_is_fresh(&self) -> bool {
        self.age_ms().saturating_sub(self.last_beat_ms.load(Ordering::Relaxed))
            <= BEAT_STALE.as_millis() as u64
    }

    fn beat_heard(&self) {
        self.last_beat_ms.store(self.age_ms(), Ordering::Relaxed);
    }

    /// Milliseconds since this cache was made (what `last_beat_ms` counts in).
    fn age_ms(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The heartbeat payload this instance sends.
    pub fn heartbeat_payload(&self) -> String {
        format!("h:{}", self.instance)
    }

    /// Whether caching is configured at all.
    pub fn is_configured(&self) -> bool {
        self.configured
    }

    /// The session `session` of `user`, if remembered.
    pub fn get(&self, user: Uuid, session: Uuid) -> Option<Remembered> {
        if !self.is_active() {
            return None;
        }
        let entry = self.sessions.get(&session).filter(|entry| entry.user == user)?;
        let account = self.accounts.get(&user)?;
        Some(Remembered { account, session: entry.state })
    }

    /// To be taken before the database read whose result goes to [`fill`](Self::fill).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot(self.is_active().then(|| self.epoch.load(Ordering::SeqCst)))
    }

    /// Remembers a database read, unless a notice or a clear came since `snapshot` (the read may
    /// then be older than the change announced).
    pub fn fill(&self, snapshot: Snapshot, session: Uuid, account: &Arc<Account>, state: SessionState) {
        let Snapshot(Some(epoch)) = snapshot else { return };
        let user = account.user.id;
        self.accounts.insert(user, Arc::clone(account));
        self.sessions.insert(session, SessionEntry { user, state });
        // Checked after inserting: a notice applied before this load is seen here, and one applied
        // after it removes what was just inserted.
        if self.epoch.load(Ordering::SeqCst) != epoch {
            self.accounts.invalidate(&user);
            self.sessions.invalidate(&session);
        }
    }

    /// Applies a notice (from the listener).
    pub fn apply(&self, notice: Notice) {
        match notice {
            Notice::User(user) => {
                self.epoch.fetch_add(1, Ordering::SeqCst);
                self.accounts.invalidate(&user);
            }
            Notice::Session(session) => {
                self.epoch.fetch_add(1, Ordering::SeqCst);
                self.sessions.invalidate(&session);
            }
            // A number this instance never sent is forged (anyone who can connect may NOTIFY):
            // believing it would release every later fence early.
            Notice::Fence { instance, number }
                if instance == self.instance && number <= self.next_fence.load(Ordering::SeqCst) =>
            {
                self.fences_seen.send_if_modified(|seen| {
                    let newer = number > *seen;
                    if newer {
                        *seen = number;
                    }
                    newer
                });
            }
            Notice::Heartbeat { instance } if instance == self.instance => self.beat_heard(),
            Notice::All => self.clear(),
            Notice::Fence { .. } | Notice::Heartbeat { .. } => {}
        }
    }

    /// Forgets everything (the listener lost its connection, or a fence went unanswered).
    pub fn clear(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.accounts.invalidate_all();
        self.sessions.invalidate_all();
    }

    /// The listener is subscribed (`true`) or lost its connection (`false`). Either way whatever
    /// is remembered goes: it may have missed a notice.
    pub fn set_listening(&self, listening: bool) {
        if !listening {
            self.listening.store(false, Ordering::SeqCst);
        }
        self.clear();
        if listening {
            // Subscribed just now: as good as a heartbeat.
            self.beat_heard();
            self.listening.store(true, Ordering::SeqCst);
        }
    }

    /// Waits until this instance's listener has seen every notice committed before now, so that
    /// a change this request made is forgotten here before its answer leaves. Empties the cache
    /// instead when the fence cannot be sent or is not seen in time.
    pub async fn fence(&self, pool: &PgPool) {
        if !self.is_active() {
            return;
        }
        // Numbered after the request's own changes committed: seeing this number (or a higher
        // one, sent later still) means the listener is past them.
        let number = self.next_fence.fetch_add(1, Ordering::SeqCst) + 1;
        let mut seen = self.fences_seen.subscribe();
        let payload = format!("f:{}:{number}", self.instance);
        let sent = sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(pool).await;
        if sent.is_err() {
            self.clear();
            return;
        }
        let arrived = tokio::time::timeout(FENCE_WAIT, seen.wait_for(|seen| *seen >= number)).await;
        if !matches!(arrived, Ok(Ok(_))) {
            tracing::warn!("an auth cache fence went unanswered; cache emptied");
            self.clear();
        }
    }

    /// How many sessions and accounts are remembered (approximate, for tests and metrics).
    pub fn entries(&self) -> (u64, u64) {
        self.sessions.run_pending_tasks();
        self.accounts.run_pending_tasks();
        (self.sessions.entry_count(), self.accounts.entry_count())
    }
}

/// Rough bytes of an account entry: the struct and its strings.
fn account_bytes(account: &Account) -> u32 {
    let user = &account.user;
    let text = user.name.len() + user.username.len() + user.email.len() + user.roles.len() * 8;
    u32::try_from(std::mem::size_of::<Account>() + text + 64).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_read() {
        let id = Uuid::new_v4();
        assert_eq!(Notice::parse(&format!("u:{id}")), Some(Notice::User(id)));
        assert_eq!(Notice::parse(&format!("s:{id}")), Some(Notice::Session(id)));
        assert_eq!(Notice::parse("f:42:7"), Some(Notice::Fence { instance: 42, number: 7 }));
        assert_eq!(Notice::parse("h:1"), Some(Notice::Heartbeat { instance: 1 }));
        assert_eq!(Notice::parse("*:sessions"), Some(Notice::All));
        assert_eq!(Notice::parse("u:not-a-uuid"), None);
        assert_eq!(Notice::parse("x"), None);
    }
}
