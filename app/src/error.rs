//! The one error type of the app, its HTTP status table and its wire shape.
//!
//! REST handlers and server functions both answer with the same JSON body,
//! `{"error": "<code>", "message": "<sentence>", ...}`, so the browser decodes exactly what a REST
//! client reads. Internal details (SQL, join errors) are logged where they happen and never sent.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::validation::FieldErrors;

/// Result with [`AppError`] as the default error.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Everything that can go wrong in a request, as the client should hear it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
pub enum AppError {
    /// 422: one or more fields are invalid; each carries its own message.
    #[error("Some fields need attention.")]
    Validation {
        /// Message per invalid field.
        fields: FieldErrors,
    },
    /// 409: the username belongs to another account (compared without case).
    #[error("That username is already taken.")]
    UsernameTaken,
    /// 409: the email belongs to another account (compared without case).
    #[error("That email is already in use.")]
    EmailTaken,
    /// 401 at sign-in: the same answer for an unknown account and a wrong password.
    #[error("Wrong username or password.")]
    InvalidCredentials,
    /// 401: no usable token (missing, malformed, badly signed, expired, or its user is gone).
    #[error("{message}")]
    Unauthorized {
        /// Why, in words a person understands.
        message: String,
    },
    /// 403: signed in, but the roles are not enough.
    #[error("{message}")]
    Forbidden {
        /// The tutorial's refusal text, e.g. "Require Admin Role!".
        message: String,
    },
    /// 403 at sign-up: asking for pm/admin without an admin's token.
    #[error("Only an administrator can create PM or Admin accounts.")]
    RoleNotAllowed,
    /// 403 at sign-in with the right password: an admin disabled the account.
    #[error("This account has been disabled. Contact an administrator.")]
    AccountDisabled,
    /// 429: too many failed sign-ins for this account or from this address.
    #[error("Too many failed sign-in attempts. Try again in {}.", wait_in_words(*retry_after))]
    TooManyAttempts {
        /// Seconds until the next attempt is accepted (also sent as `Retry-After`).
        retry_after: u64,
    },
    /// 429: too many requests of one kind from this address (sign-ups, emails sent).
    #[error("{message}")]
    RateLimited {
        /// Seconds until the next request is accepted (also sent as `Retry-After`).
        retry_after: u64,
        /// What was limited and how long to wait, in words.
        message: String,
    },
    /// 403 at sign-in with the right password: the address is not verified yet and
    /// `REQUIRE_VERIFIED_EMAIL` is on.
    #[error("Confirm your email address first: follow the link we mailed you, or ask for a new one.")]
    EmailNotVerified,
    /// 409: the address is verified already (nothing to resend).
    #[error("Your email address is already verified.")]
    AlreadyVerified,
    /// 401 at refresh: a refresh token spent earlier was presented again; the session has ended.
    #[error(
        "This session was ended because its refresh token was used twice, which happens when it is stolen. Sign in again."
    )]
    RefreshTokenReused,
    /// 401 at the second sign-in step: the code (TOTP or recovery) is not right.
    #[error("That code is not right. Check the time on your device, or use a recovery code.")]
    InvalidCode,
    /// 403: admins must set up two-factor sign-in first (`REQUIRE_2FA_FOR_ADMINS`).
    #[error(
        "Admin powers need a second factor: set up two-factor sign-in (Account, Security), or sign in with a passkey."
    )]
    MfaSetupRequired,
    /// 400: a mailed link that is unknown, used or expired.
    #[error(
        "This link is not valid any more: it was used, it expired, or a newer one replaced it. Ask for a new one."
    )]
    InvalidToken,
    /// 401: a passkey's answer could not be verified (wrong signature, unknown credential, user
    /// verification missing, a counter that went backwards).
    #[error("That passkey could not be verified. Try again, or use another one.")]
    PasskeyRefused,
    /// 409: the account holds as many passkeys as it may.
    #[error("An account holds at most 10 passkeys. Remove one first.")]
    TooManyPasskeys,
    /// 409: this authenticator's credential is registered already (to this or another account).
    #[error("This passkey is registered already.")]
    PasskeyTaken,
    /// 409: removing this would leave the account no way in (no password, no other passkey).
    #[error("This is the only way into your account: set a password or add another passkey first.")]
    LastCredential,
    /// 503: this server has no passkey relying party (it is reached by an IP address, and no
    /// `WEBAUTHN_RP_ID` was set).
    #[error("Passkeys are not available on this server: it is not reached by a domain name.")]
    PasskeysUnavailable,
    /// 409: the change would leave no active administrator.
    #[error("This would leave no active administrator. Make someone else an admin first.")]
    LastAdmin,
    /// 400: the request could not be read (malformed JSON, wrong content type).
    #[error("{message}")]
    BadRequest {
        /// What was wrong with it.
        message: String,
    },
    /// 413: the body is larger than the server accepts.
    #[error("The request body is too large.")]
    PayloadTooLarge,
    /// 415: the body is not JSON (`Content-Type` is not `application/json`).
    #[error("Send the body as JSON, with `Content-Type: application/json`.")]
    UnsupportedMediaType,
    /// 404: no such resource.
    #[error("Not found.")]
    NotFound,
    /// 503: a dependency (the database) is not answering.
    #[error("The service is temporarily unavailable. Try again shortly.")]
    Unavailable,
    /// The browser could not reach the server (never produced by the server).
    #[error("Could not reach the server. Check your connection and try again.")]
    Network,
    /// 500: a bug or an outage; the detail is in the server log only.
    #[error("Something went wrong on our side. Try again later.")]
    Internal,
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Validation { .. } => 422,
            AppError::UsernameTaken | AppError::EmailTaken => 409,
            AppError::InvalidCredentials
            | AppError::Unauthorized { .. }
            | AppError::RefreshTokenReused
            | AppError::InvalidCode
            | AppError::PasskeyRefused => 401,
            AppError::TooManyPasskeys | AppError::PasskeyTaken | AppError::LastCredential => 409,
            AppError::MfaSetupRequired => 403,
            AppError::Forbidden { .. }
            | AppError::RoleNotAllowed
            | AppError::AccountDisabled
            | AppError::EmailNotVerified => 403,
            AppError::AlreadyVerified => 409,
            AppError::InvalidToken => 400,
            AppError::TooManyAttempts { .. } | AppError::RateLimited { .. } => 429,
            AppError::LastAdmin => 409,
            AppError::BadRequest { .. } => 400,
            AppError::PayloadTooLarge => 413,
            AppError::UnsupportedMediaType => 415,
            AppError::NotFound => 404,
            AppError::Unavailable | AppError::PasskeysUnavailable => 503,
            AppError::Network | AppError::Internal => 500,
        }
    }

    /// The stable machine-readable code sent as `"error"`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation { .. } => "validation",
            AppError::UsernameTaken => "username_taken",
            AppError::EmailTaken => "email_taken",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::RefreshTokenReused => "refresh_token_reused",
            AppError::InvalidCode => "invalid_code",
            AppError::MfaSetupRequired => "mfa_setup_required",
            AppError::Unauthorized { .. } => "unauthorized",
            AppError::Forbidden { .. } => "forbidden",
            AppError::RoleNotAllowed => "role_not_allowed",
            AppError::AccountDisabled => "account_disabled",
            AppError::EmailNotVerified => "email_not_verified",
            AppError::AlreadyVerified => "already_verified",
            AppError::InvalidToken => "invalid_token",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::LastAdmin => "last_admin",
            AppError::PasskeyRefused => "passkey_refused",
            AppError::TooManyPasskeys => "too_many_passkeys",
            AppError::PasskeyTaken => "passkey_taken",
            AppError::LastCredential => "last_credential",
            AppError::BadRequest { .. } => "bad_request",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::NotFound => "not_found",
            AppError::Unavailable => "unavailable",
            AppError::PasskeysUnavailable => "passkeys_unavailable",
            AppError::Network => "network",
            AppError::Internal => "internal",
        }
    }

    /// 401 for a request that carries no token at all.
    pub fn token_missing() -> Self {
        Self::unauthorized("No token provided. Sign in first.")
    }

    /// 401 for a token that cannot be trusted (malformed, badly signed, wrong algorithm, unknown user).
    pub fn token_invalid() -> Self {
        Self::unauthorized("Your session is not valid. Sign in again.")
    }

    /// 401 for a token ended early: signed out, signed out everywhere, or the password changed.
    pub fn session_ended() -> Self {
        Self::unauthorized("Your session has ended. Sign in again.")
    }

    /// 401 for the token of a disabled account.
    pub fn account_disabled_token() -> Self {
        Self::unauthorized("This account has been disabled. Contact an administrator.")
    }

    /// 401 for a token past its expiry.
    pub fn token_expired() -> Self {
        Self::unauthorized("Your session has expired. Sign in again.")
    }

    /// 401 with `message`.
    pub fn unauthorized(message: &str) -> Self {
        AppError::Unauthorized { message: message.to_owned() }
    }

    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest { message: message.into() }
    }

    /// 422 for a single field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation { fields: FieldErrors::from([(field.to_owned(), message.into())]) }
    }

    /// 429 for `what` ("sign-ups from your network"), with the wait in words.
    pub fn rate_limited(what: &str, retry_after: u64) -> Self {
        let message = format!("Too many {what}. Try again in {}.", wait_in_words(retry_after));
        AppError::RateLimited { retry_after, message }
    }

    /// Seconds to wait before retrying, for the errors that say so.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyAttempts { retry_after } | AppError::RateLimited { retry_after, .. } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }
}

