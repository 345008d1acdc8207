//! Passkeys (WebAuthn): adding one to an account, signing in with one (no username, no password),
//! creating an account with one instead of a password, and listing, renaming and removing them.
//!
//! A passkey sign-in is multi-factor by nature (something held, and user verification, which every
//! ceremony here requires): it skips the TOTP step and counts as two-factor for
//! `REQUIRE_2FA_FOR_ADMINS`. Otherwise it is a sign-in like any other: counted per address, refused
//! for a disabled account or an unverified address when that is required, and it starts a
//! session. It neither waits on the password failures of the account (someone guessing the
//! password must not lock the owner's passkey out) nor forgives them. Adding or removing a passkey
//! is a credential change (`identity::lifecycle`).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
};

use super::step_up;
use super::webauthn::{self, Extra, Purpose, Taken};
use crate::error::{AppError, Result};
use crate::model::{
    AuditEvent, PasskeyInfo, PasskeyOptions, PasskeySignupOutcome, PublicUser, RawJson, Session,
};
use crate::requests::{PasskeyRegisterRequest, PasskeySignupRequest, Proof, Reader};
use crate::ssr::guard::address::Device;
use crate::ssr::guard::audit::{self, Event};
use crate::ssr::guard::throttle::{Scope, Slot, ThrottleKey};
use crate::ssr::identity::lifecycle::{self, Change, Changed, Notice};
use crate::ssr::identity::users;
use crate::ssr::recovery::verification;
use crate::ssr::session::caller::AuthUser;
use crate::ssr::session::refresh;
use crate::ssr::state::AppState;
use crate::validation::{SignupForm, validate_signup};

/// Passkeys one account may hold.
pub const MAX_PASSKEYS: i64 = 10;
/// Longest passkey name.
const NAME_MAX_CHARS: usize = 64;
/// The credential ids kept (WebAuthn: at least 16 random bytes, at most 1023), as the table's check
/// says; webauthn-rs accepts longer ones.
const CREDENTIAL_ID_BYTES: std::ops::RangeInclusive<usize> = 16..=1023;

fn unspecified(device: &Device) -> IpAddr {
    device.address.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into())
}

/// A passkey's name: the one asked for, or the device's (from its user agent).
fn name_for(asked: &str, device: &Device) -> Result<String> {
    // Control characters go first: a name made only of them is no name.
    let asked = crate::validation::without_control(asked);
    let asked = asked.trim();
    if asked.chars().count() > NAME_MAX_CHARS {
        return Err(AppError::invalid_field("name", "A passkey's name is at most 64 characters."));
    }
    if !asked.is_empty() {
        return Ok(asked.to_owned());
    }
    let device =
        device.user_agent.as_deref().map_or_else(|| "Passkey".to_owned(), crate::user_agent::describe);
    Ok(device.chars().take(NAME_MAX_CHARS).collect())
}

/// Starts adding a passkey to the caller's account, after a factor the account already has
/// (`step_up`: one of its passkeys; or the password, with a code when two-factor sign-in is on).
///
/// # Errors
/// `Validation` naming `password`, `passkey` or `name`; `TooManyPasskeys`; `TooManyAttempts`;
/// `Internal`.
pub async fn start_registration(
    state: &AppState,
    caller: &AuthUser,
    request: PasskeyRegisterRequest,
    device: &Device,
) -> Result<PasskeyOptions> {
    state.webauthn()?; // passkeys on at all, before the proof is checked
    let mut reader = Reader::default();
    let name = reader.text("name", "Name", request.name);
    let proof = reader.proof("password", "Password", request.password, request.passkey);
    let code = reader.text("code", "Code", request.code);
    reader.finish(())?;
    let name = name_for(&name, device)?;
    step_up::check(state, caller, &proof, Some(&code), device).await?;
    let user = &caller.user;
    let existing = webauthn::of_user(&state.pool, user.id).await?;
    if existing.len() >= MAX_PASSKEYS as usize {
        return Err(AppError::TooManyPasskeys);
    }
    // The authenticator is asked not to make a second credential for this account.
    let exclude = existing.iter().map(|passkey| passkey.cred_id().clone()).collect();
    let (ccr, registration) = state
        .webauthn()?
        .start_passkey_registration(user.id, &user.username, &user.name, Some(exclude))
        .map_err(internal)?;
    let extra = Extra { user: Some(user.id), label: Some(&name), ..Extra::default() };
    let id = webauthn::begin(&state.pool, Purpose::Register, &registration, extra).await?;
    webauthn::options(id, &webauthn::discoverable(&ccr)?)
}

