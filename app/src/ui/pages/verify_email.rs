//! `/verify-email?token=...`: follows a verification or change-of-address link, and the small form
//! that asks for a new link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api;
use crate::error::AppError;
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::use_session;
use crate::validation::email_error;

/// The page a mailed link opens.
#[component]
pub fn VerifyEmail() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let verify = Action::new_local(|token: &String| api::verify_email(token.clone().into()));
    // Following the link is a change (it uses the link up), so it runs once, in the browser.
    Effect::new(move |_| {
        let token = query.with_untracked(|q| q.get("token")).unwrap_or_default();
        verify.dispatch_local(token);
    });
    // Only the answer is followed: the session is read untracked, since refreshing it would
    // otherwise run this again, for ever.
    Effect::new(move |_| {
        if let Some(Ok(user)) = verify.value().get()
            && untrack(|| session.user()).is_some_and(|current| current.id == user.id)
        {
            session.refresh_user(user);
        }
    });
    view! {
        <Title text="Verify your email · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Verify your email address"</h1>
            {move || match verify.value().get() {
                None => view! { <p class="loading" aria-live="polite">"Checking your link…"</p> }.into_any(),
                Some(Ok(user)) => view! {
                    <p class="notice-inline" role="status" data-testid="email-verified">
                        {format!("Thank you: {} is verified for the account “{}”.", user.email, user.username)}
                    </p>
                }.into_any(),
                Some(Err(err)) => view! {
                    <p class="alert" role="alert">{err.to_string()}</p>
                    {matches!(err, AppError::InvalidToken).then(|| view! { <ResendVerification/> })}
                }.into_any(),
            }}
        </section>
    }
}

/// "Send the link again" for someone not signed in: the account's email address, answered the same
/// whether it is known or not.
#[component]
pub fn ResendVerification() -> impl IntoView {
    let form = Form::new();
    let email = form.input("email", email_error);
    let sent = RwSignal::new(false);
    let resend = Action::new_local(|email: &String| api::resend_verification(email.clone().into()));
    form.follow(resend, move |()| sent.set(true));
    view! {
        <h2>"Send a new link"</h2>
        <Show
            when=move || sent.get()
            fallback=move || view! {
                <ActionForm form=form action=resend request=move || email.get()
                    label="Send a new link" busy_label="Sending…">
                    <TextField label="Email" input=email form=form kind="email" autocomplete="email"/>
                </ActionForm>
            }
        >
            <p class="notice-inline" role="status">
                "If an account with that address still needs verifying, a new link is on its way."
            </p>
        </Show>
    }
}
