//! Server-only code: database, tokens, hashing, and the account service both APIs call.

pub mod accounts;
pub mod auth;
pub mod http;
pub mod password;
pub mod state;
pub mod tokens;
pub mod users;
