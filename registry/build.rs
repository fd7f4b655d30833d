//! Embeds `migrations/*.sql` (sqlx's `<VERSION>_<DESCRIPTION>.sql` naming) into
//! the binary, as `sqlx::migrate!()` would: the `sqlx` facade cannot be used in
//! this workspace (see the workspace Cargo.toml), so this does its job.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time: a build script compiled for one checkout may be reused
    // by another that shares the target directory.
    let manifest_dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|e| panic!("CARGO_MANIFEST_DIR: {e}"));
    let dir = Path::new(&manifest_dir).join("migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(i64, String, String)> = Vec::new();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (version, description) = stem
            .split_once('_')
            .unwrap_or_else(|| panic!("migration {name}: expected VERSION_DESCRIPTION.sql"));
        let version: i64 = version
            .parse()
            .unwrap_or_else(|_| panic!("migration {name}: the version is not a number"));
        println!("cargo:rerun-if-changed={}", path.display());
        files.push((
            version,
            description.replace('_', " "),
            path.display().to_string(),
        ));
    }
    files.sort();
    let mut code = String::from("vec![\n");
    for (version, description, path) in files {
        let _ = writeln!(
            code,
            "    ::sqlx_core::migrate::Migration::new({version}, ::std::borrow::Cow::Borrowed({description:?}), \
             ::sqlx_core::migrate::MigrationType::Simple, \
             ::sqlx_core::sql_str::SqlSafeStr::into_sql_str(include_str!({path:?})), false),"
        );
    }
    code.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}")))
        .join("migrations.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
