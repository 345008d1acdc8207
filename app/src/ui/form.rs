//! The form kit: every form is built from these, so each behaves the same way.
//!
//! - A [`Form`] owns its [`Input`]s; each input is registered with its wire name (the key the
//!   server uses in `fields`) and its rule, a function from `validation.rs`, stated once and used
//!   both for the message beside the field and for the check before submitting.
//! - A field's message appears once the field has been left (or a submit tried) and then follows
//!   every keystroke; the message is tied to the input with `aria-describedby` and the input is
//!   marked `aria-invalid`, so screen readers announce both.
//! - The server's answer goes through [`Form::refuse`]: per-field messages land on their fields,
//!   anything else in the form's alert.
//! - Whether a request is in flight is the action's own `pending()`, shown by [`SubmitButton`].

use leptos::prelude::*;

use crate::error::AppError;

/// A rule: the problem with a value, if any. It may read other inputs (a confirmation reads the
/// field it must match), and the message then follows them too.
pub type Rule = Callback<String, Option<String>>;

/// One input of a [`Form`].
#[derive(Clone, Copy)]
pub struct Input {
    /// The field's name in requests and in the server's `fields` (`"newPassword"`).
    pub name: &'static str,
    value: RwSignal<String>,
    touched: RwSignal<bool>,
    server_error: RwSignal<Option<String>>,
    rule: Rule,
}

impl Input {
    /// The current value (untracked, for submitting).
    pub fn get(&self) -> String {
        self.value.get_untracked()
    }

    /// The current value, tracked (for rules that depend on this input).
    pub fn watch(&self) -> String {
        self.value.get()
    }

    /// Replaces the value (a value carried over from another page, a reset).
    pub fn set(&self, value: String) {
        self.value.set(value);
        self.server_error.set(None);
    }

    /// The message to show, if any (tracked).
    fn message(&self, submitted: bool) -> Option<String> {
        let shown = self.touched.get() || submitted;
        let value = self.value.get();
        self.server_error.get().or_else(|| if shown { self.rule.run(value) } else { None })
    }
}

/// A form: its inputs, whether a submit was tried, and the alert for the server's answer.
#[derive(Clone, Copy)]
pub struct Form {
    submitted: RwSignal<bool>,
    alert: RwSignal<Option<String>>,
    inputs: StoredValue<Vec<Input>>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Form {
            submitted: RwSignal::new(false),
            alert: RwSignal::new(None),
            inputs: StoredValue::new(Vec::new()),
        }
    }

    /// Adds an input named `name` (its wire name) checked by `rule`.
    pub fn input(
        &self,
        name: &'static str,
        rule: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Input {
        let input = Input {
            name,
            value: RwSignal::new(String::new()),
            touched: RwSignal::new(false),
            server_error: RwSignal::new(None),
            rule: Callback::new(move |value: String| rule(&value)),
        };
        self.inputs.update_value(|inputs| inputs.push(input));
        input
    }

    /// Starts a submit: every field shows its message and the alert clears. Returns whether every
    /// input passes its rule, i.e. whether the request should be sent.
    pub fn begin(&self) -> bool {
        self.submitted.set(true);
        self.alert.set(None);
        // Rules may read other inputs: here only their current values matter, nothing is tracked.
        untrack(|| {
            self.inputs.with_value(|inputs| {
                inputs
                    .iter()
                    .all(|input| input.server_error.get().is_none() && input.rule.run(input.get()).is_none())
            })
        })
    }

    /// Empties every input and forgets the submit (after a success that stays on the page).
    pub fn reset(&self) {
        self.inputs.with_value(|inputs| {
            for input in inputs {
                input.value.set(String::new());
                input.touched.set(false);
                input.server_error.set(None);
            }
        });
        self.submitted.set(false);
        self.alert.set(None);
    }

    /// Shows the server's refusal: per-field messages on their inputs, the rest in the alert.
    pub fn refuse(&self, err: &AppError) {
        let field_of =
            |name: &str| self.inputs.with_value(|inputs| inputs.iter().find(|i| i.name == name).copied());
        let mut unclaimed = Vec::new();
        match err {
            AppError::Validation { fields } => {
                for (name, message) in fields {
                    match field_of(name) {
                        Some(input) => input.server_error.set(Some(message.clone())),
                        None => unclaimed.push(message.clone()),
                    }
                }
            }
            AppError::UsernameTaken | AppError::EmailTaken => {
                let name = if *err == AppError::UsernameTaken { "username" } else { "email" };
                if let Some(input) = field_of(name) {
                    input.server_error.set(Some(err.to_string()));
                }
                unclaimed.push(err.to_string());
            }
            other => unclaimed.push(other.to_string()),
        }
        self.alert.set(unclaimed.into_iter().next());
    }

    /// Shows a sentence in the form's alert.
    pub fn say(&self, text: impl Into<String>) {
        self.alert.set(Some(text.into()));
    }

    /// Follows `action`'s answers: a success goes to `on_success`, a refusal onto the form (and a
    /// 401 signs out, saying why).
    pub fn follow<I, O>(self, action: Action<I, Result<O, AppError>>, on_success: impl Fn(O) + 'static)
    where
        I: 'static,
        O: Clone + 'static,
    {
        let session = super::session::use_session();
        // Only the answer is followed: whatever `on_success` reads must not run it again.
        Effect::new(move |_| {
            let answer = action.value().get();
            untrack(|| match answer {
                Some(Ok(value)) => on_success(value),
                Some(Err(err)) => self.refuse(&session.check(err)),
                None => {}
            });
        });
    }
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

/// A labelled input with its validation message.
#[component]
pub fn TextField(
    /// Visible label (also the accessible name).
    label: &'static str,
    /// The input.
    input: Input,
    /// Its form (to know whether a submit was tried).
    form: Form,
    /// `type` attribute.
    #[prop(default = "text")]
    kind: &'static str,
    /// `autocomplete` attribute.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// A hint shown under the field.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The element id's stem when two forms of a page have an input of the same name
    /// (default: the input's name).
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
    let id = format!("field-{}", id.map_or_else(|| kebab(input.name), str::to_owned));
    let message_id = format!("{id}-message");
    let hint_id = format!("{id}-hint");
    let message = Memo::new(move |_| input.message(form.submitted.get()));
    let described_by = if hint.is_some() { format!("{message_id} {hint_id}") } else { message_id.clone() };
    view! {
        <div class="field" class:invalid=move || message.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=input.name
                type=kind
                autocomplete=autocomplete
                prop:value=move || input.value.get()
                on:input=move |ev| input.set(event_target_value(&ev))
                on:blur=move |_| input.touched.set(true)
                aria-invalid=move || if message.with(Option::is_some) { "true" } else { "false" }
                aria-describedby=described_by
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="message" id=message_id>{move || message.get()}</p>
        </div>
    }
}

/// `newPassword` → `new-password`: element ids in the page's style.
fn kebab(name: &str) -> String {
    let mut id = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            id.push('-');
            id.push(c.to_ascii_lowercase());
        } else {
            id.push(c);
        }
    }
    id
}

