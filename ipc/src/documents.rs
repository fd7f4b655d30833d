//! Printed documents and reminder/recall.
//!
//! From the record screen's print panel: a patient's Certificate of
//! Immunization Status, immunization record or a consent (decline) form, in
//! English or Spanish, saved as a PDF in the documents folder and, when asked,
//! sent to the computer's print service. From the reminder/recall screen: the
//! families due or overdue for vaccines, their letters (each in the family's
//! language), mailing labels and a CSV, and the calls made to them.
//!
//! Every file is written whole before its path is answered; a print that fails
//! still answers the saved file, with the reason printing did not happen.

use crate::Lang;
use serde::{Deserialize, Serialize};

/// The common childhood vaccine groups the recall screen offers (CDSi names;
/// their display names are the translations `forecast.group.<name>`).
pub const RECALL_GROUPS: &[&str] = &[
    "HepB",
    "DTaP/Tdap/Td",
    "Hib",
    "Pneumococcal",
    "Polio",
    "MMR",
    "Varicella",
    "HepA",
    "Rotavirus",
    "Influenza",
    "HPV",
    "Meningococcal",
    "COVID-19",
];

/// Which document to print about a patient.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The Certificate of Immunization Status.
    Cis,
    /// The immunization record (every dose, what is due).
    Record,
    /// The form declining registry participation.
    RegistryDecline,
    /// The form declining health-promotion mailings.
    MailingsDecline,
}

impl DocumentKind {
    /// Every kind, in the order the print panel lists them.
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::Cis,
        DocumentKind::Record,
        DocumentKind::RegistryDecline,
        DocumentKind::MailingsDecline,
    ];

    /// The wire code (also the end of its translation keys).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Cis => "cis",
            DocumentKind::Record => "record",
            DocumentKind::RegistryDecline => "registry_decline",
            DocumentKind::MailingsDecline => "mailings_decline",
        }
    }
}

/// Save the PDF only, or save it and send it to the printer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentAction {
    /// Save the PDF in the documents folder.
    Save,
    /// Save the PDF, then send it to the OS print service.
    Print,
}

/// Print one document about a patient.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PrintRequest {
    /// The patient's id.
    pub patient_id: String,
    /// Which document.
    pub kind: DocumentKind,
    /// The language the document is written in.
    pub lang: Lang,
    /// Save only, or save and print.
    pub action: DocumentAction,
}

/// A file written whole into the documents folder.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SavedFile {
    /// The file's full path.
    pub path: String,
    /// The folder it is in.
    pub folder: String,
    /// Its name.
    pub file_name: String,
    /// What the print service did with it, when printing was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print: Option<PrintOutcome>,
}

/// What happened when the saved file was sent to the printer.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PrintOutcome {
    /// Whether the print service took it.
    pub sent: bool,
    /// What to tell the user, in their language: the print job, or why printing
    /// is not available, where the PDF is, and what to do.
    pub message: String,
}

/// Which families to remind.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecallRequest {
    /// ISO date "due" and "overdue" are computed for.
    pub as_of: String,
    /// Youngest age in whole months, if any.
    #[serde(default)]
    pub age_min_months: Option<u32>,
    /// Oldest age in whole months, if any.
    #[serde(default)]
    pub age_max_months: Option<u32>,
    /// CDSi vaccine group names (see [`RECALL_GROUPS`]); empty: any group.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Only groups that are overdue, not merely due.
    #[serde(default)]
    pub overdue_only: bool,
    /// Only families whose language is this.
    #[serde(default)]
    pub language: Option<Lang>,
    /// Leave out families contacted this many days before `as_of` or later.
    #[serde(default)]
    pub skip_contacted_within_days: Option<u32>,
}

/// The families found, remembered by the shell under `list_id` for the
/// letters, labels and CSV made from it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecallList {
    /// Names this list in [`RecallExportRequest`].
    pub list_id: String,
    /// ISO date of the query.
    pub as_of: String,
    /// One row per family, oldest child first.
    pub rows: Vec<RecallRow>,
}

