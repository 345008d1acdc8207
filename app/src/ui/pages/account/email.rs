//! The address (Account): whether the address is verified (with "Resend"), and moving
//! the account to a new address.

use leptos::prelude::*;

use super::confirm::{Confirm, ConfirmField, password_input, proof};
use crate::api;
use crate::requests::{EmailChangeRequest, Field};
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::use_session;
use crate::validation::email_error;

/// "Verified", or "Not verified yet" with a button that mails the link again.
#[component]
pub fn EmailStatus(verified: bool) -> impl IntoView {
    let session = use_session();
    let resend = Action::new_local(move |_: &()| async move {
        api::resend_verification(Field::Missing).await.map_err(|err| session.check(err))
    });
    let pending = resend.pending();
    let answer = move || resend.value().get();
    if verified {
        return view! { <span class="badge ok" data-testid="email-state">"Verified"</span> }.into_any();
    }
    view! {
        <span class="badge warning" data-testid="email-state">"Not verified yet"</span>
        " "
        <button type="button" class="small" disabled=move || pending.get() on:click=move |_| { resend.dispatch(()); }>
            {move || if pending.get() { "Sending…" } else { "Resend the link" }}
        </button>
        // Shown only once there is something to say: several live regions on one page would each
        // be announced, and this one is empty most of the time.
        {move || match answer() {
            Some(Ok(())) => Some(view! { <span role="status" class="notice-inline">"A new link is on its way."</span> }.into_any()),
            Some(Err(err)) => Some(view! { <span role="alert" class="alert">{err.to_string()}</span> }.into_any()),
            None => None,
        }}
    }
    .into_any()
}

/// Moves the account to a new address once that address is verified.
#[component]
pub fn ChangeEmail() -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    let new_email = form.input("newEmail", email_error);
    let confirm = Confirm::for_account();
    let password = password_input(&form, "password", confirm);
    let change = Action::new_local(move |(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move {
            let (password, passkey) = proof(confirm, password).await?;
            api::change_email(EmailChangeRequest { password, passkey, new_email: email.into() }).await
        }
    });
    form.follow(change, move |()| {
        session.inform("Check your new address: the change applies once you follow the link we sent there.");
        form.reset();
    });
    view! {
        <h2 id="change-email">"Change email address"</h2>
        <p>"We will mail a link to the new address; your account moves there once you follow it."</p>
        <ActionForm form=form action=change request=move || (new_email.get(), password.get())
            labelled_by="change-email" label="Change email" busy_label="Sending the link…">
            <TextField label="New email" input=new_email form=form kind="email" autocomplete="email"/>
            <ConfirmField input=password form=form confirm=confirm id="password"/>
        </ActionForm>
    }
}
