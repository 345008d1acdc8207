//! Changing the password (Security): every other session ends, this one continues.

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
