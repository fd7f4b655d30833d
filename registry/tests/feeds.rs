//! Partner data exchange end to end, with the real binary and a real
//! PostgreSQL (one fresh database per test): `hl7 check` (no database),
//! `birth-feed import`, `partner add` and `hl7 submit`.
//! Run with `scripts/with-postgres.sh cargo test -p salal-registry`.

mod common;

use common::*;
use salal_sync::wire::{ChangeKind, Entity};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn check(files: &[&Path]) -> std::process::Output {
    Command::new(BIN)
        .args(["hl7", "check"])
        .args(files)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn hl7_check_judges_each_file_without_a_database() {
    let dir = samples();
    let good = dir.join("vxu_nist_r15_iz_ad_2_1_admin_adult.hl7");
    let bad = dir.join("qbp_z34_cdcig_missing_query_tag.hl7");
    let temp = tempfile::tempdir().unwrap();
    let garbage = temp.path().join("garbage.hl7");
    std::fs::write(&garbage, [0u8, 0xff, 0xfe, b'M', b'S', 0x80, b'\r', b'|']).unwrap();
    let out = check(&[&good, &bad, &garbage]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let verdicts: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.starts_with("  "))
        .collect();
    assert_eq!(verdicts.len(), 4, "{text}");
    let good_name = good.display().to_string();
    assert!(
        verdicts[0] == format!("{good_name}: accepted")
            || verdicts[0].starts_with(&format!("{good_name}: accepted with ")),
        "{text}"
    );
    assert!(
        verdicts[1].starts_with(&format!("{}: rejected: ", bad.display())),
        "{text}"
    );
    assert!(lines.iter().any(|l| l.contains(" at QPD-2: ")), "{text}");
    assert!(
        verdicts[2].starts_with(&format!("{}: rejected: ", garbage.display())),
        "{text}"
    );
    assert_eq!(*lines.last().unwrap(), "1 accepted, 2 rejected");
    // Problems are indented two spaces and say where they are.
    assert!(
        lines.iter().any(|l| l.starts_with("  E 101 at QPD-2: ")),
        "{text}"
    );

    let out = check(&[&good]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().last(), Some("1 accepted, 0 rejected"));
}

#[test]
fn hl7_check_reads_every_sample_without_a_crash() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hl7"))
        .collect();
    files.sort();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = check(&refs);
    assert!(out.status.code().is_some_and(|c| c <= 1));
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    let (accepted, rejected) = last.split_once(" accepted, ").unwrap();
    let total: usize = accepted.parse::<usize>().unwrap()
        + rejected
            .trim_end_matches(" rejected")
            .parse::<usize>()
            .unwrap();
    assert_eq!(total, files.len(), "{text}");
}

