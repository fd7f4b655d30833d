//! Finding, registering and editing patients, and their consent choices.

use crate::duplicates::likely_same_person;
use crate::error::{ClinicError, RegisterPatientError};
use crate::{Clinic, Session};
use salal_core::consent::Consents;
use salal_core::ids::PatientId;
use salal_core::patient::{PatientDetails, PatientSummary};
use salal_core::search::SearchQuery;
use salal_core::user::Permission;

impl Clinic {
    /// Finds patients by name parts and/or a birth date, as typed; recent ones first.
    pub fn search_patients(
        &self,
        session: &Session,
        query: &str,
        limit: usize,
    ) -> Result<Vec<PatientSummary>, ClinicError> {
        self.authorize(session, Permission::ViewPatients)?;
        let parsed = SearchQuery::parse(query, session.language(), self.today());
        let found = self
            .lock()
            .search_patients(&parsed, Some(session.user_id()), limit)?;
        self.audit_shown(session, "search", query, &found)?;
        Ok(found)
    }

    /// Audits a list of patients shown to the user: what was asked, and who
    /// was listed (found again by the audit screen's patient filter).
    fn audit_shown(
        &self,
        session: &Session,
        action: &str,
        asked: &str,
        shown: &[PatientSummary],
    ) -> Result<(), ClinicError> {
        if shown.is_empty() {
            return Ok(());
        }
        let detail = serde_json::json!({
            "asked": asked,
            "shown": shown.iter().map(|p| p.id.to_string()).collect::<Vec<_>>(),
        });
        self.audit_read(session, action, "patient", "", &detail.to_string())
    }

    /// Existing patients that are probably the same person as `details`.
    pub fn find_likely_duplicates(
        &self,
        session: &Session,
        details: &PatientDetails,
        except: Option<PatientId>,
    ) -> Result<Vec<PatientSummary>, ClinicError> {
        self.authorize(session, Permission::ViewPatients)?;
        let store = self.lock();
        let mut candidates = Vec::new();
        if let Some(birth) = details.birth_date {
            candidates.extend(store.patients_born_on(birth)?);
        }
        if !details.birth_certificate_number.trim().is_empty() {
            candidates
                .extend(store.patients_with_birth_certificate(&details.birth_certificate_number)?);
        }
        if !details.medical_record_number.trim().is_empty() {
            candidates
                .extend(store.patients_with_medical_record_number(&details.medical_record_number)?);
        }
        drop(store);
        let mut found: Vec<PatientSummary> = Vec::new();
        for (summary, other) in candidates {
            if Some(summary.id) != except
                && likely_same_person(details, &other)
                && !found.iter().any(|f| f.id == summary.id)
            {
                found.push(summary);
            }
        }
        self.audit_shown(session, "duplicate_check", &details.display_name(), &found)?;
        Ok(found)
    }

    /// Registers a patient under a fresh id. See [`Clinic::register_patient_as`].
    pub fn register_patient(
        &self,
        session: &Session,
        details: &PatientDetails,
        acknowledge_duplicates: bool,
    ) -> Result<PatientId, RegisterPatientError> {
        self.register_patient_as(
            session,
            PatientId::generate(),
            details,
            acknowledge_duplicates,
        )
    }

    /// Registers a patient under `id`, chosen when the form opened: saving the
    /// same id and content again (a double submit, a retry) changes nothing;
    /// the same id with other content is a clear conflict. If likely
    /// duplicates exist and `acknowledge_duplicates` is false, nothing is
    /// saved and they are returned for the user to check.
    pub fn register_patient_as(
        &self,
        session: &Session,
        id: PatientId,
        details: &PatientDetails,
        acknowledge_duplicates: bool,
    ) -> Result<PatientId, RegisterPatientError> {
        self.authorize(session, Permission::EditPatients)?;
        let details = details.clone().trimmed();
        let problems = details.validate(self.today());
        if !problems.is_empty() {
            return Err(RegisterPatientError::Invalid(problems));
        }
        if !acknowledge_duplicates {
            let duplicates = self.find_likely_duplicates(session, &details, Some(id))?;
            if !duplicates.is_empty() {
                return Err(RegisterPatientError::LikelyDuplicates(duplicates));
            }
        }
        self.lock().write(&session.actor(), self.now(), |w| {
            w.insert_patient(id, &details, &Consents::default())
        })?;
        Ok(id)
    }

    /// Changes only the fields given in `edit`; the others stay as they are,
    /// and only the changed fields travel to the registry, so a concurrent
    /// edit of other fields on another computer survives.
    pub fn edit_patient(
        &self,
        session: &Session,
        id: PatientId,
        edit: &PatientEdit,
    ) -> Result<(), RegisterPatientError> {
        self.authorize(session, Permission::EditPatients)?;
        let current = self
            .lock()
            .patient(id)?
            .ok_or(ClinicError::PatientNotFound)?;
        let mut details = current.details;
        edit.apply_to(&mut details);
        self.update_patient(session, id, &details, true)
    }

    /// Replaces a patient's details. Likely duplicates are reported the same way as at registration.
    pub fn update_patient(
        &self,
        session: &Session,
        id: PatientId,
        details: &PatientDetails,
        acknowledge_duplicates: bool,
    ) -> Result<(), RegisterPatientError> {
        self.authorize(session, Permission::EditPatients)?;
        let details = details.clone().trimmed();
        let problems = details.validate(self.today());
        if !problems.is_empty() {
            return Err(RegisterPatientError::Invalid(problems));
        }
        if !acknowledge_duplicates {
            let duplicates = self.find_likely_duplicates(session, &details, Some(id))?;
            if !duplicates.is_empty() {
                return Err(RegisterPatientError::LikelyDuplicates(duplicates));
            }
        }
        let found = self.lock().write(&session.actor(), self.now(), |w| {
            w.update_patient(id, &details)
        })?;
        if found {
            Ok(())
        } else {
            Err(ClinicError::PatientNotFound.into())
        }
    }

