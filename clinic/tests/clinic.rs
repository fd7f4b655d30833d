//! The clinic's use cases against a real encrypted store and the real OS
//! keyring (run under `scripts/with-keyring.sh`). Time is injected so expiry
//! and lockout are tested without waiting.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use salal_clinic::{
    ChangePasswordError, Clinic, ClinicError, CreateUserError, LoginError, NewUser,
    RecordEventError, RegisterPatientError, Session, SetupError, SetupRequest,
};
use salal_core::consent::{Consents, Mailings, RegistryParticipation};
use salal_core::event::{EventFieldError, EventKind, NewEvent};
use salal_core::i18n::{Lang, UserMessage};
use salal_core::ids::PatientId;
use salal_core::patient::PatientDetails;
use salal_core::user::Role;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const ADMIN_PASSWORD: &str = "Tortuga-verde-Sol-42";

/// A clinic whose clock the test moves.
struct Fixture {
    _dir: tempfile::TempDir,
    clinic: Clinic,
    clock: Arc<AtomicI64>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap();
        let request = SetupRequest {
            clinic_name: "Clínica del Valle".into(),
            admin_username: "admin".into(),
            admin_display_name: "Rosa Jiménez".into(),
            admin_password: ADMIN_PASSWORD.into(),
            language: Lang::En,
        };
        let (clinic, receipt) = Clinic::setup_at(dir.path(), &request, start).unwrap();
        assert_eq!(receipt.keyring, salal_clinic::KeyringStatus::Saved);
        let clock = Arc::new(AtomicI64::new(start.timestamp()));
        let seen = clock.clone();
        let clinic = clinic.with_time_source(Arc::new(move || {
            Utc.timestamp_opt(seen.load(Ordering::SeqCst), 0)
                .single()
                .unwrap_or_default()
        }));
        Fixture {
            _dir: dir,
            clinic,
            clock,
        }
    }

    fn advance(&self, by: TimeDelta) {
        self.clock.fetch_add(by.num_seconds(), Ordering::SeqCst);
    }

    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.clock.load(Ordering::SeqCst), 0)
            .unwrap()
    }

    /// Registers a patient with no likely duplicates.
    fn register(&self, session: &Session, details: &PatientDetails) -> PatientId {
        self.clinic
            .register_patient(session, details, false)
            .unwrap()
    }

    fn admin(&self) -> Session {
        self.clinic.login("admin", ADMIN_PASSWORD).unwrap()
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn child(first: &str, last: &str, second: &str, birth: NaiveDate) -> PatientDetails {
    PatientDetails {
        first_name: first.into(),
        last_name: last.into(),
        second_last_name: second.into(),
        birth_date: Some(birth),
        ..PatientDetails::default()
    }
}

/// A dose given elsewhere, from a card (only vaccine and date are needed).
fn historical(cvx: &str, date: NaiveDate) -> NewEvent {
    NewEvent {
        kind: EventKind::Historical,
        cvx: cvx.into(),
        date: Some(date),
        information_source: "01".into(),
        ..NewEvent::default()
    }
}

fn mmr_today(f: &Fixture) -> NewEvent {
    NewEvent {
        kind: EventKind::Administered,
        cvx: "03".into(),
        date: Some(f.clinic.today()),
        lot_number: "MMR-2291".into(),
        lot_expiration: Some(day(2027, 6, 30)),
        amount_ml: "0.5".into(),
        route: "C38299".into(),
        site: "LA".into(),
        vfc_eligibility: "V02".into(),
        funding_source: "VXC50".into(),
        administering_provider: "RN Ana Pérez".into(),
        ..NewEvent::default()
    }
}

#[test]
fn setup_enforces_password_rules_and_needs_a_clinic_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut request = SetupRequest {
        clinic_name: "Valle".into(),
        admin_username: "admin".into(),
        admin_password: "password1234".into(),
        ..SetupRequest::default()
    };
    let weak = Clinic::setup(dir.path(), &request).unwrap_err();
    assert!(matches!(weak, SetupError::WeakPassword(_)));
    assert!(weak.localized(Lang::En).contains("too common"));
    assert!(
        !Clinic::is_initialized(dir.path()),
        "a refused setup leaves nothing behind"
    );
    request.clinic_name = " ".into();
    request.admin_password = ADMIN_PASSWORD.into();
    assert!(matches!(
        Clinic::setup(dir.path(), &request),
        Err(SetupError::Required("clinic_name"))
    ));
}

