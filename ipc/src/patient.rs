//! Patients: search results, the registration / edit form, and the record.

use crate::dose::EventRow;
use serde::{Deserialize, Serialize};

/// Search from the home screen: part of a name, or a birth date.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SearchRequest {
    /// What was typed.
    pub query: String,
    /// At most this many results.
    pub limit: u32,
}

/// One line of a search result (also a likely-duplicate candidate).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PatientRow {
    /// The patient's id.
    pub id: String,
    /// "Last Second-last, First Middle".
    pub display_name: String,
    /// ISO birth date.
    pub birth_date: String,
    /// Sex code (F, M, X, U).
    pub sex: String,
    /// Parent or guardian, if known.
    pub guardian_name: String,
}

/// The registration and edit form. Dates are ISO text; empty text means "not given".
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PatientForm {
    /// First name.
    pub first_name: String,
    /// Middle name.
    pub middle_name: String,
    /// Last name (first surname).
    pub last_name: String,
    /// Second last name (second surname).
    pub second_last_name: String,
    /// ISO birth date.
    pub birth_date: String,
    /// Sex code (F, M, X, U).
    pub sex: String,
    /// Birth certificate number.
    pub birth_certificate_number: String,
    /// This clinic's medical record number.
    pub medical_record_number: String,
    /// Mother's maiden name.
    pub mother_maiden_name: String,
    /// Parent or guardian.
    pub guardian_name: String,
    /// Relationship of the guardian to the patient.
    pub guardian_relationship: String,
    /// Phone.
    pub phone: String,
    /// Street address.
    pub address_line: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// ZIP code.
    pub postal_code: String,
    /// The family's preferred language code (`en`, `es`) or empty.
    pub preferred_language: String,
}

/// Register a patient; the second attempt acknowledges the likely duplicates.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// The new patient's id (UUID text), chosen when the form opened, so saving
    /// the same form twice registers one patient; empty lets the shell choose.
    #[serde(default)]
    pub id: String,
    /// The form.
    pub patient: PatientForm,
    /// "Register anyway": the clerk saw the candidates and they are someone else.
    pub acknowledge_duplicates: bool,
}

/// The outcome of a registration that did not fail.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegisterOutcome {
    /// Saved.
    Registered {
        /// The new patient's id.
        id: String,
    },
    /// Not saved: these existing patients look like the same person.
    LikelyDuplicates {
        /// The candidates, best match first.
        candidates: Vec<PatientRow>,
    },
}

/// Save edits to a patient's demographics.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct UpdateRequest {
    /// The patient's id.
    pub id: String,
    /// The form.
    pub patient: PatientForm,
    /// Save even if the edited details look like another patient's.
    #[serde(default)]
    pub acknowledge_duplicates: bool,
}

/// Ask for a patient's record.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RecordRequest {
    /// The patient's id.
    pub id: String,
}

/// A patient's record: demographics, consent choices, events by vaccine group.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PatientRecord {
    /// The patient's id.
    pub id: String,
    /// "Last Second-last, First Middle".
    pub display_name: String,
    /// The demographics, as the edit form holds them.
    pub details: PatientForm,
    /// Consent choices.
    pub consents: ConsentView,
    /// Events grouped by vaccine group, groups in display order.
    pub groups: Vec<VaccineGroupRows>,
}

/// One vaccine group's events, oldest first.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct VaccineGroupRows {
    /// The group's name (e.g. "MMR", "DTAP").
    pub group: String,
    /// The events.
    pub events: Vec<EventRow>,
}

/// The two consent choices, as the record shows them.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct ConsentView {
    /// Whether the patient declined registry participation.
    pub registry_opted_out: bool,
    /// ISO date of that choice.
    pub registry_date: Option<String>,
    /// Who asked to decline.
    #[serde(default)]
    pub registry_requested_by: String,
    /// The reason they gave.
    #[serde(default)]
    pub registry_reason: String,
    /// Whether the signed decline form is on file.
    #[serde(default)]
    pub registry_form_on_file: bool,
    /// Whether the family declined health-promotion mailings.
    pub mailings_declined: bool,
    /// ISO date of that choice.
    pub mailings_date: Option<String>,
}

/// Record one consent choice.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ConsentRequest {
    /// The patient's id.
    pub patient_id: String,
    /// Decline (true) or accept again (false) registry participation.
    pub registry_opted_out: bool,
    /// Decline (true) or accept again (false) mailings.
    pub mailings_declined: bool,
    /// For a new decline: who asked (the patient, or a parent or guardian by name).
    #[serde(default)]
    pub requested_by: String,
    /// For a new decline: the reason given.
    #[serde(default)]
    pub reason: String,
    /// For a new decline: whether the signed form is on file.
    #[serde(default)]
    pub form_on_file: bool,
}
