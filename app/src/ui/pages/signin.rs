//! `/signin`: username (or email), password and "keep me signed in"; then, for an account with
//! two-factor sign-in, the code from the authenticator (or a recovery code). Or a passkey: the
//! "Sign in with a passkey" button, or the username field's autofill where the browser offers
//! passkeys there (no username typed either way, and no second step: a passkey is two factors).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use server_fn::ServerFn;

use super::verify_email::ResendVerification;
use crate::api;
use crate::error::AppError;
use crate::model::{Session, SigninOutcome};
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::guard::safe_next;
use crate::ui::passkey;
use crate::ui::prefetch::prefetch;
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
    let remember = RwSignal::new(false);
    username.set(query.with_untracked(|q| q.get("username")).unwrap_or_default());
    // Set when the password was right and a second factor is asked for.
    let challenge = RwSignal::new(None::<String>);

    let signed_in = move |current: Session| {
        session.sign_in(current);
        navigate(&safe_next(query.with_untracked(|q| q.get("next"))), Default::default());
    };
    let sign_in = Action::new_local(|(login, password, remember): &(String, String, bool)| {
        api::sign_in(login.clone().into(), password.clone().into(), (*remember).into())
    });
    let after_password = signed_in.clone();
    form.follow(sign_in, move |outcome| match outcome {
        SigninOutcome::Session(current) => after_password(current),
        SigninOutcome::MfaRequired { challenge: issued, .. } => challenge.set(Some(issued)),
    });
    let not_verified = move || matches!(sign_in.value().get(), Some(Err(AppError::EmailNotVerified)));

    // A passkey: `autofill` when the username field's suggestions offered it, else the button.
    // Plain signals rather than an `Action`: each action type costs the first download its own
    // copy of the reactive machinery, and this page is in it.
    let passkey_busy = RwSignal::new(false);
    let passkey_error = RwSignal::new(None::<String>);
    let after_passkey = Callback::new(signed_in.clone());
    let with_passkey = move |autofill: bool| {
        if !autofill {
            passkey_busy.set(true);
            passkey_error.set(None);
        }
        leptos::task::spawn_local(async move {
            let answer = passkey::ceremony::<Session>(
                <api::PasskeySigninStart as ServerFn>::PATH,
                "{}",
                <api::PasskeySigninFinish as ServerFn>::PATH,
                passkey::Ask::Get { autofill },
                remember.get_untracked(),
            )
            .await;
            if !autofill {
                passkey_busy.set(false);
            }
            match answer {
                Ok(Some(current)) => after_passkey.run(current),
                Ok(None) => {} // cancelled: the button took over from the autofill
                Err(err) => passkey_error.set(Some(err.to_string())),
            }
        });
    };
    // Where the browser offers passkeys in the username field's autofill, ask at once: the
    // request waits, quietly, until a passkey is picked there (or the button cancels it).
    let passkeys_here = RwSignal::new(false);
    Effect::new(move |_| {
        passkeys_here.set(passkey::supported());
        leptos::task::spawn_local(async move {
            if passkey::autofill_supported().await {
                with_passkey(true);
            }
        });
    });
    on_cleanup(passkey::cancel);

    view! {
        <Title text="Sign in · Rust Auth"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <Show
                when=move || challenge.get().is_some()
                fallback=move || view! {
                    <ActionForm form=form action=sign_in
                        request=move || (username.get(), password.get(), remember.get_untracked())
                        label="Sign in" busy_label="Signing in…">
                        <TextField label="Username" input=username form=form autocomplete="username webauthn"
                            hint="Your username or your email address."/>
                        <TextField label="Password" input=password form=form kind="password"
                            autocomplete="current-password"/>
                        <label class="checkbox" for="remember">
                            <input type="checkbox" id="remember" name="remember"
                                prop:checked=move || remember.get()
                                on:change=move |ev| remember.set(event_target_checked(&ev))/>
                            "Keep me signed in"
                        </label>
                    </ActionForm>
                    <p class="aside"><A href="/forgot-password" on:pointerenter=|_| prefetch("/forgot-password") on:focus=|_| prefetch("/forgot-password")>"Forgot password?"</A></p>
                    // `hidden` rather than `<Show>`: this page is in the first download, and each
                    // `<Show>` compiles its own copy of the view machinery.
                    <div class="passkey-signin" hidden=move || !passkeys_here.get()>
                        <p class="divider"><span>"or"</span></p>
                        <button type="button" class="secondary wide"
                            disabled=move || passkey_busy.get()
                            on:click=move |_| with_passkey(false)>
                            "Sign in with a passkey"
                        </button>
                        {move || passkey_error.get().map(|text| view! { <p class="alert" role="alert">{text}</p> })}
                    </div>
                    <Show when=not_verified>
                        <ResendVerification/>
                    </Show>
                }
            >
                <SecondFactor challenge=challenge on_success=signed_in.clone()/>
            </Show>
            <p class="aside">"New here? " <A href="/signup" on:pointerenter=|_| prefetch("/signup") on:focus=|_| prefetch("/signup")>"Create an account"</A></p>
        </section>
    }
}

/// The second step: a code for the challenge the password step earned.
#[component]
fn SecondFactor(
    challenge: RwSignal<Option<String>>,
    on_success: impl Fn(Session) + Clone + 'static,
) -> impl IntoView {
    let form = Form::new();
    let code = form.input("code", |value| {
        value
            .trim()
            .is_empty()
            .then(|| "Enter the code from your authenticator app, or a recovery code.".to_owned())
    });
    let verify = Action::new_local(|(challenge, code): &(String, String)| {
        api::verify_second_factor(challenge.clone().into(), code.clone().into())
    });
    form.follow(verify, on_success);
    view! {
        <p>"Two-factor sign-in is on for this account. Type the six-digit code your authenticator app shows, or one of your recovery codes."</p>
        <ActionForm form=form action=verify
            request=move || (challenge.get_untracked().unwrap_or_default(), code.get())
            label="Verify" busy_label="Verifying…">
            <TextField label="Code" input=code form=form autocomplete="one-time-code"/>
        </ActionForm>
        <p class="aside">
            <button type="button" class="link" on:click=move |_| challenge.set(None)>"Start again"</button>
        </p>
    }
}
