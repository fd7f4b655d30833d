//! HL7 partner exchange benchmarks on real parts (results go to
//! BENCHMARKS.md): the real `salal-registry serve` over HTTPS on loopback, a
//! PostgreSQL that `scripts/with-postgres.sh` started (with
//! `SALAL_PG_FSYNC=on` for durable commits), one partner made with
//! `partner add`, and generated VXU messages: every message a distinct
//! patient (synthetic names, three-syllable surnames, births over ten years)
//! with one to three doses, each under its own ORC-3.
//!
//! 1. **Real time**: `--messages N` VXUs POSTed to `/hl7/v2` by `--clients C`
//!    concurrent clients (HTTP Basic, keep-alive connections, each waiting
//!    for its ACK before the next message); messages/s and ACK latency.
//! 2. **Batch**: one `--batch M`-message batch file POSTed to `/hl7/v2/batch`.
//!
//! Then every stored count is checked against what was sent. Alongside the
//! rates it prints where the time went: CPU seconds of the registry, of this
//! driver and of the PostgreSQL cluster, and PostgreSQL's commits and WAL
//! flushes per message.
//!
//! ```text
//! cargo build --release -p salal-registry --bins --examples
//! SALAL_PG_FSYNC=on scripts/with-postgres.sh \
//!   $CARGO_TARGET_DIR/release/examples/hl7_bench --messages 20000 --clients 64 --batch 100000
//! ```
//!
//! `--preload P` first sends P patients as batch files and runs `ANALYZE`
//! (what a live registry's autovacuum keeps up), so the timed runs meet a
//! registry in use rather than tables the planner has never seen.
//! `SALAL_HL7_MAX_GROUP=1` (passed on to the registry) makes every message
//! its own transaction, as before group commit. `--print N` prints the first
//! N generated messages and does nothing else.

#[path = "common/names.rs"]
mod names;

use names::{CITY, FIRST, Rng, ascii};
use reqwest::Client;
use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// CVX, name, MVX, manufacturer.
const VACCINES: &[(&str, &str, &str, &str)] = &[
    (
        "08",
        "Hep B, adolescent or pediatric",
        "MSD",
        "Merck and Co., Inc.",
    ),
    ("20", "DTaP", "PMC", "sanofi pasteur"),
    ("10", "IPV", "PMC", "sanofi pasteur"),
    ("03", "MMR", "MSD", "Merck and Co., Inc."),
    ("21", "varicella", "MSD", "Merck and Co., Inc."),
    (
        "140",
        "Influenza, seasonal, injectable, preservative free",
        "CSL",
        "CSL Behring",
    ),
];

