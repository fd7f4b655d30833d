//! Bringing a family's record to a new clinic: a child vaccinated in Yakima
//! turns up in Mount Vernon, whose search finds nothing; `salal lookup` asks
//! the registry, which lists the child (and not a namesake born the same
//! day, nor a child whose family declined the registry), `salal lookup
//! --fetch` brings the record with every dose, later doses arrive with the
//! ordinary sync, and the registry's audit log has both requests. With the
//! registry down the lookup says so and exits 1.

use salal_sync_tests::{Registry, Replica, export_diff};

/// A clinic set up under `name` (the name it gives its organization) and enrolled.
fn enrolled(registry: &Registry, org: &str, name: &str) -> Replica {
    let replica = Replica::new();
    replica.ok(&["init", "--clinic", name, "--admin", "admin"]);
    replica.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(org),
    ]);
    replica
}

fn register(replica: &Replica, args: &[&str]) -> String {
    let mut all = vec!["patient", "add"];
    all.extend_from_slice(args);
    all.push("--force");
    replica.ok(&all).trim().to_owned()
}

/// `salal sync`, requiring that the registry refused nothing.
fn synced(replica: &Replica) {
    let (_, _, rejected) = replica.sync();
    assert_eq!(rejected, 0);
}

/// Dose lines of an export that name `patient`.
fn doses_of(export: &str, patient: &str) -> usize {
    export
        .lines()
        .filter(|l| l.ends_with("\"kind\":\"dose\"}"))
        .filter(|l| l.contains(&format!("\"patient_id\":\"{patient}\"")))
        .count()
}

fn assert_converged(replica: &Replica, registry: &Registry, org: &str) -> String {
    let mine = replica.export();
    let theirs = registry.export(org);
    assert!(mine == theirs, "{}", export_diff(&mine, &theirs));
    mine
}

