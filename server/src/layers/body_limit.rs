//! Bounded request bodies, whether their size is announced or not.
//!
//! A body announcing more than the limit in `Content-Length` is refused before a byte is read. Any
//! other body is read here, up to the limit, before the request goes on: a chunked upload that
//! grows past it is refused with the same 413 wherever it was going (REST, a server function or a
//! page), instead of failing later inside a handler that would call it malformed. Every body this
//! app accepts is a small form, so holding it in memory costs nothing worth streaming for.
//!
//! The whole body must arrive within `BODY_READ_TIMEOUT_SECS` (as the headers must within
//! `HEADER_READ_TIMEOUT_SECS`): a client trickling a body a byte at a time gets 408 rather than
//! holding a connection and a task for as long as it likes.

use std::time::Duration;

use axum::body::{Body, HttpBody as _};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_LENGTH;
use http_body_util::LengthLimitError;

use super::BODY_LIMIT_BYTES;
use app::error::AppError;

/// Refuses bodies over [`BODY_LIMIT_BYTES`] with 413, unreadable ones with 400, and ones that take
/// longer than `read_timeout` to arrive with 408.
pub async fn bounded(State(read_timeout): State<Duration>, request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > BODY_LIMIT_BYTES as u64) {
        return AppError::PayloadTooLarge.into_response();
    }
    // Most requests (every GET) have no body: nothing to read, so no timer to set.
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(read_timeout, axum::body::to_bytes(body, BODY_LIMIT_BYTES));
    let Ok(read) = read.await else {
        tracing::debug!("request body too slow");
        // Plain here; under /api the error layer writes it as our JSON body.
        return (http::StatusCode::REQUEST_TIMEOUT, [(http::header::CONNECTION, "close")]).into_response();
    };
    let bytes = match read {
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
