//! Passkeys (Security): the account's passkeys (name, added, last used, whether synced), adding
//! one and removing one (each after a factor the account has: a passkey once it has one), and
//! renaming one.

use leptos::prelude::*;
use uuid::Uuid;

use super::confirm::{Confirm, ConfirmField, code_input, password_input, proof};
use crate::api;
use crate::error::AppError;
use crate::model::{PasskeyInfo, PublicUser};
use crate::requests::{FactorProofRequest, Field, PasskeyFinishRequest, PasskeyRegisterRequest};
use crate::ui::form::{ActionForm, Form, TextField};
use crate::ui::passkey;
use crate::ui::session::use_session;
use crate::ui::time;

/// Passkeys one account may hold (the server says so too).
const MAX_PASSKEYS: usize = 10;

fn name_error(value: &str) -> Option<String> {
    (value.trim().chars().count() > 64).then(|| "A passkey's name is at most 64 characters.".to_owned())
}

fn required_name_error(value: &str) -> Option<String> {
    if value.trim().is_empty() { Some("Give the passkey a name.".to_owned()) } else { name_error(value) }
}

/// What the list's buttons open below it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Editing {
    Rename(Uuid, String),
    Remove(Uuid, String),
}

/// The passkeys section: the list, and adding one.
#[component]
pub fn Passkeys() -> impl IntoView {
    let session = use_session();
    // Bumped after every change: the list is read again.
    let changed = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        changed.track();
        async move { api::list_passkeys().await.map_err(|err| session.check(err)) }
    });
    let editing = RwSignal::new(None::<Editing>);
    let supported = RwSignal::new(true);
    Effect::new(move |_| supported.set(passkey::supported()));
    view! {
        <h2 id="passkeys">"Passkeys"</h2>
        <p>"A passkey signs you in with your fingerprint, your face, your screen lock or a security key: "
           "nothing to type, nothing to phish. Signing in with one needs no code from the app either."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading passkeys…"</p> }>
            {move || list.get().map(|result| match result {
                Ok(items) => view! { <PasskeyTable items=items editing=editing/> }.into_any(),
                Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
            })}
        </Transition>
        {move || match editing.get() {
            Some(Editing::Rename(id, name)) => view! { <Rename id=id name=name editing=editing changed=changed/> }.into_any(),
            Some(Editing::Remove(id, name)) => view! { <Remove id=id name=name editing=editing changed=changed/> }.into_any(),
            None => ().into_any(),
        }}
        <Show when=move || supported.get()
            fallback=|| view! { <p class="hint">"This browser cannot create passkeys."</p> }>
            <Add changed=changed count=Signal::derive(move || {
                list.get().and_then(Result::ok).map_or(0, |items| items.len())
            })/>
        </Show>
    }
}

