//! Server functions: the API the browser app calls. Each is a public POST endpoint under `/api/fn/`
//! and checks the caller's token and roles itself, through the same services as the REST API.
//!
//! Arguments are [`Field`](crate::requests::Field)s, read by the services exactly as REST bodies
//! are, so a mistyped argument gets the same 422 from both doors. An error leaves as our JSON body;
//! its HTTP status is set by the `server_fns` layer of the server (`server/src/layers/server_fns.rs`),
//! where it becomes the response.

mod account;
mod admin;
mod client;
mod passkeys;
mod session;

pub use account::*;
pub use admin::*;
pub use client::BearerClient;
pub use passkeys::*;
pub use session::*;

#[cfg(feature = "ssr")]
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{session::caller, state::AppState};
#[cfg(feature = "ssr")]
use leptos::prelude::use_context;

/// The request being served (leptos provides it to server functions).
#[cfg(feature = "ssr")]
fn request() -> Result<http::request::Parts, AppError> {
    use_context::<http::request::Parts>().ok_or(AppError::Internal)
}

/// The caller, if a token was sent. A bad token is a 401, never "anonymous".
#[cfg(feature = "ssr")]
async fn caller(state: &AppState) -> Result<Option<caller::AuthUser>, AppError> {
    caller::from_headers(state, &request()?.headers).await
}

/// The caller, who must have sent a token.
#[cfg(feature = "ssr")]
async fn signed_in(state: &AppState) -> Result<caller::AuthUser, AppError> {
    caller(state).await?.ok_or_else(AppError::token_missing)
}

/// The device calling (address and user agent), for the session it starts.
#[cfg(feature = "ssr")]
fn device(state: &AppState) -> Result<crate::ssr::guard::address::Device, AppError> {
    let request = request()?;
    let address = crate::ssr::guard::address::client_address(&request, &state.trusted_proxies);
    Ok(crate::ssr::guard::address::Device::new(&request.headers, address))
}

/// The client's address, for throttling and the audit log.
#[cfg(feature = "ssr")]
fn address(state: &AppState) -> Result<std::net::IpAddr, AppError> {
    Ok(crate::ssr::guard::address::client_address(&request()?, &state.trusted_proxies))
}