/// A form that sends `action` the request `request` builds, once every input passes its rule: its
/// fields, then the alert and the submit button (disabled while the action is pending, so nothing is
/// sent twice).
#[component]
pub fn ActionForm<I, O, R>(
    /// The form's inputs.
    form: Form,
    /// What submitting does.
    action: Action<I, O>,
    /// Builds the action's input from the inputs.
    request: R,
    /// The button's label at rest.
    label: &'static str,
    /// The button's label while the request is in flight.
    busy_label: &'static str,
    /// `aria-labelledby` of the form, when a heading names it.
    #[prop(optional)]
    labelled_by: Option<&'static str>,
    /// The button's style: `"primary"` (default) or `"danger"`.
    #[prop(default = "primary")]
    class: &'static str,
    /// The fields.
    children: Children,
) -> impl IntoView
where
    I: 'static,
    O: 'static,
    R: Fn() -> I + 'static,
{
    let pending = action.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.begin() && !pending.get_untracked() {
            action.dispatch_local(request());
        }
    };
    view! {
        <form on:submit=on_submit novalidate aria-labelledby=labelled_by>
            {children()}
            <FormAlert form=form/>
            <SubmitButton pending=pending label=label busy_label=busy_label class=class/>
        </form>
    }
}

/// The form's alert: the server's answer, announced by screen readers as soon as it appears.
#[component]
pub fn FormAlert(form: Form) -> impl IntoView {
    view! {
        <div class="alert" role="alert" class:empty=move || form.alert.with(Option::is_none)>
            {move || form.alert.get()}
        </div>
    }
}

/// The submit button: disabled and saying so while the request is in flight, and until the app
/// is live (before hydration a click would submit the form natively).
#[component]
pub fn SubmitButton(
    /// The action's `pending()`.
    #[prop(into)]
    pending: Signal<bool>,
    /// The label at rest.
    label: &'static str,
    /// The label while the request is in flight.
    busy_label: &'static str,
    /// `"primary"` (default) or `"danger"`.
    #[prop(default = "primary")]
    class: &'static str,
) -> impl IntoView {
    let hydrated = expect_context::<super::Hydrated>().0;
    view! {
        <button
            type="submit"
            class=class
            disabled=move || pending.get() || !hydrated.get()
            aria-busy=move || if pending.get() { "true" } else { "false" }
        >
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::kebab;

    #[test]
    fn wire_names_become_ids() {
        assert_eq!(kebab("newPassword"), "new-password");
        assert_eq!(kebab("username"), "username");
    }
}
