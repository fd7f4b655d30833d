//! PostgreSQL restarted under a running registry: a sync meanwhile fails
//! with a clear message (the registry answers 503), and once PostgreSQL is
//! back the next sync completes with nothing lost. Its own test binary,
//! because it stops the server the other tests share.

use salal_sync_tests::{Registry, Replica, export_diff, pg_ctl};

#[test]
fn a_postgres_restart_delays_sync_and_loses_nothing() {
    let registry = Registry::start();
    let org = registry.add_org("Clínica del Valle");
    let clinic = Replica::new();
    clinic.ok(&["demo", "--patients", "3"]);
    clinic.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org),
    ]);
    let child = clinic.add_patient("Luz", "Méndez", "2022-02-02");
    pg_ctl("stop");
    let out = clinic.run(&["sync"]);
    pg_ctl("start");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("registry"));
    let (pushed, _, rejected) = clinic.sync();
    assert!(pushed >= 1 && rejected == 0);
    let mine = clinic.export();
    let theirs = registry.export(&org);
    assert!(mine == theirs, "{}", export_diff(&mine, &theirs));
    assert!(theirs.contains(&child));
}
