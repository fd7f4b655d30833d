//! Patients: who they are (names, birth date, sex, identifiers, guardian,
//! contact) and the checks a registration must pass.
//!
//! [`PatientDetails`] is what a person types when registering or editing;
//! [`PatientDetails::validate`] returns every problem at once, each a typed
//! [`PatientFieldError`] with a translated message.

use crate::consent::Consents;
use crate::i18n::{Lang, UserMessage, format_date};
use crate::ids::PatientId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Administrative sex, as HL7 PID-8 codes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize, Hash)]
pub enum Sex {
    /// F
    Female,
    /// M
    Male,
    /// X: non-binary / other.
    Other,
    /// U
    #[default]
    Unknown,
}

impl Sex {
    /// The HL7 code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Other => "X",
            Sex::Unknown => "U",
        }
    }

    /// From an HL7 code (F, M, X, U), case-insensitive.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Sex> {
        match code.trim().to_ascii_uppercase().as_str() {
            "F" => Some(Sex::Female),
            "M" => Some(Sex::Male),
            "X" | "O" => Some(Sex::Other),
            "U" | "" => Some(Sex::Unknown),
            _ => None,
        }
    }
}

/// What a person types to register or edit a patient.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PatientDetails {
    /// Given name.
    pub first_name: String,
    /// Middle name(s).
    pub middle_name: String,
    /// First (paternal) surname.
    pub last_name: String,
    /// Second (maternal) surname, as many Spanish-speaking families use.
    pub second_last_name: String,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Sex.
    pub sex: Sex,
    /// State birth certificate number.
    pub birth_certificate_number: String,
    /// This organization's own medical record number (chart number) for the
    /// patient. Private to the organization, like the phone and address.
    pub medical_record_number: String,
    /// Mother's maiden name (PID-6), a strong matching field.
    pub mother_maiden_name: String,
    /// Guardian's name.
    pub guardian_name: String,
    /// Guardian's relationship to the patient (mother, father, ...).
    pub guardian_relationship: String,
    /// Phone number.
    pub phone: String,
    /// Street address.
    pub address_line: String,
    /// City.
    pub city: String,
    /// State (two letters).
    pub state: String,
    /// ZIP code.
    pub postal_code: String,
    /// Language the family prefers for letters and certificates.
    pub preferred_language: Option<Lang>,
}

/// One problem with what was typed for a patient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum PatientFieldError {
    /// A required field is empty.
    #[error("required field {0} is empty")]
    Required(&'static str),
    /// The birth date is after today.
    #[error("birth date {birth} is in the future (today is {today})")]
    BirthDateInFuture {
        /// The date typed.
        birth: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// The birth date is implausibly old.
    #[error("birth date {0} is more than 130 years ago")]
    BirthDateTooOld(NaiveDate),
    /// A field is longer than a record can hold.
    #[error("field {field} is longer than {max} characters")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// The limit.
        max: usize,
    },
}

impl UserMessage for PatientFieldError {
    fn message_key(&self) -> &'static str {
        match self {
            PatientFieldError::Required(_) => "error.patient.required",
            PatientFieldError::BirthDateInFuture { .. } => "error.patient.birth_in_future",
            PatientFieldError::BirthDateTooOld(_) => "error.patient.birth_too_old",
            PatientFieldError::TooLong { .. } => "error.patient.too_long",
        }
    }
    fn message_args(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            PatientFieldError::Required(field) => {
                vec![(
                    "field",
                    crate::i18n::tr(lang, &format!("field.{field}")).to_owned(),
                )]
            }
            PatientFieldError::BirthDateInFuture { birth, today } => {
                vec![
                    ("birth", format_date(lang, *birth)),
                    ("today", format_date(lang, *today)),
                ]
            }
            PatientFieldError::BirthDateTooOld(birth) => vec![("birth", format_date(lang, *birth))],
            PatientFieldError::TooLong { field, max } => {
                vec![
                    (
                        "field",
                        crate::i18n::tr(lang, &format!("field.{field}")).to_owned(),
                    ),
                    ("max", max.to_string()),
                ]
            }
        }
    }
}

const MAX_FIELD_LEN: usize = 200;

