//! The harness for sync tests with real parts: a fresh PostgreSQL database on
//! the server `scripts/with-postgres.sh` started, the real `salal-registry`
//! binary serving HTTPS on loopback, real clinic replicas driven through the
//! real `salal` command line (SQLCipher files, key in the real keyring), and a
//! TCP [`Proxy`] between them that can delay, drop, or cut a connection after
//! so many bytes (so an answer is lost after the registry applied a push).
//!
//! Binaries are found beside the test executable (`target/<profile>/`), which
//! `cargo test --workspace` builds before running any test.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The demo password every test clinic's administrator has.
pub const PASSWORD: &str = "orchard river demo clinic";

/// A binary of the workspace, beside the running test.
#[must_use]
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // Tests run from target/<profile>/deps, binaries from target/<profile>.
    let here = exe.parent().expect("a folder");
    let dir = if here.ends_with("deps") {
        here.parent().unwrap_or(here)
    } else {
        here
    };
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: run the tests with `cargo test --workspace` (it builds every binary)",
        path.display()
    );
    path
}

/// The PostgreSQL server of `scripts/with-postgres.sh`; fails loudly without it.
#[must_use]
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run these tests under scripts/with-postgres.sh (scripts/test.sh does)")
    })
}

/// A fresh database on that server, for one test.
#[must_use]
pub fn fresh_database() -> String {
    let url = server_url();
    let (base, _) = url.rsplit_once('/').expect("DATABASE_URL ends in /DBNAME");
    let name = format!("t{}", rand::random::<u64>());
    let psql = Command::new("psql")
        .args([&url, "-qc", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql runs");
    assert!(
        psql.status.success(),
        "create database: {}",
        String::from_utf8_lossy(&psql.stderr)
    );
    format!("{base}/{name}")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running registry: its database, TLS folder and process.
pub struct Registry {
    /// Its database URL.
    pub database_url: String,
    /// Where cert.pem and key.pem live.
    pub tls_dir: tempfile::TempDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
    process: Option<Child>,
}

impl Registry {
    /// Migrates a fresh database and starts `salal-registry serve`.
    #[must_use]
    pub fn start() -> Registry {
        let mut registry = Registry {
            database_url: fresh_database(),
            tls_dir: tempfile::tempdir().expect("tempdir"),
            port: free_port(),
            process: None,
        };
        let out = registry.run(&["migrate"]);
        assert!(out.status.success(), "migrate: {out:?}");
        registry.restart();
        registry
    }

    /// `https://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Runs one SQL query against its database with `psql`; the rows, one
    /// per line, columns separated by `|`.
    #[must_use]
    pub fn sql(&self, query: &str) -> String {
        let out = Command::new("psql")
            .arg(&self.database_url)
            .args(["-X", "-q", "-t", "-A", "-c", query])
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "psql {query}: {out:?}");
        text(&out)
    }

    /// Runs an administration command against its database.
    #[must_use]
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(binary("salal-registry"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .output()
            .expect("salal-registry runs")
    }

    /// (Re)starts the server and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(binary("salal-registry"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--tls-dir",
            ])
            .arg(self.tls_dir.path())
            .env("DATABASE_URL", &self.database_url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("salal-registry serve starts");
        self.process = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "the registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server with SIGKILL (no clean shutdown).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `org add --name NAME`: the new id.
    #[must_use]
    pub fn add_org(&self, name: &str) -> String {
        let out = self.run(&["org", "add", "--name", name]);
        assert!(out.status.success(), "org add: {out:?}");
        text(&out).trim().to_owned()
    }

    /// `enroll-code --org ID`: a one-time code.
    #[must_use]
    pub fn enroll_code(&self, org: &str) -> String {
        let out = self.run(&["enroll-code", "--org", org]);
        assert!(out.status.success(), "enroll-code: {out:?}");
        text(&out).trim().to_owned()
    }

    /// `export --org ID`.
    #[must_use]
    pub fn export(&self, org: &str) -> String {
        let out = self.run(&["export", "--org", org]);
        assert!(out.status.success(), "export: {out:?}");
        text(&out)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One clinic computer: a data folder driven through the `salal` command line.
pub struct Replica {
    /// Its data folder.
    pub dir: tempfile::TempDir,
}

impl Default for Replica {
    fn default() -> Self {
        Replica::new()
    }
}

impl Replica {
    /// An empty data folder.
    #[must_use]
    pub fn new() -> Replica {
        Replica {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The data folder of a new computer (not yet created).
    #[must_use]
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A `salal` command for this computer, signed in as the demo administrator.
    #[must_use]
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary("salal"));
        cmd.arg("--data-dir")
            .arg(self.data_dir())
            .args(args)
            .env("SALAL_USER", "admin")
            .env("SALAL_PASSWORD", PASSWORD)
            .env("SALAL_LANG", "en");
        cmd
    }

    /// Runs `salal ARGS...`.
    #[must_use]
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("salal runs")
    }

    /// Runs and requires success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "salal {args:?} failed: {}{}",
            text(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        text(&out)
    }

    /// `salal sync`, requiring success; returns (pushed, pulled, rejected).
    #[must_use]
    pub fn sync(&self) -> (u64, u64, u64) {
        parse_sync_line(&self.ok(&["sync"])).expect("a sync: line")
    }

    /// `salal export`.
    #[must_use]
    pub fn export(&self) -> String {
        self.ok(&["export"])
    }

    /// A demo clinic of one patient, enrolled with the registry for `org`.
    #[must_use]
    pub fn enrolled(registry: &Registry, org: &str) -> Replica {
        let replica = Replica::new();
        replica.ok(&["demo", "--patients", "1"]);
        replica.ok(&[
            "enroll",
            "--registry",
            &registry.url(),
            "--code",
            &registry.enroll_code(org),
        ]);
        replica
    }

    /// `patient add ARGS... --force`; returns the new id.
    #[must_use]
    pub fn register(&self, args: &[&str]) -> String {
        let mut all = vec!["patient", "add"];
        all.extend_from_slice(args);
        all.push("--force");
        self.ok(&all).trim().to_owned()
    }

    /// Registers a patient; returns its id.
    #[must_use]
    pub fn add_patient(&self, first: &str, last: &str, birth: &str) -> String {
        self.ok(&[
            "patient",
            "add",
            "--first",
            first,
            "--last",
            last,
            "--birth-date",
            birth,
            "--force",
        ])
        .trim()
        .to_owned()
    }

    /// Records a historical dose; returns its id.
    #[must_use]
    pub fn add_dose(&self, patient: &str, cvx: &str, date: &str) -> String {
        self.ok(&[
            "dose",
            "add",
            "--patient",
            patient,
            "--kind",
            "historical",
            "--cvx",
            cvx,
            "--date",
            date,
            "--source",
            "01",
        ])
        .trim()
        .to_owned()
    }
}

/// Dose lines of an export that name `patient`.
#[must_use]
pub fn doses_of(export: &str, patient: &str) -> usize {
    export
        .lines()
        .filter(|l| l.ends_with("\"kind\":\"dose\"}"))
        .filter(|l| l.contains(&format!("\"patient_id\":\"{patient}\"")))
        .count()
}

/// Requires the replica's export to equal the registry's for `org`; returns it.
#[must_use]
pub fn assert_converged(replica: &Replica, registry: &Registry, org: &str) -> String {
    let mine = replica.export();
    let theirs = registry.export(org);
    assert!(mine == theirs, "{}", export_diff(&mine, &theirs));
    mine
}

/// An export without the registry's `duplicate_of` links (the same dose
/// reported twice), i.e. as the clinic typed it.
#[must_use]
pub fn without_duplicate_links(export: &str) -> String {
    let mut out = String::with_capacity(export.len());
    for line in export.lines() {
        let mut line = line.to_owned();
        if let Some(start) = line.find("\"duplicate_of\":\"") {
            let value_start = start + "\"duplicate_of\":\"".len();
            if let Some(len) = line[value_start..].find('"') {
                let mut end = value_start + len + 1;
                if line[end..].starts_with(',') {
                    end += 1;
                } else if line[..start].ends_with(',') {
                    line.replace_range(start - 1..end, "");
                    out.push_str(&line);
                    out.push('\n');
                    continue;
                }
                line.replace_range(start..end, "");
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Reads `sync: N pushed, M pulled, K rejected` (the last line).
#[must_use]
pub fn parse_sync_line(stdout: &str) -> Option<(u64, u64, u64)> {
    let line = stdout.lines().last()?;
    let rest = line.strip_prefix("sync: ")?;
    let mut numbers = rest
        .split(", ")
        .map(|part| part.split(' ').next()?.parse().ok());
    Some((numbers.next()??, numbers.next()??, numbers.next()??))
}

/// What the proxy does to each new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Passes everything.
    Pass,
    /// Closes the connection at once.
    Drop,
    /// Cuts the registry's answer after this many bytes (the request got through).
    CutAnswerAfter(u64),
    /// Cuts the request after this many bytes (the registry never gets it whole).
    CutRequestAfter(u64),
    /// Waits this many milliseconds before passing anything.
    Delay(u64),
}

/// A TCP proxy on loopback in front of the registry.
pub struct Proxy {
    /// Its port.
    pub port: u16,
    fault: Arc<Mutex<Fault>>,
    /// How many connections it saw.
    pub connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

fn pipe(mut from: TcpStream, mut to: TcpStream, limit: Option<u64>, moved: &AtomicU64) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let allowed = limit.map_or(n as u64, |l| l.saturating_sub(sent).min(n as u64));
        let allowed = usize::try_from(allowed).unwrap_or(n);
        if allowed > 0 && to.write_all(&buf[..allowed]).is_err() {
            break;
        }
        sent += allowed as u64;
        moved.fetch_add(allowed as u64, Ordering::Relaxed);
        if allowed < n {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

impl Proxy {
    /// A proxy to 127.0.0.1:`target`.
    #[must_use]
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let fault = Arc::new(Mutex::new(Fault::Pass));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, c, s) = (fault.clone(), connections.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                c.fetch_add(1, Ordering::Relaxed);
                let fault = *f.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                std::thread::spawn(move || {
                    if fault == Fault::Drop {
                        let _ = client.shutdown(Shutdown::Both);
                        return;
                    }
                    if let Fault::Delay(ms) = fault {
                        std::thread::sleep(Duration::from_millis(ms));
                    }
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                        return;
                    };
                    let (up_limit, down_limit) = match fault {
                        Fault::CutRequestAfter(n) => (Some(n), None),
                        Fault::CutAnswerAfter(n) => (None, Some(n)),
                        _ => (None, None),
                    };
                    let moved = Arc::new(AtomicU64::new(0));
                    let (c2, s2) = (
                        client.try_clone().expect("clone"),
                        server.try_clone().expect("clone"),
                    );
                    let m = moved.clone();
                    let up = std::thread::spawn(move || pipe(c2, s2, up_limit, &m));
                    pipe(server, client, down_limit, &moved);
                    let _ = up.join();
                });
            }
        });
        Proxy {
            port,
            fault,
            connections,
            stop,
        }
    }

    /// `https://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// What to do to the next connections.
    pub fn set(&self, fault: Fault) {
        *self
            .fault
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fault;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Runs `pg_ctl` on the test server (as the postgres user when root).
pub fn pg_ctl(action: &str) {
    let bin = std::env::var("SALAL_PG_BIN").expect("SALAL_PG_BIN from with-postgres.sh");
    let data = std::env::var("SALAL_PG_DATA").expect("SALAL_PG_DATA from with-postgres.sh");
    let pg_ctl = format!("{bin}/pg_ctl");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| text(&o).trim() == "0");
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &pg_ctl]);
        c
    } else {
        Command::new(&pg_ctl)
    };
    cmd.args(["-D", &data, "-w", "-t", "60", "-m", "fast", action]);
    if action == "start" {
        cmd.args(["-l", &format!("{data}/../postgres.log")]);
    }
    let out = cmd.output().expect("pg_ctl runs");
    assert!(out.status.success(), "pg_ctl {action}: {out:?}");
}

/// The lines of an export that differ between two exports (for messages).
#[must_use]
pub fn export_diff(a: &str, b: &str) -> String {
    let left: std::collections::BTreeSet<&str> = a.lines().collect();
    let right: std::collections::BTreeSet<&str> = b.lines().collect();
    let mut out = String::new();
    for l in left.difference(&right).take(5) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in right.difference(&left).take(5) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

/// How many lines of an export are of `kind`.
#[must_use]
pub fn count_kind(export: &str, kind: &str) -> usize {
    let needle = format!("\"kind\":\"{kind}\"");
    export
        .lines()
        .filter(|l| l.ends_with(&format!("{needle}}}")))
        .count()
}

/// The value of a field in an export line for `id`.
#[must_use]
pub fn field_of(export: &str, id: &str, field: &str) -> Option<String> {
    let line = export
        .lines()
        .find(|l| l.contains(&format!("\"id\":\"{id}\"")))?;
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v.get("fields")?.get(field)?.as_str().map(str::to_owned)
}