/// Message `n` of run `run`: one patient, one to three doses.
fn vxu(run: u64, n: u64) -> (String, usize) {
    let mut rng = Rng(run ^ n.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let start = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default();
    let birth = start
        .checked_add_days(chrono::Days::new(rng.below(3650)))
        .unwrap_or(start);
    let (last, mother_last) = (rng.surname(), rng.surname());
    let (first, middle, mother) = (
        ascii(rng.pick(FIRST)),
        ascii(rng.pick(FIRST)),
        ascii(rng.pick(FIRST)),
    );
    let sex = if rng.below(2) == 0 { "F" } else { "M" };
    let address = format!(
        "{} Alder Rd^^{}^WA^{}^USA^L",
        rng.below(9000) + 100,
        rng.pick(CITY),
        98_900 + rng.below(60)
    );
    let phone = format!("^PRN^PH^^^509^{:07}", 5_550_000 + rng.below(4_450_000));
    let b = birth.format("%Y%m%d");
    let mut text = format!(
        "MSH|^~\\&|Bench EHR|X68||SALAL|20261203080000-0800||VXU^V04^VXU_V04|B{run}-{n}|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS\r\
         PID|1||B{run}-{n}^^^BENCH EHR^MR||{last}^{first}^{middle}^^^^L|{mother_last}^{mother}^^^^^M|{b}|{sex}||2106-3^White^CDCREC|{address}||{phone}|||||||||2186-5^non Hispanic or Latino^CDCREC\r\
         PD1|||||||||||02^Reminder/Recall - any method^HL70215|||||A|{b}|{b}\r\
         NK1|1|{mother_last}^{mother}^^^^^L|MTH^Mother^HL70063|{address}|{phone}\r"
    );
    let doses = 1 + usize::try_from(rng.below(3)).unwrap_or(0);
    for d in 0..doses {
        let (cvx, name, mvx, maker) = VACCINES
            .get(usize::try_from(rng.below(VACCINES.len() as u64)).unwrap_or(0))
            .copied()
            .unwrap_or(VACCINES[0]);
        let given = birth
            .checked_add_days(chrono::Days::new(30 + rng.below(700)))
            .unwrap_or(birth)
            .format("%Y%m%d");
        let _ = write!(
            text,
            "ORC|RE||B{run}-{n}-{d}^BENCH|||||||I-23432^Burden^Donna^A^^^^^NIST-AA-1||57422^RADON^NICHOLAS^^^^^^NIST-AA-1^L\r\
             RXA|0|1|{given}||{cvx}^{name}^CVX|0.5|mL^MilliLiter [SI Volume Units]^UCUM||00^New immunization record^NIP001|7832-1^Lemon^Mike^A^^^^^NIST-AA-1|^^^X68||||L{}|20301231|{mvx}^{maker}^MVX|||CP|A\r\
             RXR|IM^Intramuscular^HL70162|LA^Left Arm^HL70163\r\
             OBX|1|CE|64994-7^Vaccine funding program eligibility category^LN|1|V02^VFC eligible - Medicaid/Medicaid Managed Care^HL70064||||||F|||{given}|||VXC40^Eligibility captured at the immunization level^CDCPHINVS\r\
             OBX|2|CE|30956-7^vaccine type^LN|2|{cvx}^{name}^CVX||||||F\r\
             OBX|3|TS|29768-9^Date vaccine information statement published^LN|2|20120702||||||F\r\
             OBX|4|TS|29769-7^Date vaccine information statement presented^LN|2|{given}||||||F\r",
            10_000 + rng.below(90_000),
        );
    }
    (text, doses)
}

/// Clock ticks a process has used (user + system), from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command name (which may hold spaces), from field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime is field 14, stime 15: indexes 11 and 12 after the name.
    get(11) + get(12)
}

/// The cluster's processes: the postmaster of SALAL_PG_DATA and its children.
fn postgres_ticks() -> u64 {
    let Some(data) = std::env::var_os("SALAL_PG_DATA") else {
        return 0;
    };
    let Some(master) = std::fs::read_to_string(Path::new(&data).join("postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<u32>().ok()))
    else {
        return 0;
    };
    let mut total = cpu_ticks(master);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(master) {
                total += cpu_ticks(pid);
            }
        }
    }
    total
}

/// Busy ticks of the whole machine.
fn machine_ticks() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|t| {
            let line = t.lines().next()?.to_owned();
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|f| f.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal
            Some(
                v.iter().take(8).sum::<u64>()
                    - v.get(3).copied().unwrap_or(0)
                    - v.get(4).copied().unwrap_or(0),
            )
        })
        .unwrap_or(0)
}

struct Usage {
    server: u64,
    client: u64,
    postgres: u64,
    machine: u64,
}

fn usage(server: u32) -> Usage {
    Usage {
        server: cpu_ticks(server),
        client: cpu_ticks(std::process::id()),
        postgres: postgres_ticks(),
        machine: machine_ticks(),
    }
}

fn report_usage(before: &Usage, after: &Usage, messages: usize, seconds: f64) {
    let tick = 100.0_f64;
    let per = |a: u64, b: u64| (a.saturating_sub(b)) as f64 / tick;
    let n = messages.max(1) as f64;
    let (s, c, p, m) = (
        per(after.server, before.server),
        per(after.client, before.client),
        per(after.postgres, before.postgres),
        per(after.machine, before.machine),
    );
    println!(
        "  CPU s: registry {s:.1} ({:.0} µs/msg), driver {c:.1} ({:.0} µs/msg), PostgreSQL {p:.1} ({:.0} µs/msg), \
         machine busy {m:.1} of {:.1} available (2 cores), other {:.1}",
        s * 1e6 / n,
        c * 1e6 / n,
        p * 1e6 / n,
        seconds * 2.0,
        (m - s - c - p).max(0.0)
    );
}

