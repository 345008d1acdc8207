//! The pages whose code the first load does not carry. Home and Sign in are in the main client;
//! Sign up (with its passkey and role choices), the boards, each account page (Account, Security, Devices, Danger zone), the Admin tools,
//! password recovery and email verification are loaded the first time they are visited.
//!
//! Every page here is a [`LazyRoute`] whose view comes from a function marked `#[lazy]` in a split
//! build (the `split` feature, built with `cargo leptos build --split`): wasm-split moves that
//! function, and all the code only it reaches, into a chunk of its own. An unsplit build (no
//! feature) compiles the same routes with the views in the main client, so both builds render and
//! hydrate the same markup. The server always marks the views `#[lazy]`: that only records which
//! chunks a page used, so the page it renders asks the browser to preload them at once (no waterfall
//! when someone opens `/admin` directly).

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::pages::account::{AccountOverview, DangerZone, Devices, SecuritySettings};
use super::pages::admin::AdminTools;
use super::pages::board::{BoardData, BoardPage};
use super::pages::recovery::{ForgotPassword, ResetPassword};
use super::pages::signup::SignUp;
use super::pages::verify_email::VerifyEmail;
use crate::roles::Board;

// Each page: its route type, holding what `data()` starts loading the moment the route matches (the
// boards ask the server for their content while their code is still on its way), the function
// building its view (split off in a split build), and the route's `preload`, which fetches the
// chunk without showing the page (see [`load_page_code`]).
// Written out rather than generated: `#[lazy]` names each chunk after its function and call site.

/// `/user`: the User board.
pub struct UserBoard {
    data: BoardData,
}

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn user_board(data: BoardData) -> AnyView {
    view! { <BoardPage data=data/> }.into_any()
}

impl LazyRoute for UserBoard {
    fn data() -> Self {
        Self { data: BoardData::load(Board::User) }
    }

    async fn view(this: Self) -> AnyView {
        user_board(this.data).await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_user_board().await
    }
}

/// `/pm`: the Management board.
pub struct ManagementBoard {
    data: BoardData,
}

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn management_board(data: BoardData) -> AnyView {
    view! { <BoardPage data=data/> }.into_any()
}

impl LazyRoute for ManagementBoard {
    fn data() -> Self {
        Self { data: BoardData::load(Board::Management) }
    }

    async fn view(this: Self) -> AnyView {
        management_board(this.data).await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_management_board().await
    }
}

/// `/admin`: the Admin board and its tools (the largest page).
pub struct AdminBoard {
    data: BoardData,
}

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn admin_board(data: BoardData) -> AnyView {
    view! { <BoardPage data=data><AdminTools/></BoardPage> }.into_any()
}

impl LazyRoute for AdminBoard {
    fn data() -> Self {
        Self { data: BoardData::load(Board::Admin) }
    }

    async fn view(this: Self) -> AnyView {
        admin_board(this.data).await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_admin_board().await
    }
}

/// `/account`: who you are, your name and your address.
pub struct AccountPage;

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn account_page() -> AnyView {
    view! { <AccountOverview/> }.into_any()
}

impl LazyRoute for AccountPage {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        account_page().await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_account_page().await
    }
}

/// `/account/security`: the password and two-factor sign-in.
pub struct SecurityPage;

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn security_page() -> AnyView {
    view! { <SecuritySettings/> }.into_any()
}

impl LazyRoute for SecurityPage {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        security_page().await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_security_page().await
    }
}

/// `/account/devices`: where you are signed in.
pub struct DevicesPage;

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn devices_page() -> AnyView {
    view! { <Devices/> }.into_any()
}

impl LazyRoute for DevicesPage {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        devices_page().await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_devices_page().await
    }
}

/// `/account/danger`: deleting the account.
pub struct DangerPage;

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn danger_page() -> AnyView {
    view! { <DangerZone/> }.into_any()
}

impl LazyRoute for DangerPage {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        danger_page().await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_danger_page().await
    }
}

