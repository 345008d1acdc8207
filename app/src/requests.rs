//! What clients send, read the same way by both doors: the REST API and the server functions
//! decode these types, so the same mistake gets the same answer from either.
//!
//! Every field is a [`Field`], which accepts any JSON: a value of the wrong type is remembered
//! instead of failing the whole body, so a client hears about every bad field at once (422
//! `validation` with `fields`), never a bare 400 about the first one serde tripped over.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::roles::{Board, Role};
use crate::validation::{FieldErrors, SignupForm};

/// One field of a request as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Field<T> {
    /// Absent, or `null`.
    #[default]
    Missing,
    /// Present, but not of the expected JSON type (a number for a name, a string for a list...).
    WrongType,
    /// Present and well typed (not yet validated).
    Value(T),
}

impl<T> From<T> for Field<T> {
    fn from(value: T) -> Self {
        Field::Value(value)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `Option` so that a missing key reads as `None` rather than failing the struct.
        Ok(match Option::<serde_json::Value>::deserialize(deserializer)? {
            None | Some(serde_json::Value::Null) => Field::Missing,
            Some(value) => serde_json::from_value(value).map_or(Field::WrongType, Field::Value),
        })
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(value) => value.serialize(serializer),
            Field::Missing | Field::WrongType => serializer.serialize_none(),
        }
    }
}

/// Reads fields out of a request, collecting a message for each one of the wrong type.
#[derive(Debug, Default)]
pub struct Reader {
    errors: FieldErrors,
}

impl Reader {
    /// A value of type `T` or `T::default()`; a wrong type is noted as "`label` must be `kind`."
    /// A missing field reads as the default: whether it is required is the validator's business.
    pub fn read<T: Default>(&mut self, name: &str, label: &str, kind: &str, field: Field<T>) -> T {
        match field {
            Field::Value(value) => value,
            Field::Missing => T::default(),
            Field::WrongType => {
                self.errors.insert(name.to_owned(), format!("{label} must be {kind}."));
                T::default()
            }
        }
    }

    /// A text field.
    pub fn text(&mut self, name: &str, label: &str, field: Field<String>) -> String {
        self.read(name, label, "a string", field)
    }

    /// A field that must be present: a missing one is noted as "`label` is required." (and reads
    /// as the default, which [`finish`](Self::finish) then never hands out).
    pub fn required<T: Default>(&mut self, name: &str, label: &str, kind: &str, field: Field<T>) -> T {
        if matches!(field, Field::Missing) {
            self.errors.insert(name.to_owned(), format!("{label} is required."));
        }
        self.read(name, label, kind, field)
    }

    /// How a change is confirmed: the passkey answer when one was sent in `passkey`, else the
    /// password field `name` (which may then be empty: the check says so).
    pub fn proof(
        &mut self,
        name: &str,
        label: &str,
        password: Field<String>,
        passkey: Field<PasskeyProof>,
    ) -> Proof {
        match passkey {
            Field::Value(proof) => Proof::Passkey(proof),
            Field::WrongType => {
                self.errors.insert(
                    "passkey".to_owned(),
                    "Passkey must be an object with `ceremony` and `credential`.".to_owned(),
                );
                Proof::Password(String::new())
            }
            Field::Missing => Proof::Password(self.text(name, label, password)),
        }
    }

    /// The type errors found so far.
    pub fn errors(&self) -> &FieldErrors {
        &self.errors
    }

    /// Finishes reading: the value, or every type error as a 422.
    ///
    /// # Errors
    /// The collected type errors.
    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }
}

/// A passkey asked again before a change: the ceremony `POST /api/auth/passkeys/reauth/start`
/// started, and the browser's answer (`PublicKeyCredential.toJSON()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyProof {
    /// The ceremony's id.
    pub ceremony: uuid::Uuid,
    /// The browser's answer, as `PublicKeyCredential.toJSON()` gives it.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub credential: crate::model::RawJson,
}

/// A password change a client asks for (read from a `PasswordChangeRequest`): the current
/// password proves it is really you.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChange {
    /// The password now.
    pub current_password: String,
    /// A passkey asked again instead (an account without a password setting its first one).
    #[serde(default)]
    pub passkey: Option<PasskeyProof>,
    /// The password to set.
    pub new_password: String,
}

/// How a change is confirmed: the account's password, or one of its passkeys (accounts created with
/// a passkey have no password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The password.
    Password(String),
    /// A passkey's answer to a re-authentication ceremony.
    Passkey(PasskeyProof),
}

impl Default for Proof {
    fn default() -> Self {
        Proof::Password(String::new())
    }
}

