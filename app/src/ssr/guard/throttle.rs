//! Throttling: how many attempts a key or an address may make within a window, counted in
//! PostgreSQL so every server instance behind a load balancer counts the same attempts.
//!
//! An attempt takes its slot *before* the expensive or secret-dependent work (a bcrypt check, a
//! code check, a sign-up's hash), in one statement that counts and inserts under per-key and
//! per-address advisory locks (`take_throttle_slot`, see the migrations). However many requests
//! arrive at once, no more than the limit are checked at a time.
//!
//! Checks of secrets take *pending* slots. A success gives its slot back ([`Throttle::succeeded`]),
//! a failure keeps it as a failure ([`Throttle::failed`]). A request that only the attempts still
//! in flight would push over a limit waits for them to resolve, then goes ahead or is refused on the
//! real count: twenty concurrent sign-ins with the right password all succeed, forty with a wrong
//! one get exactly the limit's worth of checks. A pending slot whose check never reports (a crash)
//! counts as a failure after [`PENDING_SECS`].
//!
//! This module only counts. Which key an attempt is counted under is the caller's business (the
//! account service builds [`ThrottleKey`]s).

use std::net::IpAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool};

use super::address::throttle_address;
use crate::error::Result;
use crate::ssr::secrets::hex;

/// How long a pending slot waits for its check to report before it counts as a failure.
pub const PENDING_SECS: u64 = 20;
/// The longest a request waits for attempts in flight before it is refused (429, retry in a few
/// seconds): under the 30-second request timeout, so a client hears 429 rather than 408.
const MAX_WAIT: Duration = Duration::from_secs(25);

/// What is being limited. Each scope has its own counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Password checks: sign-in, and the current password wherever a change asks for it.
    Signin,
    /// Every sign-in attempt from one address, right or wrong.
    SigninAttempt,
    /// Second-factor codes (TOTP and recovery codes), wherever one is checked: counted apart from
    /// passwords, so a right password never buys more code guesses.
    Mfa,
    /// Account creation.
    Signup,
    /// Mails asked for: password resets, verification links, changes of address.
    Mail,
    /// Changes of address asked for, per account.
    EmailChange,
}

impl Scope {
    /// The name stored in `throttle_slots.scope`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Signin => "signin",
            Scope::SigninAttempt => "signin_attempt",
            Scope::Mfa => "mfa",
            Scope::Signup => "signup",
            Scope::Mail => "mail",
            Scope::EmailChange => "email_change",
        }
    }

    /// Whether attempts in this scope check a secret, and so take pending slots that a success
    /// gives back.
    fn checks_a_secret(self) -> bool {
        matches!(self, Scope::Signin | Scope::Mfa)
    }
}

/// The limits of one scope. `None` means no limit of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Attempts for one key from one address.
    pub per_pair: Option<i32>,
    /// Attempts for one key from all addresses together.
    pub per_key: Option<i32>,
    /// Attempts from one address for all keys together.
    pub per_address: Option<i32>,
    /// How long an attempt counts.
    pub window: Duration,
}

/// Every throttled scope's limits, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Password checks.
    pub signin: Limits,
    /// Sign-in attempts per address, right or wrong.
    pub signin_attempts: Limits,
    /// Second-factor code checks.
    pub mfa: Limits,
    /// Sign-ups.
    pub signup: Limits,
    /// Mails asked for, per recipient address and per asking address.
    pub mail: Limits,
    /// Changes of address asked for, per account.
    pub email_change: Limits,
}

impl Default for Throttle {
    /// OWASP's shape: a tight limit per account and address (5 per 15 minutes), so one address
    /// cannot lock the owner out from another, and a looser one per account over all addresses
    /// (100), which still bounds distributed guessing; 50 failures per address over all accounts,
    /// and 300 attempts per address, right or wrong, in 15 minutes.
    /// Codes: 5 failures per account and address, 20 per account, in 15 minutes. 20 sign-ups per
    /// address and hour; 5 mails per recipient and 20 per asking address an hour; 5 changes of
    /// address per account an hour.
    fn default() -> Self {
        Throttle {
            signin: Limits {
                per_pair: Some(5),
                per_key: Some(100),
                per_address: Some(50),
                window: Duration::from_secs(15 * 60),
            },
            signin_attempts: Limits {
                per_pair: None,
                per_key: None,
                per_address: Some(300),
                window: Duration::from_secs(15 * 60),
            },
            mfa: Limits {
                per_pair: Some(5),
                per_key: Some(20),
                per_address: None,
                window: Duration::from_secs(15 * 60),
            },
            signup: Limits {
                per_pair: None,
                per_key: None,
                per_address: Some(20),
                window: Duration::from_secs(60 * 60),
            },
            mail: Limits {
                per_pair: None,
                per_key: Some(5),
                per_address: Some(20),
                window: Duration::from_secs(60 * 60),
            },
            email_change: Limits {
                per_pair: None,
                per_key: Some(5),
                per_address: None,
                window: Duration::from_secs(60 * 60),
            },
        }
    }
}

