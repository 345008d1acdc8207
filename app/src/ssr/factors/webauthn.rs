//! WebAuthn ceremonies kept in PostgreSQL, and the checks the passkey services and the
//! re-authentication before a change share.
//!
//! A ceremony's state (webauthn-rs' registration or authentication state: the challenge, what it
//! allows) never goes to the client. It is a row of `webauthn_ceremonies`, valid for
//! [`CEREMONY_TTL`] and used up by the request that finishes it (`delete ... returning`), so any
//! instance can finish a ceremony another started, and of forty requests carrying one answer at
//! once exactly one gets it.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;
use webauthn_rs::prelude::{
    AuthenticationResult, CreationChallengeResponse, Passkey, PasskeyAuthentication, PublicKeyCredential,
    RequestChallengeResponse, WebauthnError,
};

use crate::error::{AppError, Result};
use crate::model::{PasskeyOptions, PublicUser, RawJson};
use crate::ssr::state::AppState;

/// How long a ceremony may take, from its options to the browser's answer.
pub const CEREMONY_TTL: Duration = Duration::from_secs(5 * 60);
/// Ceremonies of one kind an account keeps at once; a new one replaces the oldest.
pub const KEPT_PER_ACCOUNT: i64 = 5;

/// What a ceremony is for (`webauthn_ceremonies.purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Adding a passkey to a signed-in account.
    Register,
    /// Signing in with a passkey, no username typed.
    Signin,
    /// Creating an account with a passkey instead of a password.
    Signup,
    /// A passkey asked again before a change.
    Reauth,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Signin => "signin",
            Purpose::Signup => "signup",
            Purpose::Reauth => "reauth",
        }
    }
}

/// A ceremony taken back from the database (and so used up).
#[derive(Debug)]
pub struct Taken<S> {
    /// webauthn-rs' state.
    pub state: S,
    /// The account, for a signed-in user's ceremony.
    pub user: Option<Uuid>,
    /// A passwordless sign-up's account.
    pub signup: Option<serde_json::Value>,
    /// A registration's passkey name.
    pub label: Option<String>,
}

/// Extra data a ceremony keeps besides webauthn-rs' state.
#[derive(Debug, Default)]
pub struct Extra<'a> {
    /// The signed-in account it belongs to.
    pub user: Option<Uuid>,
    /// A passwordless sign-up's account.
    pub signup: Option<&'a serde_json::Value>,
    /// A registration's passkey name.
    pub label: Option<&'a str>,
}

/// Stores a new ceremony; returns its id.
///
/// # Errors
/// `Internal` when the state cannot be serialised or the database fails.
pub async fn begin(
    executor: impl PgExecutor<'_>,
    purpose: Purpose,
    state: &impl Serialize,
    extra: Extra<'_>,
) -> Result<Uuid> {
    let state = serde_json::to_value(state).map_err(|_| AppError::Internal)?;
    Ok(sqlx::query_scalar!(
        r#"
        with older as (
            -- An account keeps its few latest ceremonies of a kind (two tabs, a retry): asking
            -- again and again replaces them instead of piling rows up.
            delete from webauthn_ceremonies
            where $2::uuid is not null and user_id = $2 and purpose = $1
              and id not in (select id from webauthn_ceremonies
                             where user_id = $2 and purpose = $1
                             order by created_at desc limit $7)
        )
        insert into webauthn_ceremonies (purpose, user_id, stamp, state, signup, label, expires_at)
        values ($1, $2, (select security_stamp from users where id = $2), $3, $4, $5,
                now() + make_interval(secs => $6))
        returning id
        "#,
        purpose.as_str(),
        extra.user,
        state,
        extra.signup,
        extra.label,
        CEREMONY_TTL.as_secs_f64(),
        KEPT_PER_ACCOUNT - 1,
    )
    .fetch_one(executor)
    .await?)
}

