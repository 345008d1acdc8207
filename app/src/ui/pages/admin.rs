//! The Admin board's tools: find users, grant and revoke PM/Admin, disable accounts, read the audit
//! log. The server checks every call (these are public endpoints); the page only offers them.
//!
//! The user list and the log are resources keyed on what they show (search, page) and on the
//! change action's `version()`, so both are read again after every change, and an older answer
//! arriving after a newer search can never replace it.

use leptos::prelude::*;

use crate::api;
use crate::model::{AdminUser, AuditEntry, UserPage};
use crate::roles::Role;
use crate::ui::session::use_session;
use crate::ui::time;

/// A change an admin asks for, and the sentence said when it is done.
#[derive(Clone)]
struct Change {
    what: ChangeKind,
    done: String,
}

#[derive(Clone, Copy)]
enum ChangeKind {
    Role(uuid::Uuid, Role, bool),
    Disabled(uuid::Uuid, bool),
    SendReset(uuid::Uuid),
    ResetMfa(uuid::Uuid),
}

/// Users, their roles and state, and the audit log.
#[component]
pub fn AdminTools() -> impl IntoView {
    let session = use_session();
    let query = RwSignal::new(String::new());
    let page = RwSignal::new(1_i64);

    let change = Action::new_local(move |change: &Change| {
        let change = change.clone();
        async move {
            let result = match change.what {
                ChangeKind::Role(user, role, grant) => {
                    api::admin_set_role(user.into(), role.into(), grant.into()).await.map(drop)
                }
                ChangeKind::Disabled(user, disabled) => {
                    api::admin_set_disabled(user.into(), disabled.into()).await.map(drop)
                }
                ChangeKind::SendReset(user) => api::admin_send_reset(user.into()).await,
                ChangeKind::ResetMfa(user) => api::admin_reset_mfa(user.into()).await.map(drop),
            };
            result.map(|()| change.done).map_err(|err| session.check(err))
        }
    });
    let users = LocalResource::new(move || {
        let (query, page) = (query.get(), page.get());
        change.version().track();
        async move { api::admin_users(query.into(), page.into()).await.map_err(|err| session.check(err)) }
    });
    let audit = LocalResource::new(move || {
        change.version().track();
        async move { api::admin_audit().await.map_err(|err| session.check(err)) }
    });
    let outcome = move || change.value().get();

    let search_input = RwSignal::new(String::new());
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        page.set(1);
        query.set(search_input.get_untracked());
    };
    let act = move |what: ChangeKind, done: String| {
        change.dispatch(Change { what, done });
    };

    view! {
        <h2 id="users-heading">"Users"</h2>
        <form class="search" role="search" on:submit=on_search aria-label="Search users">
            <label for="user-search">"Search by username or email"</label>
            <div class="search-row">
                <input id="user-search" type="search" prop:value=move || search_input.get()
                    on:input=move |ev| search_input.set(event_target_value(&ev))/>
                <button type="submit">"Search"</button>
            </div>
        </form>
        <p class="notice-inline" role="status">{move || outcome().and_then(Result::ok)}</p>
        <p class="alert" role="alert" class:empty=move || !matches!(outcome(), Some(Err(_)))>
            {move || outcome().and_then(Result::err).map(|err| err.to_string())}
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
            {move || users.get().map(|result| match result {
                Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(list) if list.users.is_empty() => view! {
                    <p class="aside">{match query.get_untracked() {
                        searched if searched.is_empty() => "No users yet.".to_string(),
                        searched => format!("No user matches “{searched}”."),
                    }}</p>
                }.into_any(),
                Ok(list) => view! { <UserTable list=list page=page act=act/> }.into_any(),
            })}
        </Transition>
        <h2>"Latest activity"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading activity…"</p> }>
            {move || audit.get().map(|result| match result {
                Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(entries) => view! { <AuditTable entries=entries/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn UserTable(
    list: UserPage,
    page: RwSignal<i64>,
    act: impl Fn(ChangeKind, String) + Copy + 'static,
) -> impl IntoView {
    let pages = ((list.total + list.per_page - 1) / list.per_page).max(1);
    let current = list.page;
    view! {
        <div class="table-wrap">
            <table class="users stack" aria-labelledby="users-heading">
                <thead>
                    <tr><th scope="col">"Account"</th><th scope="col">"Roles"</th><th scope="col">"Status"</th>
                        <th scope="col">"Actions"</th></tr>
                </thead>
                <tbody>
                    {list.users.into_iter().map(|user| view! { <UserRow user=user act=act/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages of users">
            <button type="button" disabled={current <= 1} on:click=move |_| page.update(|p| *p -= 1)>"Previous"</button>
            <span>{format!("Page {current} of {pages} · {} users", list.total)}</span>
            <button type="button" disabled={current >= pages} on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
        </nav>
    }
}

#[component]
fn UserRow(user: AdminUser, act: impl Fn(ChangeKind, String) + Copy + 'static) -> impl IntoView {
    let id = user.user.id;
    let name = user.user.username.clone();
    let roles: Vec<&str> = user.user.roles.iter().map(|role| role.label()).collect();
    let toggles = [Role::Pm, Role::Admin].map(|role| {
        let has = user.user.has(role);
        let (verb, preposition) = if has { ("Revoke", "from") } else { ("Grant", "to") };
        let label = format!("{verb} {} {preposition} {name}", role.label());
        let done =
            format!("{} {} {preposition} {name}.", if has { "Revoked" } else { "Granted" }, role.label());
        view! {
            <button type="button" class="small" aria-label=label.clone() title=label
                on:click=move |_| act(ChangeKind::Role(id, role, !has), done.clone())>
                {format!("{verb} {}", role.label())}
            </button>
        }
    });
    let disabled = user.disabled;
    let state_label = format!("{} {name}", if disabled { "Enable" } else { "Disable" });
    let state_done = format!("{} {name}.", if disabled { "Enabled" } else { "Disabled" });
    // Each accessible name starts with the button's visible text, so speech input ("click Send reset
    // link") finds it (WCAG 2.5.3).
    let reset_label = format!("Send reset link to {name}");
    let reset_done = format!("A password reset link is on its way to {name}.");
    let mfa = user.user.mfa_enabled;
    let mfa_label = format!("Reset 2FA of {name}: turn off two-factor sign-in");
    let mfa_done = format!("Two-factor sign-in is off for {name}.");
    view! {
        <tr class:disabled=disabled data-username=name.clone()>
            // One cell for who the account is: four columns fit a desktop card without scrolling.
            <th scope="row" class="account">
                <span class="account-username">{name.clone()}</span>
                <span class="account-detail">{user.user.name}</span>
                <span class="account-detail">{user.user.email}</span>
            </th>
            <td data-label="Roles" data-testid="roles">{roles.join(", ")}</td>
            <td data-label="Status">{if disabled { "Disabled" } else { "Active" }}</td>
            <td>
                <div class="row-actions">
                    {toggles}
                    <button type="button" class="small" class:danger=!disabled aria-label=state_label.clone()
                        on:click=move |_| act(ChangeKind::Disabled(id, !disabled), state_done.clone())>
                        {if disabled { "Enable" } else { "Disable" }}
                    </button>
                    <button type="button" class="small" aria-label=reset_label.clone() title=reset_label
                        on:click=move |_| act(ChangeKind::SendReset(id), reset_done.clone())>
                        "Send reset link"
                    </button>
                    {mfa.then(|| view! {
                        <button type="button" class="small danger" aria-label=mfa_label.clone() title=mfa_label.clone()
                            on:click=move |_| act(ChangeKind::ResetMfa(id), mfa_done.clone())>
                            "Reset 2FA"
                        </button>
                    })}
                </div>
            </td>
        </tr>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p>"Nothing recorded yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="audit stack">
                <thead>
                    <tr><th scope="col">"When"</th><th scope="col">"Event"</th><th scope="col">"By"</th>
                        <th scope="col">"Account"</th><th scope="col">"Address"</th><th scope="col">"Detail"</th></tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|entry| view! {
                        <tr>
                            <td data-label="When">{time::local(entry.at)}</td>
                            <td data-label="Event">{entry.event.label()}
                                {(entry.count > 1).then(|| view! { <span class="count">{format!(" ×{}", entry.count)}</span> })}
                            </td>
                            <AuditCell label="By" value=entry.actor/>
                            <AuditCell label="Account" value=entry.subject.or(entry.login)/>
                            <AuditCell label="Address" value=entry.address/>
                            <AuditCell label="Detail" value=entry.detail/>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// An optional audit field: marked blank when absent, so the phone layout can leave it out.
#[component]
fn AuditCell(label: &'static str, value: Option<String>) -> impl IntoView {
    let blank = value.is_none();
    view! { <td data-label=label class:blank=blank>{value.unwrap_or_default()}</td> }
}
