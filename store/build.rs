//! Embeds every numbered SQL file of `migrations/` so a new migration cannot be forgotten.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("store/migrations exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut out = String::from("pub(crate) const MIGRATIONS: &[(u32, &str, &str)] = &[\n");
    for (index, path) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 file name");
        let number: u32 = name
            .split('_')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("NNNN_name.sql");
        assert_eq!(
            number as usize,
            index + 1,
            "migrations must be numbered 0001, 0002, ... without gaps: {name}"
        );
        writeln!(
            out,
            "    ({number}, {name:?}, include_str!({:?})),",
            path.display()
        )
        .ok();
    }
    out.push_str("];\n");
    let target =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("migrations.rs");
    std::fs::write(target, out).expect("write migrations.rs");
}
