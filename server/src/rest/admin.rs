//! `/api/admin/...`: role administration for admins (everyone else gets 403).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use app::error::AppError;
use app::model::{AdminUser, UserPage};
use app::roles::Role;
use app::ssr::address::ClientAddr;
use app::ssr::admin;
use app::ssr::auth::AuthUser;
use app::ssr::state::AppState;

use super::json::{Fields, JsonObject};

/// Query string of the user list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Part of a username or email.
    #[serde(default)]
    q: String,
    /// Page, from 1.
    #[serde(default = "first_page")]
    page: i64,
    /// Page size, 1 to 100.
    #[serde(default = "default_per_page")]
    per_page: i64,
}

fn first_page() -> i64 {
    1
}

fn default_per_page() -> i64 {
    admin::DEFAULT_PER_PAGE
}

/// `GET /api/admin/users?q=&page=&perPage=`.
pub async fn users(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<UserPage>, AppError> {
    let Query(query) = query.map_err(|_| AppError::bad_request("page and perPage must be whole numbers."))?;
    admin::list_users(&state, &caller, &query.q, query.page, query.per_page).await.map(Json)
}

/// `POST /api/admin/users/{id}/roles` `{"role": "pm" | "admin"}`: grants the role.
pub async fn grant(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
    body: JsonObject,
) -> Result<Json<AdminUser>, AppError> {
    let mut fields = Fields::new(body);
    let role = fields.text("role");
    let errors = fields.into_errors();
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let role = parse_role(&role)?;
    admin::set_role(&state, &caller, user_id(&id)?, role, true, address).await.map(Json)
}

/// `DELETE /api/admin/users/{id}/roles/{role}`: revokes the role.
pub async fn revoke(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path((id, role)): Path<(String, String)>,
) -> Result<Json<AdminUser>, AppError> {
    let role = parse_role(&role)?;
    admin::set_role(&state, &caller, user_id(&id)?, role, false, address).await.map(Json)
}

/// `POST /api/admin/users/{id}/disable`.
pub async fn disable(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<AdminUser>, AppError> {
    admin::set_disabled(&state, &caller, user_id(&id)?, true, address).await.map(Json)
}

/// `POST /api/admin/users/{id}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<AdminUser>, AppError> {
    admin::set_disabled(&state, &caller, user_id(&id)?, false, address).await.map(Json)
}

/// Query string of the audit log.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    /// How many entries, 1 to 200 (default 20).
    limit: Option<i64>,
}

/// `GET /api/admin/audit?limit=`: the newest entries first.
pub async fn audit(
    State(state): State<AppState>,
    caller: AuthUser,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(query) = query.map_err(|_| AppError::bad_request("limit must be a whole number."))?;
    let entries =
        admin::audit_log(&state, &caller, query.limit.unwrap_or(admin::DEFAULT_AUDIT_ENTRIES)).await?;
    Ok(Json(json!({ "entries": entries })))
}

/// A user id from the path: anything but a UUID is simply not a user (404).
fn user_id(raw: &str) -> Result<Uuid, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

fn parse_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw).ok_or_else(|| AppError::invalid_field("role", "Unknown role: choose pm or admin."))
}
