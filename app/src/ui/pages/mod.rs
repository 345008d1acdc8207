//! One module per page.

pub mod board;
pub mod home;
pub mod not_found;
pub mod profile;
pub mod signin;
pub mod signup;
