//! One module per page.

pub mod account_security;
pub mod admin;
pub mod board;
pub mod home;
pub mod not_found;
pub mod profile;
pub mod signin;
pub mod signup;
