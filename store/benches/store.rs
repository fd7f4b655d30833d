//! Storage benchmarks (a bench binary; results go in BENCHMARKS.md):
//!
//! 1. Patient search on a large encrypted replica (default 1,000,000 demo
//!    patients): p50/p95/p99 for full-name, partial-name and birth-date queries.
//! 2. Recording a dose durably (WAL, synchronous = FULL): p50/p95.
//! 3. SQLCipher versus plain SQLite on the same workload.
//!
//! Run under a keyring session:
//! `scripts/with-keyring.sh cargo bench -p salal-store --features bench-plaintext`
//! (`SALAL_BENCH_PATIENTS=N` to change the size.)

use chrono::{NaiveDate, Utc};
use hdrhistogram::Histogram;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use salal_core::consent::Consents;
use salal_core::event::{Event, EventKind, NewEvent};
use salal_core::i18n::Lang;
use salal_core::ids::{EventId, PatientId};
use salal_core::patient::PatientDetails;
use salal_core::search::SearchQuery;
use salal_demo::DemoClinic;
use salal_store::{Actor, Store};
use std::time::Instant;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
}

fn fill(store: &mut Store, n: usize) -> Vec<(PatientId, PatientDetails)> {
    let mut sample = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let patients: Vec<PatientDetails> = DemoClinic::new(42, as_of())
        .without_doses()
        .take(n)
        .map(|p| p.details)
        .collect();
    let started = Instant::now();
    for chunk in patients.chunks(10_000) {
        let ids: Vec<PatientId> = chunk.iter().map(|_| PatientId::generate()).collect();
        store
            .write(&Actor::setup(), Utc::now(), |w| {
                for (id, details) in ids.iter().zip(chunk) {
                    w.insert_patient(*id, details, &Consents::default())?;
                }
                Ok::<_, salal_store::StoreError>(())
            })
            .unwrap_or_else(|e| panic!("fill: {e}"));
        for (id, details) in ids.iter().zip(chunk) {
            if rng.random_bool(0.01) && sample.len() < 5_000 {
                sample.push((*id, details.clone()));
            }
        }
    }
    eprintln!(
        "  filled {n} patients in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    sample
}

struct Percentiles {
    p50: f64,
    p95: f64,
    p99: f64,
    n: u64,
}

fn new_histogram() -> Histogram<u64> {
    Histogram::<u64>::new(3).unwrap_or_else(|e| panic!("{e}"))
}

fn percentiles(hist: &Histogram<u64>) -> Percentiles {
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    Percentiles {
        p50: ms(0.5),
        p95: ms(0.95),
        p99: ms(0.99),
        n: hist.len(),
    }
}

fn measure(mut run: impl FnMut(usize)) -> Percentiles {
    let mut hist = new_histogram();
    for i in 0..50 {
        run(i); // warm the cache
    }
    for i in 0..2_000 {
        let t = Instant::now();
        run(i);
        hist.record(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX))
            .ok();
    }
    percentiles(&hist)
}

fn search_workloads(
    store: &Store,
    sample: &[(PatientId, PatientDetails)],
) -> Vec<(&'static str, Percentiles)> {
    let today = as_of();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let picks: Vec<&PatientDetails> = (0..2_100)
        .filter_map(|_| sample.choose(&mut rng).map(|(_, d)| d))
        .collect();
    let search = |text: &str| {
        let q = SearchQuery::parse(text, Lang::En, today);
        let found = store
            .search_patients(&q, None, 20)
            .unwrap_or_else(|e| panic!("{e}"));
        std::hint::black_box(found);
    };
    let full = measure(|i| {
        let d = picks[i % picks.len()];
        search(&format!("{} {}", d.first_name, d.last_name));
    });
    let partial = measure(|i| {
        let d = picks[i % picks.len()];
        let prefix: String = d.last_name.chars().take(3).collect();
        let first: String = d.first_name.chars().take(2).collect();
        search(&format!("{prefix} {first}"));
    });
    let birth = measure(|i| {
        let d = picks[i % picks.len()];
        let b = d.birth_date.unwrap_or(today);
        search(&b.format("%-m/%-d/%Y").to_string());
    });
    vec![
        ("name (first + last)", full),
        ("partial name (3 + 2 letters)", partial),
        ("birth date (M/D/YYYY)", birth),
    ]
}

