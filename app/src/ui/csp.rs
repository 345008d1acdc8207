//! The Content-Security-Policy of pages, set by the server while it renders the shell.
//!
//! Scripts may only come from this origin or carry this response's nonce (leptos puts it on the
//! hydration script); `'wasm-unsafe-eval'` lets the browser compile the app's WebAssembly, nothing
//! else is evaluated. No inline styles, no plugins, no framing, no foreign form targets.

use leptos::config::{Env, LeptosOptions};

/// The policy for a page whose scripts carry `nonce`. A development build (`LEPTOS_ENV=DEV`) not
/// running in production (`APP_ENV`) also allows the live-reload socket of `cargo leptos watch`.
pub fn policy(nonce: &str, options: &LeptosOptions, production: bool) -> String {
    let connect = match options.env {
        Env::DEV if !production => "'self' ws://127.0.0.1:* ws://localhost:*",
        _ => "'self'",
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src {connect}; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page's CSP header for the response being rendered. Without the app state in context
/// (never the case when serving) the production policy is the safe choice.
#[cfg(feature = "ssr")]
pub fn set_header(options: &LeptosOptions) {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let production =
        use_context::<crate::ssr::state::AppState>().is_none_or(|state| state.profile.production);
    if let Ok(value) = http::HeaderValue::from_str(&policy(&nonce, options, production)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_policy_is_strict() {
        let options = LeptosOptions::builder().output_name("x").env(Env::PROD).build();
        let policy = policy("abc", &options, false);
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline") && !policy.contains("ws:"));
    }

    #[test]
    fn app_env_production_wins_over_a_development_build() {
        let dev = LeptosOptions::builder().output_name("x").env(Env::DEV).build();
        assert!(policy("abc", &dev, false).contains("ws://127.0.0.1:*"));
        assert!(!policy("abc", &dev, true).contains("ws:"));
    }
}