#[test]
fn birth_feed_adds_twins_matches_certificates_and_imports_once() {
    let registry = Registry::start();
    let clinic = registry.org("Clínica del Valle");
    let device = registry.device(clinic, 1);
    // A clinic already registered one child under her birth certificate.
    let known = new_id();
    let outcome = device.push(vec![change(
        Entity::Patient,
        known,
        ChangeKind::Create,
        device.stamp(now_ms()),
        json!({"first_name": "Sofía", "last_name": "Lindqvist", "second_last_name": "Mora",
               "birth_date": "2025-01-09", "sex": "F",
               "birth_certificate_number": "WA-2025-000107"}),
    )]);
    seq_of(&outcome[0]);

    let file = fixture("birth_feed.psv");
    let (code, text) = import(&registry, &file);
    assert_eq!(code, 1, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.last().copied(),
        Some("birth-feed: 3 added, 1 matched, 0 for review, 3 errors"),
        "{text}"
    );
    assert!(
        lines[0].starts_with("row 5: no birth certificate number"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("row 6: birth_date '2025-02-30'"),
        "{text}"
    );
    assert!(lines[2].starts_with("row 7: sex 'Q'"), "{text}");

    assert_eq!(count(&registry, PATIENTS), 4);
    assert_eq!(count(&registry, DOSES), 3);
    // The twins are two records; the known child got her dose on her record.
    assert_eq!(
        count(
            &registry,
            "SELECT count(*) FROM records WHERE entity = 'patient'
             AND fields->>'last_name' = 'Orozco' AND NOT fields ? 'merged_into'"
        ),
        2
    );
    assert_eq!(
        count(
            &registry,
            &format!(
                "SELECT count(*) FROM records WHERE entity = 'dose' AND patient_id = '{known}'
                 AND fields->>'cvx' = '08' AND fields->>'kind' = 'historical'"
            )
        ),
        1
    );
    let seq_before = count(&registry, "SELECT max(seq) FROM records");

    let (_, again) = import(&registry, &file);
    assert_eq!(
        again.lines().last(),
        Some("birth-feed: 0 added, 4 matched, 0 for review, 3 errors"),
        "{again}"
    );
    assert_eq!(count(&registry, PATIENTS), 4);
    assert_eq!(count(&registry, DOSES), 3);
    assert_eq!(count(&registry, "SELECT max(seq) FROM records"), seq_before);
}

/// `partner add` of Valley EHR: its id (a UUID; the credential is long).
fn partner(registry: &Registry) -> String {
    let (id, secret) = add_partner(registry, "Valley EHR");
    uuid::Uuid::try_parse(&id).unwrap();
    assert!(secret.len() >= 32);
    id
}

#[test]
fn vxu_creates_the_patient_and_doses_once() {
    let registry = Registry::start();
    let partner = partner(&registry);
    let file = samples().join("vxu_nist2014_iz019_multiple_doses.hl7");
    let (_, text) = submit_file(&registry, &partner, &file);
    assert!(
        text.contains("MSA|AA|") || text.contains("MSA|AE|"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("hl7 submit: 1 messages, "),
        "{text}"
    );
    assert_eq!(count(&registry, PATIENTS), 1);
    let n_doses = count(&registry, DOSES);
    assert!(n_doses >= 2, "{n_doses} doses\n{text}");
    let seq = count(&registry, "SELECT max(seq) FROM records");

    // The same file again: the same ACK, nothing new.
    let (_, again) = submit_file(&registry, &partner, &file);
    assert_eq!(
        again.lines().find(|l| l.starts_with("MSA")),
        text.lines().find(|l| l.starts_with("MSA"))
    );
    assert_eq!(count(&registry, PATIENTS), 1);
    assert_eq!(count(&registry, DOSES), n_doses);
    assert_eq!(count(&registry, "SELECT max(seq) FROM records"), seq);
    // Under a new control id: still nothing new (ids come from the sender's ids).
    let original = std::fs::read_to_string(&file).unwrap();
    let control = original
        .lines()
        .next()
        .unwrap()
        .split('|')
        .nth(9)
        .unwrap()
        .to_owned();
    let temp = tempfile::tempdir().unwrap();
    let renamed = temp.path().join("again.hl7");
    std::fs::write(&renamed, original.replacen(&control, "RESENT-1", 1)).unwrap();
    submit_file(&registry, &partner, &renamed);
    assert_eq!(count(&registry, PATIENTS), 1);
    assert_eq!(count(&registry, DOSES), n_doses);
    assert_eq!(count(&registry, "SELECT count(*) FROM hl7_messages"), 3);

    // RXA-21 D deletes the dose the partner sent under that ORC-3.
    let deleted = original
        .replacen(&control, "DELETE-1", 1)
        .lines()
        .map(|line| {
            if line.starts_with("RXA|") {
                let mut fields: Vec<String> = line.split('|').map(str::to_owned).collect();
                fields.resize(fields.len().max(22), String::new());
                fields[21] = "D".to_owned();
                fields.join("|")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r");
    let delete_file = temp.path().join("delete.hl7");
    std::fs::write(&delete_file, deleted).unwrap();
    let (_, text) = submit_file(&registry, &partner, &delete_file);
    assert!(
        count(
            &registry,
            "SELECT count(*) FROM records WHERE entity = 'dose' AND fields->>'entered_in_error' = 'true'"
        ) >= 1,
        "{text}"
    );
    assert_eq!(count(&registry, DOSES), n_doses);
}

#[test]
fn an_opted_out_patients_vxu_gets_ae_and_nothing_is_stored() {
    let registry = Registry::start();
    let partner = partner(&registry);
    let file = samples().join("vxu_nist2014_iz001_admin_child.hl7");
    submit_file(&registry, &partner, &file);
    decline(&registry, &first_patient_id(&registry));
    assert_eq!(count(&registry, DOSES), 0);
    let seq = count(&registry, "SELECT max(seq) FROM records");

    let original = std::fs::read_to_string(&file).unwrap();
    let temp = tempfile::tempdir().unwrap();
    let again = temp.path().join("again.hl7");
    std::fs::write(
        &again,
        original.replacen("NIST-IZ-001.00", "NIST-IZ-001.01", 1),
    )
    .unwrap();
    let (code, text) = submit_file(&registry, &partner, &again);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("MSA|AE|NIST-IZ-001.01"), "{text}");
    assert!(text.contains("declined registry participation"), "{text}");
    assert_eq!(count(&registry, DOSES), 0);
    assert_eq!(count(&registry, PATIENTS), 1);
    assert_eq!(count(&registry, "SELECT max(seq) FROM records"), seq);
}

/// A reader that stops early (`hl7 check … | head -1`) ends the command
/// quietly: no panic, exit 0, the first line as it was.
#[test]
fn hl7_check_into_a_reader_that_stops_early_ends_quietly() {
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;
    let files: Vec<PathBuf> = std::fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hl7"))
        .collect();
    // Enough output to outgrow the pipe's buffer several times over.
    let many: Vec<&PathBuf> = files.iter().cycle().take(files.len() * 40).collect();
    let mut child = Command::new(BIN)
        .args(["hl7", "check"])
        .args(&many)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        first.contains(": accepted") || first.contains(": rejected"),
        "{first}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
