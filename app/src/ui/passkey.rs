//! Passkeys in the browser: a few lines of JavaScript around the browser's own WebAuthn JSON
//! helpers (`PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`,
//! `credential.toJSON()`), so the server's options go in and the browser's answer comes out as JSON,
//! with no WebAuthn types compiled into the client.
//!
//! One request at a time: a new one (the "Sign in with a passkey" button) cancels a pending one
//! (the username field's autofill, which waits for as long as the page is open).

use crate::error::AppError;
use crate::model::{PasskeyOptions, RawJson};

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
let pending = null;
export function supported() {
  return typeof window.PublicKeyCredential === 'function'
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function';
}
export async function autofill_supported() {
  return supported() && typeof PublicKeyCredential.isConditionalMediationAvailable === 'function'
    && await PublicKeyCredential.isConditionalMediationAvailable();
}
async function make(options) {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey);
  return (await navigator.credentials.create({ publicKey })).toJSON();
}
async function ask(options, autofill) {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey);
  if (pending) pending.abort();
  const controller = new AbortController();
  pending = controller;
  const request = { publicKey, signal: controller.signal };
  if (autofill) request.mediation = 'conditional';
  try {
    return (await navigator.credentials.get(request)).toJSON();
  } finally {
    if (pending === controller) pending = null;
  }
}
export async function create(options) {
  return JSON.stringify(await make(JSON.parse(options)));
}
export async function get(options, autofill) {
  return JSON.stringify(await ask(JSON.parse(options), autofill));
}
async function post(path, body) {
  let response, text;
  try {
    response = await fetch(path, { method: 'POST', body,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
    text = await response.text();
  } catch (_) {
    throw { name: 'NetworkError' };
  }
  if (!response.ok) throw { name: 'ServerError', body: text };
  return text;
}
export async function ceremony(start, args, finish, register, autofill, remember) {
  const { ceremony, options } = JSON.parse(await post(start, args));
  const credential = register ? await make(options) : await ask(options, autofill);
  return post(finish, JSON.stringify({ answer: { ceremony, credential, remember } }));
}
export function cancel() {
  if (pending) pending.abort();
  pending = null;
}
export function error_name(error) {
  return (error && error.name) || 'Error';
}
export function error_body(error) {
  return String((error && error.body) || '');
}
"#)]
    extern "C" {
        pub fn supported() -> bool;
        #[wasm_bindgen(catch)]
        pub async fn autofill_supported() -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch)]
        pub async fn create(options: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch)]
        pub async fn get(options: &str, autofill: bool) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch)]
        pub async fn ceremony(
            start: &str,
            args: &str,
            finish: &str,
            register: bool,
            autofill: bool,
            remember: bool,
        ) -> Result<JsValue, JsValue>;
        pub fn cancel();
        pub fn error_name(error: &JsValue) -> String;
        pub fn error_body(error: &JsValue) -> String;
    }
}

