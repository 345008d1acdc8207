//! The Profile page's security controls: change the password, sign out on every device.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::PasswordChange;
use crate::ui::form::{FieldState, FormAlert, FormState, SubmitButton, TextField, apply_server_errors};
use crate::ui::session::use_session;
use crate::validation::password_error;

fn required(value: &str) -> Option<String> {
    value.is_empty().then(|| "Enter your current password.".to_owned())
}

/// Change the password: other sessions end, this one continues with a fresh token.
#[component]
pub fn ChangePassword() -> impl IntoView {
    let session = use_session();
    let form = FormState::new();
    let fields @ [current, new, confirm] = std::array::from_fn(|_| FieldState::new(String::new()));
    // The confirmation must match the new password, checked as the person types.
    let confirm_error = move |value: &str| -> Option<String> {
        (value != new.value.get_untracked()).then(|| "The two new passwords differ.".to_owned())
    };
    let confirm_check = Memo::new(move |_| {
        let (value, wanted) = (confirm.value.get(), new.value.get());
        (value != wanted).then(|| "The two new passwords differ.".to_owned())
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let change = PasswordChange { current_password: current.get(), new_password: new.get() };
        let invalid = required(&change.current_password).is_some()
            || password_error(&change.new_password).is_some()
            || confirm_error(&confirm.get()).is_some();
        if !form.begin() || invalid {
            return;
        }
        form.pending.set(true);
        spawn_local(async move {
            let result = api::change_password(change).await;
            form.pending.set(false);
            match result {
                Ok(fresh) => {
                    session.sign_in(fresh);
                    session.inform("Password changed. Every other session has been signed out.");
                    for field in fields {
                        field.value.set(String::new());
                        field.touched.set(false);
                    }
                    form.submitted.set(false);
                }
                Err(AppError::Validation { fields: errors }) => {
                    let named = [("currentPassword", current), ("newPassword", new)];
                    form.alert.set(apply_server_errors(&errors, &named).into_iter().next());
                }
                Err(err) => form.alert.set(Some(session.check(err).to_string())),
            }
        });
    };

    view! {
        <h2 id="change-password">"Change password"</h2>
        <form on:submit=on_submit novalidate aria-labelledby="change-password">
            <TextField label="Current password" name="current-password" state=current form=form
                check=required kind="password" autocomplete="current-password"/>
            <TextField label="New password" name="new-password" state=new form=form
                check=password_error kind="password" autocomplete="new-password"
                hint="At least 8 characters, not a common password, not your username or email."/>
            <ConfirmField state=confirm form=form check=confirm_check/>
            <FormAlert form=form/>
            <SubmitButton form=form label="Change password" busy_label="Changing password…"/>
        </form>
    }
}

/// The confirmation field: like a text field, but its rule depends on another field.
#[component]
fn ConfirmField(state: FieldState, form: FormState, check: Memo<Option<String>>) -> impl IntoView {
    let message =
        Memo::new(move |_| if state.touched.get() || form.submitted.get() { check.get() } else { None });
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for="field-confirm-password">"Confirm new password"</label>
            <input
                id="field-confirm-password"
                name="confirm-password"
                type="password"
                autocomplete="new-password"
                prop:value=move || state.value.get()
                on:input=move |ev| state.value.set(event_target_value(&ev))
                on:blur=move |_| state.touched.set(true)
                aria-invalid=move || if message.get().is_some() { "true" } else { "false" }
                aria-describedby="field-confirm-password-message"
            />
            <p class="message" id="field-confirm-password-message">{move || message.get()}</p>
        </div>
    }
}

/// Ends every session of this account, on every device, this one included.
#[component]
pub fn SignOutEverywhere() -> impl IntoView {
    let session = use_session();
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let on_click = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let result = api::sign_out_everywhere().await;
            pending.set(false);
            match result {
                Ok(()) => {
                    session.sign_out(None);
                    session.inform("You have been signed out on every device.");
                }
                Err(err) => failure.set(Some(session.check(err).to_string())),
            }
        });
    };
    view! {
        <h2>"Sessions"</h2>
        <p>"Signed in on another device you no longer use? End every session at once, this one included."</p>
        <p>
            <button type="button" class="danger" on:click=on_click disabled=move || pending.get()>
                {move || if pending.get() { "Signing out everywhere…" } else { "Sign out everywhere" }}
            </button>
        </p>
        <p class="alert" role="alert" class:empty=move || failure.with(Option::is_none)>{move || failure.get()}</p>
    }
}
