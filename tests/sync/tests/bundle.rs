//! USB bundles through the real binaries: a clinic enrolled online once,
//! then offline for good, moves its changes to the registry on a file
//! (`salal sync export-bundle`, `salal-registry import-bundle --reply`) and
//! brings back the registry's answer (`salal sync import-bundle`). Afterwards
//! it equals the registry and a change made at another computer of the
//! clinic has arrived. The files are encrypted (no name typed at the clinic
//! is in a bundle's bytes, compressed or not). Importing either file a second
//! time is refused with exit 2 as already imported, an older bundle after a
//! newer one and an older reply after a newer one are refused with exit 2,
//! and nothing doubles; a changed file, a reply for another computer or
//! garbage is refused with exit 2 and nothing applied.

use salal_sync_tests::{Registry, Replica, count_kind, export_diff, field_of, parse_sync_line};
use std::path::Path;
use std::process::Output;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn enrolled(registry: &Registry, org: &str, patients: &str) -> Replica {
    let replica = Replica::new();
    if patients != "0" {
        replica.ok(&["demo", "--patients", patients]);
    }
    replica.ok(&[
        "enroll",
        "--registry",
        &registry.url(),
        "--code",
        &registry.enroll_code(org),
    ]);
    replica
}

/// `import-bundle FILE --reply REPLY`, required to work: (applied, duplicate, rejected, records).
fn import(registry: &Registry, bundle: &Path, reply: &Path) -> (u64, u64, u64, u64) {
    let out = registry.run(&[
        "import-bundle",
        &bundle.display().to_string(),
        "--reply",
        &reply.display().to_string(),
    ]);
    assert!(out.status.success(), "import-bundle: {out:?}");
    let text = stdout(&out);
    let line = text.lines().last().unwrap_or_default();
    let numbers: Vec<u64> = line
        .strip_prefix("bundle: ")
        .unwrap_or_else(|| panic!("a bundle: line, got {text}"))
        .split([',', ';'])
        .map(|part| {
            part.split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("a number in {line}"))
        })
        .collect();
    assert_eq!(numbers.len(), 4, "{line}");
    assert!(
        line.ends_with(" records in the reply"),
        "the summary line: {line}"
    );
    (numbers[0], numbers[1], numbers[2], numbers[3])
}

/// `salal sync import-bundle REPLY`, required to work: (pushed, pulled, rejected).
fn import_reply(replica: &Replica, reply: &Path) -> (u64, u64, u64) {
    let text = replica.ok(&["sync", "import-bundle", &reply.display().to_string()]);
    parse_sync_line(&text).unwrap_or_else(|| panic!("a sync: line, got {text}"))
}

