//! The app's data as clients see it: users, sessions, boards, admin pages and audit entries, plus
//! the password change a client asks for. Deliberately separate from database rows: nothing here
//! can hold a password hash. How requests arrive on the wire is in `requests.rs`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::roles::{Board, Role};

/// A user as every client may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublicUser {
    /// Stable identifier (also the token subject).
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Login name, case as chosen at sign-up.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Whether the owner proved the address is theirs (followed a link mailed to it).
    #[serde(rename = "emailVerified")]
    pub email_verified: bool,
    /// Whether sign-in asks for a second factor (a TOTP code).
    #[serde(rename = "mfaEnabled")]
    pub mfa_enabled: bool,
    /// Whether the account has a password (an account created with a passkey has none until its
    /// owner sets one).
    #[serde(rename = "hasPassword", default = "has_password_default")]
    pub has_password: bool,
    /// How many passkeys the account has.
    #[serde(default)]
    pub passkeys: i32,
    /// Roles, least privileged first.
    pub roles: Vec<Role>,
}

/// Accounts had passwords before passkeys: a user stored by an older client has one.
fn has_password_default() -> bool {
    true
}

/// JSON carried through as it is: WebAuthn's options to the browser, and the browser's answer back.
/// The browser app never looks inside, so it holds them as text (no JSON tree code in the client,
/// which keeps the passkey support of the Sign in page small).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(Box<serde_json::value::RawValue>);

impl RawJson {
    /// Checks that `text` is JSON, and keeps it as it is.
    ///
    /// # Errors
    /// `text` is not JSON.
    pub fn from_text(text: String) -> Result<Self, serde_json::Error> {
        serde_json::value::RawValue::from_string(text).map(RawJson)
    }

    /// The JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// `value` written as JSON.
    ///
    /// # Errors
    /// `value` cannot be written as JSON.
    #[cfg(feature = "ssr")]
    pub fn of(value: &impl Serialize) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(RawJson)
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for RawJson {}

impl Default for RawJson {
    fn default() -> Self {
        RawJson::from_text("null".to_owned()).expect("null is JSON")
    }
}

/// A WebAuthn ceremony the server started: its id (sent back with the browser's answer) and the
/// options for `navigator.credentials.create()` or `.get()`, as WebAuthn's JSON (`{"publicKey": ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyOptions {
    /// The ceremony, single use, valid for five minutes.
    pub ceremony: Uuid,
    /// `PublicKeyCredentialCreationOptionsJSON` or `PublicKeyCredentialRequestOptionsJSON`, under
    /// `publicKey`.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub options: RawJson,
}

/// A passkey as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyInfo {
    /// Its id (for renaming and removing it).
    pub id: Uuid,
    /// The name its owner gave it.
    pub name: String,
    /// Added, seconds since the epoch.
    pub created_at: i64,
    /// Last used to sign in, seconds since the epoch.
    pub last_used_at: Option<i64>,
    /// The authenticator may sync it across devices (a synced passkey).
    pub backup_eligible: bool,
    /// It is synced now (backed up).
    pub backed_up: bool,
}

impl PublicUser {
    /// Whether this user holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The boards this user's roles open, in navigation order.
    pub fn boards(&self) -> impl Iterator<Item = Board> + '_ {
        Board::ALL.into_iter().filter(|board| board.allows(&self.roles))
    }
}

/// What a successful sign-in hands the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// Seconds the token stays valid from now.
    pub expires_in: u64,
    /// Expiry as seconds since the Unix epoch (the token's `exp`).
    pub expires_at: i64,
    /// Trades for a new access token (and a new refresh token) at `POST /api/auth/refresh`.
    pub refresh_token: String,
    /// Seconds the refresh token stays valid from now.
    pub refresh_expires_in: u64,
    /// The signed-in user.
    pub user: PublicUser,
}

/// What creating an account with a passkey leads to: the account, signed in at once, or, when
/// sign-in needs a verified address (`REQUIRE_VERIFIED_EMAIL`), not yet: the mailed link first.
///
/// A struct rather than a tagged enum: the browser app decodes it on the Sign up page, which is in
/// the first download, and a tagged enum's decoder costs several times a struct's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySignupOutcome {
    /// The new account.
    pub user: PublicUser,
    /// Its first session; `None` until the address is verified.
    #[serde(default)]
    pub session: Option<Session>,
}

/// What a right password at sign-in leads to: a session, or the second factor first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum SigninOutcome {
    /// Signed in.
    Session(Session),
    /// The account uses two-factor sign-in: send a code with this challenge to
    /// `POST /api/auth/2fa/verify`.
    #[serde(rename_all = "camelCase")]
    MfaRequired {
        /// Proves the password was right; valid once, for `expires_in` seconds.
        challenge: String,
        /// Seconds the challenge stays valid.
        expires_in: u64,
    },
}

