//! Any unknown path: a real 404.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The 404 page; sets the HTTP status when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p><A href="/">"Back to the home page"</A></p>
        </section>
    }
}
