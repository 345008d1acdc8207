//! The one definition of a role, shared by the database, the API, the guards and the UI.

use serde::{Deserialize, Serialize};

/// A role a user holds. Stored as the PostgreSQL enum `user_role`; sent as `"user"`, `"pm"`, `"admin"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "user_role", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every account: sees the User board. The role an account gets when none is asked for.
    #[default]
    User,
    /// Project manager: also sees the Management board.
    Pm,
    /// Administrator: sees every board.
    Admin,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 3] = [Role::User, Role::Pm, Role::Admin];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Pm => "pm",
            Role::Admin => "admin",
        }
    }

    /// The name people read in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::User => "User",
            Role::Pm => "PM",
            Role::Admin => "Admin",
        }
    }

    /// Parses a role name in any case (`"ADMIN"`, `"Pm"`), as the tutorial's clients send them.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether choosing this role at sign-up needs more than a self-signup.
    pub fn is_privileged(self) -> bool {
        self != Role::User
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protected area of the app and the role that opens it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Board {
    /// Every signed-in user (the first board, where a signed-in visitor lands).
    #[default]
    User,
    /// PM or Admin.
    Management,
    /// Admin only.
    Admin,
}

impl Board {
    /// Every board, in navigation order.
    pub const ALL: [Board; 3] = [Board::User, Board::Management, Board::Admin];

    /// Whether a user holding `roles` may open this board.
    pub fn allows(self, roles: &[Role]) -> bool {
        let has = |wanted: Role| roles.contains(&wanted);
        match self {
            Board::User => !roles.is_empty(),
            Board::Management => has(Role::Pm) || has(Role::Admin),
            Board::Admin => has(Role::Admin),
        }
    }

    /// The tutorial's description, kept for its REST clients.
    pub fn description(self) -> &'static str {
        match self {
            Board::User => "User Content Page",
            Board::Management => "Management Board",
            Board::Admin => "Admin Board",
        }
    }

    /// The tutorial's refusal message for a role that is not enough.
    pub fn refusal(self) -> &'static str {
        match self {
            Board::User => "Require User Role!",
            Board::Management => "Require PM or Admin Roles!",
            Board::Admin => "Require Admin Role!",
        }
    }

    /// The UI path of this board.
    pub fn path(self) -> &'static str {
        match self {
            Board::User => "/user",
            Board::Management => "/pm",
            Board::Admin => "/admin",
        }
    }

    /// The navigation label.
    pub fn title(self) -> &'static str {
        match self {
            Board::User => "User board",
            Board::Management => "Management board",
            Board::Admin => "Admin board",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_rejects_unknown() {
        assert_eq!(Role::parse("ADMIN"), Some(Role::Admin));
        assert_eq!(Role::parse("Pm"), Some(Role::Pm));
        assert_eq!(Role::parse(" user "), Some(Role::User));
        assert_eq!(Role::parse("boss"), None);
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn boards_follow_the_tutorial_matrix() {
        let user = [Role::User];
        let pm = [Role::User, Role::Pm];
        let admin = [Role::Admin];
        assert!(Board::User.allows(&user) && Board::User.allows(&pm) && Board::User.allows(&admin));
        assert!(!Board::Management.allows(&user));
        assert!(Board::Management.allows(&pm) && Board::Management.allows(&admin));
        assert!(!Board::Admin.allows(&user) && !Board::Admin.allows(&pm));
        assert!(Board::Admin.allows(&admin));
        assert!(!Board::User.allows(&[]));
    }
}
