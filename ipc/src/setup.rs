//! First run and start-up: is there a clinic on this computer, and who is signed in.

use crate::Lang;
use crate::session::SessionInfo;
use serde::{Deserialize, Serialize};

/// What the shell knows when the window opens; decides the first screen.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AppStatus {
    /// Where the clinic's data lives.
    pub state: ClinicState,
    /// The language to show before anyone signs in (the last one used here).
    pub lang: Lang,
    /// The clinic's name, once it is open.
    #[serde(default)]
    pub clinic_name: Option<String>,
    /// The signed-in user, if any.
    #[serde(default)]
    pub session: Option<SessionInfo>,
    /// Whether this is the bundled demo clinic (shows a notice in the status bar).
    #[serde(default)]
    pub demo: bool,
}

/// The state of the clinic's data on this computer.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClinicState {
    /// No clinic yet: show first-run setup.
    NotSetUp,
    /// The data is open: show sign-in (or the home screen if signed in).
    Ready,
    /// The key is not in the keyring: ask for the recovery key.
    NeedsRecoveryKey,
    /// The data cannot be opened; the message says why and what to do.
    Unavailable {
        /// The reason, in the user's language.
        message: String,
    },
}

/// First-run setup: the clinic and its first administrator.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SetupRequest {
    /// The clinic's name.
    pub clinic_name: String,
    /// The administrator's user name.
    pub admin_username: String,
    /// The administrator's full name.
    pub admin_display_name: String,
    /// The administrator's password.
    pub admin_password: String,
    /// The language chosen on the setup screen.
    pub lang: Lang,
}

/// What setup gives back: the recovery key, shown exactly once.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SetupResult {
    /// The recovery key to print or write down.
    pub recovery_key: String,
}

/// Reopen the data with the recovery key.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecoverRequest {
    /// The recovery key as typed (spaces and dashes are ignored by the shell).
    pub recovery_key: String,
}
