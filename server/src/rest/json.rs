//! Reading JSON request bodies with answers a person understands.
//!
//! axum's own `Json` rejections are plain text with mixed statuses (415, 422, 400); clients of this
//! API get our JSON error body instead: 400 for a body that is not JSON, 413 for one that is too
//! large, and 422 naming each field whose value has the wrong type.

use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, Json, Request};
use serde_json::{Map, Value};

use app::error::AppError;
use app::validation::FieldErrors;

/// A JSON object body, fields read one by one with [`Fields`].
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<Value>::from_request(req, state).await {
            Ok(Json(Value::Object(map))) => Ok(JsonObject(map)),
            Ok(Json(_)) => Err(AppError::bad_request("The body must be a JSON object.")),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType),
            Err(JsonRejection::BytesRejection(BytesRejection::FailedToBufferBody(err)))
                if err.status() == http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(AppError::PayloadTooLarge)
            }
            Err(JsonRejection::JsonSyntaxError(_) | JsonRejection::JsonDataError(_)) => {
                Err(AppError::bad_request("The body is not valid JSON."))
            }
            Err(other) => {
                tracing::debug!(%other, "unreadable body");
                Err(AppError::bad_request("The request body could not be read."))
            }
        }
    }
}

/// Reads typed fields out of a JSON object, collecting a message for each one of the wrong type.
pub struct Fields {
    map: Map<String, Value>,
    errors: FieldErrors,
}

impl Fields {
    /// Starts reading `object`.
    pub fn new(JsonObject(map): JsonObject) -> Self {
        Fields { map, errors: FieldErrors::new() }
    }

    /// A string field; missing or `null` reads as empty (the validator then says it is required).
    pub fn text(&mut self, field: &str) -> String {
        match self.map.remove(field) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text,
            Some(_) => {
                self.errors.insert(field.to_owned(), format!("{} must be a string.", capitalised(field)));
                String::new()
            }
        }
    }

    /// An optional list of strings.
    pub fn text_list(&mut self, field: &str) -> Vec<String> {
        match self.map.remove(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                .into_iter()
                .filter_map(|item| match item {
                    Value::String(text) => Some(text),
                    _ => None,
                })
                .collect(),
            Some(_) => {
                self.errors
                    .insert(field.to_owned(), format!("{} must be a list of strings.", capitalised(field)));
                Vec::new()
            }
        }
    }

    /// Type errors found so far (merged by the caller with validation errors).
    pub fn into_errors(self) -> FieldErrors {
        self.errors
    }
}

fn capitalised(field: &str) -> String {
    let mut chars = field.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
