//! JSON error bodies, and the right status, for everything under `/api`.
//!
//! Two kinds of answers need fixing on the way out:
//! - refusals made by layers (body limit, timeout, wrong method), which are plain text;
//! - server-function errors, which the framework always sends as 500 (it only knows our status
//!   when the function body itself ran; a call whose arguments cannot be decoded never gets there).
//!   Their body is our own error JSON, so the status is read back from its `error` code.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use serde_json::json;

use app::error::AppError;

/// Set by server_fn on every error response of a server function.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";

/// `/api/...` with no handler.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Rewrites a non-JSON error response of an `/api` route into `{"error", "message"}`, keeping its
/// status and headers.
pub async fn json_api_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if is_api {
        // Answers carry tokens and personal data: never cache them anywhere.
        response
            .headers_mut()
            .insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    }
    if response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return with_server_fn_status(response).await;
    }
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

/// Gives a server-function error the status of the [`AppError`] in its body.
async fn with_server_fn_status(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return AppError::Internal.into_response();
    };
    match serde_json::from_slice::<AppError>(&bytes) {
        Ok(err) => {
            parts.status = app::ssr::http::status_of(&err);
            app::ssr::http::add_error_headers(&err, &mut parts.headers);
        }
        Err(_) => tracing::error!("a server function answered with an error body that is not ours"),
    }
    Response::from_parts(parts, Body::from(bytes))
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
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("bad_request", "Send the body as JSON."),
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "The service is temporarily unavailable."),
        s if s.is_client_error() => ("bad_request", "The request was refused."),
        _ => ("internal", "Something went wrong on our side. Try again later."),
    }
}
