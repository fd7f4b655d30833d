//! Project hygiene checked as tests: the architecture map matches the tree,
//! the pure crates stay pure, and every Rust file says what it is for.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root")
}

fn metadata() -> serde_json::Value {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(root().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("metadata is JSON")
}

#[test]
fn architecture_map_names_every_crate_and_only_paths_that_exist() {
    let root = root();
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let meta = metadata();
    for member in meta["workspace_members"].as_array().expect("members") {
        let id = member.as_str().unwrap_or_default();
        let package = meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .expect("package");
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
        let dir = manifest
            .parent()
            .unwrap()
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string();
        assert!(
            map.contains(&format!("`{dir}/`")),
            "ARCHITECTURE.md does not describe `{dir}/`"
        );
    }
    for (i, chunk) in map.split('`').enumerate() {
        let looks_like_path = i % 2 == 1
            && chunk.contains('/')
            && !chunk.starts_with("..")
            && !chunk.starts_with('/')
            && !chunk.contains(['<', '*', '{', ' ', '$']);
        if looks_like_path {
            assert!(
                root.join(chunk).exists(),
                "ARCHITECTURE.md names `{chunk}`, which does not exist"
            );
        }
    }
}

#[test]
fn pure_crates_reach_no_io_crate() {
    let meta = metadata();
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: BTreeMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), deps)
        })
        .collect();
    let forbidden = [
        "rusqlite",
        "libsqlite3-sys",
        "reqwest",
        "tokio",
        "tauri",
        "keyring",
        "salal-store",
    ];
    for pure in [
        "salal-core",
        "salal-forecast",
        "salal-matching",
        "salal-hl7",
    ] {
        let Some(start) = names.iter().find(|(_, n)| **n == pure).map(|(id, _)| *id) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let name = names[id];
            assert!(
                !forbidden.contains(&name),
                "{pure} depends on {name}, an IO crate"
            );
            stack.extend(nodes.get(id).into_iter().flatten());
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let root = root();
    let mut missing = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.')
                    && name != "target"
                    && name != "node_modules"
                    && name != "dist"
                    && name != "gen"
                {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if !text.trim_start().starts_with("//!") {
                    missing.push(path.strip_prefix(&root).unwrap().display().to_string());
                }
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "files without a //! module doc: {missing:?}"
    );
}
