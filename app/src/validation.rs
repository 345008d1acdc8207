//! Input rules shared by the browser and the server, so both say the same thing about the same input.
//!
//! Every function here is pure and cheap: the client runs them on each keystroke, the server runs them
//! again on every request (a client can always skip its own checks).

use std::collections::BTreeMap;

use crate::roles::Role;

/// Messages keyed by field name (`"username"`, `"email"`, ...); one message per field.
pub type FieldErrors = BTreeMap<String, String>;

/// Username length bounds, in characters.
pub const USERNAME_LEN: std::ops::RangeInclusive<usize> = 3..=32;
/// Display-name length bounds, in characters.
pub const NAME_LEN: std::ops::RangeInclusive<usize> = 1..=100;
/// Shortest accepted password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// bcrypt only reads the first 72 bytes; a longer password is refused rather than silently cut.
pub const PASSWORD_MAX_BYTES: usize = 72;
/// RFC 5321 limit on a forward path.
pub const EMAIL_MAX_LEN: usize = 254;
/// Longest sign-in name: a username or an email address, so the email's limit.
pub const LOGIN_MAX_CHARS: usize = EMAIL_MAX_LEN;

/// What a person fills in to create an account, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignupForm {
    /// Display name.
    pub name: String,
    /// Login name.
    pub username: String,
    /// Email address (also accepted at sign-in).
    pub email: String,
    /// Plain password; only ever hashed, never stored or logged.
    pub password: String,
    /// Requested role names in any case; empty means `["user"]`.
    pub roles: Vec<String>,
}

/// A sign-up that passed every rule: trimmed, roles parsed and de-duplicated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSignup {
    /// Trimmed display name.
    pub name: String,
    /// Username as typed (case kept; uniqueness ignores case).
    pub username: String,
    /// Trimmed email.
    pub email: String,
    /// The password exactly as typed.
    pub password: String,
    /// At least one role, sorted, no duplicates.
    pub roles: Vec<Role>,
}

/// Checks a sign-up form, reporting every invalid field at once.
///
/// # Errors
/// A map from each invalid field to a sentence a person understands.
pub fn validate_signup(form: &SignupForm) -> Result<ValidSignup, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut check = |field: &str, outcome: Option<String>| {
        if let Some(message) = outcome {
            errors.insert(field.to_owned(), message);
        }
    };
    check("name", name_error(&form.name));
    check("username", username_error(&form.username));
    check("email", email_error(&form.email));
    check(
        "password",
        password_error(&form.password)
            .or_else(|| password_matches_identity(&form.password, &form.username, &form.email)),
    );
    let roles = parse_roles(&form.roles);
    check("roles", roles.as_ref().err().cloned());
    match roles {
        Ok(roles) if errors.is_empty() => Ok(ValidSignup {
            name: form.name.trim().to_owned(),
            username: form.username.trim().to_owned(),
            email: form.email.trim().to_owned(),
            password: form.password.clone(),
            roles,
        }),
        _ => Err(errors),
    }
}

