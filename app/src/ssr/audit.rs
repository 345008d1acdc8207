//! The audit log: sign-ins (both outcomes, with the address), sign-outs, password changes, role
//! changes and account disabling, written to PostgreSQL and shown on the Admin board.

use std::net::IpAddr;

use sqlx::{PgExecutor, PgPool};

use super::users::internal;
use crate::error::Result;
use crate::model::{AuditEntry, AuditEvent, PublicUser};

/// Longest typed login kept for a failed sign-in (the column's check allows 100).
const LOGIN_MAX_CHARS: usize = 100;

/// One event to record; fill in what applies.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    kind: AuditEvent,
    actor: Option<&'a PublicUser>,
    subject: Option<&'a PublicUser>,
    login: Option<String>,
    address: Option<IpAddr>,
    detail: Option<String>,
}

impl<'a> Event<'a> {
    /// An event of `kind` with nothing else known yet.
    pub fn new(kind: AuditEvent) -> Self {
        Event { kind, actor: None, subject: None, login: None, address: None, detail: None }
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

    /// The username typed at sign-in.
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

    /// Writes the event.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn record(self, executor: impl PgExecutor<'_>) -> Result<()> {
        sqlx::query!(
            r#"
            insert into audit_log (event, actor_id, actor_name, subject_id, subject_name, login, address, detail)
            values ($1, $2, $3, $4, $5, $6, $7, $8)
            "#,
            self.kind as AuditEvent,
            self.actor.map(|user| user.id),
            self.actor.map(|user| user.username.as_str()),
            self.subject.map(|user| user.id),
            self.subject.map(|user| user.username.as_str()),
            self.login,
            self.address as Option<IpAddr>,
            self.detail,
        )
        .execute(executor)
        .await
        .map_err(internal)?;
        Ok(())
    }
}

/// The newest `limit` entries, newest first.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn latest(pool: &PgPool, limit: i64) -> Result<Vec<AuditEntry>> {
    sqlx::query_as!(
        AuditEntry,
        r#"
        select id, extract(epoch from at)::bigint as "at!", event as "event: AuditEvent",
               actor_name as actor, subject_name as subject, login, host(address) as address, detail
        from audit_log
        order by id desc
        limit $1
        "#,
        limit,
    )
    .fetch_all(pool)
    .await
    .map_err(internal)
}
