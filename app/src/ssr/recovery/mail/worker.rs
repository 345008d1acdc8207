//! The background worker that empties the outbox.
//!
//! Each mail is sent inside its own transaction that holds the mail's row lock (`for update skip
//! locked`): several server instances share one outbox without sending a mail twice, and a mail
//! whose instance dies mid-send is unlocked and sent again by the next one. A failed send is retried
//! after `retry_base`, then twice as long each time (at most an hour), and given up after
//! [`MAX_ATTEMPTS`] (the row stays, marked failed, for an operator).

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncTransport, Message};
use uuid::Uuid;

use super::Mailer;
use crate::error::Result;

/// How often the outbox is looked at when nothing wakes the worker.
const POLL: Duration = Duration::from_secs(5);
/// Attempts before a mail is given up (with the default 5 s base, about four hours of retries).
pub const MAX_ATTEMPTS: i32 = 12;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

/// Starts the worker on the runtime, for as long as the runtime runs.
pub fn spawn(pool: sqlx::PgPool, mailer: Mailer) -> tokio::task::JoinHandle<()> {
    let (keep, stop) = tokio::sync::watch::channel(false);
    // Never told to stop: the sender lives as long as the worker.
    spawn_until(pool, mailer, stop, Some(keep))
}

/// Starts the worker; it stops when `stop` turns true (or its sender is dropped). A mail being
/// sent then is finished and its row committed; no other is claimed, so every row lock this
/// instance held is released and the next instance's worker sends what is left.
pub fn spawn_stoppable(
    pool: sqlx::PgPool,
    mailer: Mailer,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    spawn_until(pool, mailer, stop, None)
}

fn spawn_until(
    pool: sqlx::PgPool,
    mailer: Mailer,
    mut stop: tokio::sync::watch::Receiver<bool>,
    keep: Option<tokio::sync::watch::Sender<bool>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let _keep = keep;
        if !mailer.delivers() {
            tracing::warn!("SMTP_URL is not set: mails wait in the outbox until a mail server is configured");
            return;
        }
        let stopping =
            |stop: &tokio::sync::watch::Receiver<bool>| *stop.borrow() || stop.has_changed().is_err();
        while !stopping(&stop) {
            // Failures are logged where they happen; the next round tries again.
            while !stopping(&stop) && matches!(send_next(&pool, &mailer).await, Ok(true)) {}
            tokio::select! {
                () = mailer.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => {}
            }
        }
        tracing::info!("mail worker stopped; unsent mails are left to the other instances");
    })
}

/// A mail due now, as the worker reads it.
struct Due {
    id: i64,
    user_id: Option<Uuid>,
    recipient: String,
    subject: String,
    text_body: Option<String>,
    html_body: Option<String>,
    sealed_body: Option<Vec<u8>>,
    sealed_nonce: Option<Vec<u8>>,
    attempts: i32,
}

/// Sends the oldest due mail, if there is one; returns whether there was.
///
/// # Errors
/// `Internal`/`Unavailable` when the database fails.
pub async fn send_next(pool: &sqlx::PgPool, mailer: &Mailer) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let due = sqlx::query_as!(
        Due,
        r#"
        select id, user_id, recipient, subject, text_body, html_body, sealed_body, sealed_nonce, attempts
        from outbox
        where sent_at is null and failed_at is null and next_attempt_at <= now()
        order by id
        limit 1
        for update skip locked
        "#,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(due) = due else {
        return Ok(false);
    };
    match deliver(mailer, &due).await {
        Ok(()) => {
            // The body goes with the sending: its link must not outlive the mail in the database.
            sqlx::query!(
                r#"
                update outbox
                set sent_at = now(), attempts = attempts + 1,
                    text_body = null, html_body = null, sealed_body = null, sealed_nonce = null
                where id = $1
                "#,
                due.id,
            )
            .execute(&mut *tx)
            .await?;
            tracing::info!(outbox = due.id, user = ?due.user_id, "mail sent");
        }
        Err(error) => {
            let attempts = due.attempts + 1;
            let wait = backoff(mailer.retry_base, attempts);
            let give_up = attempts >= MAX_ATTEMPTS;
            sqlx::query!(
                r#"
                update outbox
                set attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4),
                    failed_at = case when $5 then now() end,
                    text_body = case when $5 then null else text_body end,
                    html_body = case when $5 then null else html_body end,
                    sealed_body = case when $5 then null else sealed_body end,
                    sealed_nonce = case when $5 then null else sealed_nonce end
                where id = $1
                "#,
                due.id,
                attempts,
                error,
                wait.as_secs_f64(),
                give_up,
            )
            .execute(&mut *tx)
            .await?;
            if give_up {
                tracing::error!(outbox = due.id, user = ?due.user_id, attempts, %error, "mail given up");
            } else {
                tracing::warn!(outbox = due.id, user = ?due.user_id, attempts, %error, retry_in = ?wait, "mail not sent");
            }
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Mails waiting to be sent (not sent, not given up).
///
/// # Errors
/// `Internal` when the database fails.
pub async fn backlog(pool: &sqlx::PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from outbox where sent_at is null and failed_at is null"#
    )
    .fetch_one(pool)
    .await?)
}

/// Deletes mails sent or given up longer than `retention` ago (`MAIL_RETENTION_DAYS`); returns
/// how many. Their bodies are gone already; what is left (recipient, subject, times, error) is
/// what an operator looks at while a delivery problem is fresh.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn purge(pool: &sqlx::PgPool, retention: Duration) -> Result<u64> {
    Ok(sqlx::query!(
        r#"
        delete from outbox
        where coalesce(sent_at, failed_at) < now() - make_interval(secs => $1)
        "#,
        retention.as_secs_f64(),
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// How long to wait after the `attempts`-th failure.
fn backoff(base: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(16);
    base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

/// Hands one mail to the SMTP server.
async fn deliver(mailer: &Mailer, due: &Due) -> Result<(), String> {
    let transport = mailer.transport.as_ref().ok_or("no SMTP server configured")?;
    let to: Mailbox = due.recipient.parse().map_err(|err| format!("bad recipient: {err}"))?;
    let sealed = due.sealed_body.as_deref().zip(due.sealed_nonce.as_deref());
    let (text, html) = mailer
        .open_body(sealed, (due.text_body.as_deref(), due.html_body.as_deref()))
        .map_err(|_| "the sealed body could not be opened (was ENCRYPTION_KEY changed?)".to_owned())?;
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(&due.subject)
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|err| format!("could not build the mail: {err}"))?;
    transport.send(message).await.map(drop).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 4), Duration::from_secs(40));
        assert_eq!(backoff(base, 30), MAX_BACKOFF);
    }
}
