//! Accounts and their credentials: the account queries (`users`), password hashing and policy, the
//! password asked again before a change (`reauth`), the one function every credential change passes
//! through (`lifecycle`), and the services owners use: sign-up (`accounts`) and their own account
//! (`profile`).

pub mod accounts;
pub mod lifecycle;
pub mod password;
pub mod policy;
pub mod profile;
pub mod reauth;
pub mod settings;
pub mod users;
