//! Every read and write of accounts: users, their roles, passwords, token versions and state.
//! Reads go through the `accounts` view (a user with its roles as one array); nothing outside this
//! module writes SQL on `users` or `user_roles`.

use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::error::{AppError, Result};
use crate::model::{AdminUser, PublicUser};
use crate::roles::Role;
use crate::validation::ValidSignup;

/// Key of the advisory lock serialising role and account-state changes ("admin" in ASCII).
const ADMIN_LOCK: i64 = 0x61_64_6d_69_6e;

/// Unique index on `lower(username)`, see the first migration.
const USERNAME_KEY: &str = "users_username_key";
/// Unique index on `lower(email)`, see the first migration.
const EMAIL_KEY: &str = "users_email_key";

/// An account as the server sees it. Not `Serialize`: only its [`PublicUser`] reaches clients.
#[derive(Debug, Clone)]
pub struct Account {
    /// The public part.
    pub user: PublicUser,
    /// Current token version: a token issued at another version is ended.
    pub token_version: i32,
    /// Disabled by an admin.
    pub disabled: bool,
    /// Creation, seconds since the epoch.
    pub created_at: i64,
    /// The security stamp when this was read: what a sign-in's password was checked under (see
    /// `lifecycle.rs`). A session or challenge is started only while it still holds.
    pub stamp: i64,
}

impl From<Account> for AdminUser {
    fn from(account: Account) -> Self {
        AdminUser { user: account.user, disabled: account.disabled, created_at: account.created_at }
    }
}

/// The columns of the `accounts` view every account query selects, as `query_as!` reads them.
struct AccountRow {
    id: Uuid,
    name: String,
    username: String,
    email: String,
    email_verified: bool,
    mfa_enabled: bool,
    has_password: bool,
    passkeys: i32,
    roles: Vec<Role>,
    token_version: i32,
    disabled: bool,
    created_at: i64,
    stamp: i64,
}

/// The one conversion from a database row to an [`Account`].
impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Account {
            user: PublicUser {
                id: row.id,
                name: row.name,
                username: row.username,
                email: row.email,
                email_verified: row.email_verified,
                mfa_enabled: row.mfa_enabled,
                has_password: row.has_password,
                passkeys: row.passkeys,
                roles: row.roles,
            },
            token_version: row.token_version,
            disabled: row.disabled,
            created_at: row.created_at,
            stamp: row.stamp,
        }
    }
}

/// Builds an [`Account`] from a `query!` record that selects the [`AccountRow`] columns plus others
/// (the password hash, a revocation flag), which `query_as!` cannot put in one struct.
macro_rules! account_of {
    ($row:expr) => {
        Account::from(AccountRow {
            id: $row.id,
            name: $row.name,
            username: $row.username,
            email: $row.email,
            email_verified: $row.email_verified,
            mfa_enabled: $row.mfa_enabled,
            has_password: $row.has_password,
            passkeys: $row.passkeys,
            roles: $row.roles,
            token_version: $row.token_version,
            disabled: $row.disabled,
            created_at: $row.created_at,
            stamp: $row.stamp,
        })
    };
}

/// `query_as!(AccountRow, ..)` selecting the columns of [`AccountRow`] from the `accounts` view,
/// followed by `$rest` (the `from` clause on): one column list for every account read. sqlx joins
/// the literals (`+`) and checks the whole statement at compile time.
macro_rules! select_accounts {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            AccountRow,
            r#"
            select id as "id!", name as "name!", username as "username!", email as "email!",
                   email_verified_at is not null as "email_verified!", mfa_enabled as "mfa_enabled!",
                   has_password as "has_password!", passkey_count as "passkeys!",
                   roles as "roles!: Vec<Role>", token_version as "token_version!",
                   disabled_at is not null as "disabled!", extract(epoch from created_at)::bigint as "created_at!",
                   security_stamp as "stamp!"
            "# + $rest
            $(, $arg)*
        )
    };
}

