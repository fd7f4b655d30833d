//! Records that follow families: two clinics register the same child
//! offline, each records a dose, and after they sync the registry holds one
//! record with both doses that both clinics show; the second registration
//! stays, marked merged into the first, and changes still naming it land on
//! the survivor. Twins registered at two clinics stay two.

use salal_sync_tests::{Registry, Replica, assert_converged, doses_of, field_of};

#[test]
fn the_same_child_registered_at_two_clinics_becomes_one_record() {
    let registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    let yakima = Replica::enrolled(&registry, &org_a);
    let mount_vernon = Replica::enrolled(&registry, &org_b);

    // March in Yakima.
    let first = yakima.register(&[
        "--first",
        "José",
        "--last",
        "García",
        "--second-last",
        "López",
        "--birth-date",
        "2019-03-07",
        "--sex",
        "M",
        "--mother-maiden",
        "Hernández",
        "--phone",
        "509-555-0101",
    ]);
    let hep_b = yakima.add_dose(&first, "08", "2019-03-07");
    assert_eq!(yakima.sync().2, 0, "nothing refused");
    // June in Mount Vernon: typed without accents, phone written another way.
    let second = mount_vernon.register(&[
        "--first",
        "JOSE",
        "--last",
        "GARCIA",
        "--second-last",
        "LOPEZ",
        "--birth-date",
        "2019-03-07",
        "--sex",
        "M",
        "--mother-maiden",
        "Hernandez",
        "--phone",
        "(509) 555 0101",
    ]);
    let dtap = mount_vernon.add_dose(&second, "20", "2019-05-07");
    let (_, _, rejected) = mount_vernon.sync();
    assert_eq!(rejected, 0);
    assert_eq!(yakima.sync().2, 0, "nothing refused");

    // Mount Vernon sees one José with both doses; its own registration is
    // kept, marked merged into the record Yakima made.
    let mv = assert_converged(&mount_vernon, &registry, &org_b);
    assert_eq!(
        field_of(&mv, &second, "merged_into").as_deref(),
        Some(first.as_str())
    );
    assert_eq!(doses_of(&mv, &first), 2, "{mv}");
    assert_eq!(doses_of(&mv, &second), 0);
    let found = mount_vernon.ok(&["search", "jose garcia"]);
    assert!(found.contains(&first), "{found}");
    assert!(
        !found.contains(&second),
        "the merged copy leaves search: {found}"
    );
    // So does Yakima.
    let yk = assert_converged(&yakima, &registry, &org_a);
    assert_eq!(doses_of(&yk, &first), 2, "{yk}");
    for dose in [&hep_b, &dtap] {
        assert_eq!(
            field_of(&yk, dose, "patient_id").as_deref(),
            Some(first.as_str())
        );
    }

    // A dose Mount Vernon records under the old id (a screen left open)
    // lands on the survivor at the registry and at both clinics.
    let late = mount_vernon.add_dose(&second, "10", "2019-07-07");
    assert_eq!(mount_vernon.sync().2, 0, "nothing refused");
    assert_eq!(mount_vernon.sync().2, 0, "nothing refused");
    assert_eq!(yakima.sync().2, 0, "nothing refused");
    let mv = assert_converged(&mount_vernon, &registry, &org_b);
    assert_eq!(
        field_of(&mv, &late, "patient_id").as_deref(),
        Some(first.as_str())
    );
    let yk = assert_converged(&yakima, &registry, &org_a);
    assert_eq!(doses_of(&yk, &first), 3, "{yk}");
    let review = registry.run(&["review", "list"]);
    assert!(review.status.success(), "{review:?}");
    assert!(
        String::from_utf8_lossy(&review.stdout).ends_with("0 pairs to review\n"),
        "{review:?}"
    );
}