/// One signed-in device, as the session list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// The session's id (`DELETE /api/auth/sessions/{id}` ends it).
    pub id: Uuid,
    /// Sign-in, seconds since the epoch.
    pub created_at: i64,
    /// Last use, seconds since the epoch (updated at most once a minute).
    pub last_seen_at: i64,
    /// The browser or client that signed in, as it described itself.
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub address: Option<String>,
    /// The session this request comes from.
    pub current: bool,
}

/// A two-factor set-up in progress: the secret, as text and as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MfaSetup {
    /// The TOTP secret in base32, for typing into an authenticator.
    pub secret: String,
    /// The `otpauth://` address authenticators read from the QR code.
    pub otpauth_url: String,
    /// The QR code of `otpauth_url`, as an SVG document drawn by the server.
    pub qr_svg: String,
}

/// The content of a protected board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BoardContent {
    /// The tutorial's description ("User Content Page", "Management Board", "Admin Board").
    pub description: String,
    /// Who is looking, read from the database on this request.
    pub user: PublicUser,
}

/// A user as the Admin board lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminUser {
    /// The public part.
    #[serde(flatten)]
    pub user: PublicUser,
    /// Disabled by an admin: cannot sign in, tokens refused.
    pub disabled: bool,
    /// Account creation, seconds since the epoch.
    pub created_at: i64,
}

/// One page of the Admin board's user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    /// The users on this page, by username.
    pub users: Vec<AdminUser>,
    /// Users matching the search, over all pages.
    pub total: i64,
    /// This page, from 1.
    pub page: i64,
    /// Page size.
    pub per_page: i64,
}

/// What the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "audit_event", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    /// Right password, token issued.
    SigninSucceeded,
    /// Unknown account or wrong password.
    SigninFailed,
    /// Refused by throttling before the password was checked.
    SigninThrottled,
    /// One session ended by its owner.
    SignedOut,
    /// Every session of the account ended by its owner.
    SignedOutEverywhere,
    /// Password changed (other sessions ended).
    PasswordChanged,
    /// Account created (by sign-up, an admin or the CLI).
    AccountCreated,
    /// A role given by an admin.
    RoleGranted,
    /// A role taken away by an admin.
    RoleRevoked,
    /// Account disabled by an admin.
    AccountDisabled,
    /// Account enabled again by an admin.
    AccountEnabled,
    /// A reset link was mailed (asked for by the owner, or sent by an admin).
    PasswordResetRequested,
    /// The password was set with a reset link (every session ended).
    PasswordReset,
    /// The address was verified by following a link.
    EmailVerified,
    /// A change of address was asked for (a link went to the new address).
    EmailChangeRequested,
    /// The account moved to a new, verified address.
    EmailChanged,
    /// The name was edited.
    ProfileUpdated,
    /// The owner deleted the account.
    AccountDeleted,
    /// One session ended by its owner from another session (or all the others).
    SessionEnded,
    /// A spent refresh token was presented again: the session was ended.
    RefreshTokenReused,
    /// Two-factor sign-in turned on.
    MfaEnabled,
    /// Two-factor sign-in turned off by its owner.
    MfaDisabled,
    /// Two-factor sign-in turned off by an admin.
    MfaReset,
    /// A wrong second-factor code.
    MfaFailed,
    /// A recovery code was used (each works once).
    MfaRecoveryCodeUsed,
    /// A wrong password where a change of address or a deletion asked for it.
    PasswordCheckFailed,
    /// Such a check refused by throttling.
    PasswordCheckThrottled,
    /// A wrong current password at a password change.
    PasswordChangeFailed,
    /// A password change refused by throttling before the current password was checked.
    PasswordChangeThrottled,
    /// A sign-up refused by the per-address limit.
    SignupThrottled,
    /// A second-factor code refused by throttling before it was checked.
    MfaThrottled,
    /// A fresh set of recovery codes replaced the old one.
    RecoveryCodesRegenerated,
    /// A refresh refused: the per-session limit, or the session's absolute end.
    RefreshRefused,
    /// A passkey was added to the account.
    PasskeyAdded,
    /// A passkey was removed.
    PasskeyRemoved,
    /// A passkey was renamed.
    PasskeyRenamed,
    /// A passkey sign-in was refused.
    PasskeySigninFailed,
    /// A passkey's counter went backwards: a cloned authenticator.
    PasskeyCloned,
}

