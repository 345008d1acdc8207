//! Editing the name (Account) and deleting the account (Danger zone).

use leptos::prelude::*;

use super::confirm::{Confirm, ConfirmField, password_input, proof};
use crate::api;
use crate::model::PublicUser;
use crate::requests::{PasswordRequest, ProfileRequest};
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::use_session;
use crate::validation::name_error;

/// Edits the display name.
#[component]
pub fn EditName(user: PublicUser) -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    let name = form.input("name", name_error);
    name.set(user.name);
    let update =
        Action::new_local(|name: &String| api::update_profile(ProfileRequest { name: name.clone().into() }));
    form.follow(update, move |user| {
        session.refresh_user(user);
        session.inform("Your name is saved.");
    });
    view! {
        <h2 id="edit-name">"Your name"</h2>
        <ActionForm form=form action=update request=move || name.get() labelled_by="edit-name"
            label="Save name" busy_label="Saving…">
            <TextField label="Name" input=name form=form autocomplete="name"/>
        </ActionForm>
    }
}

/// Deletes the account for good, after the password (or a passkey).
#[component]
pub fn DeleteAccount() -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    let confirm = Confirm::for_account();
    let password = password_input(&form, "password", confirm);
    let delete = Action::new_local(move |password: &String| {
        let password = password.clone();
        async move {
            let (password, passkey) = proof(confirm, password).await?;
            api::delete_account(PasswordRequest { password, passkey }).await
        }
    });
    form.follow(delete, move |()| {
        session.sign_out(None);
        session.inform("Your account is deleted. Goodbye.");
    });
    view! {
        <section class="danger-zone" aria-labelledby="delete-account">
            <h2 id="delete-account">"Delete account"</h2>
            <p>"This deletes your account and signs you out everywhere. It cannot be undone."</p>
            <ActionForm form=form action=delete request=move || password.get() labelled_by="delete-account"
                label="Delete my account" busy_label="Deleting…" class="danger">
                <ConfirmField input=password form=form confirm=confirm label="Password to confirm"
                    id="delete-password"/>
            </ActionForm>
        </section>
    }
}
