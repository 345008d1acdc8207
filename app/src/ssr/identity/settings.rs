//! Who may choose roles at sign-up: the account service's one setting.

/// Who may ask for the `pm` and `admin` roles when creating an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignupPolicy {
    /// Only an admin (by token) may create privileged accounts; a self-signup gets `user`.
    #[default]
    AdminsOnly,
    /// The tutorial's demo behaviour: anyone picks any roles (`AUTH_OPEN_ROLE_SIGNUP=true`).
    Open,
}
