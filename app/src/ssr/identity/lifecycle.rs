//! What a credential opened, its change closes: the one function every credential change passes
//! through, so that no feature has to remember what to revoke.
//!
//! Each account has a security stamp (`users.security_stamp`). Mailed links and sign-in challenges
//! record the stamp they were issued under and work only while it is unchanged. A change
//! ([`Change`]) bumps the stamp, which voids every outstanding link (every purpose) and every
//! pending challenge at once; it ends sessions as the change calls for (the others, or all), writes
//! the audit entry and queues the notice mail, all in the caller's transaction.
//!
//! A *use* is not a change: a recovery code consumed or a refresh only mails a notice where one is
//! due ([`notify`]) and voids nothing.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{AuditEvent, PublicUser};
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::Event;
use crate::ssr::recovery::mail::Mailer;
use crate::ssr::recovery::mail::templates::{self, Origin};
use crate::ssr::session::store;

/// A change of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The owner changed the password (their current session continues).
    PasswordChanged,
    /// The password was set with a mailed link (every session ends).
    PasswordReset,
    /// The account moved to a new, verified address.
    EmailChanged,
    /// Two-factor sign-in turned on.
    MfaEnabled,
    /// Two-factor sign-in turned off by the owner.
    MfaDisabled,
    /// A fresh set of recovery codes replaced the old one.
    RecoveryCodesReplaced,
    /// An admin turned the account's two-factor sign-in off.
    MfaReset,
    /// The owner signed out everywhere.
    SignedOutEverywhere,
    /// An admin disabled the account.
    AccountDisabled,
    /// A passkey was added.
    PasskeyAdded,
    /// A passkey was removed (every other session ends).
    PasskeyRemoved,
}

/// Which sessions a change ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// None: the sessions were opened with credentials that still hold.
    Nothing,
    /// Every session but the one making the change.
    Others,
    /// Every session.
    All,
}

impl Change {
    fn audit(self) -> AuditEvent {
        match self {
            Change::PasswordChanged => AuditEvent::PasswordChanged,
            Change::PasswordReset => AuditEvent::PasswordReset,
            Change::EmailChanged => AuditEvent::EmailChanged,
            Change::MfaEnabled => AuditEvent::MfaEnabled,
            Change::MfaDisabled => AuditEvent::MfaDisabled,
            Change::RecoveryCodesReplaced => AuditEvent::RecoveryCodesRegenerated,
            Change::MfaReset => AuditEvent::MfaReset,
            Change::SignedOutEverywhere => AuditEvent::SignedOutEverywhere,
            Change::AccountDisabled => AuditEvent::AccountDisabled,
            Change::PasskeyAdded => AuditEvent::PasskeyAdded,
            Change::PasskeyRemoved => AuditEvent::PasskeyRemoved,
        }
    }

    fn ends(self) -> Ends {
        match self {
            Change::EmailChanged | Change::PasskeyAdded => Ends::Nothing,
            Change::PasswordChanged
            | Change::MfaEnabled
            | Change::MfaDisabled
            | Change::RecoveryCodesReplaced
            | Change::PasskeyRemoved => Ends::Others,
            Change::PasswordReset
            | Change::MfaReset
            | Change::SignedOutEverywhere
            | Change::AccountDisabled => Ends::All,
        }
    }

    /// Why the sessions it ends ended, as the session rows record it.
    fn reason(self) -> &'static str {
        match self {
            Change::PasswordChanged => "password changed",
            Change::PasswordReset => "password reset",
            Change::EmailChanged => "email changed",
            Change::MfaEnabled => "two-factor sign-in turned on",
            Change::MfaDisabled => "two-factor sign-in turned off",
            Change::RecoveryCodesReplaced => "recovery codes replaced",
            Change::MfaReset => "two-factor sign-in reset by an admin",
            Change::SignedOutEverywhere => "signed out everywhere",
            Change::AccountDisabled => "account disabled",
            Change::PasskeyAdded => "passkey added",
            Change::PasskeyRemoved => "passkey removed",
        }
    }

    /// The notice's subject and its first sentence, for the changes the owner is told of.
    fn notice(self) -> Option<Notice> {
        Some(match self {
            Change::PasswordChanged => Notice::PasswordChanged,
            Change::PasswordReset => Notice::PasswordReset,
            Change::MfaEnabled => Notice::MfaEnabled,
            Change::MfaDisabled => Notice::MfaDisabled,
            Change::RecoveryCodesReplaced => Notice::RecoveryCodesReplaced,
            Change::MfaReset => Notice::MfaReset,
            Change::PasskeyAdded => Notice::PasskeyAdded,
            Change::PasskeyRemoved => Notice::PasskeyRemoved,
            Change::EmailChanged | Change::SignedOutEverywhere | Change::AccountDisabled => return None,
        })
    }
}

/// A security notice mailed to the account's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The password was changed.
    PasswordChanged,
    /// The password was set with a mailed link.
    PasswordReset,
    /// Two-factor sign-in turned on.
    MfaEnabled,
    /// Two-factor sign-in turned off.
    MfaDisabled,
    /// New recovery codes.
    RecoveryCodesReplaced,
    /// A recovery code was used to sign in or to change the account.
    RecoveryCodeUsed,
    /// An admin turned two-factor sign-in off.
    MfaReset,
    /// A spent refresh token was presented again: its session was ended.
    RefreshTokenReused,
    /// The account moved to another address (sent to the old one).
    EmailChanged,
    /// A passkey was added.
    PasskeyAdded,
    /// A passkey was removed.
    PasskeyRemoved,
    /// A passkey's counter went backwards: a cloned authenticator.
    PasskeyCloned,
}

