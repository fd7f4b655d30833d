//! The `salal` binary as a user or script runs it: real processes, a real
//! encrypted store, the real OS keyring (run under `scripts/with-keyring.sh`).

use rand::{Rng, SeedableRng};
use salal_clinic::Clinic;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

mod support;

use support::{PASSWORD, run, salal};

fn init(dir: &Path) -> String {
    let (code, out, err) =
        run(salal(dir).args(["init", "--clinic", "Clínica del Valle", "--admin", "admin"]));
    assert_eq!(code, 0, "{err}");
    out.lines().last().expect("recovery key line").to_owned()
}

fn add_patient(dir: &Path, first: &str, last: &str, birth: &str) -> String {
    let (code, out, err) = run(salal(dir).args([
        "patient",
        "add",
        "--first",
        first,
        "--last",
        last,
        "--birth-date",
        birth,
    ]));
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

#[test]
fn init_search_show_and_record_a_dose() {
    let dir = tempfile::tempdir().unwrap();
    let recovery = init(dir.path());
    assert_eq!(recovery.len(), 62, "recovery key shown: {recovery}");
    let id = add_patient(dir.path(), "José", "García", "2019-03-07");
    let (code, out, _) = run(salal(dir.path()).args(["search", "garcia"]));
    assert_eq!(code, 0);
    assert_eq!(out, format!("{id}\tGarcía, José\t2019-03-07\n"));
    let (_, by_date, _) = run(salal(dir.path()).args(["search", "03072019"]));
    assert!(by_date.starts_with(&id));

    let (code, dose, err) = run(salal(dir.path()).args([
        "dose",
        "add",
        "--patient",
        &id,
        "--cvx",
        "03",
        "--date",
        "2020-03-10",
        "--lot",
        "X1",
        "--amount",
        "0.5",
        "--route",
        "C38299",
        "--site",
        "LA",
        "--vfc",
        "V02",
        "--funding",
        "VXC50",
        "--provider",
        "RN Ana",
        "--expires",
        "2021-01-01",
    ]));
    assert_eq!(code, 0, "{err}");
    let (_, shown, _) = run(salal(dir.path()).args(["patient", "show", &id]));
    assert!(
        shown.contains("MMR") && shown.contains("03/10/2020") && shown.contains("X1"),
        "{shown}"
    );
    let (code, _, _) =
        run(salal(dir.path()).args(["dose", "error", dose.trim(), "--reason", "wrong child"]));
    assert_eq!(code, 0);
    let (_, shown, _) = run(salal(dir.path()).args(["--lang", "es", "patient", "show", &id]));
    assert!(
        shown.contains("registrado por error") && shown.contains("10/03/2020"),
        "{shown}"
    );
    // Consent choices and the registry state are for people, never debug text.
    assert!(
        shown.contains("Participación en el registro: participa")
            && shown.contains("Registro: aún no confirmado")
            && !shown.contains("Participating"),
        "{shown}"
    );
    let (code, _, _) =
        run(salal(dir.path()).args(["consent", "--patient", &id, "--decline-mailings"]));
    assert_eq!(code, 0);
    let (_, shown, _) = run(salal(dir.path()).args(["patient", "show", &id]));
    assert!(
        shown.contains("Health-promotion mailings: declined on") && !shown.contains("Declined {"),
        "{shown}"
    );
}

#[test]
fn bad_input_exits_2_with_a_message_in_the_users_language() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let id = add_patient(dir.path(), "Ana", "Peña", "2020-01-01");
    let (code, _, err) = run(salal(dir.path()).args([
        "--lang",
        "es",
        "dose",
        "add",
        "--patient",
        &id,
        "--cvx",
        "03",
        "--date",
        "2019-12-31",
        "--kind",
        "historical",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("anterior a la fecha de nacimiento"), "{err}");
    let (code, _, err) = run(salal(dir.path()).args([
        "dose",
        "add",
        "--patient",
        &id,
        "--cvx",
        "99999",
        "--kind",
        "historical",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("not a known vaccine"), "{err}");
    let (code, _, err) = run(salal(dir.path()).args(["patient", "show", "not-an-id"]));
    assert_eq!(code, 2);
    assert!(err.contains("is not a patient id"), "{err}");
    let (code, _, err) = run(salal(dir.path())
        .env("SALAL_PASSWORD", "wrong password here")
        .args(["search", "ana"]));
    assert_eq!(code, 2);
    assert!(err.contains("user name or password is wrong"), "{err}");
    let (code, _, _) = run(salal(dir.path()).args(["search"]));
    assert_eq!(code, 2, "missing argument");
    let (code, out, _) = run(salal(dir.path()).args(["search", "peña"]));
    assert_eq!(
        (code, out.lines().count()),
        (0, 1),
        "nothing was saved by the failed commands"
    );
}

#[test]
fn without_an_os_keyring_only_the_recovery_key_opens_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let no_keyring = |cmd: &mut Command| {
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DISPLAY");
    };
    let mut setup = salal(dir.path());
    no_keyring(&mut setup);
    let (code, out, err) = run(setup.args(["init", "--clinic", "Valle", "--admin", "admin"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no OS keyring"), "{err}");
    let recovery = out.lines().last().unwrap().to_owned();
    assert!(
        !std::fs::read_dir(dir.path()).unwrap().any(|e| {
            std::fs::read_to_string(e.unwrap().path()).is_ok_and(|text| text.contains(&recovery))
        }),
        "the key is never written to a plain file"
    );

    let mut search = salal(dir.path());
    no_keyring(&mut search);
    let (code, _, err) = run(search.args(["search", "x"]));
    assert_eq!(code, 2);
    assert!(err.contains("SALAL_RECOVERY_KEY"), "{err}");

    let mut search = salal(dir.path());
    no_keyring(&mut search);
    let (code, _, err) = run(search
        .env("SALAL_RECOVERY_KEY", &recovery)
        .args(["search", "x"]));
    assert_eq!(code, 0, "{err}");
}

/// Kills `salal dose import` with SIGKILL at random moments during hundreds of
/// writes, restarts it each time, and checks that every acknowledged dose is
/// stored exactly once and that no write is partial.
#[test]
fn killed_at_random_moments_no_acknowledged_dose_is_lost_or_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let patients: Vec<String> = ["Ana", "Luis", "Mía", "Iker", "Zoe"]
        .iter()
        .map(|first| add_patient(dir.path(), first, "Flores", "2015-01-01"))
        .collect();
    let total = 300;
    let mut lines = String::new();
    let mut ids = Vec::new();
    for i in 0..total {
        let id = salal_core::ids::EventId::generate().to_string();
        let date = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap() + chrono::Days::new(i);
        lines.push_str(&format!(
            "{{\"patient\":\"{}\",\"id\":\"{id}\",\"kind\":\"historical\",\"cvx\":\"08\",\"date\":\"{date}\"}}\n",
            patients[usize::try_from(i).unwrap() % patients.len()]
        ));
        ids.push(id);
    }
    let file = dir.path().join("doses.jsonl");
    std::fs::write(&file, lines).unwrap();

    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5a1a1);
    let mut acknowledged = std::collections::BTreeSet::new();
    let mut kills = 0;
    for round in 0.. {
        assert!(round < 200, "import never finished");
        let mut child = salal(dir.path())
            .args(["dose", "import"])
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        // Lines are imported in order and already-saved ones are re-acknowledged, so
        // read past those, then kill somewhere within the next few dozen writes.
        let stop_after = acknowledged.len() + rng.random_range(1..40);
        let mut line = String::new();
        let mut finished = false;
        for _ in 0..stop_after {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                finished = true;
                break;
            }
            if let Some(id) = line.trim().strip_prefix("saved ") {
                acknowledged.insert(id.to_owned());
            }
        }
        if finished {
            assert!(child.wait().unwrap().success());
            break;
        }
        std::thread::sleep(std::time::Duration::from_micros(rng.random_range(0..3000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        // Whatever the child printed before dying was acknowledged too.
        let mut rest = String::new();
        while reader.read_line(&mut rest).unwrap_or(0) > 0 {}
        for l in rest.lines() {
            if let Some(id) = l.trim().strip_prefix("saved ") {
                acknowledged.insert(id.to_owned());
            }
        }
        // After every kill: no partial write (each dose has its outbox change and audit event).
        let clinic = Clinic::open(dir.path()).unwrap();
        let (events, outbox, audit) = clinic
            .store_for_inspection()
            .dose_integrity_counts()
            .unwrap();
        assert!(
            events == outbox && outbox == audit,
            "partial write after kill {kills}: {events}/{outbox}/{audit}"
        );
    }
    assert!(
        kills >= 5,
        "the test must actually kill the writer ({kills})"
    );

    let clinic = Clinic::open(dir.path()).unwrap();
    let store = clinic.store_for_inspection();
    let mut stored = std::collections::BTreeMap::new();
    for p in &patients {
        for event in store.patient_events(p.parse().unwrap()).unwrap() {
            *stored.entry(event.id.to_string()).or_insert(0) += 1;
        }
    }
    for id in &acknowledged {
        assert_eq!(
            stored.get(id),
            Some(&1),
            "acknowledged dose {id} not stored exactly once"
        );
    }
    assert_eq!(
        stored.len(),
        total as usize,
        "every line imported once in the end"
    );
    assert!(stored.values().all(|n| *n == 1));
    assert_eq!(
        store.dose_integrity_counts().unwrap(),
        (
            i64::from(total as u32),
            i64::from(total as u32),
            i64::from(total as u32)
        )
    );
}

/// Unmounts the test's small file system when the test ends, pass or fail.
struct SmallDisk(std::path::PathBuf);

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A real full disk: a 6 MB tmpfs. Needs root to mount (CI runs as root); elsewhere the
/// store's own test covers the same error through SQLite's page limit.
#[test]
fn a_real_full_disk_stops_the_write_with_a_clear_error_and_keeps_what_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=6m", "tmpfs"])
        .arg(dir.path())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small file system here (not root)");
        return;
    }
    let _guard = SmallDisk(dir.path().to_path_buf());
    let data = dir.path().join("clinic");
    let (code, _, err) = run(salal(&data).args(["init", "--clinic", "Valle", "--admin", "admin"]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(salal(&data).env("SALAL_PASSWORD", PASSWORD).args([
        "demo",
        "--patients",
        "20000",
        "--without-doses",
    ]));
    assert_eq!(code, 1, "the disk must fill up: {err}");
    assert!(
        err.contains("disk is full") && err.contains("Everything saved before is safe"),
        "{err}"
    );
    let (code, _, err) = run(salal(&data).args([
        "--lang",
        "es",
        "demo",
        "--patients",
        "1000",
        "--without-doses",
    ]));
    assert_eq!(code, 1);
    assert!(err.contains("El disco está lleno"), "{err}");

    let clinic = Clinic::open(&data).expect("still opens");
    let count = clinic.store_for_inspection().patient_count().unwrap();
    assert!(
        count > 0 && count % 1000 == 0,
        "whole batches only, nothing partial: {count}"
    );
    let (code, out, _) = run(salal(&data).args(["search", "garcia", "--limit", "3"]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3, "saved patients are all still there");
}
