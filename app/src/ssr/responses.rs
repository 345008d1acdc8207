//! How an [`AppError`] leaves the server: HTTP status, headers and the JSON body.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::error::AppError;

/// The status of `err` as an `http` type.
pub fn status_of(err: &AppError) -> StatusCode {
    StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Adds the headers `err` calls for: the Bearer challenge on a 401 (RFC 6750) and `Retry-After` on
/// a 429.
pub fn add_error_headers(err: &AppError, headers: &mut HeaderMap) {
    match err {
        AppError::InvalidCredentials
        | AppError::Unauthorized { .. }
        | AppError::RefreshTokenReused
        | AppError::InvalidCode
        | AppError::PasskeyRefused => {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        _ => {}
    }
    if let Some(seconds) = err.retry_after() {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
}

/// A response for `err` with a given JSON `body` (a shape that adds fields to the standard body).
pub fn error_response(err: &AppError, body: impl serde::Serialize) -> Response {
    let mut response = (status_of(err), Json(body)).into_response();
    add_error_headers(err, response.headers_mut());
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        error_response(&self, &self)
    }
}
