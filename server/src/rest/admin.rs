//! `/api/admin/...`: role administration for admins (everyone else gets 403).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use uuid::Uuid;

use app::error::AppError;
use app::model::{AdminUser, UserPage};
use app::requests::RoleRequest;
use app::roles::Role;
use app::ssr::address::ClientAddr;
use app::ssr::admin;
use app::ssr::auth::AuthUser;
use app::ssr::state::AppState;
use app::validation::FieldErrors;

use super::bodies::{AuditLog, Done};
use super::extract::JsonBody;

/// Query string of the user list, read as text so a bad number is named, not a bare 400.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Part of a username or email.
    #[serde(default)]
    q: String,
    /// Page, from 1 (default 1).
    page: Option<String>,
    /// Page size, 1 to 100 (default 10).
    per_page: Option<String>,
}

/// Query string of the audit log.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// How many entries, 1 to 200 (default 20).
    limit: Option<String>,
}

/// `GET /api/admin/users?q=&page=&perPage=`.
pub async fn users(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<UserPage>, AppError> {
    let mut problems = FieldErrors::new();
    let page = number(&mut problems, "page", "Page", query.page, 1);
    let per_page = number(&mut problems, "perPage", "perPage", query.per_page, admin::DEFAULT_PER_PAGE);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    admin::list_users(&state, &caller, &query.q, page, per_page).await.map(Json)
}

/// `GET /api/admin/audit?limit=`: the newest entries first.
pub async fn audit(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditLog>, AppError> {
    let mut problems = FieldErrors::new();
    let limit = number(&mut problems, "limit", "limit", query.limit, admin::DEFAULT_AUDIT_ENTRIES);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let entries = admin::audit_log(&state, &caller, limit).await?;
    Ok(Json(AuditLog { entries }))
}

/// `POST /api/admin/users/{id}/roles` `{"role": "pm" | "admin"}`: grants the role.
pub async fn grant(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<RoleRequest>,
) -> Result<Json<AdminUser>, AppError> {
    let role = request.read()?;
    admin::set_role(&state, &caller, user_id(&id)?, role, true, address).await.map(Json)
}

/// `DELETE /api/admin/users/{id}/roles/{role}`: revokes the role.
pub async fn revoke(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path((id, role)): Path<(String, String)>,
) -> Result<Json<AdminUser>, AppError> {
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::invalid_field("role", "Unknown role: choose pm or admin."))?;
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

/// `POST /api/admin/users/{id}/password-reset`: mails the user a reset link (202).
pub async fn send_reset(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<(axum::http::StatusCode, Json<Done>), AppError> {
    app::ssr::recovery::admin_send_reset(&state, &caller, user_id(&id)?, address).await?;
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(Done { message: "A password reset link is on its way to the user." }),
    ))
}

/// A user id from the path: anything but a UUID is simply not a user (404).
fn user_id(raw: &str) -> Result<Uuid, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// A whole number from the query string, or `default` when absent; a message when it is not one.
fn number(problems: &mut FieldErrors, name: &str, label: &str, raw: Option<String>, default: i64) -> i64 {
    match raw.as_deref().map(str::trim) {
        None | Some("") => default,
        Some(text) => text.parse().unwrap_or_else(|_| {
            problems.insert(name.to_owned(), format!("{label} must be a whole number."));
            default
        }),
    }
}
