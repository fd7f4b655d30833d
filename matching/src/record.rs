//! The patient fields the registry compares.
//!
//! A [`MatchRecord`] is a flat copy of what a clinic or the registry knows about a patient,
//! as typed: names with their accents, phones with their punctuation. Empty strings and `None`
//! mean "not known"; nothing here is validated, the matcher copes with any text.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A medical record number and the organization that issued it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct MedicalRecordNumber {
    /// The issuing organization's id.
    pub org: String,
    /// The record number within that organization.
    pub mrn: String,
}

impl MedicalRecordNumber {
    /// A record number of an organization.
    #[must_use]
    pub fn new(org: impl Into<String>, mrn: impl Into<String>) -> MedicalRecordNumber {
        MedicalRecordNumber {
            org: org.into(),
            mrn: mrn.into(),
        }
    }
}

/// What the registry compares about a patient.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MatchRecord {
    /// The registry's own patient id, if the record already has one.
    pub registry_id: Option<String>,
    /// Birth-certificate number.
    pub birth_certificate: String,
    /// Medical record numbers, one per organization that knows the patient.
    pub medical_records: Vec<MedicalRecordNumber>,
    /// First (given) name; may hold two words ("María José").
    pub first_name: String,
    /// Middle name.
    pub middle_name: String,
    /// Last name (first surname); may be hyphenated ("García-López").
    pub last_name: String,
    /// Second last name (the second surname of Spanish naming).
    pub second_last_name: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Sex: "F", "M", or "U"/empty for unknown.
    pub sex: String,
    /// Mother's maiden name (her surnames at birth).
    pub mother_maiden_name: String,
    /// Mother's first name.
    pub mother_first_name: String,
    /// Birth order in a multiple birth (1 for the first twin); `None` if single or unknown.
    pub multiple_birth_order: Option<u8>,
    /// Street address line.
    pub address: String,
    /// Postal code.
    pub postal_code: String,
    /// Phone number, any punctuation.
    pub phone: String,
}
