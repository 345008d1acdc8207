//! One module per page.

pub mod account_edit;
pub mod account_email;
pub mod account_mfa;
pub mod account_security;
pub mod account_sessions;
pub mod admin;
pub mod board;
pub mod home;
pub mod not_found;
pub mod profile;
pub mod recovery;
pub mod signin;
pub mod signup;
pub mod verify_email;