#[test]
fn wrong_password_then_lockout_after_five_failures_for_fifteen_minutes() {
    let f = Fixture::new();
    for attempt in 1..=4 {
        let err = f
            .clinic
            .login("admin", "not the password at all")
            .unwrap_err();
        assert!(
            matches!(err, LoginError::BadCredentials),
            "attempt {attempt}: {err:?}"
        );
    }
    assert!(
        f.clinic
            .login("ADMIN", "wrong again, fifth")
            .unwrap_err()
            .to_string()
            .contains("locked")
    );
    // Locked: even the right password is refused, and the message says until when.
    let locked = f.clinic.login("admin", ADMIN_PASSWORD).unwrap_err();
    assert!(matches!(locked, LoginError::LockedOut { .. }));
    assert!(locked.localized(Lang::Es).contains("bloqueada hasta"));
    f.advance(TimeDelta::minutes(14));
    assert!(matches!(
        f.clinic.login("admin", ADMIN_PASSWORD),
        Err(LoginError::LockedOut { .. })
    ));
    f.advance(TimeDelta::minutes(2));
    let session = f
        .clinic
        .login("admin", ADMIN_PASSWORD)
        .expect("unlocked after 15 minutes");
    assert_eq!(session.display_name(), "Rosa Jiménez");
    // A success resets the count: four more failures do not lock.
    for _ in 0..4 {
        assert!(matches!(
            f.clinic.login("admin", "nope nope nope"),
            Err(LoginError::BadCredentials)
        ));
    }
    assert!(f.clinic.login("admin", ADMIN_PASSWORD).is_ok());
    assert!(matches!(
        f.clinic.login("nobody", ADMIN_PASSWORD),
        Err(LoginError::BadCredentials)
    ));
}

#[test]
fn passwords_expire_after_ninety_days_and_must_be_changed() {
    let f = Fixture::new();
    f.advance(TimeDelta::days(89));
    assert!(f.clinic.login("admin", ADMIN_PASSWORD).is_ok());
    f.advance(TimeDelta::days(1));
    let expired = f.clinic.login("admin", ADMIN_PASSWORD).unwrap_err();
    assert!(matches!(expired, LoginError::PasswordExpired));
    assert!(expired.localized(Lang::Es).contains("venció"));
    let same = f
        .clinic
        .change_password("admin", ADMIN_PASSWORD, ADMIN_PASSWORD)
        .unwrap_err();
    assert!(matches!(same, ChangePasswordError::Rule(_)));
    let short = f
        .clinic
        .change_password("admin", ADMIN_PASSWORD, "abc")
        .unwrap_err();
    assert!(matches!(short, ChangePasswordError::Rule(_)));
    let wrong = f
        .clinic
        .change_password("admin", "wrong current one", "Cielo-naranja-Rio-77")
        .unwrap_err();
    assert!(matches!(
        wrong,
        ChangePasswordError::Login(LoginError::BadCredentials)
    ));
    f.clinic
        .change_password("admin", ADMIN_PASSWORD, "Cielo-naranja-Rio-77")
        .unwrap();
    assert!(f.clinic.login("admin", "Cielo-naranja-Rio-77").is_ok());
    assert!(f.clinic.login("admin", ADMIN_PASSWORD).is_err());
}

