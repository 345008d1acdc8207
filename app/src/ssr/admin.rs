//! Role administration for the Admin board and `/api/admin`: list and search users, grant and
//! revoke `pm`/`admin`, disable and enable accounts, read the audit log.
//!
//! Every operation checks that the caller is an admin itself (these are public endpoints). Changes
//! run in a transaction that first takes one advisory lock, so concurrent changes are applied one
//! after the other: two admins revoking each other at the same moment cannot leave no admin. Once
//! the lock is held the caller's own account is read again, so an admin demoted or disabled while
//! their request waited cannot act.

use std::net::IpAddr;

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::guard::address::Device;
use super::guard::audit::{self, Event};
use super::identity::lifecycle::{self, Change, Changed};
use super::identity::users;
use super::session::caller::AuthUser;
use super::state::AppState;
use crate::error::{AppError, Result};
use crate::model::{AdminUser, AuditEntry, AuditEvent, UserPage};
use crate::roles::{Board, Role};
use crate::validation::without_control;

/// Largest page of users.
pub const MAX_PER_PAGE: i64 = 100;
/// Users per page when the caller does not say (the Admin board and REST alike).
pub const DEFAULT_PER_PAGE: i64 = 10;
/// Audit entries returned when the caller does not say (the Admin board and REST alike).
pub const DEFAULT_AUDIT_ENTRIES: i64 = 20;
/// Longest search text; longer input is cut, never refused.
pub const MAX_QUERY_CHARS: usize = 100;

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
    let offset = (page - 1).saturating_mul(per_page);
    let (accounts, total) = users::search(&state.pool, &pattern, per_page, offset).await?;
    Ok(UserPage { users: accounts.into_iter().map(AdminUser::from).collect(), total, page, per_page })
}

/// The newest audit entries (at most [`audit::MAX_ENTRIES`]).
///
/// # Errors
/// `Forbidden` for a non-admin; `Internal` when the database fails.
pub async fn audit_log(state: &AppState, caller: &AuthUser, limit: i64) -> Result<Vec<AuditEntry>> {
    caller.require(Board::Admin)?;
    audit::latest(&state.pool, limit).await
}

/// Grants (`grant = true`) or revokes `role` for the user `target`. `user` itself is not managed here:
/// every account keeps it implicitly, and revoking the last privileged role leaves `user`.
///
/// # Errors
/// `Forbidden` for a non-admin (checked again under the lock); `Validation` for the `user` role;
/// `NotFound`; `LastAdmin` when it would leave no active admin; `Internal`.
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
    let mut tx = locked(state, caller).await?;
    let before = users::find(&mut *tx, target).await?;
    if before.user.has(role) == grant {
        return Ok(before.into()); // nothing to change: idempotent, and nothing to audit
    }
    if grant {
        users::grant(&mut tx, target, &[role]).await?;
    } else {
        if role == Role::Admin && !before.disabled {
            ensure_another_admin(&mut tx, target).await?;
        }
        users::revoke(&mut tx, target, role).await?;
    }
    let kind = if grant { AuditEvent::RoleGranted } else { AuditEvent::RoleRevoked };
    Event::new(kind)
        .by(&caller.user)
        .on(&before.user)
        .from(address)
        .detail(role.as_str())
        .record(&mut *tx)
        .await?;
    let after = users::find(&mut *tx, target).await?;
    tx.commit().await?;
    Ok(after.into())
}

/// Disables (`disabled = true`) or enables the account `target`. Disabling is a credential change:
/// it ends every session and voids every mailed link and pending challenge of the account.
///
/// # Errors
/// `Forbidden` for a non-admin (checked again under the lock); `NotFound`; `LastAdmin` when it
/// would leave no active admin; `Internal`.
pub async fn set_disabled(
    state: &AppState,
    caller: &AuthUser,
    target: Uuid,
    disabled: bool,
    device: &Device,
) -> Result<AdminUser> {
    caller.require(Board::Admin)?;
    let mut tx = locked(state, caller).await?;
    let before = users::find(&mut *tx, target).await?;
    if before.disabled == disabled {
        return Ok(before.into());
    }
    if disabled && before.user.has(Role::Admin) {
        ensure_another_admin(&mut tx, target).await?;
    }
    users::set_disabled(&mut tx, target, disabled).await?;
    if disabled {
        let changed = Changed { user: &before.user, by: Some(&caller.user), device, session: None };
        lifecycle::record(&mut tx, &state.mailer, Change::AccountDisabled, changed).await?;
    } else {
        let mut event = Event::new(AuditEvent::AccountEnabled).by(&caller.user).on(&before.user);
        if let Some(address) = device.address {
            event = event.from(address);
        }
        event.record(&mut *tx).await?;
    }
    let after = users::find(&mut *tx, target).await?;
    tx.commit().await?;
    Ok(after.into())
}

/// A transaction holding the admin lock, in which `caller` is still an active admin with a live
/// session: what was true when the request arrived may have changed while it waited for the lock.
pub async fn locked(state: &AppState, caller: &AuthUser) -> Result<Transaction<'static, Postgres>> {
    let mut tx = users::lock_admins(&state.pool).await?;
    let now = users::find(&mut *tx, caller.user.id).await.map_err(|err| match err {
        AppError::NotFound => AppError::token_invalid(),
        other => other,
    })?;
    if now.disabled {
        return Err(AppError::account_disabled_token());
    }
    if now.token_version != caller.token.ver {
        return Err(AppError::session_ended());
    }
    if !Board::Admin.allows(&now.user.roles) {
        return Err(AppError::Forbidden { message: Board::Admin.refusal().to_owned() });
    }
    Ok(tx)
}

/// Refuses unless an active admin other than `except` exists.
async fn ensure_another_admin(tx: &mut Transaction<'_, Postgres>, except: Uuid) -> Result<()> {
    if users::other_active_admins(tx, except).await? == 0 { Err(AppError::LastAdmin) } else { Ok(()) }
}
