//! Store tests on real SQLCipher files and the real OS keyring (a Secret
//! Service in the test's D-Bus session: run under `scripts/with-keyring.sh`).

use chrono::{NaiveDate, TimeZone, Utc};
use salal_core::consent::Consents;
use salal_core::event::{Event, EventKind, NewEvent};
use salal_core::i18n::{Lang, UserMessage};
use salal_core::ids::{EventId, PatientId};
use salal_core::patient::PatientDetails;
use salal_core::search::SearchQuery;
use salal_store::{Actor, Saved, Store, StoreError};
use std::path::Path;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn patient(first: &str, last: &str, second: &str, birth: (i32, u32, u32)) -> PatientDetails {
    PatientDetails {
        first_name: first.into(),
        last_name: last.into(),
        second_last_name: second.into(),
        birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2),
        ..PatientDetails::default()
    }
}

fn add(store: &mut Store, details: &PatientDetails) -> PatientId {
    let id = PatientId::generate();
    store
        .write(&Actor::setup(), now(), |w| {
            w.insert_patient(id, details, &Consents::default())
        })
        .unwrap();
    id
}

fn new_store(dir: &Path) -> Store {
    let (store, _recovery, keyring) = Store::create(dir).expect("create store");
    assert_eq!(
        keyring,
        salal_store::KeyringStatus::Saved,
        "tests need a Secret Service (scripts/with-keyring.sh)"
    );
    store
}

#[test]
fn database_file_is_encrypted_and_reopens_through_the_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let id = add(&mut store, &patient("José", "Núñez", "Peña", (2019, 3, 7)));
    drop(store);

    let header = std::fs::read(Store::database_path(dir.path())).unwrap();
    assert_ne!(
        &header[..16],
        b"SQLite format 3\0",
        "the file must not be plain SQLite"
    );
    let raw = String::from_utf8_lossy(&header);
    assert!(
        !raw.contains("Núñez") && !raw.contains("Nunez"),
        "names must not be readable in the file"
    );

    let store = Store::open(dir.path()).expect("reopen with the keyring key");
    let back = store.patient(id).unwrap().expect("patient is there");
    assert_eq!(back.details.last_name, "Núñez");
}

#[test]
fn recovery_key_reopens_when_the_keyring_entry_is_gone_and_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, recovery, _) = Store::create(dir.path()).unwrap();
    let id = add(&mut store, &patient("Ana", "Smith", "", (2020, 1, 2)));
    store.forget_keyring_key().unwrap();
    drop(store);

    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::KeyMissing), "{err:?}");
    assert!(err.localized(Lang::Es).contains("clave de recuperación"));

    let store = Store::open_with_recovery_key(dir.path(), recovery.as_str())
        .expect("recovery key opens it");
    assert!(store.patient(id).unwrap().is_some());
    drop(store);
    Store::open(dir.path()).expect("the keyring entry was restored");
}

#[test]
fn a_wrong_key_gives_a_clear_error() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (_store_a, _recovery_a, _) = Store::create(a.path()).unwrap();
    let (_store_b, recovery_b, _) = Store::create(b.path()).unwrap();
    let err = Store::open_with_recovery_key(a.path(), recovery_b.as_str()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey), "{err:?}");
    assert!(
        err.localized(Lang::En)
            .contains("does not open this database")
    );
    let typo = Store::open_with_recovery_key(a.path(), "ABCDEF-123").unwrap_err();
    assert!(matches!(typo, StoreError::RecoveryKeyInvalid(_)));
}

#[test]
fn setup_refuses_a_folder_that_already_has_a_clinic() {
    let dir = tempfile::tempdir().unwrap();
    let _store = new_store(dir.path());
    assert!(matches!(
        Store::create(dir.path()),
        Err(StoreError::AlreadyInitialized(_))
    ));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        Store::open(empty.path()),
        Err(StoreError::NotInitialized(_))
    ));
}

