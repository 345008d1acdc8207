//! Two-factor sign-in (Security): set up (QR code, password and first code, recovery codes
//! shown once), new recovery codes and turn off (each with the password and a code).

use leptos::prelude::*;

use super::confirm::{Confirm, ConfirmField, password_input, proof};
use crate::api;
use crate::error::AppError;
use crate::model::MfaSetup;
use crate::requests::PasswordCodeRequest;
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::session::use_session;

fn code_error(value: &str) -> Option<String> {
    value.trim().is_empty().then(|| "Enter the code your authenticator app shows.".to_owned())
}

/// What every change of the second factor sends: the password (or a passkey) and a code.
async fn confirm(how: Confirm, (password, code): (String, String)) -> Result<PasswordCodeRequest, AppError> {
    let (password, passkey) = proof(how, password).await?;
    Ok(PasswordCodeRequest { password, passkey, code: code.into() })
}

/// Two-factor sign-in: its state, and what can be done about it.
#[component]
pub fn TwoFactor(enabled: bool) -> impl IntoView {
    // The recovery codes, once two-factor sign-in has just been turned on: shown this once.
    let codes = RwSignal::new(None::<Vec<String>>);
    view! {
        <h2 id="two-factor">"Two-factor sign-in"</h2>
        {move || match (codes.get(), enabled) {
            (Some(shown), _) => view! { <RecoveryCodes codes=shown shown=codes/> }.into_any(),
            (None, true) => view! { <NewCodes codes=codes/> <TurnOff/> }.into_any(),
            (None, false) => view! { <SetUp codes=codes/> }.into_any(),
        }}
    }
}

#[component]
fn SetUp(codes: RwSignal<Option<Vec<String>>>) -> impl IntoView {
    let session = use_session();
    let start = Action::new_local(move |_: &()| async move {
        api::start_mfa_setup().await.map_err(|err| session.check(err))
    });
    let setup = move || start.value().get().and_then(Result::ok);
    view! {
        <p>"Off. With it on, signing in also asks for a six-digit code from an authenticator app on your phone."</p>
        <Show
            when=move || setup().is_some()
            fallback=move || view! {
                <p>
                    <button type="button" class="secondary" disabled=move || start.pending().get()
                        on:click=move |_| { start.dispatch(()); }>
                        "Set up two-factor sign-in"
                    </button>
                </p>
                {move || start.value().get().and_then(Result::err).map(|err| view! { <p class="alert" role="alert">{err.to_string()}</p> })}
            }
        >
            {move || setup().map(|setup| view! { <Enable setup=setup codes=codes/> })}
        </Show>
    }
}

#[component]
fn Enable(setup: MfaSetup, codes: RwSignal<Option<Vec<String>>>) -> impl IntoView {
    let form = Form::new();
    // Turning it on adds a second factor: confirmed with one the account has (a passkey), if any.
    let how = Confirm::for_factors();
    let password = password_input(&form, "password", how);
    let code = form.input("code", code_error);
    let enable = Action::new_local(move |request: &(String, String)| {
        let request = request.clone();
        async move { api::mfa_enable(confirm(how, request).await?).await }
    });
    // The stored user learns about two-factor sign-in once the codes are put away (updating it
    // rebuilds the page, which would hide them).
    form.follow(enable, move |issued| codes.set(Some(issued)));
    view! {
        <ol class="steps">
            <li>"Scan this code with your authenticator app (or type the key below)."</li>
        </ol>
        // Drawn by the server as SVG: no third-party service sees the secret.
        <div class="qr" data-testid="mfa-qr" inner_html=setup.qr_svg></div>
        <p>"Key: " <code data-testid="mfa-secret">{setup.secret}</code></p>
        <p>"Then confirm it is you: your password, and the code the app shows now. Turning it on signs "
           "out every other device."</p>
        <ActionForm form=form action=enable request=move || (password.get(), code.get()) labelled_by="two-factor"
            label="Turn on" busy_label="Checking…">
            <ConfirmField input=password form=form confirm=how id="mfa-enable-password"/>
            <TextField label="Code from the app" input=code form=form autocomplete="one-time-code"/>
        </ActionForm>
    }
}

#[component]
fn RecoveryCodes(codes: Vec<String>, shown: RwSignal<Option<Vec<String>>>) -> impl IntoView {
    let session = use_session();
    let saved = move |_| {
        shown.set(None);
        if let Some(mut user) = session.user() {
            user.mfa_enabled = true;
            session.refresh_user(user);
        }
    };
    view! {
        <p class="notice-inline" role="status">"Two-factor sign-in is on."</p>
        <p>"Keep these recovery codes somewhere safe: each signs you in once if you lose your phone. "
           "They are shown only now."</p>
        <ul class="recovery-codes" data-testid="recovery-codes">
            {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
        </ul>
        <p><button type="button" class="secondary" on:click=saved>"I have saved them"</button></p>
    }
}

#[component]
fn TurnOff() -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    let how = Confirm::for_account();
    let password = password_input(&form, "password", how);
    let code = form.input("code", code_error);
    let disable = Action::new_local(move |request: &(String, String)| {
        let request = request.clone();
        async move { api::mfa_disable(confirm(how, request).await?).await }
    });
    form.follow(disable, move |()| {
        if let Some(mut user) = untrack(|| session.user()) {
            user.mfa_enabled = false;
            session.refresh_user(user);
        }
        session.inform("Two-factor sign-in is off.");
    });
    view! {
        <p><span class="badge ok" data-testid="mfa-state">"On"</span> " Signing in asks for a code from your authenticator app."</p>
        <ActionForm form=form action=disable request=move || (password.get(), code.get()) labelled_by="two-factor"
            label="Turn off two-factor sign-in" busy_label="Turning off…" class="danger">
            <p class="hint">"Turning it off signs out every other device."</p>
            <ConfirmField input=password form=form confirm=how id="mfa-password"/>
            <TextField label="Code or recovery code" input=code form=form autocomplete="one-time-code" id="mfa-code"/>
        </ActionForm>
    }
}

/// New recovery codes: the old ones stop working (for when they were used up, lost or seen).
#[component]
fn NewCodes(codes: RwSignal<Option<Vec<String>>>) -> impl IntoView {
    let form = Form::new();
    let how = Confirm::for_account();
    let password = password_input(&form, "password", how);
    let code = form.input("code", code_error);
    let renew = Action::new_local(move |request: &(String, String)| {
        let request = request.clone();
        async move { api::mfa_recovery_codes(confirm(how, request).await?).await }
    });
    form.follow(renew, move |issued| codes.set(Some(issued)));
    view! {
        <h3 id="new-recovery-codes">"New recovery codes"</h3>
        <p>"Used most of your recovery codes, or think someone saw them? Make ten new ones: the old "
           "ones stop working, and every other device is signed out."</p>
        <ActionForm form=form action=renew request=move || (password.get(), code.get())
            labelled_by="new-recovery-codes" label="New recovery codes" busy_label="Making codes…">
            <ConfirmField input=password form=form confirm=how id="codes-password"/>
            <TextField label="Code or recovery code" input=code form=form autocomplete="one-time-code"
                id="codes-code"/>
        </ActionForm>
    }
}
