//! `POST /api/auth/signup` and `POST /api/auth/signin`, in the tutorial's JSON shapes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use app::error::AppError;
use app::ssr::accounts;
use app::ssr::auth::AuthUser;
use app::ssr::http::error_response;
use app::ssr::state::AppState;
use app::validation::{FieldErrors, SignupForm};

use super::json::{Fields, JsonObject};

/// Creates an account: 201 with the new user.
pub async fn signup(
    State(state): State<AppState>,
    caller: Option<AuthUser>,
    body: JsonObject,
) -> Result<Response, AppError> {
    let mut fields = Fields::new(body);
    let form = SignupForm {
        name: fields.text("name"),
        username: fields.text("username"),
        email: fields.text("email"),
        password: fields.text("password"),
        roles: fields.text_list("roles"),
    };
    let type_errors = fields.into_errors();
    let user = accounts::sign_up(&state, &form, caller.as_ref())
        .await
        .map_err(|err| merge_type_errors(err, type_errors.clone()))
        .and_then(|user| {
            if type_errors.is_empty() {
                Ok(user)
            } else {
                Err(type_errors.into())
            }
        })?;
    let body = json!({ "message": "User registered successfully!", "user": user });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Type errors win over validation messages for the same field ("must be a string" is the cause).
fn merge_type_errors(err: AppError, type_errors: FieldErrors) -> AppError {
    match err {
        AppError::Validation { mut fields } => {
            fields.extend(type_errors);
            AppError::Validation { fields }
        }
        other if type_errors.is_empty() => other,
        // Another refusal (role, conflict) met a body with wrongly typed fields: report the body.
        _ => type_errors.into(),
    }
}

/// Signs in: 200 with a token, or the tutorial's `{"auth": false, "accessToken": null}` plus our error.
pub async fn signin(State(state): State<AppState>, body: Result<JsonObject, AppError>) -> Response {
    let result = match body {
        Ok(body) => {
            let mut fields = Fields::new(body);
            let (username, password) = (fields.text("username"), fields.text("password"));
            match fields.into_errors() {
                errors if errors.is_empty() => {
                    accounts::sign_in(&state, &username, &password).await
                }
                errors => Err(errors.into()),
            }
        }
        Err(err) => Err(err),
    };
    match result {
        Ok(session) => {
            let mut body = serde_json::to_value(&session).unwrap_or_default();
            body["auth"] = json!(true);
            Json(body).into_response()
        }
        Err(err) => refused_signin(err),
    }
}

fn refused_signin(err: AppError) -> Response {
    let mut body = serde_json::to_value(&err).unwrap_or_default();
    body["auth"] = json!(false);
    body["accessToken"] = serde_json::Value::Null;
    error_response(&err, body)
}
