//! The session in the browser: localStorage, restoring it after hydration, renewing it before the
//! access token runs out, and keeping tabs in step.
//!
//! Renewal happens once for all tabs: a tab renews while holding a Web Lock (`navigator.locks`),
//! and a tab that gets the lock after another one renewed finds a newer session in storage and
//! simply takes it. Every tab follows storage changes, so all see the new tokens. Times are taken
//! from the browser's own clock at the moment a session arrived, so a clock that is off cannot
//! make a tab renew in a loop.

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::{AuthState, STORAGE_KEY, SessionContext};
use crate::error::AppError;
use crate::model::Session;

/// Longest delay `setTimeout` accepts (about 24.8 days).
const MAX_TIMER_MS: i64 = i32::MAX as i64;
/// Name of the Web Lock that renewals take.
const LOCK_NAME: &str = "rust-auth.refresh";
/// sessionStorage key (this tab only) of why the session ended, until the next page shows it.
const REASON_KEY: &str = "rust-auth.signed-out-reason";

/// What is kept in localStorage: the session and when (by this browser's clock) it arrived.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    /// The session as the server sent it.
    #[serde(flatten)]
    pub session: Session,
    /// Seconds since the epoch, by this browser's clock, when it arrived.
    pub received_at: i64,
}

impl Stored {
    /// When the access token runs out, by this browser's clock.
    fn expires_at(&self) -> i64 {
        self.received_at + i64::try_from(self.session.expires_in).unwrap_or(i64::MAX / 4)
    }

    /// When to renew: a minute before the end, or at three quarters of a short life.
    fn renew_at(&self) -> i64 {
        let life = i64::try_from(self.session.expires_in).unwrap_or(i64::MAX / 4);
        self.received_at + (life - 60).max(life * 3 / 4)
    }
}

pub fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

pub fn load() -> Option<Stored> {
    LocalStorage::get::<Stored>(STORAGE_KEY).ok()
}

/// Stores `session` (received now), or forgets it.
pub fn store(session: Option<&Session>) {
    let _ = match session {
        Some(session) => {
            let received_at = match load() {
                // The same tokens again (the user was refreshed): keep when they arrived.
                Some(stored) if stored.session.access_token == session.access_token => stored.received_at,
                _ => now_secs(),
            };
            LocalStorage::set(STORAGE_KEY, Stored { session: session.clone(), received_at })
        }
        None => {
            LocalStorage::delete(STORAGE_KEY);
            Ok(())
        }
    };
}

/// Keeps why this tab was signed out (or forgets it), so that the next page this tab loads still
/// says why: a session refused in the background (a renewal while the page sat open) must not
/// leave a silent sign-in page after a reload.
pub fn keep_reason(reason: Option<&str>) {
    let _ = match reason {
        Some(reason) => SessionStorage::set(REASON_KEY, reason),
        None => {
            SessionStorage::delete(REASON_KEY);
            Ok(())
        }
    };
}

/// Why this tab was last signed out, once: it is forgotten as it is read.
fn take_reason() -> Option<String> {
    let reason = SessionStorage::get::<String>(REASON_KEY).ok();
    SessionStorage::delete(REASON_KEY);
    reason
}

/// Restores the stored session once the page is hydrated (`hydrated`), renews or verifies it, and
/// keeps tabs and renewal in step.
pub fn restore(session: SessionContext, hydrated: Signal<bool>) {
    // The token restored from storage, once it is: the server is asked about it, since it may
    // have been revoked or tampered with, or its user's roles changed since it was stored.
    let restored = RwSignal::new(None::<String>);
    let verdict = LocalResource::new(move || {
        let token = restored.get();
        async move {
            match token {
                Some(_) => Some(crate::api::me().await),
                None => None,
            }
        }
    });
    Effect::new(move |_| match verdict.get().flatten() {
        Some(Ok(user)) => session.refresh_user(user),
        Some(Err(err)) => {
            session.check(err);
        }
        None => {}
    });
    Effect::new(move |_| {
        if hydrated.get() {
            restore_stored(session, restored);
        }
    });
    renew_on_time(session);
    follow_other_tabs(session);
}

