//! Fields private to the organization that entered them (a patient's phone
//! and address, its chart number) never leave the registry for another organization, by any
//! way a clinic can ask: the pull after a merge, a new computer's bootstrap
//! pull, and the registry's own export for that organization. The
//! organization that entered them still gets them back everywhere.

use salal_sync_tests::{Registry, Replica, export_diff};

const PHONE: &str = "206-555-0177";
const STREET: &str = "9 Cedar Lane";
const B_CHART: &str = "MV-48213";
const A_CHART: &str = "YK-0099";

#[test]
fn another_clinics_phone_and_address_never_reach_this_clinic() {
    let registry = Registry::start();
    let org_a = registry.add_org("Clínica del Valle");
    let org_b = registry.add_org("Mount Vernon Family Clinic");
    let b = Replica::enrolled(&registry, &org_b);
    let a = Replica::enrolled(&registry, &org_a);
    let child = [
        "--first",
        "Tomás",
        "--last",
        "Ibarra",
        "--second-last",
        "Soto",
        "--birth-date",
        "2022-02-11",
        "--sex",
        "M",
        "--mother-maiden",
        "Castillo",
    ];
    let mut add = vec!["patient", "add"];
    add.extend_from_slice(&child);
    add.extend_from_slice(&[
        "--phone",
        PHONE,
        "--address",
        STREET,
        "--city",
        "Mount Vernon",
        "--mrn",
        B_CHART,
        "--force",
    ]);
    let tomas = b.ok(&add).trim().to_owned();
    let dose = b.add_dose(&tomas, "08", "2022-02-11");
    assert_eq!(b.sync().2, 0, "nothing refused");
    // Clinic A registers him too (no phone): one record, shared by both.
    let mut add = vec!["patient", "add"];
    add.extend_from_slice(&child);
    add.extend_from_slice(&["--mrn", A_CHART, "--force"]);
    let copy = a.ok(&add).trim().to_owned();
    assert_eq!(a.sync().2, 0, "nothing refused");
    assert_eq!(a.sync().2, 0, "nothing refused");
    let mine = a.export();
    assert!(mine.contains(&tomas), "A sees the one record: {mine}");
    assert!(mine.contains(&dose), "and B's dose: {mine}");
    assert!(!mine.contains(PHONE) && !mine.contains(STREET), "{mine}");
    // Each clinic's chart number stays its own.
    assert!(mine.contains(A_CHART) && !mine.contains(B_CHART), "{mine}");
    let theirs = registry.export(&org_a);
    assert!(mine == theirs, "{}", export_diff(&mine, &theirs));
    // A new computer of clinic A, set up from the registry: the same.
    let a2 = Replica::new();
    a2.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org_a),
    ]);
    let bootstrap = a2.export();
    assert!(
        bootstrap.contains(&tomas) && bootstrap.contains(&copy),
        "{bootstrap}"
    );
    assert!(
        !bootstrap.contains(PHONE) && !bootstrap.contains(STREET) && !bootstrap.contains(B_CHART),
        "{bootstrap}"
    );
    // The shared record at the registry holds no private value at all.
    let shared = registry.sql("SELECT fields::text FROM records WHERE entity = 'patient'");
    assert!(
        !shared.contains(PHONE)
            && !shared.contains(STREET)
            && !shared.contains(A_CHART)
            && !shared.contains(B_CHART),
        "{shared}"
    );
    // Clinic B still has its own values, here and at the registry.
    assert_eq!(b.sync().2, 0, "nothing refused");
    let b_export = b.export();
    assert!(
        b_export.contains(PHONE) && b_export.contains(STREET) && b_export.contains(B_CHART),
        "{b_export}"
    );
    let b_theirs = registry.export(&org_b);
    assert!(
        b_export == b_theirs,
        "{}",
        export_diff(&b_export, &b_theirs)
    );
    let b2 = Replica::new();
    b2.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org_b),
    ]);
    assert!(
        b2.export().contains(PHONE) && !b2.export().contains(A_CHART),
        "B's new computer gets B's phone back"
    );
}
