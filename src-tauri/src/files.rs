//! Documents as files: the folder they are saved in, their names, writing them
//! so that a crash never leaves half a file, and handing one to the OS print
//! service.
//!
//! The folder is `SALAL_DOCUMENTS_DIR` when set, else `Salal` inside the
//! user's documents folder (or home folder). A file is written to a hidden
//! temporary name in the same folder, flushed to disk, then renamed into place
//! (and the folder flushed), so its name appears only once all of it is there.
//! A name already taken gets `-2`, `-3`… so nothing printed before is replaced.

use chrono::NaiveDate;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The folder inside the documents (or home) folder.
const FOLDER: &str = "Salal";
/// How long the print service may take to accept a file.
const PRINT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where documents go: the override, else `<documents>/Salal`, else `<home>/Salal`,
/// else `fallback` (the app's data folder, which always exists).
pub(crate) fn choose_folder(
    override_dir: Option<OsString>,
    documents: Option<PathBuf>,
    home: Option<PathBuf>,
    fallback: &Path,
) -> PathBuf {
    if let Some(dir) = override_dir.filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    documents
        .or(home)
        .filter(|d| d.is_absolute())
        .map_or_else(|| fallback.join("documents"), |d| d.join(FOLDER))
}

/// Letters and digits without accents, words joined by `-`: "Núñez Peña" → "Nunez-Pena".
pub(crate) fn ascii_fold(text: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else if !c.is_alphanumeric() {
            // A space, apostrophe or hyphen separates words; a letter with no
            // ASCII form is left out.
            gap = true;
        }
    }
    out
}

/// `PREFIX-Part-Part-YYYY-MM-DD.ext`, every part ASCII-folded, empty parts left out.
pub(crate) fn file_name(prefix: &str, parts: &[&str], date: NaiveDate, ext: &str) -> String {
    let mut words: Vec<String> = std::iter::once(prefix)
        .chain(parts.iter().copied())
        .map(ascii_fold)
        .filter(|w| !w.is_empty())
        .collect();
    words.push(date.format("%Y-%m-%d").to_string());
    format!("{}.{ext}", words.join("-"))
}

/// `name` in `folder`, or `stem-2.ext`, `stem-3.ext`… when it is taken.
fn free_name(folder: &Path, name: &str) -> PathBuf {
    let first = folder.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let mut n = 2_u32;
    loop {
        let candidate = if ext.is_empty() {
            folder.join(format!("{stem}-{n}"))
        } else {
            folder.join(format!("{stem}-{n}.{ext}"))
        };
        if !candidate.exists() || n == u32::MAX {
            return candidate;
        }
        n += 1;
    }
}

/// Writes `bytes` as a new file named like `name` in `folder` (made if missing);
/// answers its path once the file and its name are on disk.
pub(crate) fn write_durably(folder: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    let path = free_name(folder, name);
    let tmp = folder.join(format!(".{name}.{}.partial", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, &path)?;
        // The rename itself is durable once the folder is flushed (not possible on every OS).
        if let Ok(dir) = std::fs::File::open(folder) {
            dir.sync_all().ok();
        }
        Ok(path)
    })();
    if result.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    result
}

/// Why a file was not printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PrintError {
    /// There is no print command on this computer.
    #[error("no print service on this computer")]
    Missing,
    /// The print service refused the file.
    #[error("the print service refused the file: {0}")]
    Refused(String),
    /// The print service did not answer in time.
    #[error("the print service did not answer")]
    TimedOut,
}

/// Sends a saved file to the default printer (`lp`, CUPS); answers what the
/// print service said (its job id).
pub(crate) fn send_to_printer(path: &Path) -> Result<String, PrintError> {
    send_with("lp", path)
}

fn send_with(program: &str, path: &Path) -> Result<String, PrintError> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                PrintError::Missing
            }
            _ => PrintError::Refused(e.to_string()),
        })?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > PRINT_TIMEOUT => {
                child.kill().ok();
                child.wait().ok();
                return Err(PrintError::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(PrintError::Refused(e.to_string())),
        }
    }
    let output = child
        .wait_with_output()
        .map_err(|e| PrintError::Refused(e.to_string()))?;
    let said = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_owned();
    if output.status.success() {
        Ok(said(&output.stdout))
    } else {
        let stderr = said(&output.stderr);
        Err(PrintError::Refused(if stderr.is_empty() {
            output.status.to_string()
        } else {
            stderr
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn names_are_ascii_and_readable() {
        assert_eq!(
            file_name("CIS", &["Núñez", "Peña", "José"], day(), "pdf"),
            "CIS-Nunez-Pena-Jose-2026-12-01.pdf"
        );
        assert_eq!(
            file_name(
                "Registro de vacunas",
                &["De la Cruz", "", "María José"],
                day(),
                "pdf"
            ),
            "Registro-de-vacunas-De-la-Cruz-Maria-Jose-2026-12-01.pdf"
        );
        assert_eq!(ascii_fold("O'Brien / Zoë"), "O-Brien-Zoe");
        assert_eq!(ascii_fold("../../etc"), "etc", "no path survives folding");
    }

    #[test]
    fn the_folder_is_the_override_then_documents_then_home() {
        let fallback = Path::new("/data");
        let docs = Some(PathBuf::from("/home/ana/Documents"));
        let home = Some(PathBuf::from("/home/ana"));
        assert_eq!(
            choose_folder(Some("/tmp/x".into()), docs.clone(), home.clone(), fallback),
            PathBuf::from("/tmp/x")
        );
        assert_eq!(
            choose_folder(Some(OsString::new()), docs.clone(), home.clone(), fallback),
            PathBuf::from("/home/ana/Documents/Salal")
        );
        assert_eq!(
            choose_folder(None, None, home, fallback),
            PathBuf::from("/home/ana/Salal")
        );
        assert_eq!(
            choose_folder(None, None, None, fallback),
            PathBuf::from("/data/documents")
        );
    }

    #[test]
    fn a_file_is_written_whole_and_never_replaces_another() {
        let dir = std::env::temp_dir().join(format!("salal-files-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let first = write_durably(&dir, "a.pdf", b"one").unwrap();
        let second = write_durably(&dir, "a.pdf", b"two").unwrap();
        assert_eq!(first, dir.join("a.pdf"));
        assert_eq!(second, dir.join("a-2.pdf"));
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        assert_eq!(std::fs::read(&second).unwrap(), b"two");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_missing_or_failing_print_service_is_told_apart() {
        let path = Path::new("/nonexistent/file.pdf");
        assert_eq!(
            send_with("salal-no-such-print-command", path),
            Err(PrintError::Missing)
        );
        assert!(matches!(
            send_with("false", path),
            Err(PrintError::Refused(_))
        ));
        assert_eq!(send_with("true", path), Ok(String::new()));
    }
}