async fn pg_counters(url: &str) -> (i64, i64) {
    use sqlx_core::connection::Connection;
    let Ok(mut conn) = sqlx_postgres::PgConnection::connect(url).await else {
        return (0, 0);
    };
    let commits: i64 = sqlx_core::query_scalar::query_scalar(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap_or(0);
    let syncs: i64 = sqlx_core::query_scalar::query_scalar("SELECT wal_sync FROM pg_stat_wal")
        .fetch_one(&mut conn)
        .await
        .unwrap_or(0);
    let _ = conn.close().await;
    (commits, syncs)
}

async fn scalar(url: &str, sql: &str) -> i64 {
    use sqlx_core::connection::Connection;
    let mut conn = sqlx_postgres::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let n: i64 =
        sqlx_core::query_scalar::query_scalar(sqlx_core::sql_str::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
    n
}

async fn execute(url: &str, sql: &str) {
    use sqlx_core::connection::Connection;
    let mut conn = sqlx_postgres::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    sqlx_core::query::query(sqlx_core::sql_str::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// POSTs a batch file to `/hl7/v2/batch` as the partner (`what` names the
/// step in a failure).
async fn post_batch(
    http: &Client,
    base_url: &str,
    (partner, secret): (&str, &str),
    file: String,
    what: &str,
) -> reqwest::Response {
    http.post(format!("{base_url}/hl7/v2/batch"))
        .basic_auth(partner, Some(secret))
        .header("content-type", "application/hl7-v2")
        .body(file)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(index).copied().unwrap_or(0) as f64 / 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let print = arg("--print", 0);
    if print > 0 {
        for n in 0..print as u64 {
            println!("{}", vxu(1, n).0.replace('\r', "\n"));
        }
        return;
    }
    let messages = arg("--messages", 20_000);
    let clients = arg("--clients", 64);
    let batch_size = arg("--batch", 100_000);
    let base = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run under SALAL_PG_FSYNC=on scripts/with-postgres.sh")
    });
    let exe = std::env::current_exe().unwrap_or_default();
    let bin: PathBuf = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("salal-registry"))
        .unwrap_or_default();
    assert!(
        bin.is_file(),
        "{} is missing: cargo build --release -p salal-registry --bins --examples",
        bin.display()
    );
    let run = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let name = format!("hl7_bench_{run}");
    {
        use sqlx_core::connection::Connection;
        let mut conn = sqlx_postgres::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("{base}: {e}"));
        sqlx_core::query::query(sqlx_core::sql_str::AssertSqlSafe(format!(
            "CREATE DATABASE {name}"
        )))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("create database: {e}"));
        let fsync: String = sqlx_core::query_scalar::query_scalar("SHOW fsync")
            .fetch_one(&mut conn)
            .await
            .unwrap_or_default();
        let commit: String = sqlx_core::query_scalar::query_scalar("SHOW synchronous_commit")
            .fetch_one(&mut conn)
            .await
            .unwrap_or_default();
        println!("PostgreSQL: fsync {fsync}, synchronous_commit {commit}");
        let _ = conn.close().await;
    }
    let mut url = sqlx_core::Url::parse(&base).unwrap_or_else(|e| panic!("{base}: {e}"));
    url.set_path(&format!("/{name}"));
    let url = url.to_string();
    let cli = |args: &[&str]| {
        let out = Command::new(&bin)
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    cli(&["migrate"]);
    let added = cli(&["partner", "add", "--name", "Bench EHR"]);
    let mut lines = added.lines();
    let partner = lines.next().unwrap_or_default().trim().to_owned();
    let secret = lines.next().unwrap_or_default().trim().to_owned();

    let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let tls_dir = temp.path().join("tls");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0);
    let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut server = Command::new(&bin)
        .args(["serve", "--listen", &addr.to_string(), "--tls-dir"])
        .arg(&tls_dir)
        .env("DATABASE_URL", &url)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("serve: {e}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "salal-registry serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "registry pid {}, max group {}",
        server.id(),
        std::env::var("SALAL_HL7_MAX_GROUP").unwrap_or_else(|_| "256 (default)".to_owned())
    );
    let pem = std::fs::read(tls_dir.join("cert.pem")).unwrap_or_default();
    let fingerprint = salal_sync::client::pem_fingerprint(&pem)
        .unwrap_or_else(|| panic!("no certificate in {}", tls_dir.display()));
    let tls = salal_sync::client::pinned_tls(fingerprint).unwrap_or_else(|e| panic!("tls: {e}"));
    let http = Client::builder()
        .tls_backend_preconfigured(tls)
        .http1_only()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(3600))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    let base_url = format!("https://{addr}");
    let server_pid = server.id();

    // 0. The registry's population before the timed runs: `--preload P`
    // patients sent as batch files, then the statistics a live registry's
    // autovacuum keeps (`ANALYZE`), so the runs measure a registry in use,
    // not one whose tables the planner has never seen.
    let preload = arg("--preload", 0);
    if preload > 0 {
        let started = Instant::now();
        let chunk = 5_000usize;
        for first in (0..preload).step_by(chunk) {
            let n = chunk.min(preload - first);
            let mut file = String::from("FHS|^~\\&|Bench EHR|X68\rBHS|^~\\&|Bench EHR|X68\r");
            for k in 0..n as u64 {
                file.push_str(&vxu(run, 2_000_000_000 + first as u64 + k).0);
            }
            let _ = write!(file, "BTS|{n}\rFTS|1\r");
            let response = post_batch(&http, &base_url, (&partner, &secret), file, "preload").await;
            assert!(
                response.status().is_success(),
                "preload: {}",
                response.status()
            );
            let _ = response.bytes().await;
        }
        execute(&url, "ANALYZE").await;
        // Statement statistics, where pg_stat_statements is loaded, count the timed runs only.
        execute(
            &url,
            "DO $$ BEGIN PERFORM pg_stat_statements_reset(); \
             EXCEPTION WHEN undefined_function THEN NULL; END $$",
        )
        .await;
        println!(
            "preloaded {preload} patients in {:.0} s, then ANALYZE",
            started.elapsed().as_secs_f64()
        );
    }

    // 1. Real time.
    println!("generating {messages} messages");
    let generated: Vec<(String, usize)> = (0..messages as u64).map(|n| vxu(run, n)).collect();
    let realtime_doses: usize = generated.iter().map(|(_, d)| d).sum();
    let generated = Arc::new(generated);
    let next = Arc::new(AtomicUsize::new(0));
    let (c0, s0) = pg_counters(&url).await;
    let before = usage(server_pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let http = http.clone();
        let generated = Arc::clone(&generated);
        let next = Arc::clone(&next);
        let url = format!("{base_url}/hl7/v2");
        let (partner, secret) = (partner.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut codes = [0usize; 4];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((text, _)) = generated.get(i) else {
                    break;
                };
                let sent = Instant::now();
                let mut tries = 0;
                loop {
                    tries += 1;
                    let answer = http
                        .post(&url)
                        .basic_auth(&partner, Some(&secret))
                        .header("content-type", "application/hl7-v2")
                        .body(text.clone())
                        .send()
                        .await;
                    match answer {
                        Ok(r) if r.status().is_success() => {
                            let code = r
                                .headers()
                                .get("x-hl7-ack-code")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned();
                            let _ = r.bytes().await;
                            codes[match code.as_str() {
                                "AA" => 0,
                                "AE" => 1,
                                "AR" => 2,
                                _ => 3,
                            }] += 1;
                            break;
                        }
                        Ok(r) if tries < 5 && r.status().as_u16() == 503 => {
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        Ok(r) => {
                            let status = r.status();
                            panic!("{status}: {}", r.text().await.unwrap_or_default());
                        }
                        Err(e) if tries < 5 => {
                            eprintln!("retrying after {e}");
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
                latencies.push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
            }
            (latencies, codes)
        }));
    }
    let mut latencies = Vec::new();
    let mut codes = [0usize; 4];
    for task in tasks {
        let (l, c) = task.await.unwrap_or_else(|e| panic!("client: {e}"));
        latencies.extend(l);
        for (total, n) in codes.iter_mut().zip(c) {
            *total += n;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = usage(server_pid);
    let (c1, s1) = pg_counters(&url).await;
    latencies.sort_unstable();
    println!(
        "real time: {messages} VXU ({realtime_doses} doses), {clients} clients: {elapsed:.1} s, \
         {:.0} messages/s; ACK latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         AA {}, AE {}, AR {}, other {}",
        messages as f64 / elapsed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        codes[0],
        codes[1],
        codes[2],
        codes[3],
    );
    println!(
        "  PostgreSQL: {} commits ({:.2} per message), {} WAL flushes ({:.2} per message)",
        c1 - c0,
        (c1 - c0) as f64 / messages.max(1) as f64,
        s1 - s0,
        (s1 - s0) as f64 / messages.max(1) as f64
    );
    report_usage(&before, &after, messages, elapsed);
    let patients = scalar(
        &url,
        "SELECT count(*) FROM records WHERE entity = 'patient'",
    )
    .await;
    let doses = scalar(&url, "SELECT count(*) FROM records WHERE entity = 'dose'").await;
    println!("  stored: {patients} patients, {doses} doses");
    drop(generated);

    // 2. Batch.
    if batch_size > 0 {
        println!("generating a batch file of {batch_size} messages");
        let mut file = String::from(
            "FHS|^~\\&|Bench EHR|X68|SALAL||20261203080000-0800||bench.hl7||BENCH-FILE-1\rBHS|^~\\&|Bench EHR|X68\r",
        );
        let mut batch_doses = 0usize;
        for n in 0..batch_size as u64 {
            let (text, d) = vxu(run, 1_000_000_000 + n);
            file.push_str(&text);
            batch_doses += d;
        }
        let _ = write!(file, "BTS|{batch_size}\rFTS|1\r");
        let bytes = file.len();
        let (c0, s0) = pg_counters(&url).await;
        let before = usage(server_pid);
        let started = Instant::now();
        let response = post_batch(&http, &base_url, (&partner, &secret), file, "batch").await;
        let status = response.status();
        let summary = response
            .headers()
            .get("x-hl7-summary")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let answer = response.bytes().await.unwrap_or_default();
        let elapsed = started.elapsed().as_secs_f64();
        let after = usage(server_pid);
        let (c1, s1) = pg_counters(&url).await;
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&answer)
        );
        println!(
            "batch: {batch_size} messages ({batch_doses} doses, {:.0} MB) in one POST: {elapsed:.1} s, \
             {:.0} messages/s; answer {:.0} MB; {summary}",
            bytes as f64 / 1e6,
            batch_size as f64 / elapsed,
            answer.len() as f64 / 1e6
        );
        println!("  PostgreSQL: {} commits, {} WAL flushes", c1 - c0, s1 - s0);
        report_usage(&before, &after, batch_size, elapsed);
        let acks = answer.windows(4).filter(|w| w == b"MSA|").count();
        assert_eq!(acks, batch_size, "one ACK per message");
        let patients = scalar(
            &url,
            "SELECT count(*) FROM records WHERE entity = 'patient'",
        )
        .await;
        let doses = scalar(&url, "SELECT count(*) FROM records WHERE entity = 'dose'").await;
        println!("  stored in all: {patients} patients, {doses} doses");
    }
    let size = scalar(&url, "SELECT pg_database_size(current_database())").await;
    println!("database size {:.0} MB", size as f64 / 1e6);
    let _ = server.kill();
    let _ = server.wait();
}
