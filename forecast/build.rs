//! Build script: finds the CDC CDSi supporting data (XML) and generates `include_str!`
//! statements for it, so `SupportingData::embedded()` needs no IO at run time.
//!
//! The data is read where it lies (never copied into the repository): from the directory
//! in `SALAL_CDSI_DIR` if set, else `$CARGO_MANIFEST_DIR/../../shared/cdsi/supporting-data`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=SALAL_CDSI_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    let dir = match env::var_os("SALAL_CDSI_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let manifest = env::var_os("CARGO_MANIFEST_DIR")
                .map(PathBuf::from)
                .unwrap_or_default();
            manifest.join("../../shared/cdsi/supporting-data")
        }
    };
    if let Err(msg) = generate(&dir) {
        eprintln!("error: {msg}");
        std::process::exit(1);
    }
}

fn generate(dir: &Path) -> Result<(), String> {
    let dir = dir.canonicalize().map_err(|e| {
        format!(
            "CDC CDSi supporting data not found at '{}' ({e}). Set the environment variable \
             SALAL_CDSI_DIR to the folder holding ScheduleSupportingData.xml and the \
             AntigenSupportingData*.xml files.",
            dir.display()
        )
    })?;
    println!("cargo:rerun-if-changed={}", dir.display());
    let schedule = dir.join("ScheduleSupportingData.xml");
    if !schedule.is_file() {
        return Err(format!(
            "'{}' has no ScheduleSupportingData.xml; set SALAL_CDSI_DIR to the CDSi supporting-data folder",
            dir.display()
        ));
    }
    let mut antigens: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| format!("cannot list '{}': {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("AntigenSupportingData") && n.ends_with(".xml"))
        })
        .collect();
    antigens.sort();
    if antigens.is_empty() {
        return Err(format!(
            "'{}' has no AntigenSupportingData*.xml files; set SALAL_CDSI_DIR to the CDSi supporting-data folder",
            dir.display()
        ));
    }
    let mut out = String::new();
    println!("cargo:rerun-if-changed={}", schedule.display());
    let _ = writeln!(out, "/// Schedule supporting data XML.");
    let _ = writeln!(
        out,
        "pub(crate) const SCHEDULE_XML: &str = include_str!({:?});",
        schedule.display().to_string()
    );
    let _ = writeln!(
        out,
        "/// Antigen supporting data XML files: (file name, text)."
    );
    let _ = writeln!(out, "pub(crate) const ANTIGEN_XML: &[(&str, &str)] = &[");
    for a in &antigens {
        println!("cargo:rerun-if-changed={}", a.display());
        let name = a
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            a.display().to_string()
        );
    }
    let _ = writeln!(out, "];");
    let out_dir = env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or("OUT_DIR not set")?;
    fs::write(out_dir.join("embedded_data.rs"), out)
        .map_err(|e| format!("cannot write OUT_DIR file: {e}"))?;
    Ok(())
}
