//! `/signin`: username (or email) and password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::verify_email::ResendVerification;
use crate::api;
use crate::error::AppError;
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::guard::safe_next;
use crate::ui::session::use_session;
use crate::validation::{login_error, signin_password_error};

/// The sign-in page.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let form = Form::new();
    let username = form.input("username", login_error);
    let password = form.input("password", signin_password_error);
    username.set(query.with_untracked(|q| q.get("username")).unwrap_or_default());

    let sign_in = Action::new_local(|(login, password): &(String, String)| {
        api::sign_in(login.clone().into(), password.clone().into())
    });
    form.follow(sign_in, move |current| {
        session.sign_in(current);
        navigate(&safe_next(query.with_untracked(|q| q.get("next"))), Default::default());
    });

    view! {
        <Title text="Sign in · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <ActionForm form=form action=sign_in request=move || (username.get(), password.get())
                label="Sign in" busy_label="Signing in…">
                <TextField label="Username" input=username form=form autocomplete="username"
                    hint="Your username or your email address."/>
                <TextField label="Password" input=password form=form kind="password"
                    autocomplete="current-password"/>
            </ActionForm>
            <p class="aside"><A href="/forgot-password">"Forgot password?"</A></p>
            <Show when=move || matches!(sign_in.value().get(), Some(Err(AppError::EmailNotVerified)))>
                <ResendVerification/>
            </Show>
            <p class="aside">"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
