//! Sessions as rows: every sign-in is one, with the device it came from; access tokens name it,
//! refresh tokens renew it, and ending it ends all of its tokens at once.
//!
//! Refresh tokens rotate: each refresh spends the token presented and hands out a new one. A spent
//! token presented again is either a second tab that refreshed at the same moment (honoured within
//! `REFRESH_REUSE_GRACE_SECS` of the spending, as Supabase does) or a stolen copy: after the grace it
//! ends the whole session, the thief's tokens and the owner's alike.

use std::net::IpAddr;
use std::time::Duration;

use http::HeaderMap;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::audit::Event;
use super::state::AppState;
use super::throttle::hex;
use super::users::{self, Account};
use crate::error::{AppError, Result};
use crate::model::{AuditEvent, PublicUser, Session, SessionInfo};

/// Longest user agent kept (the column allows 300).
const USER_AGENT_MAX_CHARS: usize = 300;
/// Length of a refresh token, in characters (256 random bits in hexadecimal).
const REFRESH_TOKEN_CHARS: usize = 64;

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// `REFRESH_TTL_SECS`: a refresh token's life without "keep me signed in" (default 1 day).
    pub refresh_ttl: Duration,
    /// `REMEMBER_TTL_SECS`: with it (default 30 days).
    pub remember_ttl: Duration,
    /// `REFRESH_REUSE_GRACE_SECS`: how long a just-spent refresh token is still honoured (10 s).
    pub reuse_grace: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            refresh_ttl: Duration::from_secs(24 * 60 * 60),
            remember_ttl: Duration::from_secs(30 * 24 * 60 * 60),
            reuse_grace: Duration::from_secs(10),
        }
    }
}

impl SessionSettings {
    fn ttl(&self, remember: bool) -> Duration {
        if remember { self.remember_ttl } else { self.refresh_ttl }
    }
}

/// Where a sign-in comes from, as the session list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    /// The client's address.
    pub address: Option<IpAddr>,
    /// Its `User-Agent`, cut to 300 characters.
    pub user_agent: Option<String>,
}

impl axum::extract::FromRequestParts<AppState> for Device {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let address = super::address::client_address(parts, &state.trusted_proxies);
        Ok(Device::new(&parts.headers, address))
    }
}

