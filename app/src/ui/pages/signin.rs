//! `/signin`: username (or email) and password.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::error::AppError;
use crate::ui::form::{FieldState, FormAlert, FormState, SubmitButton, TextField, apply_server_errors};
use crate::ui::guard::safe_next;
use crate::ui::session::use_session;
use crate::validation::validate_signin;

fn required_login(value: &str) -> Option<String> {
    validate_signin(value, "x").err().and_then(|mut errors| errors.remove("username"))
}

fn required_password(value: &str) -> Option<String> {
    validate_signin("x", value).err().and_then(|mut errors| errors.remove("password"))
}

/// The sign-in page.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let form = FormState::new();
    let username = FieldState::new(query.with_untracked(|q| q.get("username")).unwrap_or_default());
    let password = FieldState::new(String::new());

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !form.begin() || validate_signin(&username.get(), &password.get()).is_err() {
            return;
        }
        form.pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = api::sign_in(username.get(), password.get()).await;
            form.pending.set(false);
            match result {
                Ok(current) => {
                    session.sign_in(current);
                    navigate(&safe_next(query.with_untracked(|q| q.get("next"))), Default::default());
                }
                Err(AppError::Validation { fields }) => {
                    let rest =
                        apply_server_errors(&fields, &[("username", username), ("password", password)]);
                    form.alert.set(rest.into_iter().next());
                }
                Err(err) => form.alert.set(Some(err.to_string())),
            }
        });
    };

    view! {
        <Title text="Sign in · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <form on:submit=on_submit novalidate>
                <TextField label="Username" name="username" state=username form=form
                    check=required_login autocomplete="username"
                    hint="Your username or your email address."/>
                <TextField label="Password" name="password" state=password form=form
                    check=required_password kind="password" autocomplete="current-password"/>
                <FormAlert form=form/>
                <SubmitButton form=form label="Sign in" busy_label="Signing in…"/>
            </form>
            <p class="aside">"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
