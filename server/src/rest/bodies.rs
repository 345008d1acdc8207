//! The JSON bodies the REST API answers with, in the tutorial's shapes where it had one: each
//! adds its fields around the app's own types with `#[serde(flatten)]`, so the shapes stay byte
//! for byte what the tutorial's clients read.

use serde::Serialize;
use utoipa::ToSchema;

use app::error::{AppError, ErrorBody};
use app::model::{AuditEntry, PublicUser, Session, SessionInfo};

/// `201` from `POST /api/auth/signup`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedUp {
    /// Always "User registered successfully!" (the tutorial's text).
    pub message: &'static str,
    /// The new account.
    pub user: PublicUser,
}

/// `202` from `POST /api/auth/passkeys/signup/finish` when sign-in needs a verified address: the
/// account exists, and its passkey signs in once the mailed link is followed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedVerifyFirst {
    /// What to do now.
    pub message: &'static str,
    /// The new account.
    pub user: PublicUser,
}

/// `200` from `POST /api/auth/signin`: the tutorial's `auth: true` beside the session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    /// Always `true`.
    pub auth: bool,
    /// Token, expiry and user.
    #[serde(flatten)]
    pub session: Session,
}

/// `200` from `POST /api/auth/signin`: signed in, or a second factor is needed first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum SigninAnswer {
    /// Signed in.
    SignedIn(SignedIn),
    /// The password was right; send a code with the challenge to `POST /api/auth/2fa/verify`.
    MfaRequired(MfaRequired),
}

/// The probes' answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (alive) or `ready` (the database answers).
    pub status: &'static str,
}

/// `200` from `POST /api/auth/signin` when the account uses two-factor sign-in: no token yet.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MfaRequired {
    /// Always `false`: not signed in yet.
    pub auth: bool,
    /// Always `true`.
    pub mfa_required: bool,
    /// Goes with the code to `POST /api/auth/2fa/verify`.
    pub challenge: String,
    /// Seconds the challenge stays valid.
    pub expires_in: u64,
}

/// `200` from `GET /api/auth/sessions`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    /// The live sessions, the most recently used first.
    pub sessions: Vec<SessionInfo>,
}

/// `200` from `GET /api/auth/passkeys`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyList {
    /// The caller's passkeys, the most recently added first.
    pub passkeys: Vec<app::model::PasskeyInfo>,
}

/// `200` from `POST /api/auth/2fa/enable`: shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    /// Ten single-use codes for when the authenticator is lost.
    pub recovery_codes: Vec<String>,
}

/// Every refusal of `POST /api/auth/signin`: the tutorial's `auth: false, accessToken: null` beside
/// our error body.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SigninRefused {
    /// Always `false`.
    pub auth: bool,
    /// Always `null`.
    #[schema(value_type = Option<String>)]
    pub access_token: Option<String>,
    /// What went wrong.
    #[serde(flatten)]
    pub error: ErrorBody,
}

impl SigninRefused {
    /// `err` as every sign-in door answers it (password and passkey): its status and headers,
    /// with the tutorial's `auth: false, accessToken: null` beside the error body.
    pub fn response(err: &AppError) -> axum::response::Response {
        let body = SigninRefused { auth: false, access_token: None, error: ErrorBody::from(err.clone()) };
        app::ssr::responses::error_response(err, body)
    }
}

/// `200` from `POST /api/auth/password`: the fresh session and a sentence.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChanged {
    /// "Password changed. Every other session has been signed out."
    pub message: &'static str,
    /// The new token for this session.
    #[serde(flatten)]
    pub session: Session,
}

/// A sentence saying what was done (sign-out, a mail queued, an account deleted).
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    /// What happened.
    pub message: &'static str,
}

/// `200` from `POST /api/auth/email/verify`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verified {
    /// "Your email address is verified."
    pub message: &'static str,
    /// The account, `emailVerified: true`.
    pub user: PublicUser,
}

/// `200` from `GET /api/admin/audit`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}
