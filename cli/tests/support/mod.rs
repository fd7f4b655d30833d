//! What the command-line tests share: the real `salal` binary on a data
//! folder, signed in as the administrator the tests set up.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The administrator's password in every test clinic.
pub(crate) const PASSWORD: &str = "Tortuga-verde-Sol-42";

/// `salal` on `dir`, as the administrator, in the default language.
pub(crate) fn salal(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_salal"));
    cmd.env("SALAL_DATA_DIR", dir)
        .env("SALAL_USER", "admin")
        .env("SALAL_PASSWORD", PASSWORD)
        .env_remove("SALAL_LANG")
        .env_remove("SALAL_RECOVERY_KEY")
        .stdin(Stdio::null());
    cmd
}

/// Runs it: exit code, standard output, standard error.
pub(crate) fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("salal runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Runs it and expects success; its standard output.
pub(crate) fn ok(cmd: &mut Command) -> String {
    let (code, out, err) = run(cmd);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    out
}

/// Sets up a clinic with the administrator `admin`.
pub(crate) fn init(dir: &Path, clinic: &str) {
    ok(salal(dir).args(["init", "--clinic", clinic, "--admin", "admin"]));
}

/// Adds a patient (no duplicate check); its id.
pub(crate) fn add(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["patient", "add", "--force"];
    all.extend_from_slice(args);
    ok(salal(dir).args(&all)).trim().to_owned()
}
