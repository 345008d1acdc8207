//! The user interface: the HTML shell, the router and the pages.

pub mod csp;
pub mod form;
pub mod guard;
pub mod nav;
pub mod pages;
pub mod session;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{Link, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::roles::Board;
use nav::{NavBar, NoticeBar};
use pages::board::BoardPage;
use pages::home::Home;
use pages::not_found::NotFound;
use pages::profile::Profile;
use pages::recovery::{ForgotPassword, ResetPassword};
use pages::signin::SignIn;
use pages::signup::SignUp;
use pages::verify_email::VerifyEmail;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    csp::set_header(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="description" content="Sign up, sign in and see the boards your roles open."/>
                <link rel="stylesheet" id="leptos" href=stylesheet_href(&options)/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The stylesheet's address: with `hash-files`, its name carries the content hash written in
/// `hash.txt` beside the server binary (as leptos finds the script's), so it can be cached for good.
fn stylesheet_href(options: &LeptosOptions) -> String {
    let name = options.output_name.to_string();
    let pkg = options.site_pkg_dir.to_string();
    #[cfg(feature = "ssr")]
    if options.hash_files {
        let hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| std::fs::read_to_string(exe.with_file_name(options.hash_file.as_ref())).ok());
        let css = hashes.as_deref().and_then(|text| {
            text.lines().find_map(|line| line.trim().strip_prefix("css:").map(|hash| hash.trim().to_owned()))
        });
        if let Some(hash) = css {
            return format!("/{pkg}/{name}.{hash}.css");
        }
    }
    format!("/{pkg}/{name}.css")
}

/// `true` once the browser app is live. Until then (server rendering and the moment before the wasm
/// starts) buttons that need it stay disabled, so an early click never submits a form natively.
#[derive(Clone, Copy)]
pub struct Hydrated(pub ReadSignal<bool>);

/// The application root: session, header and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    session::provide_session();
    let (hydrated, set_hydrated) = signal(false);
    provide_context(Hydrated(hydrated));
    // Effects only run in the browser, after hydration. The attribute tells tests the app is live.
    Effect::new(move |_| {
        set_hydrated.set(true);
        #[cfg(feature = "hydrate")]
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Title text="Rust Auth"/>
        <Router>
            <NavBar/>
            <main id="main" tabindex="-1">
                <NoticeBar/>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/signup") view=SignUp/>
                    <Route path=path!("/signin") view=SignIn/>
                    <Route path=path!("/forgot-password") view=ForgotPassword/>
                    <Route path=path!("/reset-password") view=ResetPassword/>
                    <Route path=path!("/verify-email") view=VerifyEmail/>
                    <Route path=path!("/profile") view=Profile/>
                    <Route path=path!("/user") view=|| view! { <BoardPage board=Board::User/> }/>
                    <Route path=path!("/pm") view=|| view! { <BoardPage board=Board::Management/> }/>
                    <Route path=path!("/admin") view=|| view! { <BoardPage board=Board::Admin/> }/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Rust Auth · Leptos, axum and PostgreSQL"</p>
            </footer>
        </Router>
    }
}
