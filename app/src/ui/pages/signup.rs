//! `/signup`: create an account, with role checkboxes where the server allows choosing roles.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::model::PublicUser;
use crate::roles::Role;
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::{AuthState, use_session};
use crate::validation::{
    SignupForm, email_error, name_error, password_error, password_matches_identity, username_error,
};

/// The sign-up page.
#[component]
pub fn SignUp() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let form = Form::new();
    let name = form.input("name", name_error);
    let username = form.input("username", username_error);
    let email = form.input("email", email_error);
    let password = form.input("password", move |value| {
        password_error(value).or_else(|| password_matches_identity(value, &username.watch(), &email.watch()))
    });
    let chosen = RwSignal::new(vec![Role::User]);

    // Whether this visitor may choose roles (demo mode, or an admin signed in): asked again when
    // who is signed in changes, once the session is known.
    let may_choose = LocalResource::new(move || {
        let known = session.state() != AuthState::Unknown;
        let _who = session.user().map(|user| user.id);
        async move { known && api::may_choose_roles().await.unwrap_or(false) }
    });
    let can_choose_roles = move || may_choose.get().unwrap_or(false);

    let sign_up = Action::new_local(|request: &SignupForm| api::sign_up(request.clone().into()));
    form.follow(sign_up, move |user| {
        if session.user().is_some() {
            // An admin creating accounts stays here, with an empty form for the next one.
            session.inform(created_message(&user));
            form.reset();
            chosen.set(vec![Role::User]);
        } else {
            session.inform("Your account is ready. Sign in with your new password.");
            navigate(&format!("/signin?username={}", user.username), Default::default());
        }
    });
    let request = move || SignupForm {
        name: name.get(),
        username: username.get(),
        email: email.get(),
        password: password.get(),
        roles: if untrack(can_choose_roles) {
            chosen.get_untracked().iter().map(|role| role.as_str().to_owned()).collect()
        } else {
            Vec::new()
        },
    };

    view! {
        <Title text="Sign up · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Sign up"</h1>
            <ActionForm form=form action=sign_up request=request label="Sign up" busy_label="Creating your account…">
                <TextField label="Name" input=name form=form autocomplete="name"/>
                <TextField label="Username" input=username form=form autocomplete="username"
                    hint="3 to 32 letters, digits, '_', '.' or '-'."/>
                <TextField label="Email" input=email form=form kind="email" autocomplete="email"/>
                <TextField label="Password" input=password form=form kind="password" autocomplete="new-password"
                    hint="At least 8 characters, not a common password, not your username or email."/>
                <Show when=can_choose_roles>
                    <RoleChoice chosen=chosen/>
                </Show>
            </ActionForm>
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
