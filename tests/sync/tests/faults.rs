//! A degraded link between a clinic and the registry: connections dropped,
//! requests cut mid-transfer, answers cut after the registry applied a push,
//! slow links, and the registry killed mid-push. Each failed sync exits 1
//! with a clear message; afterwards nothing is lost, nothing is doubled and
//! the replica equals the registry.

use salal_sync_tests::{Fault, Proxy, Registry, Replica, count_kind, export_diff};

fn sync_fails(replica: &Replica) {
    let out = replica.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "sync should fail: {out:?}");
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("registry"), "a clear message: {message}");
}

#[test]
fn a_degraded_link_delays_data_but_never_loses_or_doubles_it() {
    let mut registry = Registry::start();
    let org = registry.add_org("Clínica del Valle");
    let proxy = Proxy::start(registry.port);
    let clinic = Replica::new();
    clinic.ok(&["demo", "--patients", "1"]);
    clinic.ok(&[
        "enroll",
        "--registry",
        &proxy.url(),
        "--code",
        &registry.enroll_code(&org),
    ]);
    // Enough new records for several push batches.
    clinic.ok(&["demo", "--patients", "150", "--seed", "3"]);

    for fault in [
        Fault::Drop,
        Fault::CutRequestAfter(3_000),
        Fault::CutAnswerAfter(200),
        Fault::CutAnswerAfter(4_000),
    ] {
        proxy.set(fault);
        sync_fails(&clinic);
    }
    // The registry dies in the middle of a push, and comes back.
    proxy.set(Fault::Delay(200));
    let mut running = clinic.command(&["sync"]).spawn().expect("salal sync");
    std::thread::sleep(std::time::Duration::from_millis(350));
    registry.kill();
    let status = running.wait().expect("wait");
    assert!(!status.success(), "the sync could not have finished");
    registry.restart();

    proxy.set(Fault::Delay(50));
    let (_, _, rejected) = clinic.sync();
    assert_eq!(rejected, 0);
    proxy.set(Fault::Pass);
    assert_eq!(clinic.sync(), (0, 0, 0));

    let mine = clinic.export();
    let theirs = registry.export(&org);
    assert!(
        mine == theirs,
        "replica differs:\n{}",
        export_diff(&mine, &theirs)
    );
    assert_eq!(count_kind(&theirs, "patient"), 151);
    let ids: std::collections::BTreeSet<&str> = theirs.lines().collect();
    assert_eq!(ids.len(), theirs.lines().count(), "no record twice");
}