/// "3 minutes", "1 minute", "40 seconds".
fn wait_in_words(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{} second{}", seconds.max(1), if seconds == 1 { "" } else { "s" }),
        _ => {
            let minutes = seconds.div_ceil(60);
            format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
        }
    }
}

/// A database failure, logged here and hidden from the client: 503 when the database is out of
/// reach, 500 otherwise. Errors that mean something to the client (a unique violation) are mapped
/// where the query runs, before this.
#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(%err, "database error");
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => AppError::Unavailable,
            // The server going away: shutting down or restarting (class 57P: our connection was
            // terminated, or it is not accepting any yet) or the connection lost (class 08). A
            // retry in a moment works: 503, not a bug of ours.
            sqlx::Error::Database(ref db)
                if db.code().is_some_and(|code| code.starts_with("57P") || code.starts_with("08")) =>
            {
                AppError::Unavailable
            }
            _ => AppError::Internal,
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(fields: FieldErrors) -> Self {
        AppError::Validation { fields }
    }
}

/// The JSON every error is sent as.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable code, see [`AppError::code`].
    pub error: String,
    /// A sentence for people.
    pub message: String,
    /// Per-field messages of a validation error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldErrors>,
    /// Seconds to wait, for `too_many_attempts`.
    #[serde(default, rename = "retryAfter", skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl From<AppError> for ErrorBody {
    fn from(err: AppError) -> Self {
        let message = err.to_string();
        let error = err.code().to_owned();
        let retry_after = err.retry_after();
        let fields = match err {
            AppError::Validation { fields } => Some(fields),
            _ => None,
        };
        ErrorBody { error, message, fields, retry_after }
    }
}

