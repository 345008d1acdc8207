//! `/api/admin/...`: role administration for admins (everyone else gets 403).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use uuid::Uuid;

use app::error::{AppError, ErrorBody};
use app::model::{AdminUser, UserPage};
use app::requests::RoleRequest;
use app::roles::Role;
use app::ssr::admin;
use app::ssr::guard::address::Device;
use app::ssr::session::caller::AuthUser;
use app::ssr::session::caller::ClientAddr;
use app::ssr::state::AppState;
use app::validation::FieldErrors;

use super::bodies::{AuditLog, Done};
use super::extract::JsonBody;
use super::responses::{BadJson, BodyLimits, Invalid, NoSuchUser, NotAdmin, Unauthorized, UserPath};

/// A query string as name → value, the last of repeated names winning: read by hand, so that a
/// repeated or odd parameter is never a bare 400, and a bad number is named in a 422.
struct Params(Vec<(String, String)>);

impl Params {
    fn new(query: Option<&str>) -> Self {
        Params(serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default())
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.clone())
    }
}

/// `GET /api/admin/users?q=&page=&perPage=`.
#[utoipa::path(
    get,
    path = "/api/admin/users",
    tag = "admin",
    summary = "Search users (paginated)",
    params(
        ("q" = Option<String>, Query, description = "Part of a username or email"),
        ("page" = Option<i64>, Query, description = "Page, from 1"),
        ("perPage" = Option<i64>, Query, description = "Page size, 1 to 100 (default 10)"),
    ),
    responses(
        (status = 200, description = "One page", body = UserPage),
        Unauthorized, Invalid, NotAdmin,
    ),
    security(("bearer" = [])),
)]
pub async fn users(
    State(state): State<AppState>,
    caller: AuthUser,
    RawQuery(query): RawQuery,
) -> Result<Json<UserPage>, AppError> {
    let params = Params::new(query.as_deref());
    let mut problems = FieldErrors::new();
    let page = number(&mut problems, "page", "Page", params.get("page"), 1);
    let per_page =
        number(&mut problems, "perPage", "perPage", params.get("perPage"), admin::DEFAULT_PER_PAGE);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    admin::list_users(&state, &caller, &params.get("q").unwrap_or_default(), page, per_page).await.map(Json)
}

/// `GET /api/admin/audit?limit=`: the newest entries first.
#[utoipa::path(
    get,
    path = "/api/admin/audit",
    tag = "admin",
    summary = "The latest audit entries",
    params(("limit" = Option<i64>, Query, description = "How many entries, 1 to 200 (default 20)")),
    responses(
        (status = 200, description = "Newest first", body = AuditLog),
        Unauthorized, Invalid, NotAdmin,
    ),
    security(("bearer" = [])),
)]
pub async fn audit(
    State(state): State<AppState>,
    caller: AuthUser,
    RawQuery(query): RawQuery,
) -> Result<Json<AuditLog>, AppError> {
    let params = Params::new(query.as_deref());
    let mut problems = FieldErrors::new();
    let limit = number(&mut problems, "limit", "limit", params.get("limit"), admin::DEFAULT_AUDIT_ENTRIES);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let entries = admin::audit_log(&state, &caller, limit).await?;
    Ok(Json(AuditLog { entries }))
}

/// `POST /api/admin/users/{id}/roles` `{"role": "pm" | "admin"}`: grants the role.
#[utoipa::path(
    post,
    path = "/api/admin/users/{id}/roles",
    tag = "admin",
    summary = "Grant `pm` or `admin`",
    request_body = RoleRequest,
    params(UserPath),
    responses(
        (status = 200, description = "The user", body = AdminUser),
        (status = 409, description = "`last_admin`", body = ErrorBody),
        Unauthorized, Invalid, BadJson, BodyLimits, NotAdmin, NoSuchUser,
    ),
    security(("bearer" = [])),
)]
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
#[utoipa::path(
    delete,
    path = "/api/admin/users/{id}/roles/{role}",
    tag = "admin",
    summary = "Revoke `pm` or `admin`",
    params(UserPath, ("role" = String, Path, description = "`pm` or `admin`")),
    responses(
        (status = 200, description = "The user", body = AdminUser),
        (status = 409, description = "`last_admin`", body = ErrorBody),
        Unauthorized, Invalid, NotAdmin, NoSuchUser,
    ),
    security(("bearer" = [])),
)]
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
#[utoipa::path(
    post,
    path = "/api/admin/users/{id}/disable",
    tag = "admin",
    summary = "Disable an account (its sessions end)",
    params(UserPath),
    responses(
        (status = 200, description = "The user", body = AdminUser),
        (status = 409, description = "`last_admin`", body = ErrorBody),
        Unauthorized, NotAdmin, NoSuchUser,
    ),
    security(("bearer" = [])),
)]
pub async fn disable(
    State(state): State<AppState>,
    device: Device,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<AdminUser>, AppError> {
    admin::set_disabled(&state, &caller, user_id(&id)?, true, &device).await.map(Json)
}

/// `POST /api/admin/users/{id}/enable`.
#[utoipa::path(
    post,
    path = "/api/admin/users/{id}/enable",
    tag = "admin",
    summary = "Enable an account",
    params(UserPath),
    responses(
        (status = 200, description = "The user", body = AdminUser),
        Unauthorized, NotAdmin, NoSuchUser,
    ),
    security(("bearer" = [])),
)]
pub async fn enable(
    State(state): State<AppState>,
    device: Device,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<AdminUser>, AppError> {
    admin::set_disabled(&state, &caller, user_id(&id)?, false, &device).await.map(Json)
}

/// `POST /api/admin/users/{id}/password-reset`: mails the user a reset link (202).
#[utoipa::path(
    post,
    path = "/api/admin/users/{id}/password-reset",
    tag = "admin",
    summary = "Mail a user a password-reset link",
    params(UserPath),
    responses(
        (status = 202, description = "Accepted", body = Done),
        Unauthorized, NotAdmin, NoSuchUser,
    ),
    security(("bearer" = [])),
)]
pub async fn send_reset(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<(axum::http::StatusCode, Json<Done>), AppError> {
    app::ssr::recovery::reset::admin_send_reset(&state, &caller, user_id(&id)?, address).await?;
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
