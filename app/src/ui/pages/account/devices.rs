//! Devices: where the account is signed in, with "Sign out" per device, "Sign out everywhere else",
//! and signing out everywhere, this device included.

use leptos::prelude::*;

use crate::api;
use crate::error::AppError;
use crate::model::SessionInfo;
use crate::ui::session::use_session;
use crate::ui::time;
use crate::user_agent::describe;

/// What the list's buttons do.
#[derive(Clone, Copy)]
enum End {
    One(uuid::Uuid),
    Others,
}

/// The live sessions, the current one marked.
#[component]
pub fn SessionList() -> impl IntoView {
    let session = use_session();
    let end = Action::new_local(move |what: &End| {
        let what = *what;
        async move {
            let result = match what {
                End::One(id) => api::end_session(id.into()).await,
                End::Others => api::sign_out_others().await.map(drop),
            };
            result.map_err(|err| session.check(err))
        }
    });
    // Read again after every sign-out from here, and whenever the tokens change.
    let sessions = LocalResource::new(move || {
        end.version().track();
        let _ = session.expires_at();
        async move { api::list_sessions().await.map_err(|err| session.check(err)) }
    });
    let failure = move || end.value().get().and_then(Result::err).map(|err| err.to_string());
    view! {
        <h2 id="sessions">"Where you are signed in"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading sessions…"</p> }>
            {move || sessions.get().map(|result| match result {
                Ok(list) => view! { <SessionTable list=list end=end/> }.into_any(),
                Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
            })}
        </Transition>
        <p>
            <button type="button" class="secondary" disabled=move || end.pending().get()
                on:click=move |_| { end.dispatch(End::Others); }>
                "Sign out everywhere else"
            </button>
        </p>
        {move || failure().map(|text| view! { <p class="alert" role="alert">{text}</p> })}
    }
}

#[component]
fn SessionTable(list: Vec<SessionInfo>, end: Action<End, Result<(), AppError>>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="sessions stack" aria-labelledby="sessions">
                <thead>
                    <tr><th scope="col">"Device"</th><th scope="col">"Signed in"</th>
                        <th scope="col">"Last active"</th><th scope="col">"Address"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th></tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|item| {
                        let id = item.id;
                        let device = item.user_agent.as_deref().map_or_else(|| "Unknown device".to_owned(), describe);
                        view! {
                            <tr data-testid="session-row" class:current=item.current>
                                <th scope="row">{device}
                                    {item.current.then(|| view! { " " <span class="badge ok">"This device"</span> })}
                                </th>
                                <td data-label="Signed in">{time::local(item.created_at)}</td>
                                <td data-label="Last active">{time::local(item.last_seen_at)}</td>
                                <td data-label="Address">{item.address.unwrap_or_default()}</td>
                                <td>
                                    {(!item.current).then(|| view! {
                                        <button type="button" class="small danger" aria-label="Sign out this device"
                                            on:click=move |_| { end.dispatch(End::One(id)); }>
                                            "Sign out"
                                        </button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Ends every session of this account, on every device, this one included.
#[component]
pub fn SignOutEverywhere() -> impl IntoView {
    let session = use_session();
    let sign_out = Action::new_local(move |_: &()| async move {
        api::sign_out_everywhere().await.map_err(|err| session.check(err))
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            session.sign_out(None);
            session.inform("You have been signed out on every device.");
        }
    });
    let failure = move || sign_out.value().get().and_then(Result::err).map(|err| err.to_string());
    let pending = sign_out.pending();
    view! {
        <h2 id="everywhere">"Sign out everywhere"</h2>
        <p>"Lost a device, or signed in somewhere you no longer trust? End every session at once, this one included."</p>
        <p>
            <button type="button" class="danger" on:click=move |_| { sign_out.dispatch(()); } disabled=move || pending.get()>
                {move || if pending.get() { "Signing out everywhere…" } else { "Sign out everywhere" }}
            </button>
        </p>
        <p class="alert" role="alert" class:empty=move || failure().is_none()>{failure}</p>
    }
}