/// `/signup`.
pub struct SignUpPage;

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn sign_up_page() -> AnyView {
    view! { <SignUp/> }.into_any()
}

impl LazyRoute for SignUpPage {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        sign_up_page().await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_sign_up_page().await
    }
}

/// `/forgot-password`.
pub struct ForgotPasswordPage;

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn forgot_password_page() -> AnyView {
    view! { <ForgotPassword/> }.into_any()
}

impl LazyRoute for ForgotPasswordPage {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        forgot_password_page().await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_forgot_password_page().await
    }
}

/// `/reset-password`, opened from a mail.
pub struct ResetPasswordPage;

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn reset_password_page() -> AnyView {
    view! { <ResetPassword/> }.into_any()
}

impl LazyRoute for ResetPasswordPage {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        reset_password_page().await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_reset_password_page().await
    }
}

/// `/verify-email`, opened from a mail.
pub struct VerifyEmailPage;

#[cfg_attr(any(feature = "ssr", feature = "split"), leptos::lazy)]
async fn verify_email_page() -> AnyView {
    view! { <VerifyEmail/> }.into_any()
}

impl LazyRoute for VerifyEmailPage {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        verify_email_page().await
    }

    #[cfg(all(feature = "split", not(feature = "ssr")))]
    async fn preload() {
        __preload_verify_email_page().await
    }
}

/// Starts loading a page's code before it is opened (a pointer over its link, or focus on it), so
/// the click finds it ready. Does nothing for pages in the main client, or in an unsplit build.
/// Pages reach it through `ui::prefetch`, where the app registers it.
pub fn load_page_code(path: &str) {
    #[cfg(all(feature = "split", not(feature = "ssr")))]
    {
        use leptos::task::spawn_local;
        match path {
            "/user" => spawn_local(UserBoard::preload()),
            "/pm" => spawn_local(ManagementBoard::preload()),
            "/admin" => spawn_local(AdminBoard::preload()),
            "/account" => spawn_local(AccountPage::preload()),
            "/account/security" => spawn_local(SecurityPage::preload()),
            "/account/devices" => spawn_local(DevicesPage::preload()),
            "/account/danger" => spawn_local(DangerPage::preload()),
            "/forgot-password" => spawn_local(ForgotPasswordPage::preload()),
            "/signup" => spawn_local(SignUpPage::preload()),
            _ => {}
        }
    }
    #[cfg(not(all(feature = "split", not(feature = "ssr"))))]
    let _ = path;
}

/// Fetches the code of `paths` once the browser is idle, so that the pages a signed-in user is most
/// likely to open next (their boards) are ready before their link is clicked. Skipped when the
/// visitor asked to save data (`navigator.connection.saveData`: Chromium's Lite mode, Android's
/// Data Saver): then a page's code comes on hover, focus or click as before. Safari has no
/// `requestIdleCallback`; a short delay stands in for it there.
pub fn prefetch_when_idle(paths: Vec<&'static str>) {
    #[cfg(all(feature = "split", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Some(window) = web_sys::window() else { return };
        if saves_data(&window) {
            return;
        }
        let run = Closure::once_into_js(move || paths.into_iter().for_each(load_page_code));
        let callback = run.unchecked_ref::<js_sys::Function>();
        if js_sys::Reflect::has(&window, &"requestIdleCallback".into()).unwrap_or(false) {
            let _ = window.request_idle_callback(callback);
        } else {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(callback, 1_500);
        }
    }
    #[cfg(not(all(feature = "split", not(feature = "ssr"))))]
    let _ = paths;
}

/// Whether the visitor asked the browser to save data (false where the browser cannot say).
#[cfg(all(feature = "split", not(feature = "ssr")))]
fn saves_data(window: &web_sys::Window) -> bool {
    js_sys::Reflect::get(&window.navigator(), &"connection".into())
        .ok()
        .filter(|connection| connection.is_object())
        .and_then(|connection| js_sys::Reflect::get(&connection, &"saveData".into()).ok())
        .and_then(|save| save.as_bool())
        .unwrap_or(false)
}
