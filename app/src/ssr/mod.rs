//! Server-only code: database, tokens, hashing, throttling, auditing, and the services both APIs call.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod client;
pub mod housekeeping;
pub mod http;
pub mod password;
pub mod policy;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod users;
