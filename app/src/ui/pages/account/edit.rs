//! Editing the name (Account) and deleting the account (Danger zone).

use leptos::prelude::*;

use crate::api;
use crate::model::PublicUser;
use crate::requests::{PasswordRequest, ProfileRequest};
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::use_session;
use crate::validation::{name_error, signin_password_error};

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

/// Deletes the account for good, after the password.
#[component]
pub fn DeleteAccount() -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    let password = form.input("password", signin_password_error);
    let delete = Action::new_local(|password: &String| {
        api::delete_account(PasswordRequest { password: password.clone().into() })
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
                <TextField label="Password to confirm" input=password form=form kind="password"
                    autocomplete="current-password" id="delete-password"/>
            </ActionForm>
        </section>
    }
}
