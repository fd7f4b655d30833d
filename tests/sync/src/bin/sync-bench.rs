//! Sync benchmarks on real parts (results go to BENCHMARKS.md):
//!
//! 1. a clinic replica with N patients and 10 doses each (demo families);
//! 2. registry ingest through push: the whole outbox pushed over HTTPS to the
//!    real `salal-registry` on PostgreSQL (doses/s, compressed bytes per dose);
//! 3. replica size per dose once acknowledged changes are trimmed;
//! 4. bootstrap of a new computer of the same clinic over loopback (s), and
//!    its size per dose.
//!
//! ```text
//! scripts/with-postgres.sh scripts/with-keyring.sh \
//!   cargo run --release -p salal-sync-tests --bin sync-bench -- 100000
//! ```

use chrono::NaiveDate;
use salal_clinic::{Clinic, ImportedPatient, SetupRequest, SyncProgress};
use salal_demo::DemoClinic;
use salal_sync_tests::Registry;
use std::time::Instant;

const DOSES_PER_PATIENT: usize = 10;

fn size_of(dir: &std::path::Path) -> u64 {
    ["salal.db", "salal.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

fn main() {
    let patients: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let registry = Registry::start();
    let org = registry.add_org("Benchmark Clinic");

    let work = tempfile::tempdir().expect("tempdir");
    let a_dir = work.path().join("a");
    let request = SetupRequest {
        clinic_name: "Benchmark Clinic".into(),
        admin_username: "admin".into(),
        admin_display_name: "Admin".into(),
        admin_password: salal_sync_tests::PASSWORD.into(),
        ..SetupRequest::default()
    };
    let (clinic, _) = Clinic::setup(&a_dir, &request).expect("setup");
    let clinic = clinic.with_outbox_retention_days(0);
    let session = clinic
        .login("admin", salal_sync_tests::PASSWORD)
        .expect("login");

    let started = Instant::now();
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    let mut batch = Vec::with_capacity(1000);
    let mut doses = 0usize;
    for p in DemoClinic::new(11, as_of).take(patients) {
        let mut events = p.events;
        // Older children have long histories; keep ten doses each.
        while events.len() < DOSES_PER_PATIENT {
            match events.first().cloned() {
                Some(mut extra) => {
                    extra.id = None;
                    extra.lot_number = format!("X{}", events.len());
                    events.push(extra);
                }
                None => break,
            }
        }
        events.truncate(DOSES_PER_PATIENT);
        doses += events.len();
        batch.push(ImportedPatient {
            details: p.details,
            events,
        });
        if batch.len() == 1000 {
            clinic.import_patients(&session, &batch).expect("import");
            batch.clear();
        }
    }
    clinic.import_patients(&session, &batch).expect("import");
    println!(
        "replica: {patients} patients, {doses} doses in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    clinic
        .enroll(&registry.url(), &registry.enroll_code(&org))
        .expect("enroll");
    let started = Instant::now();
    let mut push_done = None;
    let report = clinic
        .sync(&mut |p| {
            if matches!(p, SyncProgress::Pulling { .. }) && push_done.is_none() {
                push_done = Some(started.elapsed());
            }
        })
        .expect("sync");
    let push = push_done.unwrap_or_else(|| started.elapsed()).as_secs_f64();
    let records = report.pushed as f64;
    println!(
        "push: {} changes in {push:.1} s = {:.0} changes/s; {:.1} compressed bytes per change; whole sync {:.1} s",
        report.pushed,
        records / push,
        report.bytes_pushed as f64 / records,
        started.elapsed().as_secs_f64()
    );
    drop(clinic);
    // Reopen (checkpoints the WAL) and measure.
    let clinic = Clinic::open(&a_dir).expect("reopen");
    drop(clinic);
    let a_size = size_of(&a_dir);
    println!(
        "replica A after trimming: {:.1} MB = {:.0} bytes per record ({} records)",
        a_size as f64 / 1e6,
        a_size as f64 / (doses + patients) as f64,
        doses + patients
    );

    let b_dir = work.path().join("b");
    let started = Instant::now();
    let (clinic_b, _, report_b) = Clinic::enroll_new(
        &b_dir,
        &registry.url(),
        &registry.enroll_code(&org),
        &mut |_| {},
    )
    .expect("bootstrap");
    let boot = started.elapsed().as_secs_f64();
    drop(clinic_b);
    let clinic_b = Clinic::open(&b_dir).expect("reopen b");
    drop(clinic_b);
    let b_size = size_of(&b_dir);
    println!(
        "bootstrap: {} records in {boot:.1} s = {:.0} records/s",
        report_b.pulled,
        report_b.pulled as f64 / boot
    );
    println!(
        "replica B (bootstrapped): {:.1} MB = {:.0} bytes per record",
        b_size as f64 / 1e6,
        b_size as f64 / (doses + patients) as f64
    );
}