#[test]
fn every_write_is_domain_outbox_and_audit_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let id = add(&mut store, &patient("Luis", "Ortega", "", (2018, 5, 1)));
    let outbox = store.outbox(0, 100).unwrap();
    assert!(
        outbox
            .iter()
            .any(|c| c.entity == "patient" && c.entity_id == id.to_string() && c.kind == "create")
    );
    assert_eq!(
        store.audit_for("patient", &id.to_string()).unwrap().len(),
        1
    );

    // A use case that fails half-way keeps nothing.
    let other = PatientId::generate();
    let result: Result<(), StoreError> = store.write(&Actor::setup(), now(), |w| {
        w.insert_patient(
            other,
            &patient("Half", "Done", "", (2018, 1, 1)),
            &Consents::default(),
        )?;
        Err(StoreError::Database("validation failed later".into()))
    });
    assert!(result.is_err());
    assert!(store.patient(other).unwrap().is_none());
    assert!(
        store
            .outbox(0, 100)
            .unwrap()
            .iter()
            .all(|c| c.entity_id != other.to_string())
    );
    assert!(
        store
            .audit_for("patient", &other.to_string())
            .unwrap()
            .is_empty()
    );

    // An update sends only what changed.
    let mut edited = patient("Luis", "Ortega", "Ruiz", (2018, 5, 1));
    edited.phone = "509-555-0100".into();
    store
        .write(&Actor::setup(), now(), |w| w.update_patient(id, &edited))
        .unwrap();
    let update = store
        .outbox(0, 100)
        .unwrap()
        .into_iter()
        .find(|c| c.kind == "update" && c.entity == "patient")
        .unwrap();
    let fields: serde_json::Value = serde_json::from_str(&update.fields).unwrap();
    let mut keys: Vec<&String> = fields.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["phone", "second_last_name"]);
}

#[test]
fn saving_the_same_event_twice_stores_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let patient_id = add(&mut store, &patient("Mía", "Cruz", "", (2024, 1, 1)));
    let id = EventId::generate();
    let event = Event {
        id,
        patient_id,
        details: NewEvent {
            id: Some(id),
            kind: EventKind::Historical,
            cvx: "08".into(),
            date: NaiveDate::from_ymd_opt(2024, 1, 2),
            ..NewEvent::default()
        },
        entered_in_error: false,
        entered_in_error_reason: String::new(),
        recorded_by: "test".into(),
    };
    assert_eq!(
        store
            .write(&Actor::setup(), now(), |w| w.insert_event(&event))
            .unwrap(),
        Saved::Created
    );
    assert_eq!(
        store
            .write(&Actor::setup(), now(), |w| w.insert_event(&event))
            .unwrap(),
        Saved::Unchanged
    );
    assert_eq!(store.patient_events(patient_id).unwrap().len(), 1);
    assert_eq!(store.dose_integrity_counts().unwrap(), (1, 1, 1));
    // The same id with other content is a clear conflict, and changes nothing.
    let mut other = event.clone();
    other.details.cvx = "10".into();
    let err = store
        .write(&Actor::setup(), now(), |w| w.insert_event(&other))
        .unwrap_err();
    assert!(matches!(err, StoreError::IdConflict("dose")), "{err:?}");
    assert!(!err.localized(Lang::Es).is_empty());
    assert_eq!(
        store.patient_events(patient_id).unwrap()[0].details.cvx,
        "08"
    );
    assert_eq!(store.dose_integrity_counts().unwrap(), (1, 1, 1));
}

#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let first = add(&mut store, &patient("Antes", "Guardado", "", (2020, 2, 2)));
    let pages: u32 = 60;
    store.limit_pages_for_test(pages).unwrap();
    let mut saved = vec![first];
    let err = loop {
        let id = PatientId::generate();
        let long = "x".repeat(150);
        let details = PatientDetails {
            address_line: long,
            ..patient("Relleno", "Disco", "", (2020, 2, 2))
        };
        match store.write(&Actor::setup(), now(), |w| {
            w.insert_patient(id, &details, &Consents::default())
        }) {
            Ok(_) => saved.push(id),
            Err(e) => break e,
        }
        assert!(saved.len() < 10_000, "the page limit never hit");
    };
    assert!(matches!(err, StoreError::DiskFull), "{err:?}");
    assert!(err.localized(Lang::En).contains("disk is full"));
    assert!(err.localized(Lang::Es).contains("disco está lleno"));
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    for id in &saved {
        assert!(
            store.patient(*id).unwrap().is_some(),
            "a saved patient was lost"
        );
    }
    assert_eq!(
        store.patient_count().unwrap(),
        i64::try_from(saved.len()).unwrap()
    );
}