impl AuditEvent {
    /// The event in words.
    pub fn label(self) -> &'static str {
        match self {
            AuditEvent::SigninSucceeded => "Signed in",
            AuditEvent::SigninFailed => "Sign-in failed",
            AuditEvent::SigninThrottled => "Sign-in throttled",
            AuditEvent::SignedOut => "Signed out",
            AuditEvent::SignedOutEverywhere => "Signed out everywhere",
            AuditEvent::PasswordChanged => "Password changed",
            AuditEvent::AccountCreated => "Account created",
            AuditEvent::RoleGranted => "Role granted",
            AuditEvent::RoleRevoked => "Role revoked",
            AuditEvent::AccountDisabled => "Account disabled",
            AuditEvent::AccountEnabled => "Account enabled",
            AuditEvent::PasswordResetRequested => "Password reset mailed",
            AuditEvent::PasswordReset => "Password reset",
            AuditEvent::EmailVerified => "Email verified",
            AuditEvent::EmailChangeRequested => "Email change asked",
            AuditEvent::EmailChanged => "Email changed",
            AuditEvent::ProfileUpdated => "Profile updated",
            AuditEvent::AccountDeleted => "Account deleted",
            AuditEvent::SessionEnded => "Session ended",
            AuditEvent::RefreshTokenReused => "Refresh token reused",
            AuditEvent::MfaEnabled => "Two-factor on",
            AuditEvent::MfaDisabled => "Two-factor off",
            AuditEvent::MfaReset => "Two-factor reset by admin",
            AuditEvent::MfaFailed => "Two-factor code wrong",
            AuditEvent::MfaRecoveryCodeUsed => "Recovery code used",
            AuditEvent::PasswordCheckFailed => "Password check failed",
            AuditEvent::PasswordCheckThrottled => "Password check throttled",
            AuditEvent::PasswordChangeFailed => "Password change failed",
            AuditEvent::PasswordChangeThrottled => "Password change throttled",
            AuditEvent::SignupThrottled => "Sign-up throttled",
            AuditEvent::MfaThrottled => "Two-factor code throttled",
            AuditEvent::RecoveryCodesRegenerated => "New recovery codes",
            AuditEvent::RefreshRefused => "Refresh refused",
            AuditEvent::PasskeyAdded => "Passkey added",
            AuditEvent::PasskeyRemoved => "Passkey removed",
            AuditEvent::PasskeyRenamed => "Passkey renamed",
            AuditEvent::PasskeySigninFailed => "Passkey sign-in refused",
            AuditEvent::PasskeyCloned => "Passkey clone suspected",
        }
    }

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::SigninSucceeded => "signin_succeeded",
            AuditEvent::SigninFailed => "signin_failed",
            AuditEvent::SigninThrottled => "signin_throttled",
            AuditEvent::SignedOut => "signed_out",
            AuditEvent::SignedOutEverywhere => "signed_out_everywhere",
            AuditEvent::PasswordChanged => "password_changed",
            AuditEvent::AccountCreated => "account_created",
            AuditEvent::RoleGranted => "role_granted",
            AuditEvent::RoleRevoked => "role_revoked",
            AuditEvent::AccountDisabled => "account_disabled",
            AuditEvent::AccountEnabled => "account_enabled",
            AuditEvent::PasswordResetRequested => "password_reset_requested",
            AuditEvent::PasswordReset => "password_reset",
            AuditEvent::EmailVerified => "email_verified",
            AuditEvent::EmailChangeRequested => "email_change_requested",
            AuditEvent::EmailChanged => "email_changed",
            AuditEvent::ProfileUpdated => "profile_updated",
            AuditEvent::AccountDeleted => "account_deleted",
            AuditEvent::SessionEnded => "session_ended",
            AuditEvent::RefreshTokenReused => "refresh_token_reused",
            AuditEvent::MfaEnabled => "mfa_enabled",
            AuditEvent::MfaDisabled => "mfa_disabled",
            AuditEvent::MfaReset => "mfa_reset",
            AuditEvent::MfaFailed => "mfa_failed",
            AuditEvent::MfaRecoveryCodeUsed => "mfa_recovery_code_used",
            AuditEvent::PasswordCheckFailed => "password_check_failed",
            AuditEvent::PasswordCheckThrottled => "password_check_throttled",
            AuditEvent::PasswordChangeFailed => "password_change_failed",
            AuditEvent::PasswordChangeThrottled => "password_change_throttled",
            AuditEvent::SignupThrottled => "signup_throttled",
            AuditEvent::MfaThrottled => "mfa_throttled",
            AuditEvent::RecoveryCodesRegenerated => "recovery_codes_regenerated",
            AuditEvent::RefreshRefused => "refresh_refused",
            AuditEvent::PasskeyAdded => "passkey_added",
            AuditEvent::PasskeyRemoved => "passkey_removed",
            AuditEvent::PasskeyRenamed => "passkey_renamed",
            AuditEvent::PasskeySigninFailed => "passkey_signin_failed",
            AuditEvent::PasskeyCloned => "passkey_cloned",
        }
    }
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// When, seconds since the epoch.
    pub at: i64,
    /// What happened.
    pub event: AuditEvent,
    /// Who acted (username at the time), if known.
    pub actor: Option<String>,
    /// Whose account (username at the time), if any.
    pub subject: Option<String>,
    /// The username typed at a failed sign-in.
    pub login: Option<String>,
    /// Client address.
    pub address: Option<String>,
    /// Detail, e.g. the role granted.
    pub detail: Option<String>,
    /// How many attempts this entry stands for (throttle refusals are folded into one entry).
    pub count: i32,
}
