//! Caching rules:
//! - answers under `/api` carry tokens and personal data: never stored (`no-store`);
//! - client files whose name carries a content hash (`/pkg/rust-auth.<hash>.wasm`, built with
//!   cargo-leptos' `hash-files`) never change under that name: cached for a year, `immutable`;
//! - pages and anything else that may change under the same address: `no-cache` (the browser
//!   revalidates), so a new deploy is seen at once and no stale client meets a new server;
//! - the split build's loader (`/pkg/__wasm_split.<hash>.js`, which names the page chunks) is the
//!   exception: cargo-leptos 0.3.5 hashes it *before* writing the chunks' hashed names into it
//!   (cargo-leptos issue #658), so a new build can keep its name while changing what it loads. It
//!   is revalidated (`no-cache`) like a page; a browser that still has it gets a 304;
//! - the public keys and their discovery document (`/.well-known/...`) say themselves how long
//!   they may be kept (`JWKS_MAX_AGE_SECS`): their own header stays.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use http::header::CACHE_CONTROL;

/// Sets `Cache-Control` on every answer.
pub async fn control(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if path.starts_with("/.well-known/") && response.headers().contains_key(CACHE_CONTROL) {
        return response;
    }
    let value = if path.starts_with("/api/") {
        "no-store"
    } else if path.starts_with("/pkg/")
        && is_hashed(&path)
        && !path.starts_with("/pkg/__wasm_split")
        && response.status().is_success()
    {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// Whether a file name carries a content hash: a dot-separated part of 16 or more URL-safe
/// characters, as cargo-leptos writes them (`rust-auth.GhyLnY2ZyJH8ftqCbyw1yw.wasm`).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() >= 16 && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        })
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn hashed_names_are_told_apart() {
        assert!(is_hashed("/pkg/rust-auth.GhyLnY2ZyJH8ftqCbyw1yw.wasm"));
        assert!(is_hashed("/pkg/rust-auth.GhyLnY2ZyJH8ftqCbyw1yw.wasm.br"));
        assert!(!is_hashed("/pkg/rust-auth.wasm"));
        assert!(!is_hashed("/pkg/rust-auth.css"));
        assert!(!is_hashed("/favicon.svg"));
    }
}