#[test]
fn admins_manage_users_and_roles_limit_what_each_can_do() {
    let f = Fixture::new();
    let admin = f.admin();
    let new = NewUser {
        username: "frontdesk".into(),
        display_name: "Lupe Castañeda".into(),
        roles: vec![Role::FrontDesk],
        temporary_password: "Mango-azul-Tren-19".into(),
        language: Lang::Es,
    };
    let id = f.clinic.create_user(&admin, &new).unwrap();
    assert!(matches!(
        f.clinic.create_user(&admin, &new),
        Err(CreateUserError::UsernameTaken(_))
    ));
    // A new user must replace the temporary password first.
    assert!(matches!(
        f.clinic.login("frontdesk", "Mango-azul-Tren-19"),
        Err(LoginError::PasswordExpired)
    ));
    let clerk = f
        .clinic
        .change_password("frontdesk", "Mango-azul-Tren-19", "Lluvia-suave-Monte-88")
        .unwrap();
    assert_eq!(clerk.language(), Lang::Es);
    assert!(matches!(
        f.clinic.users(&clerk),
        Err(ClinicError::NotPermitted)
    ));

    let patient = f
        .clinic
        .register_patient(&clerk, &child("Iker", "Peña", "", day(2022, 5, 5)), false)
        .unwrap();
    let refused = f
        .clinic
        .record_event(&clerk, patient, &mmr_today(&f))
        .unwrap_err();
    assert!(matches!(
        refused,
        RecordEventError::Clinic(ClinicError::NotPermitted)
    ));
    assert!(refused.localized(Lang::Es).contains("administrador"));

    f.clinic
        .set_user_roles(&admin, id, &[Role::FrontDesk, Role::Clinician], true)
        .unwrap();
    let clerk = f
        .clinic
        .login("frontdesk", "Lluvia-suave-Monte-88")
        .unwrap();
    f.clinic
        .record_event(&clerk, patient, &mmr_today(&f))
        .expect("now a clinician too");
    let users = f.clinic.users(&admin).unwrap();
    assert_eq!(users.len(), 2);
    // Roles taken away while signed in count at once, not at the next sign-in.
    f.clinic
        .set_user_roles(&admin, id, &[Role::FrontDesk], true)
        .unwrap();
    assert!(matches!(
        f.clinic.record_event(&clerk, patient, &mmr_today(&f)),
        Err(RecordEventError::Clinic(ClinicError::NotPermitted))
    ));
    f.clinic
        .set_user_roles(&admin, id, &[Role::FrontDesk], false)
        .unwrap();
    assert!(matches!(
        f.clinic.login("frontdesk", "Lluvia-suave-Monte-88"),
        Err(LoginError::AccountDisabled)
    ));
    // A deactivated user who is still signed in can do nothing more.
    let refused = f.clinic.search_patients(&clerk, "peña", 10).unwrap_err();
    assert!(
        matches!(refused, ClinicError::AccountInactive),
        "{refused:?}"
    );
    assert!(refused.localized(Lang::Es).contains("desactivada"));
}

#[test]
fn language_choice_is_remembered_per_user() {
    let f = Fixture::new();
    let admin = f.admin();
    assert_eq!(admin.language(), Lang::En);
    let spanish = f.clinic.set_language(&admin, Lang::Es).unwrap();
    assert_eq!(spanish.language(), Lang::Es);
    assert_eq!(f.admin().language(), Lang::Es);
}

#[test]
fn registering_warns_of_likely_duplicates_and_saves_only_when_confirmed() {
    let f = Fixture::new();
    let s = f.admin();
    let jose = f.register(&s, &child("José", "García", "López", day(2019, 3, 7)));
    let again = child("Jose", "Garcia", "", day(2019, 3, 7));
    let warned = f.clinic.register_patient(&s, &again, false).unwrap_err();
    let RegisterPatientError::LikelyDuplicates(candidates) = &warned else {
        panic!("{warned:?}")
    };
    assert_eq!(
        candidates.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![jose]
    );
    assert!(
        warned
            .localized(Lang::Es)
            .contains("misma fecha de nacimiento")
    );
    assert_eq!(
        f.clinic.search_patients(&s, "garcia", 10).unwrap().len(),
        1,
        "nothing saved yet"
    );
    f.clinic
        .register_patient(&s, &again, true)
        .expect("confirmed");
    assert_eq!(f.clinic.search_patients(&s, "garcia", 10).unwrap().len(), 2);

    let mut certificate = child("Ana", "Smith", "", day(2020, 1, 1));
    certificate.birth_certificate_number = "2020-WA-0001".into();
    f.clinic.register_patient(&s, &certificate, false).unwrap();
    let mut renamed = child("Anna", "Jones", "", day(2020, 2, 1));
    renamed.birth_certificate_number = "2020-wa-0001".into();
    assert!(matches!(
        f.clinic.register_patient(&s, &renamed, false),
        Err(RegisterPatientError::LikelyDuplicates(_))
    ));

    let invalid = f
        .clinic
        .register_patient(&s, &PatientDetails::default(), false)
        .unwrap_err();
    assert!(matches!(&invalid, RegisterPatientError::Invalid(e) if e.len() == 3));
    assert!(
        invalid
            .localized(Lang::Es)
            .contains("Fecha de nacimiento es obligatorio")
    );
}

