//! Security headers on every response.
//!
//! Pages get a Content-Security-Policy with a per-response nonce, set by the page shell
//! (`app::ui::csp`), which lets exactly the hydration script run. Everything else (API answers,
//! static files, errors) gets the strictest policy, since none of it is meant to run as a page.

use http::HeaderValue;
use http::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

/// Policy for anything that is not a page.
const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

type Layer = SetResponseHeaderLayer<HeaderValue>;

/// The headers layer stack.
pub type SecurityHeaders = ServiceBuilder<
    Stack<Layer, Stack<Layer, Stack<Layer, Stack<Layer, Stack<Layer, Stack<Layer, Identity>>>>>>,
>;

/// Adds the headers; a page's own CSP (with its nonce) is kept.
pub fn headers() -> SecurityHeaders {
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NON_PAGE_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        // Older browsers that ignore frame-ancestors.
        .layer(SetResponseHeaderLayer::overriding(X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            http::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            http::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
        ))
}
