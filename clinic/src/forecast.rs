//! What is due: the CDC CDSi forecast for a patient, per vaccine group, and
//! why each past dose counts or not, in words the record screen shows.
//!
//! The engine (`salal-forecast`) is built once per process from the CDC
//! supporting data embedded at build time. Doses marked "entered in error"
//! and refusals are left out; evidence of immunity and contraindications are
//! passed as CDSi coded observations, matched by their SNOMED / CDC codes.

use crate::error::ClinicError;
use crate::{Clinic, Session};
use chrono::NaiveDate;
use salal_core::event::{Event, EventKind};
use salal_core::ids::{EventId, PatientId};
use salal_core::patient::Sex;
use salal_core::user::Permission;
use salal_forecast::{
    AdministeredDose, Engine, EvaluationReason, EvaluationStatus, Gender, PatientInput,
    PatientObservation, SeriesStatus, SupportingData,
};
use serde::Serialize;
use std::sync::OnceLock;

static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();

pub(crate) fn engine() -> Result<&'static Engine, ClinicError> {
    ENGINE
        .get_or_init(|| {
            SupportingData::embedded()
                .map(|data| Engine::new(&data))
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            ClinicError::Store(salal_store::StoreError::Decode(format!(
                "CDC supporting data: {e}"
            )))
        })
}

/// Where a vaccine group stands today, as the record shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "date", rename_all = "snake_case")]
pub enum DueState {
    /// The next dose may and should be given today.
    DueNow,
    /// The past-due date has passed.
    Overdue,
    /// The next dose is due on this date (recommended date, or earliest if none).
    DueOn(NaiveDate),
    /// The series is complete.
    Complete,
    /// The patient is immune.
    Immune,
    /// Too old for (more) doses.
    AgedOut,
    /// A contraindication applies.
    Contraindicated,
    /// Not recommended now.
    NotRecommended,
}

impl DueState {
    /// The translation key of the state (`forecast.due.*`).
    #[must_use]
    pub fn message_key(self) -> &'static str {
        match self {
            DueState::DueNow => "forecast.due.due_now",
            DueState::Overdue => "forecast.due.overdue",
            DueState::DueOn(_) => "forecast.due.due_on",
            DueState::Complete => "forecast.due.complete",
            DueState::Immune => "forecast.due.immune",
            DueState::AgedOut => "forecast.due.aged_out",
            DueState::Contraindicated => "forecast.due.contraindicated",
            DueState::NotRecommended => "forecast.due.not_recommended",
        }
    }
}

/// The forecast of one vaccine group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupForecast {
    /// CDSi vaccine group name (`DTaP/Tdap/Td`, `MMR`, …).
    pub group: String,
    /// Series status.
    pub status: SeriesStatus,
    /// Today's state.
    pub due: DueState,
    /// Next dose number, when one is due.
    pub dose_number: Option<u32>,
    /// Earliest date the next dose counts.
    pub earliest: Option<NaiveDate>,
    /// Recommended date.
    pub recommended: Option<NaiveDate>,
    /// Past-due date.
    pub past_due: Option<NaiveDate>,
    /// Translation key of why no dose is due, if none is.
    pub reason_key: Option<&'static str>,
    /// The group's doses and how each was evaluated, oldest first.
    pub doses: Vec<DoseVerdict>,
}

/// How one past dose was evaluated for a vaccine group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoseVerdict {
    /// The dose.
    pub event_id: EventId,
    /// Date given.
    pub date: NaiveDate,
    /// CVX.
    pub cvx: String,
    /// Valid, not valid, extraneous, sub-standard.
    pub status: EvaluationStatus,
    /// Why (for a dose that does not count), as typed reasons with translation keys.
    pub reasons: Vec<EvaluationReason>,
}

/// A patient's forecast as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientForecast {
    /// The assessment date.
    pub as_of: NaiveDate,
    /// Vaccine groups with a forecast, due and overdue ones first.
    pub groups: Vec<GroupForecast>,
}

fn gender(sex: Sex) -> Gender {
    match sex {
        Sex::Female => Gender::Female,
        Sex::Male => Gender::Male,
        Sex::Other | Sex::Unknown => Gender::Unknown,
    }
}

