//! Server-only code: database, tokens, hashing, throttling, auditing, and the services both doors
//! (the REST handlers in `server/src/rest` and the server functions of `api/`) call.
//!
//! Folders by domain; layers only point down. A module may import modules of its own layer or
//! lower ones, never a higher one, and no module imports one that imports it back
//! (`python3 ../shared/tools/import_cycles.py app/src app/src` finds none):
//!
//! ```text
//! ssr/
//! ├── admin.rs              services: what the doors call (they call nothing below these)
//! ├── identity/ accounts.rs   sign-up, the boards
//! │             profile.rs    name, password change, deletion
//! ├── session/  signin.rs     sign-in, sign-out, sessions
//! ├── factors/  two_factor.rs TOTP and recovery codes, the second step
//! │             passkeys.rs   passkeys: sign-in, sign-up, add, rename, remove
//! ├── recovery/ reset.rs      forgot / reset password
//! │             verification.rs  verification, change of address
//! │   (and housekeeping.rs, the purge loop)
//! │
//! ├── session/  caller.rs     shared by the services: who is calling (and the extractors),
//! │             refresh.rs    starting and renewing sessions,
//! ├── identity/ reauth.rs     the password asked again,
//! │             lifecycle.rs  the one function every credential change passes through
//! ├── factors/  step_up.rs    which factor a change of factors must be confirmed with,
//! │             codes.rs      a TOTP or recovery code checked, counted on its own,
//! │             webauthn.rs   WebAuthn ceremonies: started, stored, finished once
//! │
//! ├── state.rs              AppState: holds the low-level parts and the settings below
//! ├── */settings.rs         each domain's settings (no service imported)
//! │
//! ├── session/  tokens.rs store.rs       low level: plain functions over a pool or an executor,
//! ├── identity/ users.rs password.rs policy.rs    or a small settings type of their own;
//! ├── guard/    address.rs throttle.rs audit.rs   never the state, never a service
//! ├── recovery/ links.rs mail/
//! ├── factors/  totp.rs
//! └── secrets.rs responses.rs
//! ```

pub mod admin;
pub mod factors;
pub mod guard;
pub mod housekeeping;
pub mod identity;
pub mod recovery;
pub mod responses;
pub mod secrets;
pub mod session;
pub mod state;
