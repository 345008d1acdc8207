//! Getting back in and proving an address: one-time links (`links`), the mail outbox (`mail`),
//! password reset (`reset`) and email verification and change (`verification`).

pub mod links;
pub mod mail;
pub mod reset;
pub mod settings;
pub mod verification;
