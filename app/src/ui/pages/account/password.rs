//! Changing the password (Security): every other session ends, this one continues. An account
//! created with a passkey sets its first password here, confirmed with the passkey.

use leptos::prelude::*;

use super::confirm::{Confirm, ConfirmField, password_input, proof};
use crate::api;
use crate::requests::Field;
use crate::requests::PasswordChange;
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::use_session;
use crate::validation::{confirmation_error, password_error};

/// Change the password: other sessions end, this one continues with a fresh token.
#[component]
pub fn ChangePassword() -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    let how = Confirm::for_account();
    let has_password = how == Confirm::Password;
    let current = password_input(&form, "currentPassword", how);
    let new = form.input("newPassword", password_error);
    // The confirmation is a text field with one more rule, which follows the new password as it changes.
    let confirm = form.input("confirmPassword", move |value| confirmation_error(value, &new.watch()));

    let change = Action::new_local(move |change: &PasswordChange| {
        let mut change = change.clone();
        async move {
            let (_, passkey) = proof(how, change.current_password.clone()).await?;
            if let Field::Value(passkey) = passkey {
                change.passkey = Some(passkey);
            }
            api::change_password(change.into()).await
        }
    });
    form.follow(change, move |fresh| {
        session.sign_in(fresh);
        session.inform(if has_password {
            "Password changed. Every other session has been signed out."
        } else {
            "Your password is set: it signs in too, beside your passkeys. Every other session has been signed out."
        });
        form.reset();
    });
    let request =
        move || PasswordChange { current_password: current.get(), passkey: None, new_password: new.get() };

    view! {
        <h2 id="change-password">{if has_password { "Change password" } else { "Set a password" }}</h2>
        {(!has_password).then(|| view! {
            <p>"Your account signs in with passkeys only. A password lets you sign in where you have none."</p>
        })}
        <ActionForm form=form action=change request=request labelled_by="change-password"
            label=if has_password { "Change password" } else { "Set password" } busy_label="Saving the password…">
            <ConfirmField input=current form=form confirm=how label="Current password"
                id="current-password"/>
            <TextField label="New password" input=new form=form kind="password" autocomplete="new-password"
                hint="At least 8 characters, not a common password, not your username or email."/>
            <TextField label="Confirm new password" input=confirm form=form kind="password"
                autocomplete="new-password"/>
        </ActionForm>
    }
}
