//! `cdsi-check FILE.jsonl [--min-pass-rate R] [--data DIR]`: runs CDC CDSi test cases
//! against the engine, prints one line per failing case and a final `N passed, M failed`.
//!
//! `--min-pass-rate` takes a fraction (`0.85`) or a percentage (`85` or `85%`); the exit
//! code is 0 when no case fails or the pass rate is at or above it. `--data DIR` loads
//! the supporting data from DIR at run time instead of the data embedded at build time.
//! `--explain` prints the engine's antigen forecasts and dose evaluations for failing cases.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use salal_forecast::check::{TestCase, check_case, parse_rate};
use salal_forecast::{Engine, SupportingData};

const USAGE: &str =
    "usage: cdsi-check FILE.jsonl [--min-pass-rate FRACTION|PERCENT] [--data DIR] [--explain]";

fn load_dir(dir: &Path) -> Result<SupportingData, String> {
    let schedule = std::fs::read_to_string(dir.join("ScheduleSupportingData.xml"))
        .map_err(|e| format!("{}: {e}", dir.join("ScheduleSupportingData.xml").display()))?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("AntigenSupportingData") && n.ends_with(".xml"))
        })
        .collect();
    paths.sort();
    let texts = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display())))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    SupportingData::from_xml(&schedule, &refs).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let mut file: Option<String> = None;
    let mut min_rate: Option<f64> = None;
    let mut data_dir: Option<String> = None;
    let mut explain = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (a.clone(), None),
        };
        match flag.as_str() {
            "--min-pass-rate" => {
                let Some(v) = inline.or_else(|| args.next()) else {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                };
                let Some(r) = parse_rate(&v) else {
                    eprintln!(
                        "invalid --min-pass-rate {v:?}: use a fraction like 0.85 or a percentage like 85%"
                    );
                    return ExitCode::from(2);
                };
                min_rate = Some(r);
            }
            "--data" => {
                let Some(v) = inline.or_else(|| args.next()) else {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                };
                data_dir = Some(v);
            }
            "--explain" => explain = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if file.is_none() && !a.starts_with("--") => file = Some(a),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(file) = file else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let data = match data_dir {
        Some(d) => load_dir(Path::new(&d)),
        None => SupportingData::embedded().map_err(|e| e.to_string()),
    };
    let data = match data {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot load supporting data: {e}");
            return ExitCode::from(2);
        }
    };
    let engine = Engine::new(&data);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{file}: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match TestCase::from_json(line) {
            Ok(case) => {
                let diffs = check_case(&engine, &case);
                if diffs.is_empty() {
                    passed += 1;
                } else {
                    failed += 1;
                    println!(
                        "FAIL {} [{}]: {}",
                        case.id,
                        case.vaccine_group_name,
                        diffs.join("; ")
                    );
                    if explain {
                        println!("{}", salal_forecast::check::explain(&engine, &case));
                    }
                }
            }
            Err(e) => {
                failed += 1;
                println!("FAIL line {}: cannot parse case: {e}", n + 1);
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    let total = passed + failed;
    #[allow(clippy::cast_precision_loss)]
    let rate = if total == 0 {
        1.0
    } else {
        passed as f64 / total as f64
    };
    if failed == 0 || min_rate.is_some_and(|m| rate >= m) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