/// Two computers of one clinic register the same child while offline, with
/// the clinic's chart number on both: the chart number makes them one record
/// even though the names were typed differently; a third registration of a
/// similar name under another chart number of that clinic stays apart.
#[test]
fn one_clinics_chart_number_makes_two_registrations_one_record() {
    let registry = Registry::start();
    let org = registry.add_org("Clínica del Valle");
    let front_desk = Replica::enrolled(&registry, &org);
    let exam_room = Replica::enrolled(&registry, &org);
    let first = front_desk.register(&[
        "--first",
        "Guadalupe",
        "--last",
        "Ramírez",
        "--second-last",
        "Ortiz",
        "--birth-date",
        "2020-05-14",
        "--sex",
        "F",
        "--mrn",
        "004417",
    ]);
    assert_eq!(front_desk.sync().2, 0, "nothing refused");
    // Offline in the exam room: a nickname, one surname, the same chart.
    let second = exam_room.register(&[
        "--first",
        "Lupe",
        "--last",
        "Ramirez",
        "--birth-date",
        "2020-05-14",
        "--sex",
        "F",
        "--mrn",
        "004417",
    ]);
    // The same names under another chart number: another child.
    let third = exam_room.register(&[
        "--first",
        "Lupe",
        "--last",
        "Ramirez",
        "--birth-date",
        "2020-05-14",
        "--sex",
        "F",
        "--mrn",
        "005120",
    ]);
    assert_eq!(exam_room.sync().2, 0, "nothing refused");
    assert_eq!(front_desk.sync().2, 0, "nothing refused");
    let exported = assert_converged(&exam_room, &registry, &org);
    assert_eq!(
        field_of(&exported, &second, "merged_into").as_deref(),
        Some(first.as_str()),
        "{exported}"
    );
    assert_eq!(
        field_of(&exported, &third, "merged_into"),
        None,
        "{exported}"
    );
    // The survivor keeps the clinic's chart number; it never enters the
    // record other organizations share.
    assert_eq!(
        field_of(&exported, &first, "medical_record_number").as_deref(),
        Some("004417")
    );
    let shared = registry.sql("SELECT fields::text FROM records WHERE entity = 'patient'");
    assert!(!shared.contains("004417"), "{shared}");
    let _ = assert_converged(&front_desk, &registry, &org);
}

#[test]
fn twins_registered_at_two_clinics_stay_two() {
    let registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    let a = Replica::enrolled(&registry, &org_a);
    let b = Replica::enrolled(&registry, &org_b);
    let family = [
        "--last",
        "García",
        "--second-last",
        "López",
        "--birth-date",
        "2020-06-01",
        "--mother-maiden",
        "Hernández",
        "--phone",
        "509-555-0199",
        "--address",
        "12 Orchard Rd",
    ];
    let mut maria = vec!["--first", "María", "--sex", "F"];
    maria.extend_from_slice(&family);
    let mut lucia = vec!["--first", "Lucía", "--sex", "F"];
    lucia.extend_from_slice(&family);
    let m = a.register(&maria);
    assert_eq!(a.sync().2, 0, "nothing refused");
    let l = b.register(&lucia);
    assert_eq!(b.sync().2, 0, "nothing refused");
    assert_eq!(a.sync().2, 0, "nothing refused");
    let exported = assert_converged(&b, &registry, &org_b);
    assert_eq!(field_of(&exported, &l, "merged_into"), None, "{exported}");
    assert!(!exported.contains(&m), "B never sees A's twin: {exported}");
    let exported = assert_converged(&a, &registry, &org_a);
    assert_eq!(field_of(&exported, &m, "merged_into"), None);
}

#[test]
fn the_same_dose_reported_by_two_clinics_is_shown_once_and_kept_twice() {
    let registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    let a = Replica::enrolled(&registry, &org_a);
    let b = Replica::enrolled(&registry, &org_b);
    let child = [
        "--first",
        "Elena",
        "--last",
        "Morales",
        "--birth-date",
        "2019-02-01",
        "--sex",
        "F",
        "--mother-maiden",
        "Paredes",
        "--phone",
        "509-555-0123",
    ];
    let elena = a.register(&child);
    let first = a.add_dose(&elena, "08", "2019-04-02");
    assert_eq!(a.sync().2, 0, "nothing refused");
    // The family's paper card, typed again at the next clinic, a day off.
    let copy = b.register(&child);
    let again = b.add_dose(&copy, "08", "2019-04-03");
    let other = b.add_dose(&copy, "20", "2019-04-03");
    assert_eq!(b.sync().2, 0, "nothing refused");
    assert_eq!(a.sync().2, 0, "nothing refused");
    for (replica, org) in [(&a, &org_a), (&b, &org_b)] {
        let mine = assert_converged(replica, &registry, org);
        assert_eq!(
            field_of(&mine, &again, "duplicate_of").as_deref(),
            Some(first.as_str()),
            "{mine}"
        );
        assert_eq!(field_of(&mine, &first, "duplicate_of"), None);
        assert_eq!(
            field_of(&mine, &other, "duplicate_of"),
            None,
            "another vaccine group"
        );
        assert_eq!(doses_of(&mine, &elena), 3, "both reports are kept");
        let shown = replica.ok(&["patient", "show", &elena]);
        let lines = |cvx: &str| {
            shown
                .lines()
                .filter(|l| l.contains(&format!("({cvx})")))
                .count()
        };
        assert_eq!(
            lines("08"),
            1,
            "the hepatitis B dose is shown once: {shown}"
        );
        assert_eq!(lines("20"), 1, "{shown}");
    }
}

