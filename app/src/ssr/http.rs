//! How errors leave the server: HTTP status, headers and the JSON body.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::header::WWW_AUTHENTICATE;
use http::{HeaderValue, StatusCode};

use crate::error::AppError;

/// The status of `err` as an `http` type.
pub fn status_of(err: &AppError) -> StatusCode {
    StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A response for `err` with a given JSON `body` (callers may add fields to the standard body).
pub fn error_response(err: &AppError, body: serde_json::Value) -> Response {
    let mut response = (status_of(err), Json(body)).into_response();
    if response.status() == StatusCode::UNAUTHORIZED {
        // RFC 6750: a 401 names the scheme the client should use.
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::to_value(&self).unwrap_or_default();
        error_response(&self, body)
    }
}
