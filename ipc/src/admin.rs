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

/// Deactivate (signed out at once, sign-in refused) or reactivate an account.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SetActiveRequest {
    /// The account's id.
    pub user_id: String,
    /// Whether it may sign in.
    pub active: bool,
}

/// A temporary password the user must replace at their next sign-in.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    /// The account's id.
    pub user_id: String,
    /// The temporary password (the password rules apply).
    pub temporary_password: String,
}

/// Which audit events to list; empty fields do not filter.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct AuditRequest {
    /// Done by this user name.
    pub username: String,
    /// About this patient (id).
    pub patient_id: String,
    /// From this day, ISO `YYYY-MM-DD`.
    pub from: String,
    /// Through this day, ISO.
    pub to: String,
    /// This action code.
    pub action: String,
}

/// One audit event, as the screen shows it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AuditRow {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub username: String,
    /// The action's code (`view`, `search`...).
    pub action: String,
    /// The action in the user's language.
    pub action_label: String,
    /// The kind of record.
    pub entity: String,
    /// Which record.
    pub entity_id: String,
    /// The patient's name when the record is a patient here.
    pub patient_name: String,
    /// More about it, for people ("asked: garcia · 3 listed").
    pub detail: String,
}

/// What the audit screen shows: the events, and whether more matched.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct AuditPage {
    /// Newest first.
    pub rows: Vec<AuditRow>,
    /// Whether more events matched than are shown (the CSV has them all).
    pub more: bool,
    /// The actions to filter by: (code, label).
    pub actions: Vec<crate::CodeItem>,
}
