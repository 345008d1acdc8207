//! The header: brand, the boards the signed-in user's roles open, and the session controls.

use leptos::prelude::*;
use leptos_router::components::A;

use super::prefetch::prefetch;
use super::routes::prefetch_when_idle;
use super::session::{AuthState, use_session};

/// The site header with the main navigation.
#[component]
pub fn NavBar() -> impl IntoView {
    let session = use_session();
    // Once signed in, the boards this user can open load their code in the background: again only
    // when that list changes (a token renewal changes the session, not the boards).
    let boards = Memo::new(move |_| match session.state() {
        AuthState::SignedIn(current) => current.user.boards().map(|board| board.path()).collect(),
        _ => Vec::new(),
    });
    Effect::new(move |_| {
        let paths = boards.get();
        if !paths.is_empty() {
            prefetch_when_idle(paths);
        }
    });
    view! {
        <header class="site-header">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <nav aria-label="Main">
                <A href="/" attr:class="brand">
                    <span aria-hidden="true" class="brand-mark"></span>
                    "Rust Auth"
                </A>
                {move || match session.state() {
                    AuthState::Unknown => view! { <div class="nav-links" aria-hidden="true"></div> }.into_any(),
                    AuthState::SignedOut => view! {
                        <ul class="nav-links">
                            <li><A href="/signin">"Sign in"</A></li>
                            <li><A href="/signup" attr:class="button-link" on:pointerenter=|_| prefetch("/signup") on:focus=|_| prefetch("/signup")>"Sign up"</A></li>
                        </ul>
                    }.into_any(),
                    AuthState::SignedIn(current) => {
                        let boards = current.user.boards().collect::<Vec<_>>();
                        view! {
                            <ul class="nav-links">
                                {boards.into_iter().map(|board| view! {
                                    <li><A href=board.path() on:pointerenter=move |_| prefetch(board.path()) on:focus=move |_| prefetch(board.path())>{board.title()}</A></li>
                                }).collect_view()}
                                <li><A href="/account" on:pointerenter=|_| prefetch("/account") on:focus=|_| prefetch("/account")>"Account"</A></li>
                            </ul>
                            <div class="nav-session">
                                <span class="signed-in-as">
                                    <span class="label">"Signed in as "</span><strong data-testid="nav-username">{current.user.username.clone()}</strong>
                                </span>
                                <button type="button" class="secondary" on:click=move |_| session.end()>
                                    "Sign out"
                                </button>
                            </div>
                        }.into_any()
                    }
                }}
            </nav>
        </header>
    }
}

/// The page-wide notice (session expired, account created, ...).
#[component]
pub fn NoticeBar() -> impl IntoView {
    let session = use_session();
    move || {
        session.notice().map(|notice| {
            let (class, role) = if notice.warning { ("notice warning", "alert") } else { ("notice", "status") };
            view! {
                <div class=class role=role>
                    <p>{notice.text}</p>
                    <button type="button" class="dismiss" aria-label="Dismiss message" on:click=move |_| session.dismiss()>
                        "×"
                    </button>
                </div>
            }
        })
    }
}
