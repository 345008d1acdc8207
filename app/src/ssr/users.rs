//! SQL for accounts and their roles. Every query the app runs against `users` lives here.

use sqlx::{PgPool, Postgres, Transaction};
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
}

/// Creates the account and its roles in one transaction: never a user without roles.
///
/// # Errors
/// `UsernameTaken`/`EmailTaken` (told apart by the violated index, not by message text) when
/// another account has the same username or email in any case; `Internal` for anything else.
pub async fn insert(
    pool: &PgPool,
    signup: &ValidSignup,
    password_hash: &str,
) -> Result<PublicUser> {
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

async fn grant(tx: &mut Transaction<'_, Postgres>, user: Uuid, roles: &[Role]) -> Result<()> {
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

/// Finds the account signing in, by username or email, ignoring case.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn find_credentials(pool: &PgPool, login: &str) -> Result<Option<Credentials>> {
    let row = sqlx::query!(
        r#"
        select u.id, u.name, u.username, u.email, u.password_hash,
               array(select r.name from user_roles ur join roles r on r.id = ur.role_id
                     where ur.user_id = u.id order by r.id) as "roles!: Vec<Role>"
        from users u
        where lower(u.username) = lower($1) or lower(u.email) = lower($1)
        "#,
        login.trim(),
    )
    .fetch_optional(pool)
    .await
    .map_err(internal)?;
    Ok(row.map(|row| Credentials {
        user: PublicUser {
            id: row.id,
            name: row.name,
            username: row.username,
            email: row.email,
            roles: row.roles,
        },
        password_hash: row.password_hash,
    }))
}

/// Loads a user and their roles: the one query behind every authenticated request.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn find_public(pool: &PgPool, id: Uuid) -> Result<Option<PublicUser>> {
    sqlx::query_as!(
        PublicUser,
        r#"
        select u.id, u.name, u.username, u.email,
               array(select r.name from user_roles ur join roles r on r.id = ur.role_id
                     where ur.user_id = u.id order by r.id) as "roles!: Vec<Role>"
        from users u
        where u.id = $1
        "#,
        id,
    )
    .fetch_optional(pool)
    .await
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

/// Logs a database failure and hides it from the client.
pub(crate) fn internal(err: sqlx::Error) -> AppError {
    tracing::error!(%err, "database error");
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            AppError::Unavailable
        }
        _ => AppError::Internal,
    }
}