/// An account with its password hash, for checking a password.
pub struct Credentials {
    /// The account.
    pub account: Account,
    /// bcrypt hash to verify the password against; none for an account created with a passkey
    /// (no password is right for it).
    pub password_hash: Option<String>,
}

/// Creates the account and its roles, in the caller's transaction (the deferred trigger refuses a
/// commit that would leave a user without roles). `verified`: the address counts as proven (the
/// operator's command line).
///
/// # Errors
/// `UsernameTaken`/`EmailTaken` (told apart by the violated index, not by message text) when
/// another account has the same username or email in any case; `Internal` for anything else.
pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    signup: &ValidSignup,
    password_hash: &str,
    verified: bool,
) -> Result<PublicUser> {
    let id = sqlx::query_scalar!(
        r#"
        insert into users (name, username, email, password_hash, email_verified_at)
        values ($1, $2, $3, $4, case when $5 then now() end)
        returning id
        "#,
        signup.name,
        signup.username,
        signup.email,
        password_hash,
        verified,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(unique_violation)?;
    grant(tx, id, &signup.roles).await?;
    Ok(PublicUser {
        id,
        name: signup.name.clone(),
        username: signup.username.clone(),
        email: signup.email.clone(),
        email_verified: verified,
        mfa_enabled: false,
        has_password: true,
        passkeys: 0,
        roles: signup.roles.clone(),
    })
}

/// Refuses a username or email another account already has (ignoring case): the cheap answer
/// before a sign-up spends a bcrypt hash. The unique indexes still decide races.
///
/// # Errors
/// `UsernameTaken` or `EmailTaken`; `Internal` when the database fails.
pub async fn ensure_available(pool: &PgPool, username: &str, email: &str) -> Result<()> {
    let taken = sqlx::query!(
        r#"
        select exists(select 1 from users where lower(username) = lower($1)) as "username!",
               exists(select 1 from users where lower(email) = lower($2)) as "email!"
        "#,
        username,
        email,
    )
    .fetch_one(pool)
    .await?;
    match (taken.username, taken.email) {
        (true, _) => Err(AppError::UsernameTaken),
        (_, true) => Err(AppError::EmailTaken),
        _ => Ok(()),
    }
}

/// The account with `email` (ignoring case).
///
/// # Errors
/// `Internal` when the database fails.
pub async fn find_by_email(pool: &PgPool, email: &str) -> Result<Option<Account>> {
    Ok(select_accounts!("from accounts where lower(email) = lower($1)", email)
        .fetch_optional(pool)
        .await?
        .map(Account::from))
}

/// Marks `email` verified for `id`, if it is still the account's address; returns whether it was.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn mark_email_verified(executor: impl PgExecutor<'_>, id: Uuid, email: &str) -> Result<bool> {
    let done = sqlx::query!(
        r#"
        update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
        where id = $1 and lower(email) = lower($2)
        "#,
        id,
        email,
    )
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves the account to a new, verified address.
///
/// # Errors
/// `EmailTaken` when another account has it now; `Internal` when the database fails.
pub async fn change_email(tx: &mut Transaction<'_, Postgres>, id: Uuid, email: &str) -> Result<()> {
    sqlx::query!(
        "update users set email = $2, email_verified_at = now(), updated_at = now() where id = $1",
        id,
        email,
    )
    .execute(&mut **tx)
    .await
    .map_err(unique_violation)?;
    Ok(())
}

/// Sets the display name.
///
/// # Errors
/// `NotFound` for an unknown id; `Internal` when the database fails.
pub async fn set_name(executor: impl PgExecutor<'_>, id: Uuid, name: &str) -> Result<()> {
    let done = sqlx::query!("update users set name = $2, updated_at = now() where id = $1", id, name)
        .execute(executor)
        .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(AppError::NotFound) }
}

/// Deletes the account; its roles, links and sessions go with it, audit entries keep its name.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<()> {
    sqlx::query!("delete from users where id = $1", id).execute(conn).await?;
    crate::ssr::session::changes::note();
    Ok(())
}