/// `POST /api/auth/signup` and the `sign-up` server function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    /// Display name.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 1, max_length = 100))]
    pub name: Field<String>,
    /// Login name.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$"))]
    pub username: Field<String>,
    /// Email address.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, format = Email, max_length = 254))]
    pub email: Field<String>,
    /// Plain password.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 8, max_length = 72))]
    pub password: Field<String>,
    /// Role names; absent or empty means `["user"]`.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>))]
    pub roles: Field<Vec<String>>,
}

impl SignupRequest {
    /// The form as typed, and the fields of the wrong type (reported together with the form's
    /// own problems, so the client hears about every bad field at once).
    pub fn read(self) -> (SignupForm, FieldErrors) {
        let mut reader = Reader::default();
        let form = SignupForm {
            name: reader.text("name", "Name", self.name),
            username: reader.text("username", "Username", self.username),
            email: reader.text("email", "Email", self.email),
            password: reader.text("password", "Password", self.password),
            roles: reader.read("roles", "Roles", "a list of strings", self.roles),
        };
        (form, reader.errors)
    }
}

impl From<SignupForm> for SignupRequest {
    fn from(form: SignupForm) -> Self {
        SignupRequest {
            name: form.name.into(),
            username: form.username.into(),
            email: form.email.into(),
            password: form.password.into(),
            roles: form.roles.into(),
        }
    }
}

/// `POST /api/auth/signin`; the `sign-in` server function takes the same fields as arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SigninRequest {
    /// Username or email.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 1, max_length = 254))]
    pub username: Field<String>,
    /// Password.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 1, max_length = 72))]
    pub password: Field<String>,
    /// "Keep me signed in": the session lives `REMEMBER_TTL_SECS` instead of `REFRESH_TTL_SECS`.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = bool))]
    pub remember: Field<bool>,
}

impl SigninRequest {
    /// The login, the password and whether to keep the session long.
    ///
    /// # Errors
    /// Every field of the wrong type.
    pub fn read(self) -> Result<(String, String, bool), FieldErrors> {
        let mut reader = Reader::default();
        let login = reader.text("username", "Username", self.username);
        let password = reader.text("password", "Password", self.password);
        let remember = reader.read("remember", "Remember", "true or false", self.remember);
        reader.finish((login, password, remember))
    }
}

/// `POST /api/auth/refresh`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// The refresh token sign-in (or the last refresh) handed out.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$"))]
    pub refresh_token: Field<String>,
}

/// `POST /api/auth/2fa/enable`, `/disable` and `/recovery-codes`: a change of the second factor
/// asks for the password and a code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordCodeRequest {
    /// The account's password (or `passkey` instead).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password: Field<String>,
    /// A passkey asked again, instead of the password.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<PasskeyProof>))]
    pub passkey: Field<PasskeyProof>,
    /// The six digits the authenticator shows now (to turn it off or for new recovery codes, a
    /// recovery code works too).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true))]
    pub code: Field<String>,
}

impl PasswordCodeRequest {
    /// The password and the code, every problem at once.
    ///
    /// # Errors
    /// Each field of the wrong type.
    pub fn read(self) -> Result<Confirmation, FieldErrors> {
        let mut reader = Reader::default();
        let proof = reader.proof("password", "Password", self.password, self.passkey);
        let code = reader.text("code", "Code", self.code);
        reader.finish(Confirmation { proof, code })
    }
}

/// What a change of the second factor is confirmed with, read from a [`PasswordCodeRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmation {
    /// The account's password, or a passkey.
    pub proof: Proof,
    /// A code from the authenticator (or a recovery code, where one is accepted).
    pub code: String,
}

/// `POST /api/auth/2fa/verify`: the second step of a sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MfaVerifyRequest {
    /// The challenge the password step answered with.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true))]
    pub challenge: Field<String>,
    /// A current code or a recovery code.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true))]
    pub code: Field<String>,
}

/// Reads one text field, as every request type does.
///
/// # Errors
/// The field, when it is of the wrong type.
pub fn read_text(name: &str, label: &str, field: Field<String>) -> Result<String, FieldErrors> {
    let mut reader = Reader::default();
    let text = reader.text(name, label, field);
    reader.finish(text)
}

/// `POST /api/auth/password` and the `change-password` server function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordChangeRequest {
    /// The password now (or `passkey` instead: how an account created with a passkey sets one).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub current_password: Field<String>,
    /// A passkey asked again, instead of the current password.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<PasskeyProof>))]
    pub passkey: Field<PasskeyProof>,
    /// The password to set.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true))]
    pub new_password: Field<String>,
}

impl PasswordChangeRequest {
    /// The change.
    ///
    /// # Errors
    /// Every field of the wrong type.
    pub fn read(self) -> Result<(Proof, String), FieldErrors> {
        let mut reader = Reader::default();
        let proof = reader.proof("currentPassword", "Current password", self.current_password, self.passkey);
        let new_password = reader.text("newPassword", "New password", self.new_password);
        reader.finish((proof, new_password))
    }
}

