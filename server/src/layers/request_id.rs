//! Request ids: every request gets one, taken from a trusted proxy's `x-request-id` or generated
//! here. It is answered in `x-request-id`, carried by every log line of the request (the request
//! span has it), and added to the body of a 5xx answer, so a person can quote it.

use std::sync::Arc;

use app::ssr::guard::address::{is_trusted_proxy, peer_address};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue};
use ipnet::IpNet;

/// The header it travels in.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Longest id taken from a proxy; anything else is replaced by our own.
const MAX_LEN: usize = 64;
/// Largest 5xx body read to add the id to (ours are small).
const MAX_ERROR_BODY: usize = 16 * 1024;

/// The id of the request being served (a request extension).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Proxies whose `x-request-id` is believed.
#[derive(Clone)]
pub struct Trusted(pub Arc<[IpNet]>);

/// Sets the id, answers it, and adds it to 5xx JSON bodies.
pub async fn assign(State(Trusted(proxies)): State<Trusted>, mut request: Request, next: Next) -> Response {
    let from_proxy = peer_address(request.extensions()).is_some_and(|peer| is_trusted_proxy(&peer, &proxies));
    let given = request
        .headers()
        .get(&HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| from_proxy && !id.is_empty() && id.len() <= MAX_LEN)
        .filter(|id| id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .map(str::to_owned);
    let id = given.unwrap_or_else(|| uuid::Uuid::from_u128(rand::random()).simple().to_string());
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    response.headers_mut().insert(HEADER, value);
    if response.status().is_server_error() { with_id_in_body(response, &id).await } else { response }
}

/// Adds `"requestId"` to a JSON error body.
async fn with_id_in_body(response: Response, id: &str) -> Response {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut object)) => {
            object.insert("requestId".into(), id.into());
            parts.headers.remove(http::header::CONTENT_LENGTH);
            Body::from(serde_json::Value::Object(object).to_string())
        }
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}
