//! The browser's session: who is signed in, kept in localStorage so a reload keeps you signed in.
//!
//! The server cannot see localStorage, so it renders every page signed out-agnostic: the state
//! starts as [`AuthState::Unknown`] on the server and in the client's first frame alike (no hydration
//! mismatch), and an effect, which only runs in the browser, then reads the stored session, checks it
//! with the server, and signs out with a reason when it has expired or is refused.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{PublicUser, Session};

/// localStorage key of the stored [`Session`].
pub const STORAGE_KEY: &str = "rust-auth.session";

/// What the app knows about the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    /// Not known yet: server rendering and the first frame after hydration.
    Unknown,
    /// No valid session.
    SignedOut,
    /// Signed in with this session.
    SignedIn(Session),
}

/// A message shown at the top of the page until dismissed or replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `true` for something that went wrong (announced assertively).
    pub warning: bool,
    /// The sentence.
    pub text: String,
}

/// Shared handle to the session state; cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct SessionContext {
    state: RwSignal<AuthState>,
    notice: RwSignal<Option<Notice>>,
    /// Signs out on the server, then here (see [`SessionContext::end`]).
    end: Action<(), ()>,
}

/// The session handle provided by [`provide_session`].
pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

/// Creates the session state, provides it to the app and, in the browser, restores it.
pub fn provide_session() -> SessionContext {
    let state = RwSignal::new(AuthState::Unknown);
    let notice = RwSignal::new(None);
    // The local sign-out happens even when the server cannot be reached.
    let end = Action::new_local(move |_: &()| async move {
        let _ = crate::api::sign_out().await;
        #[cfg(feature = "hydrate")]
        browser::store(None);
        notice.set(None);
        state.set(AuthState::SignedOut);
    });
    let session = SessionContext { state, notice, end };
    provide_context(session);
    #[cfg(feature = "hydrate")]
    browser::restore(session);
    session
}

impl SessionContext {
    /// The current state (tracked).
    pub fn state(&self) -> AuthState {
        self.state.get()
    }

    /// The signed-in user, if any (tracked).
    pub fn user(&self) -> Option<PublicUser> {
        self.state.with(|state| match state {
            AuthState::SignedIn(session) => Some(session.user.clone()),
            _ => None,
        })
    }

    /// When the session ends, as seconds since the epoch (tracked).
    pub fn expires_at(&self) -> Option<i64> {
        self.state.with(|state| match state {
            AuthState::SignedIn(session) => Some(session.expires_at),
            _ => None,
        })
    }

    /// The current notice (tracked).
    pub fn notice(&self) -> Option<Notice> {
        self.notice.get()
    }

    /// Shows an informational notice.
    pub fn inform(&self, text: impl Into<String>) {
        self.notice.set(Some(Notice { warning: false, text: text.into() }));
    }

    /// Hides the notice.
    pub fn dismiss(&self) {
        self.notice.set(None);
    }

    /// Starts a session: stores it and updates every view.
    pub fn sign_in(&self, session: Session) {
        #[cfg(feature = "hydrate")]
        browser::store(Some(&session));
        self.notice.set(None);
        self.state.set(AuthState::SignedIn(session));
    }

    /// Ends the session; `reason` (if any) is shown as a warning.
    pub fn sign_out(&self, reason: Option<String>) {
        #[cfg(feature = "hydrate")]
        browser::store(None);
        self.notice.set(reason.map(|text| Notice { warning: true, text }));
        self.state.set(AuthState::SignedOut);
    }

    /// Signs out on the server (this token stops working at once), then here. The local sign-out
    /// happens even when the server cannot be reached.
    pub fn end(&self) {
        self.end.dispatch(());
    }

    /// Replaces the stored user with a fresher copy (roles may have changed).
    pub fn refresh_user(&self, user: PublicUser) {
        self.state.update(|state| {
            if let AuthState::SignedIn(session) = state {
                session.user = user;
                #[cfg(feature = "hydrate")]
                browser::store(Some(session));
            }
        });
    }

    /// Reacts to a server refusal: a 401 means the token is no longer good, so sign out and say why.
    /// Returns the error for the caller to show when it is anything else.
    ///
    /// Only a live session is ended: several requests may be refused at once, and the first
    /// refusal's reason is the one shown (a later "no token" would only hide it).
    pub fn check(&self, err: AppError) -> AppError {
        let signed_in = self.state.with_untracked(|state| matches!(state, AuthState::SignedIn(_)));
        if signed_in && matches!(err, AppError::Unauthorized { .. }) {
            self.sign_out(Some(err.to_string()));
        }
        err
    }
}

/// The stored token, read by the server-function client on every call.
#[cfg(feature = "hydrate")]
pub fn stored_token() -> Option<String> {
    browser::load().map(|session| session.access_token)
}

#[cfg(feature = "hydrate")]
mod browser {
    use gloo_storage::{LocalStorage, Storage};
    use leptos::prelude::*;

    use super::{AuthState, STORAGE_KEY, SessionContext};
    use crate::model::Session;

    /// Longest delay `setTimeout` accepts (about 24.8 days).
    const MAX_TIMER_MS: i64 = i32::MAX as i64;

    pub fn now_secs() -> i64 {
        (js_sys::Date::now() / 1000.0) as i64
    }

    pub fn load() -> Option<Session> {
        LocalStorage::get::<Session>(STORAGE_KEY).ok()
    }

    pub fn store(session: Option<&Session>) {
        let _ = match session {
            Some(session) => LocalStorage::set(STORAGE_KEY, session),
            None => {
                LocalStorage::delete(STORAGE_KEY);
                Ok(())
            }
        };
    }

    /// Restores the stored session after hydration, verifies it, and keeps tabs and expiry in sync.
    pub fn restore(session: SessionContext) {
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
            match load() {
                Some(stored) if stored.expires_at <= now_secs() => {
                    session.sign_out(Some("Your session has expired. Sign in again.".into()));
                }
                Some(stored) => {
                    restored.set(Some(stored.access_token.clone()));
                    session.state.set(AuthState::SignedIn(stored));
                }
                // Storage holds nothing usable (or garbage): clear it.
                None => {
                    if LocalStorage::raw().get_item(STORAGE_KEY).ok().flatten().is_some() {
                        session.sign_out(Some("Your saved session could not be read. Sign in again.".into()));
                    } else {
                        session.state.set(AuthState::SignedOut);
                    }
                }
            }
        });
        expire_on_time(session);
        follow_other_tabs(session);
    }

    /// Signs out the moment the token expires, even if the page just sits open.
    fn expire_on_time(session: SessionContext) {
        let timer = StoredValue::new(None::<TimeoutHandle>);
        Effect::new(move |_| {
            if let Some(handle) = timer.get_value() {
                handle.clear();
            }
            let Some(expires_at) = session.expires_at() else {
                return;
            };
            let delay_ms = ((expires_at - now_secs()) * 1000).clamp(0, MAX_TIMER_MS);
            let handle = set_timeout_with_handle(
                move || session.sign_out(Some("Your session has expired. Sign in again.".into())),
                std::time::Duration::from_millis(delay_ms as u64),
            );
            timer.set_value(handle.ok());
        });
    }

    /// Signing in or out in another tab does the same here.
    fn follow_other_tabs(session: SessionContext) {
        let handle = window_event_listener(leptos::ev::storage, move |event| {
            if event.key().as_deref() != Some(STORAGE_KEY) {
                return;
            }
            match load() {
                Some(stored) => session.state.set(AuthState::SignedIn(stored)),
                None => session.state.set(AuthState::SignedOut),
            }
        });
        on_cleanup(move || handle.remove());
    }
}