    /// Records the patient's registry-participation and mailing choices.
    pub fn set_consents(
        &self,
        session: &Session,
        id: PatientId,
        consents: &Consents,
    ) -> Result<(), ClinicError> {
        self.authorize(session, Permission::EditPatients)?;
        let found = self.lock().write(&session.actor(), self.now(), |w| {
            w.set_consents(id, consents)
        })?;
        if found {
            Ok(())
        } else {
            Err(ClinicError::PatientNotFound)
        }
    }
}

/// The fields of a patient to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientEdit {
    /// Given name.
    pub first_name: Option<String>,
    /// Middle name(s).
    pub middle_name: Option<String>,
    /// First surname.
    pub last_name: Option<String>,
    /// Second surname.
    pub second_last_name: Option<String>,
    /// Birth date.
    pub birth_date: Option<chrono::NaiveDate>,
    /// Sex.
    pub sex: Option<salal_core::patient::Sex>,
}

impl PatientEdit {
    fn apply_to(&self, d: &mut PatientDetails) {
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(v) = value {
                field.clone_from(v);
            }
        };
        set(&mut d.first_name, &self.first_name);
        set(&mut d.middle_name, &self.middle_name);
        set(&mut d.last_name, &self.last_name);
        set(&mut d.second_last_name, &self.second_last_name);
        if let Some(birth) = self.birth_date {
            d.birth_date = Some(birth);
        }
        if let Some(sex) = self.sex {
            d.sex = sex;
        }
    }
}

/// One patient to import with their history (demo data, a birth-record batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPatient {
    /// Demographics.
    pub details: PatientDetails,
    /// Immunization events, any order.
    pub events: Vec<salal_core::event::NewEvent>,
}

/// Importing a batch failed; nothing of the batch was saved.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A patient's details are not valid.
    #[error("row {row}: patient details are not valid: {errors:?}")]
    Patient {
        /// Position in the batch.
        row: usize,
        /// The problems.
        errors: Vec<salal_core::patient::PatientFieldError>,
    },
    /// One of a patient's events is not valid.
    #[error("row {row}: an event is not valid: {errors:?}")]
    Event {
        /// Position in the batch.
        row: usize,
        /// The problems.
        errors: Vec<salal_core::event::EventFieldError>,
    },
    /// Not permitted, or the store failed.
    #[error(transparent)]
    Clinic(#[from] ClinicError),
}

impl Clinic {
    /// Imports a batch of patients and their events in ONE transaction: all are
    /// saved or none. Every row is validated first. No duplicate check (the
    /// source is trusted: demo data, a birth-record batch).
    pub fn import_patients(
        &self,
        session: &Session,
        batch: &[ImportedPatient],
    ) -> Result<Vec<PatientId>, ImportError> {
        use salal_core::event::{Event, NewEvent};
        use salal_core::ids::EventId;
        self.authorize(session, Permission::EditPatients)?;
        self.authorize(session, Permission::RecordEvents)?;
        let today = self.today();
        let mut rows = Vec::with_capacity(batch.len());
        for (row, imported) in batch.iter().enumerate() {
            let details = imported.details.clone().trimmed();
            let errors = details.validate(today);
            if !errors.is_empty() {
                return Err(ImportError::Patient { row, errors });
            }
            let birth = details.birth_date.unwrap_or(today);
            let patient_id = PatientId::generate();
            let mut events = Vec::with_capacity(imported.events.len());
            for new in &imported.events {
                let new = new.clone().normalized();
                let errors = new.validate(birth, today, self.codes);
                if !errors.is_empty() {
                    return Err(ImportError::Event { row, errors });
                }
                let id = new.id.unwrap_or_else(EventId::generate);
                events.push(Event {
                    id,
                    patient_id,
                    details: NewEvent {
                        id: Some(id),
                        ..new
                    },
                    entered_in_error: false,
                    entered_in_error_reason: String::new(),
                    recorded_by: session.username().to_owned(),
                });
            }
            rows.push((patient_id, details, events));
        }
        self.lock().write(&session.actor(), self.now(), |w| {
            for (patient_id, details, events) in &rows {
                w.insert_patient(*patient_id, details, &Consents::default())?;
                for event in events {
                    w.insert_event(event)?;
                }
            }
            Ok::<_, ClinicError>(())
        })?;
        Ok(rows.into_iter().map(|(id, _, _)| id).collect())
    }
}

impl salal_core::i18n::UserMessage for ImportError {
    fn message_key(&self) -> &'static str {
        match self {
            ImportError::Patient { .. } | ImportError::Event { .. } => "error.import.row",
            ImportError::Clinic(e) => e.message_key(),
        }
    }
    fn message_args(&self, lang: salal_core::i18n::Lang) -> Vec<(&'static str, String)> {
        let details = |texts: Vec<String>| texts.join(" ");
        match self {
            ImportError::Patient { row, errors } => vec![
                ("row", (row + 1).to_string()),
                (
                    "details",
                    details(errors.iter().map(|e| e.localized(lang)).collect()),
                ),
            ],
            ImportError::Event { row, errors } => vec![
                ("row", (row + 1).to_string()),
                (
                    "details",
                    details(errors.iter().map(|e| e.localized(lang)).collect()),
                ),
            ],
            ImportError::Clinic(e) => e.message_args(lang),
        }
    }
}
