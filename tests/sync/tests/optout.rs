//! Opt-out, as the registry promises: a family's decline recorded at one
//! clinic reaches the registry ahead of that clinic's other changes; from
//! then on the registry refuses data for the patient from every clinic
//! (`rejected`, `opted_out`) and keeps only a minimal record, every clinic
//! that has the patient is told, and each keeps its own chart, holding its
//! unsent changes for the patient (never pushed, never lost). Registry staff
//! delete a patient's data on request the same way.

use salal_sync_tests::{Registry, Replica, field_of};

fn line_of<'a>(export: &'a str, id: &str) -> &'a str {
    export
        .lines()
        .find(|l| l.contains(&format!("\"id\":\"{id}\"")))
        .unwrap_or_default()
}

const CHILD: [&str; 16] = [
    "--first",
    "Rosa",
    "--last",
    "Quintero",
    "--second-last",
    "Vargas",
    "--birth-date",
    "2021-09-14",
    "--sex",
    "F",
    "--mother-maiden",
    "Vargas Ruiz",
    "--phone",
    "360-555-0142",
    "--address",
    "44 River St",
];

#[test]
fn a_decline_reaches_the_registry_first_and_every_clinic_honors_it() {
    let registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    let a = Replica::enrolled(&registry, &org_a);
    let b = Replica::enrolled(&registry, &org_b);
    let mut add = vec!["patient", "add"];
    add.extend_from_slice(&CHILD);
    add.push("--force");
    let rosa = a.ok(&add).trim().to_owned();
    let first_dose = a.add_dose(&rosa, "08", "2021-09-14");
    assert_eq!(a.sync().2, 0, "nothing refused");
    // Mount Vernon registers her too: the registry makes them one record.
    let copy = b.ok(&add).trim().to_owned();
    let b_dose = b.add_dose(&copy, "20", "2021-11-14");
    assert_eq!(b.sync().2, 0, "nothing refused");
    assert!(
        b.export().contains(&first_dose),
        "Mount Vernon sees the first dose"
    );

    // Yakima records a dose, then the family declines: the decline goes
    // first and the dose is held here.
    let held = a.add_dose(&rosa, "10", "2021-11-20");
    a.ok(&[
        "consent",
        "--patient",
        &rosa,
        "--opt-out",
        "--reason",
        "family request",
        "--form-on-file",
    ]);
    let (_, _, rejected) = a.sync();
    assert_eq!(rejected, 0, "nothing was refused: the dose never left");
    let theirs = registry.export(&org_a);
    let record = line_of(&theirs, &rosa);
    assert!(record.contains("\"status\":\"opted_out\""), "{record}");
    assert!(
        !record.contains("360-555-0142"),
        "only the minimal record: {record}"
    );
    assert!(!record.contains("River"), "{record}");
    for dose in [&first_dose, &held, &b_dose] {
        assert!(
            !theirs.contains(dose.as_str()),
            "the registry keeps no dose: {theirs}"
        );
    }
    // Nor the fields of Mount Vernon's registration, merged into hers.
    let kept = registry.sql(&format!(
        "SELECT fields::text FROM records WHERE entity = 'patient' AND id IN ('{rosa}', '{copy}')"
    ));
    assert_eq!(kept.lines().count(), 2, "{kept}");
    assert!(
        !kept.contains("360-555-0142") && !kept.contains("River"),
        "{kept}"
    );
    let unsent: String = registry.sql(&format!(
        "SELECT count(*) FROM ops WHERE record_id = '{held}'"
    ));
    assert_eq!(unsent.trim(), "0", "the held dose was never pushed");
    // Yakima keeps its whole chart.
    let mine = a.export();
    for dose in [&first_dose, &held] {
        assert!(mine.contains(dose.as_str()), "{mine}");
    }
    assert!(line_of(&mine, &rosa).contains("360-555-0142"));
    assert!(a.ok(&["patient", "show", &rosa]).contains("Rosa"));

    // Mount Vernon, not yet told, records a dose: the registry refuses it,
    // the clinic keeps it. Then it is told, and the next dose is held.
    let refused = b.add_dose(&copy, "10", "2021-12-01");
    let (_, _, rejected) = b.sync();
    assert_eq!(rejected, 1, "the registry refused the dose");
    let mv = b.export();
    assert!(mv.contains(&refused) && mv.contains(&b_dose), "{mv}");
    assert!(
        line_of(&mv, &rosa).contains("\"status\":\"opted_out\""),
        "told: {mv}"
    );
    assert!(
        line_of(&mv, &copy).contains("360-555-0142"),
        "Mount Vernon keeps its chart: {mv}"
    );
    assert!(
        line_of(&mv, &copy).contains("\"status\":\"opted_out\""),
        "{mv}"
    );
    let later = b.add_dose(&copy, "10", "2022-01-05");
    let (pushed, _, rejected) = b.sync();
    assert_eq!((pushed, rejected), (0, 0), "held, not sent");
    assert!(b.export().contains(&later));
    let audit = registry.sql(&format!(
        "SELECT action FROM audit WHERE patient_id = '{rosa}' ORDER BY id"
    ));
    assert!(audit.lines().any(|l| l == "opt_out"), "{audit}");
}

#[test]
fn registry_staff_delete_a_patient_on_request_and_clinics_are_told() {
    let registry = Registry::start();
    let org = registry.add_org("Clínica del Valle");
    let a = Replica::enrolled(&registry, &org);
    let mut add = vec!["patient", "add"];
    add.extend_from_slice(&CHILD);
    add.push("--force");
    let rosa = a.ok(&add).trim().to_owned();
    let dose = a.add_dose(&rosa, "08", "2021-09-14");
    assert_eq!(a.sync().2, 0, "nothing refused");
    let bad = registry.run(&["patient", "delete", "not-an-id", "--reason", "x"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let out = registry.run(&[
        "patient",
        "delete",
        &rosa,
        "--reason",
        "parent's written request",
        "--by",
        "maria",
    ]);
    assert!(out.status.success(), "{out:?}");
    let theirs = registry.export(&org);
    assert!(
        line_of(&theirs, &rosa).contains("\"status\":\"opted_out\""),
        "{theirs}"
    );
    assert!(!theirs.contains(&dose), "{theirs}");
    assert_eq!(a.sync().2, 0, "nothing refused");
    let mine = a.export();
    let record = line_of(&mine, &rosa);
    assert!(record.contains("parent's written request"), "{record}");
    assert!(
        record.contains("360-555-0142"),
        "the clinic keeps its chart: {record}"
    );
    assert!(mine.contains(&dose));
    assert_eq!(
        field_of(&mine, &rosa, "first_name").as_deref(),
        Some("Rosa")
    );
    let audit = registry.sql(&format!(
        "SELECT actor || ' ' || action FROM audit WHERE patient_id = '{rosa}'"
    ));
    assert!(audit.contains("staff:maria patient_delete"), "{audit}");
}