impl Notice {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Notice::PasswordChanged => (
                "Your Rust Auth password was changed",
                "The password of your Rust Auth account was changed. Every other device was signed out.",
            ),
            Notice::PasswordReset => (
                "Your Rust Auth password was reset",
                "The password of your Rust Auth account was set with a reset link mailed to you. Every device was signed out. Passkeys still sign in unless the reset removed them: check the list under Account, Security, and remove any you do not know.",
            ),
            Notice::MfaEnabled => (
                "Two-factor sign-in is on for your Rust Auth account",
                "Two-factor sign-in was turned on for your Rust Auth account. Every other device was signed out.",
            ),
            Notice::MfaDisabled => (
                "Two-factor sign-in is off for your Rust Auth account",
                "Two-factor sign-in was turned off for your Rust Auth account: a password alone now signs in. Every other device was signed out.",
            ),
            Notice::RecoveryCodesReplaced => (
                "New recovery codes for your Rust Auth account",
                "A new set of ten recovery codes was made for your Rust Auth account; the old codes no longer work. Every other device was signed out.",
            ),
            Notice::RecoveryCodeUsed => (
                "A recovery code was used on your Rust Auth account",
                "One of your recovery codes was used instead of a code from your authenticator app. It will not work again.",
            ),
            Notice::MfaReset => (
                "An administrator turned off two-factor sign-in for your Rust Auth account",
                "An administrator turned off two-factor sign-in for your Rust Auth account, as asked when a phone is lost. Every device was signed out. Set it up again under Account, Security, where your passkeys are listed too.",
            ),
            Notice::RefreshTokenReused => (
                "A copied sign-in of your Rust Auth account was stopped",
                "An old sign-in token of one of your devices was used again, which happens when someone copied it. That device's session was ended; sign in there again.",
            ),
            Notice::PasskeyAdded => (
                "A passkey was added to your Rust Auth account",
                "A new passkey was added to your Rust Auth account: it signs in without a password.",
            ),
            Notice::PasskeyRemoved => (
                "A passkey was removed from your Rust Auth account",
                "A passkey was removed from your Rust Auth account; it no longer signs in. Every other device was signed out.",
            ),
            Notice::PasskeyCloned => (
                "A copy of one of your passkeys may exist",
                "A sign-in with one of your passkeys was refused: its authenticator's counter went backwards, which happens when the passkey was copied. Remove that passkey from your account and add it again.",
            ),
            Notice::EmailChanged => (
                "The email address of your Rust Auth account was changed",
                "The email address of your Rust Auth account was changed to another one, which now receives its mails. This address no longer signs in.",
            ),
        }
    }
}

/// Who made a change, from where, and which session (if any) it keeps.
#[derive(Debug, Clone, Copy)]
pub struct Changed<'a> {
    /// The account changed.
    pub user: &'a PublicUser,
    /// Who acted, when not the owner (an admin).
    pub by: Option<&'a PublicUser>,
    /// Where the request came from.
    pub device: &'a Device,
    /// The session making the change, which continues where the change ends the others.
    pub session: Option<Uuid>,
}

/// Records `change` of `changed.user`: bumps the security stamp (voiding every mailed link and
/// pending challenge), ends sessions as the change calls for, writes the audit entry and queues
/// the notice. In the caller's transaction; call `mailer.wake()` after the commit.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn record(
    conn: &mut PgConnection,
    mailer: &Mailer,
    change: Change,
    changed: Changed<'_>,
) -> Result<()> {
    let user = changed.user;
    sqlx::query!(
        "update users set security_stamp = security_stamp + 1, updated_at = now() where id = $1",
        user.id
    )
    .execute(&mut *conn)
    .await?;
    match change.ends() {
        Ends::Nothing => {}
        Ends::Others => {
            store::end_all(&mut *conn, user.id, changed.session, change.reason()).await?;
        }
        Ends::All => {
            store::end_all(&mut *conn, user.id, None, change.reason()).await?;
        }
    }
    let mut event = Event::new(change.audit()).on(user).by(changed.by.unwrap_or(user));
    if let Some(address) = changed.device.address {
        event = event.from(address);
    }
    event.record(&mut *conn).await?;
    if let Some(notice) = change.notice() {
        notify(conn, mailer, notice, user, changed.device).await?;
    }
    Ok(())
}

/// Queues `notice` to `user`'s address, saying when and from which device. In the caller's
/// transaction; call `mailer.wake()` after the commit.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn notify(
    conn: &mut PgConnection,
    mailer: &Mailer,
    notice: Notice,
    user: &PublicUser,
    device: &Device,
) -> Result<()> {
    let (subject, what) = notice.words();
    let origin = Origin {
        at: chrono::Utc::now().timestamp(),
        device: device.user_agent.as_deref(),
        address: device.address,
    };
    let mail = templates::security_notice(&user.email, &user.name, subject, what, origin);
    mailer.enqueue(&mut *conn, Some(user.id), &mail).await
}

/// The account's current security stamp, which links and challenges record when issued.
///
/// # Errors
/// `NotFound` for an unknown account; `Internal` when the database fails.
pub async fn stamp(conn: &mut PgConnection, user: Uuid) -> Result<i64> {
    sqlx::query_scalar!("select security_stamp from users where id = $1", user)
        .fetch_optional(conn)
        .await?
        .ok_or(crate::error::AppError::NotFound)
}
