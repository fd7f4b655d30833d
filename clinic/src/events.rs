//! Immunization events (doses, refusals, contraindications, immunity) and the
//! patient record that shows them grouped by vaccine group.

use crate::error::{ClinicError, RecordEventError};
use crate::{Clinic, Session};
use salal_core::event::{Event, EventKind, NewEvent};
use salal_core::ids::{EventId, PatientId};
use salal_core::patient::Patient;
use salal_core::user::Permission;
use serde::Serialize;

/// An event as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    /// The stored event.
    pub event: Event,
    /// The vaccine's short name, if any.
    pub vaccine_name: String,
}

/// The events of one vaccine group, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaccineGroupHistory {
    /// CDC's vaccine group name (`DTAP`, `MMR`, …); translation key `vaccine_group.<name>`.
    pub group: String,
    /// Its events; a combination vaccine appears in each of its groups.
    pub events: Vec<EventView>,
}

/// A patient's chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientRecord {
    /// Demographics and consent choices.
    pub patient: Patient,
    /// Doses and refusals by vaccine group, groups in alphabetical order.
    pub groups: Vec<VaccineGroupHistory>,
    /// Contraindications and evidence of immunity, and events of vaccines without a group.
    pub other: Vec<EventView>,
}

impl Clinic {
    /// Records an administered or historical dose, refusal, contraindication or
    /// evidence of immunity. Saving the same `id` again changes nothing (safe to retry).
    pub fn record_event(
        &self,
        session: &Session,
        patient_id: PatientId,
        new: &NewEvent,
    ) -> Result<EventId, RecordEventError> {
        self.authorize(session, Permission::RecordEvents)?;
        let event = self.validated_event(session, patient_id, new.clone().normalized())?;
        self.lock()
            .write(&session.actor(), self.now(), |w| w.insert_event(&event))?;
        Ok(event.id)
    }

    /// The event to store for `new` (normalized), once it is valid for the patient.
    pub(crate) fn validated_event(
        &self,
        session: &Session,
        patient_id: PatientId,
        new: NewEvent,
    ) -> Result<Event, RecordEventError> {
        let patient = self
            .lock()
            .patient(patient_id)?
            .ok_or(ClinicError::PatientNotFound)?;
        let Some(birth) = patient.details.birth_date else {
            return Err(ClinicError::PatientNotFound.into());
        };
        let problems = new.validate(birth, self.today(), self.codes);
        if !problems.is_empty() {
            return Err(RecordEventError::Invalid(problems));
        }
        let id = new.id.unwrap_or_else(EventId::generate);
        Ok(Event {
            id,
            // The record the patient lives in now (a merged id leads to its survivor).
            patient_id: patient.id,
            details: NewEvent {
                id: Some(id),
                ..new
            },
            entered_in_error: false,
            entered_in_error_reason: String::new(),
            recorded_by: session.username().to_owned(),
        })
    }

    /// Marks an event "entered in error": it stays on the record, struck through, and never counts.
    pub fn mark_entered_in_error(
        &self,
        session: &Session,
        id: EventId,
        reason: &str,
    ) -> Result<(), ClinicError> {
        self.authorize(session, Permission::RecordEvents)?;
        if reason.trim().is_empty() {
            return Err(ClinicError::ReasonRequired);
        }
        let found = self.lock().write(&session.actor(), self.now(), |w| {
            w.mark_event_entered_in_error(id, reason.trim())
        })?;
        if found {
            Ok(())
        } else {
            Err(ClinicError::EventNotFound)
        }
    }

    /// Undoes "entered in error" on an event (the only way to; it travels as an explicit restore).
    pub fn restore_event(&self, session: &Session, id: EventId) -> Result<(), ClinicError> {
        self.authorize(session, Permission::RecordEvents)?;
        let found = self
            .lock()
            .write(&session.actor(), self.now(), |w| w.restore_event(id))?;
        if found {
            Ok(())
        } else {
            Err(ClinicError::EventNotFound)
        }
    }

    /// A patient's chart, events grouped by vaccine group. Opening it is audited
    /// and puts the patient first among the user's recent patients.
    pub fn patient_record(
        &self,
        session: &Session,
        id: PatientId,
    ) -> Result<PatientRecord, ClinicError> {
        self.authorize(session, Permission::ViewPatients)?;
        let mut store = self.lock();
        let patient = store.patient(id)?.ok_or(ClinicError::PatientNotFound)?;
        let events = store.patient_events(id)?;
        // Reading stays possible on a full disk; the view is then not audited.
        match store.write(&session.actor(), self.now(), |w| w.record_patient_view(id)) {
            Ok(()) => {}
            Err(salal_store::StoreError::DiskFull) => {
                tracing::warn!(patient = %id, "disk full: view not audited")
            }
            Err(e) => return Err(e.into()),
        }
        drop(store);

        let mut groups: Vec<VaccineGroupHistory> = Vec::new();
        let mut other = Vec::new();
        for event in events {
            let vaccine = self.codes.vaccine(&event.details.cvx);
            let view = EventView {
                vaccine_name: vaccine
                    .map(|v| v.short_description.clone())
                    .unwrap_or_default(),
                event,
            };
            let vaccine_groups = vaccine
                .map(|v| v.vaccine_groups.as_slice())
                .unwrap_or_default();
            let grouped = matches!(
                view.event.details.kind,
                EventKind::Administered | EventKind::Historical | EventKind::Refusal
            );
            if !grouped || vaccine_groups.is_empty() {
                other.push(view);
                continue;
            }
            for group in vaccine_groups {
                match groups.iter_mut().find(|g| &g.group == group) {
                    Some(g) => g.events.push(view.clone()),
                    None => groups.push(VaccineGroupHistory {
                        group: group.clone(),
                        events: vec![view.clone()],
                    }),
                }
            }
        }
        groups.sort_by_key(|g| g.group.to_lowercase());
        Ok(PatientRecord {
            patient,
            groups,
            other,
        })
    }
}
