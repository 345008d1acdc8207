//! Bounded request bodies, whether their size is announced or not.
//!
//! A body announcing more than the limit in `Content-Length` is refused before a byte is read. Any
//! other body is read here, up to the limit, before the request goes on: a chunked upload that
//! grows past it is refused with the same 413 wherever it was going (REST, a server function or a
//! page), instead of failing later inside a handler that would call it malformed. Every body this
//! app accepts is a small form, so holding it in memory costs nothing worth streaming for.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_LENGTH;
use http_body_util::LengthLimitError;

use super::BODY_LIMIT_BYTES;
use app::error::AppError;

/// Refuses bodies over [`BODY_LIMIT_BYTES`] with 413, and unreadable ones with 400.
pub async fn bounded(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > BODY_LIMIT_BYTES as u64) {
        return AppError::PayloadTooLarge.into_response();
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) if is_too_large(&err) => return AppError::PayloadTooLarge.into_response(),
        Err(err) => {
            tracing::debug!(%err, "unreadable request body");
            return AppError::bad_request("The request body could not be read.").into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn is_too_large(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if current.is::<LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}
