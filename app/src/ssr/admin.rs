//! Role administration for the Admin board and `/api/admin`: list and search users, grant and
//! revoke `pm`/`admin`, disable and enable accounts, read the audit log.
//!
//! Every operation checks that the caller is an admin itself (these are public endpoints). Changes
//! run in a transaction that first takes one advisory lock, so concurrent changes are applied one
//! after the other: two admins revoking each other at the same moment cannot leave no admin.

use std::net::IpAddr;

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::audit::{self, Event};
use super::auth::AuthUser;
use super::state::AppState;
use super::users::{self, internal};
use crate::error::{AppError, Result};
use crate::model::{AdminUser, AuditEntry, AuditEvent, PublicUser, UserPage};
use crate::roles::{Board, Role};
use crate::validation::without_control;

/// Key of the advisory lock serialising role and account-state changes ("admin" in ASCII).
const ADMIN_LOCK: i64 = 0x61_64_6d_69_6e;
/// Largest page of users.
pub const MAX_PER_PAGE: i64 = 100;
/// Longest search text.
const MAX_QUERY_CHARS: usize = 100;

/// One page of users whose username or email contains `query` (ignoring case), by username.
///
/// # Errors
/// `Forbidden` for a non-admin; `Internal` when the database fails.
pub async fn list_users(
    state: &AppState,
    caller: &AuthUser,
    query: &str,
    page: i64,
    per_page: i64,
) -> Result<UserPage> {
    caller.require(Board::Admin)?;
    let per_page = per_page.clamp(1, MAX_PER_PAGE);
    let page = page.max(1);
    let query: String = without_control(query.trim()).chars().take(MAX_QUERY_CHARS).collect();
    // The search text is a value, never SQL; its LIKE wildcards are escaped so `%` means `%`.
    let pattern =
        format!("%{}%", query.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let total = sqlx::query_scalar!(
        r#"select count(*) as "count!" from users where lower(username) like $1 or lower(email) like $1"#,
        pattern,
    )
    .fetch_one(&state.pool)
    .await
    .map_err(internal)?;
    let users = sqlx::query_as!(
        AdminRow,
        r#"
        select id as "id!", name as "name!", username as "username!", email as "email!",
               roles as "roles!: Vec<Role>", disabled_at is not null as "disabled!",
               extract(epoch from created_at)::bigint as "created_at!"
        from accounts
        where lower(username) like $1 or lower(email) like $1
        order by lower(username)
        limit $2 offset $3
        "#,
        pattern,
        per_page,
        (page - 1).saturating_mul(per_page),
    )
    .fetch_all(&state.pool)
    .await
    .map_err(internal)?
    .into_iter()
    .map(AdminUser::from)
    .collect();
    Ok(UserPage { users, total, page, per_page })
}

/// The newest audit entries.
///
/// # Errors
/// `Forbidden` for a non-admin; `Internal` when the database fails.
pub async fn audit_log(state: &AppState, caller: &AuthUser, limit: i64) -> Result<Vec<AuditEntry>> {
    caller.require(Board::Admin)?;
    audit::latest(&state.pool, limit.clamp(1, 200)).await
}

/// Grants (`grant = true`) or revokes `role` for the user `target`. `user` itself is not managed here:
/// every account keeps it implicitly, and revoking the last privileged role leaves `user`.
///
/// # Errors
/// `Forbidden` for a non-admin; `Validation` for the `user` role; `NotFound`; `LastAdmin` when it
/// would leave no active admin; `Internal`.
pub async fn set_role(
    state: &AppState,
    caller: &AuthUser,
    target: Uuid,
    role: Role,
    grant: bool,
    address: IpAddr,
) -> Result<AdminUser> {
    caller.require(Board::Admin)?;
    if !role.is_privileged() {
        return Err(AppError::invalid_field("role", "Only the PM and Admin roles are granted or revoked."));
    }
    let mut tx = locked(state).await?;
    let before = find(&mut tx, target).await?;
    if before.user.has(role) == grant {
        return Ok(before); // nothing to change: idempotent, and nothing to audit
    }
    if grant {
        users::grant(&mut tx, target, &[role]).await?;
    } else {
        if role == Role::Admin && !before.disabled {
            ensure_another_admin(&mut tx, target).await?;
        }
        revoke(&mut tx, target, role).await?;
    }
    let kind = if grant { AuditEvent::RoleGranted } else { AuditEvent::RoleRevoked };
    Event::new(kind)
        .by(&caller.user)
        .on(&before.user)
        .from(address)
        .detail(role.as_str())
        .record(&mut *tx)
        .await?;
    let after = find(&mut tx, target).await?;
    tx.commit().await.map_err(internal)?;
    Ok(after)
}

/// Disables (`disabled = true`) or enables the account `target`. Disabling ends its sessions.
///
/// # Errors
/// `Forbidden` for a non-admin; `NotFound`; `LastAdmin` when it would leave no active admin; `Internal`.
pub async fn set_disabled(
    state: &AppState,
    caller: &AuthUser,
    target: Uuid,
    disabled: bool,
    address: IpAddr,
) -> Result<AdminUser> {
    caller.require(Board::Admin)?;
    let mut tx = locked(state).await?;
    let before = find(&mut tx, target).await?;
    if before.disabled == disabled {
        return Ok(before);
    }
    if disabled && before.user.has(Role::Admin) {
        ensure_another_admin(&mut tx, target).await?;
    }
    sqlx::query!(
        r#"
        update users
        set disabled_at = case when $2 then now() end,
            token_version = token_version + case when $2 then 1 else 0 end,
            updated_at = now()
        where id = $1
        "#,
        target,
        disabled,
    )
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let kind = if disabled { AuditEvent::AccountDisabled } else { AuditEvent::AccountEnabled };
    Event::new(kind).by(&caller.user).on(&before.user).from(address).record(&mut *tx).await?;
    let after = find(&mut tx, target).await?;
    tx.commit().await.map_err(internal)?;
    Ok(after)
}

async fn locked(state: &AppState) -> Result<Transaction<'static, Postgres>> {
    let mut tx = state.pool.begin().await.map_err(internal)?;
    sqlx::query!("select pg_advisory_xact_lock($1)", ADMIN_LOCK).execute(&mut *tx).await.map_err(internal)?;
    Ok(tx)
}