#[test]
fn a_locked_database_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = new_store(dir.path());
    let mut second = Store::open(dir.path()).unwrap();
    let kept = add(&mut first, &patient("Primero", "Uno", "", (2021, 1, 1)));
    let blocked = PatientId::generate();
    // While `first` holds the write lock, `second` cannot write.
    let inner: Result<(), StoreError> = first.write(&Actor::setup(), now(), |w| {
        w.audit("hold", "test", "lock", "")?;
        let r = second.write(&Actor::setup(), now(), |w2| {
            w2.insert_patient(
                blocked,
                &patient("Segundo", "Dos", "", (2021, 1, 1)),
                &Consents::default(),
            )
        });
        assert!(matches!(r, Err(StoreError::Busy)), "{r:?}");
        assert!(r.unwrap_err().localized(Lang::En).contains("in use"));
        Ok(())
    });
    inner.unwrap();
    assert!(first.patient(blocked).unwrap().is_none());
    assert!(second.patient(kept).unwrap().is_some());
}

#[test]
fn search_is_accent_insensitive_partial_any_order_and_by_typed_birth_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let jose = add(
        &mut store,
        &patient("José", "García", "López", (2019, 3, 7)),
    );
    let ana = add(&mut store, &patient("Ana", "Smith-Jones", "", (2019, 7, 3)));
    let _other = add(&mut store, &patient("Pedro", "Ramírez", "", (2015, 1, 1)));
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let find = |store: &Store, q: &str, lang: Lang| -> Vec<PatientId> {
        store
            .search_patients(&SearchQuery::parse(q, lang, today), None, 20)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect()
    };
    assert_eq!(find(&store, "garcia", Lang::En), vec![jose]);
    assert_eq!(find(&store, "GARCÍA", Lang::En), vec![jose]);
    assert_eq!(find(&store, "gar", Lang::En), vec![jose]);
    assert_eq!(find(&store, "lopez garcia", Lang::En), vec![jose]);
    assert_eq!(find(&store, "garcía-lópez", Lang::En), vec![jose]);
    assert_eq!(find(&store, "jose lop", Lang::En), vec![jose]);
    assert_eq!(find(&store, "smith-jones", Lang::En), vec![ana]);
    assert_eq!(find(&store, "jones", Lang::En), vec![ana]);
    for typed in ["3/7/2019", "03072019", "2019-03-07"] {
        assert_eq!(find(&store, typed, Lang::En)[0], jose, "{typed}");
    }
    // 3/7/2019 read the Spanish way is July 3rd: Ana first, José second.
    assert_eq!(find(&store, "3/7/2019", Lang::Es), vec![ana, jose]);
    assert_eq!(find(&store, "garcia 3/7/2019", Lang::Es), vec![jose]);
    assert!(find(&store, "zzz", Lang::En).is_empty());
}

#[test]
fn a_chart_or_birth_certificate_number_finds_its_patient() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let mut charted = patient("Lupe", "Ramírez", "", (2020, 5, 14));
    charted.medical_record_number = "mr-004417".to_owned();
    let lupe = add(&mut store, &charted);
    let mut certified = patient("Tomás", "Ibarra", "", (2022, 2, 11));
    certified.birth_certificate_number = "2022-WA-0051420".to_owned();
    let tomas = add(&mut store, &certified);
    // Born on the day a six-digit chart number also reads as (05/14/20).
    let mut dated = patient("Rosa", "Vega", "", (2020, 5, 14));
    dated.medical_record_number = "051420".to_owned();
    let rosa = add(&mut store, &dated);
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let find = |store: &Store, q: &str| -> Vec<PatientId> {
        store
            .search_patients(&SearchQuery::parse(q, Lang::En, today), None, 20)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect()
    };
    assert_eq!(
        find(&store, "MR-004417"),
        vec![lupe],
        "case does not matter"
    );
    assert_eq!(find(&store, " mr-004417 "), vec![lupe]);
    assert_eq!(find(&store, "2022-wa-0051420"), vec![tomas]);
    // The chart number first, then the patients born on the date it spells.
    assert_eq!(find(&store, "051420"), vec![rosa, lupe]);
    assert!(
        find(&store, "mr-0044").is_empty(),
        "a number matches only whole"
    );
    // Still found after an edit that changes the number.
    store
        .write(&Actor::setup(), now(), |w| {
            let mut moved = charted.clone();
            moved.medical_record_number = "MR-777".to_owned();
            w.update_patient(lupe, &moved)
        })
        .unwrap();
    assert_eq!(find(&store, "mr-777"), vec![lupe]);
    assert!(find(&store, "mr-004417").is_empty());
}