impl From<ErrorBody> for AppError {
    fn from(body: ErrorBody) -> Self {
        let ErrorBody { error, message, fields, retry_after } = body;
        match error.as_str() {
            "validation" => AppError::Validation { fields: fields.unwrap_or_default() },
            "username_taken" => AppError::UsernameTaken,
            "email_taken" => AppError::EmailTaken,
            "invalid_credentials" => AppError::InvalidCredentials,
            "refresh_token_reused" => AppError::RefreshTokenReused,
            "invalid_code" => AppError::InvalidCode,
            "mfa_setup_required" => AppError::MfaSetupRequired,
            "unauthorized" => AppError::Unauthorized { message },
            "forbidden" => AppError::Forbidden { message },
            "role_not_allowed" => AppError::RoleNotAllowed,
            "account_disabled" => AppError::AccountDisabled,
            "email_not_verified" => AppError::EmailNotVerified,
            "already_verified" => AppError::AlreadyVerified,
            "invalid_token" => AppError::InvalidToken,
            "too_many_attempts" => AppError::TooManyAttempts { retry_after: retry_after.unwrap_or(60) },
            "rate_limited" => AppError::RateLimited { retry_after: retry_after.unwrap_or(60), message },
            "last_admin" => AppError::LastAdmin,
            "passkey_refused" => AppError::PasskeyRefused,
            "too_many_passkeys" => AppError::TooManyPasskeys,
            "passkey_taken" => AppError::PasskeyTaken,
            "last_credential" => AppError::LastCredential,
            "bad_request" => AppError::BadRequest { message },
            "payload_too_large" => AppError::PayloadTooLarge,
            "unsupported_media_type" => AppError::UnsupportedMediaType,
            "not_found" => AppError::NotFound,
            "unavailable" => AppError::Unavailable,
            "passkeys_unavailable" => AppError::PasskeysUnavailable,
            "network" => AppError::Network,
            _ => AppError::Internal,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The browser's fetch failed: offline, server down, or the request was aborted.
            ServerFnErrorErr::Request(_) => AppError::Network,
            // The arguments of a server-function call could not be read: the client's fault.
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::Deserialization(message) => AppError::BadRequest { message },
            ServerFnErrorErr::UnsupportedRequestMethod(message) => AppError::BadRequest { message },
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_round_trips_through_its_json_body() {
        let errors = [
            AppError::invalid_field("email", "Email is required."),
            AppError::UsernameTaken,
            AppError::EmailTaken,
            AppError::InvalidCredentials,
            AppError::RefreshTokenReused,
            AppError::InvalidCode,
            AppError::MfaSetupRequired,
            AppError::token_expired(),
            AppError::Forbidden { message: "Require Admin Role!".into() },
            AppError::RoleNotAllowed,
            AppError::AccountDisabled,
            AppError::EmailNotVerified,
            AppError::AlreadyVerified,
            AppError::InvalidToken,
            AppError::TooManyAttempts { retry_after: 899 },
            AppError::rate_limited("sign-ups from your network", 3599),
            AppError::LastAdmin,
            AppError::PasskeyRefused,
            AppError::TooManyPasskeys,
            AppError::PasskeyTaken,
            AppError::LastCredential,
            AppError::PasskeysUnavailable,
            AppError::session_ended(),
            AppError::bad_request("Malformed JSON."),
            AppError::PayloadTooLarge,
            AppError::UnsupportedMediaType,
            AppError::NotFound,
            AppError::Unavailable,
            AppError::Network,
            AppError::Internal,
        ];
        for err in errors {
            let json = serde_json::to_value(&err).unwrap();
            assert_eq!(json["error"], err.code());
            assert_eq!(json["message"], err.to_string());
            let back: AppError = serde_json::from_value(json).unwrap();
            assert_eq!(back, err);
        }
    }

    #[test]
    fn throttling_says_how_long_to_wait() {
        let err = AppError::TooManyAttempts { retry_after: 899 };
        assert_eq!(err.to_string(), "Too many failed sign-in attempts. Try again in 15 minutes.");
        assert_eq!(serde_json::to_value(&err).unwrap()["retryAfter"], 899);
        assert_eq!(wait_in_words(1), "1 second");
        assert_eq!(wait_in_words(61), "2 minutes");
    }

    #[test]
    fn validation_body_lists_fields() {
        let json = serde_json::to_value(AppError::invalid_field("name", "Name is required.")).unwrap();
        assert_eq!(json["fields"]["name"], "Name is required.");
        assert_eq!(AppError::invalid_field("name", "x").status_code(), 422);
    }
}
