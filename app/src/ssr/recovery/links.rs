//! One-time links sent by mail: password reset, email verification, change of email.
//!
//! A link carries 256 random bits (64 hexadecimal characters). Only their SHA-256 is stored, so a
//! copy of the database cannot be turned into working links. A link works once, until it expires,
//! and issuing a new one of the same purpose voids the account's older ones.
//!
//! A link is issued under the account's security stamp and works only while the stamp holds: any
//! credential change (see `identity::lifecycle`) voids every outstanding link, whatever its
//! purpose. A link records the address it was mailed to, and one that must reach the owner (a
//! password reset) stops working once the account's address is another.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::error::Result;
use crate::ssr::secrets::hex;

/// What a link is for (the PostgreSQL enum `account_token_purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "account_token_purpose", rename_all = "snake_case")]
pub enum Purpose {
    /// Sets a new password.
    PasswordReset,
    /// Proves the account's own address.
    EmailVerify,
    /// Proves a new address and moves the account to it.
    EmailChange,
}

/// Length of a link's token, in characters.
pub const TOKEN_CHARS: usize = 64;

/// What a followed link was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The account.
    pub user: Uuid,
    /// Why.
    pub purpose: Purpose,
    /// The address it was mailed to (and verifies, for the email purposes).
    pub email: Option<String>,
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether `token` could be one of ours at all (so garbage never reaches the database).
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_CHARS && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Issues a link for `user`, mailed to `email`, voiding the older ones of the same purpose; returns
/// the token to put in the mail (the only copy).
/// With `stamp`, the link is issued only while the account's security stamp is still that one (the
/// stamp a password was checked under): a change request racing a password reset issues nothing.
///
/// # Errors
/// `Unauthorized` when `stamp` no longer holds; `Internal` when the database fails.
pub async fn issue(
    conn: &mut PgConnection,
    user: Uuid,
    purpose: Purpose,
    email: Option<&str>,
    valid_for: Duration,
    stamp: Option<i64>,
) -> Result<String> {
    sqlx::query!(
        "update account_tokens set used_at = now() where user_id = $1 and purpose = $2 and used_at is null",
        user,
        purpose as Purpose,
    )
    .execute(&mut *conn)
    .await?;
    let token = hex(&rand::random::<[u8; 32]>());
    let issued = sqlx::query!(
        r#"
        insert into account_tokens (user_id, purpose, token_hash, email, expires_at, stamp)
        select $1, $2, $3, $4, now() + make_interval(secs => $5), security_stamp from users
        where id = $1 and ($6::bigint is null or security_stamp = $6)
        "#,
        user,
        purpose as Purpose,
        hash(&token),
        email,
        valid_for.as_secs_f64(),
        stamp,
    )
    .execute(&mut *conn)
    .await?;
    if issued.rows_affected() != 1 {
        return Err(crate::error::AppError::session_ended());
    }
    Ok(token)
}

/// What following a link does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Only looks: the reset page checks its link before asking for a new password.
    Peek,
    /// Uses it up: of two requests with the same link, only one gets it.
    UseUp,
}

/// The live link `token` of one of `purposes`, looked at or used up as `how` says. Live: not used,
/// not expired, issued under the account's current security stamp, and, for a password reset,
/// mailed to the account's current address.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn follow(
    executor: impl PgExecutor<'_>,
    token: &str,
    purposes: &[Purpose],
    how: Follow,
) -> Result<Option<Followed>> {
    if !well_formed(token) {
        return Ok(None);
    }
    let token_hash = hash(token);
    // Two statements rather than one with a flag, so that looking never writes.
    let followed = match how {
        Follow::Peek => {
            sqlx::query_as!(
                Followed,
                r#"
                select t.user_id as "user", t.purpose as "purpose: Purpose", t.email
                from account_tokens t join users u on u.id = t.user_id
                where t.token_hash = $1 and t.purpose = any($2) and t.used_at is null and t.expires_at > now()
                  and t.stamp = u.security_stamp
                  and (t.purpose <> 'password_reset' or lower(t.email) = lower(u.email))
                "#,
                token_hash,
                purposes as &[Purpose],
            )
            .fetch_optional(executor)
            .await?
        }
        Follow::UseUp => {
            sqlx::query_as!(
                Followed,
                r#"
                update account_tokens t set used_at = now()
                from users u
                where u.id = t.user_id and t.token_hash = $1 and t.purpose = any($2) and t.used_at is null
                  and t.expires_at > now() and t.stamp = u.security_stamp
                  and (t.purpose <> 'password_reset' or lower(t.email) = lower(u.email))
                returning t.user_id as "user", t.purpose as "purpose: Purpose", t.email
                "#,
                token_hash,
                purposes as &[Purpose],
            )
            .fetch_optional(executor)
            .await?
        }
    };
    Ok(followed)
}

/// Deletes links (and second-factor challenges) a day past their expiry or their use; returns how
/// many.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn purge(pool: &sqlx::PgPool) -> Result<u64> {
    let links = sqlx::query!(
        "delete from account_tokens where least(expires_at, coalesce(used_at, expires_at)) < now() - interval '1 day'"
    )
        .execute(pool)
        .await?
        .rows_affected();
    let challenges = sqlx::query!(
        "delete from mfa_challenges where least(expires_at, coalesce(used_at, expires_at)) < now() - interval '1 day'"
    )
        .execute(pool)
        .await?
        .rows_affected();
    Ok(links + challenges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_for_shape_before_any_query() {
        assert!(well_formed(&"a".repeat(64)));
        assert!(!well_formed(&"a".repeat(63)));
        assert!(!well_formed(&"g".repeat(64)));
        assert!(!well_formed(&"a".repeat(8000)));
        assert_eq!(hash("x").len(), 32);
    }
}