/// Whose attempts are counted together. At most 70 characters, whatever was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKey(String);

impl ThrottleKey {
    /// An existing account: its id.
    pub fn account(id: uuid::Uuid) -> Self {
        ThrottleKey(id.to_string())
    }

    /// A login that names no account: a hash of it, ignoring case, so guesses at unknown accounts
    /// are throttled exactly like guesses at real ones and an 8 KB login is stored in 70 bytes.
    pub fn unknown_login(login: &str) -> Self {
        let digest = Sha256::digest(login.trim().to_lowercase().as_bytes());
        ThrottleKey(format!("login:{}", hex(&digest)))
    }

    /// A recipient's address, ignoring case, hashed like unknown logins.
    pub fn email(email: &str) -> Self {
        let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
        ThrottleKey(format!("email:{}", hex(&digest)))
    }

    /// No key: limits that only count per address.
    pub fn none() -> Self {
        ThrottleKey(String::new())
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of [`Throttle::take`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The attempt may go ahead; this is its slot.
    Taken(i64),
    /// A limit is reached: retry after this many seconds (at least 1).
    Refused {
        /// Seconds until the limiting attempt leaves the window.
        retry_after: u64,
    },
}

impl Throttle {
    /// The limits of `scope`.
    pub fn limits(&self, scope: Scope) -> Limits {
        match scope {
            Scope::Signin => self.signin,
            Scope::SigninAttempt => self.signin_attempts,
            Scope::Mfa => self.mfa,
            Scope::Signup => self.signup,
            Scope::Mail => self.mail,
            Scope::EmailChange => self.email_change,
        }
    }

    /// Takes a slot for an attempt by `key` from `address`, or says how long to wait. When only
    /// attempts still in flight stand in the way, waits for them to resolve first.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` when the database fails.
    pub async fn take(
        &self,
        pool: &PgPool,
        scope: Scope,
        key: &ThrottleKey,
        address: IpAddr,
    ) -> Result<Slot> {
        let limits = self.limits(scope);
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(10);
        loop {
            let row = sqlx::query!(
                r#"
                select slot, retry_after, busy as "busy!"
                from take_throttle_slot($1, $2, $3, $4, $5, $6, $7, $8, $9)
                "#,
                scope.as_str(),
                key.as_str(),
                throttle_address(address) as IpAddr,
                limits.window.as_secs_f64(),
                limits.per_pair,
                limits.per_key,
                limits.per_address,
                scope.checks_a_secret(),
                PENDING_SECS as f64,
            )
            .fetch_one(pool)
            .await?;
            if let Some(slot) = row.slot {
                return Ok(Slot::Taken(slot));
            }
            if !row.busy || started.elapsed() >= MAX_WAIT {
                metrics::counter!("throttle_refusals_total", "scope" => scope.as_str()).increment(1);
                let retry_after = row.retry_after.unwrap_or(1.0).ceil().max(1.0) as u64;
                return Ok(Slot::Refused { retry_after });
            }
            // Attempts in flight decide: ask again once they had time to resolve.
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// After a failed check: the slot stays, as this failure's record.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn failed(&self, pool: &PgPool, slot: i64) -> Result<()> {
        sqlx::query!("update throttle_slots set pending = false where id = $1", slot).execute(pool).await?;
        Ok(())
    }

    /// After a success: deletes this attempt's slot and the failures of this key from this
    /// address. Attempts still in flight stay, and so does the per-key count of other addresses:
    /// one success from the owner's address must not wipe an attacker's record elsewhere.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn succeeded(
        &self,
        pool: &PgPool,
        scope: Scope,
        key: &ThrottleKey,
        address: IpAddr,
        slot: i64,
    ) -> Result<()> {
        sqlx::query!(
            r#"
            delete from throttle_slots
            where id = $4 or (scope = $1 and key = $2 and address = $3 and not pending)
            "#,
            scope.as_str(),
            key.as_str(),
            throttle_address(address) as IpAddr,
            slot,
        )
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Forgets every attempt counted against `key`, from every address: after the owner proved
    /// the account is theirs another way (a password reset by mail).
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn forgive_key(&self, pool: &PgPool, scope: Scope, key: &ThrottleKey) -> Result<()> {
        sqlx::query!(
            "delete from throttle_slots where scope = $1 and key = $2",
            scope.as_str(),
            key.as_str()
        )
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Deletes attempts that no longer count; returns how many.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn purge(executor: impl PgExecutor<'_>) -> Result<u64> {
        Ok(sqlx::query!("delete from throttle_slots where expires_at < now()")
            .execute(executor)
            .await?
            .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_logins_are_hashed_ignoring_case_and_bounded() {
        let key = ThrottleKey::unknown_login(&"X".repeat(8000));
        assert_eq!(key.as_str().len(), 70);
        assert_eq!(ThrottleKey::unknown_login(" Ghost "), ThrottleKey::unknown_login("ghost"));
        assert_ne!(ThrottleKey::unknown_login("ghost"), ThrottleKey::unknown_login("ghost2"));
    }
}
