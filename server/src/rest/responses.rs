//! The error responses many operations share, described once for the OpenAPI document: each
//! handler's `#[utoipa::path]` lists only what is particular to it, then names these. They are
//! descriptions, never built: the handlers answer with `AppError`.
#![allow(dead_code)]

use app::error::ErrorBody;
use utoipa::IntoResponses;

/// 401: no token, or one that is not valid.
#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "No token, or a token that is not valid (malformed, expired, signed out, another algorithm)"
)]
pub struct Unauthorized(ErrorBody);

/// 422: fields that are invalid or of the wrong type.
#[derive(IntoResponses)]
#[response(status = 422, description = "Some fields are invalid or of the wrong type: `fields` names each")]
pub struct Invalid(ErrorBody);

/// 429: too many attempts.
#[derive(IntoResponses)]
#[response(status = 429, description = "Too many attempts: wait `Retry-After` seconds")]
pub struct Throttled(ErrorBody);

/// 400: a body that is not a JSON object.
#[derive(IntoResponses)]
#[response(status = 400, description = "The body is not valid JSON, or not a JSON object")]
pub struct BadJson(ErrorBody);

/// What any body can be refused for: 413 (too large) and 415 (not declared as JSON).
#[derive(IntoResponses)]
pub enum BodyLimits {
    /// 413.
    #[response(status = 413, description = "The body is over 64 KiB")]
    TooLarge(ErrorBody),
    /// 415.
    #[response(status = 415, description = "The body is not declared as JSON")]
    NotJson(ErrorBody),
}

/// 503: passkeys are off on this server.
#[derive(IntoResponses)]
#[response(
    status = 503,
    description = "`passkeys_unavailable`: the server is reached by an IP address and no `WEBAUTHN_RP_ID` is set"
)]
pub struct PasskeysOff(ErrorBody);

/// 429 at the doors that check a password and a code.
#[derive(IntoResponses)]
#[response(status = 429, description = "Too many wrong passwords or codes: wait `Retry-After` seconds")]
pub struct CodesThrottled(ErrorBody);

/// 403: the caller is not an admin.
#[derive(IntoResponses)]
#[response(status = 403, description = "Not an admin")]
pub struct NotAdmin(ErrorBody);

/// 404: no user has that id.
#[derive(IntoResponses)]
#[response(status = 404, description = "No such user")]
pub struct NoSuchUser(ErrorBody);

/// The `{id}` of `/api/admin/users/{id}/...`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The user's id
    id: String,
}
