//! The password policy the server adds to the shared length rules: no password from the list of the
//! 10,000 most common ones (`app/data/common-passwords.txt`, compiled in, loaded once).
//!
//! The list stays on the server: shipping it to the browser would add ~80 KB to the client.

use std::collections::HashSet;
use std::sync::LazyLock;

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../../../data/common-passwords.txt").lines().collect());

/// Builds the list now rather than on the first sign-up (called at start-up).
pub fn load() -> usize {
    COMMON.len()
}

/// Why `password` is refused by the server-only rules, if it is.
pub fn common_password_error(password: &str) -> Option<String> {
    COMMON.contains(password.to_lowercase().as_str()).then(|| {
        "This password is one of the 10,000 most common passwords, which attackers try first. Choose another.".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_ten_thousand_passwords() {
        assert_eq!(load(), 10_000);
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for password in ["password", "PASSWORD1", "12345678", "qwertyuiop", "iloveyou"] {
            assert!(common_password_error(password).is_some(), "{password}");
        }
        assert!(common_password_error("correct-horse-42").is_none());
        assert!(common_password_error("Tr0ub4dor&3-staple").is_none());
    }
}
