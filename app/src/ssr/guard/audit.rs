//! The audit log: sign-ins (both outcomes, with the address), sign-outs, password changes, role
//! changes and account disabling, written to PostgreSQL and shown on the Admin board.
//!
//! Refusals by the throttle are *folded*: one entry per key and window whose `count` grows, so a
//! flood of attempts adds one row rather than burying everything else. Entries older than
//! `AUDIT_RETENTION_DAYS` are purged by the housekeeping task.

use std::net::IpAddr;
use std::time::Duration;

use sqlx::PgExecutor;

use crate::error::Result;
use crate::model::{AuditEntry, AuditEvent, PublicUser};

/// Longest typed login kept for a failed sign-in (the column's check allows 100).
const LOGIN_MAX_CHARS: usize = 100;

/// Most entries one read returns.
pub const MAX_ENTRIES: i64 = 200;

/// One event to record; fill in what applies.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    kind: AuditEvent,
    actor: Option<&'a PublicUser>,
    subject: Option<&'a PublicUser>,
    login: Option<String>,
    address: Option<IpAddr>,
    detail: Option<String>,
    fold_key: Option<String>,
}

impl<'a> Event<'a> {
    /// An event of `kind` with nothing else known yet.
    pub fn new(kind: AuditEvent) -> Self {
        Event { kind, actor: None, subject: None, login: None, address: None, detail: None, fold_key: None }
    }

    /// Who acted.
    pub fn by(mut self, actor: &'a PublicUser) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Whose account it concerns.
    pub fn on(mut self, subject: &'a PublicUser) -> Self {
        self.subject = Some(subject);
        self
    }

    /// Whose account it concerns, when it may be none (a login that names no account).
    pub fn on_maybe(self, subject: Option<&'a PublicUser>) -> Self {
        match subject {
            Some(subject) => self.on(subject),
            None => self,
        }
    }

    /// The username typed at sign-in (cut to 100 characters).
    pub fn login(mut self, login: &str) -> Self {
        self.login = Some(login.trim().chars().take(LOGIN_MAX_CHARS).collect());
        self
    }

    /// The client's address.
    pub fn from(mut self, address: IpAddr) -> Self {
        self.address = Some(address);
        self
    }

    /// A detail such as the role granted.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Folds this event into one entry per `key` and `window`: the first occurrence is written,
    /// later ones in the same window only count up. For refusals, which come in floods.
    pub fn folded(mut self, key: &str, window: Duration) -> Self {
        let window = window.as_secs().max(1);
        let bucket = chrono::Utc::now().timestamp().max(0) as u64 / window;
        let key: String = key.chars().take(150).collect();
        self.fold_key = Some(format!("{}:{key}:{bucket}", self.kind.as_str()));
        self
    }

    /// Writes the event.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn record(self, executor: impl PgExecutor<'_>) -> Result<()> {
        sqlx::query!(
            r#"
            insert into audit_log (event, actor_id, actor_name, subject_id, subject_name, login, address, detail, fold_key)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            on conflict (fold_key) where fold_key is not null
            do update set count = audit_log.count + 1
            "#,
            self.kind as AuditEvent,
            self.actor.map(|user| user.id),
            self.actor.map(|user| user.username.as_str()),
            self.subject.map(|user| user.id),
            self.subject.map(|user| user.username.as_str()),
            self.login,
            self.address as Option<IpAddr>,
            self.detail,
            self.fold_key,
        )
        .execute(executor)
        .await?;
        Ok(())
    }
}

/// Counts a sign-in's outcome (metric `signin_total`): every door that ends a sign-in attempt (the
/// password step, the second factor) counts here.
pub fn count_signin(outcome: &'static str) {
    metrics::counter!("signin_total", "outcome" => outcome).increment(1);
}

/// The newest `limit` entries, newest first.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn latest(executor: impl PgExecutor<'_>, limit: i64) -> Result<Vec<AuditEntry>> {
    Ok(sqlx::query_as!(
        AuditEntry,
        r#"
        select id, extract(epoch from at)::bigint as "at!", event as "event: AuditEvent",
               actor_name as actor, subject_name as subject, login, host(address) as address, detail, count
        from audit_log
        order by id desc
        limit $1
        "#,
        limit.clamp(1, MAX_ENTRIES),
    )
    .fetch_all(executor)
    .await?)
}

/// Deletes entries older than `retention`; returns how many.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn purge(executor: impl PgExecutor<'_>, retention: Duration) -> Result<u64> {
    Ok(sqlx::query!(
        "delete from audit_log where at < now() - make_interval(secs => $1)",
        retention.as_secs_f64(),
    )
    .execute(executor)
    .await?
    .rows_affected())
}