#[test]
fn an_invalid_dose_saves_nothing_and_says_what_to_fix() {
    let f = Fixture::new();
    let s = f.admin();
    let p = f.register(&s, &child("Sofía", "Núñez", "", day(2024, 2, 2)));
    let before = f
        .clinic
        .store_for_inspection()
        .dose_integrity_counts()
        .unwrap();
    let mut future = mmr_today(&f);
    future.date = Some(f.clinic.today() + TimeDelta::days(3));
    future.lot_number.clear();
    let err = f.clinic.record_event(&s, p, &future).unwrap_err();
    let RecordEventError::Invalid(problems) = &err else {
        panic!("{err:?}")
    };
    assert!(
        problems
            .iter()
            .any(|e| matches!(e, EventFieldError::DateInFuture { .. }))
    );
    assert!(problems.contains(&EventFieldError::Required("lot_number")));
    let english = err.localized(Lang::En);
    assert!(
        english.contains("after today") && english.contains("Lot number"),
        "{english}"
    );
    assert!(err.localized(Lang::Es).contains("Número de lote"));
    let mut before_birth = mmr_today(&f);
    before_birth.date = Some(day(2024, 2, 1));
    assert!(matches!(
        f.clinic.record_event(&s, p, &before_birth),
        Err(RecordEventError::Invalid(_))
    ));
    let mut expired = mmr_today(&f);
    expired.lot_expiration = Some(day(2025, 1, 1));
    let err = f.clinic.record_event(&s, p, &expired).unwrap_err();
    assert!(err.localized(Lang::En).contains("expired"));
    assert_eq!(
        f.clinic
            .store_for_inspection()
            .dose_integrity_counts()
            .unwrap(),
        before,
        "nothing partial"
    );
    expired.confirm_expired_lot = true;
    f.clinic
        .record_event(&s, p, &expired)
        .expect("recorded once confirmed");
    assert_eq!(f.clinic.patient_record(&s, p).unwrap().groups.len(), 1);
}

#[test]
fn history_is_grouped_by_vaccine_group_with_errors_kept_and_marked() {
    let f = Fixture::new();
    let s = f.admin();
    let p = f.register(&s, &child("Mateo", "Reyes", "Cruz", day(2025, 1, 10)));
    // Pediarix (CVX 110) is DTaP + HepB + IPV: it shows in all three groups.
    f.clinic
        .record_event(&s, p, &historical("110", day(2025, 3, 12)))
        .unwrap();
    let wrong = f
        .clinic
        .record_event(&s, p, &historical("08", day(2025, 1, 11)))
        .unwrap();
    f.clinic
        .mark_entered_in_error(&s, wrong, "typed on the wrong child")
        .unwrap();
    let refusal = NewEvent {
        kind: EventKind::Refusal,
        cvx: "150".into(),
        date: Some(day(2025, 10, 1)),
        refusal_reason: "00".into(),
        ..NewEvent::default()
    };
    f.clinic.record_event(&s, p, &refusal).unwrap();
    let immunity = NewEvent {
        kind: EventKind::EvidenceOfImmunity,
        date: Some(day(2025, 11, 1)),
        observation_code: "38907003".into(),
        ..NewEvent::default()
    };
    f.clinic.record_event(&s, p, &immunity).unwrap();
    let contraindication = NewEvent {
        kind: EventKind::Contraindication,
        date: Some(day(2025, 11, 2)),
        observation_code: "VXC17".into(),
        ..NewEvent::default()
    };
    f.clinic.record_event(&s, p, &contraindication).unwrap();

    let record = f.clinic.patient_record(&s, p).unwrap();
    let names: Vec<&str> = record.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(names, ["DTAP", "FLU", "HepB", "POLIO"]);
    let hepb = &record
        .groups
        .iter()
        .find(|g| g.group == "HepB")
        .unwrap()
        .events;
    assert_eq!(hepb.len(), 2);
    assert!(
        hepb[0].event.entered_in_error
            && hepb[0].event.entered_in_error_reason == "typed on the wrong child"
    );
    assert!(!hepb[1].event.entered_in_error);
    assert_eq!(record.other.len(), 2);
    assert!(matches!(
        f.clinic
            .mark_entered_in_error(&s, salal_core::ids::EventId::generate(), "x"),
        Err(ClinicError::EventNotFound)
    ));
}