#[test]
fn a_full_name_is_found_first_among_thousands_of_garcias() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let firsts = ["Anabel", "Anahí", "Anastasia", "Anaís", "Anacleta"];
    let mut ana = None;
    store
        .write(&Actor::setup(), now(), |w| {
            for i in 0..3000u32 {
                if i == 1500 {
                    let id = PatientId::generate();
                    w.insert_patient(
                        id,
                        &patient("Ana", "García", "López", (2018, 5, 5)),
                        &Consents::default(),
                    )?;
                    ana = Some(id);
                }
                // Every word of "ana garcia lopez" is a prefix of these names.
                let first = firsts[(i % 5) as usize];
                let second = if i % 2 == 0 { "López" } else { "Lopezgarza" };
                w.insert_patient(
                    PatientId::generate(),
                    &patient(
                        first,
                        "García",
                        second,
                        (2010 + (i % 12) as i32, 1 + i % 12, 1 + i % 28),
                    ),
                    &Consents::default(),
                )?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let ana = ana.unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    for typed in ["ana garcia lopez", "García López Ana", "ana garcía-lópez"] {
        let found = store
            .search_patients(&SearchQuery::parse(typed, Lang::En, today), None, 20)
            .unwrap();
        assert_eq!(found.first().map(|p| p.id), Some(ana), "{typed}");
        assert_eq!(found.len(), 20, "the prefix matches follow");
    }
    // Prefixes still find them all, newest first.
    let found = store
        .search_patients(&SearchQuery::parse("ana gar", Lang::En, today), None, 20)
        .unwrap();
    assert_eq!(found.len(), 20);
}

#[test]
fn search_still_finds_every_patient_after_vacuum() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let people: Vec<(PatientId, String)> = (0..60)
        .map(|i| {
            let last = format!("Apellido{i:03}");
            (
                add(&mut store, &patient("Niña", &last, "", (2020, 1, 1))),
                last,
            )
        })
        .collect();
    // Gaps in the keys (as rows removed by hand or by an old repair would
    // leave): VACUUM renumbers the rows of a table without a stable key.
    for (id, _) in people.iter().step_by(3) {
        store
            .execute_for_test(&format!(
                "DELETE FROM patient_names WHERE rowid = (SELECT pk FROM patients WHERE id = '{id}');
                 DELETE FROM patient_summaries WHERE id = '{id}';
                 DELETE FROM patients WHERE id = '{id}';"
            ))
            .unwrap();
    }
    store.vacuum().unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    for (i, (id, last)) in people.iter().enumerate() {
        let found = store
            .search_patients(&SearchQuery::parse(last, Lang::En, today), None, 5)
            .unwrap();
        if i % 3 == 0 {
            assert!(found.iter().all(|p| p.id != *id), "{last} was removed");
        } else {
            assert_eq!(found.len(), 1, "{last}");
            assert_eq!(found[0].id, *id, "{last}");
            assert!(found[0].display_name.starts_with(last.as_str()));
        }
    }
}

#[test]
fn recent_patients_come_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let ids: Vec<PatientId> = (0..5)
        .map(|i| {
            add(
                &mut store,
                &patient(&format!("Niño{i}"), "Flores", "", (2020, 1, 1 + i)),
            )
        })
        .collect();
    let user = salal_core::ids::UserId::generate();
    let actor = Actor {
        user_id: Some(user),
        username: "nurse".into(),
    };
    store
        .write(&actor, now(), |w| w.record_patient_view(ids[3]))
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let found = store
        .search_patients(
            &SearchQuery::parse("flores", Lang::En, today),
            Some(user),
            20,
        )
        .unwrap();
    assert_eq!(found.len(), 5);
    assert_eq!(found[0].id, ids[3]);
    let anonymous = store
        .search_patients(&SearchQuery::parse("flores", Lang::En, today), None, 20)
        .unwrap();
    assert_ne!(anonymous[0].id, ids[3]);
}

