//! The user interface: the HTML shell, the router and the pages.

pub mod csp;
pub mod form;
pub mod guard;
pub mod nav;
pub mod pages;
pub mod passkey;
pub mod prefetch;
pub mod routes;
pub mod session;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{Link, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, path};

use nav::{NavBar, NoticeBar};
use pages::account::AccountLayout;
use pages::home::Home;
use pages::not_found::NotFound;
use pages::signin::SignIn;
use routes::{
    AccountPage, AdminBoard, DangerPage, DevicesPage, ForgotPasswordPage, ManagementBoard, ResetPasswordPage,
    SecurityPage, SignUpPage, UserBoard, VerifyEmailPage,
};

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
                {chunk_loader_href(&options).map(|href| view! { <link rel="modulepreload" href=href/> })}
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
    match built_file_hash(options, "css") {
        Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
        None => format!("/{pkg}/{name}.css"),
    }
}

/// In a split build, the loader of the page chunks (`__wasm_split.<hash>.js`). Every page asks for
/// it early, so the first click on a page whose code is not loaded yet waits for the chunks only,
/// not for the loader first and then the chunks (one round trip less).
fn chunk_loader_href(options: &LeptosOptions) -> Option<String> {
    let hash = built_file_hash(options, "split")?;
    Some(format!("/{}/__wasm_split.{hash}.js", options.site_pkg_dir))
}

/// A client file's content hash from `hash.txt` (`css: <hash>`), when the build hashes file names.
fn built_file_hash(options: &LeptosOptions, kind: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    if options.hash_files {
        // Read once, not on every page rendered: the file sits beside the binary and belongs to it.
        static HASHES: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
        let hashes = HASHES
            .get_or_init(|| {
                let exe = std::env::current_exe().ok()?;
                std::fs::read_to_string(exe.with_file_name(options.hash_file.as_ref())).ok()
            })
            .as_deref()?;
        let prefix = format!("{kind}:");
        return hashes
            .lines()
            .find_map(|line| line.trim().strip_prefix(&prefix).map(|hash| hash.trim().to_owned()));
    }
    let _ = (options, kind);
    None
}

/// `true` once the browser app is live: the whole page is hydrated, including a page whose code
/// (a split chunk, see routes.rs) had to arrive first. Until then (server rendering, and while
/// hydration runs or waits for a chunk) buttons that need the app stay disabled, so an early click
/// never submits a form natively, and nothing that changes what the page shows may run: the markup
/// still being hydrated must match the server's.
#[derive(Clone, Copy)]
pub struct Hydrated(pub Signal<bool>);

#[cfg(feature = "hydrate")]
thread_local! {
    static HYDRATION_FINISHED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Called by the browser entry point once hydration has finished.
#[cfg(feature = "hydrate")]
pub fn hydration_finished() {
    HYDRATION_FINISHED.with(|finished| finished.set(true));
}

fn hydration_signal() -> Signal<bool> {
    #[cfg(feature = "hydrate")]
    {
        let finished = HYDRATION_FINISHED.with(ArcRwSignal::clone);
        Signal::derive(move || finished.get())
    }
    #[cfg(not(feature = "hydrate"))]
    Signal::stored(false)
}

/// The application root: session, header and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    prefetch::register(routes::load_page_code);
    let hydrated = hydration_signal();
    provide_context(Hydrated(hydrated));
    session::provide_session(hydrated);
    // The attribute tells tests (and scripts) the app is live.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if hydrated.get()
            && let Some(root) = document().document_element()
        {
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
                    <Route path=path!("/signin") view=SignIn/>
                    // The pages below load their code when first visited (see routes.rs).
                    <Route path=path!("/signup") view={Lazy::<SignUpPage>::new()}/>
                    <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordPage>::new()}/>
                    <Route path=path!("/reset-password") view={Lazy::<ResetPasswordPage>::new()}/>
                    <Route path=path!("/verify-email") view={Lazy::<VerifyEmailPage>::new()}/>
                    // The old way in to the account pages.
                    <Route path=path!("/profile") view=|| view! { <Redirect path="/account"/> }/>
                    <ParentRoute path=path!("/account") view=AccountLayout>
                        <Route path=path!("") view={Lazy::<AccountPage>::new()}/>
                        <Route path=path!("security") view={Lazy::<SecurityPage>::new()}/>
                        <Route path=path!("devices") view={Lazy::<DevicesPage>::new()}/>
                        <Route path=path!("danger") view={Lazy::<DangerPage>::new()}/>
                    </ParentRoute>
                    <Route path=path!("/user") view={Lazy::<UserBoard>::new()}/>
                    <Route path=path!("/pm") view={Lazy::<ManagementBoard>::new()}/>
                    <Route path=path!("/admin") view={Lazy::<AdminBoard>::new()}/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Rust Auth · Leptos, axum and PostgreSQL"</p>
            </footer>
        </Router>
    }
}
