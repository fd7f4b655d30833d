//! Users and roles, for clinic administrators.

use serde::{Deserialize, Serialize};

/// One user account.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct UserRow {
    /// The account's id.
    pub id: String,
    /// User name.
    pub username: String,
    /// Full name.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Whether the account may sign in.
    pub active: bool,
}

/// A new user account.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct NewUserRequest {
    /// User name.
    pub username: String,
    /// Full name.
    pub display_name: String,
    /// A first password (the user changes it at first sign-in when the clinic requires it).
    pub password: String,
    /// Role codes.
    pub roles: Vec<String>,
}

/// Replace a user's roles.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SetRolesRequest {
    /// The account's id.
    pub user_id: String,
    /// The new role codes.
    pub roles: Vec<String>,
}