impl Device {
    /// The device sending `headers` from `address`.
    pub fn new(headers: &HeaderMap, address: IpAddr) -> Self {
        let user_agent = headers
            .get(http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| {
                agent.chars().filter(|c| !c.is_control()).take(USER_AGENT_MAX_CHARS).collect::<String>()
            })
            .filter(|agent| !agent.trim().is_empty());
        Device { address: Some(address), user_agent }
    }
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A fresh refresh token and its hash.
fn new_refresh_token() -> (String, Vec<u8>) {
    let token = hex(&rand::random::<[u8; 32]>());
    let hashed = hash(&token);
    (token, hashed)
}

/// Starts a session for `account` and returns what the client gets: an access token, a refresh
/// token and the user.
///
/// # Errors
/// `Internal` when the database fails or a token cannot be signed.
pub async fn start(state: &AppState, account: Account, remember: bool, device: &Device) -> Result<Session> {
    let ttl = state.sessions.ttl(remember);
    let (refresh, refresh_hash) = new_refresh_token();
    // One statement: the session and its first refresh token exist together or not at all.
    let session = sqlx::query_scalar!(
        r#"
        with session as (
            insert into sessions (user_id, expires_at, remember, user_agent, address)
            values ($1, now() + make_interval(secs => $2), $3, $4, $5)
            returning id
        )
        insert into refresh_tokens (hash, session_id) select $6, id from session
        returning session_id
        "#,
        account.user.id,
        ttl.as_secs_f64(),
        remember,
        device.user_agent,
        device.address as Option<IpAddr>,
        refresh_hash,
    )
    .fetch_one(&state.pool)
    .await?;
    issue(state, account.user, account.token_version, session, refresh, ttl)
}

async fn insert_refresh(conn: &mut PgConnection, session: Uuid, refresh_hash: &[u8]) -> Result<()> {
    sqlx::query!("insert into refresh_tokens (hash, session_id) values ($1, $2)", refresh_hash, session)
        .execute(conn)
        .await?;
    Ok(())
}

/// The client's view of a session: a signed access token and the refresh token.
fn issue(
    state: &AppState,
    user: PublicUser,
    version: i32,
    session: Uuid,
    refresh: String,
    refresh_ttl: Duration,
) -> Result<Session> {
    let (access_token, claims) = state.tokens.issue(user.id, version, session)?;
    Ok(Session {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl().as_secs(),
        expires_at: claims.exp,
        refresh_token: refresh,
        refresh_expires_in: refresh_ttl.as_secs(),
        user,
    })
}

/// New tokens for the live session `session` (after a password change, which bumps the token
/// version): its refresh tokens are replaced by a new one.
///
/// # Errors
/// `Internal` when the database fails or a token cannot be signed.
pub async fn reissue(state: &AppState, user: PublicUser, version: i32, session: Uuid) -> Result<Session> {
    let (refresh, refresh_hash) = new_refresh_token();
    let mut tx = state.pool.begin().await?;
    let remember = sqlx::query_scalar!("select remember from sessions where id = $1", session)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(AppError::session_ended)?;
    sqlx::query!("delete from refresh_tokens where session_id = $1", session).execute(&mut *tx).await?;
    insert_refresh(&mut tx, session, &refresh_hash).await?;
    tx.commit().await?;
    issue(state, user, version, session, refresh, state.sessions.ttl(remember))
}

/// `POST /api/auth/refresh`: trades a refresh token for a new access token and a new refresh token.
///
/// # Errors
/// `Unauthorized` for an unknown token or an ended, expired or disabled account's session;
/// `RefreshTokenReused` (and the session ends) for a token spent longer ago than the grace;
/// `Internal`.
pub async fn refresh(state: &AppState, token: &str, address: IpAddr) -> Result<Session> {
    if token.len() != REFRESH_TOKEN_CHARS || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::session_ended());
    }
    let mut tx = state.pool.begin().await?;
    // The session row is locked, so two refreshes of one session are applied one after the other.
    let Some(found) = sqlx::query!(
        r#"
        select s.id as session, s.user_id, s.remember, s.ended_at is not null as "ended!",
               s.expires_at <= now() as "expired!",
               t.spent_at is not null as "spent!",
               coalesce(t.spent_at > now() - make_interval(secs => $2), false) as "in_grace!"
        from refresh_tokens t join sessions s on s.id = t.session_id
        where t.hash = $1
        for update of s
        "#,
        hash(token),
        state.sessions.reuse_grace.as_secs_f64(),
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Err(AppError::session_ended());
    };
    if found.ended {
        return Err(AppError::session_ended());
    }
    if found.expired {
        return Err(AppError::token_expired());
    }
    let account = users::find(&mut *tx, found.user_id).await?;
    if found.spent && !found.in_grace {
        end_in(&mut tx, found.session, "refresh token reused").await?;
        Event::new(AuditEvent::RefreshTokenReused).on(&account.user).from(address).record(&mut *tx).await?;
        tx.commit().await?;
        tracing::warn!(user = %account.user.id, session = %found.session, "a spent refresh token was presented: session ended");
        return Err(AppError::RefreshTokenReused);
    }
    if account.disabled {
        return Err(AppError::account_disabled_token());
    }
    if !found.spent {
        sqlx::query!("update refresh_tokens set spent_at = now() where hash = $1", hash(token))
            .execute(&mut *tx)
            .await?;
    }
    let ttl = state.sessions.ttl(found.remember);
    let (refresh, refresh_hash) = new_refresh_token();
    insert_refresh(&mut tx, found.session, &refresh_hash).await?;
    sqlx::query!(
        r#"
        update sessions set last_seen_at = now(), expires_at = now() + make_interval(secs => $2)
        where id = $1
        "#,
        found.session,
        ttl.as_secs_f64(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    issue(state, account.user, account.token_version, found.session, refresh, ttl)
}

async fn end_in(conn: &mut PgConnection, session: Uuid, reason: &str) -> Result<()> {
    sqlx::query!(
        "update sessions set ended_at = now(), ended_reason = $2 where id = $1 and ended_at is null",
        session,
        reason,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the session `session` of `user`; returns whether there was such a live session.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn end(executor: impl PgExecutor<'_>, user: Uuid, session: Uuid, reason: &str) -> Result<bool> {
    let done = sqlx::query!(
        r#"
        update sessions set ended_at = now(), ended_reason = $3
        where id = $2 and user_id = $1 and ended_at is null
        "#,
        user,
        session,
        reason,
    )
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every live session of `user` but `except`; returns how many.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn end_all(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    except: Option<Uuid>,
    reason: &str,
) -> Result<u64> {
    let done = sqlx::query!(
        r#"
        update sessions set ended_at = now(), ended_reason = $3
        where user_id = $1 and ended_at is null and id is distinct from $2
        "#,
        user,
        except,
        reason,
    )
    .execute(executor)
    .await?;
    Ok(done.rows_affected())
}

/// The live sessions of `user`, the most recently used first; `current` marks `current`.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn list(pool: &PgPool, user: Uuid, current: Uuid) -> Result<Vec<SessionInfo>> {
    Ok(sqlx::query_as!(
        SessionInfo,
        r#"
        select id, extract(epoch from created_at)::bigint as "created_at!",
               extract(epoch from last_seen_at)::bigint as "last_seen_at!",
               user_agent, host(address) as address, id = $2 as "current!"
        from sessions
        where user_id = $1 and ended_at is null and expires_at > now()
        order by last_seen_at desc
        "#,
        user,
        current,
    )
    .fetch_all(pool)
    .await?)
}

/// Deletes sessions ended or expired more than a day ago (their refresh tokens go with them), and
/// spent refresh tokens past any grace; returns how many rows went.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn purge(pool: &PgPool) -> Result<u64> {
    let sessions = sqlx::query!(
        r#"
        delete from sessions
        where coalesce(ended_at, expires_at) < now() - interval '1 day'
        "#
    )
    .execute(pool)
    .await?
    .rows_affected();
    let tokens = sqlx::query!("delete from refresh_tokens where spent_at < now() - interval '1 day'")
        .execute(pool)
        .await?
        .rows_affected();
    Ok(sessions + tokens)
}
