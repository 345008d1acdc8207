//! Throttling: how many attempts a key or an address may make within a window, counted in
//! PostgreSQL so every server instance behind a load balancer counts the same attempts.
//!
//! An attempt takes its slot *before* the expensive or secret-dependent work (a bcrypt check, a
//! sign-up's hash), in one statement that counts and inserts under per-key and per-address advisory
//! locks (`take_throttle_slot`, see the third migration). However many requests arrive at once, no
//! more than the limit get a slot; the rest are refused with the time until one frees up. A success
//! gives its slot back ([`Throttle::forgive`]); a failure keeps it, so it counts.
//!
//! This module only counts. Which key an attempt is counted under is the caller's business (the
//! account service builds [`ThrottleKey`]s).

use std::net::IpAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool};

use super::address::throttle_address;
use crate::error::Result;

/// What is being limited. Each scope has its own counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Password checks: sign-in and the current password at a password change.
    Signin,
    /// Account creation.
    Signup,
    /// Mails asked for: password resets, verification links, changes of address.
    Mail,
}

impl Scope {
    /// The name stored in `throttle_slots.scope`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Signin => "signin",
            Scope::Signup => "signup",
            Scope::Mail => "mail",
        }
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
    /// Sign-in (and password-change) checks.
    pub signin: Limits,
    /// Sign-ups.
    pub signup: Limits,
    /// Mails asked for, per recipient address and per asking address.
    pub mail: Limits,
}

impl Default for Throttle {
    /// OWASP's shape: a tight limit per account and address (5 per 15 minutes), so one address
    /// cannot lock the owner out from another, and a looser one per account over all addresses
    /// (100), which still bounds distributed guessing; 50 failures per address over all accounts;
    /// 20 sign-ups per address and hour; 5 mails per recipient and 20 per asking address an hour.
    fn default() -> Self {
        Throttle {
            signin: Limits {
                per_pair: Some(5),
                per_key: Some(100),
                per_address: Some(50),
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

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
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
            Scope::Signup => self.signup,
            Scope::Mail => self.mail,
        }
    }

    /// Takes a slot for an attempt by `key` from `address`, or says how long to wait.
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
        let row = sqlx::query!(
            r#"select slot, retry_after from take_throttle_slot($1, $2, $3, $4, $5, $6, $7)"#,
            scope.as_str(),
            key.as_str(),
            throttle_address(address) as IpAddr,
            limits.window.as_secs_f64(),
            limits.per_pair,
            limits.per_key,
            limits.per_address,
        )
        .fetch_one(pool)
        .await?;
        Ok(match (row.slot, row.retry_after) {
            (Some(slot), _) => Slot::Taken(slot),
            (None, wait) => {
                metrics::counter!("throttle_refusals_total", "scope" => scope.as_str()).increment(1);
                Slot::Refused { retry_after: wait.unwrap_or(1.0).ceil().max(1.0) as u64 }
            }
        })
    }

    /// After a success: deletes this key's attempts from this address (the slot just taken among
    /// them). The per-key count of other addresses stays: one success from the owner's address
    /// must not wipe an attacker's record elsewhere.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn forgive(
        &self,
        pool: &PgPool,
        scope: Scope,
        key: &ThrottleKey,
        address: IpAddr,
    ) -> Result<()> {
        sqlx::query!(
            "delete from throttle_slots where scope = $1 and key = $2 and address = $3",
            scope.as_str(),
            key.as_str(),
            throttle_address(address) as IpAddr,
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
