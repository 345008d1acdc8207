//! Server-only code: database, tokens, hashing, throttling, auditing, and the services both APIs call.

pub mod accounts;
pub mod address;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod housekeeping;
pub mod lifecycle;
pub mod links;
pub mod mail;
pub mod mfa;
pub mod password;
pub mod policy;
pub mod profile;
pub mod recovery;
pub mod responses;
pub mod secrets;
pub mod sessions;
pub mod signin;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod verification;
