//! Data sent to clients. Deliberately separate from database rows: nothing here can hold a password hash.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::roles::{Board, Role};

/// A user as every client may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicUser {
    /// Stable identifier (also the token subject).
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Login name, case as chosen at sign-up.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Roles, least privileged first.
    pub roles: Vec<Role>,
}

impl PublicUser {
    /// Whether this user holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The boards this user's roles open, in navigation order.
    pub fn boards(&self) -> impl Iterator<Item = Board> + '_ {
        Board::ALL
            .into_iter()
            .filter(|board| board.allows(&self.roles))
    }
}

/// What a successful sign-in hands the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// Seconds the token stays valid from now.
    pub expires_in: u64,
    /// Expiry as seconds since the Unix epoch (the token's `exp`).
    pub expires_at: i64,
    /// The signed-in user.
    pub user: PublicUser,
}

/// The content of a protected board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardContent {
    /// The tutorial's description ("User Content Page", "Management Board", "Admin Board").
    pub description: String,
    /// Who is looking, read from the database on this request.
    pub user: PublicUser,
}
