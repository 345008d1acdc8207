//! The rules server functions (`/api/fn/...`) answer by, beyond what the framework does:
//! - only `POST` with a JSON body: another method is 405, another content type 415, an unknown
//!   function 404 (the framework would say 400 in plain text);
//! - never a redirect: leptos answers a request that accepts `text/html` and names a `Referer`
//!   with a 302 back to it (for forms posted without JavaScript). Our functions are an API, so
//!   both headers are removed before the call;
//! - the error's own status: the framework sends every server-function error as 500, and a call
//!   whose arguments cannot be decoded never reaches our code. Every error body is our
//!   [`AppError`] JSON, so its status and headers are set here, where the error leaves as a
//!   response (`app::api` points here).

use std::collections::HashSet;
use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{ACCEPT, CONTENT_TYPE, REFERER};
use http::{HeaderValue, Method};

use app::error::AppError;
use app::ssr::responses::{add_error_headers, status_of};

/// Where server functions live.
pub const PREFIX: &str = "/api/fn/";
/// Set by server_fn on every error response of a server function.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Largest error body read back (ours are a few hundred bytes).
const ERROR_BODY_MAX_BYTES: usize = 16 * 1024;

/// Every registered server function's path.
static PATHS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| server_fn::axum::server_fn_paths().map(|(path, _)| path).collect());

/// The middleware; requests outside `/api/fn/` pass untouched.
pub async fn guard(mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with(PREFIX) {
        return next.run(request).await;
    }
    if !PATHS.contains(path) {
        return AppError::NotFound.into_response();
    }
    if request.method() != Method::POST {
        return method_not_allowed();
    }
    if !is_json(request.headers().get(CONTENT_TYPE)) {
        return AppError::UnsupportedMediaType.into_response();
    }
    let headers = request.headers_mut();
    headers.remove(REFERER);
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let response = next.run(request).await;
    if response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        with_error_status(response).await
    } else {
        response
    }
}

/// `application/json`, in any case, with or without parameters such as `charset`.
pub fn is_json(content_type: Option<&HeaderValue>) -> bool {
    content_type.and_then(|value| value.to_str().ok()).is_some_and(|value| {
        let essence = value.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case("application/json")
    })
}

fn method_not_allowed() -> Response {
    let body = serde_json::json!({
        "error": "method_not_allowed",
        "message": "Server functions are called with POST.",
    });
    let mut response = (http::StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response();
    response.headers_mut().insert(http::header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// Gives a server-function error the status of the [`AppError`] in its body.
async fn with_error_status(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_MAX_BYTES).await else {
        return AppError::Internal.into_response();
    };
    match serde_json::from_slice::<AppError>(&bytes) {
        Ok(err) => {
            parts.status = status_of(&err);
            add_error_headers(&err, &mut parts.headers);
        }
        Err(_) => tracing::error!("a server function answered with an error body that is not ours"),
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let is = |value: &str| is_json(Some(&HeaderValue::from_str(value).unwrap()));
        assert!(is("application/json"));
        assert!(is("Application/JSON; charset=utf-8"));
        assert!(!is("application/x-www-form-urlencoded"));
        assert!(!is("text/plain"));
        assert!(!is("application/jsonx"));
        assert!(!is_json(None));
    }
}