#[test]
fn a_setup_cut_short_leaves_no_half_made_clinic_and_can_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let failed = Store::create_with(dir.path(), &Actor::setup(), now(), |w| {
        w.set_clinic_name("Valle")?;
        Err(StoreError::DiskFull)
    });
    assert!(matches!(failed, Err(StoreError::DiskFull)));
    assert!(!Store::exists(dir.path()), "not set up");
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::NotInitialized(_))
    ));
    let (store, _, _) = Store::create_with(dir.path(), &Actor::setup(), now(), |w| {
        w.set_clinic_name("Valle")
    })
    .expect("setup again");
    assert_eq!(store.clinic_name().unwrap().as_deref(), Some("Valle"));
    drop(store);
    assert_eq!(
        Store::open(dir.path())
            .unwrap()
            .clinic_name()
            .unwrap()
            .as_deref(),
        Some("Valle")
    );
}

#[test]
fn a_row_and_its_outbox_change_share_one_clock_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let id = add(&mut store, &patient("Una", "Marca", "", (2019, 4, 4)));
    let change = store
        .outbox(0, 100)
        .unwrap()
        .into_iter()
        .find(|c| c.entity_id == id.to_string())
        .unwrap();
    let row_stamp = store.patient_stamp_for_test(id).unwrap();
    assert_eq!(change.hlc, row_stamp);
    // Registering the same id with the same content again is one change, not two.
    let details = patient("Una", "Marca", "", (2019, 4, 4));
    let again = store
        .write(&Actor::setup(), now(), |w| {
            w.insert_patient(id, &details, &Consents::default())
        })
        .unwrap();
    assert_eq!(again, Saved::Unchanged);
    let changes = store.outbox(0, 100).unwrap();
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.entity_id == id.to_string())
            .count(),
        1
    );
}

#[test]
fn the_database_and_the_recovery_key_are_enough_without_store_json() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, recovery, _) = Store::create(dir.path()).unwrap();
    let id = add(&mut store, &patient("Sin", "Archivo", "", (2020, 5, 5)));
    drop(store);
    std::fs::remove_file(dir.path().join("store.json")).unwrap();
    assert!(Store::needs_recovery(dir.path()));
    // The keyring alone cannot say which key: the recovery key is asked for.
    assert!(matches!(
        Store::open(dir.path()).unwrap_err(),
        StoreError::KeyMissing
    ));
    let store = Store::open_with_recovery_key(dir.path(), recovery.as_str()).unwrap();
    assert!(store.patient(id).unwrap().is_some());
    drop(store);
    // store.json is back and the keyring holds the key again.
    assert!(!Store::needs_recovery(dir.path()));
    let store = Store::open(dir.path()).unwrap();
    assert!(store.patient(id).unwrap().is_some());
    drop(store);
    // Setting up again never deletes a database it cannot open: it is set aside.
    std::fs::remove_file(dir.path().join("store.json")).unwrap();
    let (_fresh, _, _) = Store::create(dir.path()).unwrap();
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("set-aside"))
        .collect();
    assert!(!aside.is_empty(), "the old database was kept");
}

#[test]
fn a_setup_cut_short_is_started_over_not_taken_for_a_lost_store_json() {
    for keep_store_json in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, _) = Store::create(dir.path()).unwrap();
        drop(store);
        // What a kill leaves before setup's last step: the whole database
        // still under its staging name, with or without store.json.
        std::fs::rename(
            dir.path().join("salal.db"),
            dir.path().join("salal.db.setup"),
        )
        .unwrap();
        if !keep_store_json {
            std::fs::remove_file(dir.path().join("store.json")).unwrap();
        }
        assert!(!Store::exists(dir.path()));
        assert!(
            !Store::needs_recovery(dir.path()),
            "a cut setup never asks for a recovery key nobody was shown"
        );
        let (mut store, _, _) = Store::create(dir.path()).unwrap();
        let id = add(&mut store, &patient("Otra", "Vez", "", (2021, 6, 6)));
        drop(store);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names
                .iter()
                .all(|n| !n.contains("setup") && !n.contains("set-aside")),
            "nothing of the cut setup is left: {names:?}"
        );
        let store = Store::open(dir.path()).unwrap();
        assert!(store.patient(id).unwrap().is_some());
    }
}