fn internal(err: webauthn_rs::prelude::WebauthnError) -> AppError {
    tracing::error!(%err, "a WebAuthn ceremony could not start");
    AppError::Internal
}

/// Finishes adding a passkey: the browser's answer to [`start_registration`]'s options.
///
/// # Errors
/// `Unauthorized` when the ceremony is gone; `Validation` naming `credential` when the answer does
/// not verify; `PasskeyTaken`; `TooManyPasskeys`; `Internal`.
pub async fn finish_registration(
    state: &AppState,
    caller: &AuthUser,
    ceremony: Uuid,
    credential: RawJson,
    device: &Device,
) -> Result<PasskeyInfo> {
    let user = &caller.user;
    let mut tx = state.pool.begin().await?;
    let Some(taken) =
        webauthn::take::<PasskeyRegistration>(&mut *tx, ceremony, Purpose::Register, Some(user.id)).await?
    else {
        return Err(webauthn::expired());
    };
    tx.commit().await?; // used up, whatever follows
    let answer: RegisterPublicKeyCredential = webauthn::read_answer(&credential)?;
    let passkey = state.webauthn()?.finish_passkey_registration(&answer, &taken.state).map_err(|err| {
        tracing::debug!(%err, "a passkey registration was refused");
        AppError::invalid_field("credential", "The passkey could not be verified. Try again.")
    })?;
    let name = taken.label.unwrap_or_else(|| "Passkey".to_owned());
    let mut tx = state.pool.begin().await?;
    let info = store(&mut tx, user.id, &passkey, &name, &answer).await?;
    let changed = Changed { user, by: None, device, session: Some(caller.session()) };
    lifecycle::record(&mut tx, &state.mailer, Change::PasskeyAdded, changed).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(info)
}

/// Writes a verified passkey for `user`, under the per-account limit.
async fn store(
    tx: &mut sqlx::PgConnection,
    user: Uuid,
    passkey: &webauthn_rs::prelude::Passkey,
    name: &str,
    answer: &RegisterPublicKeyCredential,
) -> Result<PasskeyInfo> {
    if !CREDENTIAL_ID_BYTES.contains(&passkey.cred_id().len()) {
        return Err(AppError::invalid_field(
            "credential",
            "This passkey's id is not of a size this server keeps.",
        ));
    }
    let credential = serde_json::to_value(passkey).map_err(|_| AppError::Internal)?;
    let transports: Vec<String> = answer
        .response
        .transports
        .iter()
        .flatten()
        .filter_map(|transport| serde_json::to_value(transport).ok()?.as_str().map(str::to_owned))
        .collect();
    let flags = serde_json::to_value(passkey).ok();
    let flag = |name: &str| {
        flags.as_ref().and_then(|value| value.pointer(&format!("/cred/{name}"))?.as_bool()).unwrap_or(false)
    };
    // Serialised per account, so two registrations at once cannot pass the limit together.
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended('passkeys/' || $1::text, 0))",
        user.to_string()
    )
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query!(
        r#"
        insert into passkeys (user_id, credential_id, credential, backup_eligible, backed_up, transports, name)
        select $1, $2, $3, $4, $5, $6, $7
        where (select count(*) from passkeys where user_id = $1) < $8
        returning id, extract(epoch from created_at)::bigint as "created_at!"
        "#,
        user,
        passkey.cred_id().as_slice(),
        credential,
        flag("backup_eligible"),
        flag("backup_state"),
        &transports,
        name,
        MAX_PASSKEYS,
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(|err| match &err {
        sqlx::Error::Database(db) if db.constraint() == Some("passkeys_credential_id_key") => AppError::PasskeyTaken,
        _ => err.into(),
    })?
    .ok_or(AppError::TooManyPasskeys)?;
    Ok(PasskeyInfo {
        id: row.id,
        name: name.to_owned(),
        created_at: row.created_at,
        last_used_at: None,
        backup_eligible: flag("backup_eligible"),
        backed_up: flag("backup_state"),
    })
}

