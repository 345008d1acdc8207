//! The Profile page's security controls: change the password, sign out on every device.

use leptos::prelude::*;

use crate::api;
use crate::model::PasswordChange;
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::use_session;
use crate::validation::{confirmation_error, password_error, signin_password_error};

/// Change the password: other sessions end, this one continues with a fresh token.
#[component]
pub fn ChangePassword() -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    let current = form.input("currentPassword", signin_password_error);
    let new = form.input("newPassword", password_error);
    // The confirmation is a text field with one more rule, which follows the new password as it changes.
    let confirm = form.input("confirmPassword", move |value| confirmation_error(value, &new.watch()));

    let change = Action::new_local(|change: &PasswordChange| api::change_password(change.clone().into()));
    form.follow(change, move |fresh| {
        session.sign_in(fresh);
        session.inform("Password changed. Every other session has been signed out.");
        form.reset();
    });
    let request = move || PasswordChange { current_password: current.get(), new_password: new.get() };

    view! {
        <h2 id="change-password">"Change password"</h2>
        <ActionForm form=form action=change request=request labelled_by="change-password"
            label="Change password" busy_label="Changing password…">
            <TextField label="Current password" input=current form=form kind="password"
                autocomplete="current-password"/>
            <TextField label="New password" input=new form=form kind="password" autocomplete="new-password"
                hint="At least 8 characters, not a common password, not your username or email."/>
            <TextField label="Confirm new password" input=confirm form=form kind="password"
                autocomplete="new-password"/>
        </ActionForm>
    }
}

/// Ends every session of this account, on every device, this one included.
#[component]
pub fn SignOutEverywhere() -> impl IntoView {
    let session = use_session();
    let sign_out = Action::new_local(move |_: &()| async move {
        api::sign_out_everywhere().await.map_err(|err| session.check(err))
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            session.sign_out(None);
            session.inform("You have been signed out on every device.");
        }
    });
    let failure = move || sign_out.value().get().and_then(Result::err).map(|err| err.to_string());
    let pending = sign_out.pending();
    view! {
        <h2>"Sessions"</h2>
        <p>"Signed in on another device you no longer use? End every session at once, this one included."</p>
        <p>
            <button type="button" class="danger" on:click=move |_| { sign_out.dispatch(()); } disabled=move || pending.get()>
                {move || if pending.get() { "Signing out everywhere…" } else { "Sign out everywhere" }}
            </button>
        </p>
        <p class="alert" role="alert" class:empty=move || failure().is_none()>{failure}</p>
    }
}
