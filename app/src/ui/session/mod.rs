//! The browser's session: who is signed in, kept in localStorage so a reload keeps you signed in,
//! and renewed with its refresh token before the short-lived access token runs out.
//!
//! The server cannot see localStorage, so it renders every page signed out-agnostic: the state
//! starts as [`AuthState::Unknown`] on the server and in the client's first frame alike (no hydration
//! mismatch), and an effect, which only runs in the browser, then reads the stored session, checks it
//! with the server (refreshing it first if its access token has expired), and signs out with a
//! reason when it is refused. The browser-only parts are in [`browser`].

#[cfg(feature = "hydrate")]
mod browser;

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{PublicUser, Session};

/// localStorage key of the stored session.
pub const STORAGE_KEY: &str = "rust-auth.session";

/// What the app knows about the visitor.
// One value per app: the size of its largest variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
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
/// `hydrated` turns true once the page is hydrated: the stored session is only read then, since
/// what it changes (the header, protected pages) must render as the server did until that moment.
pub fn provide_session(hydrated: Signal<bool>) -> SessionContext {
    let state = RwSignal::new(AuthState::Unknown);
    let notice = RwSignal::new(None);
    // The local sign-out happens even when the server cannot be reached.
    let end = Action::new_local(move |_: &()| async move {
        let _ = crate::api::sign_out().await;
        #[cfg(feature = "hydrate")]
        {
            browser::store(None);
            browser::keep_reason(None);
        }
        notice.set(None);
        state.set(AuthState::SignedOut);
    });
    let session = SessionContext { state, notice, end };
    provide_context(session);
    #[cfg(feature = "hydrate")]
    browser::restore(session, hydrated);
    #[cfg(not(feature = "hydrate"))]
    let _ = hydrated;
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

    /// When the access token runs out, as seconds since the epoch (tracked).
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
        {
            browser::store(Some(&session));
            browser::keep_reason(None);
        }
        self.notice.set(None);
        self.state.set(AuthState::SignedIn(session));
    }

    /// Ends the session; `reason` (if any) is shown as a warning.
    pub fn sign_out(&self, reason: Option<String>) {
        #[cfg(feature = "hydrate")]
        {
            browser::store(None);
            browser::keep_reason(reason.as_deref());
        }
        self.notice.set(reason.map(|text| Notice { warning: true, text }));
        self.state.set(AuthState::SignedOut);
    }

    /// Signs out on the server (this session's tokens stop working at once), then here. The local
    /// sign-out happens even when the server cannot be reached.
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

    /// Reacts to a server refusal: a 401 means the token is no longer good. An expired access token
    /// is renewed with the refresh token (once, for every tab); anything else signs out, saying why.
    /// Returns the error for the caller to show.
    ///
    /// Only a live session is ended: several requests may be refused at once, and the first
    /// refusal's reason is the one shown (a later "no token" would only hide it).
    pub fn check(&self, err: AppError) -> AppError {
        let signed_in = self.state.with_untracked(|state| matches!(state, AuthState::SignedIn(_)));
        if signed_in && matches!(err, AppError::Unauthorized { .. }) {
            #[cfg(feature = "hydrate")]
            if err == AppError::token_expired() {
                browser::refresh_soon(*self);
                return err;
            }
            self.sign_out(Some(err.to_string()));
        }
        err
    }
}

/// The stored access token, read by the server-function client on every call.
#[cfg(feature = "hydrate")]
pub fn stored_token() -> Option<String> {
    browser::load().map(|stored| stored.session.access_token)
}
