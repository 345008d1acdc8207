//! Reading REST request bodies with answers a person understands.
//!
//! axum's own `Json` rejections are plain text with mixed statuses; clients of this API get our
//! JSON error body instead: 415 for a body that is not declared JSON, 400 for one that does not
//! parse or is not an object, 413 for one that is too large. Mistyped fields are not refused here:
//! the request types read them as [`Field::WrongType`](app::requests::Field) and the service
//! reports them, with every other bad field, as one 422, exactly as for server functions.

use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Json, Request};
use serde::de::DeserializeOwned;

use app::error::AppError;
use app::requests::{Confirmation, PasswordCodeRequest};
use app::ssr::guard::address::Device;
use app::ssr::session::caller::AuthUser;
use app::ssr::state::AppState;

/// A JSON object body read into `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<serde_json::Value>::from_request(req, state).await {
            // serde would also read a struct from an array (`[1, 2]` as positional fields): only an
            // object is a request body here.
            Ok(Json(value)) if value.is_object() => serde_json::from_value(value)
                .map(JsonBody)
                .map_err(|_| AppError::bad_request("The body does not have the expected shape.")),
            Ok(Json(_)) => Err(AppError::bad_request("The body must be a JSON object.")),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType),
            Err(JsonRejection::BytesRejection(BytesRejection::FailedToBufferBody(err)))
                if err.status() == http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(AppError::PayloadTooLarge)
            }
            Err(JsonRejection::JsonSyntaxError(_)) => {
                Err(AppError::bad_request("The body is not valid JSON."))
            }
            Err(other) => {
                tracing::debug!(%other, "unreadable body");
                Err(AppError::bad_request("The request body could not be read."))
            }
        }
    }
}

/// A change of the second factor: who asks, from which device, confirmed with the password and a
/// code (`{"password", "code"}`).
pub struct FactorChange {
    /// The signed-in caller.
    pub caller: AuthUser,
    /// Where the request comes from (for the notice mail and the audit log).
    pub device: Device,
    /// The password and the code.
    pub confirm: Confirmation,
}

impl FromRequest<AppState> for FactorChange {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let caller = AuthUser::from_request_parts(&mut parts, state).await?;
        let Ok(device) = Device::from_request_parts(&mut parts, state).await;
        let JsonBody(request) =
            JsonBody::<PasswordCodeRequest>::from_request(Request::from_parts(parts, body), state).await?;
        Ok(FactorChange { caller, device, confirm: request.read()? })
    }
}