/// One family on the recall list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecallRow {
    /// The patient's id.
    pub patient_id: String,
    /// "Last Second-last, First Middle".
    pub display_name: String,
    /// ISO birth date.
    pub birth_date: String,
    /// Age in whole months on the query's date.
    pub age_months: u32,
    /// The family's language.
    pub language: Lang,
    /// What is due, most urgent first.
    pub due: Vec<RecallDueView>,
    /// Contacts made so far.
    pub contacts: ContactsView,
    /// What to do next.
    pub suggested: ContactKind,
}

/// One vaccine group a family is reminded of.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecallDueView {
    /// The CDSi vaccine group name.
    pub group: String,
    /// Overdue (past due), or only due.
    pub overdue: bool,
    /// ISO date it became due.
    #[serde(default)]
    pub due_since: Option<String>,
}

/// A family's contacts so far.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct ContactsView {
    /// Letters sent.
    pub letters: u32,
    /// Calls made.
    pub calls: u32,
    /// The latest contact (ms since the epoch).
    #[serde(default)]
    pub last_at_ms: Option<i64>,
}

/// How a family is (or should be) contacted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// A reminder letter.
    Letter,
    /// A phone call.
    Call,
}

impl ContactKind {
    /// The wire code (also the end of its translation keys).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ContactKind::Letter => "letter",
            ContactKind::Call => "call",
        }
    }
}

/// What to make from a recall list.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecallOutput {
    /// The letters, one page per family in its language (recorded as contacts once saved).
    Letters,
    /// Mailing labels.
    Labels,
    /// The list as CSV.
    Csv,
}

impl RecallOutput {
    /// The wire code (also the end of its translation keys).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            RecallOutput::Letters => "letters",
            RecallOutput::Labels => "labels",
            RecallOutput::Csv => "csv",
        }
    }
}

/// Make the letters, labels or CSV of the list last found.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecallExportRequest {
    /// [`RecallList::list_id`].
    pub list_id: String,
    /// What to make.
    pub output: RecallOutput,
}

/// The file made from a recall list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecallExport {
    /// The saved file.
    pub file: SavedFile,
    /// How many families it covers.
    pub families: u32,
    /// Letters newly recorded as contacts (letters only; a second run the same day records none).
    pub letters_recorded: u32,
    /// Why the letters could not be recorded as contacts, if they could not
    /// (the file is saved all the same), in the user's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts_error: Option<String>,
    /// The list's rows with their contacts brought up to date (letters only; empty otherwise).
    #[serde(default)]
    pub rows: Vec<RecallRow>,
}

/// How far the letters are (sent as [`crate::event::RECALL_PROGRESS`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecallProgressView {
    /// Letters laid out so far.
    pub done: u32,
    /// Letters in all.
    pub total: u32,
}

/// Record a phone call to a family.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecordCallRequest {
    /// The contact's id (UUID text), chosen when the call form opened, so
    /// saving it twice records one call.
    pub id: String,
    /// Whose family.
    pub patient_id: String,
    /// The vaccine groups the call was about.
    #[serde(default)]
    pub groups: Vec<String>,
    /// What came of it (may be empty).
    #[serde(default)]
    pub outcome: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_answers_have_a_stable_wire_form() {
        let req = PrintRequest {
            patient_id: "p".to_owned(),
            kind: DocumentKind::RegistryDecline,
            lang: Lang::Es,
            action: DocumentAction::Print,
        };
        assert_eq!(
            serde_json::to_string(&req).unwrap(),
            r#"{"patient_id":"p","kind":"registry_decline","lang":"es","action":"print"}"#
        );
        let saved = SavedFile {
            path: "/d/x.pdf".to_owned(),
            folder: "/d".to_owned(),
            file_name: "x.pdf".to_owned(),
            print: None,
        };
        assert_eq!(
            serde_json::to_string(&saved).unwrap(),
            r#"{"path":"/d/x.pdf","folder":"/d","file_name":"x.pdf"}"#
        );
        let recall: RecallRequest = serde_json::from_str(r#"{"as_of":"2026-12-01"}"#).unwrap();
        assert!(recall.groups.is_empty() && !recall.overdue_only);
        assert_eq!(
            serde_json::to_string(&RecallOutput::Letters).unwrap(),
            r#""letters""#
        );
        for kind in DocumentKind::ALL {
            let wire = serde_json::to_string(&kind).unwrap();
            assert_eq!(wire, format!("\"{}\"", kind.code()));
        }
    }
}
