//! The clinic killed with SIGKILL at random moments in the middle of a push
//! and in the middle of a bootstrap pull: afterwards every record is at the
//! registry exactly once and the new computer resumes where it stopped.

use rand::Rng;
use salal_sync_tests::{Registry, Replica, count_kind, export_diff, without_duplicate_links};
use std::time::Duration;

#[test]
fn killing_the_clinic_mid_sync_loses_and_doubles_nothing() {
    let registry = Registry::start();
    let org = registry.add_org("Clínica del Valle");
    let a1 = Replica::new();
    a1.ok(&["demo", "--patients", "1"]);
    a1.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org),
    ]);
    a1.ok(&["demo", "--patients", "250", "--seed", "5"]);
    let local = a1.export();

    let mut rng = rand::rng();
    for _ in 0..6 {
        let mut child = a1.command(&["sync"]).spawn().expect("salal sync");
        std::thread::sleep(Duration::from_millis(rng.random_range(30..500)));
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = a1.sync();
    assert_eq!(a1.sync(), (0, 0, 0));
    let theirs = registry.export(&org);
    let synced = a1.export();
    assert!(synced == theirs, "{}", export_diff(&synced, &theirs));
    // Everything typed before the kills is there once; the registry only
    // added its links between reports of one dose.
    let unlinked = without_duplicate_links(&theirs);
    assert!(local == unlinked, "{}", export_diff(&local, &unlinked));

    // A new computer's bootstrap, killed mid-pull, resumes on the same device.
    let code = registry.enroll_code(&org);
    let a2 = Replica::new();
    for _ in 0..4 {
        let mut child = a2
            .command(&["enroll", "--registry", &registry.url(), "--code", &code])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("salal enroll");
        std::thread::sleep(Duration::from_millis(rng.random_range(200..900)));
        let _ = child.kill();
        let _ = child.wait();
    }
    a2.ok(&["enroll", "--registry", &registry.url(), "--code", &code]);
    let mine = a2.export();
    assert!(mine == theirs, "{}", export_diff(&mine, &theirs));
    assert_eq!(count_kind(&mine, "patient"), 251);
}