impl From<PasswordChange> for PasswordChangeRequest {
    fn from(change: PasswordChange) -> Self {
        PasswordChangeRequest {
            current_password: change.current_password.into(),
            passkey: change.passkey.map_or(Field::Missing, Field::Value),
            new_password: change.new_password.into(),
        }
    }
}

/// `POST /api/auth/password/reset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordResetRequest {
    /// The token from the mailed link.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$"))]
    pub token: Field<String>,
    /// The password to set.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 8, max_length = 72))]
    pub new_password: Field<String>,
    /// Also remove every passkey of the account (a lost device, or one someone else added).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<bool>))]
    pub remove_passkeys: Field<bool>,
}

impl PasswordResetRequest {
    /// The token, the new password, and whether to remove the passkeys too.
    ///
    /// # Errors
    /// Every field of the wrong type.
    pub fn read(self) -> Result<(String, String, bool), FieldErrors> {
        let mut reader = Reader::default();
        let token = reader.text("token", "Token", self.token);
        let password = reader.text("newPassword", "New password", self.new_password);
        let remove = reader.read("removePasskeys", "Remove passkeys", "true or false", self.remove_passkeys);
        reader.finish((token, password, remove))
    }
}

/// `POST /api/auth/email/change`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EmailChangeRequest {
    /// The account's password, which proves it is really its owner (or `passkey` instead).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password: Field<String>,
    /// A passkey asked again, instead of the password.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<PasskeyProof>))]
    pub passkey: Field<PasskeyProof>,
    /// The address to move to.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, format = Email, max_length = 254))]
    pub new_email: Field<String>,
}

impl EmailChangeRequest {
    /// The password and the new address.
    ///
    /// # Errors
    /// Every field of the wrong type.
    pub fn read(self) -> Result<(Proof, String), FieldErrors> {
        let mut reader = Reader::default();
        let proof = reader.proof("password", "Password", self.password, self.passkey);
        let email = reader.text("newEmail", "New email", self.new_email);
        reader.finish((proof, email))
    }
}

/// `PATCH /api/auth/me`: the profile fields an owner may edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileRequest {
    /// Display name.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 1, max_length = 100))]
    pub name: Field<String>,
}

/// `DELETE /api/auth/me`: the password that proves it is really the owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordRequest {
    /// The account's password (or `passkey` instead).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password: Field<String>,
    /// A passkey asked again, instead of the password.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<PasskeyProof>))]
    pub passkey: Field<PasskeyProof>,
}

impl PasswordRequest {
    /// The password, or the passkey sent instead.
    ///
    /// # Errors
    /// Either field of the wrong type.
    pub fn read(self) -> Result<Proof, FieldErrors> {
        let mut reader = Reader::default();
        let proof = reader.proof("password", "Password", self.password, self.passkey);
        reader.finish(proof)
    }
}

/// `POST /api/auth/password/forgot`, `POST /api/auth/email/resend`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EmailRequest {
    /// An email address.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, format = Email, max_length = 254))]
    pub email: Field<String>,
}

/// `POST /api/auth/email/verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenRequest {
    /// The token from the mailed link.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$"))]
    pub token: Field<String>,
}

/// `POST /api/admin/users/{id}/roles`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleRequest {
    /// `"pm"` or `"admin"`, in any case.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true))]
    pub role: Field<String>,
}

impl RoleRequest {
    /// The role.
    ///
    /// # Errors
    /// A missing, mistyped or unknown role.
    pub fn read(self) -> Result<Role, FieldErrors> {
        let mut reader = Reader::default();
        let name = reader.required("role", "Role", "a string", self.role);
        let role = Role::parse(&name);
        if role.is_none() && reader.errors.is_empty() {
            reader.errors.insert("role".into(), "Unknown role: choose pm or admin.".into());
        }
        reader.finish(role.unwrap_or_default())
    }
}

