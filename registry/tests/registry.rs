//! The registry end to end: the real binary, a real PostgreSQL (one fresh
//! database per test), real HTTPS through `RegistryClient`.
//! Run with `scripts/with-postgres.sh cargo test -p salal-registry`.

mod common;

use common::*;
use salal_sync::client::ClientError;
use salal_sync::enroll::EnrollmentCode;
use salal_sync::wire::{
    ChangeKind, EnrollRequest, Entity, Outcome, PullRequest, RecordRef, RejectCode,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

fn rejected(outcome: &Outcome) -> RejectCode {
    match outcome {
        Outcome::Rejected {
            code,
            message_en,
            message_es,
        } => {
            assert!(!message_en.is_empty() && !message_es.is_empty());
            *code
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn pull_all(device: &Device) -> Vec<salal_sync::wire::RecordState> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = device
            .client
            .pull(&PullRequest {
                after,
                limit: 0,
                refresh: Vec::new(),
            })
            .unwrap();
        out.extend(page.records);
        after = page.cursor;
        if !page.more {
            return out;
        }
    }
}

#[test]
fn org_add_and_enroll_code_print_one_line_each() {
    let registry = Registry::start();
    let out = registry.cli(&["org", "add", "--name", "Clínica del Valle"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let org = Uuid::try_parse(text.trim()).unwrap();
    assert_eq!(text.trim(), org.hyphenated().to_string());

    let code_text = registry.code(org);
    let code: EnrollmentCode = code_text.parse().unwrap();
    // The fingerprint is the served certificate's (recorded by serve).
    let again = registry.cli(&[
        "enroll-code",
        "--org",
        &org.to_string(),
        "--tls-dir",
        registry.tls_dir.to_str().unwrap(),
        "--days",
        "2",
    ]);
    assert!(again.status.success());
    let other: EnrollmentCode = String::from_utf8(again.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(other.fingerprint, code.fingerprint);
    assert_ne!(other.secret, code.secret);

    let unknown = registry.cli(&["enroll-code", "--org", &new_id().to_string()]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no organization"));
    let bad = registry.cli(&["enroll-code", "--org", "clinic-a"]);
    assert_eq!(bad.status.code(), Some(2));
    let blank = registry.cli(&["org", "add", "--name", "  "]);
    assert_eq!(blank.status.code(), Some(2));

    // Only the hash of the secret is kept.
    let stored = sql_i64(
        &registry.database_url,
        &format!(
            "SELECT count(*) FROM enrollment_codes WHERE secret_hash = '{}'",
            EnrollmentCode::secret_hash(&code.secret)
        ),
    );
    assert_eq!(stored, 1);
}

#[test]
fn enroll_code_without_serve_or_tls_dir_is_a_clear_error() {
    let url = fresh_database();
    let run = |args: &[&str]| {
        std::process::Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    let out = run(&["org", "add", "--name", "A"]);
    let org = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let out = run(&["enroll-code", "--org", &org]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-dir"));
    let dir = tempfile::tempdir().unwrap();
    let tls = dir.path().join("tls");
    let out = run(&[
        "enroll-code",
        "--org",
        &org,
        "--tls-dir",
        tls.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse::<EnrollmentCode>()
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(tls.join("key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn enrollment_is_one_time_but_a_retry_by_the_same_device_works() {
    let registry = Registry::start();
    let org = registry.org("A");
    let code = registry.code(org);
    let secret = code.parse::<EnrollmentCode>().unwrap().secret;
    let client = registry.client(&code);
    let device = new_id();
    let request = |device_id: Uuid| EnrollRequest {
        code: secret.clone(),
        device_id,
        replica: 7,
        device_name: "front desk".to_owned(),
    };
    let first = client.enroll(&request(device)).unwrap();
    assert_eq!(first.organization_id, org);
    assert_eq!(first.organization_name, "A");
    // The same device again (its answer was lost): a fresh secret that works.
    let retry = client.enroll(&request(device)).unwrap();
    assert_ne!(retry.device_secret, first.device_secret);
    let fresh = client.clone().with_credential(device, &retry.device_secret);
    fresh.pull(&PullRequest::default()).unwrap();
    let stale = client.clone().with_credential(device, &first.device_secret);
    assert!(matches!(
        stale.pull(&PullRequest::default()),
        Err(ClientError::Refused { status: 401, .. })
    ));
    // Another device with the used code: refused.
    match client.enroll(&request(new_id())) {
        Err(ClientError::Refused { status: 403, body }) => {
            assert_eq!(body.code, "enrollment_code");
            assert!(body.message_en.contains("expired or already used"));
        }
        other => panic!("{other:?}"),
    }
    // An expired code: refused.
    let old = registry.code(org);
    let old_secret = old.parse::<EnrollmentCode>().unwrap().secret;
    sql(
        &registry.database_url,
        &format!(
            "UPDATE enrollment_codes SET expires_at = now() - interval '1 minute' WHERE secret_hash = '{}'",
            EnrollmentCode::secret_hash(&old_secret)
        ),
    );
    let mut expired = request(new_id());
    expired.code = old_secret;
    assert!(matches!(
        client.enroll(&expired),
        Err(ClientError::Refused { status: 403, .. })
    ));
    // A made-up code: refused.
    let mut made_up = request(new_id());
    made_up.code = "0".repeat(26);
    assert!(matches!(
        client.enroll(&made_up),
        Err(ClientError::Refused { status: 403, .. })
    ));
}

#[test]
fn a_client_pinned_to_another_certificate_is_refused() {
    let registry = Registry::start();
    let client = salal_sync::client::RegistryClient::new(
        &registry.base_url(),
        [0u8; 32],
        std::time::Duration::from_secs(10),
    )
    .unwrap();
    assert!(matches!(
        client.pull(&PullRequest::default()),
        Err(ClientError::Unreachable { .. })
    ));
}

#[test]
fn unauthorized_without_or_with_a_wrong_credential() {
    let registry = Registry::start();
    let org = registry.org("A");
    let device = registry.device(org, 1);
    let code = registry.code(org);
    let anonymous = registry.client(&code);
    for client in [
        anonymous.clone(),
        anonymous.clone().with_credential(device.id, "wrong"),
        anonymous.clone().with_credential(new_id(), "wrong"),
    ] {
        match client.pull(&PullRequest::default()) {
            Err(ClientError::Refused { status: 401, body }) => {
                assert_eq!(body.code, "unauthorized");
                assert!(!body.message_es.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            client.push(&Default::default()),
            Err(ClientError::Refused { status: 401, .. })
        ));
    }
    device.client.pull(&PullRequest::default()).unwrap();
    assert_eq!(
        sql_i64(
            &registry.database_url,
            "SELECT count(*) FROM devices WHERE last_seen IS NOT NULL"
        ),
        1
    );
}

#[test]
fn a_repeated_push_is_a_duplicate_with_the_same_seq() {
    let registry = Registry::start();
    let org = registry.org("A");
    let device = registry.device(org, 1);
    let patient = new_id();
    let t = now_ms();
    let batch = vec![
        patient_create(patient, device.stamp(t), "Ana"),
        dose_create(new_id(), patient, device.stamp(t + 1), "L1"),
    ];
    let first = device.push(batch.clone());
    assert!(matches!(first[0], Outcome::Applied { .. }), "{first:?}");
    assert!(matches!(first[1], Outcome::Applied { .. }));
    assert!(seq_of(&first[0]) < seq_of(&first[1]));
    let again = device.push(batch);
    for (a, b) in first.iter().zip(&again) {
        assert!(matches!(b, Outcome::Duplicate { .. }), "{b:?}");
        assert_eq!(seq_of(a), seq_of(b));
    }
}

#[test]
fn a_batch_cut_and_retried_ends_the_same_as_one_push() {
    let t = now_ms();
    let patient = new_id();
    let mut batch = vec![patient_create(patient, stamp(t, 1), "Ana")];
    for i in 0..30 {
        batch.push(dose_create(
            new_id(),
            patient,
            stamp(t + 1 + i, 1),
            &format!("L{i}"),
        ));
    }
    batch.push(change(
        Entity::Patient,
        patient,
        ChangeKind::Update,
        stamp(t + 100, 1),
        json!({"first_name": "Anita"}),
    ));
    let once = Registry::start();
    let org = once.org("A");
    let one = once.device(org, 1);
    assert!(
        one.push(batch.clone())
            .iter()
            .all(|o| matches!(o, Outcome::Applied { .. }))
    );

    let cut = Registry::start();
    let org_b = cut.org("A");
    let two = cut.device(org_b, 1);
    let head = two.push(batch[..12].to_vec());
    let all = two.push(batch.clone());
    for (i, outcome) in all.iter().enumerate() {
        if i < 12 {
            assert_eq!(
                outcome,
                &Outcome::Duplicate {
                    seq: seq_of(&head[i])
                }
            );
        } else {
            assert!(matches!(outcome, Outcome::Applied { .. }), "{outcome:?}");
        }
    }
    let export = |r: &Registry, org: Uuid| {
        let out = r.cli(&["export", "--org", &org.to_string()]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let a = export(&once, org);
    assert_eq!(a.lines().count(), 31);
    assert_eq!(a, export(&cut, org_b));
}

fn stamp(wall_ms: u64, replica: u32) -> salal_core::hlc::Stamp {
    salal_core::hlc::Stamp {
        wall_ms,
        counter: 0,
        replica,
    }
}

#[test]
fn last_writer_wins_per_field_across_two_devices() {
    let registry = Registry::start();
    let org = registry.org("A");
    let d1 = registry.device(org, 1);
    let d2 = registry.device(org, 2);
    let patient = new_id();
    let t = now_ms() - 60_000;
    d1.push(vec![patient_create(patient, d1.stamp(t), "Ana")]);
    // d1 edits the first name late; d2 edited it earlier (offline) and the phone later.
    let r1 = d1.push(vec![change(
        Entity::Patient,
        patient,
        ChangeKind::Update,
        d1.stamp(t + 20_000),
        json!({"first_name": "Ana María"}),
    )]);
    assert!(matches!(r1[0], Outcome::Applied { .. }));
    let r2 = d2.push(vec![change(
        Entity::Patient,
        patient,
        ChangeKind::Update,
        d2.stamp(t + 10_000),
        json!({"first_name": "Anita", "phone": "555-0100"}),
    )]);
    assert!(matches!(r2[0], Outcome::Applied { .. }));
    let r3 = d2.push(vec![change(
        Entity::Patient,
        patient,
        ChangeKind::Update,
        d2.stamp(t + 30_000),
        json!({"city": "Yakima"}),
    )]);
    assert!(matches!(r3[0], Outcome::Applied { .. }));
    for device in [&d1, &d2] {
        let records = pull_all(device);
        let p = records.iter().find(|r| r.id == patient).unwrap();
        assert_eq!(p.fields["first_name"], "Ana María");
        assert_eq!(p.fields["phone"], "555-0100");
        assert_eq!(p.fields["city"], "Yakima");
        assert_eq!(p.fields["last_name"], "García");
        assert_eq!(p.hlc, d2.stamp(t + 30_000));
        assert_eq!(p.seq, seq_of(&r3[0]));
        assert!(p.confirmed_at.ends_with('Z'));
    }
    // The losing value is kept in the history.
    assert_eq!(
        sql_i64(
            &registry.database_url,
            "SELECT count(*) FROM field_history WHERE field = 'first_name' AND value = '\"Anita\"'"
        ),
        1
    );
}

#[test]
fn a_create_with_the_same_id_and_other_content_is_a_conflict() {
    let registry = Registry::start();
    let org = registry.org("A");
    let d1 = registry.device(org, 1);
    let d2 = registry.device(org, 2);
    let patient = new_id();
    let t = now_ms();
    let applied = d1.push(vec![patient_create(patient, d1.stamp(t), "Ana")]);
    let same = d2.push(vec![patient_create(patient, d2.stamp(t + 1), "Ana")]);
    assert_eq!(
        same[0],
        Outcome::Duplicate {
            seq: seq_of(&applied[0])
        }
    );
    let other = d2.push(vec![patient_create(patient, d2.stamp(t + 2), "Eva")]);
    assert_eq!(rejected(&other[0]), RejectCode::Conflict);
    // A dose for a patient the registry does not have.
    let orphan = d1.push(vec![dose_create(new_id(), new_id(), d1.stamp(t + 3), "L")]);
    assert_eq!(rejected(&orphan[0]), RejectCode::UnknownRecord);
    // An update of a record the registry does not have.
    let unknown = d1.push(vec![change(
        Entity::Patient,
        new_id(),
        ChangeKind::Update,
        d1.stamp(t + 4),
        json!({"phone": "1"}),
    )]);
    assert_eq!(rejected(&unknown[0]), RejectCode::UnknownRecord);
    // Invalid fields.
    let invalid = d1.push(vec![change(
        Entity::Patient,
        patient,
        ChangeKind::Update,
        d1.stamp(t + 5),
        json!({"birth_date": "yesterday"}),
    )]);
    assert_eq!(rejected(&invalid[0]), RejectCode::Invalid);
}

#[test]
fn a_clock_ten_minutes_ahead_is_rejected_and_never_stored() {
    let registry = Registry::start();
    let org = registry.org("A");
    let device = registry.device(org, 1);
    let ahead = patient_create(new_id(), device.stamp(now_ms() + 10 * 60_000), "Ana");
    let first = device.push(vec![ahead.clone()]);
    assert_eq!(rejected(&first[0]), RejectCode::ClockAhead);
    if let Outcome::Rejected { message_en, .. } = &first[0] {
        assert!(message_en.contains("minutes ahead"), "{message_en}");
    }
    let again = device.push(vec![ahead]);
    assert_eq!(rejected(&again[0]), RejectCode::ClockAhead);
    assert_eq!(
        sql_i64(&registry.database_url, "SELECT count(*) FROM ops"),
        0
    );
}

#[test]
fn later_changes_in_a_batch_see_earlier_ones() {
    let registry = Registry::start();
    let org = registry.org("A");
    let device = registry.device(org, 1);
    let patient = new_id();
    let dose = new_id();
    let t = now_ms();
    let mut tomb = change(
        Entity::Dose,
        dose,
        ChangeKind::EnteredInError,
        device.stamp(t + 3),
        json!({"entered_in_error_reason": "wrong patient"}),
    );
    tomb.fields.retain(|_, _| true);
    let results = device.push(vec![
        patient_create(patient, device.stamp(t), "Ana"),
        dose_create(dose, patient, device.stamp(t + 1), "L1"),
        change(
            Entity::Dose,
            dose,
            ChangeKind::Update,
            device.stamp(t + 2),
            json!({"lot_number": "L2"}),
        ),
        tomb,
    ]);
    assert!(
        results.iter().all(|o| matches!(o, Outcome::Applied { .. })),
        "{results:?}"
    );
    let records = pull_all(&device);
    let d = records.iter().find(|r| r.id == dose).unwrap();
    assert_eq!(d.fields["lot_number"], "L2");
    assert_eq!(d.fields["entered_in_error"], true);
    assert_eq!(d.seq, seq_of(&results[3]));
    assert_eq!(
        sql_i64(
            &registry.database_url,
            "SELECT count(*) FROM records WHERE entity = 'dose'"
        ),
        1
    );
}

#[test]
fn pulls_are_scoped_to_the_organization() {
    let registry = Registry::start();
    let org_a = registry.org("A");
    let org_b = registry.org("B");
    let a = registry.device(org_a, 1);
    let b = registry.device(org_b, 2);
    let t = now_ms();
    let patient = new_id();
    let user_a = new_id();
    let results = a.push(vec![
        patient_create(patient, a.stamp(t), "Ana"),
        dose_create(new_id(), patient, a.stamp(t + 1), "L1"),
        change(
            Entity::User,
            user_a,
            ChangeKind::Create,
            a.stamp(t + 2),
            json!({"username": "ana", "display_name": "Ana", "password_hash": "pbkdf2$secret", "roles": ["clerk"], "active": true}),
        ),
        change(Entity::Organization, org_a, ChangeKind::Update, a.stamp(t + 3), json!({"name": "A Clinic"})),
    ]);
    assert!(
        results.iter().all(|o| matches!(o, Outcome::Applied { .. })),
        "{results:?}"
    );

    let seen_a = pull_all(&a);
    let kinds = |records: &[salal_sync::wire::RecordState]| {
        let mut map: HashMap<Entity, usize> = HashMap::new();
        for r in records {
            *map.entry(r.entity).or_default() += 1;
        }
        map
    };
    let ka = kinds(&seen_a);
    assert_eq!(ka.get(&Entity::Patient), Some(&1));
    assert_eq!(ka.get(&Entity::Dose), Some(&1));
    assert_eq!(ka.get(&Entity::User), Some(&1));
    assert_eq!(ka.get(&Entity::Organization), Some(&1));
    let user = seen_a.iter().find(|r| r.id == user_a).unwrap();
    assert_eq!(user.fields["password_hash"], "pbkdf2$secret");
    let own = seen_a
        .iter()
        .find(|r| r.entity == Entity::Organization)
        .unwrap();
    assert_eq!(
        (own.id, own.fields["name"].as_str()),
        (org_a, Some("A Clinic"))
    );

    let seen_b = pull_all(&b);
    assert_eq!(seen_b.len(), 1, "{seen_b:?}");
    assert_eq!(
        (seen_b[0].entity, seen_b[0].id),
        (Entity::Organization, org_b)
    );
    assert_eq!(seen_b[0].fields["name"], "B");

    // B may not change A's patient, user or organization.
    let refused = b.push(vec![
        change(
            Entity::Patient,
            patient,
            ChangeKind::Update,
            b.stamp(t + 10),
            json!({"phone": "1"}),
        ),
        change(
            Entity::User,
            user_a,
            ChangeKind::Update,
            b.stamp(t + 11),
            json!({"password_hash": "mine"}),
        ),
        change(
            Entity::User,
            user_a,
            ChangeKind::Create,
            b.stamp(t + 12),
            json!({"username": "x"}),
        ),
        change(
            Entity::Organization,
            org_a,
            ChangeKind::Update,
            b.stamp(t + 13),
            json!({"name": "Mine"}),
        ),
    ]);
    for outcome in &refused {
        assert_eq!(rejected(outcome), RejectCode::NotPermitted);
    }
    assert_eq!(pull_all(&b).len(), 1);
    assert_eq!(
        pull_all(&a).iter().find(|r| r.id == user_a).unwrap().fields["password_hash"],
        "pbkdf2$secret"
    );
    // The export of B is empty; A's holds the patient and the dose only.
    let out = registry.cli(&["export", "--org", &org_b.to_string()]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());

    // A dose B gives the patient makes the patient B's too: B then sees it.
    let given = b.push(vec![dose_create(new_id(), patient, b.stamp(t + 20), "B1")]);
    assert!(matches!(given[0], Outcome::Applied { .. }), "{given:?}");
    let seen_b = pull_all(&b);
    assert!(seen_b.iter().any(|r| r.id == patient));
    assert!(seen_b.iter().all(|r| r.entity != Entity::User));
    let updated = b.push(vec![change(
        Entity::Patient,
        patient,
        ChangeKind::Update,
        b.stamp(t + 21),
        json!({"phone": "2"}),
    )]);
    assert!(matches!(updated[0], Outcome::Applied { .. }));
}

#[test]
fn pull_pages_with_cursor_and_more() {
    let registry = Registry::start();
    let org = registry.org("A");
    let device = registry.device(org, 1);
    let t = now_ms();
    let ids: Vec<Uuid> = (0..25).map(|_| new_id()).collect();
    let batch = ids
        .iter()
        .enumerate()
        .map(|(i, id)| patient_create(*id, device.stamp(t + i as u64), "Ana"))
        .collect();
    assert!(
        device
            .push(batch)
            .iter()
            .all(|o| matches!(o, Outcome::Applied { .. }))
    );
    let mut after = 0;
    let mut pages = Vec::new();
    loop {
        let page = device
            .client
            .pull(&PullRequest {
                after,
                limit: 10,
                refresh: Vec::new(),
            })
            .unwrap();
        assert!(page.records.len() <= 10);
        assert!(page.remaining >= page.records.len() as u64);
        assert!(page.records.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(page.records.iter().all(|r| r.seq > after));
        pages.push(page.records.len());
        if let Some(last) = page.records.last() {
            assert_eq!(page.cursor, last.seq);
        } else {
            assert_eq!(page.cursor, after);
        }
        after = page.cursor;
        if !page.more {
            break;
        }
    }
    // 25 patients + the organization record.
    assert_eq!(pages, vec![10, 10, 6]);
    let empty = device
        .client
        .pull(&PullRequest {
            after,
            limit: 10,
            refresh: Vec::new(),
        })
        .unwrap();
    assert!(empty.records.is_empty() && !empty.more);
    assert_eq!(empty.cursor, after);
    assert_eq!(empty.remaining, 0);
}

#[test]
fn refresh_returns_the_current_state_of_visible_records_only() {
    let registry = Registry::start();
    let org_a = registry.org("A");
    let org_b = registry.org("B");
    let a = registry.device(org_a, 1);
    let b = registry.device(org_b, 2);
    let t = now_ms();
    let mine = new_id();
    let theirs = new_id();
    a.push(vec![patient_create(mine, a.stamp(t), "Ana")]);
    b.push(vec![patient_create(theirs, b.stamp(t), "Eva")]);
    let head = a.client.pull(&PullRequest::default()).unwrap();
    let answer = a
        .client
        .pull(&PullRequest {
            after: head.cursor,
            limit: 100,
            refresh: vec![
                RecordRef {
                    entity: Entity::Patient,
                    id: mine,
                },
                RecordRef {
                    entity: Entity::Patient,
                    id: theirs,
                },
                RecordRef {
                    entity: Entity::Dose,
                    id: new_id(),
                },
                RecordRef {
                    entity: Entity::Patient,
                    id: mine,
                },
            ],
        })
        .unwrap();
    assert!(answer.records.is_empty());
    assert_eq!(answer.refreshed.len(), 1);
    assert_eq!(answer.refreshed[0].id, mine);
    assert_eq!(answer.refreshed[0].fields["first_name"], "Ana");
}

#[test]
fn export_is_canonical_and_sorted() {
    let registry = Registry::start();
    let org = registry.org("A");
    let device = registry.device(org, 1);
    let t = now_ms();
    let mut batch = Vec::new();
    for i in 0..5 {
        let patient = new_id();
        batch.push(patient_create(patient, device.stamp(t + i), "José"));
        batch.push(dose_create(new_id(), patient, device.stamp(t + i), "L"));
        batch.push(dose_create(new_id(), patient, device.stamp(t + i), "M"));
    }
    device.push(batch);
    let out = registry.cli(&["export", "--org", &org.to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 15);
    let records = pull_all(&device);
    let mut expected: Vec<(&str, String, String)> = records
        .iter()
        .filter(|r| matches!(r.entity, Entity::Patient | Entity::Dose))
        .map(|r| {
            (
                r.entity.code(),
                r.id.to_string(),
                salal_sync::fields::canonical_line(r.entity, &r.id.to_string(), &r.fields),
            )
        })
        .collect();
    expected.sort();
    let expected: Vec<&str> = expected.iter().map(|(_, _, l)| l.as_str()).collect();
    assert_eq!(lines, expected);
    assert!(lines[0].contains("\"kind\":\"dose\""));
    assert!(lines[14].contains("\"kind\":\"patient\""));
    assert!(!text.contains("\"user\"") && !text.contains("organization"));
}

#[test]
fn a_database_that_cannot_be_reached_exits_1_and_says_where() {
    let port = free_port();
    let url = format!("postgres://postgres:hunter2@127.0.0.1:{port}/salal");
    let out = std::process::Command::new(BIN)
        .args(["--database-url", &url, "org", "add", "--name", "A"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("Start PostgreSQL"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    let none = std::process::Command::new(BIN)
        .args(["migrate"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
}

fn clinic_key(seed: u8) -> salal_sync::wire::ClinicKey {
    use base64::Engine as _;
    let public = [seed; 32];
    let digest = ring::digest::digest(&ring::digest::SHA256, &public);
    salal_sync::wire::ClinicKey {
        key_id: digest.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        public_key: base64::engine::general_purpose::STANDARD.encode(public),
    }
}

#[test]
fn clinic_keys_are_published_once_and_read_by_every_clinic() {
    use salal_sync::wire::KeysRequest;
    let registry = Registry::start();
    let a = registry.device(registry.org("Clínica A"), 1);
    let b = registry.device(registry.org("Clínica B"), 2);
    let key = clinic_key(7);
    let request = KeysRequest {
        publish: Some(key.clone()),
        after: 0,
    };
    let first = a.client.keys(&request).unwrap();
    let again = a.client.keys(&request).unwrap();
    assert_eq!(first.keys.len(), 1);
    assert_eq!(again.keys, first.keys, "publishing again changes nothing");
    assert_eq!(first.keys[0].key, key);
    assert_eq!(first.keys[0].organization_name, "Clínica A");

    // Another clinic reads it, and cannot claim it.
    let read = b.client.keys(&KeysRequest::default()).unwrap();
    assert_eq!(read.keys, first.keys);
    assert!(
        b.client
            .keys(&KeysRequest {
                after: read.cursor,
                ..KeysRequest::default()
            })
            .unwrap()
            .keys
            .is_empty()
    );
    let stolen = b.client.keys(&request).unwrap_err();
    assert!(
        matches!(stolen, ClientError::Refused { status: 409, .. }),
        "{stolen:?}"
    );

    // A key whose id does not match its bytes is refused.
    let mut forged = clinic_key(9);
    forged.key_id = key.key_id.clone();
    let err = b
        .client
        .keys(&KeysRequest {
            publish: Some(forged),
            after: 0,
        })
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Refused { status: 400, .. }),
        "{err:?}"
    );
}
