//! Three real replicas (two computers of one clinic, one of another) edit
//! offline and sync through a real registry over HTTPS with a real
//! PostgreSQL: afterwards every replica's `salal export` equals the
//! registry's `export --org` for its organization, concurrent edits of
//! different fields both survive, and no clinic sees the other's patients.

use salal_sync_tests::{Registry, Replica, count_kind, export_diff, field_of};

#[test]
fn three_replicas_converge_to_the_registry() {
    let registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    assert_eq!(org_a.len(), 36, "org add prints only the id: {org_a}");

    // An existing clinic computer with data links to the registry.
    let a1 = Replica::new();
    a1.ok(&["demo", "--patients", "20"]);
    let enrolled = a1.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org_a),
    ]);
    let (pushed, _, rejected) = salal_sync_tests::parse_sync_line(&enrolled).expect("sync line");
    assert!(
        pushed > 20,
        "the demo clinic's records were pushed: {enrolled}"
    );
    assert_eq!(rejected, 0);

    // A second computer of the same clinic is set up from the registry, and
    // its staff sign in with their usual names and passwords.
    let a2 = Replica::new();
    let out = a2.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org_a),
    ]);
    assert!(
        out.lines().last().unwrap_or_default().starts_with("sync: "),
        "{out}"
    );
    assert!(
        !a2.ok(&["search", "a"]).trim().is_empty(),
        "staff can sign in and search"
    );

    // Another clinic.
    let b = Replica::new();
    b.ok(&["demo", "--patients", "5", "--seed", "7"]);
    b.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org_b),
    ]);

    // A child registered at A1 reaches A2.
    let child = a1.add_patient("Ana", "García", "2021-03-07");
    let _ = a1.sync();
    let _ = a2.sync();
    assert_eq!(
        field_of(&a2.export(), &child, "first_name").as_deref(),
        Some("Ana")
    );

    // Offline: both computers edit different fields and record a dose each;
    // clinic B registers its own patient.
    a1.ok(&["patient", "edit", &child, "--first", "Anita"]);
    a2.ok(&["patient", "edit", &child, "--second-last", "López"]);
    let d1 = a1.add_dose(&child, "08", "2021-03-08");
    let d2 = a2.add_dose(&child, "10", "2021-05-08");
    let stranger = b.add_patient("Pedro", "Ramírez", "2020-01-01");

    for replica in [&a1, &a2, &b, &a1, &a2] {
        let _ = replica.sync();
    }

    let reg_a = registry.export(&org_a);
    let reg_b = registry.export(&org_b);
    for (name, replica, expected) in [("A1", &a1, &reg_a), ("A2", &a2, &reg_a), ("B", &b, &reg_b)] {
        let mine = replica.export();
        assert!(
            mine == *expected,
            "{name} differs from the registry:\n{}",
            export_diff(&mine, expected)
        );
    }
    assert_eq!(
        field_of(&reg_a, &child, "first_name").as_deref(),
        Some("Anita")
    );
    assert_eq!(
        field_of(&reg_a, &child, "second_last_name").as_deref(),
        Some("López")
    );
    assert_eq!(field_of(&reg_a, &d1, "cvx").as_deref(), Some("08"));
    assert_eq!(field_of(&reg_a, &d2, "cvx").as_deref(), Some("10"));
    assert!(
        !reg_a.contains(&stranger),
        "clinic A must not see clinic B's patient"
    );
    assert!(
        !reg_b.contains(&child),
        "clinic B must not see clinic A's patient"
    );
    assert!(count_kind(&reg_a, "dose") > 20 && count_kind(&reg_a, "patient") == 21);

    // Caught up: another sync moves nothing.
    assert_eq!(a1.sync(), (0, 0, 0));
}