/// The account a sign-in names, by username or email (ignoring case), with its password hash.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn find_credentials(pool: &PgPool, login: &str) -> Result<Option<Credentials>> {
    let row = sqlx::query!(
        r#"
        select id as "id!", name as "name!", username as "username!", email as "email!",
               email_verified_at is not null as "email_verified!", mfa_enabled as "mfa_enabled!",
               has_password as "has_password!", passkey_count as "passkeys!",
               roles as "roles!: Vec<Role>", token_version as "token_version!",
               disabled_at is not null as "disabled!", extract(epoch from created_at)::bigint as "created_at!",
               security_stamp as "stamp!",
               password_hash
        from accounts
        where lower(username) = lower($1) or lower(email) = lower($1)
        limit 1
        "#,
        login,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| {
        let password_hash = row.password_hash;
        Credentials { account: account_of!(row), password_hash }
    }))
}

/// What a request's session is, as the caller check reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    /// Not ended (signed out, revoked). An ended session never comes back.
    pub open: bool,
    /// When it expires, in seconds since the epoch (0 when there is no such session).
    pub expires_at: i64,
    /// Opened with a second factor (a TOTP code, or a passkey).
    pub second_factor: bool,
}

impl SessionState {
    /// Open and not expired at `now` (seconds since the epoch).
    pub fn live_at(&self, now: i64) -> bool {
        self.open && self.expires_at > now
    }
}

/// Loads a token's account and whether its session is alive, noting the session as seen (at most
/// once a minute): the one query behind every authenticated request.
///
/// # Errors
/// `Internal`/`Unavailable` when the database fails.
pub async fn find_session(pool: &PgPool, id: Uuid, session: Uuid) -> Result<Option<(Account, SessionState)>> {
    let row = sqlx::query!(
        r#"
        with seen as (
            update sessions set last_seen_at = now()
            where id = $2 and user_id = $1 and ended_at is null and last_seen_at < now() - interval '1 minute'
            returning id
        )
        select a.id as "id!", a.name as "name!", a.username as "username!", a.email as "email!",
               a.email_verified_at is not null as "email_verified!", a.mfa_enabled as "mfa_enabled!",
               a.has_password as "has_password!", a.passkey_count as "passkeys!",
               a.roles as "roles!: Vec<Role>", a.token_version as "token_version!",
               a.disabled_at is not null as "disabled!", extract(epoch from a.created_at)::bigint as "created_at!", a.security_stamp as "stamp!",
               coalesce(s.open, false) as "open!",
               coalesce(extract(epoch from s.expires_at)::bigint, 0) as "expires_at!",
               coalesce(s.second_factor, false) as "second_factor!"
        from accounts a
        left join lateral (
            select ended_at is null as open, expires_at, second_factor
            from sessions where id = $2 and user_id = a.id
        ) s on true
        where a.id = $1
        "#,
        id,
        session,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| {
        let session =
            SessionState { open: row.open, expires_at: row.expires_at, second_factor: row.second_factor };
        (account_of!(row), session)
    }))
}

/// The account `id`.
///
/// # Errors
/// `NotFound` for an unknown id; `Internal` when the database fails.
pub async fn find(executor: impl PgExecutor<'_>, id: Uuid) -> Result<Account> {
    select_accounts!("from accounts where id = $1", id)
        .fetch_optional(executor)
        .await?
        .map(Account::from)
        .ok_or(AppError::NotFound)
}

/// One page of accounts whose username or email contains `pattern` (a LIKE pattern, already
/// escaped), by username, and how many match over all pages.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn search(pool: &PgPool, pattern: &str, limit: i64, offset: i64) -> Result<(Vec<Account>, i64)> {
    let total = sqlx::query_scalar!(
        r#"select count(*) as "count!" from users where lower(username) like $1 or lower(email) like $1"#,
        pattern,
    )
    .fetch_one(pool)
    .await?;
    let accounts = select_accounts!(
        "from accounts where lower(username) like $1 or lower(email) like $1 order by lower(username) limit $2 offset $3",
        pattern,
        limit,
        offset,
    )
    .fetch_all(pool)
    .await?;
    Ok((accounts.into_iter().map(Account::from).collect(), total))
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
    .await?;
    Ok(())
}