/// Takes (and uses up) the live ceremony `id` of `purpose` (and of `user`, when given); `None` when
/// there is none: unknown, used, expired, another account's, or begun before a credential change of
/// its account.
///
/// # Errors
/// `Internal` when the database fails or the stored state does not read back.
pub async fn take<S: DeserializeOwned>(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    purpose: Purpose,
    user: Option<Uuid>,
) -> Result<Option<Taken<S>>> {
    let Some(row) = sqlx::query!(
        r#"
        delete from webauthn_ceremonies c
        where id = $1 and purpose = $2 and expires_at > now() and ($3::uuid is null or user_id = $3)
          and (user_id is null or stamp = (select security_stamp from users u where u.id = c.user_id))
        returning state, user_id, signup, label
        "#,
        id,
        purpose.as_str(),
        user,
    )
    .fetch_optional(executor)
    .await?
    else {
        return Ok(None);
    };
    let state = serde_json::from_value(row.state).map_err(|err| {
        tracing::error!(%err, "a stored WebAuthn ceremony did not read back");
        AppError::Internal
    })?;
    Ok(Some(Taken { state, user: row.user_id, signup: row.signup, label: row.label }))
}

/// Deletes the ceremonies nobody finished in time; how many.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn purge(executor: impl PgExecutor<'_>) -> Result<u64> {
    let deleted =
        sqlx::query!("delete from webauthn_ceremonies where expires_at <= now()").execute(executor).await;
    Ok(deleted.inspect_err(|err| tracing::warn!(%err, "purging WebAuthn ceremonies failed"))?.rows_affected())
}

/// 401 for a ceremony that is not there any more.
pub fn expired() -> AppError {
    AppError::unauthorized("This passkey step has expired or was already used. Start again.")
}

/// The options of a ceremony as the client gets them.
///
/// # Errors
/// `Internal` when they cannot be serialised.
pub fn options(ceremony: Uuid, options: &impl Serialize) -> Result<PasskeyOptions> {
    Ok(PasskeyOptions { ceremony, options: RawJson::of(options).map_err(|_| AppError::Internal)? })
}

/// Creation options that ask for a discoverable credential (a passkey the browser can offer
/// without a username being typed): webauthn-rs leaves that to the authenticator.
///
/// # Errors
/// `Internal` when the options cannot be serialised.
pub fn discoverable(ccr: &CreationChallengeResponse) -> Result<serde_json::Value> {
    let mut value = serde_json::to_value(ccr).map_err(|_| AppError::Internal)?;
    if let Some(selection) =
        value.pointer_mut("/publicKey/authenticatorSelection").and_then(serde_json::Value::as_object_mut)
    {
        selection.insert("residentKey".into(), "required".into());
        selection.insert("requireResidentKey".into(), true.into());
    }
    Ok(value)
}

/// Reads the browser's answer, `PublicKeyCredential.toJSON()`.
///
/// # Errors
/// `Validation` naming `credential` when it is not one.
pub fn read_answer<T: DeserializeOwned>(credential: &RawJson) -> Result<T> {
    serde_json::from_str(credential.text()).map_err(|_| {
        AppError::invalid_field("credential", "This is not a passkey's answer (PublicKeyCredential JSON).")
    })
}

/// A stored passkey.
#[derive(Debug)]
pub struct Stored {
    /// Its row's id.
    pub id: Uuid,
    /// Whose.
    pub user: Uuid,
    /// What verifies it.
    pub passkey: Passkey,
}

/// The passkey with the credential id `credential_id`.
///
/// # Errors
/// `Internal` when the database fails or the stored credential does not read back.
pub async fn find(executor: impl PgExecutor<'_>, credential_id: &[u8]) -> Result<Option<Stored>> {
    let Some(row) =
        sqlx::query!("select id, user_id, credential from passkeys where credential_id = $1", credential_id,)
            .fetch_optional(executor)
            .await?
    else {
        return Ok(None);
    };
    let passkey = serde_json::from_value(row.credential).map_err(|_| AppError::Internal)?;
    Ok(Some(Stored { id: row.id, user: row.user_id, passkey }))
}

