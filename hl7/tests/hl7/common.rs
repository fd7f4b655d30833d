//! Helpers shared by the integration tests: where the shared HL7 samples are.

use std::path::PathBuf;

/// The shared HL7 folder: `$SALAL_HL7_DIR`, or `../shared/hl7` beside the project.
pub(crate) fn hl7_dir() -> PathBuf {
    std::env::var_os("SALAL_HL7_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/hl7"))
}

/// Every sample file name and its bytes, sorted by name.
pub(crate) fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = hl7_dir().join("samples");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot read the HL7 samples in {} ({e}); check out ../shared/hl7 or set SALAL_HL7_DIR",
            dir.display()
        )
    });
    let mut files: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "hl7"))
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let bytes = std::fs::read(&path).expect("readable sample");
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

/// One sample's bytes.
pub(crate) fn sample(name: &str) -> Vec<u8> {
    let path = hl7_dir().join("samples").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
