//! Everything the browser and the server share: types, validation rules, the UI and the server
//! functions. Server-only parts (database, tokens, hashing) live in [`ssr`], behind the `ssr` feature.

pub mod api;
pub mod error;
pub mod model;
pub mod requests;
pub mod roles;
pub mod ui;
pub mod user_agent;
pub mod validation;

#[cfg(feature = "ssr")]
pub mod ssr;

pub use ui::shell;
