//! `/account/…`: the signed-in user's account, arranged the way GitHub and Google arrange theirs, in
//! four pages reached by a sub-navigation:
//! - Account (`/account`): who you are, your name and your email address;
//! - Security (`/account/security`): your password, your passkeys and two-factor sign-in;
//! - Devices (`/account/devices`): where you are signed in; sign out one device, the others, or
//!   everywhere;
//! - Danger zone (`/account/danger`): deleting the account.
//!
//! The layout (heading and sub-navigation) is in the main client; each page's code is loaded when it
//! is first opened (see `routes.rs`). `/profile`, the old way in, leads to `/account`.

pub mod confirm;
pub mod devices;
pub mod edit;
pub mod email;
pub mod passkeys;
pub mod password;
pub mod two_factor;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Outlet};

use self::devices::{SessionList, SignOutEverywhere};
use self::edit::{DeleteAccount, EditName};
use self::email::{ChangeEmail, EmailStatus};
use self::passkeys::Passkeys;
use self::password::ChangePassword;
use self::two_factor::TwoFactor;
use crate::model::PublicUser;
use crate::ui::guard::RequireSignIn;
use crate::ui::prefetch::prefetch;
use crate::ui::session::use_session;

/// The account pages' paths and names, in the sub-navigation's order.
pub const PAGES: [(&str, &str); 4] = [
    ("/account", "Account"),
    ("/account/security", "Security"),
    ("/account/devices", "Devices"),
    ("/account/danger", "Danger zone"),
];

/// The frame of every account page: its heading, the sub-navigation, and the page (signed in only).
#[component]
pub fn AccountLayout() -> impl IntoView {
    view! {
        <section class="panel account">
            <h1>"Your account"</h1>
            <nav aria-label="Account" class="subnav">
                <ul>
                    {PAGES.into_iter().map(|(path, name)| view! {
                        <li>
                            <A href=path exact=true on:pointerenter=move |_| prefetch(path)
                                on:focus=move |_| prefetch(path)>{name}</A>
                        </li>
                    }).collect_view()}
                </ul>
            </nav>
            <RequireSignIn>
                <Outlet/>
            </RequireSignIn>
        </section>
    }
}

/// The signed-in user, rebuilt only when the user changes, not when the tokens are renewed (so a
/// half-typed form stays as it is).
fn current_user() -> Memo<Option<PublicUser>> {
    let session = use_session();
    Memo::new(move |_| session.user())
}

/// `/account`: who you are, your name and your address.
#[component]
pub fn AccountOverview() -> impl IntoView {
    let user = current_user();
    view! {
        <Title text="Account · Rust Auth"/>
        {move || user.get().map(|user| view! {
            <h2 class="visually-hidden">"Account"</h2>
            <UserDetails user=user.clone()/>
            <p>"Email address: " <EmailStatus verified=user.email_verified/></p>
            <EditName user=user/>
            <ChangeEmail/>
        })}
    }
}

/// `/account/security`: the password, passkeys and two-factor sign-in.
#[component]
pub fn SecuritySettings() -> impl IntoView {
    let user = current_user();
    view! {
        <Title text="Security · Rust Auth"/>
        {move || user.get().map(|user| view! {
            <ChangePassword/>
            <Passkeys/>
            <TwoFactor enabled=user.mfa_enabled/>
        })}
    }
}

/// `/account/devices`: where you are signed in, and signing out of one, the others or all.
#[component]
pub fn Devices() -> impl IntoView {
    view! {
        <Title text="Devices · Rust Auth"/>
        <SessionList/>
        <SignOutEverywhere/>
    }
}

/// `/account/danger`: what cannot be undone.
#[component]
pub fn DangerZone() -> impl IntoView {
    view! {
        <Title text="Danger zone · Rust Auth"/>
        <div class="danger-zone">
            <DeleteAccount/>
        </div>
    }
}

/// A user's name, username, email and roles.
#[component]
pub fn UserDetails(user: PublicUser) -> impl IntoView {
    let roles: Vec<&str> = user.roles.iter().map(|role| role.label()).collect();
    view! {
        <dl class="details">
            <dt>"Name"</dt><dd data-testid="profile-name">{user.name}</dd>
            <dt>"Username"</dt><dd data-testid="profile-username">{user.username}</dd>
            <dt>"Email"</dt><dd data-testid="profile-email">{user.email}</dd>
            <dt>"Roles"</dt><dd data-testid="profile-roles">{roles.join(", ")}</dd>
        </dl>
    }
}