#[component]
fn PasskeyTable(items: Vec<PasskeyInfo>, editing: RwSignal<Option<Editing>>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p data-testid="no-passkeys">"No passkey yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="passkeys stack" aria-labelledby="passkeys">
                <thead>
                    <tr><th scope="col">"Name"</th><th scope="col">"Added"</th><th scope="col">"Last used"</th>
                        <th scope="col">"Synced"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|item| {
                        let (id, name) = (item.id, item.name.clone());
                        let rename_name = name.clone();
                        let synced = match (item.backed_up, item.backup_eligible) {
                            (true, _) => "Synced across your devices",
                            (false, true) => "Can sync, not synced yet",
                            (false, false) => "This device only",
                        };
                        view! {
                            <tr data-testid="passkey-row">
                                <th scope="row" data-testid="passkey-name">{item.name.clone()}</th>
                                <td data-label="Added">{time::local(item.created_at)}</td>
                                <td data-label="Last used">{item.last_used_at.map_or_else(|| "Never".to_owned(), time::local)}</td>
                                <td data-label="Synced">{synced}</td>
                                <td class="actions">
                                    <button type="button" class="small secondary" aria-label=format!("Rename {}", item.name)
                                        on:click=move |_| editing.set(Some(Editing::Rename(id, rename_name.clone())))>
                                        "Rename"
                                    </button>
                                    " "
                                    <button type="button" class="small danger" aria-label=format!("Remove {}", item.name)
                                        on:click=move |_| editing.set(Some(Editing::Remove(id, name.clone())))>
                                        "Remove"
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Rename(
    id: Uuid,
    name: String,
    editing: RwSignal<Option<Editing>>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let form = Form::new();
    let input = form.input("name", required_name_error);
    input.set(name.clone());
    let rename = Action::new_local(move |name: &String| api::rename_passkey(id.into(), name.clone().into()));
    form.follow(rename, move |_| {
        editing.set(None);
        changed.update(|n| *n += 1);
    });
    view! {
        <section class="inline-panel" aria-labelledby="rename-passkey">
            <h3 id="rename-passkey">{format!("Rename “{name}”")}</h3>
            <ActionForm form=form action=rename request=move || input.get() labelled_by="rename-passkey"
                label="Save name" busy_label="Saving…">
                <TextField label="Name" input=input form=form id="passkey-name"/>
            </ActionForm>
            <p><button type="button" class="link" on:click=move |_| editing.set(None)>"Cancel"</button></p>
        </section>
    }
}

#[component]
fn Remove(
    id: Uuid,
    name: String,
    editing: RwSignal<Option<Editing>>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    // Taking a factor away: confirmed with one the account has (`confirm.rs`).
    let how = Confirm::for_factors();
    let password = password_input(&form, "password", how);
    let code = code_input(&form, how);
    let remove = Action::new_local(move |(password, code): &(String, String)| {
        let (password, code) = (password.clone(), code.clone());
        async move {
            let (password, passkey) = proof(how, password).await?;
            let code = if code.is_empty() { Field::Missing } else { code.into() };
            api::remove_passkey(id.into(), FactorProofRequest { password, passkey, code }).await
        }
    });
    let removed_name = name.clone();
    form.follow(remove, move |()| {
        editing.set(None);
        changed.update(|n| *n += 1);
        adjust_count(session.user(), -1, |user| session.refresh_user(user));
        session.inform(format!(
            "“{removed_name}” is removed: it no longer signs in. Every other device was signed out."
        ));
    });
    view! {
        <section class="inline-panel" aria-labelledby="remove-passkey">
            <h3 id="remove-passkey">{format!("Remove “{name}”?")}</h3>
            <p>"It will no longer sign in, and every other device is signed out."</p>
            <ActionForm form=form action=remove request=move || (password.get(), code.get())
                labelled_by="remove-passkey" label="Remove passkey" busy_label="Removing…" class="danger">
                <ConfirmField input=password form=form confirm=how id="remove-passkey-password"
                    code=(code, "remove-passkey-code")/>
            </ActionForm>
            <p><button type="button" class="link" on:click=move |_| editing.set(None)>"Cancel"</button></p>
        </section>
    }
}

/// The stored user with `delta` more passkeys (what the header's checks read).
fn adjust_count(user: Option<PublicUser>, delta: i32, store: impl Fn(PublicUser)) {
    if let Some(mut user) = user {
        user.passkeys = (user.passkeys + delta).max(0);
        store(user);
    }
}

/// Adds a passkey: a factor the account has first (`how`), then the browser creates it.
async fn add(how: Confirm, name: String, password: String, code: String) -> Result<PasskeyInfo, AppError> {
    let (password, passkey) = proof(how, password).await?;
    let name = if name.trim().is_empty() { Field::Missing } else { name.into() };
    let code = if code.is_empty() { Field::Missing } else { code.into() };
    let options =
        api::passkey_register_start(PasskeyRegisterRequest { name, password, passkey, code }).await?;
    let credential = passkey::create(&options).await?;
    api::passkey_register_finish(PasskeyFinishRequest {
        ceremony: options.ceremony.into(),
        credential: credential.into(),
        remember: Field::Missing,
    })
    .await
}

#[component]
fn Add(changed: RwSignal<u32>, count: Signal<usize>) -> impl IntoView {
    let session = use_session();
    let form = Form::new();
    // Adding a factor: confirmed with one the account already has (`confirm.rs`).
    let how = Confirm::for_factors();
    let name = form.input("name", name_error);
    let password = password_input(&form, "password", how);
    let code = code_input(&form, how);
    let action = Action::new_local(move |(name, password, code): &(String, String, String)| {
        add(how, name.clone(), password.clone(), code.clone())
    });
    form.follow(action, move |info| {
        form.reset();
        changed.update(|n| *n += 1);
        adjust_count(session.user(), 1, |user| session.refresh_user(user));
        session.inform(format!("Passkey “{}” added: it signs you in from now on.", info.name));
    });
    view! {
        <h3 id="add-passkey">"Add a passkey"</h3>
        <Show when=move || { count.get() < MAX_PASSKEYS }
            fallback=|| view! { <p class="hint">"This account has 10 passkeys, the most it may hold. Remove one to add another."</p> }>
            <ActionForm form=form action=action request=move || (name.get(), password.get(), code.get())
                labelled_by="add-passkey" label="Add a passkey" busy_label="Waiting for your device…">
                <TextField label="Name (optional)" input=name form=form id="new-passkey-name"
                    hint="Default: this device, such as “Chrome on Linux”."/>
                <ConfirmField input=password form=form confirm=how id="add-passkey-password"
                    code=(code, "add-passkey-code")/>
            </ActionForm>
        </Show>
    }
}
