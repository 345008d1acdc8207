//! `GET /api/test/{user,pm,admin}`: the tutorial's protected boards.

use axum::Json;

use app::error::{AppError, ErrorBody};
use app::model::BoardContent;
use app::roles::Board;
use app::ssr::identity::accounts;
use app::ssr::session::caller::AuthUser;

use super::responses::Unauthorized;

/// `GET /api/test/user`: any signed-in user.
#[utoipa::path(
    get,
    path = "/api/test/user",
    tag = "boards",
    summary = "The User board (any signed-in user)",
    responses(
        (status = 200, description = "The board", body = BoardContent),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn user(caller: AuthUser) -> Result<Json<BoardContent>, AppError> {
    accounts::open_board(caller, Board::User).map(Json)
}

/// `GET /api/test/pm`: PM or Admin.
#[utoipa::path(
    get,
    path = "/api/test/pm",
    tag = "boards",
    summary = "The Management board (PM or Admin)",
    responses(
        (status = 200, description = "The board", body = BoardContent),
        (status = 403, description = "Require PM or Admin Roles!", body = ErrorBody),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn pm(caller: AuthUser) -> Result<Json<BoardContent>, AppError> {
    accounts::open_board(caller, Board::Management).map(Json)
}

/// `GET /api/test/admin`: Admin only.
#[utoipa::path(
    get,
    path = "/api/test/admin",
    tag = "boards",
    summary = "The Admin board (Admin)",
    responses(
        (status = 200, description = "The board", body = BoardContent),
        (status = 403, description = "Require Admin Role! (or `mfa_setup_required`)", body = ErrorBody),
        Unauthorized,
    ),
    security(("bearer" = [])),
)]
pub async fn admin(caller: AuthUser) -> Result<Json<BoardContent>, AppError> {
    accounts::open_board(caller, Board::Admin).map(Json)
}