/// Checks a sign-in form: both fields present and no longer than any account's could be; whether
/// they match an account is the server's business.
///
/// # Errors
/// A map from each empty or over-long field to its message.
pub fn validate_signin(username: &str, password: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Some(message) = login_error(username) {
        errors.insert("username".into(), message);
    }
    if let Some(message) = signin_password_error(password) {
        errors.insert("password".into(), message);
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// The problem with a sign-in name, if any.
pub fn login_error(login: &str) -> Option<String> {
    let login = login.trim();
    if login.is_empty() {
        Some("Enter your username or email.".into())
    } else if login.chars().count() > LOGIN_MAX_CHARS {
        Some(format!("A username or email is at most {LOGIN_MAX_CHARS} characters."))
    } else {
        None
    }
}

/// The problem with a password typed to sign in, if any: none longer than bcrypt's limit is stored.
pub fn signin_password_error(password: &str) -> Option<String> {
    if password.is_empty() {
        Some("Enter your password.".into())
    } else if password.len() > PASSWORD_MAX_BYTES {
        Some(format!("A password is at most {PASSWORD_MAX_BYTES} bytes."))
    } else {
        None
    }
}

/// The problem with a display name, if any.
pub fn name_error(name: &str) -> Option<String> {
    let name = name.trim();
    let len = name.chars().count();
    if len == 0 {
        Some("Name is required.".into())
    } else if len > *NAME_LEN.end() {
        Some(format!("Name must be at most {} characters.", NAME_LEN.end()))
    } else if name.chars().any(char::is_control) {
        Some("Name cannot contain control characters.".into())
    } else {
        None
    }
}

/// The problem with a username, if any.
pub fn username_error(username: &str) -> Option<String> {
    let username = username.trim();
    let len = username.chars().count();
    if len == 0 {
        Some("Username is required.".into())
    } else if !USERNAME_LEN.contains(&len) {
        Some(format!("Username must be {} to {} characters long.", USERNAME_LEN.start(), USERNAME_LEN.end()))
    } else if !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        Some("Username may only use letters, digits, '_', '.' and '-'.".into())
    } else {
        None
    }
}

/// The problem with an email address, if any. Deliberately loose: one `@`, a non-empty local part,
/// a dotted domain, no spaces. Only a mail round-trip proves an address; this catches typos.
pub fn email_error(email: &str) -> Option<String> {
    let email = email.trim();
    if email.is_empty() {
        return Some("Email is required.".into());
    }
    if email.len() > EMAIL_MAX_LEN {
        return Some(format!("Email must be at most {EMAIL_MAX_LEN} characters."));
    }
    let looks_valid = email.split_once('@').is_some_and(|(local, domain)| {
        let labels_ok = domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        !local.is_empty()
            && domain.contains('.')
            && labels_ok
            && !domain.contains('@')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
    });
    if looks_valid { None } else { Some("Enter an email address like name@example.com.".into()) }
}

/// The problem with a password's length, if any (the server adds its common-password policy).
pub fn password_error(password: &str) -> Option<String> {
    if password.is_empty() {
        Some("Password is required.".into())
    } else if password.chars().count() < PASSWORD_MIN_CHARS {
        Some(format!("Password must be at least {PASSWORD_MIN_CHARS} characters."))
    } else if password.len() > PASSWORD_MAX_BYTES {
        Some(format!(
            "Password must be at most {PASSWORD_MAX_BYTES} bytes (fewer if it uses accented letters or emoji)."
        ))
    } else {
        None
    }
}

/// The problem with a repeated password, if it differs from the one it confirms.
pub fn confirmation_error(repeated: &str, wanted: &str) -> Option<String> {
    (repeated != wanted).then(|| "The two new passwords differ.".to_owned())
}

/// Refuses a password equal to the account's own username or email (ignoring case and spaces
/// around them): the first thing anyone guesses.
pub fn password_matches_identity(password: &str, username: &str, email: &str) -> Option<String> {
    let password = password.trim();
    let same = |other: &str| !other.trim().is_empty() && password.eq_ignore_ascii_case(other.trim());
    if same(username) {
        Some("Password must not be your username.".into())
    } else if same(email) {
        Some("Password must not be your email address.".into())
    } else {
        None
    }
}

/// `text` without control characters (NUL above all, which PostgreSQL text cannot hold): for
/// free text that is looked up or logged rather than validated, like a sign-in name or a search.
pub fn without_control(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// Parses requested role names; an empty request means the default `user` role.
///
/// # Errors
/// A message naming every unknown role.
pub fn parse_roles(names: &[String]) -> Result<Vec<Role>, String> {
    let mut unknown = Vec::new();
    let mut roles: Vec<Role> = names
        .iter()
        .filter_map(|name| {
            Role::parse(name).or_else(|| {
                unknown.push(format!("\"{name}\""));
                None
            })
        })
        .collect();
    if !unknown.is_empty() {
        return Err(format!("Unknown role {}: choose from user, pm, admin.", unknown.join(", ")));
    }
    if roles.is_empty() {
        roles.push(Role::User);
    }
    roles.sort();
    roles.dedup();
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SignupForm {
        SignupForm {
            name: "Adam".into(),
            username: "adam".into(),
            email: "adam@example.com".into(),
            password: "correct horse".into(),
            roles: vec![],
        }
    }

    #[test]
    fn a_good_form_passes_with_the_default_role() {
        let valid = validate_signup(&form()).unwrap();
        assert_eq!(valid.roles, vec![Role::User]);
        assert_eq!(valid.username, "adam");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = SignupForm {
            name: " ".into(),
            username: "a b".into(),
            email: "nope".into(),
            password: "short".into(),
            roles: vec!["boss".into()],
        };
        let errors = validate_signup(&bad).unwrap_err();
        let fields: Vec<_> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["email", "name", "password", "roles", "username"]);
        assert!(errors["roles"].contains("\"boss\""));
    }

    #[test]
    fn username_bounds_and_charset() {
        assert!(username_error("ab").is_some());
        assert!(username_error("abc").is_none());
        assert!(username_error(&"a".repeat(32)).is_none());
        assert!(username_error(&"a".repeat(33)).is_some());
        assert!(username_error("a.b-c_d9").is_none());
        assert!(username_error("adam@x").is_some());
        assert!(username_error("ädam").is_some());
    }

    #[test]
    fn emails_that_do_and_do_not_look_like_one() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert_eq!(email_error(ok), None, "{ok}");
        }
        for bad in ["", "plain", "@example.com", "a@b", "a@@b.com", "a b@c.com", "a@b..com", "a@.com"] {
            assert!(email_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn password_counts_characters_below_and_bytes_above() {
        assert!(password_error("1234567").is_some());
        assert!(password_error("12345678").is_none());
        assert!(password_error(&"x".repeat(72)).is_none());
        assert!(password_error(&"x".repeat(73)).is_some());
        // 25 three-byte characters: 25 characters but 75 bytes, so refused, never truncated.
        assert!(password_error(&"€".repeat(25)).is_some());
    }

    #[test]
    fn password_cannot_be_the_username_or_email() {
        let mut form = form();
        form.username = "longusername".into();
        form.password = "LongUserName".into();
        assert_eq!(validate_signup(&form).unwrap_err()["password"], "Password must not be your username.");
        form.password = "ADAM@example.com".into();
        assert_eq!(
            validate_signup(&form).unwrap_err()["password"],
            "Password must not be your email address."
        );
    }

    #[test]
    fn names_are_bounded_in_characters() {
        assert!(name_error(&"é".repeat(100)).is_none());
        assert!(name_error(&"é".repeat(101)).is_some());
        assert!(name_error("a\u{0}b").is_some());
    }

    #[test]
    fn control_characters_are_dropped_from_free_text() {
        assert_eq!(without_control("ad\u{0}am\n"), "adam");
        assert_eq!(without_control("émile ☃"), "émile ☃");
    }

    #[test]
    fn roles_parse_any_case_and_deduplicate() {
        let roles = parse_roles(&["ADMIN".into(), "user".into(), "Admin".into()]).unwrap();
        assert_eq!(roles, vec![Role::User, Role::Admin]);
        assert!(parse_roles(&["root".into()]).is_err());
    }

    #[test]
    fn signin_needs_both_fields_within_bounds() {
        assert!(validate_signin("adam", "x").is_ok());
        assert_eq!(validate_signin(" ", "").unwrap_err().len(), 2);
        assert!(validate_signin(&"a".repeat(254), &"p".repeat(72)).is_ok());
        let long = validate_signin(&"a".repeat(255), &"p".repeat(73)).unwrap_err();
        assert!(long["username"].contains("254") && long["password"].contains("72"), "{long:?}");
    }
}
