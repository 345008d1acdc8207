//! `GET /api/test/{user,pm,admin}`: the tutorial's protected boards.

use axum::Json;

use app::error::AppError;
use app::model::BoardContent;
use app::roles::Board;
use app::ssr::accounts;
use app::ssr::auth::AuthUser;

/// `GET /api/test/user`: any signed-in user.
pub async fn user(caller: AuthUser) -> Result<Json<BoardContent>, AppError> {
    accounts::open_board(caller, Board::User).map(Json)
}

/// `GET /api/test/pm`: PM or Admin.
pub async fn pm(caller: AuthUser) -> Result<Json<BoardContent>, AppError> {
    accounts::open_board(caller, Board::Management).map(Json)
}

/// `GET /api/test/admin`: Admin only.
pub async fn admin(caller: AuthUser) -> Result<Json<BoardContent>, AppError> {
    accounts::open_board(caller, Board::Admin).map(Json)
}
