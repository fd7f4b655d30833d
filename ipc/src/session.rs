//! Signing in and out, password changes, and the interface language.

use crate::Lang;
use serde::{Deserialize, Serialize};

/// Sign-in form.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The outcome of a sign-in that did not fail.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LoginOutcome {
    /// Signed in.
    SignedIn {
        /// Who.
        session: SessionInfo,
    },
    /// The password is right but has expired: a new one must be chosen now.
    PasswordExpired,
}

/// Password change form (also the forced change after expiry).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    /// User name.
    pub username: String,
    /// The current password.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

/// The signed-in user, as the UI shows it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SessionInfo {
    /// User name.
    pub username: String,
    /// Full name.
    pub display_name: String,
    /// Role codes (`admin`, `clerk`, `clinician`…).
    pub roles: Vec<String>,
    /// Whether the user may manage users.
    pub is_admin: bool,
    /// The user's language.
    pub lang: Lang,
    /// After how many seconds without use the session ends (the UI signs
    /// out then, keeping what was typed; the shell refuses the session too).
    #[serde(default)]
    pub idle_seconds: u64,
}

/// Switch the language; remembered for the signed-in user, or for this computer.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SetLanguageRequest {
    /// The new language.
    pub lang: Lang,
}
