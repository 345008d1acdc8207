//! What owners do with their own account: change the password, edit the name, delete the account.
//! Whatever needs the password checks it again through `reauth.rs`, throttled like a sign-in.

use std::net::IpAddr;

use super::lifecycle::{self, Change, Changed};
use super::policy::common_password_error;
use super::reauth::{Check, check_proof, checked};
use super::users;
use crate::error::{AppError, Result};
use crate::model::{AuditEvent, PublicUser, Session};
use crate::requests::{PasswordChangeRequest, PasswordRequest, ProfileRequest, Proof, Reader};
use crate::roles::Role;
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::Event;
use crate::ssr::session::caller::AuthUser;
use crate::ssr::session::refresh;
use crate::ssr::state::AppState;
use crate::validation::{FieldErrors, name_error, password_error, password_matches_identity};

/// Identical events of one owner within this window fold into one audit entry.
const AUDIT_FOLD_WINDOW: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Changes the caller's password after checking the current one, ends every other session (and
/// voids every mailed link and pending challenge), mails a notice and returns fresh tokens for
/// this session.
///
/// # Errors
/// `Validation` naming `currentPassword` (wrong) and/or `newPassword` (too weak), both at once;
/// `TooManyAttempts`; `Internal`.
pub async fn change_password(
    state: &AppState,
    caller: &AuthUser,
    request: PasswordChangeRequest,
    device: &Device,
) -> Result<Session> {
    let address = device.address.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    let (proof, new_password) = request.read()?;
    let user = &caller.user;
    let weak = new_password_problem(&proof, &new_password, user);
    let mut problems = FieldErrors::new();
    // The current password, or (an account created with a passkey setting its first password)
    // one of its passkeys asked again.
    let confirmed = match &proof {
        Proof::Password(current) => {
            checked(state, caller, current, "currentPassword", address, Check::PasswordChange).await
        }
        Proof::Passkey(_) => check_proof(state, caller, &proof, "currentPassword", address).await,
    };
    match confirmed {
        Ok(()) => {}
        Err(AppError::Validation { fields }) => problems.extend(fields),
        Err(other) => return Err(other),
    }
    if let Some(message) = weak {
        problems.insert("newPassword".into(), message);
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let new_hash = state.hasher.hash(new_password).await?;
    let mut tx = state.pool.begin().await?;
    let version = users::set_password(&mut *tx, user.id, &new_hash).await?;
    let changed = Changed { user, by: None, device, session: Some(caller.session()) };
    lifecycle::record(&mut tx, &state.mailer, Change::PasswordChanged, changed).await?;
    tx.commit().await?;
    state.mailer.wake();
    refresh::reissue(state, user.clone(), version, caller.session()).await
}

/// Why `new_password` is refused, if it is.
fn new_password_problem(proof: &Proof, new_password: &str, user: &PublicUser) -> Option<String> {
    password_error(new_password)
        .or_else(|| password_matches_identity(new_password, &user.username, &user.email))
        .or_else(|| common_password_error(new_password))
        .or_else(|| {
            matches!(proof, Proof::Password(current) if current == new_password)
                .then(|| "The new password must differ from the current one.".to_owned())
        })
}

/// `PATCH /api/auth/me`: edits the caller's name.
///
/// # Errors
/// `Validation` naming `name`; `Internal`.
pub async fn update(
    state: &AppState,
    caller: &AuthUser,
    request: ProfileRequest,
    address: IpAddr,
) -> Result<PublicUser> {
    let mut reader = Reader::default();
    let name = reader.text("name", "Name", request.name);
    reader.finish(())?;
    if let Some(message) = name_error(&name) {
        return Err(AppError::invalid_field("name", message));
    }
    let name = name.trim();
    let user = &caller.user;
    users::set_name(&state.pool, user.id, name).await?;
    // One entry per owner and hour, however many edits: a flood of edits must not bury the log.
    Event::new(AuditEvent::ProfileUpdated)
        .by(user)
        .on(user)
        .from(address)
        .detail("name")
        .folded(&user.id.to_string(), AUDIT_FOLD_WINDOW)
        .record(&state.pool)
        .await?;
    Ok(PublicUser { name: name.to_owned(), ..user.clone() })
}

/// `DELETE /api/auth/me`: deletes the caller's account after checking the password. Every session
/// ends with it. The last active admin cannot leave (under the admin lock, so two admins deleting
/// themselves at once cannot both succeed).
///
/// # Errors
/// `Validation` naming `password`; `TooManyAttempts`; `LastAdmin`; `Internal`.
pub async fn delete(
    state: &AppState,
    caller: &AuthUser,
    request: PasswordRequest,
    address: IpAddr,
) -> Result<()> {
    let proof = request.read()?;
    check_proof(state, caller, &proof, "password", address).await?;
    let user = &caller.user;
    let mut tx = users::lock_admins(&state.pool).await?;
    let now = users::find(&mut *tx, user.id).await?;
    if now.user.has(Role::Admin) && !now.disabled && users::other_active_admins(&mut tx, user.id).await? == 0
    {
        return Err(AppError::LastAdmin);
    }
    Event::new(AuditEvent::AccountDeleted).by(user).on(user).from(address).record(&mut *tx).await?;
    users::delete(&mut tx, user.id).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "account deleted by its owner");
    Ok(())
}
