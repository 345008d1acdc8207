//! `/profile`: who you are, when your session ends, and everything you can change about your
//! account.

use leptos::prelude::*;
use leptos_meta::Title;

use super::account_edit::{DeleteAccount, EditName};
use super::account_email::{ChangeEmail, EmailStatus};
use super::account_security::{ChangePassword, SignOutEverywhere};
use crate::model::PublicUser;
use crate::ui::guard::RequireSignIn;
use crate::ui::session::use_session;
use crate::ui::time;

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
    move || {
        let user = session.user()?;
        let expires_at = session.expires_at()?;
        Some(view! {
            <UserDetails user=user.clone()/>
            <p>"Email address: " <EmailStatus verified=user.email_verified/></p>
            <h2>"Session"</h2>
            <dl class="details">
                <dt>"Expires"</dt>
                <dd data-testid="session-expires">
                    {time::local(expires_at)} " (" {time::relative(expires_at, time::now())} ")"
                </dd>
            </dl>
            <p>
                <button type="button" class="secondary" on:click=move |_| session.end()>"Sign out"</button>
            </p>
            <EditName user=user/>
            <ChangeEmail/>
            <ChangePassword/>
            <SignOutEverywhere/>
            <DeleteAccount/>
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
