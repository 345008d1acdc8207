//! Confirming a change, as the server asks (`ssr::identity::reauth`, `ssr::factors::step_up`):
//! - a change of the account (its password, its address, deleting it): the password, or, for an
//!   account created with a passkey (no password until one is set), one of its passkeys;
//! - a change of its second factors (adding or removing a passkey, turning two-factor sign-in on):
//!   a factor it already has: one of its passkeys; without one, the password, and a code when
//!   two-factor sign-in is on.
//!
//! A passkey is asked when the form is sent.

use leptos::prelude::*;

use crate::error::AppError;
use crate::requests::{Field, PasskeyProof};
use crate::ui::form::{Form, Input, TextField};
use crate::ui::passkey;
use crate::ui::session::use_session;
use crate::validation::signin_password_error;

/// How a change is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// The password.
    Password,
    /// The password and a code from the authenticator app (or a recovery code).
    PasswordAndCode,
    /// One of the account's passkeys, asked when the form is sent.
    Passkey,
}

impl Confirm {
    /// For a change of the signed-in account (read once: the page is rebuilt when it changes).
    pub fn for_account() -> Self {
        let has_password = untrack(|| use_session().user().is_none_or(|user| user.has_password));
        if has_password { Confirm::Password } else { Confirm::Passkey }
    }

    /// For a change of the signed-in account's second factors.
    pub fn for_factors() -> Self {
        let Some(user) = untrack(|| use_session().user()) else {
            return Confirm::Password;
        };
        match (user.passkeys > 0 || !user.has_password, user.mfa_enabled) {
            (true, _) => Confirm::Passkey,
            (false, true) => Confirm::PasswordAndCode,
            (false, false) => Confirm::Password,
        }
    }

    fn asks_password(self) -> bool {
        self != Confirm::Passkey
    }
}

/// The password input of `form`, named `name` on the wire: checked as a password when `confirm`
/// asks for one, and left empty otherwise.
pub fn password_input(form: &Form, name: &'static str, confirm: Confirm) -> Input {
    form.input(name, move |value| if confirm.asks_password() { signin_password_error(value) } else { None })
}

/// The code input of `form`: required when `confirm` asks for one.
pub fn code_input(form: &Form, confirm: Confirm) -> Input {
    form.input("code", move |value| {
        (confirm == Confirm::PasswordAndCode && value.trim().is_empty())
            .then(|| "Enter the code your authenticator app shows, or a recovery code.".to_owned())
    })
}

/// The fields `confirm` asks for: the password (and the code), or a word on the passkey to come.
#[component]
pub fn ConfirmField(
    /// The input from [`password_input`].
    input: Input,
    /// Its form.
    form: Form,
    /// How the change is confirmed.
    confirm: Confirm,
    /// The password field's label.
    #[prop(default = "Password")]
    label: &'static str,
    /// The element id's stem (the page has other password fields).
    id: &'static str,
    /// The input from [`code_input`], for [`Confirm::PasswordAndCode`], and its element id's stem.
    #[prop(optional)]
    code: Option<(Input, &'static str)>,
) -> impl IntoView {
    match confirm {
        Confirm::Passkey => view! { <p class="hint">"You will confirm with one of your passkeys."</p> }.into_any(),
        Confirm::Password | Confirm::PasswordAndCode => view! {
            <TextField label=label input=input form=form kind="password" autocomplete="current-password" id=id/>
            {(confirm == Confirm::PasswordAndCode).then(|| code.map(|(code, code_id)| view! {
                <TextField label="Code from your authenticator app" input=code form=form
                    autocomplete="one-time-code" id=code_id hint="Or one of your recovery codes."/>
            }))}
        }
        .into_any(),
    }
}

/// The proof to send: the password typed, or, when `confirm` asks for a passkey, one asked now.
///
/// # Errors
/// What the server or the browser refused while asking the passkey.
pub async fn proof(
    confirm: Confirm,
    password: String,
) -> Result<(Field<String>, Field<PasskeyProof>), AppError> {
    if confirm.asks_password() {
        return Ok((password.into(), Field::Missing));
    }
    let asked = passkey::confirm().await?;
    Ok((Field::Missing, asked.into()))
}
