//! Bringing a family's record to this clinic: when search finds nothing here,
//! ask the registry ([`Clinic::lookup_registry`]), which may know the child
//! from another clinic, and bring the chosen patient in with every dose from
//! every provider ([`Clinic::fetch_from_registry`]).
//!
//! The registry answers only a summary per candidate (name, birth date, sex,
//! the organization that last saw the child). A fetch gives this clinic's
//! organization a relationship with the patient at the registry, so later
//! changes arrive with the ordinary pull; its records are applied like a pulled
//! page, in one transaction, without outbox changes (nothing echoes back).
//! Both are audited here and at the registry. With no network the error says
//! so ([`SyncError::LookupUnreachable`]).

use super::SyncError;
use crate::{Clinic, Session};
use chrono::NaiveDate;
use salal_core::ids::PatientId;
use salal_core::patient::Sex;
use salal_core::user::Permission;
use salal_sync::client::ClientError;
use salal_sync::wire::{Entity, FetchRequest, LookupRequest};

/// A patient the registry knows that may be the one searched for.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryCandidate {
    /// The registry's id, which becomes the id here once fetched.
    pub id: PatientId,
    /// "Last SecondLast, First Middle".
    pub display_name: String,
    /// Date of birth, if the registry has it.
    pub birth_date: Option<NaiveDate>,
    /// Sex.
    pub sex: Sex,
    /// The organization that last recorded something for the patient.
    pub last_seen_by: String,
    /// How well it matches (higher is better); candidates come best first.
    pub score: f64,
}

/// No answer from the registry becomes the lookup's own offline error.
fn offline(error: ClientError) -> SyncError {
    match error {
        ClientError::Unreachable { url, reason } => SyncError::LookupUnreachable { url, reason },
        other => SyncError::from(other),
    }
}

impl Clinic {
    /// Asks the registry for patients matching a name (given names and
    /// surnames in either order) and a birth date. Audited.
    pub fn lookup_registry(
        &self,
        session: &Session,
        name: &str,
        birth_date: Option<NaiveDate>,
    ) -> Result<Vec<RegistryCandidate>, SyncError> {
        self.authorize(session, Permission::ViewPatients)?;
        let link = self.link()?;
        let answer = link
            .client
            .lookup(&LookupRequest {
                name: name.trim().to_owned(),
                birth_date,
                identifier: None,
            })
            .map_err(offline)?;
        let candidates: Vec<RegistryCandidate> = answer
            .candidates
            .into_iter()
            .map(|c| RegistryCandidate {
                id: PatientId(c.id),
                display_name: c.display_name,
                birth_date: c.birth_date,
                sex: Sex::from_code(&c.sex).unwrap_or_default(),
                last_seen_by: c.last_seen_by,
                score: c.score,
            })
            .collect();
        self.lock().write(&session.actor(), self.now(), |w| {
            w.audit(
                "registry_lookup",
                "registry",
                "",
                &candidates.len().to_string(),
            )
        })?;
        Ok(candidates)
    }

    /// Brings a patient the registry knows (a [`RegistryCandidate`]'s id)
    /// into this replica with every dose of it, in one transaction, and
    /// answers its id here (the surviving record's, if the registry merged the
    /// one asked for). From now on the ordinary sync brings its changes.
    pub fn fetch_from_registry(
        &self,
        session: &Session,
        id: PatientId,
    ) -> Result<PatientId, SyncError> {
        self.authorize(session, Permission::EditPatients)?;
        let link = self.link()?;
        let answer = link
            .client
            .fetch(&FetchRequest { patient_id: id.0 })
            .map_err(offline)?;
        let Some(patient) = answer
            .records
            .iter()
            .find(|r| r.entity == Entity::Patient)
            .map(|r| PatientId(r.id))
        else {
            return Err(SyncError::BadAnswer(
                "the registry sent no patient record".to_owned(),
            ));
        };
        if answer
            .records
            .iter()
            .any(|r| !matches!(r.entity, Entity::Patient | Entity::Dose))
        {
            return Err(SyncError::BadAnswer(
                "the registry sent records that are not the patient's".to_owned(),
            ));
        }
        let actor = session.actor();
        self.lock().write(&actor, self.now(), |w| {
            w.begin_pulled_page()?;
            for record in &answer.records {
                w.apply_pulled(record)?;
            }
            w.apply_buffered()?;
            w.audit(
                "registry_fetch",
                "patient",
                &patient.to_string(),
                &answer.records.len().to_string(),
            )
        })?;
        Ok(patient)
    }
}
