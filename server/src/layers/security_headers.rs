//! Security headers on every response.
//!
//! Pages get a Content-Security-Policy with a per-response nonce, set by the page shell
//! (`app::ui::csp`), which lets exactly the hydration script run. Everything else (API answers,
//! static files, errors) gets the strictest policy, since none of it is meant to run as a page.
//! With `HSTS=true` (only behind HTTPS) browsers are told to use HTTPS for two years.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use http::{HeaderName, HeaderValue};

use app::ssr::state::Profile;

/// Policy for anything that is not a page.
const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Two years, subdomains included (the value the HSTS preload list asks for).
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Headers every response carries, whatever it is.
const ALWAYS: [(HeaderName, &str); 5] = [
    (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (REFERRER_POLICY, "no-referrer"),
    // Older browsers that ignore frame-ancestors.
    (X_FRAME_OPTIONS, "DENY"),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()"),
];

/// Adds the headers; a page's own CSP (with its nonce) is kept.
pub async fn add(State(profile): State<Profile>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(NON_PAGE_CSP));
    }
    for (name, value) in ALWAYS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if profile.hsts {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}
