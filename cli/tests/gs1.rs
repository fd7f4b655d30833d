//! `salal gs1 parse` as a script runs it: the real binary, no data folder and
//! no sign-in, the exact output line and the exit codes (0 read, 2 refused
//! with a message in English or Spanish).

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Fluzone Trivalent, NDC 49281-0425-50 (10-digit 49281-425-50): GTIN 0 03 4928142550 9.
const FLUZONE: &str = "00349281425509";
/// Gardasil, NDC 00006-4109-02 (10-digit 0006-4109-02): GTIN 0 03 0006410902 3.
const GARDASIL: &str = "00300064109023";

/// The binary with a data folder that does not exist: the command must not need one.
fn salal(missing_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_salal"));
    cmd.env("SALAL_DATA_DIR", missing_dir)
        .env_remove("SALAL_USER")
        .env_remove("SALAL_PASSWORD")
        .env_remove("SALAL_LANG")
        .env_remove("SALAL_RECOVERY_KEY")
        .stdin(Stdio::null());
    cmd
}

fn parse(args: &[&str]) -> (i32, String, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("no-clinic-here");
    let mut cmd = salal(&dir);
    cmd.args(["gs1", "parse"]).args(args);
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("salal runs");
    assert!(!dir.exists(), "gs1 parse created a data folder");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

#[test]
fn the_fixtures_have_their_check_digits() {
    for gtin in [FLUZONE, GARDASIL] {
        assert_eq!(check_digit(&gtin[..13]).to_string(), &gtin[13..], "{gtin}");
    }
}

#[test]
fn prints_the_package_line() {
    let (code, out, err) = parse(&[&format!("]d201{FLUZONE}17271231 10UT8021AA\u{1d}21SN123")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "ndc=49281-0425-50 lot=UT8021AA expires=2027-12-31 serial=SN123\n"
    );
    assert_eq!(err, "");

    let (code, out, err) = parse(&[&format!("(01){GARDASIL}(17)280200(10)X9Y7")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ndc=00006-4109-02 lot=X9Y7 expires=2028-02-29\n");

    // Separators typed as text, fields in another order, Spanish asked for: same line.
    let (code, out, err) = parse(&[&format!("10X9Y7<GS>01{GARDASIL}17280215"), "--lang", "es"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ndc=00006-4109-02 lot=X9Y7 expires=2028-02-15\n");
}

#[test]
fn refuses_with_a_message_and_exit_code_2() {
    let bad = format!("{}8", &FLUZONE[..13]);
    let (code, out, err) = parse(&[&format!("01{bad}17271231 10UT8021AA")]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(
        err.starts_with("salal: ") && err.contains("check digit") && err.contains("end in 9"),
        "{err}"
    );

    let (code, _, err) = parse(&[&format!("01{bad}17271231 10UT8021AA"), "--lang", "es"]);
    assert_eq!(code, 2);
    assert!(err.contains("dígito de control"), "{err}");

    // A drug GTIN whose NDC is not a vaccine in the code set.
    let unknown = "00312345678906";
    let (code, _, err) = parse(&[&format!("01{unknown}17271231 10A1")]);
    assert_eq!(code, 2);
    assert!(
        err.contains(unknown) && err.contains("1234567890") && err.contains("NDC"),
        "{err}"
    );

    // A lot running into a serial without a separator: refused, not guessed.
    let (code, _, err) = parse(&[&format!("01{FLUZONE}17271231 10UT8021AA")]);
    assert_eq!(code, 2);
    assert!(err.contains("'UT8021AA' or 'UT80'"), "{err}");

    let (code, _, err) = parse(&["01", "--lang", "es"]);
    assert_eq!(code, 2);
    assert!(err.contains("GTIN (01)"), "{err}");
}