/// Starts a passkey sign-in: options for any passkey of this site (no username asked).
///
/// # Errors
/// `TooManyAttempts` past the per-address sign-in limit; `Internal`.
pub async fn start_signin(state: &AppState, device: &Device) -> Result<PasskeyOptions> {
    state.webauthn()?; // passkeys on at all, before an attempt is counted
    let address = unspecified(device);
    if let Slot::Refused { retry_after } =
        state.throttle.take(&state.pool, Scope::SigninAttempt, &ThrottleKey::none(), address).await?
    {
        return Err(AppError::TooManyAttempts { retry_after });
    }
    let (rcr, auth) = state.webauthn()?.start_discoverable_authentication().map_err(internal)?;
    let id = webauthn::begin(&state.pool, Purpose::Signin, &auth, Extra::default()).await?;
    let mut options = serde_json::to_value(&rcr).map_err(|_| AppError::Internal)?;
    // webauthn-rs marks these options for the browser's autofill only; the button asks too.
    if let Some(object) = options.as_object_mut() {
        object.remove("mediation");
    }
    webauthn::options(id, &options)
}

/// Finishes a passkey sign-in: the browser's answer to [`start_signin`]'s options. Answers like a
/// password sign-in's success, or refuses like it.
///
/// # Errors
/// `Unauthorized` when the ceremony is gone; `PasskeyRefused` for an answer that does not verify
/// (audited); `AccountDisabled`; `EmailNotVerified`; `Internal`.
pub async fn finish_signin(
    state: &AppState,
    ceremony: Uuid,
    credential: RawJson,
    remember: bool,
    device: &Device,
) -> Result<Session> {
    let address = unspecified(device);
    let Some(taken) =
        webauthn::take::<DiscoverableAuthentication>(&state.pool, ceremony, Purpose::Signin, None).await?
    else {
        return Err(webauthn::expired());
    };
    let answer: PublicKeyCredential = webauthn::read_answer(&credential)?;
    let Ok((user_id, credential_id)) = state.webauthn()?.identify_discoverable_authentication(&answer) else {
        audit::count_signin("passkey_refused");
        return Err(AppError::PasskeyRefused);
    };
    let stored = webauthn::find(&state.pool, credential_id).await?.filter(|stored| stored.user == user_id);
    let Some(stored) = stored else {
        Event::new(AuditEvent::PasskeySigninFailed)
            .from(address)
            .detail("unknown passkey")
            .record(&state.pool)
            .await?;
        audit::count_signin("passkey_refused");
        return Err(AppError::PasskeyRefused);
    };
    // Read before the check: the session starts only if no credential changed meanwhile.
    let account = users::find(&state.pool, user_id).await?;
    // No account-wide count here: a signature cannot be guessed, so wrong passwords sent by
    // someone else must not lock the owner's passkey out, and a passkey's success forgives no
    // password failure either (each door keeps its own count). Every ceremony was counted per
    // address when it started.
    let verified =
        state.webauthn()?.finish_discoverable_authentication_v2(&answer, taken.state, &stored.passkey);
    let result = match verified {
        Ok(result) => result,
        Err(err) => {
            refused(state, &account.user, &err, device).await?;
            return Err(AppError::PasskeyRefused);
        }
    };
    let mut tx = state.pool.begin().await?;
    webauthn::record_use(&mut tx, stored, &result).await?;
    tx.commit().await?;
    if account.disabled {
        audit::count_signin("account_disabled");
        return Err(AppError::AccountDisabled);
    }
    if !verification::may_sign_in(state, &account) {
        audit::count_signin("email_not_verified");
        return Err(AppError::EmailNotVerified);
    }
    Event::new(AuditEvent::SigninSucceeded)
        .on(&account.user)
        .from(address)
        .detail("with a passkey")
        .record(&state.pool)
        .await?;
    audit::count_signin("signed_in_with_passkey");
    refresh::start_with_second_factor(state, account, remember, device).await
}

