//! Sign-in throttling: after too many failed attempts for one account, or from one client address,
//! within a window, further attempts are refused with 429 until enough failures age out.
//!
//! The failures are rows in PostgreSQL, so every server instance behind a load balancer counts the
//! same attempts. A success clears the account's failures; the address's stay (one client spraying
//! many accounts is exactly what the per-address limit is for).

use std::net::IpAddr;
use std::time::Duration;

use sqlx::{PgExecutor, PgPool};

use super::users::{Credentials, internal};
use crate::error::{AppError, Result};
use crate::model::PublicUser;
use crate::roles::Role;

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

/// What a sign-in needs before checking the password, read in one round trip.
pub struct SigninLookup {
    /// The account named by the login, if there is one.
    pub account: Option<Credentials>,
    /// The key its failures are counted under (see [`account_key`]).
    pub key: String,
    /// Whether the key has failures on record (so a success has something to clear).
    pub has_failures: bool,
    /// `TooManyAttempts` when the account or the address is locked.
    pub refusal: Option<AppError>,
}

impl ThrottleLimits {
    /// Finds the account signing in (by username or email, ignoring case) and checks both limits,
    /// in one query: sign-in is bcrypt-bound, and every other statement costs CPU bcrypt could use.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn lookup(&self, pool: &PgPool, login: &str, address: IpAddr) -> Result<SigninLookup> {
        let row = sqlx::query!(
            r#"
            with account as (
                select id, name, username, email, password_hash, token_version,
                       disabled_at is not null as disabled, roles
                from accounts
                where lower(username) = lower($1) or lower(email) = lower($1)
                limit 1
            ), throttle as (
                select coalesce((select id::text from account), 'login:' || lower($1)) as key
            )
            select a.id as "id?", a.name as "name?", a.username as "username?", a.email as "email?",
                   a.password_hash as "password_hash?", a.token_version as "token_version?",
                   a.disabled as "disabled?", a.roles as "roles?: Vec<Role>", t.key as "key!",
                   exists(select 1 from signin_failures f where f.account = t.key) as "has_failures!",
                   (select extract(epoch from f.failed_at + make_interval(secs => $3) - now())::float8
                      from signin_failures f
                     where f.account = t.key and f.failed_at > now() - make_interval(secs => $3)
                     order by f.failed_at desc offset $4 - 1 limit 1) as account_wait,
                   (select extract(epoch from f.failed_at + make_interval(secs => $3) - now())::float8
                      from signin_failures f
                     where f.address = $2 and f.failed_at > now() - make_interval(secs => $3)
                     order by f.failed_at desc offset $5 - 1 limit 1) as address_wait
            from throttle t left join account a on true
            "#,
            login.trim(),
            address as IpAddr,
            self.window.as_secs_f64(),
            self.per_account,
            self.per_address,
        )
        .fetch_one(pool)
        .await
        .map_err(internal)?;
        let account = match (row.id, row.name, row.username, row.email, row.password_hash, row.roles) {
            (Some(id), Some(name), Some(username), Some(email), Some(password_hash), Some(roles)) => {
                Some(Credentials {
                    user: PublicUser { id, name, username, email, roles },
                    password_hash,
                    token_version: row.token_version.unwrap_or_default(),
                    disabled: row.disabled.unwrap_or_default(),
                })
            }
            _ => None,
        };
        Ok(SigninLookup {
            account,
            key: row.key,
            has_failures: row.has_failures,
            refusal: refusal(row.account_wait, row.address_wait),
        })
    }

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
        refusal(row.account_wait, row.address_wait).map_or(Ok(()), Err)
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

/// `TooManyAttempts` for the longer of the two waits, if either limit is reached.
fn refusal(account_wait: Option<f64>, address_wait: Option<f64>) -> Option<AppError> {
    account_wait
        .into_iter()
        .chain(address_wait)
        .reduce(f64::max)
        .map(|wait| AppError::TooManyAttempts { retry_after: wait.ceil().max(1.0) as u64 })
}

/// The key an existing account's failures are counted under (its id), as [`ThrottleLimits::lookup`]
/// computes it; a login that names no account is counted under `login:<lower-cased login>`, so
/// unknown accounts are throttled exactly like real ones.
pub fn account_key(user: uuid::Uuid) -> String {
    user.to_string()
}