#[test]
fn trimmed_changes_give_their_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _, _) = Store::create(dir.path()).unwrap();
    assert_eq!(
        store.pragma_for_test("auto_vacuum").unwrap(),
        2,
        "incremental"
    );
    for i in 0..300 {
        add(
            &mut store,
            &patient("Relleno", &format!("Página{i}"), "", (2020, 1, 1)),
        );
    }
    let org = uuid::Uuid::nil();
    let pending = store.unanswered_changes(10_000, org).unwrap();
    assert_eq!(pending.len(), 300);
    let acked = salal_sync::wire::Outcome::Applied { seq: 1 };
    let answers: Vec<_> = pending.iter().map(|p| (p.seq, &p.change, &acked)).collect();
    store
        .write(&Actor::setup(), now(), |w| w.record_answers(&answers))
        .unwrap();
    let used = |s: &Store| {
        s.pragma_for_test("page_count").unwrap() - s.pragma_for_test("freelist_count").unwrap()
    };
    let before = store.pragma_for_test("page_count").unwrap();
    let trimmed = store
        .write(&Actor::setup(), now() + chrono::Duration::days(40), |w| {
            w.trim_acknowledged(now() + chrono::Duration::days(1))
        })
        .unwrap();
    assert_eq!(usize::try_from(trimmed).unwrap(), pending.len());
    store.reclaim_free_pages().unwrap();
    let after = store.pragma_for_test("page_count").unwrap();
    assert!(after < before, "pages {before} -> {after}");
    assert_eq!(store.pragma_for_test("freelist_count").unwrap(), 0);
    assert!(used(&store) <= after);
}

#[test]
fn outbox_counts_follow_every_status_change_and_trim() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _, _) = Store::create(dir.path()).unwrap();
    let org = uuid::Uuid::nil();
    let before = store.outbox_counts().unwrap();
    for i in 0..12 {
        add(
            &mut store,
            &patient("Conteo", &format!("Cola{i}"), "", (2021, 3, 1)),
        );
    }
    let pending = store.unanswered_changes(10_000, org).unwrap();
    let counts = store.outbox_counts().unwrap();
    assert_eq!(
        counts.waiting,
        before.waiting + u64::try_from(pending.len()).unwrap()
    );
    assert!(pending.len() >= 12, "{}", pending.len());
    // Sent is still waiting for an answer.
    let sent: Vec<i64> = pending.iter().take(4).map(|p| p.seq).collect();
    store
        .write(&Actor::setup(), now(), |w| w.mark_sent(&sent))
        .unwrap();
    assert_eq!(store.outbox_counts().unwrap().waiting, counts.waiting);
    let applied = salal_sync::wire::Outcome::Applied { seq: 1 };
    let refused = salal_sync::wire::Outcome::Rejected {
        code: salal_sync::wire::RejectCode::Invalid,
        message_en: "no".into(),
        message_es: "no".into(),
    };
    let answers: Vec<_> = pending
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, p)| (p.seq, &p.change, if i < 3 { &applied } else { &refused }))
        .collect();
    store
        .write(&Actor::setup(), now(), |w| w.record_answers(&answers))
        .unwrap();
    let answered = store.outbox_counts().unwrap();
    assert_eq!(answered.waiting, counts.waiting - 5);
    assert_eq!(answered.rejected, counts.rejected + 2);
    assert_eq!(
        answered.waiting,
        u64::try_from(store.unanswered_changes(10_000, org).unwrap().len()).unwrap()
    );
    // Trimming the acknowledged changes changes neither count.
    let trimmed = store
        .write(&Actor::setup(), now() + chrono::Duration::days(40), |w| {
            w.trim_acknowledged(now() + chrono::Duration::days(1))
        })
        .unwrap();
    assert_eq!(trimmed, 3);
    assert_eq!(store.outbox_counts().unwrap(), answered);
    // The counts are kept in the file: a reopened store reads the same.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.outbox_counts().unwrap(), answered);
}
