//! Starting and renewing sessions: every sign-in is a session row, with the device it came from;
//! access tokens name it, refresh tokens renew it, and ending it (see `store.rs`) ends all of its
//! tokens at once.
//!
//! A session's refresh tokens form one chain. A refresh token is the session's id, a generation
//! number and a MAC over both (and a random seed of the session) under a key derived from the
//! server key: nothing stored is a token, and a copy of the database alone cannot make one. Each
//! refresh spends the generation presented and hands out the next. Presenting the previous
//! generation again within `REFRESH_REUSE_GRACE_SECS` (two tabs that refreshed at the same moment)
//! is answered with the same next token, minting nothing, so a chain never forks. Presenting any
//! older generation, however long ago it was spent, is taken as theft: the whole session ends, the
//! thief's tokens and the owner's alike. Sessions end for good at `SESSION_MAX_LIFETIME_SECS`, and
//! each may refresh at most `REFRESH_MAX_PER_HOUR` times an hour.

use std::net::IpAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use super::store::{end_beyond, end_in};
use crate::error::{AppError, Result};
use crate::model::{AuditEvent, PublicUser, Session};
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::Event;
use crate::ssr::identity::lifecycle::{self, Notice};
use crate::ssr::identity::users::{self, Account};
use crate::ssr::secrets::{ServerKey, constant_time_eq, hex, unhex};
use crate::ssr::state::AppState;

/// Bytes of the MAC in a refresh token.
const MAC_BYTES: usize = 12;
/// The server key's purpose for refresh-token MACs.
const MAC_PURPOSE: &str = "refresh-token/v1";
/// Length of a session's random seed.
const SEED_BYTES: usize = 16;
/// How long the per-session refresh count runs before it starts again.
const REFRESH_WINDOW: Duration = Duration::from_secs(60 * 60);
/// Live sessions one account may have: a new sign-in past this ends the least recently used one,
/// so signing in in a loop cannot grow the table (or the session list) without bound.
pub const MAX_LIVE_SESSIONS: i64 = 100;

/// A refresh token, read: which session, which generation, and its MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RefreshToken {
    session: Uuid,
    generation: i32,
    mac: [u8; MAC_BYTES],
}

impl RefreshToken {
    /// The token of `generation` in `session`, whose seed is `seed`.
    fn new(key: &ServerKey, session: Uuid, generation: i32, seed: &[u8]) -> Self {
        RefreshToken { session, generation, mac: mac(key, session, generation, seed) }
    }

    /// The token as the client holds it: 64 hexadecimal characters.
    fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(32);
        bytes.extend_from_slice(self.session.as_bytes());
        bytes.extend_from_slice(&self.generation.to_be_bytes());
        bytes.extend_from_slice(&self.mac);
        hex(&bytes)
    }

    /// Reads a token of the chain format; `None` for anything else.
    fn decode(token: &str) -> Option<Self> {
        let bytes = unhex(token).filter(|bytes| bytes.len() == 32)?;
        let session = Uuid::from_slice(&bytes[..16]).ok()?;
        let generation = i32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let mac = bytes[20..].try_into().ok()?;
        Some(RefreshToken { session, generation, mac })
    }

    /// Whether the MAC is right for `seed`.
    fn is_authentic(&self, key: &ServerKey, seed: &[u8]) -> bool {
        constant_time_eq(&self.mac, &mac(key, self.session, self.generation, seed))
    }
}

fn mac(key: &ServerKey, session: Uuid, generation: i32, seed: &[u8]) -> [u8; MAC_BYTES] {
    let full = key.mac(MAC_PURPOSE, &[session.as_bytes(), &generation.to_be_bytes(), seed]);
    full[..MAC_BYTES].try_into().expect("a SHA-256 MAC is longer")
}

/// 401 for a sign-in that crossed a credential change.
fn credentials_changed() -> AppError {
    AppError::unauthorized(
        "Your password or sign-in settings changed while you were signing in. Sign in again.",
    )
}

