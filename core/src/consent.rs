//! A patient's two consent choices (domain.md): registry participation and
//! health-promotion mailings, each with the date it was recorded.
//!
//! Opting out of the registry means no new data about the patient is accepted
//! by the registry (the clinic keeps its own chart); HL7 carries the choices in
//! PD1-11/12/13/16.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Whether the patient takes part in the state registry.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RegistryParticipation {
    /// Participating (the default for a new patient).
    #[default]
    Participating,
    /// Declined participation.
    OptedOut {
        /// When the choice was made.
        date: NaiveDate,
        /// The reason given, if any.
        reason: String,
        /// Whether the signed decline form is on file.
        form_on_file: bool,
        /// Who asked (the patient, a parent or guardian, by name).
        #[serde(default)]
        requested_by: String,
    },
}

/// Whether the family accepts health-promotion mailings (Child Profile).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Mailings {
    /// Accepts mailings (the default).
    #[default]
    Accepted,
    /// Declined mailings.
    Declined {
        /// When the choice was made.
        date: NaiveDate,
    },
}

/// Both choices together.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Consents {
    /// Registry participation.
    pub registry: RegistryParticipation,
    /// Mailings.
    pub mailings: Mailings,
}

impl Consents {
    /// Whether the patient opted out of the registry.
    #[must_use]
    pub fn opted_out(&self) -> bool {
        matches!(self.registry, RegistryParticipation::OptedOut { .. })
    }
}
