//! `/`: what the app is, and where to go next.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::roles::Board;
use crate::ui::prefetch::prefetch;
use crate::ui::session::{AuthState, use_session};

/// The home page.
#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Rust Auth"/>
        <section class="hero">
            <h1>"Rust Auth"</h1>
            <p class="lead">
                "Sign up, sign in, and see the boards your roles open: every user sees the User board, "
                "project managers and admins the Management board, admins the Admin board."
            </p>
            {move || match session.state() {
                AuthState::SignedIn(current) => {
                    let boards: Vec<Board> = current.user.boards().collect();
                    view! {
                        <p>"Welcome back, " <strong>{current.user.name.clone()}</strong> "."</p>
                        <ul class="cards">
                            {boards.into_iter().map(|board| view! {
                                <li class="card">
                                    <h2><A href=board.path()>{board.title()}</A></h2>
                                    <p>{board.description()}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
                _ => view! {
                    <p class="actions">
                        <A href="/signup" attr:class="button-link primary" on:pointerenter=|_| prefetch("/signup") on:focus=|_| prefetch("/signup")>"Create an account"</A>
                        <A href="/signin" attr:class="button-link">"Sign in"</A>
                    </p>
                }.into_any(),
            }}
        </section>
        <section class="features" aria-label="How it works">
            <div><h2>"Tokens"</h2><p>"A signed JWT, kept in this browser only, sent with each request and checked by the server every time."</p></div>
            <div><h2>"Roles"</h2><p>"User, PM and Admin. The server decides what you may see; the interface only follows."</p></div>
            <div><h2>"Passwords"</h2><p>"Stored as bcrypt hashes, never sent back, never logged."</p></div>
        </section>
    }
}
