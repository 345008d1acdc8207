//! `POST /api/auth/signup` and `POST /api/auth/signin`, in the tutorial's JSON shapes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use app::error::AppError;
use app::model::PasswordChange;
use app::ssr::accounts;
use app::ssr::address::ClientAddr;
use app::ssr::auth::AuthUser;
use app::ssr::responses::error_response;
use app::ssr::state::AppState;
use app::validation::{SignupForm, validate_signup};

use super::json::{Fields, JsonObject};

/// Creates an account: 201 with the new user.
pub async fn signup(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
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
    if !type_errors.is_empty() {
        // Nothing is created from a body with wrongly typed fields. Report them together with what
        // is wrong in the other fields; the type error wins for its own field (it is the cause).
        let mut errors = validate_signup(&form).err().unwrap_or_default();
        errors.extend(type_errors);
        return Err(errors.into());
    }
    let user = accounts::sign_up(&state, &form, caller.as_ref(), address).await?;
    let body = json!({ "message": "User registered successfully!", "user": user });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Signs in: 200 with a token, or the tutorial's `{"auth": false, "accessToken": null}` plus our error.
pub async fn signin(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    body: Result<JsonObject, AppError>,
) -> Response {
    let result = match body {
        Ok(body) => {
            let mut fields = Fields::new(body);
            let (username, password) = (fields.text("username"), fields.text("password"));
            match fields.into_errors() {
                errors if errors.is_empty() => accounts::sign_in(&state, &username, &password, address).await,
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

/// `POST /api/auth/signout`: ends this token at once.
pub async fn signout(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
) -> Result<Json<serde_json::Value>, AppError> {
    accounts::sign_out(&state, &caller, address).await?;
    Ok(Json(json!({ "message": "Signed out." })))
}

/// `POST /api/auth/signout-all`: ends every session of the caller, this one included.
pub async fn signout_all(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
) -> Result<Json<serde_json::Value>, AppError> {
    accounts::sign_out_everywhere(&state, &caller, address).await?;
    Ok(Json(json!({ "message": "Signed out everywhere." })))
}

/// `POST /api/auth/password` `{currentPassword, newPassword}`: 200 with a new token for this
/// session; every other session ends.
pub async fn password(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    caller: AuthUser,
    body: JsonObject,
) -> Result<Json<serde_json::Value>, AppError> {
    let mut fields = Fields::new(body);
    let change = PasswordChange {
        current_password: fields.text("currentPassword"),
        new_password: fields.text("newPassword"),
    };
    let type_errors = fields.into_errors();
    if !type_errors.is_empty() {
        return Err(type_errors.into());
    }
    let session = accounts::change_password(&state, &caller, &change, address).await?;
    let mut body = serde_json::to_value(&session).unwrap_or_default();
    body["message"] = json!("Password changed. Every other session has been signed out.");
    Ok(Json(body))
}
