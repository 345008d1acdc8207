//! Sign-in throttling: after too many failed attempts for one account, or from one client address,
//! within a window, further attempts are refused with 429 until enough failures age out.
//!
//! The failures are rows in PostgreSQL, so every server instance behind a load balancer counts the
//! same attempts. A success clears the account's failures; the address's stay (one client spraying
//! many accounts is exactly what the per-address limit is for).

use std::net::IpAddr;
use std::time::Duration;

use sqlx::{PgExecutor, PgPool};

use super::users::internal;
use crate::error::{AppError, Result};

/// How many failures are tolerated, and for how long they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failures per account within the window before it is locked (default 5).
    pub per_account: i32,
    /// Failures per client address within the window, over all accounts (default 50).
    pub per_address: i32,
    /// How long a failure counts (default 15 minutes).
    pub window: Duration,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits { per_account: 5, per_address: 50, window: Duration::from_secs(15 * 60) }
    }
}

impl ThrottleLimits {
    /// Refuses an attempt when the account or the address already has too many recent failures.
    ///
    /// # Errors
    /// `TooManyAttempts` with the seconds until the oldest counted failure leaves the window;
    /// `Internal` when the database fails.
    pub async fn check(&self, pool: &PgPool, account: &str, address: IpAddr) -> Result<()> {
        // For each limit: the N-th most recent failure inside the window, if there is one, and how
        // long until it leaves the window. One round trip for both limits.
        let row = sqlx::query!(
            r#"
            select
              (select extract(epoch from failed_at + make_interval(secs => $3) - now())::float8
                 from signin_failures
                where account = $1 and failed_at > now() - make_interval(secs => $3)
                order by failed_at desc offset $4 - 1 limit 1) as account_wait,
              (select extract(epoch from failed_at + make_interval(secs => $3) - now())::float8
                 from signin_failures
                where address = $2 and failed_at > now() - make_interval(secs => $3)
                order by failed_at desc offset $5 - 1 limit 1) as address_wait
            "#,
            account,
            address as IpAddr,
            self.window.as_secs_f64(),
            self.per_account,
            self.per_address,
        )
        .fetch_one(pool)
        .await
        .map_err(internal)?;
        match row.account_wait.into_iter().chain(row.address_wait).reduce(f64::max) {
            Some(wait) => Err(AppError::TooManyAttempts { retry_after: wait.ceil().max(1.0) as u64 }),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn record_failure(&self, pool: &PgPool, account: &str, address: IpAddr) -> Result<()> {
        sqlx::query!(
            "insert into signin_failures (account, address) values ($1, $2)",
            account,
            address as IpAddr,
        )
        .execute(pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    /// Forgets an account's failures after a successful sign-in.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn clear(&self, pool: &PgPool, account: &str) -> Result<()> {
        sqlx::query!("delete from signin_failures where account = $1", account)
            .execute(pool)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Deletes failures that no longer count; returns how many.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn purge(&self, executor: impl PgExecutor<'_>) -> Result<u64> {
        sqlx::query!(
            "delete from signin_failures where failed_at < now() - make_interval(secs => $1)",
            self.window.as_secs_f64(),
        )
        .execute(executor)
        .await
        .map(|done| done.rows_affected())
        .map_err(internal)
    }
}

/// The key failures are counted under: the account's id when it exists, else the login as typed
/// (lower-cased), so unknown accounts are throttled exactly like real ones.
pub fn account_key(user: Option<uuid::Uuid>, login: &str) -> String {
    match user {
        Some(id) => id.to_string(),
        None => format!("login:{}", login.trim().to_lowercase()),
    }
}