/// Records a refused passkey answer: a counter that went backwards is a cloned authenticator,
/// audited as such and mailed to the owner.
async fn refused(
    state: &AppState,
    user: &PublicUser,
    err: &webauthn_rs::prelude::WebauthnError,
    device: &Device,
) -> Result<()> {
    let address = unspecified(device);
    audit::count_signin("passkey_refused");
    if webauthn::is_cloned(err) {
        tracing::warn!(user = %user.id, "a passkey's counter went backwards: a cloned authenticator?");
        let mut tx = state.pool.begin().await?;
        Event::new(AuditEvent::PasskeyCloned).on(user).from(address).record(&mut *tx).await?;
        lifecycle::notify(&mut tx, &state.mailer, Notice::PasskeyCloned, user, device).await?;
        tx.commit().await?;
        state.mailer.wake();
        return Ok(());
    }
    tracing::debug!(%err, "a passkey sign-in was refused");
    Event::new(AuditEvent::PasskeySigninFailed)
        .on(user)
        .from(address)
        .folded(&user.id.to_string(), state.throttle.signin.window)
        .record(&state.pool)
        .await
}

/// What a passwordless sign-up keeps between its start and finish.
#[derive(Debug, Serialize, Deserialize)]
struct PendingAccount {
    id: Uuid,
    name: String,
    username: String,
    email: String,
}

/// Starts creating an account with a passkey instead of a password: the fields are checked (and the
/// sign-up limit counted) now, the account is created when the passkey is.
///
/// # Errors
/// `Validation` for bad fields; `UsernameTaken`/`EmailTaken`; `RateLimited`; `Internal`.
pub async fn start_signup(
    state: &AppState,
    request: PasskeySignupRequest,
    address: IpAddr,
) -> Result<PasskeyOptions> {
    state.webauthn()?; // passkeys on at all, before a sign-up is counted
    let mut reader = Reader::default();
    let name = reader.text("name", "Name", request.name);
    let username = reader.text("username", "Username", request.username);
    let email = reader.text("email", "Email", request.email);
    let type_errors = reader.errors().clone();
    // The sign-up rules without the password's (there is none).
    let form =
        SignupForm { name, username, email, password: "no-password-chosen-0".into(), roles: Vec::new() };
    let mut problems = validate_signup(&form).err().unwrap_or_default();
    problems.remove("password");
    problems.extend(type_errors);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    if let Slot::Refused { retry_after } =
        state.throttle.take(&state.pool, Scope::Signup, &ThrottleKey::none(), address).await?
    {
        return Err(AppError::rate_limited("sign-ups from your network", retry_after));
    }
    let (name, username, email) = (form.name.trim(), form.username.trim(), form.email.trim());
    users::ensure_available(&state.pool, username, email).await?;
    let pending = PendingAccount {
        id: Uuid::new_v4(),
        name: name.into(),
        username: username.into(),
        email: email.into(),
    };
    let (ccr, registration) =
        state.webauthn()?.start_passkey_registration(pending.id, username, name, None).map_err(internal)?;
    let signup = serde_json::to_value(&pending).map_err(|_| AppError::Internal)?;
    let extra = Extra { signup: Some(&signup), label: None, user: None };
    let id = webauthn::begin(&state.pool, Purpose::Signup, &registration, extra).await?;
    webauthn::options(id, &webauthn::discoverable(&ccr)?)
}