#[test]
fn a_child_known_at_another_clinic_is_found_fetched_and_kept_up_to_date() {
    let mut registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    let yakima = enrolled(&registry, &org_a, "Clínica del Valle");
    let mount_vernon = enrolled(&registry, &org_b, "Mount Vernon Family Clinic");

    let lucia = register(
        &yakima,
        &[
            "--first",
            "Lucía",
            "--last",
            "Hernández",
            "--second-last",
            "Ruiz",
            "--birth-date",
            "2021-04-12",
            "--sex",
            "F",
            "--phone",
            "509-555-0142",
            "--address",
            "8 Orchard Rd",
        ],
    );
    let hep_b = yakima.add_dose(&lucia, "08", "2021-04-12");
    let dtap = yakima.add_dose(&lucia, "20", "2021-06-14");
    // Born the same day, another child entirely.
    let stranger = register(
        &yakima,
        &[
            "--first",
            "Pedro",
            "--last",
            "Sánchez",
            "--birth-date",
            "2021-04-12",
            "--sex",
            "M",
        ],
    );
    // A family that declined the registry is never found.
    let declined = register(
        &yakima,
        &[
            "--first",
            "Mateo",
            "--last",
            "Ruiz",
            "--birth-date",
            "2021-04-12",
            "--sex",
            "M",
        ],
    );
    synced(&yakima);
    yakima.ok(&[
        "consent",
        "--patient",
        &declined,
        "--opt-out",
        "--form-on-file",
    ]);
    synced(&yakima);

    // Mount Vernon does not know her.
    let here = mount_vernon.run(&["search", "lucia hernandez"]);
    assert!(!String::from_utf8_lossy(&here.stdout).contains(&lucia));

    // The registry does, in either order of the name, accents or not.
    for name in ["Lucía Hernández", "Hernandez Lucia", "LUCIA HERNANDEZ RUIZ"] {
        let found = mount_vernon.ok(&["lookup", "--name", name, "--birth-date", "2021-04-12"]);
        let lines: Vec<&str> = found.lines().collect();
        assert_eq!(
            lines.first().copied(),
            Some(format!("{lucia}\tHernández Ruiz, Lucía\t2021-04-12\tClínica del Valle").as_str()),
            "{name}: {found}"
        );
        assert!(!found.contains(&stranger), "{name}: {found}");
        assert!(!found.contains(&declined), "{name}: {found}");
        assert!(
            !found.contains("509") && !found.contains("Orchard"),
            "{found}"
        );
    }
    let out = mount_vernon.run(&[
        "lookup",
        "--name",
        "Mateo Ruiz",
        "--birth-date",
        "2021-04-12",
    ]);
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    // Another birth date: nobody.
    let out = mount_vernon.run(&[
        "lookup",
        "--name",
        "Lucía Hernández",
        "--birth-date",
        "2020-01-01",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("knows no patient"),
        "{out:?}"
    );

    // Fetching brings the patient and every dose; the replica agrees with the registry.
    let fetched = mount_vernon.ok(&["lookup", "--fetch", &lucia]);
    assert_eq!(fetched.trim(), lucia);
    let mv = assert_converged(&mount_vernon, &registry, &org_b);
    assert!(mv.contains(&format!("\"id\":\"{lucia}\"")), "{mv}");
    assert_eq!(doses_of(&mv, &lucia), 2, "{mv}");
    for dose in [&hep_b, &dtap] {
        assert!(mv.contains(dose.as_str()), "{mv}");
    }
    assert!(!mv.contains(&stranger), "only the child fetched: {mv}");
    assert!(
        !mv.contains("555-0142") && !mv.contains("Orchard"),
        "Yakima's private fields stay Yakima's: {mv}"
    );
    let shown = mount_vernon.ok(&["patient", "show", &lucia]);
    assert!(shown.contains("Hernández Ruiz, Lucía"), "{shown}");
    // Fetching again changes nothing.
    assert_eq!(
        mount_vernon.ok(&["lookup", "--fetch", &lucia]).trim(),
        lucia
    );

    // A dose Yakima records later reaches Mount Vernon on the ordinary sync.
    let ipv = yakima.add_dose(&lucia, "10", "2021-08-16");
    synced(&yakima);
    synced(&mount_vernon);
    let mv = assert_converged(&mount_vernon, &registry, &org_b);
    assert_eq!(doses_of(&mv, &lucia), 3, "{mv}");
    assert!(mv.contains(&ipv), "{mv}");
    // And one Mount Vernon records reaches Yakima.
    let mmr = mount_vernon.add_dose(&lucia, "03", "2022-04-12");
    synced(&mount_vernon);
    synced(&yakima);
    let yk = assert_converged(&yakima, &registry, &org_a);
    assert!(yk.contains(&mmr), "{yk}");

    // The registry's audit log: who asked for what, and who took which record.
    let audit = registry.sql(&format!(
        "SELECT action, actor LIKE 'device:%', org_id, coalesce(patient_id::text, ''), detail
         FROM audit WHERE action IN ('lookup', 'fetch') AND org_id = '{org_b}' ORDER BY id"
    ));
    let rows: Vec<Vec<&str>> = audit.lines().map(|l| l.split('|').collect()).collect();
    let lookups: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "lookup").collect();
    let fetches: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "fetch").collect();
    assert_eq!(lookups.len(), 5, "{audit}");
    assert!(
        lookups[0][4].starts_with("name=Lucía Hernández; birth_date=2021-04-12"),
        "{audit}"
    );
    assert_eq!(fetches.len(), 2, "{audit}");
    assert!(rows.iter().all(|r| r[1] == "t" && r[2] == org_b), "{audit}");
    assert!(fetches.iter().all(|r| r[3] == lucia), "{audit}");

    // Registry down: a clear message, exit code 1, nothing changed here.
    registry.kill();
    for (lang, text) in [
        ("en", "Search again when the network is back"),
        ("es", "Vuelva a buscar cuando regrese la conexión"),
    ] {
        let out = mount_vernon
            .command(&[
                "lookup",
                "--name",
                "Lucía Hernández",
                "--birth-date",
                "2021-04-12",
            ])
            .env("SALAL_LANG", lang)
            .output()
            .expect("salal runs");
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(text), "{stderr}");
    }
    let out = mount_vernon.run(&["lookup", "--fetch", &lucia]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("The registry cannot be reached"),
        "{out:?}"
    );
}

#[test]
fn bad_input_is_refused_with_exit_code_2() {
    let registry = Registry::start();
    let org = registry.add_org("Clínica del Valle");
    let clinic = enrolled(&registry, &org, "Clínica del Valle");
    for args in [
        &["lookup", "--name", "Lucía Hernández"][..],
        &["lookup", "--name", "Lucía", "--birth-date", "12/04/2021"],
        &["lookup", "--fetch", "not-an-id"],
        &[
            "lookup",
            "--fetch",
            "0190a000-0000-7000-8000-000000000000",
            "--name",
            "Ana",
        ],
    ] {
        let out = clinic.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
    // An id the registry does not have.
    let out = clinic.run(&["lookup", "--fetch", "0190a000-0000-7000-8000-000000000000"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("The registry has no such patient"),
        "{out:?}"
    );
}