async fn find(tx: &mut Transaction<'_, Postgres>, id: Uuid) -> Result<AdminUser> {
    sqlx::query_as!(
        AdminRow,
        r#"
        select id as "id!", name as "name!", username as "username!", email as "email!",
               roles as "roles!: Vec<Role>", disabled_at is not null as "disabled!",
               extract(epoch from created_at)::bigint as "created_at!"
        from accounts where id = $1
        "#,
        id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(internal)?
    .map(AdminUser::from)
    .ok_or(AppError::NotFound)
}

/// Refuses unless an active admin other than `except` exists.
async fn ensure_another_admin(tx: &mut Transaction<'_, Postgres>, except: Uuid) -> Result<()> {
    let others = sqlx::query_scalar!(
        r#"
        select count(*) as "count!" from accounts
        where id <> $1 and disabled_at is null and 'admin' = any(roles)
        "#,
        except,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(internal)?;
    if others == 0 { Err(AppError::LastAdmin) } else { Ok(()) }
}

/// Takes `role` away, leaving the plain `user` role when nothing else would be left.
async fn revoke(tx: &mut Transaction<'_, Postgres>, id: Uuid, role: Role) -> Result<()> {
    sqlx::query!(
        "delete from user_roles where user_id = $1 and role_id = (select id from roles where name = $2)",
        id,
        role as Role,
    )
    .execute(&mut **tx)
    .await
    .map_err(internal)?;
    sqlx::query!(
        r#"
        insert into user_roles (user_id, role_id)
        select $1, id from roles where name = 'user'
          and not exists (select 1 from user_roles where user_id = $1)
        "#,
        id,
    )
    .execute(&mut **tx)
    .await
    .map_err(internal)?;
    Ok(())
}

/// A row of the `accounts` view as the Admin board shows it.
struct AdminRow {
    id: Uuid,
    name: String,
    username: String,
    email: String,
    roles: Vec<Role>,
    disabled: bool,
    created_at: i64,
}

impl From<AdminRow> for AdminUser {
    fn from(row: AdminRow) -> Self {
        AdminUser {
            user: PublicUser {
                id: row.id,
                name: row.name,
                username: row.username,
                email: row.email,
                roles: row.roles,
            },
            disabled: row.disabled,
            created_at: row.created_at,
        }
    }
}