impl PatientDetails {
    /// Trims every text field.
    #[must_use]
    pub fn trimmed(mut self) -> Self {
        for f in [
            &mut self.first_name,
            &mut self.middle_name,
            &mut self.last_name,
            &mut self.second_last_name,
            &mut self.birth_certificate_number,
            &mut self.medical_record_number,
            &mut self.mother_maiden_name,
            &mut self.guardian_name,
            &mut self.guardian_relationship,
            &mut self.phone,
            &mut self.address_line,
            &mut self.city,
            &mut self.state,
            &mut self.postal_code,
        ] {
            *f = f.trim().to_owned();
        }
        self
    }

    /// Every problem with the details, as of `today`. Empty means valid.
    #[must_use]
    pub fn validate(&self, today: NaiveDate) -> Vec<PatientFieldError> {
        let mut errors = Vec::new();
        if self.first_name.trim().is_empty() {
            errors.push(PatientFieldError::Required("first_name"));
        }
        if self.last_name.trim().is_empty() {
            errors.push(PatientFieldError::Required("last_name"));
        }
        match self.birth_date {
            None => errors.push(PatientFieldError::Required("birth_date")),
            Some(birth) if birth > today => {
                errors.push(PatientFieldError::BirthDateInFuture { birth, today });
            }
            Some(birth) if today.years_since(birth).is_some_and(|y| y > 130) => {
                errors.push(PatientFieldError::BirthDateTooOld(birth));
            }
            Some(_) => {}
        }
        for (field, value) in [
            ("first_name", &self.first_name),
            ("middle_name", &self.middle_name),
            ("last_name", &self.last_name),
            ("second_last_name", &self.second_last_name),
            ("birth_certificate_number", &self.birth_certificate_number),
            ("medical_record_number", &self.medical_record_number),
            ("mother_maiden_name", &self.mother_maiden_name),
            ("guardian_name", &self.guardian_name),
            ("address_line", &self.address_line),
        ] {
            if value.chars().count() > MAX_FIELD_LEN {
                errors.push(PatientFieldError::TooLong {
                    field,
                    max: MAX_FIELD_LEN,
                });
            }
        }
        errors
    }

    /// "García López, José Luis": surnames first, as a clinic list shows them.
    #[must_use]
    pub fn display_name(&self) -> String {
        display_name(
            &self.first_name,
            &self.middle_name,
            &self.last_name,
            &self.second_last_name,
        )
    }
}

/// "Last SecondLast, First Middle".
#[must_use]
pub fn display_name(first: &str, middle: &str, last: &str, second_last: &str) -> String {
    let surnames = [last, second_last]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let given = [first, middle]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if given.is_empty() {
        surnames
    } else {
        format!("{surnames}, {given}")
    }
}

/// A stored patient.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Patient {
    /// Id.
    pub id: PatientId,
    /// Demographics.
    pub details: PatientDetails,
    /// Registry participation and mailing choices.
    pub consents: Consents,
}

/// One line of a search result or duplicate warning.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PatientSummary {
    /// Id.
    pub id: PatientId,
    /// "Last SecondLast, First Middle".
    pub display_name: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
    /// Guardian, to tell siblings and namesakes apart.
    pub guardian_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn missing_and_future_fields_are_all_reported() {
        let today = day(2026, 1, 1);
        let mut p = PatientDetails::default();
        assert_eq!(
            p.validate(today),
            vec![
                PatientFieldError::Required("first_name"),
                PatientFieldError::Required("last_name"),
                PatientFieldError::Required("birth_date")
            ]
        );
        p.first_name = "José".into();
        p.last_name = "García".into();
        p.birth_date = Some(day(2026, 2, 1));
        assert!(matches!(
            p.validate(today)[..],
            [PatientFieldError::BirthDateInFuture { .. }]
        ));
        p.birth_date = Some(day(2019, 3, 7));
        assert!(p.validate(today).is_empty());
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let e = PatientFieldError::Required("first_name");
        assert_eq!(
            e.localized(Lang::En),
            "First name is required. Type it and save again."
        );
        assert!(e.localized(Lang::Es).contains("Nombre"));
        let e = PatientFieldError::BirthDateInFuture {
            birth: day(2030, 1, 2),
            today: day(2026, 1, 1),
        };
        assert!(e.localized(Lang::Es).contains("02/01/2030"));
        assert!(e.localized(Lang::En).contains("01/02/2030"));
    }

    #[test]
    fn display_name_puts_both_surnames_first() {
        assert_eq!(
            display_name("José", "Luis", "García", "López"),
            "García López, José Luis"
        );
        assert_eq!(
            display_name("Ana", "", "Smith-Jones", ""),
            "Smith-Jones, Ana"
        );
    }
}
