//! Pages that need a signed-in user: wait for the session to be known, send a signed-out visitor
//! to Sign in (and back here afterwards), render the page otherwise.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};

use super::session::{AuthState, use_session};

/// Renders `children` only for a signed-in user.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        if session.state() == AuthState::SignedOut {
            let next = location.pathname.get_untracked();
            let options = NavigateOptions { replace: true, ..Default::default() };
            navigate(&format!("/signin?next={next}"), options);
        }
    });
    // Only whether the visitor is signed in matters here: a renewed token or a refreshed user
    // changes the session too, and must not rebuild the page (a half-typed form would be lost).
    let signed_in = Memo::new(move |_| match session.state() {
        AuthState::SignedIn(_) => Some(true),
        AuthState::Unknown => None,
        AuthState::SignedOut => Some(false),
    });
    move || match signed_in.get() {
        Some(true) => children().into_any(),
        None => view! { <p class="loading" aria-live="polite">"Checking your session…"</p> }.into_any(),
        Some(false) => view! {
            <p>"You need to " <a href="/signin">"sign in"</a> " to see this page."</p>
        }
        .into_any(),
    }
}

/// `next` if it is a path of this site (never another origin: `//evil.example` is refused).
pub fn safe_next(next: Option<String>) -> String {
    next.filter(|path| {
        path.starts_with('/')
            && !path.starts_with("//")
            && path.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_'))
    })
    .unwrap_or_else(|| "/".to_owned())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/admin".into())), "/admin");
        assert_eq!(safe_next(Some("//evil.example".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(Some("/x?y=<script>".into())), "/");
        assert_eq!(safe_next(None), "/");
    }
}