/// Finishes a passwordless sign-up: creates the account with its passkey (and its verification
/// mail), and signs it in (or, when sign-in needs a verified address, says so).
///
/// # Errors
/// `Unauthorized` when the ceremony is gone; `Validation` naming `credential`;
/// `UsernameTaken`/`EmailTaken` when the name or address was taken meanwhile; `Internal`.
pub async fn finish_signup(
    state: &AppState,
    ceremony: Uuid,
    credential: RawJson,
    remember: bool,
    device: &Device,
) -> Result<PasskeySignupOutcome> {
    let Some(Taken { state: registration, signup, .. }) =
        webauthn::take::<PasskeyRegistration>(&state.pool, ceremony, Purpose::Signup, None).await?
    else {
        return Err(webauthn::expired());
    };
    let pending: PendingAccount =
        signup.and_then(|value| serde_json::from_value(value).ok()).ok_or(AppError::Internal)?;
    let answer: RegisterPublicKeyCredential = webauthn::read_answer(&credential)?;
    let passkey = state.webauthn()?.finish_passkey_registration(&answer, &registration).map_err(|err| {
        tracing::debug!(%err, "a passwordless sign-up's passkey was refused");
        AppError::invalid_field("credential", "The passkey could not be verified. Try again.")
    })?;
    let mut tx = state.pool.begin().await?;
    let user =
        users::insert_passwordless(&mut tx, pending.id, &pending.name, &pending.username, &pending.email)
            .await?;
    let name = name_for("", device)?;
    store(&mut tx, user.id, &passkey, &name, &answer).await?;
    verification::queue_verification(state, &mut tx, &user).await?;
    let mut event = Event::new(AuditEvent::AccountCreated).on(&user).detail("user, with a passkey");
    if let Some(address) = device.address {
        event = event.from(address);
    }
    event.record(&mut *tx).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user = %user.id, "account created with a passkey");
    let account = users::find(&state.pool, user.id).await?;
    // Signed in at once, unless sign-in needs a verified address: then, as after a sign-up with a
    // password, the mailed link comes first.
    if !verification::may_sign_in(state, &account) {
        return Ok(PasskeySignupOutcome { user: account.user, session: None });
    }
    let user = account.user.clone();
    let session = refresh::start_with_second_factor(state, account, remember, device).await?;
    Ok(PasskeySignupOutcome { user, session: Some(session) })
}

/// The caller's passkeys, the most recently added first.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn list(state: &AppState, caller: &AuthUser) -> Result<Vec<PasskeyInfo>> {
    Ok(sqlx::query_as!(
        PasskeyInfo,
        r#"
        select id, name, extract(epoch from created_at)::bigint as "created_at!",
               extract(epoch from last_used_at)::bigint as last_used_at, backup_eligible, backed_up
        from passkeys where user_id = $1
        order by created_at desc
        "#,
        caller.user.id,
    )
    .fetch_all(&state.pool)
    .await?)
}

/// Renames one of the caller's passkeys.
///
/// # Errors
/// `Validation` naming `name`; `NotFound` (not the caller's); `Internal`.
pub async fn rename(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    name: &str,
    address: IpAddr,
) -> Result<PasskeyInfo> {
    if crate::validation::without_control(name).trim().is_empty() {
        return Err(AppError::invalid_field("name", "Give the passkey a name."));
    }
    let name = name_for(name, &Device::default())?;
    let info = sqlx::query_as!(
        PasskeyInfo,
        r#"
        update passkeys set name = $3 where id = $1 and user_id = $2
        returning id, name, extract(epoch from created_at)::bigint as "created_at!",
                  extract(epoch from last_used_at)::bigint as last_used_at, backup_eligible, backed_up
        "#,
        id,
        caller.user.id,
        name,
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Event::new(AuditEvent::PasskeyRenamed)
        .by(&caller.user)
        .on(&caller.user)
        .from(address)
        .folded(&caller.user.id.to_string(), std::time::Duration::from_secs(60 * 60))
        .record(&state.pool)
        .await?;
    Ok(info)
}

/// Removes one of the caller's passkeys, after a factor the account has (`step_up`). It no longer
/// signs in, and every other session ends. The last way into an account (no password, no other passkey)
/// cannot be removed.
///
/// # Errors
/// `Validation` naming `password` or `passkey`; `NotFound`; `LastCredential`; `TooManyAttempts`;
/// `Internal`.
pub async fn remove(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
    (proof, code): &(Proof, String),
    device: &Device,
) -> Result<()> {
    step_up::check(state, caller, proof, Some(code), device).await?;
    let user = &caller.user;
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended('passkeys/' || $1::text, 0))",
        user.id.to_string()
    )
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query!(
        r#"
        select (select password_hash is not null from users where id = $2) as "has_password!",
               (select count(*) from passkeys where user_id = $2) as "count!"
        from passkeys where id = $1 and user_id = $2
        "#,
        id,
        user.id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if !row.has_password && row.count <= 1 {
        return Err(AppError::LastCredential);
    }
    sqlx::query!("delete from passkeys where id = $1 and user_id = $2", id, user.id)
        .execute(&mut *tx)
        .await?;
    crate::ssr::session::changes::note(); // may have been the factor an admin's powers rest on
    let changed = Changed { user, by: None, device, session: Some(caller.session()) };
    lifecycle::record(&mut tx, &state.mailer, Change::PasskeyRemoved, changed).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}