/// Runs a refused import: exit 2, the message in `stderr` (any case), no panic.
fn assert_refused(out: &Output, what: &str, message: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "{what}: {out:?}");
    let text = stderr(out);
    assert!(!text.contains("panicked"), "{what}: {text}");
    for part in message {
        assert!(
            text.to_lowercase().contains(&part.to_lowercase()),
            "{what}: '{part}' not in: {text}"
        );
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn assert_same(replica: &Replica, registry: &Registry, org: &str) -> String {
    let mine = replica.export();
    let theirs = registry.export(org);
    assert!(
        mine == theirs,
        "the clinic differs from the registry:\n{}",
        export_diff(&mine, &theirs)
    );
    mine
}

#[test]
fn an_offline_clinic_syncs_through_files() {
    let registry = Registry::start();
    let org = registry.add_org("Clínica del Río");
    let stick = tempfile::tempdir().expect("tempdir");
    let bundle = stick.path().join("clinic.salal");
    let reply = stick.path().join("reply.salal");

    // Enrolled online once; from now on the clinic never syncs over the network.
    let clinic = enrolled(&registry, &org, "3");
    let other = enrolled(&registry, &org, "0");
    let before = assert_same(&clinic, &registry, &org);
    let known = before
        .lines()
        .find(|l| l.ends_with("\"kind\":\"patient\"}"))
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .expect("a demo patient");

    // Offline: patients and doses at the clinic; at the other computer of
    // the same clinic (online), a new patient and an edit.
    let ana = clinic.add_patient("Ana", "García", "2021-03-07");
    let dose = clinic.add_dose(&ana, "08", "2021-03-08");
    let luis = clinic.add_patient("Luis", "Pérez", "2020-11-02");
    let _ = clinic.add_dose(&luis, "10", "2021-01-02");
    let _ = clinic.add_dose(&luis, "20", "2021-01-02");
    let marta = other.add_patient("Marta", "Núñez", "2019-05-05");
    other.ok(&["patient", "edit", &known, "--first", "Renamed"]);
    let _ = other.sync();

    // The clinic writes its bundle; exporting twice is fine (the first
    // one is kept, to be replayed later).
    let first = stick.path().join("first.salal");
    clinic.ok(&["sync", "export-bundle", &first.display().to_string()]);
    let out = clinic.ok(&["sync", "export-bundle", &bundle.display().to_string()]);
    assert!(out.contains("5 change"), "the count is shown: {out}");

    // Encrypted: no name typed here is in the file, nor in what zstd makes of it.
    let good = std::fs::read(&bundle).expect("the bundle");
    let inflated = salal_sync::codec::inflate(&good).expect("zstd");
    for name in ["García", "Pérez"] {
        assert!(!contains(&good, name), "{name} in the bundle's bytes");
    }
    for name in ["Ana", "García", "Luis", "Pérez"] {
        assert!(!contains(&inflated, name), "{name} in the bundle's JSON");
    }

    // A changed bundle is refused with exit 2, and nothing of it applied:
    // a byte flipped anywhere in the middle, or its content edited.
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let bad = stick.path().join("flipped.salal");
    std::fs::write(&bad, &flipped).expect("write");
    let out = registry.run(&[
        "import-bundle",
        &bad.display().to_string(),
        "--reply",
        &reply.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2), "a flipped byte: {out:?}");
    assert!(!stderr(&out).is_empty() && !stderr(&out).contains("panicked"));
    let edited = {
        let mut envelope: serde_json::Value = serde_json::from_slice(&inflated).expect("json");
        let body = envelope["body"].as_str().expect("a body").to_owned();
        let middle = body.len() / 2;
        let digit = if &body[middle..=middle] == "0" {
            "1"
        } else {
            "0"
        };
        envelope["body"] = format!("{}{digit}{}", &body[..middle], &body[middle + 1..]).into();
        salal_sync::codec::encode(&envelope)
    };
    std::fs::write(&bad, &edited).expect("write");
    let out = registry.run(&[
        "import-bundle",
        &bad.display().to_string(),
        "--reply",
        &reply.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2), "an edited body: {out:?}");
    assert!(stderr(&out).contains("changed after"), "{}", stderr(&out));
    std::fs::write(&bad, b"not a bundle at all").expect("write");
    let out = registry.run(&[
        "import-bundle",
        &bad.display().to_string(),
        "--reply",
        &reply.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2), "garbage: {out:?}");
    assert!(!reply.exists(), "no reply for a refused bundle");
    assert!(
        !registry.export(&org).contains(&ana),
        "nothing of a refused bundle is applied"
    );

    // The registry applies it and answers with what the clinic may see.
    let (applied, duplicate, rejected, records) = import(&registry, &bundle, &reply);
    assert_eq!((applied, duplicate, rejected), (5, 0, 0));
    assert!(
        records >= 7,
        "the clinic's own records and the other computer's: {records}"
    );

    // The clinic imports the reply: its changes are answered, the other
    // computer's work has arrived, and it equals the registry.
    assert_eq!(import_reply(&clinic, &reply).0, 5);
    let after = assert_same(&clinic, &registry, &org);
    assert_eq!(
        field_of(&after, &marta, "first_name").as_deref(),
        Some("Marta")
    );
    assert_eq!(
        field_of(&after, &known, "first_name").as_deref(),
        Some("Renamed")
    );
    assert_eq!(field_of(&after, &dose, "cvx").as_deref(), Some("08"));
    let status = clinic.ok(&["patient", "show", &ana]);
    assert!(
        status.contains("confirmed"),
        "answered changes are confirmed: {status}"
    );

    // Twice: the same reply is refused as already imported; the same
    // bundle again, or the older bundle exported first, is refused with no
    // reply written; nothing changes at either end.
    let out = clinic.run(&["sync", "import-bundle", &reply.display().to_string()]);
    assert_refused(
        &out,
        "the same reply again",
        &["already imported on", "nothing was changed"],
    );
    let at_registry = registry.export(&org);
    let second_reply = stick.path().join("second-reply.salal");
    let out = registry.run(&[
        "import-bundle",
        &bundle.display().to_string(),
        "--reply",
        &second_reply.display().to_string(),
    ]);
    assert_refused(
        &out,
        "the same bundle again",
        &["this bundle was already imported on", "nothing was changed"],
    );
    let out = registry.run(&[
        "import-bundle",
        &first.display().to_string(),
        "--reply",
        &second_reply.display().to_string(),
    ]);
    assert_refused(
        &out,
        "an older bundle after a newer one",
        &[
            "a newer bundle from this computer was already imported",
            "use the newest bundle",
        ],
    );
    assert!(!second_reply.exists(), "no reply for a refused bundle");
    assert_eq!(
        registry.export(&org),
        at_registry,
        "refused bundles changed nothing"
    );
    let again = assert_same(&clinic, &registry, &org);
    assert_eq!(again, after, "nothing doubled");
    assert_eq!(count_kind(&again, "patient"), 3 + 3);
    assert_eq!(count_kind(&again, "dose"), count_kind(&before, "dose") + 3);

    // Nothing waits: a new bundle is empty, and its reply brings nothing.
    // Then the reply before it is older, and this one already imported.
    let older_reply = stick.path().join("older-reply.salal");
    std::fs::rename(&reply, &older_reply).expect("rename");
    let out = clinic.ok(&["sync", "export-bundle", &bundle.display().to_string()]);
    assert!(out.contains("0 change"), "{out}");
    let (applied, duplicate, rejected, records) = import(&registry, &bundle, &reply);
    assert_eq!((applied, duplicate, rejected, records), (0, 0, 0, 0));
    assert_eq!(import_reply(&clinic, &reply), (0, 0, 0));
    let out = clinic.run(&["sync", "import-bundle", &older_reply.display().to_string()]);
    assert_refused(
        &out,
        "an older reply after a newer one",
        &["older bundle", "nothing was changed"],
    );
    let out = clinic.run(&["sync", "import-bundle", &reply.display().to_string()]);
    assert_refused(&out, "the newest reply again", &["already imported on"]);
    assert_eq!(clinic.export(), again, "refused replies changed nothing");

    // A reply for another computer, the clinic's own bundle, or a changed
    // reply are refused with exit 2 and change nothing.
    let other_bundle = stick.path().join("other.salal");
    let other_reply = stick.path().join("other-reply.salal");
    other.ok(&["sync", "export-bundle", &other_bundle.display().to_string()]);
    let _ = import(&registry, &other_bundle, &other_reply);
    let late = clinic.add_patient("Sofía", "Ruiz", "2022-02-02");
    let out = clinic.run(&["sync", "import-bundle", &other_reply.display().to_string()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "another computer's reply: {out:?}"
    );
    assert!(
        stderr(&out).contains("another computer"),
        "{}",
        stderr(&out)
    );
    let out = clinic.run(&["sync", "import-bundle", &bundle.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "its own bundle: {out:?}");
    let mut changed = std::fs::read(&reply).expect("the reply");
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    std::fs::write(&bad, &changed).expect("write");
    let out = clinic.run(&["sync", "import-bundle", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "a changed reply: {out:?}");
    let mut expected: Vec<&str> = after.lines().collect();
    let now = clinic.export();
    assert!(now.contains(&late));
    expected.retain(|l| !l.contains(&late));
    let unchanged: Vec<&str> = now.lines().filter(|l| !l.contains(&late)).collect();
    assert_eq!(unchanged, expected, "refused replies changed nothing");
}
