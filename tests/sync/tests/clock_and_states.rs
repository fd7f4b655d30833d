//! A clinic computer whose clock runs 10 minutes fast: the registry refuses
//! its changes with a reason that says to fix the clock, the change is kept
//! and shown on the record as rejected, and nothing else is held up. The
//! record's state goes pending → confirmed (with the registry's time) as it
//! syncs. Real registry, real PostgreSQL, real SQLCipher replica.

use chrono::{Duration, NaiveDate, Utc};
use salal_clinic::{Clinic, RecordSync, SetupRequest};
use salal_core::event::{EventKind, NewEvent};
use salal_core::i18n::{Lang, UserMessage};
use salal_core::patient::{PatientDetails, Sex};
use salal_sync_tests::{PASSWORD, Registry};
use std::sync::Arc;

fn child() -> PatientDetails {
    PatientDetails {
        first_name: "Rosa".into(),
        last_name: "Villanueva".into(),
        birth_date: NaiveDate::from_ymd_opt(2023, 6, 1),
        sex: Sex::Female,
        ..PatientDetails::default()
    }
}

fn dose(date: NaiveDate) -> NewEvent {
    NewEvent {
        kind: EventKind::Historical,
        cvx: "08".into(),
        date: Some(date),
        information_source: "01".into(),
        ..NewEvent::default()
    }
}

#[test]
fn a_fast_clock_is_refused_with_a_clear_reason_and_the_change_is_kept() {
    let registry = Registry::start();
    let org = registry.add_org("Clínica del Valle");
    let dir = tempfile::tempdir().unwrap();
    let request = SetupRequest {
        clinic_name: "Clínica del Valle".into(),
        admin_username: "admin".into(),
        admin_display_name: "Admin".into(),
        admin_password: PASSWORD.into(),
        language: Lang::En,
    };
    let (clinic, _) = Clinic::setup(dir.path(), &request).unwrap();
    let session = clinic.login("admin", PASSWORD).unwrap();
    clinic
        .enroll(&registry.url(), &registry.enroll_code(&org))
        .unwrap();
    let patient = clinic.register_patient(&session, &child(), true).unwrap();
    let first = clinic
        .record_event(
            &session,
            patient,
            &dose(NaiveDate::from_ymd_opt(2023, 6, 2).unwrap()),
        )
        .unwrap();

    let states = clinic.record_sync_states(&session, patient).unwrap();
    assert_eq!(states.patient, RecordSync::Pending);
    let report = clinic.sync(&mut |_| {}).unwrap();
    assert_eq!(report.rejected, 0);
    let states = clinic.record_sync_states(&session, patient).unwrap();
    assert!(
        matches!(states.patient, RecordSync::Confirmed { .. }),
        "{states:?}"
    );
    assert!(matches!(states.events[0].1, RecordSync::Confirmed { .. }));

    // The same computer, its clock now 10 minutes fast.
    drop(clinic);
    let fast = Arc::new(|| Utc::now() + Duration::minutes(10));
    let clinic = Clinic::open(dir.path()).unwrap().with_time_source(fast);
    let session = clinic.login("admin", PASSWORD).unwrap();
    let late = clinic
        .record_event(
            &session,
            patient,
            &dose(NaiveDate::from_ymd_opt(2023, 8, 2).unwrap()),
        )
        .unwrap();
    let report = clinic.sync(&mut |_| {}).unwrap();
    assert_eq!(report.rejected, 1, "{report:?}");
    let states = clinic.record_sync_states(&session, patient).unwrap();
    let (_, state) = states.events.iter().find(|(id, _)| *id == late).unwrap();
    let RecordSync::Rejected {
        code,
        message_en,
        message_es,
    } = state
    else {
        panic!("expected rejected, got {state:?}");
    };
    assert_eq!(code, "clock_ahead");
    assert!(
        message_en.contains("clock") && message_en.contains("date and time"),
        "{message_en}"
    );
    assert!(message_es.contains("reloj"), "{message_es}");
    // Kept on the record, and the confirmed dose is untouched.
    let record = clinic.patient_record(&session, patient).unwrap();
    let ids: Vec<_> = record
        .groups
        .iter()
        .flat_map(|g| g.events.iter().map(|e| e.event.id))
        .collect();
    assert!(ids.contains(&late) && ids.contains(&first));
    let status = clinic.sync_status().unwrap();
    assert_eq!(status.rejected, 1);
    assert_eq!(status.waiting, 0);
    // The registry never took it.
    assert!(!registry.export(&org).contains(&late.to_string()));
    let err = salal_clinic::SyncError::NotEnrolled;
    assert!(!err.localized(Lang::Es).is_empty());
}
