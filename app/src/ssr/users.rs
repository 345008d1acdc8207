//! SQL for accounts, their roles, passwords and token versions. Reads go through the `accounts`
//! view (a user with its roles as one array); every query on `users` lives here or in `admin_sql`.

use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::error::{AppError, Result};
use crate::model::PublicUser;
use crate::roles::Role;
use crate::validation::ValidSignup;

/// Unique index on `lower(username)`, see the first migration.
const USERNAME_KEY: &str = "users_username_key";
/// Unique index on `lower(email)`, see the first migration.
const EMAIL_KEY: &str = "users_email_key";

/// An account as the sign-in needs it. Not `Serialize`: the hash must never reach a client.
pub struct Credentials {
    /// The public part.
    pub user: PublicUser,
    /// bcrypt hash to verify the password against.
    pub password_hash: String,
    /// Current token version, written into the token issued.
    pub token_version: i32,
    /// Disabled by an admin.
    pub disabled: bool,
}

/// What every authenticated request needs to know about the token's user, in one query.
pub struct SessionUser {
    /// The public part.
    pub user: PublicUser,
    /// Current token version: a token issued at another version is ended.
    pub token_version: i32,
    /// Disabled by an admin.
    pub disabled: bool,
    /// This very token was signed out.
    pub revoked: bool,
}

/// Creates the account and its roles in one transaction: never a user without roles.
///
/// # Errors
/// `UsernameTaken`/`EmailTaken` (told apart by the violated index, not by message text) when
/// another account has the same username or email in any case; `Internal` for anything else.
pub async fn insert(pool: &PgPool, signup: &ValidSignup, password_hash: &str) -> Result<PublicUser> {
    let mut tx = pool.begin().await.map_err(internal)?;
    let id = sqlx::query_scalar!(
        r#"
        insert into users (name, username, email, password_hash)
        values ($1, $2, $3, $4)
        returning id
        "#,
        signup.name,
        signup.username,
        signup.email,
        password_hash,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_violation)?;
    grant(&mut tx, id, &signup.roles).await?;
    tx.commit().await.map_err(internal)?;
    Ok(PublicUser {
        id,
        name: signup.name.clone(),
        username: signup.username.clone(),
        email: signup.email.clone(),
        roles: signup.roles.clone(),
    })
}

/// Gives `user` the `roles` it does not hold yet.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn grant(tx: &mut Transaction<'_, Postgres>, user: Uuid, roles: &[Role]) -> Result<()> {
    sqlx::query!(
        r#"
        insert into user_roles (user_id, role_id)
        select $1, id from roles where name = any($2)
        on conflict do nothing
        "#,
        user,
        roles as &[Role],
    )
    .execute(&mut **tx)
    .await
    .map_err(internal)?;
    Ok(())
}

/// Loads a token's user, roles, token version and whether the token `jti` was signed out:
/// the one query behind every authenticated request.
///
/// # Errors
/// `Internal`/`Unavailable` when the database fails.
pub async fn find_session(pool: &PgPool, id: Uuid, jti: Uuid) -> Result<Option<SessionUser>> {
    let row = sqlx::query!(
        r#"
        select id as "id!", name as "name!", username as "username!", email as "email!",
               token_version as "token_version!", disabled_at is not null as "disabled!",
               exists(select 1 from revoked_tokens where jti = $2) as "revoked!",
               roles as "roles!: Vec<Role>"
        from accounts
        where id = $1
        "#,
        id,
        jti,
    )
    .fetch_optional(pool)
    .await
    .map_err(internal)?;
    Ok(row.map(|row| SessionUser {
        user: PublicUser {
            id: row.id,
            name: row.name,
            username: row.username,
            email: row.email,
            roles: row.roles,
        },
        token_version: row.token_version,
        disabled: row.disabled,
        revoked: row.revoked,
    }))
}

/// The password hash of `id`, for checking the current password before a change.
///
/// # Errors
/// `NotFound` for an unknown id; `Internal` when the database fails.
pub async fn password_hash(pool: &PgPool, id: Uuid) -> Result<String> {
    sqlx::query_scalar!("select password_hash from users where id = $1", id)
        .fetch_optional(pool)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)
}

/// Sets a new password hash and ends every existing token; returns the new token version.
///
/// # Errors
/// `NotFound` for an unknown id; `Internal` when the database fails.
pub async fn set_password(pool: &PgPool, id: Uuid, hash: &str) -> Result<i32> {
    sqlx::query_scalar!(
        r#"
        update users set password_hash = $2, token_version = token_version + 1, updated_at = now()
        where id = $1
        returning token_version
        "#,
        id,
        hash,
    )
    .fetch_optional(pool)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)
}

/// Ends every existing token of `id` by bumping its token version.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn bump_token_version(pool: &PgPool, id: Uuid) -> Result<()> {
    sqlx::query!("update users set token_version = token_version + 1, updated_at = now() where id = $1", id)
        .execute(pool)
        .await
        .map_err(internal)?;
    Ok(())
}

/// Ends one token (`jti`) before its expiry.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn revoke_token(pool: &PgPool, jti: Uuid, expires_at: i64) -> Result<()> {
    let expires_at = expires_at as f64; // to_timestamp takes seconds as a double
    sqlx::query!(
        r#"
        insert into revoked_tokens (jti, expires_at) values ($1, to_timestamp($2))
        on conflict (jti) do nothing
        "#,
        jti,
        expires_at,
    )
    .execute(pool)
    .await
    .map_err(internal)?;
    Ok(())
}

/// Forgets revoked tokens that have expired anyway; returns how many.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn purge_revoked_tokens(executor: impl PgExecutor<'_>) -> Result<u64> {
    sqlx::query!("delete from revoked_tokens where expires_at < now()")
        .execute(executor)
        .await
        .map(|done| done.rows_affected())
        .map_err(internal)
}

/// Maps a unique-index violation to the conflict it means.
fn unique_violation(err: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db) = &err {
        match db.constraint() {
            Some(USERNAME_KEY) => return AppError::UsernameTaken,
            Some(EMAIL_KEY) => return AppError::EmailTaken,
            _ => {}
        }
    }
    internal(err)
}

/// Logs a database failure and hides it from the client: 503 when the database is out of reach,
/// 500 otherwise.
pub(crate) fn internal(err: sqlx::Error) -> AppError {
    tracing::error!(%err, "database error");
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => AppError::Unavailable,
        _ => AppError::Internal,
    }
}