fn due_state(
    status: SeriesStatus,
    earliest: Option<NaiveDate>,
    recommended: Option<NaiveDate>,
    past_due: Option<NaiveDate>,
    today: NaiveDate,
) -> DueState {
    match status {
        SeriesStatus::Complete => DueState::Complete,
        SeriesStatus::Immune => DueState::Immune,
        SeriesStatus::AgedOut => DueState::AgedOut,
        SeriesStatus::Contraindicated => DueState::Contraindicated,
        SeriesStatus::NotRecommended => DueState::NotRecommended,
        SeriesStatus::NotComplete => {
            if past_due.is_some_and(|d| d <= today) {
                DueState::Overdue
            } else if recommended.or(earliest).is_none_or(|d| d <= today) {
                DueState::DueNow
            } else {
                DueState::DueOn(recommended.or(earliest).unwrap_or(today))
            }
        }
    }
}

/// Rank for ordering groups: what needs attention first.
fn urgency(due: DueState) -> u8 {
    match due {
        DueState::Overdue => 0,
        DueState::DueNow => 1,
        DueState::DueOn(_) => 2,
        DueState::Contraindicated => 3,
        DueState::NotRecommended | DueState::AgedOut => 4,
        DueState::Complete | DueState::Immune => 5,
    }
}

/// Assesses a patient (pure: used by [`Clinic::patient_forecast`] and tests).
pub fn assess(
    engine: &Engine,
    birth_date: NaiveDate,
    sex: Sex,
    events: &[Event],
    as_of: NaiveDate,
) -> PatientForecast {
    let doses: Vec<(usize, &Event)> = events
        .iter()
        .filter(|e| e.details.kind.is_dose() && !e.entered_in_error && e.details.date.is_some())
        .enumerate()
        .collect();
    // Each observation keeps its event's date: an interval can start from it
    // (CALCDTINT-9). An event is always saved with a date; one without is taken as
    // observed on the assessment date, so an interval from it is never shortened.
    let observations: Vec<PatientObservation> = events
        .iter()
        .filter(|e| {
            !e.entered_in_error
                && matches!(
                    e.details.kind,
                    EventKind::EvidenceOfImmunity | EventKind::Contraindication
                )
        })
        .flat_map(|e| {
            let code = e.details.observation_code.as_str();
            let date = e.details.date.unwrap_or(as_of);
            engine
                .data()
                .schedule
                .observations
                .iter()
                .filter(move |o| o.code == code || o.coded_values.iter().any(|v| v.code == code))
                .map(move |o| PatientObservation::new(o.code.clone(), date))
        })
        .collect();
    let input = PatientInput {
        birth_date,
        gender: gender(sex),
        assessment_date: as_of,
        doses: doses
            .iter()
            .map(|(i, e)| AdministeredDose {
                id: *i,
                date: e.details.date.unwrap_or(as_of),
                cvx: e.details.cvx.clone(),
                mvx: (!e.details.mvx.is_empty()).then(|| e.details.mvx.clone()),
                lot_expiration: e.details.lot_expiration,
                substandard: false,
            })
            .collect(),
        observations,
        birth_country: None,
    };
    let assessment = engine.assess(&input);
    let mut groups: Vec<GroupForecast> = assessment
        .vaccine_groups
        .iter()
        .map(|g| {
            let f = &g.forecast;
            let verdicts = doses
                .iter()
                .filter_map(|(i, e)| {
                    let (status, reasons) = assessment
                        .evaluations
                        .iter()
                        .any(|ev| ev.dose_id == *i && g.antigens.contains(&ev.antigen))
                        .then(|| assessment.dose_status_for_group(g, *i))
                        .flatten()?;
                    Some(DoseVerdict {
                        event_id: e.id,
                        date: e.details.date.unwrap_or(as_of),
                        cvx: e.details.cvx.clone(),
                        status,
                        reasons,
                    })
                })
                .collect();
            GroupForecast {
                group: g.name.to_string(),
                status: f.status,
                due: due_state(f.status, f.earliest, f.recommended, f.past_due, as_of),
                dose_number: f.dose_number,
                earliest: f.earliest,
                recommended: f.recommended,
                past_due: f.past_due,
                reason_key: f.reason.map(|r| r.message_key()),
                doses: verdicts,
            }
        })
        .collect();
    groups.sort_by_key(|g| (urgency(g.due), g.group.to_lowercase()));
    PatientForecast { as_of, groups }
}

