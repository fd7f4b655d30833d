//! Criterion benchmarks of the forecast engine: loading the supporting data, assessing
//! every CDC dev test case (all vaccine groups each), and assessing a synthetic child
//! with 20 doses. Run with `cargo bench -p salal-forecast --bench forecast`.

use std::hint::black_box;
use std::path::PathBuf;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group};
use salal_forecast::check::TestCase;
use salal_forecast::{AdministeredDose, Engine, Gender, PatientInput, SupportingData};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

/// A fully vaccinated 6-year-old: 20 doses of the childhood schedule.
fn twenty_dose_child() -> PatientInput {
    let doses = [
        ((2019, 1, 2), "08"),
        ((2019, 3, 4), "110"),
        ((2019, 3, 4), "49"),
        ((2019, 3, 4), "133"),
        ((2019, 3, 4), "116"),
        ((2019, 5, 6), "110"),
        ((2019, 5, 6), "49"),
        ((2019, 5, 6), "133"),
        ((2019, 5, 6), "116"),
        ((2019, 7, 8), "110"),
        ((2019, 7, 8), "133"),
        ((2019, 7, 8), "116"),
        ((2020, 1, 10), "03"),
        ((2020, 1, 10), "21"),
        ((2020, 1, 10), "83"),
        ((2020, 4, 10), "49"),
        ((2020, 4, 10), "20"),
        ((2020, 7, 10), "83"),
        ((2023, 1, 12), "130"),
        ((2023, 1, 12), "94"),
    ];
    PatientInput {
        birth_date: d(2019, 1, 2),
        gender: Gender::Female,
        assessment_date: d(2025, 11, 10),
        doses: doses
            .iter()
            .enumerate()
            .map(|(i, ((y, m, day), cvx))| AdministeredDose::new(i, d(*y, *m, *day), *cvx))
            .collect(),
        observations: Vec::new(),
        birth_country: None,
    }
}

fn dev_cases() -> Vec<PatientInput> {
    let path = std::env::var_os("SALAL_CDSI_DIR")
        .map(|d| PathBuf::from(d).join("../testcases/dev.jsonl"))
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/cdsi/testcases/dev.jsonl")
        });
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .filter_map(|l| TestCase::from_json(l).ok())
        .map(|c| c.patient_input())
        .collect()
}

fn benches(c: &mut Criterion) {
    let data = SupportingData::embedded().expect("supporting data");
    let engine = Engine::new(&data);

    let mut load = c.benchmark_group("load");
    load.sample_size(20);
    load.bench_function("parse_supporting_data_and_build_engine", |b| {
        b.iter(|| Engine::new(&SupportingData::embedded().expect("supporting data")));
    });
    load.finish();

    let child = twenty_dose_child();
    let mut one = c.benchmark_group("assess");
    one.throughput(Throughput::Elements(1));
    one.bench_function("child_20_doses_all_groups", |b| {
        b.iter(|| engine.assess(black_box(&child)))
    });
    let cases = dev_cases();
    if !cases.is_empty() {
        one.throughput(Throughput::Elements(cases.len() as u64));
        one.bench_function("dev_cases_all_groups", |b| {
            b.iter(|| {
                for p in &cases {
                    black_box(engine.assess(black_box(p)));
                }
            });
        });
    }
    one.finish();
}

/// On-CPU nanoseconds of the current thread (Linux `schedstat`), so that throughput per
/// core can be reported even when other processes share the machine.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Patients per second per core, from on-CPU time, for `rounds` passes over `inputs`.
fn cpu_rate(engine: &Engine, inputs: &[PatientInput], rounds: usize) -> Option<(f64, f64)> {
    let wall = std::time::Instant::now();
    let start = thread_cpu_ns()?;
    for _ in 0..rounds {
        for p in inputs {
            black_box(engine.assess(black_box(p)));
        }
    }
    let cpu = thread_cpu_ns()?.checked_sub(start)?;
    let wall = wall.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let n = (rounds * inputs.len()) as f64;
    #[allow(clippy::cast_precision_loss)]
    let cpu_s = cpu as f64 / 1e9;
    Some((n / cpu_s, n / wall))
}

fn cpu_time_report() {
    let Ok(data) = SupportingData::embedded() else {
        return;
    };
    let engine = Engine::new(&data);
    let child = [twenty_dose_child()];
    let cases = dev_cases();
    println!("on-CPU throughput (patients per second per core, wall-clock rate in brackets):");
    if let Some((cpu, wall)) = cpu_rate(&engine, &child, 20_000) {
        println!("  child_20_doses_all_groups: {cpu:.0}/s ({wall:.0}/s wall)");
    }
    if !cases.is_empty()
        && let Some((cpu, wall)) = cpu_rate(&engine, &cases, 20)
    {
        println!(
            "  dev_cases_all_groups ({} cases): {cpu:.0}/s ({wall:.0}/s wall)",
            cases.len()
        );
    }
    let start = thread_cpu_ns();
    let wall = std::time::Instant::now();
    let loaded = SupportingData::embedded().map(|d| Engine::new(&d));
    if let (Some(s), Some(e), Ok(_)) = (start, thread_cpu_ns(), loaded) {
        #[allow(clippy::cast_precision_loss)]
        let ms = e.saturating_sub(s) as f64 / 1e6;
        println!(
            "  load supporting data + build engine: {ms:.1} ms on CPU ({:.1} ms wall)",
            wall.elapsed().as_secs_f64() * 1e3
        );
    }
}

criterion_group!(forecast, benches);

fn main() {
    forecast();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|a| a == "--bench") {
        cpu_time_report();
    }
}
