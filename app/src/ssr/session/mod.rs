//! Sessions and the request's caller: signed access tokens (`tokens`), session rows (`store`), the
//! refresh chain (`refresh`), who is calling (`caller`) and what is remembered of it
//! (`auth_cache`, kept true by `revocations`; `changes` notes the requests that changed it), and
//! signing in and out (`signin`).

pub mod auth_cache;
pub mod caller;
pub mod changes;
pub mod keyring;
pub mod refresh;
pub mod revocations;
pub mod settings;
pub mod signin;
pub mod signing_keys;
pub mod store;
pub mod tokens;
