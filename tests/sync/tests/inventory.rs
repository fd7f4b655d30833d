//! Vaccine stock across the computers of one clinic, through a real registry
//! over HTTPS and PostgreSQL: two computers give doses from the same lot
//! offline and both end with the same on-hand; a count on one during a dose
//! on the other keeps that dose counted; an order moved forward on one
//! computer cannot be moved back by a stale one; another clinic sees none of it.

use salal_sync_tests::{Registry, Replica};

const FLU_SCAN: &str = "]d20100349281425509\u{1d}10UT8021AA\u{1d}17271200";
const LINE: &str = "49281-0425-50 UT8021AA 2027-12-31 VXC51 Refrigerator";

fn give(r: &Replica, patient: &str) {
    r.ok(&[
        "dose",
        "add",
        "--patient",
        patient,
        "--lot-id",
        "UT8021AA",
        "--amount",
        "0.5",
        "--route",
        "C28161",
        "--site",
        "LA",
        "--vfc",
        "V02",
        "--provider",
        "RN Ana",
    ]);
}

/// One sync that the registry refused nothing of.
fn sync(r: &Replica) {
    let (_, _, rejected) = r.sync();
    assert_eq!(rejected, 0);
}

fn on_hand(r: &Replica) -> String {
    r.ok(&["stock", "on-hand"]).trim().to_owned()
}

#[test]
fn two_computers_of_a_clinic_share_one_ledger_through_the_registry() {
    let registry = Registry::start();
    let org = registry.add_org("Clínica del Valle");
    let other_org = registry.add_org("Mount Vernon Family Clinic");
    let a = Replica::new();
    a.ok(&["init", "--clinic", "Clínica del Valle", "--admin", "admin"]);
    a.ok(&[
        "stock",
        "receive",
        "--scan",
        FLU_SCAN,
        "--quantity",
        "10",
        "--funding",
        "VXC51",
    ]);
    a.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org),
    ]);
    let b = Replica::new();
    b.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&org),
    ]);
    assert_eq!(
        on_hand(&b),
        format!("{LINE} 10"),
        "the second computer received the ledger"
    );

    // Offline, each gives doses from the same lot.
    let child_a = a.add_patient("Ana", "Mora", "2026-01-15");
    let child_b = b.add_patient("Luis", "Paz", "2025-12-01");
    give(&a, &child_a);
    give(&a, &child_a);
    give(&b, &child_b);
    assert_eq!(on_hand(&a), format!("{LINE} 8"));
    assert_eq!(on_hand(&b), format!("{LINE} 9"));
    for r in [&a, &b, &a, &b] {
        sync(r);
    }
    assert_eq!(on_hand(&a), format!("{LINE} 7"));
    assert_eq!(on_hand(&b), format!("{LINE} 7"));

    // A counts 7 while B gives one more: after sync both hold 6, and the count is kept.
    a.ok(&["stock", "count", "--lot", "UT8021AA", "--counted", "7"]);
    give(&b, &child_b);
    for r in [&a, &b, &a, &b] {
        sync(r);
    }
    assert_eq!(on_hand(&a), format!("{LINE} 6"));
    assert_eq!(on_hand(&b), format!("{LINE} 6"));
    b.ok(&["stock", "reconciliation"]);

    // An order moved forward on A cannot be undone by a stale change from B.
    let created = a.ok(&["order", "create", "--line", "49281-0425-50:VXC51:20"]);
    let order = created.split_whitespace().next().unwrap().to_owned();
    a.ok(&["order", "submit", &order]);
    sync(&a);
    sync(&b);
    assert!(
        b.ok(&["order", "list"])
            .contains(&format!("{order} submitted"))
    );
    a.ok(&["order", "approve", &order]);
    a.ok(&["order", "ship", &order]);
    sync(&a);
    // B still sees it submitted and cancels it offline; the registry keeps it shipped.
    b.ok(&["order", "cancel", &order]);
    sync(&b);
    sync(&a);
    sync(&b);
    assert!(
        a.ok(&["order", "list"])
            .contains(&format!("{order} shipped")),
        "{}",
        a.ok(&["order", "list"])
    );
    assert!(
        b.ok(&["order", "list"])
            .contains(&format!("{order} shipped")),
        "{}",
        b.ok(&["order", "list"])
    );

    // Another clinic sees none of this clinic's stock or orders.
    let c = Replica::new();
    c.ok(&[
        "init",
        "--clinic",
        "Mount Vernon Family Clinic",
        "--admin",
        "admin",
    ]);
    c.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(&other_org),
    ]);
    assert_eq!(on_hand(&c), "");
    assert_eq!(c.ok(&["order", "list"]).trim(), "");
}
