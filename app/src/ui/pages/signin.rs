//! `/signin`: username (or email) and password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::ui::form::{Form, FormAlert, SubmitButton, TextField};
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
    Effect::new(move |_| match sign_in.value().get() {
        Some(Ok(current)) => {
            session.sign_in(current);
            navigate(&safe_next(query.with_untracked(|q| q.get("next"))), Default::default());
        }
        Some(Err(err)) => form.refuse(&err),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.begin() && !sign_in.pending().get_untracked() {
            sign_in.dispatch((username.get(), password.get()));
        }
    };

    view! {
        <Title text="Sign in · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <form on:submit=on_submit novalidate>
                <TextField label="Username" input=username form=form autocomplete="username"
                    hint="Your username or your email address."/>
                <TextField label="Password" input=password form=form kind="password"
                    autocomplete="current-password"/>
                <FormAlert form=form/>
                <SubmitButton pending=sign_in.pending() label="Sign in" busy_label="Signing in…"/>
            </form>
            <p class="aside">"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
