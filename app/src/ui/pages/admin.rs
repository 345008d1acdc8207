//! The Admin board's tools: find users, grant and revoke PM/Admin, disable accounts, read the audit
//! log. The server checks every call (these are public endpoints); the page only offers them.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{AdminUser, AuditEntry, UserPage};
use crate::roles::Role;
use crate::ui::session::use_session;
use crate::ui::time;

/// Users, their roles and state, and the audit log.
#[component]
pub fn AdminTools() -> impl IntoView {
    let session = use_session();
    let query = RwSignal::new(String::new());
    let page = RwSignal::new(1_i64);
    // Bumped after every change so the list and the log are read again.
    let version = RwSignal::new(0_u32);
    let users = RwSignal::new(None::<Result<UserPage, AppError>>);
    let audit = RwSignal::new(None::<Result<Vec<AuditEntry>, AppError>>);
    let status = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        let (query, page) = (query.get(), page.get());
        version.track();
        spawn_local(async move {
            users.set(Some(api::admin_users(query, page).await.map_err(|err| session.check(err))));
            audit.set(Some(api::admin_audit().await.map_err(|err| session.check(err))));
        });
    });

    let act = move |description: String, call: Action| {
        failure.set(None);
        spawn_local(async move {
            let result = match call {
                Action::Role(user, role, grant) => api::admin_set_role(user, role, grant).await,
                Action::Disabled(user, disabled) => api::admin_set_disabled(user, disabled).await,
            };
            match result {
                Ok(_) => status.set(Some(description)),
                Err(err) => failure.set(Some(session.check(err).to_string())),
            }
            version.update(|v| *v += 1);
        });
    };

    let search_input = RwSignal::new(String::new());
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        page.set(1);
        query.set(search_input.get_untracked());
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
        <p class="notice-inline" role="status">{move || status.get()}</p>
        <p class="alert" role="alert" class:empty=move || failure.with(Option::is_none)>{move || failure.get()}</p>
        {move || match users.get() {
            None => view! { <p class="loading">"Loading users…"</p> }.into_any(),
            Some(Err(err)) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
            Some(Ok(list)) if list.users.is_empty() => view! {
                <p class="aside">{match query.get_untracked() {
                    searched if searched.is_empty() => "No users yet.".to_string(),
                    searched => format!("No user matches “{searched}”."),
                }}</p>
            }.into_any(),
            Some(Ok(list)) => view! { <UserTable list=list page=page act=act/> }.into_any(),
        }}
        <h2>"Latest activity"</h2>
        {move || match audit.get() {
            None => view! { <p class="loading">"Loading activity…"</p> }.into_any(),
            Some(Err(err)) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
            Some(Ok(entries)) => view! { <AuditTable entries=entries/> }.into_any(),
        }}
    }
}

/// A change an admin asks for.
#[derive(Clone, Copy)]
enum Action {
    Role(uuid::Uuid, Role, bool),
    Disabled(uuid::Uuid, bool),
}

#[component]
fn UserTable(
    list: UserPage,
    page: RwSignal<i64>,
    act: impl Fn(String, Action) + Copy + 'static,
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
fn UserRow(user: AdminUser, act: impl Fn(String, Action) + Copy + 'static) -> impl IntoView {
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
                on:click=move |_| act(done.clone(), Action::Role(id, role, !has))>
                {format!("{verb} {}", role.label())}
            </button>
        }
    });
    let disabled = user.disabled;
    let state_label = format!("{} {name}", if disabled { "Enable" } else { "Disable" });
    let state_done = format!("{} {name}.", if disabled { "Enabled" } else { "Disabled" });
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
                        on:click=move |_| act(state_done.clone(), Action::Disabled(id, !disabled))>
                        {if disabled { "Enable" } else { "Disable" }}
                    </button>
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
