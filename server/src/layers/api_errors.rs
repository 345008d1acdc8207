//! JSON error bodies for everything under `/api`.
//!
//! Refusals made by layers and by the router (the timeout's 408, a wrong method's 405, a plain-text
//! 400) have no body a client can parse; under `/api` they are rewritten into
//! `{"error", "message"}`, keeping their status and headers.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use serde_json::json;

use app::error::AppError;

/// `/api/...` with no handler.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Rewrites a non-JSON error response of an `/api` route into `{"error", "message"}`.
pub async fn as_json(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (code, message) = describe(status);
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(http::header::CONTENT_LENGTH);
    let body = axum::Json(json!({ "error": code, "message": message })).into_response();
    parts.headers.insert(CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    Response::from_parts(parts, Body::new(body.into_body()))
}

fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("bad_request", "The request could not be understood."),
        StatusCode::NOT_FOUND => ("not_found", "Not found."),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "This endpoint does not accept that method.")
        }
        StatusCode::REQUEST_TIMEOUT => ("timeout", "The request took too long and was stopped."),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The request body is too large."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "Send the body as JSON, with `Content-Type: application/json`.")
        }
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "The service is temporarily unavailable."),
        s if s.is_client_error() => ("bad_request", "The request was refused."),
        _ => ("internal", "Something went wrong on our side. Try again later."),
    }
}
