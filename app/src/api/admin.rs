//! The Admin board's calls: users, roles, account state, the audit log, reset mails.

use leptos::prelude::*;
use server_fn::codec::Json;
use uuid::Uuid;

use super::BearerClient;
use crate::error::AppError;
use crate::model::{AdminUser, AuditEntry, UserPage};
use crate::requests::Field;
use crate::roles::Role;

#[cfg(feature = "ssr")]
use super::{address, device, signed_in};
#[cfg(feature = "ssr")]
use crate::requests::Reader;
#[cfg(feature = "ssr")]
use crate::ssr::{admin, factors::two_factor, recovery::reset, state::AppState};

/// Admin: one page of users matching `query`.
#[server(prefix = "/api/fn", endpoint = "admin-users", input = Json, client = BearerClient)]
pub async fn admin_users(query: Field<String>, page: Field<i64>) -> Result<UserPage, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = Reader::default();
    let query = reader.text("query", "Query", query);
    let page = reader.read("page", "Page", "a whole number", page).max(1);
    reader.finish(())?;
    admin::list_users(&state, &caller, &query, page, admin::DEFAULT_PER_PAGE).await
}

/// Admin: grants or revokes a role.
#[server(prefix = "/api/fn", endpoint = "admin-role", input = Json, client = BearerClient)]
pub async fn admin_set_role(
    user: Field<Uuid>,
    role: Field<Role>,
    grant: Field<bool>,
) -> Result<AdminUser, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = Reader::default();
    let user = reader.required("user", "User", "a user id", user);
    let role = reader.required("role", "Role", "one of user, pm, admin", role);
    let grant = reader.required("grant", "Grant", "true or false", grant);
    let (user, role, grant) = reader.finish((user, role, grant))?;
    admin::set_role(&state, &caller, user, role, grant, address(&state)?).await
}

/// Admin: disables or enables an account.
#[server(prefix = "/api/fn", endpoint = "admin-disabled", input = Json, client = BearerClient)]
pub async fn admin_set_disabled(user: Field<Uuid>, disabled: Field<bool>) -> Result<AdminUser, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = Reader::default();
    let user = reader.required("user", "User", "a user id", user);
    let disabled = reader.required("disabled", "Disabled", "true or false", disabled);
    let (user, disabled) = reader.finish((user, disabled))?;
    admin::set_disabled(&state, &caller, user, disabled, &device(&state)?).await
}

/// Admin: the latest audit entries.
#[server(prefix = "/api/fn", endpoint = "admin-audit", input = Json, client = BearerClient)]
pub async fn admin_audit() -> Result<Vec<AuditEntry>, AppError> {
    let state = expect_context::<AppState>();
    admin::audit_log(&state, &signed_in(&state).await?, admin::DEFAULT_AUDIT_ENTRIES).await
}

/// Admin: mails a user a password-reset link.
#[server(prefix = "/api/fn", endpoint = "admin-send-reset", input = Json, client = BearerClient)]
pub async fn admin_send_reset(user: Field<Uuid>) -> Result<(), AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = Reader::default();
    let user = reader.required("user", "User", "a user id", user);
    let user = reader.finish(user)?;
    reset::admin_send_reset(&state, &caller, user, address(&state)?).await
}

/// Admin: turns a user's two-factor sign-in off (a lost phone).
#[server(prefix = "/api/fn", endpoint = "admin-reset-mfa", input = Json, client = BearerClient)]
pub async fn admin_reset_mfa(user: Field<Uuid>) -> Result<AdminUser, AppError> {
    let state = expect_context::<AppState>();
    let caller = signed_in(&state).await?;
    let mut reader = Reader::default();
    let user = reader.required("user", "User", "a user id", user);
    let user = reader.finish(user)?;
    two_factor::admin_reset(&state, &caller, user, &device(&state)?).await
}