/// Whether this browser can use passkeys at all.
pub fn supported() -> bool {
    #[cfg(feature = "hydrate")]
    return js::supported();
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Whether this browser offers passkeys in a username field's autofill.
pub async fn autofill_supported() -> bool {
    #[cfg(feature = "hydrate")]
    return js::autofill_supported().await.ok().and_then(|value| value.as_bool()).unwrap_or(false);
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Cancels a pending passkey request (the autofill one), if any.
pub fn cancel() {
    #[cfg(feature = "hydrate")]
    js::cancel();
}

/// Why the browser gave no answer, in words; `None` for a request cancelled on purpose.
#[cfg(feature = "hydrate")]
fn refusal(error: &wasm_bindgen::JsValue) -> Option<AppError> {
    let message = match js::error_name(error).as_str() {
        "AbortError" => return None,
        "NetworkError" => return Some(AppError::Network),
        "ServerError" => {
            return Some(<AppError as server_fn::error::FromServerFnError>::de(js::error_body(error).into()));
        }
        "NotAllowedError" => "The passkey prompt was closed, or it timed out. Try again when you are ready.",
        "InvalidStateError" => "This device already holds a passkey for this account.",
        "SecurityError" => {
            "Passkeys need this site to be opened by its name (https://…, or http://localhost)."
        }
        _ => "This browser could not use a passkey here.",
    };
    Some(AppError::BadRequest { message: message.to_owned() })
}

/// Creates a passkey with the server's options; the browser's answer, as JSON.
///
/// # Errors
/// `BadRequest` saying why the browser gave no answer.
#[cfg(feature = "hydrate")]
pub async fn create(options: &PasskeyOptions) -> Result<RawJson, AppError> {
    let answer = js::create(options.options.text()).await.map_err(|err| {
        refusal(&err).unwrap_or_else(|| AppError::BadRequest { message: "Cancelled.".into() })
    })?;
    answer.as_string().and_then(|text| RawJson::from_text(text).ok()).ok_or(AppError::Internal)
}

/// On the server there is no authenticator (pages call this from event handlers only).
///
/// # Errors
/// Always `Internal`.
#[cfg(not(feature = "hydrate"))]
pub async fn create(_options: &PasskeyOptions) -> Result<RawJson, AppError> {
    Err(AppError::Internal)
}

/// Asks for a passkey with the server's options (through the username field's autofill when
/// `autofill`); the browser's answer as JSON, or `None` when the request was cancelled on purpose.
///
/// # Errors
/// `BadRequest` saying why the browser gave no answer.
#[cfg(feature = "hydrate")]
pub async fn get(options: &PasskeyOptions, autofill: bool) -> Result<Option<RawJson>, AppError> {
    match js::get(options.options.text(), autofill).await {
        Ok(answer) => Ok(answer.as_string().and_then(|text| RawJson::from_text(text).ok())),
        Err(err) => refusal(&err).map_or(Ok(None), Err),
    }
}

/// On the server there is no authenticator (pages call this from event handlers only).
///
/// # Errors
/// Always `Internal`.
#[cfg(not(feature = "hydrate"))]
pub async fn get(_options: &PasskeyOptions, _autofill: bool) -> Result<Option<RawJson>, AppError> {
    Err(AppError::Internal)
}

/// What a passwordless ceremony does in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Create a passkey (sign-up).
    Create,
    /// Use one (sign-in); `autofill` through the username field's suggestions.
    Get { autofill: bool },
}

/// A passwordless ceremony, start to finish: the server function `start` (called with the JSON
/// `arguments`) gives the options, the browser the passkey, and the server function `finish`
/// the answer, decoded as `T`; `None` when the request was cancelled on purpose.
///
/// The two calls go through the browser's `fetch` rather than the server-function client: the
/// Sign in and Sign up pages are in the first download, and each server function's client code
/// (its request, its future, its answer's decoder) would count there, for a path only people with
/// passkeys take. The answers are the same server functions' JSON, and errors decode as theirs do.
///
/// # Errors
/// What the server refused (as its server functions say), or why the browser gave no answer.
#[cfg(feature = "hydrate")]
pub async fn ceremony<T: serde::de::DeserializeOwned>(
    start: &str,
    arguments: &str,
    finish: &str,
    ask: Ask,
    remember: bool,
) -> Result<Option<T>, AppError> {
    let (register, autofill) = match ask {
        Ask::Create => (true, false),
        Ask::Get { autofill } => (false, autofill),
    };
    match js::ceremony(start, arguments, finish, register, autofill, remember).await {
        // Decoded exactly as the server-function client decodes (`from_slice`): another reader
        // (`from_str`) would compile the whole decoder of `T` a second time.
        Ok(answer) => answer
            .as_string()
            .and_then(|text| {
                <server_fn::codec::JsonEncoding as server_fn::Decodes<T>>::decode(text.into()).ok()
            })
            .map(Some)
            .ok_or(AppError::Internal),
        Err(err) => refusal(&err).map_or(Ok(None), Err),
    }
}

/// On the server there is no authenticator (pages call this from event handlers only).
///
/// # Errors
/// Always `Internal`.
#[cfg(not(feature = "hydrate"))]
pub async fn ceremony<T>(
    _start: &str,
    _arguments: &str,
    _finish: &str,
    _ask: Ask,
    _remember: bool,
) -> Result<Option<T>, AppError> {
    Err(AppError::Internal)
}

/// Confirms a change with one of the signed-in user's passkeys (instead of the password): the
/// proof to send with the change.
///
/// # Errors
/// What the server or the browser refused.
pub async fn confirm() -> Result<crate::requests::PasskeyProof, AppError> {
    let options = crate::api::passkey_reauth_start().await?;
    let credential =
        get(&options, false).await?.ok_or_else(|| AppError::BadRequest { message: "Cancelled.".into() })?;
    Ok(crate::requests::PasskeyProof { ceremony: options.ceremony, credential })
}
