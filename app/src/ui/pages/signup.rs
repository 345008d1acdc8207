//! `/signup`: create an account, with role checkboxes where the server allows choosing roles.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::error::AppError;
use crate::model::PublicUser;
use crate::roles::Role;
use crate::ui::form::{FieldState, FormAlert, FormState, SubmitButton, TextField, apply_server_errors};
use crate::ui::session::{AuthState, use_session};
use crate::validation::{
    SignupForm, email_error, name_error, password_error, username_error, validate_signup,
};

/// The sign-up page.
#[component]
pub fn SignUp() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let form = FormState::new();
    let fields @ [name, username, email, password] = std::array::from_fn(|_| FieldState::new(String::new()));
    let chosen = RwSignal::new(vec![Role::User]);
    let can_choose_roles = RwSignal::new(false);

    // Ask the server whether this visitor may choose roles (demo mode, or an admin signed in).
    Effect::new(move |_| {
        if session.state() == AuthState::Unknown {
            return;
        }
        spawn_local(async move { can_choose_roles.set(api::may_choose_roles().await.unwrap_or(false)) });
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SignupForm {
            name: name.get(),
            username: username.get(),
            email: email.get(),
            password: password.get(),
            roles: if can_choose_roles.get_untracked() {
                chosen.get_untracked().iter().map(|role| role.as_str().to_owned()).collect()
            } else {
                Vec::new()
            },
        };
        if !form.begin() || validate_signup(&request).is_err() {
            return;
        }
        form.pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = api::sign_up(request).await;
            form.pending.set(false);
            match result {
                Ok(user) if session.user().is_some() => {
                    session.inform(created_message(&user));
                    for field in fields {
                        field.value.set(String::new());
                        field.touched.set(false);
                    }
                    chosen.set(vec![Role::User]);
                    form.submitted.set(false);
                }
                Ok(user) => {
                    session.inform("Your account is ready. Sign in with your new password.");
                    navigate(&format!("/signin?username={}", user.username), Default::default());
                }
                Err(AppError::Validation { fields: errors }) => {
                    let named =
                        [("name", name), ("username", username), ("email", email), ("password", password)];
                    form.alert.set(apply_server_errors(&errors, &named).into_iter().next());
                }
                Err(err) => {
                    match &err {
                        AppError::UsernameTaken => username.server_error.set(Some(err.to_string())),
                        AppError::EmailTaken => email.server_error.set(Some(err.to_string())),
                        _ => {}
                    }
                    form.alert.set(Some(session.check(err).to_string()));
                }
            }
        });
    };

    view! {
        <Title text="Sign up · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Sign up"</h1>
            <form on:submit=on_submit novalidate>
                <TextField label="Name" name="name" state=name form=form check=name_error autocomplete="name"/>
                <TextField label="Username" name="username" state=username form=form check=username_error
                    autocomplete="username" hint="3 to 32 letters, digits, '_', '.' or '-'."/>
                <TextField label="Email" name="email" state=email form=form check=email_error
                    kind="email" autocomplete="email"/>
                <TextField label="Password" name="password" state=password form=form check=password_error
                    kind="password" autocomplete="new-password"
                    hint="At least 8 characters, not a common password, not your username or email."/>
                <Show when=move || can_choose_roles.get()>
                    <RoleChoice chosen=chosen/>
                </Show>
                <FormAlert form=form/>
                <SubmitButton form=form label="Sign up" busy_label="Creating your account…"/>
            </form>
            <p class="aside">"Already have an account? " <A href="/signin">"Sign in"</A></p>
        </section>
    }
}

fn created_message(user: &PublicUser) -> String {
    let roles: Vec<&str> = user.roles.iter().map(|role| role.label()).collect();
    format!("Created the account “{}” with the role(s) {}.", user.username, roles.join(", "))
}

/// The User / PM / Admin checkboxes.
#[component]
fn RoleChoice(chosen: RwSignal<Vec<Role>>) -> impl IntoView {
    view! {
        <fieldset class="roles">
            <legend>"Roles"</legend>
            {Role::ALL.into_iter().map(|role| {
                let id = format!("role-{}", role.as_str());
                let label_for = id.clone();
                view! {
                    <label for=label_for class="checkbox">
                        <input
                            type="checkbox"
                            id=id
                            name="roles"
                            value=role.as_str()
                            prop:checked=move || chosen.with(|roles| roles.contains(&role))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|roles| {
                                    roles.retain(|r| *r != role);
                                    if on { roles.push(role); roles.sort(); }
                                });
                            }
                        />
                        {role.label()}
                    </label>
                }
            }).collect_view()}
            <p class="hint">"With none chosen, the account gets the User role."</p>
        </fieldset>
    }
}