fn sha256(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a session for `account` and returns what the client gets: an access token, a refresh
/// token and the user. The session is only started if the account's security stamp is still the
/// one its credentials were checked under (`account.stamp`) and it is not disabled: a sign-in whose
/// password check was still running when the password was reset must not outlive the reset.
///
/// # Errors
/// `Unauthorized` when a credential changed since it was checked, or the account was disabled;
/// `Internal` when the database fails or a token cannot be signed.
pub async fn start(state: &AppState, account: Account, remember: bool, device: &Device) -> Result<Session> {
    open(state, account, remember, device, false).await
}

/// [`start`] for a sign-in that proved a second factor (a TOTP code after the password, or a
/// passkey): what `REQUIRE_2FA_FOR_ADMINS` asks of an admin's session.
///
/// # Errors
/// As [`start`].
pub async fn start_with_second_factor(
    state: &AppState,
    account: Account,
    remember: bool,
    device: &Device,
) -> Result<Session> {
    open(state, account, remember, device, true).await
}

async fn open(
    state: &AppState,
    account: Account,
    remember: bool,
    device: &Device,
    second_factor: bool,
) -> Result<Session> {
    let settings = state.sessions;
    let seed: [u8; SEED_BYTES] = rand::random();
    let mut tx = state.pool.begin().await?;
    let row = sqlx::query!(
        r#"
        insert into sessions (user_id, expires_at, max_expires_at, remember, user_agent, address, refresh_seed,
                              second_factor)
        select id, now() + make_interval(secs => least($2::float8, $3::float8)),
               now() + make_interval(secs => $3::float8), $4, $5, $6, $7, $9
        from users where id = $1 and security_stamp = $8 and disabled_at is null
        returning id, extract(epoch from expires_at - now())::float8 as "lives_for!"
        "#,
        account.user.id,
        settings.ttl(remember).as_secs_f64(),
        settings.lifetime(remember).as_secs_f64(),
        remember,
        device.user_agent,
        device.address as Option<IpAddr>,
        &seed[..],
        account.stamp,
        second_factor,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(credentials_changed)?;
    // Past the cap, the least recently used sessions end (this new one is the most recent).
    end_beyond(&mut tx, account.user.id, MAX_LIVE_SESSIONS).await?;
    tx.commit().await?;
    let refresh = RefreshToken::new(&state.key, row.id, 0, &seed);
    issue(state, account.user, account.token_version, refresh, row.lives_for)
}

/// The client's view of a session: a signed access token and the refresh token, which lives
/// `lives_for` more seconds.
fn issue(
    state: &AppState,
    user: PublicUser,
    version: i32,
    refresh: RefreshToken,
    lives_for: f64,
) -> Result<Session> {
    let (access_token, claims) = state.tokens.issue(user.id, version, refresh.session)?;
    Ok(Session {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl().as_secs(),
        expires_at: claims.exp,
        refresh_token: refresh.encode(),
        refresh_expires_in: lives_for.max(0.0) as u64,
        user,
    })
}

/// New tokens for the live session `session` (after a password change, which bumps the token
/// version): the refresh chain moves on a generation, and the previous one is not honoured even
/// within the grace (whoever holds it did not make the change).
///
/// # Errors
/// `Unauthorized` when the session has ended; `Internal` when the database fails or a token cannot
/// be signed.
pub async fn reissue(state: &AppState, user: PublicUser, version: i32, session: Uuid) -> Result<Session> {
    let seed: [u8; SEED_BYTES] = rand::random();
    let row = sqlx::query!(
        r#"
        update sessions
        set refresh_generation = refresh_generation + 1, refresh_grace_until = null,
            refresh_seed = coalesce(refresh_seed, $2)
        where id = $1 and ended_at is null
        returning refresh_generation, refresh_seed as "refresh_seed!",
                  extract(epoch from expires_at - now())::float8 as "lives_for!"
        "#,
        session,
        &seed[..],
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(AppError::session_ended)?;
    let refresh = RefreshToken::new(&state.key, session, row.refresh_generation, &row.refresh_seed);
    issue(state, user, version, refresh, row.lives_for)
}

/// How a presented refresh token stands to its session's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// The live token: the chain moves on.
    Current,
    /// The one before it, within the grace: answered with the current token, nothing minted.
    JustSpent,
    /// Spent earlier: theft.
    Spent,
}

/// A session row as a refresh reads it, locked.
struct Locked {
    id: Uuid,
    user_id: Uuid,
    remember: bool,
    ended: bool,
    expired: bool,
    refresh_generation: i32,
    refresh_seed: Option<Vec<u8>>,
    in_grace: bool,
    refresh_count: i32,
    window_open: bool,
    window_left: f64,
}

/// Reads and locks the session `id`, so two refreshes of one session are applied one after the
/// other.
async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<Locked>> {
    Ok(sqlx::query_as!(
        Locked,
        r#"
        select id, user_id, remember, ended_at is not null as "ended!", expires_at <= now() as "expired!",
               refresh_generation, refresh_seed, coalesce(refresh_grace_until > now(), false) as "in_grace!",
               refresh_count, refresh_window_start > now() - make_interval(secs => $2) as "window_open!",
               extract(epoch from refresh_window_start + make_interval(secs => $2) - now())::float8
                   as "window_left!"
        from sessions where id = $1
        for update
        "#,
        id,
        REFRESH_WINDOW.as_secs_f64(),
    )
    .fetch_optional(conn)
    .await?)
}

/// A refresh token issued before tokens formed a chain (stored by its hash): its session, locked,
/// and whether the token was spent. Used up here when it was not.
async fn legacy(conn: &mut PgConnection, token: &str) -> Result<Option<(Locked, bool)>> {
    let Some(session_id) =
        sqlx::query_scalar!("select session_id from refresh_tokens where hash = $1", sha256(token))
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(None);
    };
    let Some(session) = lock(conn, session_id).await? else {
        return Ok(None);
    };
    // Read under the session's lock: of two requests with one token, only the first finds it unspent.
    let spent = sqlx::query_scalar!(
        r#"select spent_at is not null as "spent!" from refresh_tokens where hash = $1"#,
        sha256(token),
    )
    .fetch_one(&mut *conn)
    .await?;
    if !spent {
        sqlx::query!("update refresh_tokens set spent_at = now() where hash = $1", sha256(token))
            .execute(&mut *conn)
            .await?;
    }
    Ok(Some((session, spent)))
}

/// `POST /api/auth/refresh`: trades a refresh token for a new access token and the next refresh
/// token.
///
/// # Errors
/// `Unauthorized` for an unknown token or an ended, expired or disabled account's session;
/// `RefreshTokenReused` (and the session ends) for a spent token; `RateLimited` past the
/// per-session limit; `Internal`.
pub async fn refresh(state: &AppState, token: &str, address: IpAddr) -> Result<Session> {
    let Some(presented) = RefreshToken::decode(token) else {
        return Err(AppError::session_ended());
    };
    let mut tx = state.pool.begin().await?;
    let chained = lock(&mut tx, presented.session).await?.filter(|found| {
        found.refresh_seed.as_deref().is_some_and(|seed| presented.is_authentic(&state.key, seed))
    });
    let (found, standing) = match chained {
        Some(found) => {
            let standing = match found.refresh_generation - presented.generation {
                0 => Standing::Current,
                1 if found.in_grace => Standing::JustSpent,
                gap if gap >= 1 => Standing::Spent,
                _ => return Err(AppError::session_ended()),
            };
            (found, standing)
        }
        None => match legacy(&mut tx, token).await? {
            Some((found, spent)) => (found, if spent { Standing::Spent } else { Standing::Current }),
            None => return Err(AppError::session_ended()),
        },
    };
    if found.ended {
        return Err(AppError::session_ended());
    }
    if found.expired {
        return Err(AppError::token_expired());
    }
    let account = users::find(&mut *tx, found.user_id).await?;
    if standing == Standing::Spent {
        end_in(&mut tx, found.id, "refresh token reused").await?;
        Event::new(AuditEvent::RefreshTokenReused).on(&account.user).from(address).record(&mut *tx).await?;
        let device = Device { address: Some(address), user_agent: None };
        lifecycle::notify(&mut tx, &state.mailer, Notice::RefreshTokenReused, &account.user, &device).await?;
        tx.commit().await?;
        state.mailer.wake();
        tracing::warn!(user = %account.user.id, session = %found.id, "a spent refresh token was presented: session ended");
        return Err(AppError::RefreshTokenReused);
    }
    if account.disabled {
        return Err(AppError::account_disabled_token());
    }
    let used = if found.window_open { found.refresh_count } else { 0 };
    if used >= i32::try_from(state.sessions.max_refreshes_per_hour).unwrap_or(i32::MAX) {
        drop(tx);
        Event::new(AuditEvent::RefreshRefused)
            .on(&account.user)
            .from(address)
            .detail("too many refreshes")
            .folded(&found.id.to_string(), REFRESH_WINDOW)
            .record(&state.pool)
            .await?;
        let retry_after = found.window_left.ceil().max(1.0) as u64;
        return Err(AppError::rate_limited("refreshes of this session", retry_after));
    }
    let seed: [u8; SEED_BYTES] = rand::random();
    let row = sqlx::query!(
        r#"
        update sessions
        set refresh_generation = refresh_generation + $2,
            refresh_grace_until = case when $2 = 1 then now() + make_interval(secs => $3)
                                       else refresh_grace_until end,
            expires_at = least(now() + make_interval(secs => $4), max_expires_at),
            last_seen_at = now(),
            refresh_seed = coalesce(refresh_seed, $5),
            refresh_count = case when $6 then refresh_count + 1 else 1 end,
            refresh_window_start = case when $6 then refresh_window_start else now() end
        where id = $1
        returning refresh_generation, refresh_seed as "refresh_seed!",
                  extract(epoch from expires_at - now())::float8 as "lives_for!"
        "#,
        found.id,
        i32::from(standing == Standing::Current),
        state.sessions.reuse_grace.as_secs_f64(),
        state.sessions.ttl(found.remember).as_secs_f64(),
        &seed[..],
        found.window_open,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let refresh = RefreshToken::new(&state.key, found.id, row.refresh_generation, &row.refresh_seed);
    issue(state, account.user, account.token_version, refresh, row.lives_for)
}