impl Clinic {
    /// The CDSi forecast for a patient as of today: per vaccine group, the status,
    /// the next dose's dates, and why each past dose does or does not count.
    pub fn patient_forecast(
        &self,
        session: &Session,
        id: PatientId,
    ) -> Result<PatientForecast, ClinicError> {
        self.authorize(session, Permission::ViewPatients)?;
        let (patient, events) = {
            let store = self.lock();
            let patient = store.patient(id)?.ok_or(ClinicError::PatientNotFound)?;
            let events = store.patient_events(id)?;
            (patient, events)
        };
        let birth = patient
            .details
            .birth_date
            .ok_or(ClinicError::PatientNotFound)?;
        self.audit_read(session, "view_forecast", "patient", &id.to_string(), "")?;
        Ok(assess(
            engine()?,
            birth,
            patient.details.sex,
            &events,
            self.today(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salal_core::event::NewEvent;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn due_state_follows_the_dates() {
        let today = day(2026, 6, 1);
        let s = SeriesStatus::NotComplete;
        assert_eq!(
            due_state(
                s,
                Some(day(2026, 1, 1)),
                Some(day(2026, 2, 1)),
                Some(day(2026, 5, 1)),
                today
            ),
            DueState::Overdue
        );
        assert_eq!(
            due_state(
                s,
                Some(day(2026, 1, 1)),
                Some(day(2026, 2, 1)),
                Some(day(2026, 9, 1)),
                today
            ),
            DueState::DueNow
        );
        assert_eq!(
            due_state(s, Some(day(2026, 7, 1)), Some(day(2026, 8, 1)), None, today),
            DueState::DueOn(day(2026, 8, 1))
        );
        assert_eq!(
            due_state(SeriesStatus::Immune, None, None, None, today),
            DueState::Immune
        );
    }

    fn event(patient: PatientId, details: NewEvent) -> Event {
        Event {
            id: EventId::generate(),
            patient_id: patient,
            details,
            entered_in_error: false,
            entered_in_error_reason: String::new(),
            recorded_by: "test".into(),
        }
    }

    /// An observation reaches the engine with its event's date: the pregnancy risk
    /// series measures its interval from the onset of pregnancy (CALCDTINT-9), so a
    /// Tdap given before the onset is too soon, and one after it is not.
    #[test]
    fn observations_carry_their_dates() {
        let engine = engine().unwrap();
        let patient = PatientId::generate();
        let observation = |code: &str, date: NaiveDate| {
            event(
                patient,
                NewEvent {
                    kind: EventKind::Contraindication,
                    date: Some(date),
                    observation_code: code.into(),
                    ..NewEvent::default()
                },
            )
        };
        let tdap = event(
            patient,
            NewEvent {
                kind: EventKind::Administered,
                cvx: "115".into(),
                date: Some(day(2025, 5, 20)),
                ..NewEvent::default()
            },
        );
        let verdict = |onset: NaiveDate| {
            let events = vec![
                observation("007", onset),
                observation("170", onset),
                tdap.clone(),
            ];
            let f = assess(
                engine,
                day(1995, 3, 3),
                Sex::Female,
                &events,
                day(2025, 8, 1),
            );
            let group = f.groups.iter().find(|g| g.group == "DTaP/Tdap/Td").unwrap();
            group.doses.first().map(|d| (d.status, d.reasons.clone()))
        };
        assert_eq!(
            verdict(day(2025, 6, 2)),
            Some((
                EvaluationStatus::NotValid,
                vec![EvaluationReason::IntervalTooSoon]
            ))
        );
        assert_ne!(
            verdict(day(2025, 1, 6)).map(|v| v.1),
            Some(vec![EvaluationReason::IntervalTooSoon])
        );
    }
}
