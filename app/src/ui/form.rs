//! Form building blocks: labelled fields with their messages, the alert, the submit button.
//!
//! A field's message appears once the field has been left (or the form submitted) and then follows
//! every keystroke; the message is tied to the input with `aria-describedby` and the input is marked
//! `aria-invalid`, so screen readers announce both.

use leptos::prelude::*;

use crate::validation::FieldErrors;

/// The state of one text field.
#[derive(Clone, Copy)]
pub struct FieldState {
    /// What the person typed.
    pub value: RwSignal<String>,
    /// Left at least once: from then on its message is shown.
    pub touched: RwSignal<bool>,
    /// The server's message for this field, cleared as soon as the field changes.
    pub server_error: RwSignal<Option<String>>,
}

impl FieldState {
    /// An empty field.
    pub fn new(initial: String) -> Self {
        FieldState {
            value: RwSignal::new(initial),
            touched: RwSignal::new(false),
            server_error: RwSignal::new(None),
        }
    }

    /// The current value (untracked, for submitting).
    pub fn get(&self) -> String {
        self.value.get_untracked()
    }
}

/// Form-wide state: whether a submit was tried, a request is in flight, and the alert text.
#[derive(Clone, Copy)]
pub struct FormState {
    /// A submit was attempted: every field shows its message.
    pub submitted: RwSignal<bool>,
    /// A request is in flight: the button is disabled.
    pub pending: RwSignal<bool>,
    /// The server's answer when it is not about one field (taken username, wrong password).
    pub alert: RwSignal<Option<String>>,
}

impl FormState {
    /// A fresh form.
    pub fn new() -> Self {
        FormState {
            submitted: RwSignal::new(false),
            pending: RwSignal::new(false),
            alert: RwSignal::new(None),
        }
    }

    /// Marks a submit attempt; returns `false` when one is already in flight (no double submits).
    pub fn begin(&self) -> bool {
        if self.pending.get_untracked() {
            return false;
        }
        self.submitted.set(true);
        self.alert.set(None);
        true
    }
}

impl Default for FormState {
    fn default() -> Self {
        Self::new()
    }
}

/// Puts the server's per-field messages on their fields; returns the ones no field claimed.
pub fn apply_server_errors(errors: &FieldErrors, fields: &[(&str, FieldState)]) -> Vec<String> {
    let mut unclaimed = Vec::new();
    for (name, message) in errors {
        match fields.iter().find(|(field, _)| field == name) {
            Some((_, state)) => state.server_error.set(Some(message.clone())),
            None => unclaimed.push(message.clone()),
        }
    }
    unclaimed
}

/// A labelled input with its validation message.
#[component]
pub fn TextField(
    /// Visible label (also the accessible name).
    label: &'static str,
    /// Field name, used for the element ids.
    name: &'static str,
    /// The field's state.
    state: FieldState,
    /// The form (to know whether a submit was tried).
    form: FormState,
    /// The client-side rule for this field.
    check: fn(&str) -> Option<String>,
    /// `type` attribute.
    #[prop(default = "text")]
    kind: &'static str,
    /// `autocomplete` attribute.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// A hint shown under the field.
    #[prop(optional)]
    hint: Option<&'static str>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message_id = format!("{id}-message");
    let hint_id = format!("{id}-hint");
    let message = Memo::new(move |_| {
        let shown = state.touched.get() || form.submitted.get();
        let value = state.value.get();
        state.server_error.get().or_else(|| if shown { check(&value) } else { None })
    });
    let described_by = if hint.is_some() { format!("{message_id} {hint_id}") } else { message_id.clone() };
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                prop:value=move || state.value.get()
                on:input=move |ev| {
                    state.value.set(event_target_value(&ev));
                    state.server_error.set(None);
                }
                on:blur=move |_| state.touched.set(true)
                aria-invalid=move || if message.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="message" id=message_id>{move || message.get()}</p>
        </div>
    }
}

/// The form's alert: the server's answer, announced by screen readers as soon as it appears.
#[component]
pub fn FormAlert(form: FormState) -> impl IntoView {
    view! {
        <div class="alert" role="alert" class:empty=move || form.alert.with(Option::is_none)>
            {move || form.alert.get()}
        </div>
    }
}

/// The submit button: disabled and saying so while the request is in flight.
#[component]
pub fn SubmitButton(form: FormState, label: &'static str, busy_label: &'static str) -> impl IntoView {
    let hydrated = expect_context::<super::Hydrated>().0;
    view! {
        <button
            type="submit"
            class="primary"
            disabled=move || form.pending.get() || !hydrated.get()
            aria-busy=move || if form.pending.get() { "true" } else { "false" }
        >
            {move || if form.pending.get() { busy_label } else { label }}
        </button>
    }
}
