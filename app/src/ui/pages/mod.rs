//! One module per page.

pub mod account;
pub mod admin;
pub mod board;
pub mod home;
pub mod not_found;
pub mod recovery;
pub mod signin;
pub mod signup;
pub mod verify_email;