/// The passkeys of `user`, for a ceremony that lists them.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn of_user(executor: impl PgExecutor<'_>, user: Uuid) -> Result<Vec<Passkey>> {
    let rows = sqlx::query_scalar!("select credential from passkeys where user_id = $1", user)
        .fetch_all(executor)
        .await?;
    Ok(rows.into_iter().filter_map(|value| serde_json::from_value(value).ok()).collect())
}

/// Records a use of `stored`: its counter and backup flags as the authenticator reported them, and
/// when.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn record_use(
    conn: &mut PgConnection,
    mut stored: Stored,
    result: &AuthenticationResult,
) -> Result<()> {
    stored.passkey.update_credential(result);
    let credential = serde_json::to_value(&stored.passkey).map_err(|_| AppError::Internal)?;
    sqlx::query!(
        r#"
        update passkeys
        set credential = $2, sign_count = $3, backed_up = $4, last_used_at = now()
        where id = $1 and sign_count <= $3 -- two uses at once: the later counter stays
        "#,
        stored.id,
        credential,
        i64::from(result.counter()),
        result.backup_state(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether webauthn-rs refused an answer because the authenticator's counter went backwards: the
/// sign of a cloned authenticator.
pub fn is_cloned(err: &WebauthnError) -> bool {
    matches!(err, WebauthnError::CredentialPossibleCompromise)
}

/// Starts asking `user` for one of their passkeys again (before a change).
///
/// # Errors
/// `Validation` naming `passkey` when the account has none; `Internal`.
pub async fn start_reauth(state: &AppState, user: &PublicUser) -> Result<PasskeyOptions> {
    let passkeys = of_user(&state.pool, user.id).await?;
    if passkeys.is_empty() {
        return Err(AppError::invalid_field("passkey", "This account has no passkey."));
    }
    let (rcr, auth): (RequestChallengeResponse, PasskeyAuthentication) =
        state.webauthn()?.start_passkey_authentication(&passkeys).map_err(|err| {
            tracing::error!(%err, "starting a passkey check failed");
            AppError::Internal
        })?;
    let id =
        begin(&state.pool, Purpose::Reauth, &auth, Extra { user: Some(user.id), ..Extra::default() }).await?;
    options(id, &rcr)
}

/// Checks a passkey of `user` asked again: the ceremony [`start_reauth`] began and the browser's
/// answer. Uses the ceremony up, and records the passkey's use.
///
/// # Errors
/// `Validation` naming `passkey` when the ceremony is gone or the answer does not verify;
/// `Internal`.
pub async fn check_reauth(state: &AppState, user: Uuid, ceremony: Uuid, credential: &RawJson) -> Result<()> {
    let refused = || AppError::invalid_field("passkey", "That passkey could not be verified. Try again.");
    let mut tx = state.pool.begin().await?;
    let Some(taken) = take::<PasskeyAuthentication>(&mut *tx, ceremony, Purpose::Reauth, Some(user)).await?
    else {
        return Err(AppError::invalid_field("passkey", "This passkey step has expired. Start again."));
    };
    let answer: PublicKeyCredential = read_answer(credential)?;
    let Some(stored) = find(&mut *tx, answer.get_credential_id()).await?.filter(|stored| stored.user == user)
    else {
        tx.commit().await?; // the ceremony stays used up
        return Err(refused());
    };
    match state.webauthn()?.finish_passkey_authentication(&answer, &taken.state) {
        Ok(result) => {
            record_use(&mut tx, stored, &result).await?;
            tx.commit().await?;
            Ok(())
        }
        Err(err) => {
            tx.commit().await?;
            tracing::debug!(%err, "a passkey asked again was refused");
            Err(refused())
        }
    }
}