/// `curl` against the registry's administration API with a staff token.
fn admin(
    registry: &Registry,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String) {
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-s", "-k", "-o", "-", "-w", "\n%{http_code}", "-X", method])
        .arg("-H")
        .arg(format!("Authorization: Bearer {token}"))
        .arg(format!("{}{path}", registry.url()));
    if let Some(body) = body {
        cmd.args(["-H", "Content-Type: application/json", "-d", body]);
    }
    let out = cmd.output().expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or((&text, "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

#[test]
fn near_matches_wait_for_staff_who_decide_by_command_or_api() {
    let registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    let a = Replica::enrolled(&registry, &org_a);
    let b = Replica::enrolled(&registry, &org_b);
    // Name, birth date and sex agree, nothing else is known: staff decide.
    let lucas = [
        "--first",
        "Lucas",
        "--last",
        "Pérez",
        "--birth-date",
        "2020-01-05",
        "--sex",
        "M",
    ];
    let one = a.register(&lucas);
    assert_eq!(a.sync().2, 0, "nothing refused");
    let two = b.register(&lucas);
    assert_eq!(b.sync().2, 0, "nothing refused");
    let out = registry.run(&["review", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(listed.contains(&one) && listed.contains(&two), "{listed}");
    assert!(listed.ends_with("1 pairs to review\n"), "{listed}");

    // The API needs a staff token, and sees the same queue.
    let (status, _) = admin(&registry, "staff-wrong", "GET", "/admin/v1/reviews", None);
    assert_eq!(status, 401);
    let token = String::from_utf8_lossy(&registry.run(&["staff", "add", "--name", "rosa"]).stdout)
        .trim()
        .to_owned();
    let (status, body) = admin(&registry, &token, "GET", "/admin/v1/reviews", None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&one) && body.contains(&two), "{body}");
    let (status, body) = admin(
        &registry,
        &token,
        "POST",
        "/admin/v1/reviews/merge",
        Some(&format!("{{\"survivor\":\"{one}\",\"merged\":\"{two}\"}}")),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(b.sync().2, 0, "nothing refused");
    assert_eq!(a.sync().2, 0, "nothing refused");
    let mv = assert_converged(&b, &registry, &org_b);
    assert_eq!(
        field_of(&mv, &two, "merged_into").as_deref(),
        Some(one.as_str())
    );
    let (status, body) = admin(
        &registry,
        &token,
        "POST",
        "/admin/v1/reviews/merge",
        Some(&format!("{{\"survivor\":\"{one}\",\"merged\":\"{two}\"}}")),
    );
    assert_eq!(status, 422, "already one record: {body}");

    // Another near pair, called distinct at the command line: remembered.
    let ana = [
        "--first",
        "Ana",
        "--last",
        "Ruiz",
        "--birth-date",
        "2021-07-07",
        "--sex",
        "F",
    ];
    let three = a.register(&ana);
    assert_eq!(a.sync().2, 0, "nothing refused");
    let four = b.register(&ana);
    assert_eq!(b.sync().2, 0, "nothing refused");
    let out = registry.run(&["review", "distinct", &three, &four, "--by", "rosa"]);
    assert!(out.status.success(), "{out:?}");
    let listed = String::from_utf8_lossy(&registry.run(&["review", "list"]).stdout).into_owned();
    assert!(listed.ends_with("0 pairs to review\n"), "{listed}");
    let audit = registry.sql("SELECT actor || ' ' || action FROM audit ORDER BY id");
    for line in [
        "staff:rosa review_list",
        "staff:rosa patient_merge",
        "staff:rosa patient_distinct",
    ] {
        assert!(audit.lines().any(|l| l == line), "{line}: {audit}");
    }
}