/// Reads the stored session into the page, once, right after hydration.
fn restore_stored(session: SessionContext, restored: RwSignal<Option<String>>) {
    match load() {
        // The access token ran out while the page was closed: renew it before anything else.
        Some(stored) if stored.expires_at() <= now_secs() => {
            spawn_local(refresh(session, stored.session.access_token));
        }
        Some(stored) => {
            restored.set(Some(stored.session.access_token.clone()));
            session.state.set(AuthState::SignedIn(stored.session));
        }
        // Storage holds nothing usable (or garbage): clear it.
        None => {
            if LocalStorage::raw().get_item(STORAGE_KEY).ok().flatten().is_some() {
                session.sign_out(Some("Your saved session could not be read. Sign in again.".into()));
            } else {
                session.notice.set(take_reason().map(|text| super::Notice { warning: true, text }));
                session.state.set(AuthState::SignedOut);
            }
        }
    }
}

/// Renews the session shortly before its access token runs out, even if the page just sits open.
fn renew_on_time(session: SessionContext) {
    let timer = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        // Re-armed whenever the tokens change (a sign-in, a renewal here or in another tab).
        let Some(_) = session.expires_at() else {
            return;
        };
        let Some(stored) = load() else {
            return;
        };
        let delay_ms = ((stored.renew_at() - now_secs()) * 1000).clamp(0, MAX_TIMER_MS);
        let token = stored.session.access_token;
        let handle = set_timeout_with_handle(
            move || spawn_local(refresh(session, token)),
            std::time::Duration::from_millis(delay_ms as u64),
        );
        timer.set_value(handle.ok());
    });
}

/// Renews the session as soon as possible (its access token was refused as expired).
pub fn refresh_soon(session: SessionContext) {
    if let Some(stored) = load() {
        spawn_local(refresh(session, stored.session.access_token));
    }
}

/// Renews the session whose access token is `stale`, holding the renewal lock: if another tab
/// renewed it meanwhile, its result is taken instead. A refused renewal signs out and says why.
async fn refresh(session: SessionContext, stale: String) {
    with_lock(async move {
        let Some(stored) = load() else {
            return;
        };
        if stored.session.access_token != stale {
            session.state.set(AuthState::SignedIn(stored.session));
            return;
        }
        match crate::api::refresh(stored.session.refresh_token.into()).await {
            Ok(fresh) => {
                store(Some(&fresh));
                session.state.set(AuthState::SignedIn(fresh));
            }
            // Offline: keep the session; the next request or renewal tries again.
            Err(AppError::Network) => {}
            Err(err) => session.sign_out(Some(err.to_string())),
        }
    })
    .await;
}

/// Runs `work` holding the renewal Web Lock, so tabs renew one after the other; without Web Locks
/// (old browsers) it simply runs, and the server's grace period covers tabs renewing at once.
async fn with_lock(work: impl Future<Output = ()> + 'static) {
    let locks =
        js_sys::Reflect::get(&window().navigator(), &"locks".into()).ok().filter(|locks| locks.is_object());
    let request = locks.as_ref().and_then(|locks| {
        js_sys::Reflect::get(locks, &"request".into()).ok()?.dyn_into::<js_sys::Function>().ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        work.await;
        return;
    };
    let callback = Closure::once(move |_lock: wasm_bindgen::JsValue| -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            work.await;
            Ok(wasm_bindgen::JsValue::UNDEFINED)
        })
    });
    if let Ok(promise) = request.call2(&locks, &LOCK_NAME.into(), callback.as_ref().unchecked_ref())
        && let Ok(promise) = promise.dyn_into::<js_sys::Promise>()
    {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// Signing in, out or renewing in another tab does the same here.
fn follow_other_tabs(session: SessionContext) {
    let handle = window_event_listener(leptos::ev::storage, move |event| {
        if event.key().as_deref() != Some(STORAGE_KEY) {
            return;
        }
        match load() {
            Some(stored) => session.state.set(AuthState::SignedIn(stored.session)),
            None => session.state.set(AuthState::SignedOut),
        }
    });
    on_cleanup(move || handle.remove());
}