/// Reads a board named by a server-function call.
///
/// # Errors
/// A missing or unknown board.
pub fn read_board(field: Field<Board>) -> Result<Board, FieldErrors> {
    let mut reader = Reader::default();
    let board = reader.required("board", "Board", "one of User, Management, Admin", field);
    reader.finish(board)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_are_remembered_not_fatal() {
        let request: SignupRequest = serde_json::from_value(
            json!({ "name": 12, "username": "adam", "roles": "admin", "email": null }),
        )
        .unwrap();
        assert_eq!(request.name, Field::WrongType);
        assert_eq!(request.username, Field::Value("adam".into()));
        assert_eq!(request.email, Field::Missing);
        assert_eq!(request.password, Field::Missing);
        let (form, errors) = request.read();
        assert_eq!(form.username, "adam");
        assert_eq!(errors["name"], "Name must be a string.");
        assert_eq!(errors["roles"], "Roles must be a list of strings.");
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn a_form_round_trips_through_the_wire_type() {
        let form = SignupForm {
            name: "Adam".into(),
            username: "adam".into(),
            email: "adam@example.com".into(),
            password: "correct horse".into(),
            roles: vec!["pm".into()],
        };
        let wire = serde_json::to_value(SignupRequest::from(form.clone())).unwrap();
        assert_eq!(wire["roles"], json!(["pm"]));
        let (back, errors) = serde_json::from_value::<SignupRequest>(wire).unwrap().read();
        assert_eq!((back, errors.len()), (form, 0));
    }

    #[test]
    fn roles_and_boards_are_named_when_wrong() {
        let unknown: RoleRequest = serde_json::from_value(json!({ "role": "root" })).unwrap();
        assert!(unknown.read().unwrap_err()["role"].contains("Unknown role"));
        let missing: RoleRequest = serde_json::from_value(json!({})).unwrap();
        assert_eq!(missing.read().unwrap_err()["role"], "Role is required.");
        let ok: RoleRequest = serde_json::from_value(json!({ "role": "PM" })).unwrap();
        assert_eq!(ok.read().unwrap(), Role::Pm);
        let board: Field<Board> = serde_json::from_value(json!("Root")).unwrap();
        assert!(read_board(board).is_err());
    }
}

/// `POST /api/auth/passkeys/register/start`: a name for the new passkey, and a factor the account
/// already has first: one of its passkeys; or, without one, the password (and a code, with
/// two-factor sign-in on).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyRegisterRequest {
    /// What to call it (1 to 64 characters; default: the device, from the user agent).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>, max_length = 64))]
    pub name: Field<String>,
    /// The account's password (for an account without a passkey).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password: Field<String>,
    /// An existing passkey asked again (required once the account has one).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<PasskeyProof>))]
    pub passkey: Field<PasskeyProof>,
    /// With the password, when two-factor sign-in is on: a current code or a recovery code.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub code: Field<String>,
}

/// `DELETE /api/auth/passkeys/{id}`: a factor the account has, as for adding one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FactorProofRequest {
    /// The account's password (for an account without a passkey).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub password: Field<String>,
    /// One of the account's passkeys asked again (required once the account has one).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<PasskeyProof>))]
    pub passkey: Field<PasskeyProof>,
    /// With the password, when two-factor sign-in is on: a current code or a recovery code.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub code: Field<String>,
}

impl FactorProofRequest {
    /// The password or the passkey, and the code (empty when none was sent).
    ///
    /// # Errors
    /// Any field of the wrong type.
    pub fn read(self) -> Result<(Proof, String), FieldErrors> {
        let mut reader = Reader::default();
        let proof = reader.proof("password", "Password", self.password, self.passkey);
        let code = reader.text("code", "Code", self.code);
        reader.finish((proof, code))
    }
}

/// The browser's answer to a ceremony: `.../register/finish`, `.../signin/finish`,
/// `.../signup/finish`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyFinishRequest {
    /// The ceremony's id, from the start.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Uuid, required = true))]
    pub ceremony: Field<uuid::Uuid>,
    /// `PublicKeyCredential.toJSON()` of the browser's answer.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object, required = true))]
    pub credential: Field<crate::model::RawJson>,
    /// "Keep me signed in" (sign-in and sign-up).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<bool>))]
    pub remember: Field<bool>,
}

impl PasskeyFinishRequest {
    /// The ceremony, the answer and "keep me signed in".
    ///
    /// # Errors
    /// Every field missing or of the wrong type.
    pub fn read(self) -> Result<(uuid::Uuid, crate::model::RawJson, bool), FieldErrors> {
        let mut reader = Reader::default();
        let ceremony = reader.required("ceremony", "Ceremony", "a ceremony id", self.ceremony);
        let credential = reader.required("credential", "Credential", "an object", self.credential);
        let remember = reader.read("remember", "Keep me signed in", "true or false", self.remember);
        reader.finish((ceremony, credential, remember))
    }
}

/// `POST /api/auth/passkeys/signup/start`: the account to create with a passkey instead of a
/// password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeySignupRequest {
    /// Display name, 1 to 100 characters.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true))]
    pub name: Field<String>,
    /// Login name: 3 to 32 of `A-Z a-z 0-9 _ . -`.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true))]
    pub username: Field<String>,
    /// Email address.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true))]
    pub email: Field<String>,
}

/// `PATCH /api/auth/passkeys/{id}`: a new name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyRenameRequest {
    /// 1 to 64 characters.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = true, max_length = 64))]
    pub name: Field<String>,
}
