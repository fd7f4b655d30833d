//! Printing benchmark, end to end through `salal_clinic` on a real encrypted
//! store: one Certificate of Immunization Status (forecast, school rules,
//! signing and layout), and 1,000 reminder/recall letters.
//!
//! `scripts/with-keyring.sh cargo run --release -p salal-cli --example documents-bench`

use salal_clinic::{Clinic, ImportedPatient, RecallQuery, SetupRequest};
use salal_core::i18n::Lang;
use salal_demo::DemoClinic;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let password = "orchard river demo clinic";
    let request = SetupRequest {
        clinic_name: "Clínica del Valle".to_owned(),
        admin_username: "admin".to_owned(),
        admin_display_name: "Admin".to_owned(),
        admin_password: password.to_owned(),
        language: Lang::En,
    };
    let (clinic, _) = Clinic::setup(dir.path(), &request)?;
    let session = clinic.login("admin", password)?;
    let today = clinic.today();
    let patients: Vec<ImportedPatient> = DemoClinic::new(3, today)
        .take(3000)
        .map(|p| ImportedPatient {
            details: p.details,
            events: p.events,
        })
        .collect();
    let most_doses = patients
        .iter()
        .max_by_key(|p| p.events.len())
        .map_or(0, |p| p.events.len());
    let ids = clinic.import_patients(&session, &patients)?;
    let child = ids
        .iter()
        .zip(&patients)
        .find(|(_, p)| p.events.len() == most_doses)
        .map(|(id, _)| *id)
        .ok_or("no patients")?;

    // Where the time of one certificate goes, by the use cases it is built from.
    let stage = |name: &str, f: &dyn Fn() -> Result<(), Box<dyn std::error::Error>>| {
        let start = Instant::now();
        for _ in 0..10 {
            f()?;
        }
        println!("  {name}: {:.2} ms", start.elapsed().as_secs_f64() * 100.0);
        Ok::<(), Box<dyn std::error::Error>>(())
    };
    stage("forecast", &|| {
        Ok(clinic.patient_forecast(&session, child).map(|_| ())?)
    })?;
    stage("registry states", &|| {
        Ok(clinic.record_sync_states(&session, child).map(|_| ())?)
    })?;
    stage("sync status", &|| Ok(clinic.sync_status().map(|_| ())?))?;
    stage("record", &|| {
        Ok(clinic.patient_record(&session, child).map(|_| ())?)
    })?;

    // The first print also makes the clinic's signing key; time the ones after.
    clinic.print_cis(&session, child, Lang::Es)?;
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..50 {
        let start = Instant::now();
        size = clinic.print_cis(&session, child, Lang::Es)?.len();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "cis ({most_doses} doses): median {:.1} ms, p95 {:.1} ms, {} KB",
        times[25],
        times[47],
        size / 1024
    );

    let start = Instant::now();
    let mut entries = clinic.recall_list(&session, &RecallQuery::as_of(today))?;
    println!(
        "recall list over 3,000 patients: {} families in {:.2} s",
        entries.len(),
        start.elapsed().as_secs_f64()
    );
    let base = entries.clone();
    while entries.len() < 1000 && !base.is_empty() {
        entries.extend(base.iter().take(1000 - entries.len()).cloned());
    }
    entries.truncate(1000);
    let start = Instant::now();
    let pdf = clinic.recall_letters(&session, &entries, today, &mut |_, _| {})?;
    println!(
        "{} letters: {:.2} s, {} KB",
        entries.len(),
        start.elapsed().as_secs_f64(),
        pdf.len() / 1024
    );
    Ok(())
}