/// Takes `role` away, leaving the plain `user` role when nothing else would be left.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn revoke(tx: &mut Transaction<'_, Postgres>, user: Uuid, role: Role) -> Result<()> {
    sqlx::query!(
        "delete from user_roles where user_id = $1 and role_id = (select id from roles where name = $2)",
        user,
        role as Role,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"
        insert into user_roles (user_id, role_id)
        select $1, id from roles where name = 'user'
          and not exists (select 1 from user_roles where user_id = $1)
        "#,
        user,
    )
    .execute(&mut **tx)
    .await?;
    crate::ssr::session::changes::note();
    Ok(())
}

/// Disables (ending every session) or enables an account.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn set_disabled(tx: &mut Transaction<'_, Postgres>, user: Uuid, disabled: bool) -> Result<()> {
    sqlx::query!(
        r#"
        update users
        set disabled_at = case when $2 then now() end,
            token_version = token_version + case when $2 then 1 else 0 end,
            updated_at = now()
        where id = $1
        "#,
        user,
        disabled,
    )
    .execute(&mut **tx)
    .await?;
    crate::ssr::session::changes::note();
    Ok(())
}

/// A transaction holding the admin lock: every change that could leave no active admin takes it
/// first (role changes, disabling, an admin deleting their own account), so such changes are
/// applied one after the other.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn lock_admins(pool: &PgPool) -> Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", ADMIN_LOCK).execute(&mut *tx).await?;
    Ok(tx)
}

/// How many active admins there are besides `except`.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn other_active_admins(tx: &mut Transaction<'_, Postgres>, except: Uuid) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"
        select count(*) as "count!" from accounts
        where id <> $1 and disabled_at is null and 'admin' = any(roles)
        "#,
        except,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// The password hash of `id`, for checking the current password before a change; `None` for an
/// account without a password.
///
/// # Errors
/// `NotFound` for an unknown id; `Internal` when the database fails.
pub async fn password_hash(pool: &PgPool, id: Uuid) -> Result<Option<String>> {
    sqlx::query_scalar!("select password_hash from users where id = $1", id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// Creates an account without a password (its owner signs in with a passkey), with the `user` role,
/// in the caller's transaction, under the id the passkey was registered for.
///
/// # Errors
/// `UsernameTaken`/`EmailTaken`; `Internal` for anything else.
pub async fn insert_passwordless(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    name: &str,
    username: &str,
    email: &str,
) -> Result<PublicUser> {
    sqlx::query!(
        "insert into users (id, name, username, email, password_hash) values ($1, $2, $3, $4, null)",
        id,
        name,
        username,
        email,
    )
    .execute(&mut **tx)
    .await
    .map_err(unique_violation)?;
    grant(tx, id, &[Role::User]).await?;
    Ok(PublicUser {
        id,
        name: name.to_owned(),
        username: username.to_owned(),
        email: email.to_owned(),
        email_verified: false,
        mfa_enabled: false,
        has_password: false,
        passkeys: 1,
        roles: vec![Role::User],
    })
}

/// Sets a new password hash and ends every existing token; returns the new token version.
///
/// # Errors
/// `NotFound` for an unknown id; `Internal` when the database fails.
pub async fn set_password(executor: impl PgExecutor<'_>, id: Uuid, hash: &str) -> Result<i32> {
    sqlx::query_scalar!(
        r#"
        update users set password_hash = $2, token_version = token_version + 1, updated_at = now()
        where id = $1
        returning token_version
        "#,
        id,
        hash,
    )
    .fetch_optional(executor)
    .await?
    .ok_or(AppError::NotFound)
    .inspect(|_| crate::ssr::session::changes::note())
}

/// Ends every existing token of `id` by bumping its token version.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn bump_token_version(executor: impl PgExecutor<'_>, id: Uuid) -> Result<()> {
    sqlx::query!("update users set token_version = token_version + 1, updated_at = now() where id = $1", id)
        .execute(executor)
        .await?;
    crate::ssr::session::changes::note();
    Ok(())
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
    err.into()
}
