//! Sync with the registry: the status bar's state, a running sync's progress,
//! each record's state on the patient record, and enrollment.
//!
//! The shell syncs in the background and pushes [`SyncStatusView`] and
//! [`SyncProgressView`] to the UI as Tauri events ([`crate::event`]). Because
//! they arrive unasked and the language can be switched at any moment, their
//! messages travel in both languages ([`Bilingual`]); the UI shows the one in use.
//! Times travel as RFC 3339 text (UTC).

use serde::{Deserialize, Serialize};

/// A message in English and Spanish.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Bilingual {
    /// In English.
    pub en: String,
    /// In Spanish.
    pub es: String,
}

impl Bilingual {
    /// The text for a language.
    #[must_use]
    pub fn get(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::En => &self.en,
            crate::Lang::Es => &self.es,
        }
    }
}

/// Where this computer stands with the registry (the status bar).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncStatusView {
    /// Whether this computer is linked to a registry (if not, the app works offline only).
    pub enrolled: bool,
    /// The registry's address, once linked.
    pub registry_url: String,
    /// When a sync last reached the registry (RFC 3339).
    pub last_success: Option<String>,
    /// Changes waiting to be sent or answered.
    pub waiting: u64,
    /// Changes the registry refused (kept; the records say why).
    pub rejected: u64,
    /// Why the last sync did not complete.
    pub last_error: Option<Bilingual>,
    /// A sync is running now.
    pub syncing: bool,
}

/// Progress of the running sync.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum SyncProgressView {
    /// Sending this computer's changes.
    Pushing {
        /// Sent so far.
        sent: u64,
        /// To send in all.
        total: u64,
    },
    /// Receiving the registry's records (a first sync may bring many).
    Pulling {
        /// Received so far.
        received: u64,
        /// Still waiting at the registry (at most).
        remaining: u64,
    },
}

/// Where one record stands with the registry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RecordSyncView {
    /// Changes wait to be sent, or for the registry's answer.
    Pending,
    /// The registry confirmed it.
    Confirmed {
        /// When (RFC 3339).
        at: String,
    },
    /// The registry refused a change to it; the change is kept here.
    Rejected {
        /// The registry's code (`conflict`, `clock_ahead`…).
        code: String,
        /// Why, and what to do.
        message: Bilingual,
    },
}

/// One event's sync state.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EventSyncRow {
    /// The event's id.
    pub event_id: String,
    /// Its state.
    pub state: RecordSyncView,
}

/// The sync state of a patient's record and of each of its events.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecordSyncStates {
    /// The patient's demographics.
    pub patient: RecordSyncView,
    /// Each event.
    pub events: Vec<EventSyncRow>,
}

/// Link this computer to a registry (administrators).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EnrollRequest {
    /// The registry's address (`https://…`).
    pub registry_url: String,
    /// The one-time enrollment code from the registry (`SALAL1-…`).
    pub code: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_states_have_a_stable_wire_form() {
        assert_eq!(
            serde_json::to_string(&RecordSyncView::Pending).unwrap(),
            r#"{"state":"pending"}"#
        );
        let progress = SyncProgressView::Pulling {
            received: 1000,
            remaining: 4000,
        };
        assert_eq!(
            serde_json::to_string(&progress).unwrap(),
            r#"{"phase":"pulling","received":1000,"remaining":4000}"#
        );
        // An older shell's status (fewer fields) still reads.
        let status: SyncStatusView = serde_json::from_str(r#"{"enrolled":false}"#).unwrap();
        assert_eq!(status, SyncStatusView::default());
        let message = Bilingual {
            en: "Refused".to_owned(),
            es: "Rechazado".to_owned(),
        };
        assert_eq!(message.get(crate::Lang::Es), "Rechazado");
    }
}
