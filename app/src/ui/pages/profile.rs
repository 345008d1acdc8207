//! `/profile`: who you are, where you are signed in, and everything you can change about your
//! account.

use leptos::prelude::*;
use leptos_meta::Title;

use super::account_edit::{DeleteAccount, EditName};
use super::account_email::{ChangeEmail, EmailStatus};
use super::account_mfa::TwoFactor;
use super::account_security::{ChangePassword, SignOutEverywhere};
use super::account_sessions::SessionList;
use crate::model::PublicUser;
use crate::ui::guard::RequireSignIn;
use crate::ui::session::use_session;

/// The profile page.
#[component]
pub fn Profile() -> impl IntoView {
    view! {
        <Title text="Profile · Rust Auth"/>
        <section class="panel">
            <h1>"Profile"</h1>
            <RequireSignIn>
                <ProfileDetails/>
            </RequireSignIn>
        </section>
    }
}

#[component]
fn ProfileDetails() -> impl IntoView {
    let session = use_session();
    // Rebuilt only when the user changes, not when the tokens are renewed: a half-typed form stays.
    let user = Memo::new(move |_| session.user());
    move || {
        user.get().map(|user| {
            view! {
                <UserDetails user=user.clone()/>
                <p>"Email address: " <EmailStatus verified=user.email_verified/></p>
                <p>
                    <button type="button" class="secondary" on:click=move |_| session.end()>"Sign out"</button>
                </p>
                <SessionList/>
                <EditName user=user.clone()/>
                <ChangeEmail/>
                <ChangePassword/>
                <TwoFactor enabled=user.mfa_enabled/>
                <SignOutEverywhere/>
                <DeleteAccount/>
            }
        })
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
