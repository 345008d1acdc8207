//! `/signup`: create an account, with a password or with a passkey instead, and role checkboxes
//! where the server allows choosing roles.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use server_fn::ServerFn;

use crate::api;
use crate::error::AppError;
use crate::model::{PasskeySignupOutcome, PublicUser, Session};
use crate::requests::PasskeySignupRequest;
use crate::roles::Role;
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::passkey;
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
    // A passkey instead of a password: the account then has none until its owner sets one.
    let use_passkey = RwSignal::new(false);
    let password = form.input("password", move |value| {
        if use_passkey.get() {
            return None;
        }
        password_error(value).or_else(|| password_matches_identity(value, &username.watch(), &email.watch()))
    });
    let passkeys_here = RwSignal::new(false);
    Effect::new(move |_| passkeys_here.set(passkey::supported()));
    let chosen = RwSignal::new(vec![Role::User]);

    // Whether this visitor may choose roles (demo mode, or an admin signed in): asked again when
    // who is signed in changes, once the session is known.
    let may_choose = LocalResource::new(move || {
        let known = session.state() != AuthState::Unknown;
        let _who = session.user().map(|user| user.id);
        async move { known && api::may_choose_roles().await.unwrap_or(false) }
    });
    let can_choose_roles = move || may_choose.get().unwrap_or(false);

    let sign_up = Action::new_local(|request: &Request| {
        let request = request.clone();
        async move {
            match request {
                Request::Password(form) => api::sign_up(form.into()).await.map(Outcome::Created),
                Request::Passkey(form) => with_passkey(form).await.map(|outcome| match outcome.session {
                    Some(current) => Outcome::SignedIn(current),
                    None => Outcome::VerifyFirst(outcome.user),
                }),
            }
        }
    });
    form.follow(sign_up, move |outcome| {
        let user = match outcome {
            Outcome::Created(user) => user,
            Outcome::SignedIn(current) => {
                session.sign_in(current);
                session
                    .inform("Your account is ready, with your passkey: it signs you in, no password needed.");
                navigate("/account/security", Default::default());
                return;
            }
            Outcome::VerifyFirst(user) => {
                session.inform(format!(
                    "Your account is ready. Follow the link we mailed to {}, then sign in with your passkey.",
                    user.email
                ));
                navigate("/signin", Default::default());
                return;
            }
        };
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
    let request = move || {
        let form = SignupForm {
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
        if use_passkey.get_untracked() { Request::Passkey(form) } else { Request::Password(form) }
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
                // `hidden` rather than `<Show>`: the page is in the first download, and each
                // `<Show>` compiles its own copy of the view machinery.
                <label class="checkbox" for="use-passkey"
                    hidden=move || !passkeys_here.get() || session.user().is_some()>
                    <input type="checkbox" id="use-passkey" name="use-passkey"
                        prop:checked=move || use_passkey.get()
                        on:change=move |ev| use_passkey.set(event_target_checked(&ev))/>
                    "Use a passkey instead of a password"
                </label>
                <p class="hint" hidden=move || !use_passkey.get()>
                    "Your device will ask to create a passkey: your fingerprint, face or screen lock signs you in from then on."
                </p>
                <div hidden=move || use_passkey.get()>
                    <TextField label="Password" input=password form=form kind="password" autocomplete="new-password"
                        hint="At least 8 characters, not a common password, not your username or email."/>
                </div>
                <Show when=can_choose_roles>
                    <RoleChoice chosen=chosen/>
                </Show>
            </ActionForm>
            <p class="aside">"Already have an account? " <A href="/signin">"Sign in"</A></p>
        </section>
    }
}

/// What the form sends: a sign-up with a password, or one with a passkey instead.
#[derive(Debug, Clone)]
enum Request {
    Password(SignupForm),
    Passkey(SignupForm),
}

/// What a sign-up leads to: an account to sign in to, or (with a passkey) a session at once, or
/// the mailed link first where sign-in needs a verified address.
#[derive(Debug, Clone)]
enum Outcome {
    Created(PublicUser),
    SignedIn(Session),
    VerifyFirst(PublicUser),
}

/// Creates the account with a passkey: the server's options, the browser's new passkey, the account.
async fn with_passkey(form: SignupForm) -> Result<PasskeySignupOutcome, AppError> {
    let account = PasskeySignupRequest {
        name: form.name.into(),
        username: form.username.into(),
        email: form.email.into(),
    };
    let arguments =
        serde_json::to_string(&api::PasskeySignupStart { account }).map_err(|_| AppError::Internal)?;
    passkey::ceremony(
        <api::PasskeySignupStart as ServerFn>::PATH,
        &arguments,
        <api::PasskeySignupFinish as ServerFn>::PATH,
        passkey::Ask::Create,
        false,
    )
    .await?
    .ok_or_else(|| AppError::BadRequest { message: "Cancelled.".into() })
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