fn write_one_dose(store: &mut Store, sample: &[(PatientId, PatientDetails)], i: usize) {
    let actor = Actor::setup();
    {
        let (patient_id, details) = &sample[i % sample.len()];
        let id = EventId::generate();
        let event = Event {
            id,
            patient_id: *patient_id,
            details: NewEvent {
                id: Some(id),
                kind: EventKind::Historical,
                cvx: "03".to_owned(),
                date: details.birth_date,
                ..NewEvent::default()
            },
            entered_in_error: false,
            entered_in_error_reason: String::new(),
            recorded_by: "bench".to_owned(),
        };
        store
            .write(&actor, Utc::now(), |w| w.insert_event(&event))
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

fn dose_writes(store: &mut Store, sample: &[(PatientId, PatientDetails)]) -> Percentiles {
    measure(|i| write_one_dose(store, sample, i))
}

/// Alternates writes to the two stores so both see the same disk conditions.
fn dose_writes_interleaved(
    a: &mut Store,
    a_sample: &[(PatientId, PatientDetails)],
    b: &mut Store,
    b_sample: &[(PatientId, PatientDetails)],
) -> (Percentiles, Percentiles) {
    let mut hist_a = new_histogram();
    let mut hist_b = new_histogram();
    for i in 0..2_050 {
        let t = Instant::now();
        write_one_dose(a, a_sample, i);
        let took_a = t.elapsed();
        let t = Instant::now();
        write_one_dose(b, b_sample, i);
        let took_b = t.elapsed();
        if i >= 50 {
            hist_a
                .record(u64::try_from(took_a.as_micros()).unwrap_or(u64::MAX))
                .ok();
            hist_b
                .record(u64::try_from(took_b.as_micros()).unwrap_or(u64::MAX))
                .ok();
        }
    }
    (percentiles(&hist_a), percentiles(&hist_b))
}

fn report(label: &str, p: &Percentiles) {
    println!(
        "| {label} | {:.3} | {:.3} | {:.3} | {} |",
        p.p50, p.p95, p.p99, p.n
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for the list of benchmarks.
    }
    let n: usize = std::env::var("SALAL_BENCH_PATIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    // The key lives only in this run's keyring session, so the replica is built each run.
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    println!("## Encrypted replica, {n} patients\n");
    let (mut store, _recovery, _) =
        Store::create(&scratch.path().join("replica")).unwrap_or_else(|e| panic!("{e}"));
    let sample = fill(&mut store, n);
    println!("| workload | p50 ms | p95 ms | p99 ms | samples |\n|---|---|---|---|---|");
    for (label, p) in search_workloads(&store, &sample) {
        report(&format!("search: {label}"), &p);
    }
    report(
        "record a dose (durable, fsync)",
        &dose_writes(&mut store, &sample),
    );
    store.forget_keyring_key().ok();
    drop(store);

    let m = n.min(200_000);
    println!("\n## SQLCipher versus plain SQLite, {m} patients each\n");
    println!(
        "| workload | SQLCipher p50 ms | plain p50 ms | SQLCipher p95 ms | plain p95 ms |\n|---|---|---|---|---|"
    );
    let (mut enc, _k, _) =
        Store::create(&scratch.path().join("enc")).unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let enc_sample = fill(&mut enc, m);
    let enc_fill = t.elapsed().as_secs_f64();
    let mut plain = Store::create_plaintext_for_benchmark(&scratch.path().join("plain"))
        .unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let plain_sample = fill(&mut plain, m);
    let plain_fill = t.elapsed().as_secs_f64();
    let enc_search = search_workloads(&enc, &enc_sample);
    let plain_search = search_workloads(&plain, &plain_sample);
    for ((label, e), (_, p)) in enc_search.iter().zip(&plain_search) {
        println!(
            "| search: {label} | {:.3} | {:.3} | {:.3} | {:.3} |",
            e.p50, p.p50, e.p95, p.p95
        );
    }
    let (e, p) = dose_writes_interleaved(&mut enc, &enc_sample, &mut plain, &plain_sample);
    println!(
        "| record a dose (durable) | {:.3} | {:.3} | {:.3} | {:.3} |",
        e.p50, p.p50, e.p95, p.p95
    );
    println!("| bulk insert {m} patients (s) | {enc_fill:.1} | {plain_fill:.1} | | |");
    enc.forget_keyring_key().ok();
}
