//! Measures Salal Clinic's start on a large clinic, in the real window:
//! launch → sign-in screen usable, sign-in → search box usable, a search for
//! "garcia" → results shown, and the resident memory of the app and its
//! WebKit processes. Prints one line per run as it goes.
//!
//! `startup-bench DATA_DIR [RUNS]`, with the demo administrator's password in
//! `SALAL_PASSWORD`; run under Xvfb and the keyring that holds the clinic's key
//! (see the "Desktop app" section of BENCHMARKS.md for the exact command).

use salal_e2e::{App, TestResult, app_binary};
use std::path::{Path, PathBuf};
use std::time::Instant;
use thirtyfour::Key;

#[tokio::main]
async fn main() -> TestResult {
    let mut args = std::env::args().skip(1);
    let data_dir = PathBuf::from(args.next().ok_or("usage: startup-bench DATA_DIR [RUNS]")?);
    let runs: u32 = args.next().map_or(Ok(3), |r| r.parse())?;
    let password = std::env::var("SALAL_PASSWORD")?;
    let user = std::env::var("SALAL_USER").unwrap_or_else(|_| "admin".to_owned());
    for run in 1..=runs {
        let start = Instant::now();
        let mut app = App::launch_on("bench", data_dir.clone()).await?;
        app.wait_for("login-username").await?;
        let login_ready = start.elapsed();
        app.fill("login-username", &user).await?;
        app.fill("login-password", &password).await?;
        let submitted = Instant::now();
        app.keys("login-password", Key::Enter).await?;
        if let Err(e) = app.wait_for("search-input").await {
            app.shot("sign-in-failed").await?;
            return Err(e);
        }
        let search_ready = submitted.elapsed();
        let typed = Instant::now();
        app.fill("search-input", "garcia").await?;
        app.wait_text("search-results", "García").await?;
        let results = typed.elapsed();
        if run == 1 {
            app.shot("search-100k").await?;
        }
        let wasm_bytes = app
            .script(
                "arguments[arguments.length - 1](\
                 window.salalWasm ? window.salalWasm.memory.buffer.byteLength : 0);",
            )
            .await?
            .as_u64()
            .unwrap_or(0);
        #[expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
        {
            println!("  the UI's wasm memory: {} MB", wasm_bytes / (1024 * 1024));
        }
        let (app_kb, total_kb) = resident_memory_kb(&app_binary())?;
        let line = format!(
            "run {run}: launch→sign-in screen {:.0} ms; sign-in→search box {:.0} ms; start total {:.0} ms; \
             'garcia' typed→results {:.0} ms; RSS app {} MB, app+WebKit {} MB",
            ms(login_ready),
            ms(search_ready),
            ms(login_ready) + ms(search_ready),
            ms(results),
            app_kb / 1024,
            total_kb / 1024
        );
        #[expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
        {
            println!("{line}");
        }
        app.quit().await?;
    }
    Ok(())
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Resident memory (kB) of the app process, and of it plus every process below it (WebKit's).
fn resident_memory_kb(binary: &Path) -> TestResult<(u64, u64)> {
    let binary = binary.canonicalize()?;
    let mut parents: Vec<(u32, u32, u64)> = Vec::new(); // pid, ppid, rss
    let mut app_pid = None;
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        };
        let Some(ppid) = field("PPid:").and_then(|p| u32::try_from(p).ok()) else {
            continue;
        };
        let rss = field("VmRSS:").unwrap_or(0);
        parents.push((pid, ppid, rss));
        if std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == binary) {
            app_pid = Some(pid);
        }
    }
    let app_pid = app_pid.ok_or("the app process was not found")?;
    let mut family = vec![app_pid];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(
            parents
                .iter()
                .filter(|(_, ppid, _)| *ppid == parent)
                .map(|(pid, _, _)| *pid),
        );
        i += 1;
    }
    let rss = |pid: u32| {
        parents
            .iter()
            .find(|(p, _, _)| *p == pid)
            .map_or(0, |(_, _, rss)| *rss)
    };
    let mut pss_total = 0;
    for pid in &family {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let pss = rollup_kb(&rollup, "Pss:");
        pss_total += pss;
        #[expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
        {
            println!(
                "  {} (pid {pid}): RSS {} MB, PSS {} MB ({})",
                name.trim(),
                rss(*pid) / 1024,
                pss / 1024,
                pss_kinds(&rollup)
            );
            if std::env::var_os("SALAL_BENCH_MAPS").is_some() {
                for (kb, mapping) in largest_mappings(*pid, 8) {
                    println!("      {:>6} MB  {mapping}", kb / 1024);
                }
            }
        }
    }
    #[expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
    {
        println!(
            "  PSS of app+WebKit (shared libraries counted once): {} MB",
            pss_total / 1024
        );
    }
    Ok((rss(app_pid), family.iter().map(|p| rss(*p)).sum()))
}

/// The kB of field `name` (`Pss:`, `Pss_Anon:`, ...) in the text of a
/// process's `/proc/PID/smaps_rollup`; 0 when it is not there.
fn rollup_kb(rollup: &str, name: &str) -> u64 {
    rollup
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// `anon A MB, file F MB, shmem S MB`: what a process's PSS is made of, from
/// the text of its `/proc/PID/smaps_rollup`.
fn pss_kinds(rollup: &str) -> String {
    format!(
        "anon {} MB, file {} MB, shmem {} MB",
        rollup_kb(rollup, "Pss_Anon:") / 1024,
        rollup_kb(rollup, "Pss_File:") / 1024,
        rollup_kb(rollup, "Pss_Shmem:") / 1024
    )
}

/// The `n` mappings of a process with the most PSS (kB), named by file or kind;
/// printed when `SALAL_BENCH_MAPS` is set, to see where the memory is.
fn largest_mappings(pid: u32, n: usize) -> Vec<(u64, String)> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut by_name: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut current = String::new();
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or_default();
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            current = line
                .split_whitespace()
                .nth(5)
                .unwrap_or("[anonymous]")
                .to_owned();
        } else if first == "Pss:" {
            let kb: u64 = words.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            *by_name.entry(current.clone()).or_default() += kb;
        }
    }
    let mut all: Vec<(u64, String)> = by_name.into_iter().map(|(k, v)| (v, k)).collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    all.truncate(n);
    all
}
