//! The forecast the record screen shows: per vaccine group, where the patient
//! stands today and the next dose's dates, and why a past dose does not count.
//! Texts travel as translation keys (`forecast.*`), so the UI shows them in the
//! language chosen at that moment.

use serde::{Deserialize, Serialize};

/// Ask for a patient's forecast as of today.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ForecastRequest {
    /// The patient's id.
    pub id: String,
}

/// A patient's forecast.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ForecastView {
    /// ISO date the forecast is computed for (today).
    pub as_of: String,
    /// Vaccine groups, what needs attention first.
    pub groups: Vec<GroupForecastRow>,
}

/// Where one vaccine group stands.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct GroupForecastRow {
    /// The CDC vaccine group name (e.g. "DTaP/Tdap/Td", "MMR").
    pub group: String,
    /// Translation key of today's state: `forecast.due.due_now`, `.overdue`, `.due_on`, …
    pub due_key: String,
    /// ISO date for `forecast.due.due_on`.
    pub due_date: Option<String>,
    /// How urgent, for styling: `overdue`, `due`, `later`, `done`, `other`.
    pub tone: String,
    /// Next dose number, when a dose is due.
    pub dose_number: Option<u32>,
    /// ISO earliest date the next dose counts.
    pub earliest: Option<String>,
    /// ISO recommended date.
    pub recommended: Option<String>,
    /// ISO past-due date.
    pub past_due: Option<String>,
    /// Translation key of why no dose is due, if none is.
    pub reason_key: Option<String>,
    /// Past doses of the group that do not count, with why.
    pub not_counted: Vec<DoseVerdictRow>,
}

/// A past dose that does not count, and why.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DoseVerdictRow {
    /// The event's id.
    pub event_id: String,
    /// ISO date given.
    pub date: String,
    /// Vaccine CVX.
    pub cvx: String,
    /// Translation key of the status (`forecast.evaluation.not_valid`, …).
    pub status_key: String,
    /// Translation keys of the reasons.
    pub reason_keys: Vec<String>,
}