#[test]
fn consent_choices_are_recorded_with_their_dates() {
    let f = Fixture::new();
    let s = f.admin();
    let p = f.register(&s, &child("Renata", "Ortiz", "", day(2021, 8, 8)));
    assert!(
        !f.clinic
            .patient_record(&s, p)
            .unwrap()
            .patient
            .consents
            .opted_out()
    );
    let today = f.clinic.today();
    let consents = Consents {
        registry: RegistryParticipation::OptedOut {
            date: today,
            reason: "family choice".into(),
            form_on_file: true,
            requested_by: "the mother".into(),
        },
        mailings: Mailings::Declined { date: today },
    };
    f.clinic.set_consents(&s, p, &consents).unwrap();
    let back = f.clinic.patient_record(&s, p).unwrap().patient.consents;
    assert_eq!(back, consents);
    assert!(back.opted_out());
    let store = f.clinic.store_for_inspection();
    let audit = store.audit_for("patient", &p.to_string()).unwrap();
    assert!(audit.iter().any(|a| a.action == "consent_change"));
    assert!(
        audit.iter().any(|a| a.action == "view"),
        "opening a record is audited"
    );
    assert!(f.now() > Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
}

#[test]
fn a_retried_save_with_the_same_id_is_not_duplicated() {
    let f = Fixture::new();
    let s = f.admin();
    let p = f.register(&s, &child("Tomás", "Vázquez", "", day(2023, 4, 4)));
    let mut dose = mmr_today(&f);
    dose.id = Some(salal_core::ids::EventId::generate());
    let first = f.clinic.record_event(&s, p, &dose).unwrap();
    let second = f.clinic.record_event(&s, p, &dose).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        f.clinic.patient_record(&s, p).unwrap().groups[0]
            .events
            .len(),
        1
    );
    assert_eq!(
        f.clinic
            .store_for_inspection()
            .dose_integrity_counts()
            .unwrap(),
        (1, 1, 1)
    );
}

#[test]
fn the_record_forecast_says_what_is_due_and_why_a_dose_does_not_count() {
    let f = Fixture::new();
    let s = f.admin();
    // Born 2025-01-10; assessed 2026-11-25 (the fixture's today).
    let p = f.register(&s, &child("Valentina", "Rosales", "", day(2025, 1, 10)));
    // MMR at 6 months is too young to count; HepB given three times on schedule.
    let early_mmr = f
        .clinic
        .record_event(&s, p, &historical("03", day(2025, 7, 10)))
        .unwrap();
    for date in [day(2025, 1, 10), day(2025, 2, 12), day(2025, 7, 15)] {
        f.clinic
            .record_event(&s, p, &historical("08", date))
            .unwrap();
    }
    let forecast = f.clinic.patient_forecast(&s, p).unwrap();
    let group = |name: &str| {
        forecast
            .groups
            .iter()
            .find(|g| g.group == name)
            .unwrap_or_else(|| panic!("{name}"))
    };

    let mmr = group("MMR");
    assert_eq!(mmr.status, salal_forecast::SeriesStatus::NotComplete);
    assert_eq!(mmr.dose_number, Some(1), "the early dose does not count");
    assert_eq!(mmr.due, salal_clinic::DueState::Overdue, "{mmr:?}");
    let verdict = mmr
        .doses
        .iter()
        .find(|d| d.event_id == early_mmr)
        .expect("the early dose is explained");
    assert_eq!(verdict.status, salal_forecast::EvaluationStatus::NotValid);
    assert!(
        verdict
            .reasons
            .contains(&salal_forecast::EvaluationReason::AgeTooYoung),
        "{:?}",
        verdict.reasons
    );

    let hepb = group("HepB");
    assert_eq!(hepb.due, salal_clinic::DueState::Complete);
    assert!(
        hepb.doses
            .iter()
            .all(|d| d.status == salal_forecast::EvaluationStatus::Valid)
    );
    assert_eq!(
        forecast.groups[0].due,
        salal_clinic::DueState::Overdue,
        "what needs attention comes first"
    );

    // A dose entered in error stops counting.
    let last_hepb = hepb.doses.last().unwrap().event_id;
    f.clinic
        .mark_entered_in_error(&s, last_hepb, "wrong date")
        .unwrap();
    let forecast = f.clinic.patient_forecast(&s, p).unwrap();
    let hepb = forecast.groups.iter().find(|g| g.group == "HepB").unwrap();
    assert_ne!(hepb.due, salal_clinic::DueState::Complete);
    assert_eq!(hepb.doses.len(), 2);
}

