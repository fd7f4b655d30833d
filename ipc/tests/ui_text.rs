//! Every text the desktop app shows comes from the translation files, in both
//! languages: the UI's keys exist in English and Spanish alike, every key the
//! code names exists, and no human-language text is written in the UI's or the
//! shell's source code.
//!
//! Lives with `salal-ipc`, the crate the UI and the shell share, because it
//! checks both without building either (no wasm, no WebKit needed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every key → text of one language (all files of its folder merged).
fn catalog(lang: &str) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    let dir = root().join("assets/i18n").join(lang);
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let map: BTreeMap<String, String> =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            all.extend(map);
        }
    }
    all
}

fn ui_keys(lang: &str) -> BTreeSet<String> {
    let path = root().join("assets/i18n").join(lang).join("ui.json");
    let map: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    map.into_keys().collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of a Rust source file, with their line numbers
/// (comments, char literals and lifetimes are skipped).
fn string_literals(source: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = source.chars().collect();
    let mut found = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => line += 1,
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
                i += 2;
                continue;
            }
            '\'' => {
                // A char literal ('x', '\n'); otherwise a lifetime or label.
                if next == Some('\\') {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 2;
                }
            }
            'r' if next == Some('#')
                || (next == Some('"')
                    && !chars
                        .get(i.wrapping_sub(1))
                        .is_some_and(|p| p.is_alphanumeric() || *p == '_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) == Some(&'"') {
                    let start_line = line;
                    let mut text = String::new();
                    j += 1;
                    while j < chars.len() {
                        if chars[j] == '"'
                            && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#'))
                        {
                            break;
                        }
                        line += usize::from(chars[j] == '\n');
                        text.push(chars[j]);
                        j += 1;
                    }
                    found.push((start_line, text));
                    i = j + 1 + hashes;
                    continue;
                }
            }
            '"' => {
                let start_line = line;
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    line += usize::from(chars[i] == '\n');
                    text.push(chars[i]);
                    i += 1;
                }
                found.push((start_line, text));
            }
            _ => {}
        }
        i += 1;
    }
    found
}

fn is_key(text: &str) -> bool {
    let mut parts = text.split('.');
    let first = parts.next().unwrap_or_default();
    !first.is_empty()
        && first.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        && text.contains('.')
        && parts.all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_{}".contains(c))
        })
}

/// Tokens that are not language: keyboard key names, code systems, format strings.
const NOT_LANGUAGE: &[&str] = &[
    "Enter",
    "Escape",
    "ArrowDown",
    "ArrowUp",
    "F2",
    "F7",
    "F8",
    "F9",
    "Control+P",
    "NCIT",
    // The product's name, as the documents folder is called.
    "Salal",
];

/// Whether a literal reads like words for a person (a capital letter or a
/// non-ASCII letter), rather than a CSS class, an id, a code or punctuation.
fn looks_like_text(literal: &str) -> bool {
    if NOT_LANGUAGE.contains(&literal) || literal.starts_with('%') || is_key(literal) {
        return false;
    }
    // Identifiers: environment variables, JS globals (`SALAL_DATA_DIR`, `__TAURI__`).
    if literal
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    literal
        .chars()
        .any(|c| c.is_uppercase() || (c.is_alphabetic() && !c.is_ascii()))
}

fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&root().join("ui/src"), &mut files);
    rust_files(&root().join("src-tauri/src"), &mut files);
    files
}

#[test]
fn ui_translations_have_the_same_keys_in_english_and_spanish() {
    let (en, es) = (ui_keys("en"), ui_keys("es"));
    assert!(!en.is_empty());
    let only_en: Vec<_> = en.difference(&es).collect();
    let only_es: Vec<_> = es.difference(&en).collect();
    assert!(
        only_en.is_empty(),
        "in en/ui.json but not es/ui.json: {only_en:?}"
    );
    assert!(
        only_es.is_empty(),
        "in es/ui.json but not en/ui.json: {only_es:?}"
    );
    for key in &en {
        assert!(
            key.starts_with("ui."),
            "ui.json keys start with `ui.`: {key}"
        );
    }
}

#[test]
fn every_key_the_app_names_exists_in_both_languages() {
    let (en, es) = (catalog("en"), catalog("es"));
    let mut checked = 0;
    for file in sources() {
        let source = std::fs::read_to_string(&file).unwrap();
        for (line, literal) in string_literals(&source) {
            if !literal.starts_with("ui.") || !is_key(&literal) {
                continue;
            }
            // `ui.event.kind.{}` is completed at run time: some key must start with the prefix.
            let (prefix, dynamic) = match literal.find('{') {
                Some(at) => (&literal[..at], true),
                None => (literal.as_str(), false),
            };
            for (lang, catalog) in [("en", &en), ("es", &es)] {
                let exists = if dynamic {
                    catalog.keys().any(|k| k.starts_with(prefix))
                } else {
                    catalog.contains_key(prefix)
                };
                assert!(
                    exists,
                    "{}:{line}: key {literal} is missing in {lang}",
                    file.display()
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked > 100,
        "only {checked} keys found; is the scan still reading the sources?"
    );
}

/// The source without its unit tests (their sample names and documents are data, not UI text).
fn without_tests(source: &str) -> &str {
    source
        .find("#[cfg(test)]")
        .map_or(source, |at| &source[..at])
}

#[test]
fn no_text_is_written_in_the_code() {
    let mut offenders = Vec::new();
    for file in sources() {
        let source = std::fs::read_to_string(&file).unwrap();
        let source = without_tests(&source);
        let lines: Vec<&str> = source.lines().collect();
        for (line, literal) in string_literals(source) {
            // Lint reasons are for the people reading the code.
            let in_lint_reason = lines.get(line - 1).is_some_and(|l| l.contains("reason = "));
            if looks_like_text(&literal) && !in_lint_reason {
                offenders.push(format!("{}:{line}: {literal:?}", file.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "put these texts in assets/i18n/{{en,es}}/ui.json:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_scanner_finds_text_and_skips_keys_comments_and_lifetimes() {
    let source = r#"
        // "Not this comment"
        fn f<'a>(x: &'a str) -> char { let _ = t("ui.login.title"); let _ = "Hard-coded"; 'x' }
        /* "Nor this" */ let c = "class-name"; let s = "Sí";
    "#;
    let literals: Vec<String> = string_literals(source)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(
        literals,
        ["ui.login.title", "Hard-coded", "class-name", "Sí"]
    );
    let flagged: Vec<&String> = literals.iter().filter(|l| looks_like_text(l)).collect();
    assert_eq!(flagged, ["Hard-coded", "Sí"]);
}
