//! `/forgot-password` and `/reset-password?token=...`: getting back into an account by mail.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::requests::PasswordResetRequest;
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::use_session;
use crate::validation::{confirmation_error, email_error, password_error};

/// Asks for a reset link by mail.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let form = Form::new();
    let email = form.input("email", email_error);
    let sent = RwSignal::new(false);
    let ask = Action::new_local(|email: &String| api::forgot_password(email.clone().into()));
    form.follow(ask, move |()| sent.set(true));
    view! {
        <Title text="Forgot password · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Forgot your password?"</h1>
            <Show
                when=move || sent.get()
                fallback=move || view! {
                    <p>"Type the email address of your account. We will mail you a link to choose a new password."</p>
                    <ActionForm form=form action=ask request=move || email.get()
                        label="Send me a link" busy_label="Sending…">
                        <TextField label="Email" input=email form=form kind="email" autocomplete="email"/>
                    </ActionForm>
                }
            >
                <p class="notice-inline" role="status" data-testid="reset-sent">
                    "If an account uses that address, a link to reset its password is on its way. "
                    "It works once, for 30 minutes. Check your spam folder if nothing arrives."
                </p>
            </Show>
            <p class="aside"><A href="/signin">"Back to sign in"</A></p>
        </section>
    }
}

/// Sets a new password with the token of a mailed link.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let token = move || query.with_untracked(|q| q.get("token")).unwrap_or_default();
    let form = Form::new();
    let new = form.input("newPassword", password_error);
    let confirm = form.input("confirmPassword", move |value| confirmation_error(value, &new.watch()));
    // A lost device, or a passkey someone else added: the reset can take every passkey away too.
    let remove_passkeys = RwSignal::new(false);
    let reset = Action::new_local(|request: &(String, String, bool)| {
        let (token, password, remove) = request.clone();
        api::reset_password(PasswordResetRequest {
            token: token.into(),
            new_password: password.into(),
            remove_passkeys: remove.into(),
        })
    });
    form.follow(reset, move |()| {
        session.sign_out(None);
        session.inform("Your password is changed and every session has ended. Sign in with the new one.");
        navigate("/signin", Default::default());
    });
    // Only the new password travels; the confirmation never leaves the page.
    let request = move || (token(), new.get(), remove_passkeys.get_untracked());
    view! {
        <Title text="Choose a new password · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Choose a new password"</h1>
            <ActionForm form=form action=reset request=request label="Set the new password"
                busy_label="Setting the password…">
                <TextField label="New password" input=new form=form kind="password" autocomplete="new-password"
                    hint="At least 8 characters, not a common password, not your username or email."/>
                <TextField label="Confirm new password" input=confirm form=form kind="password"
                    autocomplete="new-password"/>
                <label class="checkbox" for="remove-passkeys">
                    <input type="checkbox" id="remove-passkeys" name="removePasskeys"
                        prop:checked=move || remove_passkeys.get()
                        on:change=move |ev| remove_passkeys.set(event_target_checked(&ev))/>
                    "Also remove every passkey (a lost device, or one you did not add)"
                </label>
            </ActionForm>
            <p class="aside">"Link expired? " <A href="/forgot-password">"Ask for a new one"</A></p>
        </section>
    }
}