#[test]
fn every_read_of_a_patient_is_in_the_audit_log_an_administrator_reviews() {
    use salal_clinic::audit::{AUDIT_SCREEN_LIMIT, AuditFilter};
    let f = Fixture::new();
    let admin = f.admin();
    let nurse = NewUser {
        username: "nurse".into(),
        display_name: "Carmen Ríos".into(),
        roles: vec![Role::Clinician],
        temporary_password: "Mango-azul-Tren-19".into(),
        language: Lang::En,
    };
    f.clinic.create_user(&admin, &nurse).unwrap();
    f.clinic
        .change_password("nurse", "Mango-azul-Tren-19", "Pino-rojo-Lago-73")
        .unwrap();
    let nurse = f.clinic.login("nurse", "Pino-rojo-Lago-73").unwrap();
    let jose = f.register(&admin, &child("José", "García", "", day(2020, 3, 7)));
    let other = f.register(&admin, &child("Ana", "Ruiz", "", day(2019, 1, 2)));

    // The nurse finds him, opens his record and his forecast.
    let found = f.clinic.search_patients(&nurse, "garcia", 20).unwrap();
    assert_eq!(found.len(), 1);
    f.clinic.patient_record(&nurse, jose).unwrap();
    f.clinic.patient_forecast(&nurse, jose).unwrap();
    // A search that lists nobody leaves nothing to say.
    assert!(
        f.clinic
            .search_patients(&nurse, "zzz", 20)
            .unwrap()
            .is_empty()
    );

    let about_jose = AuditFilter {
        patient: Some(jose),
        ..AuditFilter::default()
    };
    let log = f
        .clinic
        .audit_log(&admin, &about_jose, AUDIT_SCREEN_LIMIT)
        .unwrap();
    let by_nurse: Vec<&str> = log
        .iter()
        .filter(|e| e.username == "nurse")
        .map(|e| e.action.as_str())
        .collect();
    // Newest first.
    assert_eq!(by_nurse, ["view_forecast", "view", "search"], "{log:#?}");
    let search = log.iter().find(|e| e.action == "search").unwrap();
    assert!(search.detail.contains("garcia") && search.detail.contains(&jose.to_string()));
    assert!(
        log.iter()
            .any(|e| e.username == "admin" && e.action == "create"),
        "his registration is there too: {log:#?}"
    );
    assert!(
        !log.iter()
            .any(|e| e.detail.contains(&other.to_string()) || e.entity_id == other.to_string()),
        "nothing about another patient: {log:#?}"
    );

    // By user, action and day.
    let nurse_views = AuditFilter {
        username: Some("NURSE".into()),
        action: Some("view".into()),
        from: Some(f.clinic.today()),
        to: Some(f.clinic.today()),
        ..AuditFilter::default()
    };
    let views = f
        .clinic
        .audit_log(&admin, &nurse_views, AUDIT_SCREEN_LIMIT)
        .unwrap();
    assert_eq!(views.len(), 1, "{views:#?}");
    assert_eq!(views[0].entity_id, jose.to_string());
    let yesterday = AuditFilter {
        to: f.clinic.today().pred_opt(),
        ..nurse_views.clone()
    };
    assert!(
        f.clinic
            .audit_log(&admin, &yesterday, AUDIT_SCREEN_LIMIT)
            .unwrap()
            .is_empty()
    );

    // The same as CSV, one line per event after the header.
    let csv = f.clinic.audit_csv(&admin, &about_jose).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time,user,action,record_type,record_id,detail")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() >= 4, "{csv}");
    assert!(
        rows.iter()
            .any(|r| r.contains(",nurse,view_forecast,patient,"))
    );

    // Only an administrator reviews it, and every review is itself audited.
    assert!(matches!(
        f.clinic.audit_log(&nurse, &about_jose, 10),
        Err(ClinicError::NotPermitted)
    ));
    let reviews = AuditFilter {
        action: Some("audit_review".into()),
        ..AuditFilter::default()
    };
    assert!(!f.clinic.audit_log(&admin, &reviews, 10).unwrap().is_empty());
}
