//! Session rows as the other services read and end them: one session, all of an account's, the
//! live ones for the session list, and the purge. No service, no state: plain queries on an
//! executor, so credential changes (`identity::lifecycle`) can end sessions in their own
//! transaction.

use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::error::Result;
use crate::model::SessionInfo;

/// Ends the session `session`, whoever it belongs to (reuse of its refresh token was detected).
///
/// # Errors
/// `Internal` when the database fails.
pub async fn end_in(conn: &mut PgConnection, session: Uuid, reason: &str) -> Result<()> {
    sqlx::query!(
        "update sessions set ended_at = now(), ended_reason = $2 where id = $1 and ended_at is null",
        session,
        reason,
    )
    .execute(conn)
    .await?;
    super::changes::note();
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
    if done.rows_affected() > 0 {
        super::changes::note();
    }
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
    if done.rows_affected() > 0 {
        super::changes::note();
    }
    Ok(done.rows_affected())
}

/// Ends the live sessions of `user` beyond the `keep` most recently used; returns how many.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn end_beyond(conn: &mut PgConnection, user: Uuid, keep: i64) -> Result<u64> {
    let done = sqlx::query!(
        r#"
        update sessions set ended_at = now(), ended_reason = 'too many sessions'
        where id in (select id from sessions where user_id = $1 and ended_at is null
                     order by last_seen_at desc, created_at desc offset $2)
        "#,
        user,
        keep,
    )
    .execute(conn)
    .await?;
    if done.rows_affected() > 0 {
        super::changes::note();
    }
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

/// Deletes sessions ended or expired more than a day ago; returns how many. Nothing else of a
/// session is kept: its refresh chain lives in its row, so reuse is recognised for as long as the
/// session lives (and the few refresh tokens from before the chain go with their session).
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
    Ok(sessions)
}
